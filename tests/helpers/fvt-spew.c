/*
 * fvt-spew: writes a numbered, checksummed record stream (fvt_record.h) to
 * stdout and/or stderr, for log-integrity tests.  Records vary from empty to
 * more than 64 KiB (more than a pipe buffer) and are written with varied
 * write(2) sizes, from single bytes to whole large records, so a reader sees
 * every kind of short read.  fvt-verify checks the result.
 *
 * usage: fvt-spew [options]
 *   --bytes SIZE       bytes to write per stream (K/M/G suffixes are
 *                      binary; default 1M); the last record is marked FINAL
 *   --stream S         out, err or both (default out)
 *   --rate SIZE        bytes per second over all streams (default 0: as
 *                      fast as the reader takes them)
 *   --max-record SIZE  largest payload (default 160K, at most 1M)
 *   --seed N           payload and size seed (default 1)
 *   --code N           exit status once everything is written (default 0)
 *   --sleep-after MS   keep running MS ms after the last record ("inf")
 *   --report FILE      write "stream=out records=N bytes=B last=S" lines to
 *                      FILE when done
 * A write error (EPIPE, EIO) ends the program with status 3.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fvt_record.h"
#include "fvt_util.h"

#define PROG "fvt-spew"

struct spew_stream {
	int fd;
	int id;
	unsigned long long target;
	unsigned long long written;
	uint64_t seq;
	int done;
};

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static void
fill_payload(
    unsigned char *p, size_t len, uint64_t seed, int stream, uint64_t seq)
{
	uint64_t s = mix64(seed ^ ((uint64_t)stream << 56) ^ (seq + 1));
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		s = mix64(s + 0x9e3779b97f4a7c15ULL);
		fvt_put64(p + i, s);
	}
	s = mix64(s + 0x9e3779b97f4a7c15ULL);
	for (; i < len; i++) {
		p[i] = (unsigned char)s;
		s >>= 8;
	}
}

static size_t
pick_len(uint64_t r, size_t maxlen)
{
	unsigned bucket = (unsigned)(r % 100);
	uint64_t r2 = r / 100;
	size_t len;

	if (bucket < 45) {
		len = (size_t)(r2 % 64);
	} else if (bucket < 75) {
		len = 64 + (size_t)(r2 % 4200);
	} else if (bucket < 93) {
		len = 4096 + (size_t)(r2 % 61440);
	} else {
		len = 65536 +
		    (size_t)(r2 % (maxlen > 65536 ? maxlen - 65535 : 1));
	}
	return len > maxlen ? maxlen : len;
}

static void
pace(unsigned long long rate, unsigned long long total, long long start)
{
	long long due;

	if (rate == 0) {
		return;
	}
	due = start + (long long)(total * 1000ULL / rate);
	if (due > fvt_now_ms()) {
		fvt_sleep_ms(due - fvt_now_ms());
	}
}

/* emit writes one record with a write pattern chosen by r. */
static int
emit(int fd, const unsigned char *rec, size_t total, uint64_t r)
{
	size_t off = 0, n;
	unsigned mode = (unsigned)(r % 10);

	if (mode == 0) {
		/* Single bytes first: the reader sees 1-byte reads. */
		while (off < total && off < 40) {
			if (fvt_write_all(fd, rec + off, 1) != 0) {
				return -1;
			}
			off++;
		}
	} else if (mode >= 7) {
		/* Chunks of random sizes, up to the whole record. */
		while (off < total) {
			r = mix64(r);
			n = 1 + (size_t)(r % (total - off));
			if (fvt_write_all(fd, rec + off, n) != 0) {
				return -1;
			}
			off += n;
		}
	}
	if (off < total && fvt_write_all(fd, rec + off, total - off) != 0) {
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned long long bytes = 1ULL << 20, rate = 0, maxrec = 160 * 1024;
	unsigned long long all = 0;
	long long sleep_after = 0, start;
	long code = 0, seedl = 1;
	const char *which = "out", *report = NULL;
	struct spew_stream st[2];
	unsigned char *rec;
	struct sigaction sa;
	size_t len, left;
	uint64_t r, seed;
	int i, nst, k;
	FILE *f;

	setvbuf(stdout, NULL, _IONBF, 0);
	setvbuf(stderr, NULL, _IONBF, 0);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL) {
			fvt_die(
			    PROG, "%s needs an argument (or is unknown)", a);
		}
		i++;
		if (strcmp(a, "--bytes") == 0) {
			if (fvt_parse_size(v, &bytes) != 0) {
				fvt_die(PROG, "bad %s %s", a, v);
			}
		} else if (strcmp(a, "--stream") == 0) {
			which = v;
		} else if (strcmp(a, "--rate") == 0) {
			if (fvt_parse_size(v, &rate) != 0) {
				fvt_die(PROG, "bad %s %s", a, v);
			}
		} else if (strcmp(a, "--max-record") == 0) {
			if (fvt_parse_size(v, &maxrec) != 0 ||
			    maxrec > FVT_REC_MAXLEN) {
				fvt_die(PROG, "bad %s %s", a, v);
			}
		} else if (strcmp(a, "--seed") == 0) {
			if (fvt_parse_long(v, 0, 1000000000L, &seedl) != 0) {
				fvt_die(PROG, "bad %s %s", a, v);
			}
		} else if (strcmp(a, "--code") == 0) {
			if (fvt_parse_long(v, 0, 255, &code) != 0) {
				fvt_die(PROG, "bad %s %s", a, v);
			}
		} else if (strcmp(a, "--sleep-after") == 0) {
			if (fvt_parse_ms(v, &sleep_after) != 0) {
				fvt_die(PROG, "bad %s %s", a, v);
			}
		} else if (strcmp(a, "--report") == 0) {
			report = v;
		} else {
			fvt_die(PROG, "unknown option %s", a);
		}
	}
	nst = 0;
	if (strcmp(which, "out") == 0 || strcmp(which, "both") == 0) {
		st[nst++] = (struct spew_stream){ .fd = STDOUT_FILENO,
			.id = FVT_STREAM_STDOUT,
			.target = bytes };
	}
	if (strcmp(which, "err") == 0 || strcmp(which, "both") == 0) {
		st[nst++] = (struct spew_stream){ .fd = STDERR_FILENO,
			.id = FVT_STREAM_STDERR,
			.target = bytes };
	}
	if (nst == 0) {
		fvt_die(PROG, "bad --stream %s", which);
	}
	/* A closed reader must end us with a status, not a silent signal. */
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	rec = malloc(FVT_REC_HDR + FVT_REC_MAXLEN);
	if (rec == NULL) {
		fvt_die(PROG, "out of memory");
	}
	seed = (uint64_t)seedl;
	r = mix64(seed);
	start = fvt_now_ms();
	for (;;) {
		/* Pick a stream that still has bytes to write. */
		r = mix64(r);
		k = (int)(r % (uint64_t)nst);
		if (st[k].done) {
			k = (k + 1) % nst;
		}
		if (st[k].done) {
			break;
		}
		r = mix64(r);
		len = pick_len(r, (size_t)maxrec);
		left = st[k].target > st[k].written + FVT_REC_HDR
		    ? (size_t)(st[k].target - st[k].written - FVT_REC_HDR)
		    : 0;
		memcpy(rec, FVT_REC_MAGIC, FVT_REC_MAGIC_LEN);
		rec[21] = 0;
		if (len >= left || left - len < FVT_REC_HDR) {
			/* Last record: it takes exactly the rest. */
			len = left > maxrec ? (size_t)maxrec : left;
			if (len == left) {
				rec[21] = FVT_REC_FINAL;
			}
		}
		fvt_put64(rec + 8, st[k].seq);
		fvt_put32(rec + 16, (uint32_t)len);
		rec[20] = (unsigned char)st[k].id;
		rec[22] = 0;
		rec[23] = 0;
		fill_payload(rec + FVT_REC_HDR, len, seed, st[k].id, st[k].seq);
		fvt_put32(rec + 24, fvt_crc32(0, rec + FVT_REC_HDR, len));
		fvt_put32(rec + 28, fvt_crc32(0, rec, 28));
		r = mix64(r);
		if (emit(st[k].fd, rec, FVT_REC_HDR + len, r) != 0) {
			fprintf(
			    stderr, "%s: write: %s\n", PROG, strerror(errno));
			return 3;
		}
		st[k].written += FVT_REC_HDR + len;
		st[k].seq++;
		all += FVT_REC_HDR + len;
		if (rec[21] & FVT_REC_FINAL) {
			st[k].done = 1;
		}
		pace(rate, all, start);
	}
	if (report != NULL) {
		f = fopen(report, "w");
		if (f != NULL) {
			for (k = 0; k < nst; k++) {
				fprintf(f,
				    "stream=%s records=%llu bytes=%llu "
				    "last=%llu\n",
				    st[k].id == FVT_STREAM_STDOUT ? "out"
				                                  : "err",
				    (unsigned long long)st[k].seq,
				    st[k].written,
				    (unsigned long long)(st[k].seq - 1));
			}
			fclose(f);
		}
	}
	free(rec);
	fvt_sleep_ms(sleep_after);
	return (int)code;
}
