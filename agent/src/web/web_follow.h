#ifndef FV_WEB_WEB_FOLLOW_H
#define FV_WEB_WEB_FOLLOW_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/*
 * Following a log file as "tail -f" does, for the /logtail streams: 4.2.5's
 * tail_f_producer semantics without its event loop. It starts with the
 * last `head` bytes; then each call to web_follow_next says what to send
 * next: new bytes, a truncation notice, or nothing. A file replaced under
 * the same path (rotation, a reopened log) is switched to once the old one
 * has been read to its end, so no byte written before the switch is
 * skipped (4.2.5 drops the old file's tail). Reads are bounded by the
 * caller's buffer and nothing is consumed until web_follow_commit, so a
 * stream that cannot take the bytes now asks again later.
 *
 * Only regular files are read, opened with O_NOFOLLOW (fv_file_open_log,
 * the rule readProcessLog uses too): a log path swapped for a symbolic
 * link is never followed. The owner does not matter: a log that
 * logrotate recreates for another user is still followed, as 4.2.5 does.
 */

/* 4.2.5's notice after the file shrank. */
#define WEB_FOLLOW_TRUNCATED "==> File truncated <==\n"

/* What the first read returns: 4.2.5 sends the last 1024 bytes. */
#define WEB_FOLLOW_HEAD 1024

struct web_follow {
	char *path; /* owned */
	int fd;
	dev_t dev;
	ino_t ino;
	off_t pos; /* next byte to send */
	/* What the last web_follow_next produced, for web_follow_commit. */
	enum { WEB_FOLLOW_NONE, WEB_FOLLOW_DATA, WEB_FOLLOW_TRUNC } pend;
	size_t pend_n;
};

/*
 * web_follow_open opens path for reading from head bytes before its end
 * and fills f. The file must be a regular file reached without a
 * symbolic link. *mtime gets its
 * modification time (for Last-Modified) when mtime is not NULL. Returns
 * 0 or a negative errno (-ENOENT, -ELOOP for a link, -EACCES for a file
 * we will not serve); f is then left closed.
 */
int web_follow_open(
    struct web_follow *f, const char *path, size_t head, time_t *mtime);

/* web_follow_close closes the file and frees the path; idempotent. */
void web_follow_close(struct web_follow *f);

/*
 * web_follow_next puts into buf (cap bytes, at least the notice's length)
 * what to send next and its length into *np: 0 when there is nothing new.
 * It changes nothing that web_follow_commit would: calling it again
 * without commit gives the same bytes (or more recent ones). Returns 0,
 * or a negative errno when the stream should end: the file cannot be read
 * any more, or its path now names something we will not follow.
 */
int web_follow_next(struct web_follow *f, char *buf, size_t cap, size_t *np);

/* web_follow_commit records that what web_follow_next gave was sent. */
void web_follow_commit(struct web_follow *f);

#endif
