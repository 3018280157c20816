/*
 * Shared helpers of the integration-test programs.  Everything here is
 * deliberately simple and synchronous; the programs are single-threaded and
 * only ever talk to a pipe or a file.  CRC-32 uses slicing-by-8 so that
 * fvt-verify checks a GiB of log in about a second.
 */
#include "fvt_util.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

void
fvt_die(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(FVT_EXIT_USAGE);
}

int
fvt_parse_ms(const char *s, long long *out)
{
	char *end;
	long long v;

	if (strcmp(s, "inf") == 0 || strcmp(s, "forever") == 0) {
		*out = -1;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0) {
		return -1;
	}
	*out = v;
	return 0;
}

int
fvt_parse_size(const char *s, unsigned long long *out)
{
	char *end;
	unsigned long long v, mul = 1;

	if (*s == '-') {
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s) {
		return -1;
	}
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		mul = 1ULL << 10;
		break;
	case 'm':
	case 'M':
		mul = 1ULL << 20;
		break;
	case 'g':
	case 'G':
		mul = 1ULL << 30;
		break;
	default:
		return -1;
	}
	if (*end != '\0' && end[1] != '\0') {
		return -1;
	}
	if (v > ULLONG_MAX / mul) {
		return -1;
	}
	*out = v * mul;
	return 0;
}

int
fvt_parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		return -1;
	}
	*out = v;
	return 0;
}

static const struct {
	const char *name;
	int num;
} fvt_signals[] = {
	{ "HUP", SIGHUP },
	{ "INT", SIGINT },
	{ "QUIT", SIGQUIT },
	{ "ILL", SIGILL },
	{ "TRAP", SIGTRAP },
	{ "ABRT", SIGABRT },
	{ "BUS", SIGBUS },
	{ "FPE", SIGFPE },
	{ "KILL", SIGKILL },
	{ "USR1", SIGUSR1 },
	{ "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE },
	{ "ALRM", SIGALRM },
	{ "TERM", SIGTERM },
	{ "CHLD", SIGCHLD },
	{ "CONT", SIGCONT },
	{ "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP },
	{ "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU },
	{ "URG", SIGURG },
	{ "XCPU", SIGXCPU },
	{ "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM },
	{ "PROF", SIGPROF },
	{ "WINCH", SIGWINCH },
	{ "IO", SIGIO },
	{ "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

int
fvt_signum(const char *name)
{
	size_t i;
	long v;

	if (fvt_parse_long(name, 1, 64, &v) == 0) {
		return (int)v;
	}
	if (strncasecmp(name, "SIG", 3) == 0) {
		name += 3;
	}
	for (i = 0; i < sizeof(fvt_signals) / sizeof(fvt_signals[0]); i++) {
		if (strcasecmp(name, fvt_signals[i].name) == 0) {
			return fvt_signals[i].num;
		}
	}
	return -1;
}

const char *
fvt_signame(int sig)
{
	/* Static storage: the programs are single-threaded. */
	static char buf[16];
	size_t i;

	for (i = 0; i < sizeof(fvt_signals) / sizeof(fvt_signals[0]); i++) {
		if (fvt_signals[i].num == sig) {
			snprintf(
			    buf, sizeof(buf), "SIG%s", fvt_signals[i].name);
			return buf;
		}
	}
	return "SIG?";
}

long long
fvt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
fvt_sleep_ms(long long ms)
{
	struct timespec ts;
	long long end;

	if (ms < 0) {
		for (;;) {
			pause();
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	end = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec + ms * 1000000LL;
	ts.tv_sec = (time_t)(end / 1000000000LL);
	ts.tv_nsec = (long)(end % 1000000000LL);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR) {
		continue;
	}
}

int
fvt_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
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
fvt_hexval(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

size_t
fvt_unescape(char *s)
{
	char *w = s;
	const char *r = s;
	int hi, lo;

	while (*r != '\0') {
		if (*r != '\\' || r[1] == '\0') {
			*w++ = *r++;
			continue;
		}
		r++;
		switch (*r) {
		case 'n':
			*w++ = '\n';
			break;
		case 't':
			*w++ = '\t';
			break;
		case 'r':
			*w++ = '\r';
			break;
		case 'e':
			*w++ = '\033';
			break;
		case '0':
			*w++ = '\0';
			break;
		case 'x':
			hi = fvt_hexval(r[1]);
			lo = hi >= 0 ? fvt_hexval(r[2]) : -1;
			if (hi < 0 || lo < 0) {
				*w++ = 'x';
				break;
			}
			*w++ = (char)(hi * 16 + lo);
			r += 2;
			break;
		default:
			*w++ = *r;
			break;
		}
		r++;
	}
	*w = '\0';
	return (size_t)(w - s);
}

static uint32_t fvt_crc_tab[8][256];
static int fvt_crc_ready;

static void
fvt_crc_init(void)
{
	uint32_t c;
	int i, j, k;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (j = 0; j < 8; j++) {
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		}
		fvt_crc_tab[0][i] = c;
	}
	for (i = 0; i < 256; i++) {
		c = fvt_crc_tab[0][i];
		for (k = 1; k < 8; k++) {
			c = fvt_crc_tab[0][c & 0xff] ^ (c >> 8);
			fvt_crc_tab[k][i] = c;
		}
	}
	fvt_crc_ready = 1;
}

uint32_t
fvt_crc32(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t a, b;

	if (!fvt_crc_ready) {
		fvt_crc_init();
	}
	crc = ~crc;
	while (len >= 8) {
		a = ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
		        (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24) ^
		    crc;
		b = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
		    (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
		crc = fvt_crc_tab[7][a & 0xff] ^
		    fvt_crc_tab[6][(a >> 8) & 0xff] ^
		    fvt_crc_tab[5][(a >> 16) & 0xff] ^ fvt_crc_tab[4][a >> 24] ^
		    fvt_crc_tab[3][b & 0xff] ^ fvt_crc_tab[2][(b >> 8) & 0xff] ^
		    fvt_crc_tab[1][(b >> 16) & 0xff] ^ fvt_crc_tab[0][b >> 24];
		p += 8;
		len -= 8;
	}
	while (len-- > 0) {
		crc = fvt_crc_tab[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	}
	return ~crc;
}
