/*
 * fvt-verify: checks the concatenation of the given files as an fvt-spew
 * record stream (fvt_record.h), streaming, so a GiB takes about a second.
 *
 * usage: fvt-verify [options] FILE...
 *   --mode M           complete: every selected stream is whole, from seq 0
 *                        to its FINAL record, nothing else in the files;
 *                      suffix: every selected stream is a contiguous run
 *                        that ends with its FINAL record; only the bytes
 *                        before the first record may be garbage (a rotated
 *                        file starts in the middle of a record);
 *                      report: only report (default)
 *   --stream S         out, err or both (default out)
 *   --expect-records N the FINAL record must be seq N-1 (for each stream)
 * Give the files oldest first: path.N ... path.1 path.
 *
 * Output, one line per selected stream:
 *   stream=out records=N first=F last=L final=0|1 gaps=G missing=M
 *   backwards=B corrupt=C after_final=A lead=BYTES junk=BYTES
 *   truncated=0|1 verdict=ok|FAIL
 * then up to 20 "problem: ..." lines.  Exit status: 0 if every verdict is
 * ok, 1 if not, 2 for a usage or I/O error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fvt_record.h"
#include "fvt_util.h"

#define PROG         "fvt-verify"
#define BUFCAP       (8u * 1024u * 1024u)
#define MAX_PROBLEMS 20

struct vstream {
	unsigned long long records;
	uint64_t first, last;
	int seen;
	int final;
	unsigned long long gaps, missing, backwards, after_final;
};

struct reader {
	char **files;
	int nfiles;
	int cur;
	int fd;
	unsigned char *buf;
	size_t start, end;
	unsigned long long base; /* stream offset of buf[0] */
	int eof;
};

static struct vstream vs[3];
static unsigned long long lead, junk, corrupt;
static int truncated, any_record, nproblems;

static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
problem(const char *fmt, ...)
{
	va_list ap;

	if (nproblems++ >= MAX_PROBLEMS) {
		return;
	}
	fputs("problem: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

/* fill moves the unread bytes to the front and reads until full or EOF. */
static int
fill(struct reader *rd)
{
	ssize_t n;

	if (rd->start > 0) {
		memmove(rd->buf, rd->buf + rd->start, rd->end - rd->start);
		rd->base += rd->start;
		rd->end -= rd->start;
		rd->start = 0;
	}
	while (rd->end < BUFCAP && !rd->eof) {
		if (rd->fd < 0) {
			if (rd->cur >= rd->nfiles) {
				rd->eof = 1;
				break;
			}
			rd->fd = open(rd->files[rd->cur], O_RDONLY | O_CLOEXEC);
			if (rd->fd < 0) {
				fprintf(stderr, "%s: %s: %s\n", PROG,
				    rd->files[rd->cur], strerror(errno));
				return -1;
			}
		}
		n = read(rd->fd, rd->buf + rd->end, BUFCAP - rd->end);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			fprintf(stderr, "%s: %s: %s\n", PROG,
			    rd->files[rd->cur], strerror(errno));
			return -1;
		}
		if (n == 0) {
			close(rd->fd);
			rd->fd = -1;
			rd->cur++;
			continue;
		}
		rd->end += (size_t)n;
	}
	return 0;
}

static void
skip(struct reader *rd, size_t n)
{
	if (any_record) {
		junk += n;
	} else {
		lead += n;
	}
	rd->start += n;
}

static void
account(int id, uint64_t seq, int flags, unsigned long long off)
{
	struct vstream *s = &vs[id];

	if (s->final) {
		s->after_final++;
		problem("stream %d: record seq %llu at offset %llu after the "
		        "FINAL record",
		    id, (unsigned long long)seq, off);
	}
	if (!s->seen) {
		s->seen = 1;
		s->first = seq;
	} else if (seq == s->last + 1) {
		/* In order. */
	} else if (seq > s->last + 1) {
		s->gaps++;
		s->missing += seq - s->last - 1;
		problem("stream %d: gap: seq %llu follows %llu at offset %llu",
		    id, (unsigned long long)seq, (unsigned long long)s->last,
		    off);
	} else {
		s->backwards++;
		problem("stream %d: seq %llu follows %llu at offset %llu "
		        "(reordered or duplicated)",
		    id, (unsigned long long)seq, (unsigned long long)s->last,
		    off);
	}
	s->last = seq;
	s->records++;
	if (flags & FVT_REC_FINAL) {
		s->final = 1;
	}
}

static int
scan(struct reader *rd)
{
	const unsigned char *p, *h;
	size_t avail, off;
	uint32_t len;
	int id;

	for (;;) {
		avail = rd->end - rd->start;
		if (avail < FVT_REC_HDR + FVT_REC_MAXLEN && !rd->eof) {
			if (fill(rd) != 0) {
				return -1;
			}
			avail = rd->end - rd->start;
		}
		if (avail == 0) {
			return 0;
		}
		p = memmem(rd->buf + rd->start, avail, FVT_REC_MAGIC,
		    FVT_REC_MAGIC_LEN);
		if (p == NULL) {
			/* No record here; keep a possible magic prefix. */
			if (rd->eof) {
				skip(rd, avail);
				return 0;
			}
			if (avail >= FVT_REC_MAGIC_LEN) {
				skip(rd, avail - (FVT_REC_MAGIC_LEN - 1));
			}
			continue;
		}
		off = (size_t)(p - (rd->buf + rd->start));
		if (off > 0) {
			skip(rd, off);
			continue;
		}
		if (avail < FVT_REC_HDR) {
			truncated = 1;
			skip(rd, avail);
			return 0;
		}
		h = rd->buf + rd->start;
		len = fvt_get32(h + 16);
		id = h[20];
		if (fvt_crc32(0, h, 28) != fvt_get32(h + 28) ||
		    len > FVT_REC_MAXLEN ||
		    (id != FVT_STREAM_STDOUT && id != FVT_STREAM_STDERR)) {
			/* A magic inside garbage: not a record. */
			skip(rd, 1);
			continue;
		}
		if (avail < FVT_REC_HDR + (size_t)len) {
			/* Only possible at the very end. */
			truncated = 1;
			problem("stream %d: seq %llu at offset %llu is cut "
			        "short (%zu of %u payload bytes)",
			    id, (unsigned long long)fvt_get64(h + 8),
			    rd->base + rd->start, avail - FVT_REC_HDR, len);
			skip(rd, avail);
			return 0;
		}
		if (fvt_crc32(0, h + FVT_REC_HDR, len) != fvt_get32(h + 24)) {
			corrupt++;
			problem("stream %d: seq %llu at offset %llu: payload "
			        "checksum mismatch",
			    id, (unsigned long long)fvt_get64(h + 8),
			    rd->base + rd->start);
			skip(rd, 1);
			continue;
		}
		account(id, fvt_get64(h + 8), h[21], rd->base + rd->start);
		any_record = 1;
		rd->start += FVT_REC_HDR + len;
	}
}

int
main(int argc, char **argv)
{
	const char *mode = "report", *which = "out";
	long long expect = -1;
	struct reader rd;
	int i, id, ok, all_ok = 1, want[3] = { 0, 0, 0 };
	long v;

	setvbuf(stdout, NULL, _IONBF, 0);
	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (i + 1 >= argc) {
			fvt_die(PROG, "%s needs an argument", argv[i]);
		}
		if (strcmp(argv[i], "--mode") == 0) {
			mode = argv[++i];
		} else if (strcmp(argv[i], "--stream") == 0) {
			which = argv[++i];
		} else if (strcmp(argv[i], "--expect-records") == 0) {
			if (fvt_parse_long(argv[++i], 0, 1L << 40, &v) != 0) {
				fvt_die(PROG, "bad --expect-records");
			}
			expect = v;
		} else {
			fvt_die(PROG, "unknown option %s", argv[i]);
		}
	}
	if (strcmp(mode, "complete") != 0 && strcmp(mode, "suffix") != 0 &&
	    strcmp(mode, "report") != 0) {
		fvt_die(PROG, "bad --mode %s", mode);
	}
	if (strcmp(which, "out") == 0 || strcmp(which, "both") == 0) {
		want[FVT_STREAM_STDOUT] = 1;
	}
	if (strcmp(which, "err") == 0 || strcmp(which, "both") == 0) {
		want[FVT_STREAM_STDERR] = 1;
	}
	if (!want[1] && !want[2]) {
		fvt_die(PROG, "bad --stream %s", which);
	}
	if (i >= argc) {
		fvt_die(PROG, "no files");
	}
	memset(&rd, 0, sizeof(rd));
	rd.files = argv + i;
	rd.nfiles = argc - i;
	rd.fd = -1;
	rd.buf = malloc(BUFCAP);
	if (rd.buf == NULL) {
		fvt_die(PROG, "out of memory");
	}
	if (scan(&rd) != 0) {
		return 2;
	}
	for (id = 1; id <= 2; id++) {
		struct vstream *s = &vs[id];

		if (!want[id]) {
			continue;
		}
		ok = 1;
		if (strcmp(mode, "report") != 0) {
			ok = s->records > 0 && s->final && s->gaps == 0 &&
			    s->backwards == 0 && s->after_final == 0 &&
			    corrupt == 0 && junk == 0 && !truncated;
			if (strcmp(mode, "complete") == 0) {
				ok = ok && s->first == 0 && lead == 0;
			} else {
				ok = ok && lead <= FVT_REC_HDR + FVT_REC_MAXLEN;
			}
			if (expect >= 0) {
				ok = ok && s->last + 1 == (uint64_t)expect;
			}
		}
		if (!ok) {
			all_ok = 0;
		}
		printf("stream=%s records=%llu first=%llu last=%llu final=%d "
		       "gaps=%llu missing=%llu backwards=%llu corrupt=%llu "
		       "after_final=%llu lead=%llu junk=%llu truncated=%d "
		       "verdict=%s\n",
		    id == FVT_STREAM_STDOUT ? "out" : "err", s->records,
		    (unsigned long long)s->first, (unsigned long long)s->last,
		    s->final, s->gaps, s->missing, s->backwards, corrupt,
		    s->after_final, lead, junk, truncated, ok ? "ok" : "FAIL");
	}
	free(rd.buf);
	return all_ok ? 0 : 1;
}
