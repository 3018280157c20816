#ifndef FV_LOG_MAINLOG_H
#define FV_LOG_MAINLOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <time.h>

#include <uv.h>

#include "common/buf.h"
#include "common/err.h"
#include "log/logfile.h"

/*
 * The activity log: supervisord's own log, formatted exactly as 4.2.5's
 * make_logger does,
 *
 *     "%(asctime)s %(levelname)s %(message)s\n"
 *
 * with asctime "YYYY-MM-DD HH:MM:SS,mmm" in local time and levelname one of
 * the four-letter names below. A message goes out when its level is at
 * least the configured one. Targets, as in 4.2.5:
 *  - the logfile, rotated by logfile_maxbytes / logfile_backups (a struct
 *    logfile, so a slow disk never blocks the loop), or syslog when the
 *    logfile is the string "syslog": then every line of a message is one
 *    syslog(LOG_INFO) call, formatted as above including its asctime,
 *    levelname and trailing newline, with ident = the program's name and
 *    facility LOG_USER (Python's syslog module defaults, which 4.2.5 uses);
 *  - a copy on stdout when nodaemon and not silent.
 *
 * Messages logged before mainlog_open_file are kept (up to
 * MAINLOG_EARLY_MAX bytes, then counted) with their own time and written
 * when it opens, to every target; a daemon that must exit before that
 * calls mainlog_flush_early(ml, STDERR_FILENO) instead.
 *
 * Jobs on the thread pool are started only from inside the loop. So after
 * logging and mainlog_flush_sync, outside uv_run and before the loop has
 * run, nothing is in flight and fork() (daemonizing) is safe; the child
 * then calls uv_loop_fork as usual.
 */

/* The levels of 4.2.5's loggers.LevelsByName; the config stores these. */
enum mainlog_level {
	MAINLOG_CRIT = 50, /* "critical": probably needs attention */
	MAINLOG_ERRO = 40, /* "error" */
	MAINLOG_WARN = 30, /* "warn" */
	MAINLOG_INFO = 20, /* "info": the default */
	MAINLOG_DEBG = 10, /* "debug" */
	MAINLOG_TRAC = 5, /* "trace" */
	MAINLOG_BLAT = 3, /* "blather" */
};

#define MAINLOG_EARLY_MAX (256 * 1024) /* buffered before the file opens */
#define MAINLOG_MSG_MAX   (1024 * 1024) /* one message; longer is cut */

struct mainlog; /* opaque */

/*
 * mainlog_new makes a main log that buffers until mainlog_open_file; level
 * is the configured loglevel (a number above), to_stdout is
 * "nodaemon and not silent". Never fails.
 */
struct mainlog *mainlog_new(int level, bool to_stdout);

/*
 * mainlog_open_file opens the targets: logfile (a path, "syslog", or NULL
 * for none) with maxbytes / backups as 4.2.5's logfile_maxbytes and
 * logfile_backups, and stdout if asked for at mainlog_new. Then it writes
 * the buffered messages. The loop is borrowed and must outlive ml. Returns
 * 0, or a negative errno / FV_E* with the message in d (naming the path);
 * nothing is then open and the buffered messages are kept.
 */
int mainlog_open_file(struct mainlog *ml, uv_loop_t *loop, const char *logfile,
    long long maxbytes, long long backups, struct fv_diag *d);

/* mainlog_set_level changes the level; mainlog_get_level returns it. */
void mainlog_set_level(struct mainlog *ml, int level);
int mainlog_get_level(const struct mainlog *ml);

/* mainlog_enabled tells whether a message of level would go out; use it
 * before formatting something costly. ml may be NULL (false). */
bool mainlog_enabled(const struct mainlog *ml, int level);

/*
 * mainlog_log formats and logs one message (ml may be NULL: nothing). The
 * message may hold newlines; it is written as one record. Never fails:
 * loss past the writer's limits is counted and reported by the writer.
 */
void mainlog_log(struct mainlog *ml, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void mainlog_vlog(struct mainlog *ml, int level, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* mainlog_critical .. mainlog_blather log at one level each; they are
 * named as 4.2.5's Logger methods. */
void mainlog_critical(struct mainlog *ml, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mainlog_error(struct mainlog *ml, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mainlog_warn(struct mainlog *ml, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mainlog_info(struct mainlog *ml, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mainlog_debug(struct mainlog *ml, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mainlog_trace(struct mainlog *ml, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mainlog_blather(struct mainlog *ml, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* mainlog_reopen reopens the log file (SIGUSR2); stdout and syslog stay. */
void mainlog_reopen(struct mainlog *ml);

/*
 * mainlog_flush_sync writes everything logged so far, now, in the caller's
 * thread: before exit and before fork. Returns 0 or -EAGAIN (a stdout pipe
 * that took nothing for LOGFILE_SYNC_MS; see logfile_flush_sync).
 */
int mainlog_flush_sync(struct mainlog *ml);

/*
 * mainlog_when_written is logfile_when_written for the log file (not
 * syslog, not stdout): true when cb(arg) will run, on the loop, once the
 * lines logged so far are in the file (or the log is being closed);
 * false when there is nothing to wait for (nothing queued, or no file),
 * and cb never runs. mainlog_when_written_cancel forgets a registration
 * whose callback has not run yet.
 */
bool mainlog_when_written(
    struct mainlog *ml, logfile_written_fn *cb, void *arg);
void mainlog_when_written_cancel(
    struct mainlog *ml, logfile_written_fn *cb, void *arg);

/*
 * mainlog_flush_early writes the messages buffered before
 * mainlog_open_file, formatted, to fd (blocking) and forgets them: for a
 * daemon that exits before its log could open. Returns 0 or -errno.
 */
int mainlog_flush_early(struct mainlog *ml, int fd);

/*
 * mainlog_close writes what is queued, closes the targets and frees ml in
 * the last close callback: run the loop until it is done. ml must not be
 * used afterwards. If nothing was ever opened, ml is freed at once, and
 * any buffered messages go to stderr first, so that none is lost.
 */
void mainlog_close(struct mainlog *ml);

/* mainlog_level_name returns "CRIT" .. "BLAT" for a level number, or NULL
 * for a number that is not a level. */
const char *mainlog_level_name(int level);

/*
 * mainlog_format appends one record as 4.2.5 formats it, for the level,
 * the wall-clock time ts (shown in local time) and the n bytes of msg.
 * Exposed for tests; returns 0 or FV_ETOOBIG from the buffer.
 */
int mainlog_format(struct fv_buf *out, int level, const struct timespec *ts,
    const char *msg, size_t n);

#endif
