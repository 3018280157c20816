#ifndef FV_LOG_LOGFILE_H
#define FV_LOG_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "common/err.h"

/*
 * The asynchronous, bounded, loss-accounted log writer used for child logs
 * and for the main log (a file, syslog or a copy to stdout).
 *
 * logfile_write copies the bytes into a pending queue and returns at once;
 * one job at a time on libuv's thread pool writes the queue out in order, so
 * a slow or full disk never blocks the loop. Everything runs on the loop
 * thread except that job, which touches only the file and the batch it was
 * given.
 *
 * Rotation follows 4.2.5's RotatingFileHandler: after a write, if the file
 * is at least maxbytes long, path.(N-1) -> path.N ... path -> path.1 and a
 * new empty path (backups == 0: path is truncated). A write is one
 * logfile_write call and is never split across files (except when more than
 * LOGFILE_MAXRECS writes are queued at once: those are merged and may then
 * be cut at maxbytes), so a file exceeds maxbytes by less than one write.
 *
 * Loss is never silent. Bytes are dropped only when the disk refuses them
 * (ENOSPC, EDQUOT, EIO, EFBIG, ...), when a deleted log cannot be
 * recreated, or when the producer ignores back-pressure and the queue
 * reaches its limit. Each loss is counted (logfile_stats), reported through
 * on_report at most every LOGFILE_REPORT_MS with the running count, and
 * marked in the log itself, at the place of the gap, by the line
 *
 *     "\n[fleetvisord] N bytes dropped: <reason>\n"
 *
 * where <reason> is strerror() of the failure ("No space left on device")
 * or "log writer backlog over limit"; the marker is written before the
 * first bytes that make it to the file after the gap, and a "writing
 * resumed" report follows.
 *
 * The process must ignore SIGPIPE and SIGXFSZ, as Python (so 4.2.5) does:
 * a "special" target may be a pipe whose reader is gone, and a file may
 * reach RLIMIT_FSIZE; the write then fails with EPIPE or EFBIG (dropped,
 * counted) instead of killing the daemon.
 *
 * Batches are started only from inside the loop (a zero-timeout timer), so
 * the writes of one loop iteration go out together, and a daemon that
 * writes and calls logfile_flush_sync before its loop first runs has
 * nothing in flight on the thread pool when it forks.
 */

#define LOGFILE_HIGHWATER_DEFAULT (1024 * 1024)
#define LOGFILE_LIMIT_MAX         (1024 * 1024 * 1024) /* for opts.limit */
#define LOGFILE_MAXRECS           4096 /* writes kept distinct per batch */
#define LOGFILE_REPORT_MS         5000 /* at most one report per kind */
#define LOGFILE_SYNC_MS           5000 /* longest wait for a full pipe */

struct logfile; /* opaque */

/*
 * logfile_pressure_fn is called on the loop thread with paused = true once
 * the bytes not yet written exceed highwater (the producer should stop
 * reading), and with paused = false once they drain below highwater / 2.
 */
typedef void logfile_pressure_fn(void *arg, bool paused);
/* logfile_report_fn receives a warning for the main log (one line, no
 * newline; it names the path). It is called on the loop thread. */
typedef void logfile_report_fn(void *arg, const char *msg);

struct logfile_opts {
	const char *path; /* borrowed, copied; a label for _open_fd/_syslog */
	long long maxbytes; /* 0: never rotate */
	long long backups; /* rotated files kept; 0: truncate on rotation */
	size_t highwater; /* 0: LOGFILE_HIGHWATER_DEFAULT */
	size_t limit; /* queue cap; 0: 4 * highwater; max 1 GiB */
	logfile_pressure_fn *on_pressure; /* may be NULL */
	logfile_report_fn *on_report; /* may be NULL */
	void *arg; /* for both callbacks */
};

struct logfile_stats {
	uint64_t bytes_written; /* bytes given to logfile_write now on disk */
	uint64_t bytes_dropped; /* bytes given to logfile_write and lost */
	uint64_t rotations;
	uint64_t reopens; /* deleted/moved files and SIGUSR2 reopens */
	uint64_t pending; /* accepted, not yet written or dropped */
	int last_error; /* negative errno of the last failure, or 0 */
	bool paused; /* on_pressure(arg, true) is in force */
	bool special; /* never rotated: device, FIFO, alias, fd, syslog */
};

/*
 * logfile_open opens (creating it with mode 0666 & ~umask) the file at
 * opts->path for appending, synchronously, and returns a new logfile in
 * *lfp. The path must not be a symbolic link (O_NOFOLLOW), except a link
 * owned by root or by us under /dev/ or /proc/ (such as /dev/stdout ->
 * /proc/self/fd/1). A regular file is rotated; a character device or FIFO,
 * or anything reached through such a link, is "special": written as is,
 * never rotated. Anything else is refused. A FIFO without a reader is
 * refused (ENXIO) rather than waited for. Returns 0, or a negative errno
 * with a message naming the path in d. The loop is borrowed and must
 * outlive the logfile.
 */
int logfile_open(uv_loop_t *loop, const struct logfile_opts *opts,
    struct logfile **lfp, struct fv_diag *d);

/*
 * logfile_open_fd is logfile_open for an already open descriptor, such as
 * the daemon's stdout: fd is borrowed (a private descriptor for the same
 * file is used), the target is special, and reopen does nothing. It accepts
 * sockets too, since stdout under systemd is one. opts->path is a label.
 */
int logfile_open_fd(uv_loop_t *loop, int fd, const struct logfile_opts *opts,
    struct logfile **lfp, struct fv_diag *d);

/*
 * logfile_open_syslog makes a logfile whose every logfile_write is sent as
 * one syslog(LOG_INFO) message through openlog(ident, 0, LOG_USER), as
 * Python's syslog module does for 4.2.5. ident is borrowed (copied); NULL
 * means the program's name, as Python uses. maxbytes and backups are
 * ignored. glibc's syslog state is process-wide: open one at a time.
 */
int logfile_open_syslog(uv_loop_t *loop, const char *ident,
    const struct logfile_opts *opts, struct logfile **lfp, struct fv_diag *d);

/*
 * logfile_write queues a copy of the n bytes at p. It never blocks and
 * never fails: past the queue's limit the bytes are dropped and accounted
 * (see above). It may call on_pressure before returning. It must not be
 * called after logfile_close.
 */
void logfile_write(struct logfile *lf, const void *p, size_t n);

/*
 * logfile_reopen closes and reopens the path (SIGUSR2), in order with the
 * queued bytes: nothing is lost, and bytes queued before the call may land
 * in either file. On failure the old file is kept and the reopen retried
 * with the next write; the failure is reported.
 */
void logfile_reopen(struct logfile *lf);

/*
 * logfile_flush_sync writes everything queued now, in the caller's thread
 * (blocking), waiting for a job in flight first; for shutdown and for
 * messages logged right before exit. Returns 0 when the queue is empty
 * afterwards (bytes the disk refused count as handled: dropped and
 * accounted), or -EAGAIN when a special target (full pipe) did not take
 * everything within LOGFILE_SYNC_MS; those bytes stay queued.
 */
int logfile_flush_sync(struct logfile *lf);

/*
 * logfile_written_fn is called on the loop thread when the bytes a
 * logfile_when_written call waited for are handled (written, or dropped
 * and accounted), or when the logfile is being freed.
 */
typedef void logfile_written_fn(void *arg);

/*
 * logfile_when_written asks for cb(arg) once every byte queued now has
 * been handled, so that a reader of the file can wait for it without
 * blocking the loop (logfile_flush_sync would, behind a slow disk).
 * Returns true when cb will run, exactly once, from the loop (never from
 * inside this call) unless logfile_when_written_cancel comes first; false
 * when nothing is queued: cb never runs and the file already holds every
 * byte written so far. A logfile being closed calls the callbacks still
 * registered before it is freed, so lf stays valid until cb runs or the
 * registration is cancelled. A full pipe may hold a special target's
 * bytes for long: callers bound the wait themselves.
 */
bool logfile_when_written(
    struct logfile *lf, logfile_written_fn *cb, void *arg);

/* logfile_when_written_cancel forgets the first registration of (cb, arg);
 * a no-op when there is none (it already ran). */
void logfile_when_written_cancel(
    struct logfile *lf, logfile_written_fn *cb, void *arg);

/*
 * logfile_close writes what is queued, closes the file and frees lf, then
 * calls done(arg) (done may be NULL). Everything in flight is finished
 * first; lf is freed only in the last callback, so the loop must keep
 * running until done is called. A special target that takes nothing for
 * LOGFILE_SYNC_MS makes close drop (and count) the rest. From this call on
 * on_pressure and on_report are never called again (the owner may free
 * arg), so call logfile_flush_sync first to hear about the last losses.
 * logfile_when_written callbacks still run, at the latest just before lf
 * is freed.
 */
void logfile_close(struct logfile *lf, void (*done)(void *), void *arg);

/* logfile_stats fills *st with lf's counters as of now. */
void logfile_stats(const struct logfile *lf, struct logfile_stats *st);

/*
 * logfile_remove_files deletes path and path.1 .. path.backups, ignoring
 * those that do not exist; for clearProcessLogs, followed by
 * logfile_reopen. (4.2.5 removes only path; pass backups = 0 for that.)
 * Returns 0 or the first negative errno.
 */
int logfile_remove_files(const char *path, long long backups);

#endif
