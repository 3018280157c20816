/*
 * The activity log. It owns its targets (struct logfile for the file or
 * syslog, and one for the stdout copy), the messages buffered before they
 * open, and two scratch buffers. It formats on the loop thread and hands
 * whole records to the writers, so it never blocks on a disk and never
 * drops a message without the writer counting it. It must never decide
 * policy for its callers: it logs what it is given at the level given.
 */
#include "log/mainlog.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/xalloc.h"
#include "log/logfile.h"

/* The header of a message buffered before the targets opened. */
struct mainlog_early {
	int level;
	struct timespec ts;
	size_t len; /* bytes of message that follow */
};

struct mainlog {
	int level;
	bool to_stdout;
	bool opened;
	bool syslog; /* file is the syslog writer */
	int nopen; /* targets still closing */
	struct logfile *file; /* owned: the logfile or syslog, or NULL */
	struct logfile *out; /* owned: the stdout copy, or NULL */
	struct fv_buf early; /* mainlog_early headers and messages */
	uint64_t early_dropped; /* messages that did not fit */
	struct fv_buf msg, line; /* scratch */
};

static const struct {
	int level;
	const char *name;
} mainlog_levels[] = {
	{ MAINLOG_CRIT, "CRIT" },
	{ MAINLOG_ERRO, "ERRO" },
	{ MAINLOG_WARN, "WARN" },
	{ MAINLOG_INFO, "INFO" },
	{ MAINLOG_DEBG, "DEBG" },
	{ MAINLOG_TRAC, "TRAC" },
	{ MAINLOG_BLAT, "BLAT" },
};

const char *
mainlog_level_name(int level)
{
	for (size_t i = 0; i < nitems(mainlog_levels); i++) {
		if (mainlog_levels[i].level == level) {
			return mainlog_levels[i].name;
		}
	}
	return NULL;
}

int
mainlog_format(struct fv_buf *out, int level, const struct timespec *ts,
    const char *msg, size_t n)
{
	const char *name = mainlog_level_name(level);
	char date[64], num[16];
	time_t sec = ts->tv_sec;
	struct tm tm;
	int rv;

	if (localtime_r(&sec, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm) == 0) {
		snprintf(date, sizeof(date), "%lld", (long long)sec);
	}
	if (name == NULL) {
		/* 4.2.5 would raise KeyError; we show the number. */
		snprintf(num, sizeof(num), "%d", level);
		name = num;
	}
	/* '%s,%03d' % (part1, msecs): msecs is truncated, not rounded. */
	if ((rv = fv_buf_printf(out, "%s,%03ld %s ", date,
	         (long)(ts->tv_nsec / 1000000), name)) != 0 ||
	    (rv = fv_buf_append(out, msg, n)) != 0) {
		return rv;
	}
	return fv_buf_putc(out, '\n');
}

struct mainlog *
mainlog_new(int level, bool to_stdout)
{
	struct mainlog *ml = fv_xcalloc(1, sizeof(*ml));

	ml->level = level;
	ml->to_stdout = to_stdout;
	fv_buf_init(&ml->early, MAINLOG_EARLY_MAX);
	fv_buf_init(&ml->msg, MAINLOG_MSG_MAX + 128);
	fv_buf_init(&ml->line, MAINLOG_MSG_MAX + 256);
	return ml;
}

static void
mainlog_free(struct mainlog *ml)
{
	fv_buf_fini(&ml->early);
	fv_buf_fini(&ml->msg);
	fv_buf_fini(&ml->line);
	free(ml);
}

/* mainlog_line formats one record into ml->line; false if it cannot. */
static bool
mainlog_line(struct mainlog *ml, int level, const struct timespec *ts,
    const char *msg, size_t n)
{
	fv_buf_reset(&ml->line);
	return mainlog_format(&ml->line, level, ts, msg, n) == 0;
}

/*
 * mainlog_emit sends one record to the targets. Syslog gets each line of
 * the message on its own, as 4.2.5's SyslogHandler does with
 * message.rstrip('\n').split('\n').
 */
static void
mainlog_emit(struct mainlog *ml, int level, const struct timespec *ts,
    const char *msg, size_t n)
{
	struct mainlog_early h = { level, *ts, n };
	const char *p, *nl;
	size_t m;

	if (!ml->opened) {
		if (fv_buf_append(&ml->early, &h, sizeof(h)) != 0) {
			ml->early_dropped++;
			return;
		}
		if (fv_buf_append(&ml->early, msg, n) != 0) {
			/* Keep the buffer parseable: drop the header too. */
			ml->early.len -= sizeof(h);
			ml->early_dropped++;
		}
		return;
	}
	if (ml->syslog) {
		m = n;
		while (m > 0 && msg[m - 1] == '\n') {
			m--;
		}
		p = msg;
		do {
			nl = memchr(p, '\n', (size_t)(msg + m - p));
			if (mainlog_line(ml, level, ts, p,
			        (size_t)((nl != NULL ? nl : msg + m) - p))) {
				logfile_write(
				    ml->file, ml->line.data, ml->line.len);
			}
			p = nl != NULL ? nl + 1 : NULL;
		} while (p != NULL);
	}
	if (!mainlog_line(ml, level, ts, msg, n)) {
		return;
	}
	if (ml->file != NULL && !ml->syslog) {
		logfile_write(ml->file, ml->line.data, ml->line.len);
	}
	if (ml->out != NULL) {
		logfile_write(ml->out, ml->line.data, ml->line.len);
	}
}

void
mainlog_set_level(struct mainlog *ml, int level)
{
	ml->level = level;
}

int
mainlog_get_level(const struct mainlog *ml)
{
	return ml->level;
}

bool
mainlog_enabled(const struct mainlog *ml, int level)
{
	return ml != NULL && level >= ml->level;
}

void
mainlog_vlog(struct mainlog *ml, int level, const char *fmt, va_list ap)
{
	static const char cut[] = " [message truncated]";
	struct timespec ts;
	va_list ap2;
	int n;

	if (!mainlog_enabled(ml, level)) {
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts); /* shown, never timed: G8 */
	fv_buf_reset(&ml->msg);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		return;
	}
	if ((size_t)n <= MAINLOG_MSG_MAX) {
		if (fv_buf_vprintf(&ml->msg, fmt, ap) != 0) {
			return;
		}
	} else {
		/* Keep the head of a huge message, and say so. */
		char *tmp = fv_xmalloc(MAINLOG_MSG_MAX + 1);

		vsnprintf(tmp, MAINLOG_MSG_MAX + 1, fmt, ap);
		(void)fv_buf_append(&ml->msg, tmp, MAINLOG_MSG_MAX);
		(void)fv_buf_append(&ml->msg, cut, sizeof(cut) - 1);
		free(tmp);
	}
	mainlog_emit(ml, level, &ts, ml->msg.data, ml->msg.len);
}

void
mainlog_log(struct mainlog *ml, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mainlog_vlog(ml, level, fmt, ap);
	va_end(ap);
}

/* The per-level entry points differ only in their level. */
#define MAINLOG_LEVEL_FN(fn, lvl)                         \
	void fn(struct mainlog *ml, const char *fmt, ...) \
	{                                                 \
		va_list ap;                               \
                                                          \
		va_start(ap, fmt);                        \
		mainlog_vlog(ml, lvl, fmt, ap);           \
		va_end(ap);                               \
	}

MAINLOG_LEVEL_FN(mainlog_critical, MAINLOG_CRIT)
MAINLOG_LEVEL_FN(mainlog_error, MAINLOG_ERRO)
MAINLOG_LEVEL_FN(mainlog_warn, MAINLOG_WARN)
MAINLOG_LEVEL_FN(mainlog_info, MAINLOG_INFO)
MAINLOG_LEVEL_FN(mainlog_debug, MAINLOG_DEBG)
MAINLOG_LEVEL_FN(mainlog_trace, MAINLOG_TRAC)
MAINLOG_LEVEL_FN(mainlog_blather, MAINLOG_BLAT)

/* mainlog_on_report puts a writer's warning into the main log itself. */
static void
mainlog_on_report(void *arg, const char *msg)
{
	mainlog_log(arg, MAINLOG_WARN, "%s", msg);
}

/*
 * mainlog_replay hands each buffered message to fn in order, then forgets
 * them all.
 */
static void
mainlog_replay(struct mainlog *ml,
    void (*fn)(
        struct mainlog *, const struct mainlog_early *, const char *, void *),
    void *arg)
{
	struct fv_buf early = ml->early;
	struct mainlog_early h;

	fv_buf_init(&ml->early, MAINLOG_EARLY_MAX);
	for (size_t off = 0; off + sizeof(h) <= early.len;
	     off += sizeof(h) + h.len) {
		memcpy(&h, early.data + off, sizeof(h));
		fn(ml, &h, early.data + off + sizeof(h), arg);
	}
	fv_buf_fini(&early);
}

static void
mainlog_replay_emit(struct mainlog *ml, const struct mainlog_early *h,
    const char *msg, void *arg)
{
	(void)arg;
	if (h->level >= ml->level) {
		mainlog_emit(ml, h->level, &h->ts, msg, h->len);
	}
}

int
mainlog_open_file(struct mainlog *ml, uv_loop_t *loop, const char *logfile,
    long long maxbytes, long long backups, struct fv_diag *d)
{
	struct logfile_opts o = {
		.path = logfile,
		.maxbytes = maxbytes,
		.backups = backups,
		.on_report = mainlog_on_report,
		.arg = ml,
	};
	struct fv_diag od = { "" };
	int rv, orv = 0;

	if (ml->opened) {
		return fv_diagf(d, FV_ESTATE, "main log: already open");
	}
	if (logfile != NULL && strcmp(logfile, "syslog") == 0) {
		o.path = "syslog";
		rv = logfile_open_syslog(loop, NULL, &o, &ml->file, d);
		ml->syslog = rv == 0;
	} else if (logfile != NULL) {
		rv = logfile_open(loop, &o, &ml->file, d);
	} else {
		rv = 0;
	}
	if (rv != 0) {
		return rv;
	}
	if (ml->to_stdout) {
		o.path = "<stdout>";
		o.maxbytes = o.backups = 0;
		orv = logfile_open_fd(loop, STDOUT_FILENO, &o, &ml->out, &od);
	}
	ml->opened = true;
	mainlog_replay(ml, mainlog_replay_emit, NULL);
	if (ml->early_dropped > 0) {
		mainlog_log(ml, MAINLOG_WARN,
		    "%llu start-up log messages were dropped (over %d bytes)",
		    (unsigned long long)ml->early_dropped, MAINLOG_EARLY_MAX);
		ml->early_dropped = 0;
	}
	if (orv != 0) {
		mainlog_log(
		    ml, MAINLOG_WARN, "no log copy on stdout: %s", od.msg);
	}
	return 0;
}

void
mainlog_reopen(struct mainlog *ml)
{
	if (ml->file != NULL && !ml->syslog) {
		logfile_reopen(ml->file);
	}
}

int
mainlog_flush_sync(struct mainlog *ml)
{
	int rv = 0, r;

	if (ml->file != NULL && (r = logfile_flush_sync(ml->file)) != 0) {
		rv = r;
	}
	if (ml->out != NULL && (r = logfile_flush_sync(ml->out)) != 0 &&
	    rv == 0) {
		rv = r;
	}
	return rv;
}

bool
mainlog_when_written(struct mainlog *ml, logfile_written_fn *cb, void *arg)
{
	if (ml->file == NULL || ml->syslog) {
		return false;
	}
	return logfile_when_written(ml->file, cb, arg);
}

void
mainlog_when_written_cancel(
    struct mainlog *ml, logfile_written_fn *cb, void *arg)
{
	if (ml->file != NULL) {
		logfile_when_written_cancel(ml->file, cb, arg);
	}
}

/* mainlog_write_all writes n bytes to a blocking fd, retrying EINTR. */
static int
mainlog_write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

struct mainlog_spill {
	int fd;
	int rv;
};

static void
mainlog_replay_fd(struct mainlog *ml, const struct mainlog_early *h,
    const char *msg, void *arg)
{
	struct mainlog_spill *sp = arg;
	int rv;

	if (h->level < ml->level ||
	    !mainlog_line(ml, h->level, &h->ts, msg, h->len)) {
		return;
	}
	if ((rv = mainlog_write_all(sp->fd, ml->line.data, ml->line.len)) !=
	        0 &&
	    sp->rv == 0) {
		sp->rv = rv;
	}
}

int
mainlog_flush_early(struct mainlog *ml, int fd)
{
	struct mainlog_spill sp = { fd, 0 };

	mainlog_replay(ml, mainlog_replay_fd, &sp);
	return sp.rv;
}

static void
mainlog_on_closed(void *arg)
{
	struct mainlog *ml = arg;

	if (--ml->nopen == 0) {
		mainlog_free(ml);
	}
}

void
mainlog_close(struct mainlog *ml)
{
	if (ml == NULL) {
		return;
	}
	if (ml->early.len > 0) {
		/* Never opened: these would be lost; stderr is all we have. */
		(void)mainlog_flush_early(ml, STDERR_FILENO);
	}
	ml->nopen = (ml->file != NULL) + (ml->out != NULL);
	if (ml->nopen == 0) {
		mainlog_free(ml);
		return;
	}
	if (ml->file != NULL) {
		logfile_close(ml->file, mainlog_on_closed, ml);
	}
	if (ml->out != NULL) {
		logfile_close(ml->out, mainlog_on_closed, ml);
	}
}
