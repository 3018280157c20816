#ifndef FV_CONFIG_CFG_EXPAND_H
#define FV_CONFIG_CFG_EXPAND_H

#include <stddef.h>

#include "common/err.h"

/*
 * Python's "%(name)s" string formatting with a mapping, as supervisord 4.2.5
 * applies it to option values (options.py expand(): `s % expansions`).
 * Values are strings or integers (process_num and numprocs are integers).
 */
enum cfg_exp_type {
	CFG_EXP_STR,
	CFG_EXP_INT,
};

struct cfg_expansion {
	const char *name; /* borrowed */
	enum cfg_exp_type type;
	const char *s; /* borrowed; CFG_EXP_STR */
	long long i; /* CFG_EXP_INT */
};

/* A set of names; when a name appears twice the later entry wins. */
struct cfg_expansions {
	struct cfg_expansion *v; /* owned array, entries borrowed */
	size_t n;
};

/* cfg_expansions_add_str appends a string entry (name and s are borrowed). */
void cfg_expansions_add_str(
    struct cfg_expansions *ex, const char *name, const char *s);
/* cfg_expansions_add_int appends an integer entry (name is borrowed). */
void cfg_expansions_add_int(
    struct cfg_expansions *ex, const char *name, long long i);
/* cfg_expansions_fini frees the array (not the borrowed strings). */
void cfg_expansions_fini(struct cfg_expansions *ex);

/*
 * cfg_expand formats fmt with ex, exactly as Python 3's `fmt % mapping`
 * does: %% escapes, %(name) keys, the flags "#0- +", a width, a
 * precision, the length modifiers h/l/L (ignored), and the conversions
 * s r a d i u o x X e E f F g G c, with Python's results for both string
 * and integer values. On success *out is a new string owned by the caller.
 * On failure returns FV_EBADCONF and d holds 4.2.5's message:
 *   Format string '<fmt>' for '<what>' contains names ('<key>') which cannot
 *   be expanded. Available names: <sorted names, ", "-joined>
 * or
 *   Format string '<fmt>' for '<what>' is badly formatted: <reason>
 * where <reason> is Python's (e.g. "incomplete format", "unsupported format
 * character 'q' (0x71) at index 3", "%d format: a real number is required,
 * not str"). what names the option, e.g. "program:foo.command".
 */
int cfg_expand(const char *fmt, const struct cfg_expansions *ex,
    const char *what, char **out, struct fv_diag *d);

/*
 * cfg_py_repr appends Python's repr() of the string s (quotes chosen as
 * Python chooses them, \n \r \t \\ and non-printable bytes escaped) to a new
 * string owned by the caller. Used to quote values in error messages the
 * way 4.2.5 does.
 */
char *cfg_py_repr(const char *s);

#endif
