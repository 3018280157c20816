/*
 * The controller's activity log (ctr_log.h). It owns the log file's
 * descriptor and its rotation; it never calls back into the controller,
 * so it can be used under the controller's state lock.
 */
#include "ctr_log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common/xalloc.h"

#define CTR_LOG_MSG_MAX (64 * 1024)

struct ctr_log {
	pthread_mutex_t mu;
	int level;
	bool to_stdout;
	bool syslog;
	int fd; /* -1: no file */
	char *path;
	long long maxbytes;
	int backups;
	long long size;
	struct fv_buf line;
};

static const struct {
	int level;
	const char *name;
} ctr_log_levels[] = {
	{ CTR_LOG_CRIT, "CRIT" },
	{ CTR_LOG_ERRO, "ERRO" },
	{ CTR_LOG_WARN, "WARN" },
	{ CTR_LOG_INFO, "INFO" },
	{ CTR_LOG_DEBG, "DEBG" },
	{ CTR_LOG_TRAC, "TRAC" },
	{ CTR_LOG_BLAT, "BLAT" },
};

const char *
ctr_log_level_name(int level)
{
	for (size_t i = 0; i < nitems(ctr_log_levels); i++) {
		if (ctr_log_levels[i].level == level) {
			return ctr_log_levels[i].name;
		}
	}
	return NULL;
}

int
ctr_log_format(
    struct fv_buf *out, int level, long long sec, long msec, const char *msg)
{
	const char *name = ctr_log_level_name(level);
	time_t t = (time_t)sec;
	char date[64];
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm) == 0) {
		snprintf(date, sizeof(date), "%lld", sec);
	}
	return fv_buf_printf(
	    out, "%s,%03ld %s %s\n", date, msec, name ? name : "INFO", msg);
}

struct ctr_log *
ctr_log_new(int level, bool to_stdout)
{
	struct ctr_log *l = fv_xcalloc(1, sizeof(*l));

	pthread_mutex_init(&l->mu, NULL);
	l->level = level;
	l->to_stdout = to_stdout;
	l->fd = -1;
	fv_buf_init(&l->line, CTR_LOG_MSG_MAX + 128);
	return l;
}

static int
ctr_log_open_fd(struct ctr_log *l, struct fv_diag *d)
{
	int fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	off_t end;

	if (fd < 0) {
		return fv_diagf(d, -errno, "%s: %s", l->path, strerror(errno));
	}
	end = lseek(fd, 0, SEEK_END);
	l->size = end > 0 ? (long long)end : 0;
	if (l->fd >= 0) {
		close(l->fd);
	}
	l->fd = fd;
	return 0;
}

int
ctr_log_open(struct ctr_log *l, const char *path, long long maxbytes,
    int backups, struct fv_diag *d)
{
	int rv = 0;

	pthread_mutex_lock(&l->mu);
	l->maxbytes = maxbytes;
	l->backups = backups;
	if (path != NULL && strcmp(path, "syslog") == 0) {
		openlog("fleetvisor-controller", LOG_PID, LOG_USER);
		l->syslog = true;
	} else if (path != NULL) {
		free(l->path);
		l->path = fv_xstrdup(path);
		rv = ctr_log_open_fd(l, d);
	}
	pthread_mutex_unlock(&l->mu);
	return rv;
}

void
ctr_log_reopen(struct ctr_log *l)
{
	struct fv_diag d;

	pthread_mutex_lock(&l->mu);
	if (l->path != NULL && ctr_log_open_fd(l, &d) != 0) {
		dprintf(STDERR_FILENO, "fleetvisor-controller: reopen: %s\n",
		    d.msg);
	}
	pthread_mutex_unlock(&l->mu);
}

/* ctr_log_rotate moves path to path.1 (and so on) as 4.2.5's
 * RotatingFileHandler does, then opens a fresh path. Under l->mu. */
static void
ctr_log_rotate(struct ctr_log *l)
{
	size_t n = strlen(l->path) + 16;
	char *from = fv_xmalloc(n), *to = fv_xmalloc(n);
	struct fv_diag d;

	if (l->backups > 0) {
		for (int i = l->backups - 1; i >= 1; i--) {
			snprintf(from, n, "%s.%d", l->path, i);
			snprintf(to, n, "%s.%d", l->path, i + 1);
			rename(from, to);
		}
		snprintf(to, n, "%s.1", l->path);
		rename(l->path, to);
	} else if (ftruncate(l->fd, 0) == 0) {
		l->size = 0;
	}
	free(from);
	free(to);
	if (l->backups > 0 && ctr_log_open_fd(l, &d) != 0) {
		dprintf(STDERR_FILENO, "fleetvisor-controller: rotate: %s\n",
		    d.msg);
	}
}

static void
ctr_log_write(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

bool
ctr_log_enabled(const struct ctr_log *l, int level)
{
	return l != NULL && level >= l->level;
}

void
ctr_log_msg(struct ctr_log *l, int level, const char *fmt, ...)
{
	char msg[CTR_LOG_MSG_MAX];
	struct timespec ts;
	va_list ap;

	if (!ctr_log_enabled(l, level)) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	pthread_mutex_lock(&l->mu);
	fv_buf_reset(&l->line);
	if (ctr_log_format(&l->line, level, (long long)ts.tv_sec,
	        ts.tv_nsec / 1000000, msg) == 0) {
		if (l->fd >= 0) {
			ctr_log_write(l->fd, l->line.data, l->line.len);
			l->size += (long long)l->line.len;
			if (l->maxbytes > 0 && l->size >= l->maxbytes) {
				ctr_log_rotate(l);
			}
		}
		if (l->syslog) {
			syslog(LOG_INFO, "%s", l->line.data);
		}
		if (l->to_stdout) {
			ctr_log_write(STDOUT_FILENO, l->line.data, l->line.len);
		}
	}
	pthread_mutex_unlock(&l->mu);
}

void
ctr_log_free(struct ctr_log *l)
{
	if (l == NULL) {
		return;
	}
	if (l->fd >= 0) {
		close(l->fd);
	}
	if (l->syslog) {
		closelog();
	}
	free(l->path);
	fv_buf_fini(&l->line);
	pthread_mutex_destroy(&l->mu);
	free(l);
}
