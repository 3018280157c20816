/*
 * Option value converters: the C counterparts of supervisord 4.2.5's
 * datatypes.py as options.py calls them, run on Python 3.11. This module owns
 * the syntax of single option values: what Python's int() accepts, how
 * str.lower(), str.upper() and str.strip() treat the characters that matter,
 * and the exact ValueError texts. It must never log, keep state, or touch the
 * file system beyond stat() checks and password/group database lookups.
 *
 * Python sees the configuration as Unicode text; we see its UTF-8 bytes.
 * Where Unicode changes the outcome (int() takes any decimal digit and
 * Unicode spaces, "ſigterm".upper() is "SIGTERM", the Kelvin sign lowers to
 * "k", 4.2.5 quotes lowered values in some messages), the code below decodes
 * UTF-8 and follows Python's Unicode 14.0 tables.
 */
#include "config/cfg_value.h"

#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/str.h"
#include "common/xalloc.h"
#include "config/cfg_expand.h"

/* Python 3.11's default sys.get_int_max_str_digits(). */
#define CFG_VALUE_MAX_STR_DIGITS 4300
/* CPython formats int()'s complaint with "%.200R". */
#define CFG_VALUE_REPR_MAX 200
/* No password or group entry needs more than this much buffer. */
#define CFG_VALUE_PWBUF_MAX (1024 * 1024)

/* What Python's int(s, base) makes of a string. */
enum cfg_value_int {
	CFG_VALUE_INT_OK, /* a value that fits in long long */
	CFG_VALUE_INT_BIG, /* accepted by Python, outside long long */
	CFG_VALUE_INT_BAD, /* ValueError: invalid literal */
	CFG_VALUE_INT_LIMIT, /* ValueError: over 4300 decimal digits */
};

/* The first code point of each run of ten Unicode decimal digits (Nd) in
 * Unicode 14.0, as Python 3.11's int() knows them. */
/* clang-format off */
static const long cfg_value_zeros[] = {
	0x0030, 0x0660, 0x06f0, 0x07c0, 0x0966, 0x09e6, 0x0a66, 0x0ae6,
	0x0b66, 0x0be6, 0x0c66, 0x0ce6, 0x0d66, 0x0de6, 0x0e50, 0x0ed0,
	0x0f20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80,
	0x1a90, 0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900,
	0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10, 0x104a0, 0x10d30, 0x11066,
	0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650,
	0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0,
	0x16a60, 0x16ac0, 0x16b50, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec,
	0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
};
/* clang-format on */

/* Non-ASCII characters whose str.upper() is pure ASCII. Every other
 * non-ASCII character keeps a non-ASCII upper case, so it can never be part
 * of a signal name. */
static const struct cfg_value_upper {
	long cp;
	const char *up;
} cfg_value_uppers[] = {
	{ 0x00df, "SS" },
	{ 0x0131, "I" },
	{ 0x017f, "S" },
	{ 0xfb00, "FF" },
	{ 0xfb01, "FI" },
	{ 0xfb02, "FL" },
	{ 0xfb03, "FFI" },
	{ 0xfb04, "FFL" },
	{ 0xfb05, "ST" },
	{ 0xfb06, "ST" },
};

/* clang-format off */
/*
 * str.lower() of every non-ASCII code point that has a one-character lower
 * case (Unicode 14.0, as Python 3.11), as runs: first..last, every step-th
 * code point, maps to itself plus delta. Generated with
 * unicodedata; U+0130, the one two-character lower case, is handled apart.
 */
static const struct cfg_value_lower {
	long first;
	long last;
	long step;
	long delta;
} cfg_value_lowers[] = {
	{ 0xc0, 0xd6, 1, 32 }, { 0xd8, 0xde, 1, 32 }, { 0x100, 0x12e, 2, 1 },
	{ 0x132, 0x136, 2, 1 }, { 0x139, 0x147, 2, 1 }, { 0x14a, 0x176, 2, 1 },
	{ 0x178, 0x178, 1, -121 }, { 0x179, 0x17d, 2, 1 },
	{ 0x181, 0x181, 1, 210 }, { 0x182, 0x184, 2, 1 },
	{ 0x186, 0x186, 1, 206 }, { 0x187, 0x187, 1, 1 },
	{ 0x189, 0x18a, 1, 205 }, { 0x18b, 0x18b, 1, 1 },
	{ 0x18e, 0x18e, 1, 79 }, { 0x18f, 0x18f, 1, 202 },
	{ 0x190, 0x190, 1, 203 }, { 0x191, 0x191, 1, 1 },
	{ 0x193, 0x193, 1, 205 }, { 0x194, 0x194, 1, 207 },
	{ 0x196, 0x196, 1, 211 }, { 0x197, 0x197, 1, 209 },
	{ 0x198, 0x198, 1, 1 }, { 0x19c, 0x19c, 1, 211 },
	{ 0x19d, 0x19d, 1, 213 }, { 0x19f, 0x19f, 1, 214 },
	{ 0x1a0, 0x1a4, 2, 1 }, { 0x1a6, 0x1a6, 1, 218 },
	{ 0x1a7, 0x1a7, 1, 1 }, { 0x1a9, 0x1a9, 1, 218 },
	{ 0x1ac, 0x1ac, 1, 1 }, { 0x1ae, 0x1ae, 1, 218 },
	{ 0x1af, 0x1af, 1, 1 }, { 0x1b1, 0x1b2, 1, 217 },
	{ 0x1b3, 0x1b5, 2, 1 }, { 0x1b7, 0x1b7, 1, 219 },
	{ 0x1b8, 0x1b8, 1, 1 }, { 0x1bc, 0x1bc, 1, 1 }, { 0x1c4, 0x1c4, 1, 2 },
	{ 0x1c5, 0x1c5, 1, 1 }, { 0x1c7, 0x1c7, 1, 2 }, { 0x1c8, 0x1c8, 1, 1 },
	{ 0x1ca, 0x1ca, 1, 2 }, { 0x1cb, 0x1db, 2, 1 }, { 0x1de, 0x1ee, 2, 1 },
	{ 0x1f1, 0x1f1, 1, 2 }, { 0x1f2, 0x1f4, 2, 1 },
	{ 0x1f6, 0x1f6, 1, -97 }, { 0x1f7, 0x1f7, 1, -56 },
	{ 0x1f8, 0x21e, 2, 1 }, { 0x220, 0x220, 1, -130 },
	{ 0x222, 0x232, 2, 1 }, { 0x23a, 0x23a, 1, 10795 },
	{ 0x23b, 0x23b, 1, 1 }, { 0x23d, 0x23d, 1, -163 },
	{ 0x23e, 0x23e, 1, 10792 }, { 0x241, 0x241, 1, 1 },
	{ 0x243, 0x243, 1, -195 }, { 0x244, 0x244, 1, 69 },
	{ 0x245, 0x245, 1, 71 }, { 0x246, 0x24e, 2, 1 }, { 0x370, 0x372, 2, 1 },
	{ 0x376, 0x376, 1, 1 }, { 0x37f, 0x37f, 1, 116 },
	{ 0x386, 0x386, 1, 38 }, { 0x388, 0x38a, 1, 37 },
	{ 0x38c, 0x38c, 1, 64 }, { 0x38e, 0x38f, 1, 63 },
	{ 0x391, 0x3a1, 1, 32 }, { 0x3a3, 0x3ab, 1, 32 },
	{ 0x3cf, 0x3cf, 1, 8 }, { 0x3d8, 0x3ee, 2, 1 },
	{ 0x3f4, 0x3f4, 1, -60 }, { 0x3f7, 0x3f7, 1, 1 },
	{ 0x3f9, 0x3f9, 1, -7 }, { 0x3fa, 0x3fa, 1, 1 },
	{ 0x3fd, 0x3ff, 1, -130 }, { 0x400, 0x40f, 1, 80 },
	{ 0x410, 0x42f, 1, 32 }, { 0x460, 0x480, 2, 1 }, { 0x48a, 0x4be, 2, 1 },
	{ 0x4c0, 0x4c0, 1, 15 }, { 0x4c1, 0x4cd, 2, 1 }, { 0x4d0, 0x52e, 2, 1 },
	{ 0x531, 0x556, 1, 48 }, { 0x10a0, 0x10c5, 1, 7264 },
	{ 0x10c7, 0x10c7, 1, 7264 }, { 0x10cd, 0x10cd, 1, 7264 },
	{ 0x13a0, 0x13ef, 1, 38864 }, { 0x13f0, 0x13f5, 1, 8 },
	{ 0x1c90, 0x1cba, 1, -3008 }, { 0x1cbd, 0x1cbf, 1, -3008 },
	{ 0x1e00, 0x1e94, 2, 1 }, { 0x1e9e, 0x1e9e, 1, -7615 },
	{ 0x1ea0, 0x1efe, 2, 1 }, { 0x1f08, 0x1f0f, 1, -8 },
	{ 0x1f18, 0x1f1d, 1, -8 }, { 0x1f28, 0x1f2f, 1, -8 },
	{ 0x1f38, 0x1f3f, 1, -8 }, { 0x1f48, 0x1f4d, 1, -8 },
	{ 0x1f59, 0x1f5f, 2, -8 }, { 0x1f68, 0x1f6f, 1, -8 },
	{ 0x1f88, 0x1f8f, 1, -8 }, { 0x1f98, 0x1f9f, 1, -8 },
	{ 0x1fa8, 0x1faf, 1, -8 }, { 0x1fb8, 0x1fb9, 1, -8 },
	{ 0x1fba, 0x1fbb, 1, -74 }, { 0x1fbc, 0x1fbc, 1, -9 },
	{ 0x1fc8, 0x1fcb, 1, -86 }, { 0x1fcc, 0x1fcc, 1, -9 },
	{ 0x1fd8, 0x1fd9, 1, -8 }, { 0x1fda, 0x1fdb, 1, -100 },
	{ 0x1fe8, 0x1fe9, 1, -8 }, { 0x1fea, 0x1feb, 1, -112 },
	{ 0x1fec, 0x1fec, 1, -7 }, { 0x1ff8, 0x1ff9, 1, -128 },
	{ 0x1ffa, 0x1ffb, 1, -126 }, { 0x1ffc, 0x1ffc, 1, -9 },
	{ 0x2126, 0x2126, 1, -7517 }, { 0x212a, 0x212a, 1, -8383 },
	{ 0x212b, 0x212b, 1, -8262 }, { 0x2132, 0x2132, 1, 28 },
	{ 0x2160, 0x216f, 1, 16 }, { 0x2183, 0x2183, 1, 1 },
	{ 0x24b6, 0x24cf, 1, 26 }, { 0x2c00, 0x2c2f, 1, 48 },
	{ 0x2c60, 0x2c60, 1, 1 }, { 0x2c62, 0x2c62, 1, -10743 },
	{ 0x2c63, 0x2c63, 1, -3814 }, { 0x2c64, 0x2c64, 1, -10727 },
	{ 0x2c67, 0x2c6b, 2, 1 }, { 0x2c6d, 0x2c6d, 1, -10780 },
	{ 0x2c6e, 0x2c6e, 1, -10749 }, { 0x2c6f, 0x2c6f, 1, -10783 },
	{ 0x2c70, 0x2c70, 1, -10782 }, { 0x2c72, 0x2c72, 1, 1 },
	{ 0x2c75, 0x2c75, 1, 1 }, { 0x2c7e, 0x2c7f, 1, -10815 },
	{ 0x2c80, 0x2ce2, 2, 1 }, { 0x2ceb, 0x2ced, 2, 1 },
	{ 0x2cf2, 0x2cf2, 1, 1 }, { 0xa640, 0xa66c, 2, 1 },
	{ 0xa680, 0xa69a, 2, 1 }, { 0xa722, 0xa72e, 2, 1 },
	{ 0xa732, 0xa76e, 2, 1 }, { 0xa779, 0xa77b, 2, 1 },
	{ 0xa77d, 0xa77d, 1, -35332 }, { 0xa77e, 0xa786, 2, 1 },
	{ 0xa78b, 0xa78b, 1, 1 }, { 0xa78d, 0xa78d, 1, -42280 },
	{ 0xa790, 0xa792, 2, 1 }, { 0xa796, 0xa7a8, 2, 1 },
	{ 0xa7aa, 0xa7aa, 1, -42308 }, { 0xa7ab, 0xa7ab, 1, -42319 },
	{ 0xa7ac, 0xa7ac, 1, -42315 }, { 0xa7ad, 0xa7ad, 1, -42305 },
	{ 0xa7ae, 0xa7ae, 1, -42308 }, { 0xa7b0, 0xa7b0, 1, -42258 },
	{ 0xa7b1, 0xa7b1, 1, -42282 }, { 0xa7b2, 0xa7b2, 1, -42261 },
	{ 0xa7b3, 0xa7b3, 1, 928 }, { 0xa7b4, 0xa7c2, 2, 1 },
	{ 0xa7c4, 0xa7c4, 1, -48 }, { 0xa7c5, 0xa7c5, 1, -42307 },
	{ 0xa7c6, 0xa7c6, 1, -35384 }, { 0xa7c7, 0xa7c9, 2, 1 },
	{ 0xa7d0, 0xa7d0, 1, 1 }, { 0xa7d6, 0xa7d8, 2, 1 },
	{ 0xa7f5, 0xa7f5, 1, 1 }, { 0xff21, 0xff3a, 1, 32 },
	{ 0x10400, 0x10427, 1, 40 }, { 0x104b0, 0x104d3, 1, 40 },
	{ 0x10570, 0x1057a, 1, 39 }, { 0x1057c, 0x1058a, 1, 39 },
	{ 0x1058c, 0x10592, 1, 39 }, { 0x10594, 0x10595, 1, 39 },
	{ 0x10c80, 0x10cb2, 1, 64 }, { 0x118a0, 0x118bf, 1, 32 },
	{ 0x16e40, 0x16e5f, 1, 32 }, { 0x1e900, 0x1e921, 1, 34 },
};
/* clang-format on */

/*
 * The SIG names of Python's signal module, aliases included. The SIG_DFL,
 * SIG_IGN, SIG_BLOCK, SIG_UNBLOCK and SIG_SETMASK attributes are left out on
 * purpose: 4.2.5 takes "stopsignal=_DFL" for 0 and "_IGN" for 1 only because
 * it looks names up with getattr(), which is an accident, not a feature.
 * SIGRTMIN and SIGRTMAX are not constants in C; cfg_value_signum handles
 * them.
 */
static const struct cfg_value_sig {
	const char *name;
	int num;
} cfg_value_sigs[] = {
	{ "SIGABRT", SIGABRT },
	{ "SIGALRM", SIGALRM },
	{ "SIGBUS", SIGBUS },
	{ "SIGCHLD", SIGCHLD },
#ifdef SIGCLD
	{ "SIGCLD", SIGCLD },
#endif
	{ "SIGCONT", SIGCONT },
	{ "SIGFPE", SIGFPE },
	{ "SIGHUP", SIGHUP },
	{ "SIGILL", SIGILL },
	{ "SIGINT", SIGINT },
#ifdef SIGIO
	{ "SIGIO", SIGIO },
#endif
#ifdef SIGIOT
	{ "SIGIOT", SIGIOT },
#endif
	{ "SIGKILL", SIGKILL },
	{ "SIGPIPE", SIGPIPE },
#ifdef SIGPOLL
	{ "SIGPOLL", SIGPOLL },
#endif
	{ "SIGPROF", SIGPROF },
#ifdef SIGPWR
	{ "SIGPWR", SIGPWR },
#endif
	{ "SIGQUIT", SIGQUIT },
	{ "SIGSEGV", SIGSEGV },
#ifdef SIGSTKFLT
	{ "SIGSTKFLT", SIGSTKFLT },
#endif
	{ "SIGSTOP", SIGSTOP },
	{ "SIGSYS", SIGSYS },
	{ "SIGTERM", SIGTERM },
	{ "SIGTRAP", SIGTRAP },
	{ "SIGTSTP", SIGTSTP },
	{ "SIGTTIN", SIGTTIN },
	{ "SIGTTOU", SIGTTOU },
	{ "SIGURG", SIGURG },
	{ "SIGUSR1", SIGUSR1 },
	{ "SIGUSR2", SIGUSR2 },
	{ "SIGVTALRM", SIGVTALRM },
	{ "SIGWINCH", SIGWINCH },
	{ "SIGXCPU", SIGXCPU },
	{ "SIGXFSZ", SIGXFSZ },
};

/*
 * The names 4.2.5's signame() prints ("terminated by SIGPOLL"): of two
 * aliases the one that comes later in the signal module's namespace wins,
 * which makes 6 SIGABRT, 17 SIGCHLD and 29 SIGPOLL.
 */
static const struct cfg_value_sig cfg_value_signames[] = {
	{ "SIGHUP", SIGHUP },
	{ "SIGINT", SIGINT },
	{ "SIGQUIT", SIGQUIT },
	{ "SIGILL", SIGILL },
	{ "SIGTRAP", SIGTRAP },
	{ "SIGABRT", SIGABRT },
	{ "SIGBUS", SIGBUS },
	{ "SIGFPE", SIGFPE },
	{ "SIGKILL", SIGKILL },
	{ "SIGUSR1", SIGUSR1 },
	{ "SIGSEGV", SIGSEGV },
	{ "SIGUSR2", SIGUSR2 },
	{ "SIGPIPE", SIGPIPE },
	{ "SIGALRM", SIGALRM },
	{ "SIGTERM", SIGTERM },
#ifdef SIGSTKFLT
	{ "SIGSTKFLT", SIGSTKFLT },
#endif
	{ "SIGCHLD", SIGCHLD },
	{ "SIGCONT", SIGCONT },
	{ "SIGSTOP", SIGSTOP },
	{ "SIGTSTP", SIGTSTP },
	{ "SIGTTIN", SIGTTIN },
	{ "SIGTTOU", SIGTTOU },
	{ "SIGURG", SIGURG },
	{ "SIGXCPU", SIGXCPU },
	{ "SIGXFSZ", SIGXFSZ },
	{ "SIGVTALRM", SIGVTALRM },
	{ "SIGPROF", SIGPROF },
	{ "SIGWINCH", SIGWINCH },
#ifdef SIGPOLL
	{ "SIGPOLL", SIGPOLL },
#elif defined(SIGIO)
	{ "SIGIO", SIGIO },
#endif
#ifdef SIGPWR
	{ "SIGPWR", SIGPWR },
#endif
	{ "SIGSYS", SIGSYS },
};

/* supervisor.loggers.LevelsByDescription. 4.2.5 looks the lowered name up
 * with getattr() on that class, so "__module__" yields a string instead of
 * an error; like the SIG_ names above we refuse such names. */
static const struct cfg_value_level {
	const char *name;
	int level;
} cfg_value_levels[] = {
	{ "critical", 50 },
	{ "error", 40 },
	{ "warn", 30 },
	{ "info", 20 },
	{ "debug", 10 },
	{ "trace", 5 },
	{ "blather", 3 },
};

static const char *const cfg_value_truthy[] = { "yes", "true", "on", "1" };
static const char *const cfg_value_falsy[] = { "no", "false", "off", "0" };

/*
 * cfg_value_utf8_next decodes one code point at *p and advances *p. A byte
 * that does not start a well-formed sequence yields -1 and is skipped alone;
 * Python could not have read such a file, so it only needs to match nothing.
 */
static long
cfg_value_utf8_next(const char **p)
{
	const unsigned char *s = (const unsigned char *)*p;
	long cp, min;
	int n;

	if (s[0] < 0x80) {
		*p += 1;
		return s[0];
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		cp = s[0] & 0x1f;
		n = 1;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		cp = s[0] & 0x0f;
		n = 2;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		cp = s[0] & 0x07;
		n = 3;
		min = 0x10000;
	} else {
		*p += 1;
		return -1;
	}
	for (int i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*p += 1;
			return -1;
		}
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
		*p += 1;
		return -1;
	}
	*p += n + 1;
	return cp;
}

/* cfg_value_uspace is Python's str.isspace() for one code point. */
static bool
cfg_value_uspace(long cp)
{
	return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) ||
	    cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
	    (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
	    cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

/* cfg_value_udigit returns the decimal value of a Unicode digit, or -1. */
static int
cfg_value_udigit(long cp)
{
	for (size_t i = 0; i < nitems(cfg_value_zeros); i++) {
		if (cp >= cfg_value_zeros[i] && cp < cfg_value_zeros[i] + 10) {
			return (int)(cp - cfg_value_zeros[i]);
		}
	}
	return -1;
}

/* cfg_value_pyspace is CPython's Py_ISSPACE, which int() uses on ASCII. */
static bool
cfg_value_pyspace(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/*
 * cfg_value_strip finds s[0:n] without Python's str.strip() whitespace at
 * either end: *off gets the start and the return value the length.
 */
static size_t
cfg_value_strip(const char *s, size_t n, size_t *off)
{
	const char *p = s, *end = s + n;
	size_t start = n, stop = 0;

	while (p < end) {
		const char *c = p;
		long cp = cfg_value_utf8_next(&p);

		if (!cfg_value_uspace(cp)) {
			if (start == n) {
				start = (size_t)(c - s);
			}
			stop = (size_t)(p - s);
		}
	}
	if (start == n) {
		*off = 0;
		return 0;
	}
	*off = start;
	return stop - start;
}

/* cfg_value_u8put writes cp as UTF-8 at out and returns its length. */
static size_t
cfg_value_u8put(char *out, long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* cfg_value_lower1 is str.lower() of one non-ASCII code point other than
 * U+0130 (a binary search in cfg_value_lowers). */
static long
cfg_value_lower1(long cp)
{
	size_t lo = 0, hi = nitems(cfg_value_lowers);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct cfg_value_lower *r = &cfg_value_lowers[mid];

		if (cp < r->first) {
			hi = mid;
		} else if (cp > r->last) {
			lo = mid + 1;
		} else if ((cp - r->first) % r->step == 0) {
			return cp + r->delta;
		} else {
			break; /* between the letters of a step-2 run */
		}
	}
	return cp;
}

/*
 * cfg_value_lower returns str.lower() of s, except that a final capital
 * sigma becomes U+03C3 where Python, looking at the letters around it,
 * writes U+03C2. Bytes that are not UTF-8 are copied.
 */
static char *
cfg_value_lower(const char *s)
{
	/* No character grows by more than half its length: U+0130 and a few
	 * two-byte letters take three bytes once lowered. */
	char *out = fv_xmalloc(strlen(s) * 3 / 2 + 1);
	const char *p = s;
	size_t n = 0;

	while (*p != '\0') {
		const char *c = p;
		long cp = cfg_value_utf8_next(&p);

		if (cp >= 'A' && cp <= 'Z') {
			out[n++] = (char)(cp - 'A' + 'a');
		} else if (cp < 0x80) {
			memcpy(out + n, c, (size_t)(p - c));
			n += (size_t)(p - c);
		} else if (cp == 0x130) {
			n += cfg_value_u8put(out + n, 'i');
			n += cfg_value_u8put(out + n, 0x307);
		} else {
			n += cfg_value_u8put(out + n, cfg_value_lower1(cp));
		}
	}
	out[n] = '\0';
	return out;
}

/* cfg_value_repr is cfg_py_repr, cut to max code points when max > 0 as
 * CPython's "%.200R" does (the closing quote may go). */
static char *
cfg_value_repr(const char *s, size_t max)
{
	char *r = cfg_py_repr(s);
	size_t ncp = 0;

	if (max == 0) {
		return r;
	}
	for (char *p = r; *p != '\0'; p++) {
		if (((unsigned char)*p & 0xc0) != 0x80 && ncp++ == max) {
			*p = '\0';
			break;
		}
	}
	return r;
}

/*
 * cfg_value_pyint_text is CPython's _PyUnicode_TransformDecimalAndSpaceToASCII:
 * an ASCII string stays as it is; otherwise each non-ASCII space becomes ' ',
 * each decimal digit its ASCII digit, and the first other non-ASCII
 * character '?' which ends the copy.
 */
static char *
cfg_value_pyint_text(const char *s)
{
	size_t len = strlen(s), n = 0;
	char *t = fv_xmalloc(len + 1);
	const char *p;
	bool ascii = true;

	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80) {
			ascii = false;
			break;
		}
	}
	if (ascii) {
		memcpy(t, s, len + 1);
		return t;
	}
	p = s;
	while (*p != '\0') {
		long cp = cfg_value_utf8_next(&p);
		int dig;

		if (cp >= 0 && cp < 127) {
			t[n++] = (char)cp;
		} else if (cfg_value_uspace(cp)) {
			t[n++] = ' ';
		} else if ((dig = cfg_value_udigit(cp)) >= 0) {
			t[n++] = (char)('0' + dig);
		} else {
			t[n++] = '?';
			break;
		}
	}
	t[n] = '\0';
	return t;
}

/*
 * cfg_value_pyint parses s as Python's int(s, base) does for base 10 or 8.
 * *ndigits gets the digit count (for the 4300-digit message). When norm is
 * not NULL and the literal is valid, *norm gets the value in decimal as
 * Python's repr() writes it (base 10 only), even when it is too big.
 */
static enum cfg_value_int
cfg_value_pyint(
    const char *s, int base, long long *out, size_t *ndigits, char **norm)
{
	char *t = cfg_value_pyint_text(s), *digs = NULL;
	const char *p = t;
	unsigned long long acc = 0, lim;
	enum cfg_value_int rv = CFG_VALUE_INT_BAD;
	bool neg = false, over = false, under = false;
	size_t nd = 0, nn = 0;

	*ndigits = 0;
	if (norm != NULL) {
		*norm = NULL;
		digs = fv_xmalloc(strlen(t) + 2);
		digs[nn++] = '-';
	}
	while (cfg_value_pyspace(*p)) {
		p++;
	}
	if (*p == '+' || *p == '-') {
		neg = *p == '-';
		p++;
	}
	if (base == 8 && p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) {
		p += 2;
		if (*p == '_') {
			p++; /* one underscore may follow the prefix */
		}
	}
	if (*p == '_') {
		goto out;
	}
	for (;; p++) {
		unsigned dv;

		if (*p == '_') {
			if (under) {
				goto out;
			}
			under = true;
			continue;
		}
		if (*p < '0' || *p >= '0' + base) {
			break;
		}
		under = false;
		dv = (unsigned)(*p - '0');
		nd++;
		if (digs != NULL && (nn > 1 || dv != 0)) {
			digs[nn++] = *p;
		}
		if (acc > (ULLONG_MAX - dv) / (unsigned)base) {
			over = true;
		} else {
			acc = acc * (unsigned)base + dv;
		}
	}
	if (under || nd == 0) {
		goto out;
	}
	*ndigits = nd;
	if (base == 10 && nd > CFG_VALUE_MAX_STR_DIGITS) {
		rv = CFG_VALUE_INT_LIMIT;
		goto out;
	}
	while (cfg_value_pyspace(*p)) {
		p++;
	}
	if (*p != '\0') {
		goto out;
	}
	lim = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
	if (over || acc > lim) {
		rv = CFG_VALUE_INT_BIG;
	} else {
		rv = CFG_VALUE_INT_OK;
		*out = neg ? (long long)(0 - acc) : (long long)acc;
	}
	if (digs != NULL) {
		if (nn == 1) {
			digs[nn++] = '0';
			neg = false;
		}
		digs[nn] = '\0';
		*norm = fv_xstrdup(neg ? digs : digs + 1);
	}
out:
	free(digs);
	free(t);
	return rv;
}

/* cfg_value_int_error reports a failed int() of text as Python words it. */
static int
cfg_value_int_error(enum cfg_value_int st, const char *orig, const char *text,
    int base, size_t ndigits, struct fv_diag *d)
{
	char *r;
	int rv;

	if (st == CFG_VALUE_INT_LIMIT) {
		return fv_diagf(d, FV_EBADCONF,
		    "Exceeds the limit (%d digits) for integer string "
		    "conversion: value has %zu digits; use "
		    "sys.set_int_max_str_digits() to increase the limit",
		    CFG_VALUE_MAX_STR_DIGITS, ndigits);
	}
	if (st == CFG_VALUE_INT_BIG) {
		r = cfg_value_repr(orig, 0);
		rv = fv_diagf(d, FV_EBADCONF, "value %s is too large", r);
	} else {
		r = cfg_value_repr(text, CFG_VALUE_REPR_MAX);
		rv = fv_diagf(d, FV_EBADCONF,
		    "invalid literal for int() with base %d: %s", base, r);
	}
	free(r);
	return rv;
}

int
cfg_integer(const char *s, long long *out, struct fv_diag *d)
{
	enum cfg_value_int st;
	size_t nd;
	long long v;

	st = cfg_value_pyint(s, 10, &v, &nd, NULL);
	if (st != CFG_VALUE_INT_OK) {
		return cfg_value_int_error(st, s, s, 10, nd, d);
	}
	*out = v;
	return 0;
}

/* cfg_value_word_in tells whether s equals one of words, ignoring ASCII
 * case. The words are lower-case ASCII without "k", so no other character
 * can lower into them. */
static bool
cfg_value_word_in(const char *s, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (fv_str_caseeq(s, words[i])) {
			return true;
		}
	}
	return false;
}

int
cfg_boolean(const char *s, bool *out, struct fv_diag *d)
{
	char *r;
	int rv;

	if (cfg_value_word_in(s, cfg_value_truthy, nitems(cfg_value_truthy))) {
		*out = true;
		return 0;
	}
	if (cfg_value_word_in(s, cfg_value_falsy, nitems(cfg_value_falsy))) {
		*out = false;
		return 0;
	}
	r = cfg_value_repr(s, 0);
	rv = fv_diagf(d, FV_EBADCONF, "not a valid boolean value: %s", r);
	free(r);
	return rv;
}

/*
 * cfg_value_suffix returns the multiplier of a kb/mb/gb suffix (compared
 * after str.lower(), so the KELVIN SIGN counts as "k") and sets *numlen to
 * the byte length before it; 1 and strlen(s) when there is none.
 */
static long long
cfg_value_suffix(const char *s, size_t *numlen)
{
	size_t len = strlen(s);
	long long mult = 0;
	size_t unit = 1;

	*numlen = len;
	if (len < 2 || (s[len - 1] != 'b' && s[len - 1] != 'B')) {
		return 1;
	}
	switch (s[len - 2]) {
	case 'k':
	case 'K':
		mult = 1024;
		break;
	case 'm':
	case 'M':
		mult = 1024 * 1024;
		break;
	case 'g':
	case 'G':
		mult = 1024 * 1024 * 1024;
		break;
	default:
		/* U+212A KELVIN SIGN is e2 84 aa in UTF-8. */
		if (len >= 4 && memcmp(s + len - 4, "\xe2\x84\xaa", 3) == 0) {
			mult = 1024;
			unit = 3;
		}
		break;
	}
	if (mult == 0) {
		return 1;
	}
	*numlen = len - 1 - unit;
	return mult;
}

int
cfg_byte_size(const char *s, long long *out, struct fv_diag *d)
{
	enum cfg_value_int st;
	long long mult, v;
	size_t numlen, nd;
	char *num, *low;
	int rv = 0;

	mult = cfg_value_suffix(s, &numlen);
	num = fv_xstrndup(s, numlen);
	low = cfg_value_lower(num);
	st = cfg_value_pyint(low, 10, &v, &nd, NULL);
	if (st == CFG_VALUE_INT_OK &&
	    (v > LLONG_MAX / mult || v < LLONG_MIN / mult)) {
		st = CFG_VALUE_INT_BIG;
	}
	if (st != CFG_VALUE_INT_OK) {
		rv = cfg_value_int_error(st, s, low, 10, nd, d);
	} else {
		*out = v * mult;
	}
	free(low);
	free(num);
	return rv;
}

int
cfg_octal(const char *s, long long *out, struct fv_diag *d)
{
	enum cfg_value_int st;
	size_t nd;
	long long v;

	st = cfg_value_pyint(s, 8, &v, &nd, NULL);
	if (st == CFG_VALUE_INT_BIG) {
		return cfg_value_int_error(st, s, s, 8, nd, d);
	}
	if (st != CFG_VALUE_INT_OK) {
		return fv_diagf(d, FV_EBADCONF,
		    "%s can not be converted to an octal type", s);
	}
	*out = v;
	return 0;
}

/* cfg_value_signum tells whether num is a value in Python's signal module:
 * 0 (SIG_DFL) or a signal with a name. */
static bool
cfg_value_signum(long long num)
{
	if (num == 0 || num == SIGRTMIN || num == SIGRTMAX) {
		return true;
	}
	for (size_t i = 0; i < nitems(cfg_value_sigs); i++) {
		if (cfg_value_sigs[i].num == num) {
			return true;
		}
	}
	return false;
}

/*
 * cfg_value_signame looks up value.strip().upper(), with "SIG" put in front
 * when missing, among the signal names; -1 when it is none.
 */
static int
cfg_value_signame(const char *s)
{
	size_t off, n = cfg_value_strip(s, strlen(s), &off);
	const char *p = s + off, *end = s + off + n;
	char *up = fv_xmalloc(3 * n + 4), *name;
	size_t un = 3;
	int num = -1;

	memcpy(up, "SIG", 3);
	while (p < end) {
		long cp = cfg_value_utf8_next(&p);
		const char *rep = NULL;

		if (cp >= 'a' && cp <= 'z') {
			up[un++] = (char)(cp - 'a' + 'A');
			continue;
		}
		if (cp >= 0 && cp < 0x80) {
			up[un++] = (char)cp;
			continue;
		}
		for (size_t i = 0; i < nitems(cfg_value_uppers); i++) {
			if (cfg_value_uppers[i].cp == cp) {
				rep = cfg_value_uppers[i].up;
			}
		}
		if (rep == NULL) {
			goto out; /* a non-ASCII upper case: no such name */
		}
		memcpy(up + un, rep, strlen(rep));
		un += strlen(rep);
	}
	up[un] = '\0';
	name = strncmp(up + 3, "SIG", 3) == 0 ? up + 3 : up;
	if (strcmp(name, "SIGRTMIN") == 0) {
		num = SIGRTMIN;
	} else if (strcmp(name, "SIGRTMAX") == 0) {
		num = SIGRTMAX;
	}
	for (size_t i = 0; i < nitems(cfg_value_sigs); i++) {
		if (strcmp(name, cfg_value_sigs[i].name) == 0) {
			num = cfg_value_sigs[i].num;
		}
	}
out:
	free(up);
	return num;
}

int
cfg_signal_number(const char *s, int *out, struct fv_diag *d)
{
	enum cfg_value_int st;
	long long v = 0;
	size_t nd;
	char *r;
	int rv;

	st = cfg_value_pyint(s, 10, &v, &nd, NULL);
	if (st == CFG_VALUE_INT_OK && cfg_value_signum(v)) {
		*out = (int)v;
		return 0;
	}
	if (st == CFG_VALUE_INT_BAD || st == CFG_VALUE_INT_LIMIT) {
		/* int() raised ValueError: 4.2.5 tries a name. */
		if ((rv = cfg_value_signame(s)) >= 0) {
			*out = rv;
			return 0;
		}
		r = cfg_value_repr(s, 0);
		rv = fv_diagf(
		    d, FV_EBADCONF, "value %s is not a valid signal name", r);
		free(r);
		return rv;
	}
	r = cfg_value_repr(s, 0);
	rv = fv_diagf(
	    d, FV_EBADCONF, "value %s is not a valid signal number", r);
	free(r);
	return rv;
}

const char *
cfg_signal_name(int sig)
{
	if (sig == SIGRTMIN) {
		return "SIGRTMIN";
	}
	if (sig == SIGRTMAX) {
		return "SIGRTMAX";
	}
	for (size_t i = 0; i < nitems(cfg_value_signames); i++) {
		if (cfg_value_signames[i].num == sig) {
			return cfg_value_signames[i].name;
		}
	}
	return NULL;
}

int
cfg_exitcodes(const char *s, int **codes, size_t *n, struct fv_diag *d)
{
	const char *p = s;
	int *v = NULL;
	size_t nv = 0;
	char *r;
	int rv;

	*codes = NULL;
	*n = 0;
	if (*s == '\0') {
		return 0;
	}
	for (;;) {
		size_t len = strcspn(p, ","), nd;
		char *item = fv_xstrndup(p, len);
		enum cfg_value_int st;
		long long code = 0;

		st = cfg_value_pyint(item, 10, &code, &nd, NULL);
		free(item);
		if (st != CFG_VALUE_INT_OK || code < 0 || code > 255) {
			goto fail;
		}
		v = fv_xreallocarray(v, nv + 1, sizeof(*v));
		v[nv++] = (int)code;
		if (p[len] == '\0') {
			break;
		}
		p += len + 1;
	}
	*codes = v;
	*n = nv;
	return 0;
fail:
	free(v);
	r = cfg_value_repr(s, 0);
	rv = fv_diagf(d, FV_EBADCONF, "not a valid list of exit codes: %s", r);
	free(r);
	return rv;
}

int
cfg_autorestart(const char *s, enum cfg_autorestart *out, struct fv_diag *d)
{
	char *low, *r;
	int rv;

	if (cfg_value_word_in(s, cfg_value_truthy, nitems(cfg_value_truthy))) {
		*out = CFG_AUTORESTART_TRUE;
		return 0;
	}
	if (cfg_value_word_in(s, cfg_value_falsy, nitems(cfg_value_falsy))) {
		*out = CFG_AUTORESTART_FALSE;
		return 0;
	}
	if (fv_str_caseeq(s, "unexpected")) {
		*out = CFG_AUTORESTART_UNEXPECTED;
		return 0;
	}
	/* 4.2.5 quotes the value after lower-casing it. */
	low = cfg_value_lower(s);
	r = cfg_value_repr(low, 0);
	rv = fv_diagf(d, FV_EBADCONF, "invalid 'autorestart' value %s", r);
	free(r);
	free(low);
	return rv;
}

int
cfg_logging_level(const char *s, int *out, struct fv_diag *d)
{
	char *r;
	int rv;

	for (size_t i = 0; i < nitems(cfg_value_levels); i++) {
		if (fv_str_caseeq(s, cfg_value_levels[i].name)) {
			*out = cfg_value_levels[i].level;
			return 0;
		}
	}
	r = cfg_value_repr(s, 0);
	rv = fv_diagf(d, FV_EBADCONF, "bad logging level name %s", r);
	free(r);
	return rv;
}

/*
 * cfg_value_port is 4.2.5's port_number(): integer() then a 1..65535 range
 * check, with Python's messages.
 */
static int
cfg_value_port(const char *s, int *port, struct fv_diag *d)
{
	enum cfg_value_int st;
	char *norm = NULL;
	long long v = 0;
	size_t nd;
	int rv = 0;

	st = cfg_value_pyint(s, 10, &v, &nd, &norm);
	if (st == CFG_VALUE_INT_BAD || st == CFG_VALUE_INT_LIMIT) {
		rv = cfg_value_int_error(st, s, s, 10, nd, d);
	} else if (norm[0] == '-' || (st == CFG_VALUE_INT_OK && v < 1)) {
		rv = fv_diagf(
		    d, FV_EBADCONF, "%s is below lower bound (1)", norm);
	} else if (st == CFG_VALUE_INT_BIG || v > 65535) {
		rv = fv_diagf(
		    d, FV_EBADCONF, "%s is above upper bound (65535)", norm);
	} else {
		*port = (int)v;
	}
	free(norm);
	return rv;
}

int
cfg_inet_address(const char *s, char **host, int *port, struct fv_diag *d)
{
	const char *colon = strrchr(s, ':');
	char *h, *r;
	int rv;

	*host = NULL;
	if (colon == NULL) {
		if (cfg_value_port(s, port, NULL) != 0) {
			r = cfg_value_repr(s, 0);
			rv = fv_diagf(
			    d, FV_EBADCONF, "not a valid port number: %s ", r);
			free(r);
			return rv;
		}
		*host = fv_xstrdup("");
		return 0;
	}
	if (colon[1] == '\0') {
		/* 4.2.5 quotes the (empty) port part here, not s. */
		return fv_diagf(
		    d, FV_EBADCONF, "no port number specified in ''");
	}
	if ((rv = cfg_value_port(colon + 1, port, d)) != 0) {
		return rv;
	}
	h = fv_xstrndup(s, (size_t)(colon - s));
	*host = cfg_value_lower(h);
	free(h);
	if (strcmp(*host, "*") == 0) {
		(*host)[0] = '\0';
	}
	return 0;
}

/*
 * cfg_value_pw looks a user up by name (when name is not NULL) or by uid
 * with the reentrant calls, growing the buffer on ERANGE. On success the
 * strings in *pw point into *buf, which the caller frees; any failure counts
 * as "not found", as Python's pwd module reports every failure as KeyError.
 */
static bool
cfg_value_pw(const char *name, uid_t uid, struct passwd *pw, char **buf)
{
	struct passwd *res = NULL;
	size_t size = 1024;
	int rc;

	for (;;) {
		*buf = fv_xmalloc(size);
		if (name != NULL) {
			rc = getpwnam_r(name, pw, *buf, size, &res);
		} else {
			rc = getpwuid_r(uid, pw, *buf, size, &res);
		}
		if (rc == 0 && res != NULL) {
			return true;
		}
		free(*buf);
		*buf = NULL;
		if (rc != ERANGE || size >= CFG_VALUE_PWBUF_MAX) {
			return false;
		}
		size *= 2;
	}
}

/* cfg_value_gr is cfg_value_pw for the group database. */
static bool
cfg_value_gr(const char *name, gid_t gid, struct group *gr, char **buf)
{
	struct group *res = NULL;
	size_t size = 1024;
	int rc;

	for (;;) {
		*buf = fv_xmalloc(size);
		if (name != NULL) {
			rc = getgrnam_r(name, gr, *buf, size, &res);
		} else {
			rc = getgrgid_r(gid, gr, *buf, size, &res);
		}
		if (rc == 0 && res != NULL) {
			return true;
		}
		free(*buf);
		*buf = NULL;
		if (rc != ERANGE || size >= CFG_VALUE_PWBUF_MAX) {
			return false;
		}
		size *= 2;
	}
}

/*
 * cfg_value_id_ok tells whether Python's uid/gid converter would pass v to
 * the C library: -1 stands for (uid_t)-1, other negative values and
 * (uid_t)-1 itself are out of range. Python 3.11 reports those as "not
 * found" too.
 */
static bool
cfg_value_id_ok(long long v)
{
	return v == -1 || (v >= 0 && (unsigned long long)v < UINT32_MAX);
}

int
cfg_name_to_uid(const char *s, long *uid, struct fv_diag *d)
{
	struct passwd pw;
	long long v = 0;
	char *buf = NULL;
	size_t nd;

	switch (cfg_value_pyint(s, 10, &v, &nd, NULL)) {
	case CFG_VALUE_INT_OK:
		if (!cfg_value_id_ok(v) ||
		    !cfg_value_pw(NULL, (uid_t)v, &pw, &buf)) {
			return fv_diagf(
			    d, FV_EBADCONF, "Invalid user id %s", s);
		}
		*uid = (long)pw.pw_uid;
		break;
	case CFG_VALUE_INT_BIG:
		return fv_diagf(d, FV_EBADCONF, "Invalid user id %s", s);
	default:
		if (!cfg_value_pw(s, 0, &pw, &buf)) {
			return fv_diagf(
			    d, FV_EBADCONF, "Invalid user name %s", s);
		}
		*uid = (long)pw.pw_uid;
		break;
	}
	free(buf);
	return 0;
}

int
cfg_name_to_gid(const char *s, long *gid, struct fv_diag *d)
{
	struct group gr;
	long long v = 0;
	char *buf = NULL;
	size_t nd;

	switch (cfg_value_pyint(s, 10, &v, &nd, NULL)) {
	case CFG_VALUE_INT_OK:
		if (!cfg_value_id_ok(v) ||
		    !cfg_value_gr(NULL, (gid_t)v, &gr, &buf)) {
			return fv_diagf(
			    d, FV_EBADCONF, "Invalid group id %s", s);
		}
		*gid = (long)gr.gr_gid;
		break;
	case CFG_VALUE_INT_BIG:
		return fv_diagf(d, FV_EBADCONF, "Invalid group id %s", s);
	default:
		if (!cfg_value_gr(s, 0, &gr, &buf)) {
			return fv_diagf(
			    d, FV_EBADCONF, "Invalid group name %s", s);
		}
		*gid = (long)gr.gr_gid;
		break;
	}
	free(buf);
	return 0;
}

int
cfg_gid_for_uid(long uid, long *gid, struct fv_diag *d)
{
	struct passwd pw;
	char *buf;

	if (!cfg_value_id_ok(uid) ||
	    !cfg_value_pw(NULL, (uid_t)uid, &pw, &buf)) {
		/* 4.2.5 lets pwd's KeyError escape with this text. */
		return fv_diagf(
		    d, FV_EBADCONF, "getpwuid(): uid not found: %ld", uid);
	}
	*gid = (long)pw.pw_gid;
	free(buf);
	return 0;
}

int
cfg_user_group(const char *s, long *uid, long *gid, struct fv_diag *d)
{
	const char *colon = strchr(s, ':');
	char *user;
	long u, g = -1;
	int rv;

	user =
	    colon == NULL ? fv_xstrdup(s) : fv_xstrndup(s, (size_t)(colon - s));
	rv = cfg_name_to_uid(user, &u, NULL);
	if (rv == 0 && colon != NULL) {
		rv = cfg_name_to_gid(colon + 1, &g, NULL);
	}
	free(user);
	if (rv != 0) {
		return fv_diagf(
		    d, FV_EBADCONF, "Invalid user:group definition %s", s);
	}
	*uid = u;
	*gid = g;
	return 0;
}

char *
cfg_expanduser(const char *s)
{
	struct passwd pw;
	const char *home, *slash;
	char *buf = NULL, *name, *out;
	size_t i, hl;

	if (s[0] != '~') {
		return fv_xstrdup(s);
	}
	slash = strchr(s + 1, '/');
	i = slash == NULL ? strlen(s) : (size_t)(slash - s);
	if (i == 1) {
		if ((home = getenv("HOME")) == NULL) {
			if (!cfg_value_pw(NULL, getuid(), &pw, &buf)) {
				return fv_xstrdup(s);
			}
			home = pw.pw_dir;
		}
	} else {
		name = fv_xstrndup(s + 1, i - 1);
		if (!cfg_value_pw(name, 0, &pw, &buf)) {
			free(name);
			return fv_xstrdup(s);
		}
		free(name);
		home = pw.pw_dir;
	}
	hl = strlen(home);
	while (hl > 0 && home[hl - 1] == '/') {
		hl--;
	}
	if (hl == 0 && s[i] == '\0') {
		out = fv_xstrdup("/");
	} else {
		out = fv_xasprintf("%.*s%s", (int)hl, home, s + i);
	}
	free(buf);
	return out;
}

/* cfg_value_normpath is Python 3.11's posixpath.normpath(). */
static char *
cfg_value_normpath(const char *path)
{
	size_t len = strlen(path), n = 0, ncomp = 0;
	char *out = fv_xmalloc(len + 3);
	size_t *starts = fv_xcalloc(len / 2 + 2, sizeof(*starts));
	const char *p = path;
	int slashes = 0;

	if (len == 0) {
		free(starts);
		free(out);
		return fv_xstrdup(".");
	}
	if (path[0] == '/') {
		slashes = path[1] == '/' && path[2] != '/' ? 2 : 1;
	}
	for (int i = 0; i < slashes; i++) {
		out[n++] = '/';
	}
	while (*p != '\0') {
		size_t cl = strcspn(p, "/");
		bool last_dotdot;

		last_dotdot = ncomp > 0 && n - starts[ncomp - 1] == 2 &&
		    memcmp(out + starts[ncomp - 1], "..", 2) == 0;
		if (cl == 0 || (cl == 1 && p[0] == '.')) {
			/* empty or "." components vanish */
		} else if (cl != 2 || memcmp(p, "..", 2) != 0 ||
		    (slashes == 0 && ncomp == 0) || last_dotdot) {
			if (ncomp > 0) {
				out[n++] = '/';
			}
			starts[ncomp++] = n;
			memcpy(out + n, p, cl);
			n += cl;
		} else if (ncomp > 0) {
			ncomp--;
			n = starts[ncomp] - (ncomp > 0 ? 1 : 0);
		}
		p += cl;
		if (*p == '/') {
			p++;
		}
	}
	if (n == 0) {
		out[n++] = '.';
	}
	out[n] = '\0';
	free(starts);
	return out;
}

char *
cfg_normalize_path(const char *s)
{
	char *exp = cfg_expanduser(s), *abs, *cwd, *out;

	if (exp[0] == '/') {
		out = cfg_value_normpath(exp);
		free(exp);
		return out;
	}
	/* Python raises FileNotFoundError when the cwd is gone; we keep the
	 * path relative instead. */
	if ((cwd = getcwd(NULL, 0)) == NULL) {
		out = cfg_value_normpath(exp);
		free(exp);
		return out;
	}
	abs = fv_xasprintf(
	    "%s%s%s", cwd, cwd[strlen(cwd) - 1] == '/' ? "" : "/", exp);
	out = cfg_value_normpath(abs);
	free(abs);
	free(cwd);
	free(exp);
	return out;
}

/* cfg_value_isdir is os.path.isdir(): stat() follows links, any error is
 * "no". */
static bool
cfg_value_isdir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int
cfg_existing_directory(const char *s, char **out, struct fv_diag *d)
{
	char *nv = cfg_expanduser(s);

	*out = NULL;
	if (!cfg_value_isdir(nv)) {
		free(nv);
		return fv_diagf(
		    d, FV_EBADCONF, "%s is not an existing directory", s);
	}
	*out = nv;
	return 0;
}

int
cfg_existing_dirpath(const char *s, char **out, struct fv_diag *d)
{
	char *nv = cfg_expanduser(s), *dir;
	const char *slash = strrchr(nv, '/');
	size_t hl;
	bool ok;

	*out = NULL;
	if (slash == NULL) {
		*out = nv; /* a relative name with no directory part */
		return 0;
	}
	/* posixpath.dirname(): the head without its trailing slashes,
	 * unless it is all slashes. */
	hl = (size_t)(slash - nv) + 1;
	while (hl > 0 && nv[hl - 1] == '/') {
		hl--;
	}
	if (hl == 0) {
		hl = (size_t)(slash - nv) + 1;
	}
	dir = fv_xstrndup(nv, hl);
	ok = cfg_value_isdir(dir);
	free(dir);
	if (!ok) {
		free(nv);
		return fv_diagf(d, FV_EBADCONF,
		    "The directory named as part of the path %s does not exist",
		    s);
	}
	*out = nv;
	return 0;
}

int
cfg_logfile_name(
    const char *s, enum cfg_logfile_kind *kind, char **path, struct fv_diag *d)
{
	int rv;

	*path = NULL;
	if (fv_str_caseeq(s, "none") || fv_str_caseeq(s, "off")) {
		*kind = CFG_LOGFILE_NONE;
		return 0;
	}
	if (fv_str_caseeq(s, "auto")) {
		*kind = CFG_LOGFILE_AUTO;
		return 0;
	}
	if (fv_str_caseeq(s, "syslog")) {
		*kind = CFG_LOGFILE_SYSLOG;
		return 0;
	}
	if ((rv = cfg_existing_dirpath(s, path, d)) != 0) {
		return rv;
	}
	*kind = CFG_LOGFILE_PATH;
	return 0;
}

int
cfg_process_or_group_name(const char *s, char **out, struct fv_diag *d)
{
	static const char bad[] = " :/";
	size_t off, n = cfg_value_strip(s, strlen(s), &off);
	char *name = fv_xstrndup(s + off, n), *r;
	char c[2] = { 0, 0 };
	int rv;

	*out = NULL;
	for (size_t i = 0; i < sizeof(bad) - 1; i++) {
		if (strchr(name, bad[i]) != NULL) {
			free(name);
			c[0] = bad[i];
			r = cfg_value_repr(s, 0);
			rv = fv_diagf(d, FV_EBADCONF,
			    "Invalid name: %s because of character: '%s'", r,
			    c);
			free(r);
			return rv;
		}
	}
	*out = name;
	return 0;
}

void
cfg_list_of_strings(const char *s, struct fv_strv *out)
{
	const char *p = s;

	if (*s == '\0') {
		return;
	}
	for (;;) {
		size_t len = strcspn(p, ","), off, n;

		n = cfg_value_strip(p, len, &off);
		fv_strv_push_take(out, fv_xstrndup(p + off, n));
		if (p[len] == '\0') {
			break;
		}
		p += len + 1;
	}
}
