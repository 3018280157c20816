#ifndef FV_CONTROLLER_CTR_LOG_H
#define FV_CONTROLLER_CTR_LOG_H

#include <stdbool.h>

#include "common/buf.h"
#include "common/err.h"

/*
 * The controller's activity log, in the agent's (and 4.2.5's) format:
 *
 *     "YYYY-MM-DD HH:MM:SS,mmm LEVL message\n"
 *
 * in local time, with 4.2.5's level names. Targets: a file rotated at
 * maxbytes with backups (path.1 .. path.N), or syslog when the file is
 * "syslog", plus a copy on stdout when running in the foreground. Any
 * thread may log: one mutex serializes the writes, and nothing else is
 * done under it, so a caller holding the controller's state lock waits
 * only for a local write(2).
 */

enum ctr_log_level {
	CTR_LOG_CRIT = 50,
	CTR_LOG_ERRO = 40,
	CTR_LOG_WARN = 30,
	CTR_LOG_INFO = 20,
	CTR_LOG_DEBG = 10,
	CTR_LOG_TRAC = 5,
	CTR_LOG_BLAT = 3,
};

struct ctr_log;

/* ctr_log_new makes a log that writes to stdout (when to_stdout) until
 * ctr_log_open. Never fails. */
struct ctr_log *ctr_log_new(int level, bool to_stdout);

/*
 * ctr_log_open opens path ("syslog" for syslog, NULL for none) for
 * appending, with rotation at maxbytes (0: never) keeping backups files.
 * 0 or a negated errno with the path in d.
 */
int ctr_log_open(struct ctr_log *l, const char *path, long long maxbytes,
    int backups, struct fv_diag *d);

/* ctr_log_reopen closes and reopens the file (SIGHUP/SIGUSR2: logrotate
 * moved it). Failures are logged to stdout/stderr and keep the old fd. */
void ctr_log_reopen(struct ctr_log *l);

/* ctr_log_enabled tells whether level would be written. l may be NULL. */
bool ctr_log_enabled(const struct ctr_log *l, int level);

/* ctr_log_msg writes one record (l may be NULL: nothing). Never fails. */
void ctr_log_msg(struct ctr_log *l, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ctr_log_free closes the targets and frees l (NULL: nothing). */
void ctr_log_free(struct ctr_log *l);

/*
 * ctr_log_format appends one record for level, wall time sec.msec and the
 * message to out (exposed for tests). 0 or FV_ETOOBIG.
 */
int ctr_log_format(
    struct fv_buf *out, int level, long long sec, long msec, const char *msg);

/* ctr_log_level_name returns "CRIT" .. "BLAT", or NULL. */
const char *ctr_log_level_name(int level);

#define ctr_log_error(l, ...) ctr_log_msg(l, CTR_LOG_ERRO, __VA_ARGS__)
#define ctr_log_warn(l, ...)  ctr_log_msg(l, CTR_LOG_WARN, __VA_ARGS__)
#define ctr_log_info(l, ...)  ctr_log_msg(l, CTR_LOG_INFO, __VA_ARGS__)
#define ctr_log_debug(l, ...) ctr_log_msg(l, CTR_LOG_DEBG, __VA_ARGS__)

#endif
