#ifndef FV_CONFIG_CFG_SHLEX_H
#define FV_CONFIG_CFG_SHLEX_H

#include "common/err.h"
#include "common/str.h"

/*
 * The two shell-like splitters supervisord 4.2.5 uses, reproduced token for
 * token from Python's shlex module.
 */

/*
 * cfg_env_parse parses an environment= value the way 4.2.5's
 * datatypes.dict_of_key_value_pairs does: a NON-posix shlex.shlex whose
 * wordchars gain "/.+-():", tokens taken three at a time as KEY = VALUE
 * with the fourth token (normally ",") skipped unchecked, and each value
 * stripped of leading and trailing ' and " characters. Pairs are set into
 * out in order (a repeated key keeps its first position, last value wins).
 * Errors return FV_EBADCONF with d holding 4.2.5's text:
 * "No closing quotation" or
 * "Unexpected end of key/value pairs in value '<s>'".
 */
int cfg_env_parse(const char *s, struct fv_kvmap *out, struct fv_diag *d);

/*
 * cfg_command_split splits a command= value as shlex.split() does (posix
 * mode, comments off, backslash escapes, single and double quotes). On
 * success argv holds the words (possibly none). Errors return FV_EBADCONF
 * with "No closing quotation" or "No escaped character".
 */
int cfg_command_split(const char *s, struct fv_strv *argv, struct fv_diag *d);

#endif
