#ifndef FV_CTL_CMD_H
#define FV_CTL_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ctl.h"

/*
 * What the command files share: the command entries, 4.2.5's output
 * formats as pure functions (unit-tested with fake results), and small
 * helpers for names and struct members. Formatting functions take the
 * stream and the data of one server, so that several servers can each be
 * printed the same way later.
 */

/* 4.2.5's xmlrpc.Faults. */
enum ctl_fault {
	CTL_F_UNKNOWN_METHOD = 1,
	CTL_F_SHUTDOWN_STATE = 6,
	CTL_F_BAD_NAME = 10,
	CTL_F_BAD_SIGNAL = 11,
	CTL_F_NO_FILE = 20,
	CTL_F_NOT_EXECUTABLE = 21,
	CTL_F_FAILED = 30,
	CTL_F_ABNORMAL_TERMINATION = 40,
	CTL_F_SPAWN_ERROR = 50,
	CTL_F_ALREADY_STARTED = 60,
	CTL_F_NOT_RUNNING = 70,
	CTL_F_SUCCESS = 80,
	CTL_F_ALREADY_ADDED = 90,
	CTL_F_STILL_RUNNING = 91,
	CTL_F_CANT_REREAD = 92,
};

extern const struct ctl_cmd ctl_cmd_add, ctl_cmd_avail, ctl_cmd_clear,
    ctl_cmd_eof, ctl_cmd_events, ctl_cmd_exit, ctl_cmd_fg, ctl_cmd_help,
    ctl_cmd_hosts, ctl_cmd_maintail, ctl_cmd_mtail, ctl_cmd_reopen,
    ctl_cmd_open, ctl_cmd_pid, ctl_cmd_quit, ctl_cmd_reload, ctl_cmd_remove,
    ctl_cmd_reread, ctl_cmd_restart, ctl_cmd_shutdown, ctl_cmd_signal,
    ctl_cmd_start, ctl_cmd_status, ctl_cmd_stop, ctl_cmd_tail, ctl_cmd_update,
    ctl_cmd_version;

/* ctl_split_words splits s at white space as Python's str.split() does,
 * appending the words to out. */
void ctl_split_words(const char *s, struct fv_strv *out);

/* ctl_out prints a line (fmt without the newline) to ctl->out, as
 * 4.2.5's output() does. */
void ctl_out(struct ctl *ctl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * ctl_exit_from_fault is 4.2.5's set_exitstatus_from_xmlrpc_fault: the
 * code after a result with fault code fault, given the code so far.
 * ignored (or 0) and SUCCESS keep it; SPAWN_ERROR, ABNORMAL_TERMINATION
 * and NOT_RUNNING give 7; anything else 1.
 */
int ctl_exit_from_fault(int fault, int ignored, int current);

/* ctl_namespec is 4.2.5's make_namespec: "name" when the group has the
 * process's name, else "group:name". New string. */
char *ctl_namespec(const char *group, const char *name);
/*
 * ctl_split_namespec is 4.2.5's split_namespec: *group and *process are
 * new strings; *process is NULL for "group:" and "group:*", and the
 * whole spec for a name without ':'.
 */
void ctl_split_namespec(const char *spec, char **group, char **process);

/* Members of a result struct; "" and 0 when missing or mistyped. */
const char *ctl_str(const struct xr_value *v, const char *key);
int ctl_int(const struct xr_value *v, const char *key);

/* ctl_print_padded prints s left-justified in width characters (code
 * points, as Python's "%-Ns"). */
void ctl_print_padded(FILE *out, const char *s, size_t width);

/* ctl_print_statuses prints 4.2.5's status table of n process infos: the
 * name column is as wide as the longest name (at least 30) plus 3. */
void ctl_print_statuses(
    FILE *out, const struct xr_value *const *infos, size_t n);

/*
 * The messages for one result of start, stop, signal and clear (a
 * result struct of an all-processes or group call, or a fault turned
 * into one). Each returns a new string, or NULL for a code 4.2.5 does not
 * know (it raises ValueError; see ctl_raise_unknown_result).
 */
char *ctl_fmt_startresult(const char *name, int code);
char *ctl_fmt_signalresult(
    const char *name, int code, const char *description, const char *success);
char *ctl_fmt_clearresult(const char *name, int code);
/* ctl_raise_unknown_result raises 4.2.5's ValueError for code, at the
 * line of supervisorctl.py where the formatter raises it. */
int ctl_raise_unknown_result(
    struct ctl *ctl, int code, const char *name, int pyline);

/* ctl_fmt_configinfo is one line of avail for a getAllConfigInfo entry
 * (new string, without newline). */
char *ctl_fmt_configinfo(const struct xr_value *ci);
/* ctl_print_changes prints reread's lines for reloadConfig's
 * [added, changed, removed]. */
void ctl_print_changes(FILE *out, const struct xr_value *changes);

/* ctl_confirm asks question on ctl->out and reads a line from stdin: true
 * for an answer starting with y or Y. EOF is an escaped EOFError. */
int ctl_confirm(struct ctl *ctl, const char *question, bool *yes);

/* ctl_help_list prints the "help" listing of every documented command. */
void ctl_help_list(struct ctl *ctl);

#endif
