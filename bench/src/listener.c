/*
 * bench_listener: an event listener fast enough not to be what limits an
 * event benchmark. It speaks the listener protocol (READY, a header line,
 * a payload of len: bytes, "RESULT 2\nOK") with one read(2) buffer and no
 * per-event allocation, acknowledges every event at once and keeps
 * DIR/NAME.count (NAME from SUPERVISOR_PROCESS_NAME) holding
 * "COUNT MIN_POOLSERIAL MAX_POOLSERIAL MONOTONIC_SECONDS", rewritten
 * atomically at most every 50 ms and whenever it has been idle for 50 ms.
 * Pool serials are given to an event when its pool accepts it, before an
 * overflowing buffer drops one, so the serials a pool's listeners never
 * saw are the events it lost.
 *
 * usage: bench_listener DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"

#define LISTENER_BUF (1024 * 1024)

struct listener {
	char path[PATH_MAX];
	char tmp[PATH_MAX + 8];
	char buf[LISTENER_BUF];
	size_t have;
	uint64_t count, min_serial, max_serial;
	double last_report;
};

static void
listener_report(struct listener *l)
{
	char line[128];
	int n, fd;

	l->last_report = bench_now();
	n = snprintf(line, sizeof(line), "%llu %llu %llu %.6f\n",
	    (unsigned long long)l->count, (unsigned long long)l->min_serial,
	    (unsigned long long)l->max_serial, l->last_report);
	fd = open(l->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || bench_write_all(fd, line, (size_t)n) != 0 ||
	    close(fd) != 0 || rename(l->tmp, l->path) != 0) {
		bench_die(errno, "write %s", l->path);
	}
}

/* Reads more of stdin; waits at most 50 ms so an idle listener still
 * reports. Returns 0 on EOF. */
static int
listener_fill(struct listener *l)
{
	for (;;) {
		struct pollfd pfd = { .fd = 0, .events = POLLIN };
		ssize_t r;

		if (l->have == sizeof(l->buf)) {
			bench_die(0, "an event header over %zu bytes",
			    sizeof(l->buf));
		}
		if (poll(&pfd, 1, 50) == 0) {
			listener_report(l);
			continue;
		}
		r = read(0, l->buf + l->have, sizeof(l->buf) - l->have);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r < 0) {
			bench_die(errno, "read stdin");
		}
		l->have += (size_t)r;
		return r > 0;
	}
}

static unsigned long long
listener_field(const char *head, size_t len, const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i + klen < len; i++) {
		if ((i == 0 || head[i - 1] == ' ') &&
		    memcmp(head + i, key, klen) == 0) {
			return strtoull(head + i + klen, NULL, 10);
		}
	}
	bench_die(0, "no %s in an event header", key);
}

/* Consumes one whole event from the buffer; 0 if it is not all there. */
static int
listener_event(struct listener *l)
{
	char *nl = memchr(l->buf, '\n', l->have);
	size_t head, len, total;
	unsigned long long serial;

	if (nl == NULL) {
		return 0;
	}
	head = (size_t)(nl - l->buf);
	len = (size_t)listener_field(l->buf, head, "len:");
	total = head + 1 + len;
	if (total > sizeof(l->buf)) {
		bench_die(0, "an event over %zu bytes", sizeof(l->buf));
	}
	if (l->have < total) {
		return 0;
	}
	serial = listener_field(l->buf, head, "poolserial:");
	if (l->count == 0 || serial < l->min_serial) {
		l->min_serial = serial;
	}
	if (l->count == 0 || serial > l->max_serial) {
		l->max_serial = serial;
	}
	l->count++;
	l->have -= total;
	memmove(l->buf, l->buf + total, l->have);
	return 1;
}

int
main(int argc, char **argv)
{
	static struct listener l;
	const char *name = getenv("SUPERVISOR_PROCESS_NAME");

	bench_prog(argv[0]);
	if (argc != 2 || name == NULL) {
		bench_die(0, "usage: bench_listener DIR (run by a supervisor)");
	}
	if (snprintf(l.path, sizeof(l.path), "%s/%s.count", argv[1], name) >=
	    (int)sizeof(l.path)) {
		bench_die(0, "path too long: %s", argv[1]);
	}
	snprintf(l.tmp, sizeof(l.tmp), "%s.tmp", l.path);
	listener_report(&l);
	for (;;) {
		if (bench_write_all(1, "READY\n", 6) != 0) {
			return 0;
		}
		while (!listener_event(&l)) {
			if (!listener_fill(&l)) {
				listener_report(&l);
				return 0;
			}
		}
		if (bench_write_all(1, "RESULT 2\nOK", 11) != 0) {
			return 0;
		}
		if (bench_now() - l.last_report >= 0.05) {
			listener_report(&l);
		}
	}
}
