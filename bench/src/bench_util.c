/*
 * Helpers shared by the bench programs. They die on their own usage errors
 * (a bench run with a wrong command line has nothing to measure) and never
 * keep state besides the program name for messages.
 */
#include "bench_util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *bench_progname = "bench";

void
bench_prog(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');

	bench_progname = slash != NULL ? slash + 1 : argv0;
}

void
bench_die(int errnum, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", bench_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (errnum != 0) {
		fprintf(stderr, ": %s", strerror(errnum));
	}
	fputc('\n', stderr);
	exit(2);
}

uint64_t
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double
bench_now(void)
{
	return (double)bench_now_ns() / 1e9;
}

uint64_t
bench_parse_size(const char *s, const char *what)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *s == '-') {
		bench_die(0, "%s: not a size: \"%s\"", what, s);
	}
	switch (*end) {
	case 'K':
		shift = 10;
		end++;
		break;
	case 'M':
		shift = 20;
		end++;
		break;
	case 'G':
		shift = 30;
		end++;
		break;
	default:
		break;
	}
	if (*end != '\0' || (shift > 0 && v > (UINT64_MAX >> shift))) {
		bench_die(0, "%s: not a size: \"%s\"", what, s);
	}
	return (uint64_t)v << shift;
}

double
bench_parse_secs(const char *s, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= 0) || isinf(v)) {
		bench_die(0, "%s: not a number of seconds: \"%s\"", what, s);
	}
	return v;
}

int
bench_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
bench_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

uint32_t
bench_percentile(uint32_t *v, size_t n, double q)
{
	size_t rank;

	if (n == 0) {
		return 0;
	}
	qsort(v, n, sizeof(*v), bench_u32_cmp);
	rank = (size_t)ceil(q * (double)n);
	return v[rank == 0 ? 0 : rank - 1];
}
