/*
 * Small shared pieces of the integration-test helper programs (fvt-exit,
 * fvt-forker, fvt-spew, fvt-verify): argument parsing, signal names,
 * deadline sleeps, full writes and CRC-32.  Test code only: nothing here is
 * linked into the shipped binaries.
 */
#ifndef FV_TESTS_HELPERS_FVT_UTIL_H
#define FV_TESTS_HELPERS_FVT_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Exit status of a helper whose own command line is wrong. */
#define FVT_EXIT_USAGE 98

/* fvt_die prints "PROG: message" on stderr and exits FVT_EXIT_USAGE. */
void fvt_die(const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/*
 * fvt_parse_ms reads a duration in milliseconds; "inf" or "forever" gives
 * -1.  Returns 0, or -1 if the text is not a duration.
 */
int fvt_parse_ms(const char *s, long long *out);

/* fvt_parse_size reads a byte count with an optional K, M or G (binary). */
int fvt_parse_size(const char *s, unsigned long long *out);

/* fvt_parse_long reads a decimal integer within [lo, hi]. */
int fvt_parse_long(const char *s, long lo, long hi, long *out);

/* fvt_signum maps "TERM", "SIGTERM" or "15" to 15; -1 if unknown. */
int fvt_signum(const char *name);

/* fvt_signame maps 15 to "SIGTERM"; unknown numbers give "SIG?". */
const char *fvt_signame(int sig);

/* fvt_now_ms returns CLOCK_MONOTONIC in milliseconds. */
long long fvt_now_ms(void);

/* fvt_sleep_ms sleeps ms milliseconds (restarting after signals). */
void fvt_sleep_ms(long long ms);

/* fvt_write_all writes all of buf; returns 0, or -1 with errno set. */
int fvt_write_all(int fd, const void *buf, size_t len);

/*
 * fvt_unescape decodes \n \t \r \e \0 \\ and \xHH in place and returns the
 * decoded length (the result may contain NUL bytes).
 */
size_t fvt_unescape(char *s);

/* fvt_crc32 continues a CRC-32 (IEEE, as zlib) over buf; start with 0. */
uint32_t fvt_crc32(uint32_t crc, const void *buf, size_t len);

#endif
