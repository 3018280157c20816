/*
 * The log writer. A struct logfile owns one target (a file descriptor, or
 * the syslog connection), the queue of bytes not yet written, and at most
 * one job on libuv's thread pool that writes a batch out. It must never
 * block the loop thread on the target (open, write, fstat, rename and close
 * all happen in the job, except the first open and logfile_flush_sync,
 * which are synchronous by contract), never reorder bytes, never hold more
 * than its limit, and never lose a byte without counting it, reporting it
 * and marking the gap in the log.
 *
 * Threads: the loop thread owns everything in "loop thread only" below.
 * The job owns the "job" part while it is in flight (lf->busy); the loop
 * thread touches that part only when no job is in flight, in the job's
 * after-work callback, or in logfile_flush_sync while holding lf->mu, which
 * the job holds for its whole run. So there is no data race without a lock
 * on the hot path: logfile_write only appends to the loop's queue.
 */
#include "log/logfile.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <uv.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/str.h"
#include "common/xalloc.h"

#define LOGFILE_REC_MERGED  0x80000000u /* a record made of several writes */
#define LOGFILE_REC_END     0x7fffffffu
#define LOGFILE_MAXGAPS     64
#define LOGFILE_RETRY_MIN   10 /* ms before retrying a full pipe */
#define LOGFILE_RETRY_MAX   1000 /* ... doubling up to this */
#define LOGFILE_SHRINK      (256 * 1024) /* free idle buffers above this */
#define LOGFILE_SHRINK_MS   1000 /* ... once idle this long */
#define LOGFILE_REPORTS_MAX 4096 /* bytes of queued report text */
#define LOGFILE_OPEN_FLAGS \
	(O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK)

/* The reason texts of the drop marker and of the reports. */
#define LOGFILE_LIMIT_REASON "log writer backlog over limit"

enum logfile_kind {
	LOGFILE_K_FILE, /* a regular file we may rotate and reopen */
	LOGFILE_K_SPECIAL, /* a device, FIFO or alias path: reopen only */
	LOGFILE_K_FD, /* a borrowed descriptor: never reopened */
	LOGFILE_K_SYSLOG, /* each record is one syslog(3) message */
};

/* The rate-limited report kinds. */
enum logfile_rep {
	LOGFILE_REP_DROP,
	LOGFILE_REP_OPEN,
	LOGFILE_REP_ROTATE,
	LOGFILE_REP_N,
};

/* Why the job reopened the path. */
enum logfile_reopen {
	LOGFILE_RE_NONE,
	LOGFILE_RE_SIGNAL, /* logfile_reopen (SIGUSR2) */
	LOGFILE_RE_DELETED, /* fstat says nlink == 0 */
	LOGFILE_RE_MOVED, /* the path names another file, or none */
	LOGFILE_RE_ROTATE, /* finishing a rotation whose open had failed */
};

/* A place in a queue where bytes were dropped at the limit. */
struct logfile_gap {
	uint32_t at;
	uint64_t bytes;
};

/*
 * A queue of bytes with the boundaries of the writes that made it (the end
 * offset of each, LOGFILE_REC_MERGED set when several had to be merged) and
 * the gaps between them.
 */
struct logfile_q {
	char *data;
	size_t len, cap;
	uint32_t *recs;
	size_t nrec, reccap;
	struct logfile_gap *gaps;
	size_t ngap, gapcap;
};

/* One batch: what the loop asks for, the job's progress and results. */
struct logfile_job {
	bool reopen; /* in: reopen the path first */
	bool close_fd; /* in: close the target when all is written */
	bool sync; /* in: run by logfile_flush_sync, may wait */
	bool ran; /* the I/O is done (by the pool or by flush_sync) */
	bool consumed; /* the loop has taken the results */
	size_t off; /* bytes of the batch written or dropped */
	size_t rec; /* first record not completely handled */
	size_t gap; /* first gap not yet absorbed */
	bool again; /* a full pipe stopped us: the rest stays queued */
	bool closed; /* the target was closed */
	uint64_t written, dropped, resumed, rotations, reopens;
	int drop_err; /* why dropped bytes were dropped */
	enum logfile_reopen reopened; /* a reopen that worked, and why */
	int open_err; /* a reopen that failed */
	int rot_err; /* a rotation that failed */
};

/* One logfile_when_written registration. */
struct logfile_waiter {
	uint64_t target; /* lf->handled at which it is due */
	logfile_written_fn *cb;
	void *arg;
};

struct logfile {
	/* Set at open, read-only afterwards. */
	uv_loop_t *loop; /* borrowed */
	char *path; /* or a label for _open_fd and _open_syslog */
	char *ident; /* syslog ident we passed to openlog(), or NULL */
	enum logfile_kind kind;
	bool nofollow; /* reopen with O_NOFOLLOW */
	bool fd_blocking; /* a blocking descriptor: write what poll allows */
	long long maxbytes, backups;
	size_t highwater, limit;
	logfile_pressure_fn *on_pressure;
	logfile_report_fn *on_report;
	void *arg;

	/* Loop thread only. */
	struct logfile_q pending;
	uint64_t queued; /* accepted, not yet written or dropped */
	uint64_t handled; /* accepted, then written or dropped, ever */
	struct logfile_waiter *waiters; /* logfile_when_written, in order */
	size_t nwaiters, waitcap;
	uint64_t cap_gap; /* dropped at the limit since the last write */
	bool busy; /* a job is queued or running */
	bool paused; /* over highwater, until below half of it */
	bool reopen_req;
	bool told; /* what on_pressure last said */
	bool in_sync;
	bool waiting; /* a full pipe: retry at retry_at */
	bool kick_due; /* start a batch from the loop, at once */
	bool closing;
	bool fd_closed;
	bool finishing; /* the timer is closing; lf goes in its callback */
	bool shrink_due; /* big buffers kept: free them at shrink_at */
	unsigned retry_ms;
	uint64_t retry_at, close_deadline, shrink_at;
	uint64_t next_report[LOGFILE_REP_N]; /* earliest time for each */
	uint64_t unreported; /* dropped bytes not reported yet */
	int unreported_err;
	struct fv_buf reports; /* queued report texts, NUL-separated */
	struct logfile_stats st;
	void (*done)(void *);
	void *done_arg;
	uv_timer_t timer;
	uv_work_t work;

	/* The job, or the loop thread when no job is in flight. */
	uv_mutex_t mu;
	struct logfile_q inflight;
	struct logfile_job job;
	int fd;
	long long size; /* what 4.2.5's stream.tell() would say */
	bool orphaned; /* deleted and not recreated: drop */
	int orphan_err;
	bool detached; /* the path is not our file: no rotation */
	bool detached_by_rot; /* ... because a rotation's open failed */
	bool reopen_retry; /* a requested reopen failed */
	bool rot_failed; /* rotation failed in this job */
	uint64_t gap_io; /* dropped by I/O errors, not yet marked */
	int gap_io_err;
	uint64_t gap_cap; /* dropped at the limit, not yet marked */
	char mark[160]; /* a marker being written */
	size_t mark_len, mark_off;
	uint64_t mark_bytes;
};

static void logfile_kick(struct logfile *lf);
static void logfile_emit(struct logfile *lf);
static void logfile_on_timer(uv_timer_t *t);
static void logfile_on_after_work(uv_work_t *w, int status);

static uint64_t
logfile_now_ms(void)
{
	return uv_hrtime() / 1000000; /* monotonic: G8 */
}

/* Queues. */

/* logfile_q_clear empties q and keeps its memory for the next batch. */
static void
logfile_q_clear(struct logfile_q *q)
{
	q->len = q->nrec = q->ngap = 0;
}

/* logfile_q_big: would logfile_q_reset free memory of q? */
static bool
logfile_q_big(const struct logfile_q *q)
{
	return q->cap > LOGFILE_SHRINK || q->reccap > 1024;
}

/* logfile_q_reset empties q and gives big buffers back. */
static void
logfile_q_reset(struct logfile_q *q)
{
	logfile_q_clear(q);
	if (q->cap > LOGFILE_SHRINK) {
		free(q->data);
		q->data = NULL;
		q->cap = 0;
	}
	if (q->reccap > 1024) {
		free(q->recs);
		q->recs = NULL;
		q->reccap = 0;
	}
}

static void
logfile_q_fini(struct logfile_q *q)
{
	free(q->data);
	free(q->recs);
	free(q->gaps);
	memset(q, 0, sizeof(*q));
}

static void
logfile_q_reserve(struct logfile_q *q, size_t n)
{
	size_t ncap;

	if (q->len + n <= q->cap) {
		return;
	}
	ncap = q->cap < 4096 ? 4096 : q->cap;
	while (ncap < q->len + n) {
		ncap *= 2;
	}
	q->data = fv_xrealloc(q->data, ncap);
	q->cap = ncap;
}

static uint32_t
logfile_q_end(const struct logfile_q *q, size_t r)
{
	return q->recs[r] & LOGFILE_REC_END;
}

/*
 * logfile_q_push appends one write as a record; past LOGFILE_MAXRECS it
 * merges it into the last record instead, which the job may then cut at
 * maxbytes (see logfile_io_run_end).
 */
static void
logfile_q_push(struct logfile_q *q, const void *p, size_t n)
{
	logfile_q_reserve(q, n);
	memcpy(q->data + q->len, p, n);
	q->len += n;
	if (q->nrec >= LOGFILE_MAXRECS) {
		q->recs[q->nrec - 1] = (uint32_t)q->len | LOGFILE_REC_MERGED;
		return;
	}
	if (q->nrec == q->reccap) {
		q->reccap = q->reccap < 64 ? 64 : q->reccap * 2;
		q->recs =
		    fv_xreallocarray(q->recs, q->reccap, sizeof(*q->recs));
	}
	q->recs[q->nrec++] = (uint32_t)q->len;
}

/* logfile_q_gap notes that bytes were dropped at the queue's end. */
static void
logfile_q_gap(struct logfile_q *q, uint64_t bytes)
{
	if (q->ngap > 0 &&
	    (q->ngap >= LOGFILE_MAXGAPS || q->gaps[q->ngap - 1].at == q->len)) {
		/* Too many gaps: the marker moves a little earlier. */
		q->gaps[q->ngap - 1].bytes += bytes;
		return;
	}
	if (q->ngap == q->gapcap) {
		q->gapcap = q->gapcap < 4 ? 4 : q->gapcap * 2;
		q->gaps =
		    fv_xreallocarray(q->gaps, q->gapcap, sizeof(*q->gaps));
	}
	q->gaps[q->ngap].at = (uint32_t)q->len;
	q->gaps[q->ngap].bytes = bytes;
	q->ngap++;
}

/*
 * logfile_q_requeue puts the unhandled rest of the batch (from the job's
 * progress on) back in front of the loop's queue, so that a full pipe
 * delays bytes without reordering them.
 */
static void
logfile_q_requeue(struct logfile *lf)
{
	struct logfile_q *in = &lf->inflight, *pq = &lf->pending, tmp;
	struct logfile_job *j = &lf->job;
	size_t rest = in->len - j->off, shift = j->off;
	size_t nrec = 0, ngap = 0;

	memmove(in->data, in->data + shift, rest);
	in->len = rest;
	for (size_t r = j->rec; r < in->nrec; r++) {
		in->recs[nrec++] =
		    ((in->recs[r] & LOGFILE_REC_END) - (uint32_t)shift) |
		    (in->recs[r] & LOGFILE_REC_MERGED);
	}
	in->nrec = nrec;
	for (size_t g = j->gap; g < in->ngap; g++) {
		in->gaps[ngap] = in->gaps[g];
		in->gaps[ngap++].at -= (uint32_t)shift;
	}
	in->ngap = ngap;
	/* Append the loop's queue behind the rest, then swap. */
	logfile_q_reserve(in, pq->len);
	if (pq->len > 0) {
		memcpy(in->data + in->len, pq->data, pq->len);
	}
	for (size_t r = 0; r < pq->nrec; r++) {
		if (in->nrec == in->reccap) {
			in->reccap = in->reccap < 64 ? 64 : in->reccap * 2;
			in->recs = fv_xreallocarray(
			    in->recs, in->reccap, sizeof(*in->recs));
		}
		in->recs[in->nrec++] =
		    ((pq->recs[r] & LOGFILE_REC_END) + (uint32_t)in->len) |
		    (pq->recs[r] & LOGFILE_REC_MERGED);
	}
	for (size_t g = 0; g < pq->ngap; g++) {
		if (in->ngap == in->gapcap) {
			in->gapcap = in->gapcap < 4 ? 4 : in->gapcap * 2;
			in->gaps = fv_xreallocarray(
			    in->gaps, in->gapcap, sizeof(*in->gaps));
		}
		in->gaps[in->ngap] = pq->gaps[g];
		in->gaps[in->ngap++].at += (uint32_t)in->len;
	}
	in->len += pq->len;
	/* Swap, keeping both allocations, and empty the batch. */
	tmp = *pq;
	*pq = *in;
	*in = tmp;
	in->len = in->nrec = in->ngap = 0;
}

/* Helpers shared by both threads. */

/* logfile_strerror is strerror for a negative errno, safe in the job. */
static const char *
logfile_strerror(int err, char *buf, size_t size)
{
	if (err == 0) {
		return LOGFILE_LIMIT_REASON;
	}
	if (err <= -20000) {
		return fv_strerror(err);
	}
	return strerror_r(-err, buf, size);
}

/*
 * logfile_open_target opens path for appending (creating it 0666 & ~umask)
 * and fstats it. O_NONBLOCK keeps a FIFO without a reader from hanging us
 * (ENXIO instead) and lets a full pipe say EAGAIN; it means nothing for a
 * regular file.
 */
static int
logfile_open_target(
    const char *path, bool nofollow, int extra, int *fdp, struct stat *st)
{
	int fd = -1, rv;

	fd = open(path,
	    LOGFILE_OPEN_FLAGS | extra | (nofollow ? O_NOFOLLOW : 0), 0666);
	if (fd < 0) {
		return -errno;
	}
	if (fstat(fd, st) != 0) {
		rv = -errno;
		close(fd);
		return rv;
	}
	*fdp = fd;
	return 0;
}

/*
 * logfile_alias_ok says whether path may be opened through a symbolic
 * link. 4.2.5 accepts /dev/stdout, which is a link to /proc/self/fd/1
 * (itself a link), so O_NOFOLLOW alone would break a common configuration.
 * We follow a link only where users cannot plant one: under /dev/ or
 * /proc/, and only a link owned by root or by us (a user's link in the
 * world-writable /dev/shm is refused, as anywhere else).
 */
static bool
logfile_alias_ok(const char *path)
{
	struct stat st;

	if (!fv_str_startswith(path, "/dev/") &&
	    !fv_str_startswith(path, "/proc/")) {
		return false;
	}
	if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode)) {
		return false;
	}
	return st.st_uid == 0 || st.st_uid == geteuid();
}

/* The job's side. */

/*
 * logfile_io_wait waits until the target can take bytes, up to deadline
 * (monotonic ms; 0 or past: just look). 0 when it can (or has an error for
 * write to report), -EAGAIN when it cannot.
 */
static int
logfile_io_wait(struct logfile *lf, uint64_t deadline)
{
	struct pollfd pfd = { .fd = lf->fd, .events = POLLOUT };
	uint64_t now, left;
	int rv;

	for (;;) {
		now = logfile_now_ms();
		left = deadline > now ? deadline - now : 0;
		rv = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (rv > 0) {
			return 0;
		}
		if (rv == 0) {
			return -EAGAIN;
		}
		if (errno != EINTR) {
			return -errno;
		}
	}
}

/*
 * logfile_io_put writes the n bytes at p, all of them unless it fails, and
 * says in *done how many it wrote. Returns 0, -EAGAIN when a full pipe
 * stops it (after the deadline in sync mode), or a negative errno.
 */
static int
logfile_io_put(struct logfile *lf, const char *p, size_t n, size_t *done,
    uint64_t deadline)
{
	size_t chunk;
	ssize_t w;
	int rv;

	*done = 0;
	while (*done < n) {
		chunk = n - *done;
		if (lf->fd_blocking) {
			/* A blocking pipe or socket we may not make
			 * non-blocking: write only what poll promises. */
			if ((rv = logfile_io_wait(lf, deadline)) != 0) {
				return rv;
			}
			chunk = chunk > PIPE_BUF ? PIPE_BUF : chunk;
		}
		w = write(lf->fd, p + *done, chunk);
		if (w > 0) {
			*done += (size_t)w;
			continue;
		}
		if (w == 0) {
			return -EIO;
		}
		if (errno == EINTR) {
			continue;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			return -errno;
		}
		if ((rv = logfile_io_wait(lf, deadline)) != 0) {
			return rv;
		}
	}
	return 0;
}

/* logfile_io_switch makes fd (just opened, stat st) the target. */
static void
logfile_io_switch(struct logfile *lf, int fd, const struct stat *st)
{
	if (lf->fd >= 0) {
		close(lf->fd);
	}
	lf->fd = fd;
	lf->size = st->st_size;
	lf->orphaned = false;
	lf->detached = false;
	lf->detached_by_rot = false;
}

/* logfile_io_reopen_path opens the path again, checking the file type. */
static int
logfile_io_reopen_path(struct logfile *lf, int extra, int *fdp, struct stat *st)
{
	int rv;

	if ((rv = logfile_open_target(
	         lf->path, lf->nofollow, extra, fdp, st)) != 0) {
		return rv;
	}
	if (S_ISREG(st->st_mode) ||
	    (lf->kind == LOGFILE_K_SPECIAL &&
	        (S_ISCHR(st->st_mode) || S_ISFIFO(st->st_mode)))) {
		return 0;
	}
	close(*fdp);
	return -EINVAL;
}

/*
 * logfile_io_check runs before each batch: it reopens the path when asked
 * to (SIGUSR2, or an earlier reopen failed), and notices a deleted log
 * (nlink == 0) or a moved one (the path names another file, or none).
 * When the new file cannot be opened, a moved file is written on (its
 * bytes are not lost) and a deleted one is not (its bytes would be):
 * those are dropped and counted until the path can be created again.
 */
static void
logfile_io_check(struct logfile *lf, struct logfile_job *j)
{
	enum logfile_reopen why = LOGFILE_RE_NONE;
	struct stat fs, ps, st;
	bool gone = false;
	int fd = -1, rv;

	if (lf->kind == LOGFILE_K_FD || lf->kind == LOGFILE_K_SYSLOG ||
	    lf->fd < 0) {
		return;
	}
	if (j->reopen || lf->reopen_retry) {
		why = LOGFILE_RE_SIGNAL;
	}
	if (lf->kind == LOGFILE_K_FILE && fstat(lf->fd, &fs) == 0) {
		if (fs.st_nlink == 0) {
			why = LOGFILE_RE_DELETED;
			gone = true;
		} else if (lstat(lf->path, &ps) != 0
		        ? (errno == ENOENT || errno == ENOTDIR)
		        : (ps.st_dev != fs.st_dev || ps.st_ino != fs.st_ino)) {
			why = lf->detached_by_rot ? LOGFILE_RE_ROTATE
			                          : LOGFILE_RE_MOVED;
		} else {
			/* Still ours: resync what tell() would say. */
			lf->size = fs.st_size;
			lf->detached = false;
		}
	}
	if (why == LOGFILE_RE_NONE) {
		return;
	}
	if ((rv = logfile_io_reopen_path(lf, 0, &fd, &st)) == 0) {
		logfile_io_switch(lf, fd, &st);
		lf->reopen_retry = false;
		j->reopened = why;
		if (why == LOGFILE_RE_ROTATE) {
			j->rotations++;
		} else {
			j->reopens++;
		}
		return;
	}
	j->open_err = rv;
	if (why == LOGFILE_RE_SIGNAL) {
		lf->reopen_retry = true;
	}
	if (gone) {
		lf->orphaned = true;
		lf->orphan_err = rv;
	} else if (why != LOGFILE_RE_SIGNAL) {
		lf->detached = true;
	}
}

/* logfile_io_rotating: is rotation on for the file as it stands? */
static bool
logfile_io_rotating(const struct logfile *lf)
{
	return lf->kind == LOGFILE_K_FILE && lf->maxbytes > 0 &&
	    !lf->detached && !lf->orphaned && !lf->rot_failed && lf->fd >= 0;
}

/* logfile_rename is removeAndRename: a missing source is no error. */
static int
logfile_rename(const char *src, const char *dst)
{
	if (rename(src, dst) != 0 && errno != ENOENT) {
		return -errno;
	}
	return 0;
}

/*
 * logfile_io_rotate is doRollover: path.(N-1) -> path.N ... path -> path.1,
 * then a new empty path (backups == 0: path truncated). The old file is
 * closed only once the new one is open, so a failure loses nothing: if a
 * rename fails we keep writing the current file and retry with the next
 * batch; if the new file cannot be created after the renames, we write on
 * into the old file (now path.1) and create path with a later batch.
 */
static void
logfile_io_rotate(struct logfile *lf, struct logfile_job *j)
{
	size_t size = strlen(lf->path) + 32;
	char *src = fv_xmalloc(size), *dst = fv_xmalloc(size);
	struct stat st;
	int fd = -1, rv = 0;

	if (lf->backups > 0) {
		for (long long i = lf->backups - 1; i >= 1 && rv == 0; i--) {
			snprintf(src, size, "%s.%lld", lf->path, i);
			snprintf(dst, size, "%s.%lld", lf->path, i + 1);
			rv = logfile_rename(src, dst);
		}
		if (rv == 0) {
			snprintf(dst, size, "%s.1", lf->path);
			rv = logfile_rename(lf->path, dst);
		}
	}
	if (rv == 0) {
		/* 4.2.5 opens the new file "wb": truncate. */
		if ((rv = logfile_io_reopen_path(lf, O_TRUNC, &fd, &st)) == 0) {
			logfile_io_switch(lf, fd, &st);
			j->rotations++;
		} else if (lf->backups > 0) {
			lf->detached = true;
			lf->detached_by_rot = true;
		}
	}
	if (rv != 0) {
		lf->rot_failed = true;
		j->rot_err = rv;
	}
	free(src);
	free(dst);
}

/* logfile_io_syslog sends one message as Python's syslog.syslog does. */
static void
logfile_io_syslog(const char *p, size_t n)
{
	syslog(LOG_INFO, "%.*s", (int)n, p);
}

/*
 * logfile_io_markers writes the "N bytes dropped" lines owed for earlier
 * gaps. A marker interrupted by a full pipe is finished later, not
 * restarted; one that fails is owed again with the next success.
 */
static int
logfile_io_markers(struct logfile *lf, struct logfile_job *j, uint64_t deadline)
{
	char ebuf[128];
	const char *why;
	uint64_t bytes;
	size_t n;
	int len, rv;

	for (;;) {
		if (lf->mark_len == 0) {
			if (lf->gap_io > 0) {
				bytes = lf->gap_io;
				why = logfile_strerror(
				    lf->gap_io_err, ebuf, sizeof(ebuf));
				lf->gap_io = 0;
			} else if (lf->gap_cap > 0) {
				bytes = lf->gap_cap;
				why = LOGFILE_LIMIT_REASON;
				lf->gap_cap = 0;
			} else {
				return 0;
			}
			len = snprintf(lf->mark, sizeof(lf->mark),
			    "\n[fleetvisord] %llu bytes dropped: %s\n",
			    (unsigned long long)bytes, why);
			lf->mark_len = len > 0 && (size_t)len < sizeof(lf->mark)
			    ? (size_t)len
			    : sizeof(lf->mark) - 1;
			lf->mark[lf->mark_len - 1] = '\n';
			lf->mark_off = 0;
			lf->mark_bytes = bytes;
		}
		if (lf->kind == LOGFILE_K_SYSLOG) {
			/* One message, without the surrounding newlines. */
			logfile_io_syslog(lf->mark + 1, lf->mark_len - 2);
			rv = 0;
		} else {
			rv = logfile_io_put(lf, lf->mark + lf->mark_off,
			    lf->mark_len - lf->mark_off, &n, deadline);
			lf->mark_off += n;
			lf->size += (long long)n;
		}
		if (rv == -EAGAIN) {
			return rv;
		}
		if (rv != 0) {
			lf->gap_io += lf->mark_bytes;
			lf->gap_io_err =
			    lf->gap_io_err != 0 ? lf->gap_io_err : rv;
			lf->mark_len = 0;
			return rv;
		}
		j->resumed += lf->mark_bytes;
		lf->mark_len = 0;
	}
}

/*
 * logfile_io_run_end picks the end of the next piece to write from j->off:
 * the next gap, or, when rotating, the end of the first write that brings
 * the file to maxbytes (4.2.5 rotates after the write that crosses it). A
 * merged record is cut exactly at maxbytes instead. Syslog sends one
 * record at a time.
 */
static size_t
logfile_io_run_end(const struct logfile *lf, const struct logfile_job *j)
{
	const struct logfile_q *q = &lf->inflight;
	size_t limit = j->gap < q->ngap ? q->gaps[j->gap].at : q->len;
	long long room;
	size_t end;

	if (lf->kind == LOGFILE_K_SYSLOG) {
		end = logfile_q_end(q, j->rec);
		return end < limit ? end : limit;
	}
	if (!logfile_io_rotating(lf)) {
		return limit;
	}
	for (size_t r = j->rec; r < q->nrec; r++) {
		end = logfile_q_end(q, r);
		if (end > limit) {
			return limit;
		}
		if (lf->size + (long long)(end - j->off) < lf->maxbytes) {
			continue;
		}
		if ((q->recs[r] & LOGFILE_REC_MERGED) == 0) {
			return end;
		}
		room = lf->maxbytes - lf->size;
		return j->off + (room > 0 ? (size_t)room : 1);
	}
	return limit;
}

/* logfile_io_data writes [j->off, end) and records the progress. */
static int
logfile_io_data(
    struct logfile *lf, struct logfile_job *j, size_t end, uint64_t deadline)
{
	struct logfile_q *q = &lf->inflight;
	size_t n;
	int rv = 0;

	if (lf->kind == LOGFILE_K_SYSLOG) {
		logfile_io_syslog(q->data + j->off, end - j->off);
		n = end - j->off;
	} else {
		rv = logfile_io_put(
		    lf, q->data + j->off, end - j->off, &n, deadline);
		lf->size += (long long)n;
	}
	j->written += n;
	j->off += n;
	while (j->rec < q->nrec && logfile_q_end(q, j->rec) <= j->off) {
		j->rec++;
	}
	return rv;
}

/* logfile_io_drop gives up the rest of the batch after an error. */
static void
logfile_io_drop(struct logfile *lf, struct logfile_job *j, int err)
{
	struct logfile_q *q = &lf->inflight;
	uint64_t n = q->len - j->off;

	j->dropped += n;
	j->drop_err = err;
	lf->gap_io += n;
	lf->gap_io_err = err;
	while (j->gap < q->ngap) {
		lf->gap_cap += q->gaps[j->gap++].bytes;
	}
	j->off = q->len;
	j->rec = q->nrec;
}

/* logfile_io_close closes the target for good. */
static void
logfile_io_close(struct logfile *lf)
{
	if (lf->kind == LOGFILE_K_SYSLOG) {
		closelog();
	} else if (lf->fd >= 0) {
		close(lf->fd);
	}
	lf->fd = -1;
}

/*
 * logfile_io is one batch: check the file, then write the queue in order,
 * rotating where 4.2.5 would, until it is written, dropped after an error,
 * or stopped by a full pipe.
 */
static void
logfile_io(struct logfile *lf, struct logfile_job *j)
{
	struct logfile_q *q = &lf->inflight;
	uint64_t deadline = j->sync ? logfile_now_ms() + LOGFILE_SYNC_MS : 0;
	int rv;

	lf->rot_failed = false;
	logfile_io_check(lf, j);
	for (;;) {
		while (j->gap < q->ngap && q->gaps[j->gap].at <= j->off) {
			lf->gap_cap += q->gaps[j->gap++].bytes;
		}
		if (j->off == q->len) {
			break;
		}
		if (lf->fd < 0 && lf->kind != LOGFILE_K_SYSLOG) {
			logfile_io_drop(lf, j, -EBADF);
			break;
		}
		if (lf->orphaned) {
			logfile_io_drop(lf, j, lf->orphan_err);
			break;
		}
		if ((rv = logfile_io_markers(lf, j, deadline)) == 0) {
			rv = logfile_io_data(
			    lf, j, logfile_io_run_end(lf, j), deadline);
		}
		if (rv == -EAGAIN) {
			j->again = true;
			break;
		}
		if (rv != 0) {
			logfile_io_drop(lf, j, rv);
			break;
		}
		if (logfile_io_rotating(lf) && lf->size >= lf->maxbytes) {
			logfile_io_rotate(lf, j);
		}
	}
	if (j->close_fd && !j->again) {
		if (!lf->orphaned && lf->fd >= 0) {
			/* Last words: mark a gap nothing came after. */
			(void)logfile_io_markers(lf, j, deadline);
		}
		logfile_io_close(lf);
		j->closed = true;
	}
}

static void
logfile_on_work(uv_work_t *w)
{
	struct logfile *lf = w->data;

	uv_mutex_lock(&lf->mu);
	if (!lf->job.ran) {
		logfile_io(lf, &lf->job);
		lf->job.ran = true;
	}
	uv_mutex_unlock(&lf->mu);
}

/* The loop thread's side. */

/* logfile_report queues a report for logfile_emit. */
static void logfile_report(struct logfile *lf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
logfile_report(struct logfile *lf, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Past the cap a report is lost, never its count: see stats. */
	(void)fv_buf_append(&lf->reports, msg, strlen(msg) + 1);
}

/*
 * logfile_report_due says whether a report of kind may go out now (none
 * did in the last LOGFILE_REPORT_MS), and if so starts a new period.
 */
static bool
logfile_report_due(struct logfile *lf, enum logfile_rep kind, uint64_t now)
{
	if (now < lf->next_report[kind]) {
		return false;
	}
	lf->next_report[kind] = now + LOGFILE_REPORT_MS;
	return true;
}

/* logfile_report_drops reports dropped bytes, at most every 5 s. */
static void
logfile_report_drops(struct logfile *lf, uint64_t now)
{
	char ebuf[128];

	if (lf->unreported == 0 || lf->closing ||
	    !logfile_report_due(lf, LOGFILE_REP_DROP, now)) {
		return;
	}
	logfile_report(lf, "%s: %llu bytes dropped (%llu in total): %s",
	    lf->path, (unsigned long long)lf->unreported,
	    (unsigned long long)lf->st.bytes_dropped,
	    logfile_strerror(lf->unreported_err, ebuf, sizeof(ebuf)));
	lf->unreported = 0;
}

/*
 * logfile_arm sets the timer for the next thing that is due: a retry of a
 * batch asked for, a retry of a full pipe, or a drop report held back by
 * the rate limit. The timer keeps the loop alive only for the first two,
 * which are obligations.
 */
static void
logfile_arm(struct logfile *lf)
{
	uint64_t when = UINT64_MAX, now;

	if (lf->finishing) {
		return;
	}
	now = logfile_now_ms();
	if (lf->kick_due) {
		when = now;
	}
	if (lf->waiting && lf->retry_at < when) {
		when = lf->retry_at;
	}
	if (lf->unreported > 0 && !lf->closing &&
	    lf->next_report[LOGFILE_REP_DROP] < when) {
		when = lf->next_report[LOGFILE_REP_DROP];
	}
	if (lf->shrink_due && lf->shrink_at < when) {
		when = lf->shrink_at;
	}
	if (when == UINT64_MAX) {
		uv_timer_stop(&lf->timer);
		return;
	}
	uv_timer_start(
	    &lf->timer, logfile_on_timer, when > now ? when - now : 0, 0);
	if (lf->waiting || lf->kick_due) {
		uv_ref((uv_handle_t *)&lf->timer);
	} else {
		uv_unref((uv_handle_t *)&lf->timer);
	}
}

/*
 * logfile_schedule asks for a batch to be started from inside the loop
 * (a zero timeout), never from the caller's stack: writes made in one loop
 * iteration go out as one batch, and a daemon that logs, flushes and forks
 * before running its loop has nothing on the thread pool at the fork.
 */
static void
logfile_schedule(struct logfile *lf)
{
	if (!lf->kick_due) {
		lf->kick_due = true;
		logfile_arm(lf);
	}
}

/* logfile_drop_pending drops what is queued (close gave up, or too late). */
static void
logfile_drop_pending(struct logfile *lf, int err)
{
	lf->st.bytes_dropped += lf->pending.len;
	lf->queued -= lf->pending.len;
	lf->handled += lf->pending.len;
	lf->st.last_error = err;
	logfile_q_reset(&lf->pending);
}

/*
 * logfile_consume takes the results of a finished batch: counters, the
 * rest of the batch if a pipe was full, pressure, and reports. Callbacks
 * are only queued here; logfile_emit makes them once state is consistent.
 */
static void
logfile_consume(struct logfile *lf)
{
	struct logfile_job *j = &lf->job;
	uint64_t now = logfile_now_ms();
	char ebuf[128];

	j->consumed = true;
	lf->st.bytes_written += j->written;
	lf->st.bytes_dropped += j->dropped;
	lf->st.rotations += j->rotations;
	lf->st.reopens += j->reopens;
	lf->queued -= j->off;
	lf->handled += j->off;
	if (j->closed) {
		lf->fd_closed = true;
	}
	if (j->off < lf->inflight.len || j->gap < lf->inflight.ngap) {
		logfile_q_requeue(lf);
	} else {
		/*
		 * Keep the buffer while the log is busy: freeing it after
		 * every batch and growing the next one again costs fresh
		 * pages (faults and zeroing) per batch of a busy log. Big
		 * buffers go once the log has been idle LOGFILE_SHRINK_MS.
		 */
		logfile_q_clear(&lf->inflight);
		if (logfile_q_big(&lf->inflight) ||
		    logfile_q_big(&lf->pending)) {
			lf->shrink_due = true;
			lf->shrink_at = now + LOGFILE_SHRINK_MS;
		}
	}
	if (j->again) {
		lf->retry_ms = j->written > 0 || lf->retry_ms == 0
		    ? LOGFILE_RETRY_MIN
		    : lf->retry_ms * 2;
		lf->retry_ms = lf->retry_ms > LOGFILE_RETRY_MAX
		    ? LOGFILE_RETRY_MAX
		    : lf->retry_ms;
		lf->retry_at = now + lf->retry_ms;
		lf->waiting = true;
		if (lf->closing && now >= lf->close_deadline) {
			/* The reader is gone for good: stop waiting. */
			logfile_drop_pending(lf, -EAGAIN);
			lf->waiting = false;
		}
	} else {
		lf->retry_ms = 0;
	}
	if (lf->paused && lf->queued < lf->highwater / 2) {
		lf->paused = false;
	}
	if (j->dropped > 0) {
		lf->st.last_error = j->drop_err;
		lf->unreported += j->dropped;
		lf->unreported_err = j->drop_err;
		logfile_report_drops(lf, now);
	}
	if (j->resumed > 0) {
		logfile_report(lf,
		    "%s: writing resumed; %llu bytes were dropped before this "
		    "point",
		    lf->path, (unsigned long long)j->resumed);
	}
	if (j->reopened == LOGFILE_RE_DELETED) {
		logfile_report(
		    lf, "%s: the log file was deleted; reopened it", lf->path);
	} else if (j->reopened == LOGFILE_RE_MOVED) {
		logfile_report(lf,
		    "%s: the log file was moved or replaced; reopened it",
		    lf->path);
	}
	if (j->open_err != 0) {
		lf->st.last_error = j->open_err;
		if (logfile_report_due(lf, LOGFILE_REP_OPEN, now)) {
			logfile_report(lf, "%s: cannot reopen: %s", lf->path,
			    logfile_strerror(j->open_err, ebuf, sizeof(ebuf)));
		}
	}
	if (j->rot_err != 0) {
		lf->st.last_error = j->rot_err;
		if (logfile_report_due(lf, LOGFILE_REP_ROTATE, now)) {
			logfile_report(lf, "%s: cannot rotate: %s (will retry)",
			    lf->path,
			    logfile_strerror(j->rot_err, ebuf, sizeof(ebuf)));
		}
	}
}

/*
 * logfile_notify runs the logfile_when_written callbacks that are due
 * (all of them when all is set). Each registration is removed before its
 * callback runs and the list is searched anew after it, so a callback may
 * register, cancel, write or close as it likes.
 */
static void
logfile_notify(struct logfile *lf, bool all)
{
	struct logfile_waiter w;
	size_t i;

	for (;;) {
		for (i = 0; i < lf->nwaiters; i++) {
			if (all || lf->waiters[i].target <= lf->handled) {
				break;
			}
		}
		if (i == lf->nwaiters) {
			return;
		}
		w = lf->waiters[i];
		memmove(&lf->waiters[i], &lf->waiters[i + 1],
		    (lf->nwaiters - i - 1) * sizeof(lf->waiters[0]));
		lf->nwaiters--;
		w.cb(w.arg);
	}
}

/*
 * logfile_emit makes the callbacks that state changes have queued. It
 * runs last in every entry point, so a callback may call back into the
 * logfile (the main log reports into itself). After logfile_close only
 * done is called.
 */
static void
logfile_emit(struct logfile *lf)
{
	struct fv_buf msgs;

	if (lf->in_sync) {
		return;
	}
	logfile_notify(lf, false);
	if (lf->closing) {
		fv_buf_reset(&lf->reports);
		return;
	}
	if (lf->told && !lf->paused) {
		lf->told = false;
		if (lf->on_pressure != NULL) {
			lf->on_pressure(lf->arg, false);
		}
	}
	while (lf->reports.len > 0) {
		msgs = lf->reports;
		fv_buf_init(&lf->reports, LOGFILE_REPORTS_MAX);
		for (size_t i = 0; i < msgs.len;
		     i += strlen(msgs.data + i) + 1) {
			if (lf->on_report != NULL && !lf->closing) {
				lf->on_report(lf->arg, msgs.data + i);
			}
		}
		fv_buf_fini(&msgs);
	}
}

static void
logfile_free(struct logfile *lf)
{
	logfile_q_fini(&lf->pending);
	logfile_q_fini(&lf->inflight);
	fv_buf_fini(&lf->reports);
	free(lf->waiters);
	uv_mutex_destroy(&lf->mu);
	free(lf->path);
	free(lf->ident);
	free(lf);
}

static void
logfile_on_timer_closed(uv_handle_t *h)
{
	struct logfile *lf = h->data;
	void (*done)(void *) = lf->done;
	void *arg = lf->done_arg;

	/* Nothing more will be written: whoever waits reads what is there. */
	logfile_notify(lf, true);
	logfile_free(lf);
	if (done != NULL) {
		done(arg);
	}
}

/* logfile_finish ends a close once the target is closed. */
static void
logfile_finish(struct logfile *lf)
{
	if (lf->finishing) {
		return;
	}
	if (lf->pending.len > 0) {
		logfile_drop_pending(lf, -EBADF); /* written after close */
	}
	lf->finishing = true;
	uv_timer_stop(&lf->timer);
	uv_close((uv_handle_t *)&lf->timer, logfile_on_timer_closed);
}

/* logfile_shrink frees the buffers of a log idle since shrink_at. */
static void
logfile_shrink(struct logfile *lf, uint64_t now)
{
	if (!lf->shrink_due || now < lf->shrink_at) {
		return;
	}
	if (lf->busy || lf->in_sync || lf->pending.len > 0 ||
	    lf->pending.ngap > 0) {
		lf->shrink_at = now + LOGFILE_SHRINK_MS; /* not idle yet */
		return;
	}
	lf->shrink_due = false;
	logfile_q_reset(&lf->inflight);
	logfile_q_reset(&lf->pending);
}

/* logfile_kick starts a batch if there is work and nothing in the way. */
static void
logfile_kick(struct logfile *lf)
{
	struct logfile_q tmp;
	int rv;

	if (lf->fd_closed) {
		if (lf->closing && !lf->busy) {
			logfile_finish(lf);
		}
		return;
	}
	if (lf->busy || lf->in_sync || lf->waiting) {
		return;
	}
	if (lf->pending.len == 0 && lf->pending.ngap == 0 && !lf->reopen_req &&
	    !lf->closing) {
		return;
	}
	tmp = lf->inflight;
	lf->inflight = lf->pending;
	lf->pending = tmp;
	lf->job = (struct logfile_job){
		.reopen = lf->reopen_req,
		.close_fd = lf->closing,
	};
	lf->reopen_req = false;
	lf->busy = true;
	lf->work.data = lf;
	rv = uv_queue_work(
	    lf->loop, &lf->work, logfile_on_work, logfile_on_after_work);
	if (rv != 0) {
		/* Only a NULL callback makes this fail. */
		fprintf(stderr, "%s: uv_queue_work: %s\n", __func__,
		    uv_strerror(rv));
		abort();
	}
}

static void
logfile_on_after_work(uv_work_t *w, int status)
{
	struct logfile *lf = w->data;

	(void)status; /* never cancelled */
	lf->busy = false;
	if (!lf->job.consumed) {
		logfile_consume(lf);
	}
	logfile_kick(lf);
	logfile_arm(lf);
	logfile_emit(lf);
}

static void
logfile_on_timer(uv_timer_t *t)
{
	struct logfile *lf = t->data;
	uint64_t now = logfile_now_ms();

	lf->kick_due = false;
	if (lf->waiting && now >= lf->retry_at) {
		lf->waiting = false;
	}
	logfile_shrink(lf, now);
	logfile_report_drops(lf, now);
	logfile_kick(lf);
	logfile_arm(lf);
	logfile_emit(lf);
}

/* The API. */

/*
 * logfile_new makes the struct around an open target; it cannot fail, so
 * the handle it initialises never needs closing on an error path.
 */
static struct logfile *
logfile_new(uv_loop_t *loop, const struct logfile_opts *o,
    enum logfile_kind kind, int fd)
{
	struct logfile *lf = fv_xcalloc(1, sizeof(*lf));

	lf->loop = loop;
	lf->path = fv_xstrdup(o->path != NULL ? o->path : "(log)");
	lf->kind = kind;
	lf->nofollow = true;
	lf->fd = fd;
	lf->maxbytes = o->maxbytes;
	lf->backups = o->backups;
	lf->highwater =
	    o->highwater != 0 ? o->highwater : LOGFILE_HIGHWATER_DEFAULT;
	lf->limit = o->limit != 0 ? o->limit : 4 * lf->highwater;
	lf->limit =
	    lf->limit > LOGFILE_LIMIT_MAX ? LOGFILE_LIMIT_MAX : lf->limit;
	lf->on_pressure = o->on_pressure;
	lf->on_report = o->on_report;
	lf->arg = o->arg;
	fv_buf_init(&lf->reports, LOGFILE_REPORTS_MAX);
	if (uv_mutex_init(&lf->mu) != 0) {
		fprintf(stderr, "%s: uv_mutex_init failed\n", __func__);
		abort();
	}
	uv_timer_init(loop, &lf->timer);
	lf->timer.data = lf;
	uv_unref((uv_handle_t *)&lf->timer);
	return lf;
}

/* logfile_check_opts refuses options no log could honour. */
static int
logfile_check_opts(const struct logfile_opts *o, struct fv_diag *d)
{
	if (o->path == NULL || o->path[0] == '\0') {
		return fv_diagf(d, FV_EBADCONF, "log file: no path");
	}
	if (o->maxbytes < 0 || o->backups < 0) {
		return fv_diagf(d, FV_EBADCONF,
		    "log file %s: negative maxbytes or backups", o->path);
	}
	if (o->limit > LOGFILE_LIMIT_MAX || o->highwater > LOGFILE_LIMIT_MAX) {
		return fv_diagf(d, FV_EBADCONF,
		    "log file %s: queue limit above %d bytes", o->path,
		    LOGFILE_LIMIT_MAX);
	}
	return 0;
}

int
logfile_open(uv_loop_t *loop, const struct logfile_opts *o,
    struct logfile **lfp, struct fv_diag *d)
{
	enum logfile_kind kind;
	struct logfile *lf;
	bool alias = false;
	struct stat st;
	const char *hint = "";
	char ebuf[128];
	int fd = -1, rv;

	*lfp = NULL;
	if ((rv = logfile_check_opts(o, d)) != 0) {
		return rv;
	}
	rv = logfile_open_target(o->path, true, 0, &fd, &st);
	if (rv == -ELOOP && logfile_alias_ok(o->path)) {
		alias = true;
		rv = logfile_open_target(o->path, false, 0, &fd, &st);
	}
	if (rv != 0) {
		if (rv == -ELOOP) {
			hint = " (symbolic links are refused)";
		} else if (rv == -ENXIO) {
			hint = " (a socket, or a FIFO with no reader)";
		}
		return fv_diagf(d, rv, "cannot open log file %s: %s%s", o->path,
		    logfile_strerror(rv, ebuf, sizeof(ebuf)), hint);
	}
	if (S_ISREG(st.st_mode) && !alias) {
		kind = LOGFILE_K_FILE;
	} else if (S_ISREG(st.st_mode) || S_ISCHR(st.st_mode) ||
	    S_ISFIFO(st.st_mode)) {
		/* 4.2.5 reopens these "wb" after ESPIPE: just write. */
		kind = LOGFILE_K_SPECIAL;
	} else {
		close(fd);
		return fv_diagf(d, -EINVAL,
		    "cannot open log file %s: not a regular file, character "
		    "device or FIFO",
		    o->path);
	}
	lf = logfile_new(loop, o, kind, fd);
	lf->nofollow = !alias;
	lf->size = st.st_size;
	*lfp = lf;
	return 0;
}

int
logfile_open_fd(uv_loop_t *loop, int fd, const struct logfile_opts *o,
    struct logfile **lfp, struct fv_diag *d)
{
	char proc[64], ebuf[128];
	struct logfile *lf;
	bool blocking = false;
	struct stat st;
	int nfd = -1, fl, rv;

	*lfp = NULL;
	if ((rv = logfile_check_opts(o, d)) != 0) {
		return rv;
	}
	if (fstat(fd, &st) != 0) {
		rv = -errno;
		return fv_diagf(d, rv, "%s: fd %d: %s", o->path, fd,
		    logfile_strerror(rv, ebuf, sizeof(ebuf)));
	}
	/*
	 * A private open file description lets us use O_NONBLOCK without
	 * changing the one we share with our parent (a shell's terminal).
	 * Sockets cannot be opened that way: those we dup, and write to
	 * only as far as poll allows.
	 */
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		nfd = open(proc, O_WRONLY | O_APPEND | O_CLOEXEC | O_NONBLOCK);
	}
	if (nfd < 0) {
		if ((nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0) {
			rv = -errno;
			return fv_diagf(d, rv, "%s: cannot duplicate fd %d: %s",
			    o->path, fd,
			    logfile_strerror(rv, ebuf, sizeof(ebuf)));
		}
		fl = fcntl(nfd, F_GETFL);
		blocking =
		    !S_ISREG(st.st_mode) && (fl < 0 || (fl & O_NONBLOCK) == 0);
	}
	lf = logfile_new(loop, o, LOGFILE_K_FD, nfd);
	lf->fd_blocking = blocking;
	*lfp = lf;
	return 0;
}

int
logfile_open_syslog(uv_loop_t *loop, const char *ident,
    const struct logfile_opts *o, struct logfile **lfp, struct fv_diag *d)
{
	struct logfile_opts so = *o;
	struct logfile *lf;
	int rv;

	*lfp = NULL;
	so.path = o->path != NULL ? o->path : "syslog";
	if ((rv = logfile_check_opts(&so, d)) != 0) {
		return rv;
	}
	lf = logfile_new(loop, &so, LOGFILE_K_SYSLOG, -1);
	/* Python's syslog module: basename of argv[0], no options, USER. */
	lf->ident =
	    fv_xstrdup(ident != NULL ? ident : program_invocation_short_name);
	openlog(lf->ident, 0, LOG_USER);
	*lfp = lf;
	return 0;
}

void
logfile_write(struct logfile *lf, const void *p, size_t n)
{
	if (n == 0) {
		return;
	}
	if (lf->fd_closed || lf->finishing) {
		lf->st.bytes_dropped += n;
		return;
	}
	if (n > LOGFILE_LIMIT_MAX ||
	    (lf->queued > 0 && lf->queued + n > lf->limit) ||
	    (lf->kind == LOGFILE_K_SYSLOG &&
	        lf->pending.nrec >= LOGFILE_MAXRECS)) {
		/* The producer ignored pressure: drop, count, mark. */
		lf->cap_gap += n;
		lf->st.bytes_dropped += n;
		lf->st.last_error = FV_ETOOBIG;
		lf->unreported += n;
		lf->unreported_err = 0;
		logfile_report_drops(lf, logfile_now_ms());
		logfile_arm(lf);
		logfile_emit(lf);
		return;
	}
	if (lf->cap_gap > 0) {
		logfile_q_gap(&lf->pending, lf->cap_gap);
		lf->cap_gap = 0;
	}
	logfile_q_push(&lf->pending, p, n);
	lf->queued += n;
	if (lf->queued > lf->highwater) {
		lf->paused = true;
		if (!lf->told && !lf->closing) {
			lf->told = true;
			if (lf->on_pressure != NULL) {
				lf->on_pressure(lf->arg, true);
			}
		}
	}
	logfile_schedule(lf);
	logfile_emit(lf);
}

void
logfile_reopen(struct logfile *lf)
{
	if (lf->fd_closed || lf->kind == LOGFILE_K_FD ||
	    lf->kind == LOGFILE_K_SYSLOG) {
		return;
	}
	lf->reopen_req = true;
	logfile_schedule(lf);
}

int
logfile_flush_sync(struct logfile *lf)
{
	struct logfile_q tmp;
	int rv = 0;

	if (lf->fd_closed) {
		return 0;
	}
	uv_mutex_lock(&lf->mu);
	lf->in_sync = true;
	if (lf->busy && !lf->job.ran) {
		/* Still queued on the pool: do it here; the pool skips it. */
		logfile_io(lf, &lf->job);
		lf->job.ran = true;
	}
	if (lf->busy && !lf->job.consumed) {
		logfile_consume(lf);
	}
	lf->waiting = false;
	while (!lf->fd_closed &&
	    (lf->pending.len > 0 || lf->pending.ngap > 0 || lf->reopen_req)) {
		tmp = lf->inflight;
		lf->inflight = lf->pending;
		lf->pending = tmp;
		lf->job = (struct logfile_job){
			.reopen = lf->reopen_req,
			.sync = true,
			.ran = true,
		};
		lf->reopen_req = false;
		logfile_io(lf, &lf->job);
		logfile_consume(lf);
		if (lf->job.again) {
			rv = -EAGAIN;
			break;
		}
	}
	lf->in_sync = false;
	uv_mutex_unlock(&lf->mu);
	if (lf->pending.len > 0 || lf->fd_closed) {
		logfile_schedule(lf);
	}
	logfile_arm(lf);
	logfile_emit(lf);
	return rv;
}

bool
logfile_when_written(struct logfile *lf, logfile_written_fn *cb, void *arg)
{
	if (lf->queued == 0 || lf->finishing) {
		return false;
	}
	if (lf->nwaiters == lf->waitcap) {
		lf->waitcap = lf->waitcap ? lf->waitcap * 2 : 4;
		lf->waiters = fv_xreallocarray(
		    lf->waiters, lf->waitcap, sizeof(lf->waiters[0]));
	}
	lf->waiters[lf->nwaiters++] = (struct logfile_waiter){
		.target = lf->handled + lf->queued,
		.cb = cb,
		.arg = arg,
	};
	return true;
}

void
logfile_when_written_cancel(
    struct logfile *lf, logfile_written_fn *cb, void *arg)
{
	for (size_t i = 0; i < lf->nwaiters; i++) {
		if (lf->waiters[i].cb == cb && lf->waiters[i].arg == arg) {
			memmove(&lf->waiters[i], &lf->waiters[i + 1],
			    (lf->nwaiters - i - 1) * sizeof(lf->waiters[0]));
			lf->nwaiters--;
			return;
		}
	}
}

void
logfile_close(struct logfile *lf, void (*done)(void *), void *arg)
{
	lf->closing = true;
	lf->done = done;
	lf->done_arg = arg;
	lf->close_deadline = logfile_now_ms() + LOGFILE_SYNC_MS;
	lf->unreported = 0;
	fv_buf_reset(&lf->reports);
	if (lf->cap_gap > 0) {
		/* Let the file say so, even though nothing follows. */
		logfile_q_gap(&lf->pending, lf->cap_gap);
		lf->cap_gap = 0;
	}
	logfile_schedule(lf);
}

void
logfile_stats(const struct logfile *lf, struct logfile_stats *st)
{
	*st = lf->st;
	st->pending = lf->queued;
	st->paused = lf->told;
	st->special = lf->kind != LOGFILE_K_FILE;
}

int
logfile_remove_files(const char *path, long long backups)
{
	size_t size = strlen(path) + 32;
	char *name = fv_xmalloc(size);
	int rv = 0;

	for (long long i = 0; i <= backups; i++) {
		if (i == 0) {
			fv_strlcpy(name, path, size);
		} else {
			snprintf(name, size, "%s.%lld", path, i);
		}
		if (unlink(name) != 0 && errno != ENOENT && rv == 0) {
			rv = -errno;
		}
	}
	free(name);
	return rv;
}
