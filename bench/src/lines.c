/*
 * bench_lines: the numbered-line writer of the log-capture benchmark and
 * its checker. Every line is LINELEN bytes: a 12-digit sequence number, a
 * space, filler and a newline, so a lost, repeated, reordered or torn line
 * is visible in the files a supervisor wrote, rotation included.
 *
 * usage: bench_lines write BYTES [LINELEN [CHUNK]]
 *          writes BYTES / LINELEN lines (LINELEN default 100, at least 16)
 *          to stdout, CHUNK bytes per write(2) (default 64K)
 *        bench_lines verify LINELEN NLINES FILE...
 *          reads the files as one stream (give them oldest first:
 *          log.N ... log.1 log) and prints "lines=V distinct=D lost=L
 *          dup=U bad=B backwards=K": V well-formed lines, D distinct
 *          numbers below NLINES, L = NLINES - D, U repeated numbers, B
 *          malformed lines (a torn line counts), K lines whose number is
 *          below the one before. Exit status 0 if L, U, B and K are 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "common/xalloc.h"

#define LINES_DIGITS 12

struct lines_check {
	size_t linelen;
	uint64_t nlines;
	unsigned char *seen; /* bitmap of nlines bits */
	uint64_t valid, distinct, dup, bad, backwards;
	uint64_t last;
	int have_last;
};

static void
lines_format(char *p, size_t linelen, uint64_t seq)
{
	char num[32];

	snprintf(
	    num, sizeof(num), "%0*llu ", LINES_DIGITS, (unsigned long long)seq);
	memcpy(p, num, LINES_DIGITS + 1);
	memset(p + LINES_DIGITS + 1, 'x', linelen - LINES_DIGITS - 2);
	p[linelen - 1] = '\n';
}

static int
lines_write(uint64_t bytes, size_t linelen, size_t chunk)
{
	uint64_t n = bytes / linelen;
	char *buf;
	size_t used = 0;

	if (chunk < linelen) {
		chunk = linelen;
	}
	buf = fv_xmalloc(chunk);
	for (uint64_t i = 0; i < n; i++) {
		if (used + linelen > chunk) {
			if (bench_write_all(1, buf, used) != 0) {
				bench_die(errno, "write");
			}
			used = 0;
		}
		lines_format(buf + used, linelen, i);
		used += linelen;
	}
	if (used > 0 && bench_write_all(1, buf, used) != 0) {
		bench_die(errno, "write");
	}
	free(buf);
	return 0;
}

static void
lines_one(struct lines_check *c, const char *p, size_t len)
{
	uint64_t seq = 0;

	if (len != c->linelen - 1 || p[LINES_DIGITS] != ' ') {
		c->bad++;
		return;
	}
	for (size_t i = 0; i < LINES_DIGITS; i++) {
		if (p[i] < '0' || p[i] > '9') {
			c->bad++;
			return;
		}
		seq = seq * 10 + (uint64_t)(p[i] - '0');
	}
	c->valid++;
	if (c->have_last && seq <= c->last) {
		c->backwards++;
	}
	c->last = seq;
	c->have_last = 1;
	if (seq >= c->nlines) {
		c->bad++;
		return;
	}
	if (c->seen[seq / 8] & (1u << (seq % 8))) {
		c->dup++;
		return;
	}
	c->seen[seq / 8] |= (unsigned char)(1u << (seq % 8));
	c->distinct++;
}

static int
lines_verify(size_t linelen, uint64_t nlines, char **files, int nfiles)
{
	struct lines_check c = { .linelen = linelen, .nlines = nlines };
	size_t cap = 1 << 20, have = 0;
	char *buf = fv_xmalloc(cap);

	c.seen = fv_xcalloc(nlines / 8 + 1, 1);
	for (int f = 0; f < nfiles; f++) {
		int fd = open(files[f], O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			bench_die(errno, "open %s", files[f]);
		}
		for (;;) {
			ssize_t n = read(fd, buf + have, cap - have);
			size_t start = 0;
			char *nl;

			if (n < 0 && errno == EINTR) {
				continue;
			}
			if (n < 0) {
				bench_die(errno, "read %s", files[f]);
			}
			if (n == 0) {
				break;
			}
			have += (size_t)n;
			while ((nl = memchr(buf + start, '\n', have - start)) !=
			    NULL) {
				lines_one(&c, buf + start,
				    (size_t)(nl - (buf + start)));
				start = (size_t)(nl - buf) + 1;
			}
			memmove(buf, buf + start, have - start);
			have -= start;
			if (have == cap) {
				/* A line longer than the buffer: malformed. */
				c.bad++;
				have = 0;
			}
		}
		close(fd);
	}
	if (have > 0) {
		c.bad++;
	}
	printf("lines=%llu distinct=%llu lost=%llu dup=%llu bad=%llu "
	       "backwards=%llu\n",
	    (unsigned long long)c.valid, (unsigned long long)c.distinct,
	    (unsigned long long)(nlines - c.distinct),
	    (unsigned long long)c.dup, (unsigned long long)c.bad,
	    (unsigned long long)c.backwards);
	free(c.seen);
	free(buf);
	return c.distinct == nlines && c.dup == 0 && c.bad == 0 &&
	        c.backwards == 0
	    ? 0
	    : 1;
}

int
main(int argc, char **argv)
{
	size_t linelen = 100;

	bench_prog(argv[0]);
	if (argc >= 3 && strcmp(argv[1], "write") == 0) {
		size_t chunk = 64 * 1024;

		if (argc >= 4) {
			linelen = (size_t)bench_parse_size(argv[3], "LINELEN");
		}
		if (argc >= 5) {
			chunk = (size_t)bench_parse_size(argv[4], "CHUNK");
		}
		if (linelen < 16 || linelen > 1 << 20) {
			bench_die(0, "LINELEN must be 16..1M");
		}
		return lines_write(
		    bench_parse_size(argv[2], "BYTES"), linelen, chunk);
	}
	if (argc >= 5 && strcmp(argv[1], "verify") == 0) {
		linelen = (size_t)bench_parse_size(argv[2], "LINELEN");
		if (linelen < 16 || linelen > 1 << 20) {
			bench_die(0, "LINELEN must be 16..1M");
		}
		return lines_verify(linelen,
		    bench_parse_size(argv[3], "NLINES"), argv + 4, argc - 4);
	}
	bench_die(0,
	    "usage: bench_lines write BYTES [LINELEN [CHUNK]] | "
	    "verify LINELEN NLINES FILE...");
}
