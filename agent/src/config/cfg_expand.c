/*
 * Python's printf-style formatting with a mapping ("fmt % mapping"), as
 * supervisord 4.2.5 applies it to option values, and Python's repr() of a
 * string for the messages that quote them. The formatter is a state for
 * state transcription of CPython 3.11's PyUnicode_Format (the fmtcnt and
 * fmtpos counters, the argument index, the order in which errors are
 * raised), so that a value is accepted, refused or expanded exactly as
 * 4.2.5 does it. This module only computes strings: it never reads the
 * environment or the configuration itself, and never logs.
 *
 * Python corner cases deliberately not reproduced:
 * - A conversion without a "(key)" before any keyed one makes Python
 *   format the mapping itself ("%s" gives the dict's repr). %s, %r and %a
 *   of the mapping are refused here with "format requires a mapping"; the
 *   other conversions raise Python's own type errors, which are reproduced.
 * - %c of 0 (an embedded NUL) and of a surrogate (0xd800-0xdfff) give a
 *   string Python holds but that cannot be a C string or UTF-8; both are
 *   refused with a reason of our own.
 * - Results longer than CFG_EXPAND_MAX bytes (huge widths or precisions)
 *   are refused where Python would build them or raise MemoryError.
 * - Bytes that are not well-formed UTF-8 (which Python never sees, as it
 *   decodes the file first) count as one character each; repr() shows
 *   them as \xNN.
 * - repr() treats every code point above U+00FF as printable, where Python
 *   escapes the unassigned, private-use, format and separator characters
 *   of its Unicode 14 tables (U+0080-U+00A0 and U+00AD are escaped as
 *   Python does).
 */
#include "config/cfg_expand.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xalloc.h"

/* The largest expansion result (and intermediate string) we build. */
#define CFG_EXPAND_MAX (16 * 1024 * 1024)

/* Python's F_LJUST, F_SIGN, F_BLANK, F_ALT and F_ZERO. */
#define CFG_EXP_F_LJUST 0x01
#define CFG_EXP_F_SIGN  0x02
#define CFG_EXP_F_BLANK 0x04
#define CFG_EXP_F_ALT   0x08
#define CFG_EXP_F_ZERO  0x10

/* Internal results: a Python exception of one of two kinds. */
#define CFG_EXP_EKEY -1 /* KeyError: ctx key/keylen name the key */
#define CFG_EXP_EBAD -2 /* any other exception: ctx reason */

/* One PyUnicode_Format call: Python's unicode_formatter_t. */
struct cfg_exp_ctx {
	const char *fmt; /* borrowed */
	size_t fmtlen;
	size_t pos; /* fmtpos, as a byte offset */
	long long cpos; /* fmtpos, in characters */
	long long cnt; /* fmtcnt */
	const struct cfg_expansions *ex;
	const struct cfg_expansion *args; /* NULL: the mapping itself */
	int argidx; /* -2 unused, -1 used (arglen -1) */
	struct fv_buf out;
	const char *key; /* borrowed from fmt, for a KeyError */
	size_t keylen;
	char reason[160];
	char unsupported[160]; /* the first result we cannot reproduce */
};

/* One conversion specifier: Python's unicode_format_arg_t. */
struct cfg_exp_arg {
	uint32_t ch;
	int flags;
	long long width;
	int prec;
	int sign;
};

static int cfg_exp_fail(struct cfg_exp_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void cfg_exp_unsupported(struct cfg_exp_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void
cfg_expansions_add_str(
    struct cfg_expansions *ex, const char *name, const char *s)
{
	ex->v = fv_xreallocarray(ex->v, ex->n + 1, sizeof(*ex->v));
	ex->v[ex->n].name = name;
	ex->v[ex->n].type = CFG_EXP_STR;
	ex->v[ex->n].s = s;
	ex->v[ex->n].i = 0;
	ex->n++;
}

void
cfg_expansions_add_int(struct cfg_expansions *ex, const char *name, long long i)
{
	ex->v = fv_xreallocarray(ex->v, ex->n + 1, sizeof(*ex->v));
	ex->v[ex->n].name = name;
	ex->v[ex->n].type = CFG_EXP_INT;
	ex->v[ex->n].s = NULL;
	ex->v[ex->n].i = i;
	ex->n++;
}

void
cfg_expansions_fini(struct cfg_expansions *ex)
{
	free(ex->v);
	ex->v = NULL;
	ex->n = 0;
}

/*
 * cfg_exp_u8len returns the length of the character at p (n bytes remain)
 * and its code point. A byte that does not start a well-formed sequence is
 * a character of its own, whose code point is the byte value.
 */
static size_t
cfg_exp_u8len(const char *p, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t need;
	uint32_t v, min;

	if (n == 0) {
		*cp = 0;
		return 0;
	}
	*cp = s[0];
	if (s[0] < 0x80) {
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		need = 1, v = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		need = 2, v = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		need = 3, v = s[0] & 0x07, min = 0x10000;
	} else {
		return 1;
	}
	if (n - 1 < need) {
		return 1;
	}
	for (size_t k = 1; k <= need; k++) {
		if ((s[k] & 0xc0) != 0x80) {
			return 1;
		}
		v = (v << 6) | (s[k] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
		return 1;
	}
	*cp = v;
	return need + 1;
}

/* cfg_exp_nchars counts the characters of n bytes at s. */
static long long
cfg_exp_nchars(const char *s, size_t n)
{
	long long count = 0;
	size_t i = 0;
	uint32_t cp;

	while (i < n) {
		i += cfg_exp_u8len(s + i, n - i, &cp);
		count++;
	}
	return count;
}

/* cfg_exp_u8put appends the UTF-8 encoding of cp (no surrogates). */
static int
cfg_exp_u8put(struct fv_buf *b, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return fv_buf_append(b, u, n);
}

/*
 * cfg_exp_printable tells whether Python's str.isprintable() holds for the
 * non-ASCII code point cp (see the limits in the opening comment).
 */
static bool
cfg_exp_printable(uint32_t cp)
{
	return cp > 0xa0 && cp != 0xad;
}

/* cfg_exp_repr appends repr(s) (or ascii(s) when ascii) to b. */
static int
cfg_exp_repr(struct fv_buf *b, const char *s, bool ascii)
{
	size_t n = strlen(s), i = 0, k;
	char quote = '\'';
	uint32_t cp;
	int rv = 0;

	if (strchr(s, '\'') != NULL && strchr(s, '"') == NULL) {
		quote = '"';
	}
	rv |= fv_buf_putc(b, quote);
	while (i < n) {
		k = cfg_exp_u8len(s + i, n - i, &cp);
		if (k == 1 && cp >= 0x80) {
			/* Not UTF-8: show the byte itself. */
			rv |= fv_buf_printf(b, "\\x%02x", (unsigned int)cp);
		} else if (cp == (uint32_t)quote || cp == '\\') {
			rv |= fv_buf_putc(b, '\\');
			rv |= fv_buf_putc(b, (char)cp);
		} else if (cp == '\t') {
			rv |= fv_buf_puts(b, "\\t");
		} else if (cp == '\n') {
			rv |= fv_buf_puts(b, "\\n");
		} else if (cp == '\r') {
			rv |= fv_buf_puts(b, "\\r");
		} else if (cp < ' ' || cp == 0x7f) {
			rv |= fv_buf_printf(b, "\\x%02x", (unsigned int)cp);
		} else if (cp < 0x7f || (!ascii && cfg_exp_printable(cp))) {
			rv |= fv_buf_append(b, s + i, k);
		} else if (cp <= 0xff) {
			rv |= fv_buf_printf(b, "\\x%02x", (unsigned int)cp);
		} else if (cp <= 0xffff) {
			rv |= fv_buf_printf(b, "\\u%04x", (unsigned int)cp);
		} else {
			rv |= fv_buf_printf(b, "\\U%08x", (unsigned int)cp);
		}
		i += k;
	}
	rv |= fv_buf_putc(b, quote);
	return rv != 0 ? FV_ETOOBIG : 0;
}

char *
cfg_py_repr(const char *s)
{
	struct fv_buf b;

	/*
	 * The input is already in memory and its repr is at most ten bytes
	 * per input byte, so the cap only guards against arithmetic
	 * overflow.
	 */
	fv_buf_init(&b, SIZE_MAX / 2);
	(void)cfg_exp_repr(&b, s, false);
	return fv_buf_take(&b);
}

static int
cfg_exp_fail(struct cfg_exp_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
	return CFG_EXP_EBAD;
}

/*
 * cfg_exp_unsupported notes a result Python would produce but we refuse.
 * Formatting goes on, so that an error Python raises later in the string
 * is still the one reported; the first such note fails the expansion
 * when the string has been formatted without error.
 */
static void
cfg_exp_unsupported(struct cfg_exp_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->unsupported[0] != '\0') {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(c->unsupported, sizeof(c->unsupported), fmt, ap);
	va_end(ap);
}

static int
cfg_exp_toobig(struct cfg_exp_ctx *c)
{
	return cfg_exp_fail(
	    c, "formatted result exceeds %d bytes", CFG_EXPAND_MAX);
}

/* cfg_exp_peek is PyUnicode_READ at fmtpos (0 past the end). */
static uint32_t
cfg_exp_peek(const struct cfg_exp_ctx *c)
{
	uint32_t cp;

	(void)cfg_exp_u8len(c->fmt + c->pos, c->fmtlen - c->pos, &cp);
	return cp;
}

/* cfg_exp_advance is fmtpos++. */
static void
cfg_exp_advance(struct cfg_exp_ctx *c)
{
	uint32_t cp;

	c->pos += cfg_exp_u8len(c->fmt + c->pos, c->fmtlen - c->pos, &cp);
	c->cpos++;
}

/* cfg_exp_read is "arg->ch = FORMAT_READ(ctx); ctx->fmtpos++;". */
static uint32_t
cfg_exp_read(struct cfg_exp_ctx *c)
{
	uint32_t ch = cfg_exp_peek(c);

	cfg_exp_advance(c);
	return ch;
}

/*
 * cfg_exp_nextarg is unicode_format_getnextarg with a mapping (arglen -1):
 * the current argument once, then an error. *v is NULL for the mapping.
 */
static int
cfg_exp_nextarg(struct cfg_exp_ctx *c, const struct cfg_expansion **v)
{
	if (c->argidx < -1) {
		c->argidx++;
		*v = c->args;
		return 0;
	}
	return cfg_exp_fail(c, "not enough arguments for format string");
}

/* cfg_exp_typename is Py_TYPE(v)->tp_name. */
static const char *
cfg_exp_typename(const struct cfg_expansion *v)
{
	if (v == NULL) {
		return "dict";
	}
	return v->type == CFG_EXP_INT ? "int" : "str";
}

/* cfg_exp_pad appends n copies of fill. */
static int
cfg_exp_pad(struct fv_buf *b, char fill, long long n)
{
	char chunk[256];

	if (n <= 0) {
		return 0;
	}
	if (n > CFG_EXPAND_MAX) {
		return FV_ETOOBIG;
	}
	memset(chunk, fill, sizeof(chunk));
	while (n > 0) {
		size_t k =
		    n < (long long)sizeof(chunk) ? (size_t)n : sizeof(chunk);

		if (fv_buf_append(b, chunk, k) != 0) {
			return FV_ETOOBIG;
		}
		n -= (long long)k;
	}
	return 0;
}

/* cfg_exp_lookup is PyObject_GetItem(dict, key): the later entry wins. */
static const struct cfg_expansion *
cfg_exp_lookup(const struct cfg_expansions *ex, const char *key, size_t len)
{
	for (size_t i = ex->n; i > 0; i--) {
		const struct cfg_expansion *e = &ex->v[i - 1];

		if (strlen(e->name) == len && memcmp(e->name, key, len) == 0) {
			return e;
		}
	}
	return NULL;
}

/* cfg_exp_flag maps a flag character to its bit, or 0. */
static int
cfg_exp_flag(uint32_t ch)
{
	switch (ch) {
	case '-':
		return CFG_EXP_F_LJUST;
	case '+':
		return CFG_EXP_F_SIGN;
	case ' ':
		return CFG_EXP_F_BLANK;
	case '#':
		return CFG_EXP_F_ALT;
	case '0':
		return CFG_EXP_F_ZERO;
	default:
		return 0;
	}
}

/* cfg_exp_parse is unicode_format_arg_parse. */
static int
cfg_exp_parse(struct cfg_exp_ctx *c, struct cfg_exp_arg *a)
{
	const struct cfg_expansion *v = NULL;
	int rv, f;

	if (a->ch == '(') {
		size_t keystart;
		int pcount = 1;

		cfg_exp_advance(c);
		c->cnt--;
		keystart = c->pos;
		/* Skip over balanced parentheses. */
		while (pcount > 0 && --c->cnt >= 0) {
			a->ch = cfg_exp_read(c);
			if (a->ch == ')') {
				pcount--;
			} else if (a->ch == '(') {
				pcount++;
			}
		}
		if (c->cnt < 0 || pcount > 0) {
			return cfg_exp_fail(c, "incomplete format key");
		}
		/* The key ends before the one-byte ')'. */
		c->key = c->fmt + keystart;
		c->keylen = c->pos - keystart - 1;
		if ((c->args = cfg_exp_lookup(c->ex, c->key, c->keylen)) ==
		    NULL) {
			return CFG_EXP_EKEY;
		}
		c->argidx = -2;
	}

	while (--c->cnt >= 0) {
		a->ch = cfg_exp_read(c);
		if ((f = cfg_exp_flag(a->ch)) == 0) {
			break;
		}
		a->flags |= f;
	}

	if (a->ch == '*') {
		if ((rv = cfg_exp_nextarg(c, &v)) != 0) {
			return rv;
		}
		if (v == NULL || v->type != CFG_EXP_INT) {
			return cfg_exp_fail(c, "* wants int");
		}
		a->width = v->i;
		if (a->width < 0) {
			a->flags |= CFG_EXP_F_LJUST;
			a->width =
			    a->width == LLONG_MIN ? LLONG_MAX : -a->width;
		}
		if (--c->cnt >= 0) {
			a->ch = cfg_exp_read(c);
		}
	} else if (a->ch >= '0' && a->ch <= '9') {
		a->width = a->ch - '0';
		while (--c->cnt >= 0) {
			a->ch = cfg_exp_read(c);
			if (a->ch < '0' || a->ch > '9') {
				break;
			}
			if (a->width >
			    (PTRDIFF_MAX - (int)(a->ch - '0')) / 10) {
				return cfg_exp_fail(c, "width too big");
			}
			a->width = a->width * 10 + (a->ch - '0');
		}
	}

	if (a->ch == '.') {
		a->prec = 0;
		if (--c->cnt >= 0) {
			a->ch = cfg_exp_read(c);
		}
		if (a->ch == '*') {
			if ((rv = cfg_exp_nextarg(c, &v)) != 0) {
				return rv;
			}
			if (v == NULL || v->type != CFG_EXP_INT) {
				return cfg_exp_fail(c, "* wants int");
			}
			if (v->i > INT_MAX || v->i < INT_MIN) {
				return cfg_exp_fail(c,
				    "Python int too large to convert to C int");
			}
			a->prec = v->i < 0 ? 0 : (int)v->i;
			if (--c->cnt >= 0) {
				a->ch = cfg_exp_read(c);
			}
		} else if (a->ch >= '0' && a->ch <= '9') {
			a->prec = (int)(a->ch - '0');
			while (--c->cnt >= 0) {
				a->ch = cfg_exp_read(c);
				if (a->ch < '0' || a->ch > '9') {
					break;
				}
				if (a->prec >
				    (INT_MAX - (int)(a->ch - '0')) / 10) {
					return cfg_exp_fail(
					    c, "precision too big");
				}
				a->prec = a->prec * 10 + (int)(a->ch - '0');
			}
		}
	}

	/* Ignore the "h", "l" and "L" length modifiers. */
	if (c->cnt >= 0 && (a->ch == 'h' || a->ch == 'l' || a->ch == 'L')) {
		if (--c->cnt >= 0) {
			a->ch = cfg_exp_read(c);
		}
	}
	if (c->cnt < 0) {
		return cfg_exp_fail(c, "incomplete format");
	}
	return 0;
}

/* cfg_exp_int is _PyUnicode_FormatLong for a C integer. */
static int
cfg_exp_int(struct cfg_exp_ctx *c, struct fv_buf *b, long long v, int alt,
    int prec, uint32_t type)
{
	const char *digits =
	    type == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	unsigned long long m, base;
	char tmp[72];
	size_t nd = 0;
	int rv = 0;

	if (prec > INT_MAX - 3) {
		return cfg_exp_fail(c, "precision too large");
	}
	base = type == 'o' ? 8 : type == 'x' || type == 'X' ? 16 : 10;
	m = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do {
		tmp[sizeof(tmp) - ++nd] = digits[m % base];
		m /= base;
	} while (m != 0);
	if (v < 0) {
		rv |= fv_buf_putc(b, '-');
	}
	if (alt && base != 10) {
		rv |= fv_buf_putc(b, '0');
		rv |= fv_buf_putc(b, (char)type);
	}
	if (prec > (long long)nd) {
		rv |= cfg_exp_pad(b, '0', prec - (long long)nd);
	}
	rv |= fv_buf_append(b, tmp + sizeof(tmp) - nd, nd);
	return rv != 0 ? cfg_exp_toobig(c) : 0;
}

/*
 * cfg_exp_float is formatfloat: PyOS_double_to_string agrees with C's
 * correctly rounded printf for the finite doubles an integer gives.
 */
static int
cfg_exp_float(struct cfg_exp_ctx *c, struct fv_buf *b, double x, int alt,
    int prec, uint32_t type)
{
	int rv;

	if (prec < 0) {
		prec = 6;
	}
	if (prec > CFG_EXPAND_MAX) {
		return cfg_exp_toobig(c);
	}
	switch (type) {
	case 'e':
		rv = alt ? fv_buf_printf(b, "%#.*e", prec, x)
		         : fv_buf_printf(b, "%.*e", prec, x);
		break;
	case 'E':
		rv = alt ? fv_buf_printf(b, "%#.*E", prec, x)
		         : fv_buf_printf(b, "%.*E", prec, x);
		break;
	case 'f':
		rv = alt ? fv_buf_printf(b, "%#.*f", prec, x)
		         : fv_buf_printf(b, "%.*f", prec, x);
		break;
	case 'F':
		rv = alt ? fv_buf_printf(b, "%#.*F", prec, x)
		         : fv_buf_printf(b, "%.*F", prec, x);
		break;
	case 'g':
		rv = alt ? fv_buf_printf(b, "%#.*g", prec, x)
		         : fv_buf_printf(b, "%.*g", prec, x);
		break;
	default:
		rv = alt ? fv_buf_printf(b, "%#.*G", prec, x)
		         : fv_buf_printf(b, "%.*G", prec, x);
		break;
	}
	return rv != 0 ? cfg_exp_toobig(c) : 0;
}

/*
 * cfg_exp_format is unicode_format_arg_format: the converted argument goes
 * into b. Python's fast paths, which write straight into the result, give
 * the same text as cfg_exp_output does, so they are not repeated here.
 */
static int
cfg_exp_format(struct cfg_exp_ctx *c, struct cfg_exp_arg *a, struct fv_buf *b)
{
	const struct cfg_expansion *v = NULL;
	uint32_t cp;
	int rv;

	if ((rv = cfg_exp_nextarg(c, &v)) != 0) {
		return rv;
	}
	switch (a->ch) {
	case 's':
	case 'r':
	case 'a':
		if (v == NULL) {
			/* Python would format the dict: see the top. */
			cfg_exp_unsupported(c, "format requires a mapping");
			return 0;
		}
		if (v->type == CFG_EXP_INT) {
			rv = fv_buf_printf(b, "%lld", v->i);
		} else if (a->ch == 's') {
			rv = fv_buf_puts(b, v->s);
		} else {
			rv = cfg_exp_repr(b, v->s, a->ch == 'a');
		}
		return rv != 0 ? cfg_exp_toobig(c) : 0;
	case 'i':
	case 'd':
	case 'u':
	case 'o':
	case 'x':
	case 'X':
		if (v == NULL || v->type != CFG_EXP_INT) {
			return cfg_exp_fail(c,
			    "%%%c format: %s is required, not %s", (char)a->ch,
			    a->ch == 'o' || a->ch == 'x' || a->ch == 'X'
			        ? "an integer"
			        : "a real number",
			    cfg_exp_typename(v));
		}
		a->sign = 1;
		return cfg_exp_int(
		    c, b, v->i, a->flags & CFG_EXP_F_ALT, a->prec, a->ch);
	case 'e':
	case 'E':
	case 'f':
	case 'F':
	case 'g':
	case 'G':
		if (v == NULL || v->type != CFG_EXP_INT) {
			return cfg_exp_fail(c, "must be real number, not %s",
			    cfg_exp_typename(v));
		}
		a->sign = 1;
		return cfg_exp_float(c, b, (double)v->i,
		    a->flags & CFG_EXP_F_ALT, a->prec, a->ch);
	case 'c':
		if (v == NULL) {
			return cfg_exp_fail(c, "%%c requires int or char");
		}
		if (v->type == CFG_EXP_STR) {
			size_t n = strlen(v->s);

			if (n == 0 || cfg_exp_u8len(v->s, n, &cp) != n) {
				return cfg_exp_fail(
				    c, "%%c requires int or char");
			}
			return fv_buf_append(b, v->s, n) != 0
			    ? cfg_exp_toobig(c)
			    : 0;
		}
		if (v->i < 0 || v->i > 0x10ffff) {
			return cfg_exp_fail(
			    c, "%%c arg not in range(0x110000)");
		}
		if (v->i == 0 || (v->i >= 0xd800 && v->i <= 0xdfff)) {
			/* Not reproduced: see the top. */
			cfg_exp_unsupported(c,
			    "%%c arg %lld is not a character of a C string",
			    v->i);
			return 0;
		}
		return cfg_exp_u8put(b, (uint32_t)v->i) != 0 ? cfg_exp_toobig(c)
		                                             : 0;
	default:
		return cfg_exp_fail(c,
		    "unsupported format character '%c' (0x%x) at index %lld",
		    a->ch >= 31 && a->ch <= 126 ? (char)a->ch : '?',
		    (unsigned int)a->ch, c->cpos - 1);
	}
}

/*
 * cfg_exp_output is unicode_format_arg_output: the converted text str
 * (slen bytes) is padded, signed and prefixed into the result. Where Python
 * indexes characters, the sign and prefix are ASCII, so character and byte
 * offsets agree up to the body.
 */
static int
cfg_exp_output(
    struct cfg_exp_ctx *c, struct cfg_exp_arg *a, const char *str, size_t slen)
{
	struct fv_buf *w = &c->out;
	bool prefix = (a->flags & CFG_EXP_F_ALT) &&
	    (a->ch == 'x' || a->ch == 'X' || a->ch == 'o');
	char fill = ' ', signchar = '\0';
	long long len = cfg_exp_nchars(str, slen);
	size_t pindex = 0, end;
	uint32_t cp;
	int rv = 0;

	if (a->sign && (a->flags & CFG_EXP_F_ZERO)) {
		fill = '0';
	}
	if ((a->width == -1 || a->width <= len) &&
	    (a->prec == -1 || a->prec >= len) &&
	    !(a->flags & (CFG_EXP_F_SIGN | CFG_EXP_F_BLANK))) {
		return fv_buf_append(w, str, slen) != 0 ? cfg_exp_toobig(c) : 0;
	}

	/* Truncate the string for "s", "r" and "a" to the precision. */
	if (a->ch == 's' || a->ch == 'r' || a->ch == 'a') {
		if (a->prec >= 0 && len > a->prec) {
			len = a->prec;
		}
	}

	if (a->sign) {
		if (slen > 0 && (str[0] == '-' || str[0] == '+')) {
			signchar = str[0];
			len--;
			pindex++;
		} else if (a->flags & CFG_EXP_F_SIGN) {
			signchar = '+';
		} else if (a->flags & CFG_EXP_F_BLANK) {
			signchar = ' ';
		} else {
			a->sign = 0;
		}
	}
	if (a->width < len) {
		a->width = len;
	}

	if (a->sign) {
		if (fill != ' ') {
			rv |= fv_buf_putc(w, signchar);
		}
		if (a->width > len) {
			a->width--;
		}
	}
	if (prefix) {
		if (fill != ' ') {
			rv |= fv_buf_append(w, str + pindex, 2);
			pindex += 2;
		}
		a->width -= 2;
		if (a->width < 0) {
			a->width = 0;
		}
		len -= 2;
	}

	if (a->width > len && !(a->flags & CFG_EXP_F_LJUST)) {
		rv |= cfg_exp_pad(w, fill, a->width - len);
		a->width = len;
	}

	if (fill == ' ') {
		if (a->sign) {
			rv |= fv_buf_putc(w, signchar);
		}
		if (prefix) {
			rv |= fv_buf_append(w, str + pindex, 2);
			pindex += 2;
		}
	}

	/* The body: len characters from pindex. */
	end = pindex;
	for (long long k = 0; k < len; k++) {
		end += cfg_exp_u8len(str + end, slen - end, &cp);
	}
	rv |= fv_buf_append(w, str + pindex, end - pindex);

	if (a->width > len) {
		rv |= cfg_exp_pad(w, ' ', a->width - len);
	}
	return rv != 0 ? cfg_exp_toobig(c) : 0;
}

/* cfg_exp_arg is unicode_format_arg: one "%..." after its '%'. */
static int
cfg_exp_arg(struct cfg_exp_ctx *c)
{
	struct cfg_exp_arg a;
	struct fv_buf str;
	int rv;

	a.ch = cfg_exp_peek(c);
	if (a.ch == '%') {
		cfg_exp_advance(c);
		c->cnt--;
		return fv_buf_putc(&c->out, '%') != 0 ? cfg_exp_toobig(c) : 0;
	}
	a.flags = 0;
	a.width = -1;
	a.prec = -1;
	a.sign = 0;

	if ((rv = cfg_exp_parse(c, &a)) != 0) {
		return rv;
	}
	fv_buf_init(&str, CFG_EXPAND_MAX);
	if ((rv = cfg_exp_format(c, &a, &str)) == 0) {
		rv = cfg_exp_output(c, &a, fv_buf_cstr(&str), str.len);
	}
	fv_buf_fini(&str);
	/*
	 * Python's closing "not all arguments converted" test cannot fire
	 * with a mapping: every conversion has used its argument by now.
	 */
	return rv;
}

/* cfg_exp_run is the main loop of PyUnicode_Format. */
static int
cfg_exp_run(struct cfg_exp_ctx *c)
{
	size_t start;
	int rv;

	while (--c->cnt >= 0) {
		if (cfg_exp_peek(c) != '%') {
			start = c->pos;
			cfg_exp_advance(c);
			while (c->cnt > 0 && cfg_exp_peek(c) != '%') {
				cfg_exp_advance(c);
				c->cnt--;
			}
			if (fv_buf_append(
			        &c->out, c->fmt + start, c->pos - start) != 0) {
				return cfg_exp_toobig(c);
			}
		} else {
			cfg_exp_advance(c);
			if ((rv = cfg_exp_arg(c)) != 0) {
				return rv;
			}
		}
	}
	if (c->unsupported[0] != '\0') {
		return cfg_exp_fail(c, "%s", c->unsupported);
	}
	return 0;
}

static int
cfg_exp_namecmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* cfg_exp_names appends the sorted, distinct names, ", "-joined. */
static void
cfg_exp_names(struct fv_buf *b, const struct cfg_expansions *ex)
{
	const char **names;
	size_t n = 0;

	if (ex->n == 0) {
		return;
	}
	names = fv_xreallocarray(NULL, ex->n, sizeof(*names));
	for (size_t i = 0; i < ex->n; i++) {
		names[i] = ex->v[i].name;
	}
	qsort(names, ex->n, sizeof(*names), cfg_exp_namecmp);
	for (size_t i = 0; i < ex->n; i++) {
		if (i > 0 && strcmp(names[i], names[i - 1]) == 0) {
			continue;
		}
		if (n++ > 0) {
			(void)fv_buf_puts(b, ", ");
		}
		(void)fv_buf_puts(b, names[i]);
	}
	free(names);
}

int
cfg_expand(const char *fmt, const struct cfg_expansions *ex, const char *what,
    char **out, struct fv_diag *d)
{
	struct cfg_exp_ctx c;
	struct fv_buf msg;
	char *key;
	int rv;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.fmt = fmt;
	c.fmtlen = strlen(fmt);
	c.cnt = cfg_exp_nchars(fmt, c.fmtlen);
	c.ex = ex;
	c.args = NULL;
	c.argidx = -2;
	fv_buf_init(&c.out, CFG_EXPAND_MAX);

	if ((rv = cfg_exp_run(&c)) == 0) {
		/* Results are option values kept for the daemon's lifetime:
		 * a copy at their length, not the buffer's growth steps. The
		 * result cannot hold a NUL (%c of 0 is refused). */
		*out = fv_xstrndup(fv_buf_cstr(&c.out), c.out.len);
		fv_buf_fini(&c.out);
		return 0;
	}
	fv_buf_fini(&c.out);

	/* The message only has to fill a struct fv_diag. */
	fv_buf_init(&msg, 4 * sizeof(d->msg));
	(void)fv_buf_puts(&msg, "Format string ");
	(void)cfg_exp_repr(&msg, fmt, false);
	(void)fv_buf_puts(&msg, " for ");
	(void)cfg_exp_repr(&msg, what, false);
	if (rv == CFG_EXP_EKEY) {
		/* str(KeyError(key)) is repr(key). */
		key = fv_xstrndup(c.key, c.keylen);
		(void)fv_buf_puts(&msg, " contains names (");
		(void)cfg_exp_repr(&msg, key, false);
		(void)fv_buf_puts(
		    &msg, ") which cannot be expanded. Available names: ");
		cfg_exp_names(&msg, ex);
		free(key);
	} else {
		(void)fv_buf_printf(&msg, " is badly formatted: %s", c.reason);
	}
	rv = fv_diagf(d, FV_EBADCONF, "%s", fv_buf_cstr(&msg));
	fv_buf_fini(&msg);
	return rv;
}
