#ifndef FV_CONFIG_CFG_VALUE_H
#define FV_CONFIG_CFG_VALUE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "common/str.h"

/*
 * Converters from option text to typed values, one per value syntax of
 * supervisord 4.2.5 (datatypes.py). Each accepts exactly what 4.2.5
 * accepts, and on refusal returns FV_EBADCONF with d holding 4.2.5's
 * ValueError text (the caller adds file, section and key). Values are
 * quoted in messages with cfg_py_repr, as Python's %r does.
 */

/*
 * cfg_integer parses like Python int(s): surrounding whitespace, an
 * optional sign, decimal digits with single underscores between them.
 * Values outside the int64 range are refused ("value ... is too large").
 * Message: "invalid literal for int() with base 10: '<s>'".
 */
int cfg_integer(const char *s, long long *out, struct fv_diag *d);

/* cfg_boolean: yes/true/on/1 and no/false/off/0, any case.
 * Message: "not a valid boolean value: '<s>'". */
int cfg_boolean(const char *s, bool *out, struct fv_diag *d);

/* cfg_byte_size: an integer with an optional kb/mb/gb suffix, any case
 * ("50MB" = 52428800). Message as cfg_integer's for the number part. */
int cfg_byte_size(const char *s, long long *out, struct fv_diag *d);

/* cfg_octal: Python int(s, 8) ("022", "0o22", "-7", "  22 ").
 * Message: "<s> can not be converted to an octal type". */
int cfg_octal(const char *s, long long *out, struct fv_diag *d);

/*
 * cfg_signal_number: a number that is a signal Python's signal module
 * knows (0, 1-31, 34, 64), or a name with or without SIG, any case
 * (HUP, sigterm, SIGRTMIN, CLD, IOT, POLL). Messages:
 * "value '<s>' is not a valid signal name" /
 * "value '<s>' is not a valid signal number".
 */
int cfg_signal_number(const char *s, int *out, struct fv_diag *d);

/* cfg_signal_name returns "SIGTERM" for 15 etc. (the canonical name), or
 * NULL for a number without a name. */
const char *cfg_signal_name(int sig);

/* cfg_exitcodes: comma-separated ints in 0..255 ("0,2"); empty gives no
 * codes. The array is malloc'd (free it). Message:
 * "not a valid list of exit codes: '<s>'". */
int cfg_exitcodes(const char *s, int **codes, size_t *n, struct fv_diag *d);

enum cfg_autorestart {
	CFG_AUTORESTART_FALSE,
	CFG_AUTORESTART_UNEXPECTED,
	CFG_AUTORESTART_TRUE,
};

/* cfg_autorestart: a boolean word or "unexpected", any case.
 * Message: "invalid 'autorestart' value '<lowercased s>'". */
int cfg_autorestart(
    const char *s, enum cfg_autorestart *out, struct fv_diag *d);

/* cfg_logging_level: critical 50, error 40, warn 30, info 20, debug 10,
 * trace 5, blather 3 (any case). Message: "bad logging level name '<s>'". */
int cfg_logging_level(const char *s, int *out, struct fv_diag *d);

/*
 * cfg_inet_address: "host:port", ":port", "*:port" or "port" (4.2.5
 * inet_address). The host is lower-cased; "" or "*" give "". Port in
 * 1..65535. *host is malloc'd. Messages as 4.2.5: "no port number
 * specified in '<s>'", "not a valid port number: '<s>' ", "<n> is above
 * upper bound (65535)", "<n> is below lower bound (1)".
 */
int cfg_inet_address(const char *s, char **host, int *port, struct fv_diag *d);

/* cfg_name_to_uid: a user name or a numeric uid that exists in the
 * password database. Messages: "Invalid user name <s>" /
 * "Invalid user id <s>". */
int cfg_name_to_uid(const char *s, long *uid, struct fv_diag *d);

/* cfg_name_to_gid: likewise for groups ("Invalid group name <s>" /
 * "Invalid group id <s>"). */
int cfg_name_to_gid(const char *s, long *gid, struct fv_diag *d);

/* cfg_gid_for_uid: the primary group of uid. */
int cfg_gid_for_uid(long uid, long *gid, struct fv_diag *d);

/* cfg_user_group: "user" (gid -1) or "user:group" (4.2.5
 * colon_separated_user_group). Message: "Invalid user:group definition
 * <s>". */
int cfg_user_group(const char *s, long *uid, long *gid, struct fv_diag *d);

/* cfg_expanduser: Python os.path.expanduser ("~" and "~user" prefixes);
 * returns a new string. */
char *cfg_expanduser(const char *s);

/* cfg_normalize_path: Python normpath(abspath(expanduser(s))), relative to
 * the current directory; returns a new string. */
char *cfg_normalize_path(const char *s);

/* cfg_existing_directory: expanduser(s) must be a directory; *out gets the
 * expanded (not absolute) path. Message: "<s> is not an existing
 * directory". */
int cfg_existing_directory(const char *s, char **out, struct fv_diag *d);

/* cfg_existing_dirpath: the directory part of expanduser(s), if any, must
 * exist; *out gets the expanded path. Message: "The directory named as
 * part of the path <s> does not exist". */
int cfg_existing_dirpath(const char *s, char **out, struct fv_diag *d);

enum cfg_logfile_kind {
	CFG_LOGFILE_NONE,
	CFG_LOGFILE_AUTO,
	CFG_LOGFILE_SYSLOG,
	CFG_LOGFILE_PATH,
};

/* cfg_logfile_name: none/off -> NONE, auto -> AUTO, syslog -> SYSLOG (any
 * case), else an existing_dirpath in *path (malloc'd; NULL otherwise). */
int cfg_logfile_name(
    const char *s, enum cfg_logfile_kind *kind, char **path, struct fv_diag *d);

/* cfg_process_or_group_name: the stripped name; refuses ' ', ':' and '/'.
 * Message: "Invalid name: '<s>' because of character: '<c>'".
 * *out is malloc'd. */
int cfg_process_or_group_name(const char *s, char **out, struct fv_diag *d);

/* cfg_list_of_strings: split on ',' and strip each item ("" gives none;
 * "a,,b" gives "a", "", "b" as Python does). */
void cfg_list_of_strings(const char *s, struct fv_strv *out);

#endif
