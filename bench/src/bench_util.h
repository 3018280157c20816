/*
 * Small pieces shared by the bench programs: fatal errors, the monotonic
 * clock, number parsing, full writes and percentiles. Bench code only:
 * nothing here is linked into the shipped binaries.
 */
#ifndef FV_BENCH_BENCH_UTIL_H
#define FV_BENCH_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* bench_die prints "PROG: message" (and strerror if errnum != 0) on stderr
 * and exits 2. */
void bench_die(int errnum, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* bench_prog sets the name bench_die prints; argv[0]'s base name. */
void bench_prog(const char *argv0);

/* bench_now returns CLOCK_MONOTONIC in seconds. */
double bench_now(void);

/* bench_now_ns returns CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

/*
 * bench_parse_size reads a decimal count with an optional K, M or G suffix
 * (binary). Dies naming what on anything else.
 */
uint64_t bench_parse_size(const char *s, const char *what);

/* bench_parse_secs reads a non-negative number of seconds ("1.5"). */
double bench_parse_secs(const char *s, const char *what);

/* bench_write_all writes all of buf, retrying after EINTR and short
 * writes; returns 0, or -1 with errno set. */
int bench_write_all(int fd, const void *buf, size_t len);

/*
 * bench_percentile sorts v in place and returns its q-quantile (0..1) by
 * the nearest-rank rule; 0 if n is 0.
 */
uint32_t bench_percentile(uint32_t *v, size_t n, double q);

#endif
