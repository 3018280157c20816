/*
 * The file side of a /logtail stream: which bytes of which file to send
 * next. It reads with pread at most what the caller's buffer holds, never
 * follows a symbolic link, and never opens a path that came from a peer
 * (the caller resolves the path from the configuration). It knows nothing
 * about HTTP or the loop.
 */
#include "web/web_follow.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/file.h"
#include "common/xalloc.h"

int
web_follow_open(
    struct web_follow *f, const char *path, size_t head, time_t *mtime)
{
	struct stat st;
	int fd;

	*f = (struct web_follow){ .fd = -1 };
	if ((fd = fv_file_open_log(path, &st)) < 0) {
		return fd;
	}
	f->path = fv_xstrdup(path);
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->pos = st.st_size >= (off_t)head ? st.st_size - (off_t)head : 0;
	if (mtime != NULL) {
		*mtime = st.st_mtime;
	}
	return 0;
}

void
web_follow_close(struct web_follow *f)
{
	if (f->fd >= 0) {
		close(f->fd);
	}
	free(f->path);
	*f = (struct web_follow){ .fd = -1 };
}

/*
 * web_follow_switch moves to the file now at the path when it is another
 * one. Returns 1 when it switched, 0 when it stays (same file, or nothing
 * at the path: a deleted log is recreated by its writer), or a negative
 * errno when the path now names something we will not follow.
 */
static int
web_follow_switch(struct web_follow *f)
{
	struct stat st;
	int fd;

	if (lstat(f->path, &st) != 0) {
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	}
	if (S_ISLNK(st.st_mode)) {
		return -ELOOP;
	}
	if (st.st_dev == f->dev && st.st_ino == f->ino) {
		return 0;
	}
	if ((fd = fv_file_open_log(f->path, &st)) < 0) {
		/* Gone again between lstat and open: try next time. */
		return fd == -ENOENT ? 0 : fd;
	}
	close(f->fd);
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	/* A new file is sent from its start, as 4.2.5 does. */
	f->pos = 0;
	return 1;
}

int
web_follow_next(struct web_follow *f, char *buf, size_t cap, size_t *np)
{
	struct stat st;
	ssize_t got;
	size_t want;
	int rv;

	*np = 0;
	f->pend = WEB_FOLLOW_NONE;
	if (f->fd < 0) {
		return -EBADF;
	}
	for (int round = 0; round < 2; round++) {
		if (fstat(f->fd, &st) != 0) {
			return -errno;
		}
		if (st.st_size < f->pos) {
			size_t n = strlen(WEB_FOLLOW_TRUNCATED);

			if (cap < n) {
				return -EINVAL;
			}
			memcpy(buf, WEB_FOLLOW_TRUNCATED, n);
			*np = n;
			f->pend = WEB_FOLLOW_TRUNC;
			return 0;
		}
		if (st.st_size > f->pos) {
			want = (size_t)(st.st_size - f->pos);
			if (want > cap) {
				want = cap;
			}
			do {
				got = pread(f->fd, buf, want, f->pos);
			} while (got < 0 && errno == EINTR);
			if (got < 0) {
				return -errno;
			}
			*np = (size_t)got;
			f->pend_n = (size_t)got;
			f->pend = got > 0 ? WEB_FOLLOW_DATA : WEB_FOLLOW_NONE;
			return 0;
		}
		/* Caught up with this file: only now look for a new one. */
		if ((rv = web_follow_switch(f)) <= 0) {
			return rv;
		}
	}
	return 0;
}

void
web_follow_commit(struct web_follow *f)
{
	if (f->pend == WEB_FOLLOW_DATA) {
		f->pos += (off_t)f->pend_n;
	} else if (f->pend == WEB_FOLLOW_TRUNC) {
		/* 4.2.5 then sends the file again from its start. */
		f->pos = 0;
	}
	f->pend = WEB_FOLLOW_NONE;
	f->pend_n = 0;
}
