/*
 * The XML-RPC writers. They produce, byte for byte, what Python's
 * xmlrpc.client.dumps produces for the same value (Supervisor 4.2.5 builds
 * every answer with it, and ngx_supervisord and other clients scan those
 * bytes by hand), and always well-formed XML 1.0 in UTF-8: the escaping
 * policy of xr_escape (xr_codec.h) is the one deliberate difference, for
 * the bytes 4.2.5 cannot send correctly.
 *
 * The writers never allocate outside the caller's fv_buf, so the buffer's
 * cap bounds everything; on any error the buffer is put back as it was.
 * They never change a value they are given: the tree is borrowed. A value
 * with an encoding memo attached (xr_memo_attach) is written as the memo's
 * bytes, which are its own encoding; xr_memo_new, here as it encodes,
 * allocates the memo it returns.
 */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/xalloc.h"
#include "proto/xmlrpc/xr_codec.h"
#include "proto/xmlrpc/xr_private.h"

/* The largest encoding an xr_memo keeps. */
#define XR_MEMO_MAX (1024 * 1024)

/* The UTF-8 encoding of U+FFFD REPLACEMENT CHARACTER. */
#define XR_REPLACEMENT "\xef\xbf\xbd"

/*
 * XR_PUT appends a string literal with its length known at compile time:
 * answers are mostly fixed markup, and strlen on each piece showed up in
 * profiles of getAllProcessInfo.
 */
#define XR_PUT(b, lit) xr_put((b), "" lit, sizeof(lit) - 1)

/*
 * xr_put is fv_buf_append inlined for the case where the bytes fit the
 * storage already there (always, once xr_size_hint has reserved it): an
 * answer is thousands of small pieces, and the call per piece showed.
 */
static inline int
xr_put(struct fv_buf *b, const void *p, size_t n)
{
	if (b->data != NULL && n < b->cap - b->len && n <= b->max - b->len) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return 0;
	}
	return fv_buf_append(b, p, n);
}

/*
 * xr_plain_byte[c] is 1 for a byte xr_escape copies unchanged: tab, LF
 * and 0x20..0x7f except '&', '<' and '>'. Everything else (other
 * controls, CR, and every byte from 0x80, left 0 here) takes the slow
 * path. A table, as it is read once per byte of every string and name.
 */
/* clang-format off */
static const unsigned char xr_plain_byte[256] = {
	/* 0x00 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0,
	/* 0x10 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x20 */ 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x30 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1,
	/* 0x40 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x50 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x60 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x70 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};
/* clang-format on */

/*
 * xr_plain8 tells whether all eight bytes at p are plain without tab or
 * LF, testing them at once (the SWAR tricks of "Bit Twiddling Hacks": a
 * byte below 0x20, at or above 0x80, or equal to '&', '<' or '>' sets
 * its top bit in the result, and none other does). A false answer only
 * sends these bytes down the byte-by-byte path.
 */
static inline bool
xr_plain8(const unsigned char *p)
{
	const uint64_t ones = 0x0101010101010101u;
	const uint64_t high = 0x8080808080808080u;
	uint64_t x, amp, lt, gt, ctl;

	memcpy(&x, p, sizeof(x));
	amp = x ^ (ones * '&');
	lt = x ^ (ones * '<');
	gt = x ^ (ones * '>');
	ctl = (x - ones * 0x20) & ~x;
	amp = (amp - ones) & ~amp;
	lt = (lt - ones) & ~lt;
	gt = (gt - ones) & ~gt;
	return ((x | ctl | amp | lt | gt) & high) == 0;
}

/*
 * xr_fmt_int writes the decimal form of i (as "%ld" would) so that it ends
 * at end, and returns where it starts; end needs 11 bytes before it.
 */
static char *
xr_fmt_int(char *end, int32_t i)
{
	/* Through unsigned, so INT32_MIN negates without overflow. */
	uint32_t u = i < 0 ? 0u - (uint32_t)i : (uint32_t)i;
	char *p = end;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (i < 0) {
		*--p = '-';
	}
	return p;
}

/* xr_fmt_02 writes v (0..99) as two digits at p. */
static void
xr_fmt_02(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

/*
 * xr_utf8_seq looks at the bytes at p (n > 0, p[0] >= 0x80) and returns
 * the length of a well-formed UTF-8 sequence there, with its code point in
 * *cp, or 0 and in *bad the length of the maximal ill-formed subpart to
 * replace (Unicode 3.9, Table 3-7; what Python's "replace" handler does).
 */
static size_t
xr_utf8_seq(const unsigned char *p, size_t n, uint32_t *cp, size_t *bad)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t len, i;
	uint32_t v;

	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1fu;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0fu;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07u;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else {
		*bad = 1;
		return 0;
	}
	for (i = 1; i < len; i++) {
		if (i >= n || p[i] < lo || p[i] > hi) {
			*bad = i;
			return 0;
		}
		v = (v << 6) | (p[i] & 0x3fu);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = v;
	return len;
}

int
xr_escape(struct fv_buf *b, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t run = 0, i = 0, len, bad;
	const char *rep;
	uint32_t cp;
	int rv;

	/* Copy runs of plain bytes at once; stop at anything to rewrite. */
	for (;;) {
		unsigned char c;
		size_t stop;

		/* The common case: names, paths, states, all plain ASCII,
		 * eight bytes at a time, then one by one up to eight more. */
		while (n - i >= 8 && xr_plain8(s + i)) {
			i += 8;
		}
		stop = n - i > 8 ? i + 8 : n;
		while (i < stop && xr_plain_byte[s[i]]) {
			i++;
		}
		if (i >= n) {
			break;
		}
		if (i == stop) {
			continue;
		}
		c = s[i];
		rep = NULL;
		len = 1;
		if (c < 0x80) {
			if (c == '&') {
				rep = "&amp;";
			} else if (c == '<') {
				rep = "&lt;";
			} else if (c == '>') {
				rep = "&gt;";
			} else if (c == '\r') {
				rep = "&#13;";
			} else if (c < 0x20) {
				rep = XR_REPLACEMENT;
			}
		} else if ((len = xr_utf8_seq(s + i, n - i, &cp, &bad)) == 0) {
			rep = XR_REPLACEMENT;
			len = bad;
		} else if (cp == 0xfffe || cp == 0xffff) {
			rep = XR_REPLACEMENT;
		}
		if (rep == NULL) {
			i += len;
			continue;
		}
		if ((rv = xr_put(b, s + run, i - run)) != 0 ||
		    (rv = xr_put(b, rep, strlen(rep))) != 0) {
			return rv;
		}
		i += len;
		run = i;
	}
	return xr_put(b, s + run, n - run);
}

/*
 * xr_double_reads_as tells whether nd digits with decimal exponent x (the
 * first digit's) read back as d. The text is built here with a '.', and
 * read in the C locale, whatever LC_NUMERIC says.
 */
static bool
xr_double_reads_as(
    double d, const char *digits, size_t nd, int x, locale_t c_loc)
{
	char text[48];

	snprintf(text, sizeof(text), "%c.%.*se%d", digits[0], (int)nd - 1,
	    digits + 1, x);
	return strtod_l(text, NULL, c_loc) == d;
}

/*
 * xr_double_digits finds the shortest decimal digits that read back as d
 * (finite, not negative), as Python's repr does: it returns their count,
 * stores them in digits (no sign, no point) and the decimal exponent of
 * the first one in *exp10; 0 if the C locale is not available.
 */
static size_t
xr_double_digits(double d, char digits[32], int *exp10)
{
	locale_t c_loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	char tmp[48], up[32];
	size_t nd = 0, k;

	if (c_loc == (locale_t)0) {
		return 0;
	}
	for (int prec = 1; prec <= 17; prec++) {
		/* "D[.DDD]e[+-]XX", with the locale's radix character. */
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
		nd = 0;
		for (const char *q = tmp; *q != '\0' && *q != 'e'; q++) {
			if (*q >= '0' && *q <= '9' && nd < 31) {
				digits[nd++] = *q;
			}
		}
		*exp10 = (int)strtol(strchr(tmp, 'e') + 1, NULL, 10);
		if (xr_double_reads_as(d, digits, nd, *exp10, c_loc)) {
			break;
		}
		/*
		 * At a power of two the interval that reads back as d is
		 * twice as wide above d as below, so the correctly rounded
		 * prec-digit string may miss while the next one up fits.
		 */
		memcpy(up, digits, nd);
		for (k = nd; k > 0 && up[k - 1] == '9'; k--) {
			up[k - 1] = '0';
		}
		if (k > 0) {
			up[k - 1]++;
		} else {
			up[0] = '1';
		}
		if (xr_double_reads_as(
		        d, up, nd, k > 0 ? *exp10 : *exp10 + 1, c_loc)) {
			memcpy(digits, up, nd);
			*exp10 = k > 0 ? *exp10 : *exp10 + 1;
			break;
		}
	}
	freelocale(c_loc);
	while (nd > 1 && digits[nd - 1] == '0') {
		nd--;
	}
	return nd;
}

/*
 * xr_double_repr formats a finite d as Python's repr(float) does: the
 * shortest round-tripping digits, positional for 1e-4 <= |d| < 1e16 (with
 * ".0" when integral), else "d.ddde+XX" with at least two exponent digits.
 */
static int
xr_double_repr(struct fv_buf *b, double d)
{
	char digits[32];
	int exp10, decpt, rv;
	size_t nd;

	if (signbit(d) && (rv = fv_buf_putc(b, '-')) != 0) {
		return rv;
	}
	if ((nd = xr_double_digits(fabs(d), digits, &exp10)) == 0) {
		return FV_EPROTO;
	}
	decpt = exp10 + 1;
	if (decpt <= -4 || decpt > 16) {
		int x = decpt - 1;

		if ((rv = fv_buf_putc(b, digits[0])) != 0) {
			return rv;
		}
		if (nd > 1 &&
		    ((rv = fv_buf_putc(b, '.')) != 0 ||
		        (rv = fv_buf_append(b, digits + 1, nd - 1)) != 0)) {
			return rv;
		}
		/* "e+XX" or "e-XXX": a double's exponent is below 400. */
		{
			char e[8];
			int ax = x < 0 ? -x : x;
			size_t k = 0;

			e[k++] = 'e';
			e[k++] = x < 0 ? '-' : '+';
			if (ax >= 100) {
				e[k++] = (char)('0' + ax / 100);
			}
			xr_fmt_02(e + k, ax % 100);
			return fv_buf_append(b, e, k + 2);
		}
	}
	if (decpt <= 0) {
		if ((rv = XR_PUT(b, "0.")) != 0) {
			return rv;
		}
		for (int k = decpt; k < 0; k++) {
			if ((rv = fv_buf_putc(b, '0')) != 0) {
				return rv;
			}
		}
		return fv_buf_append(b, digits, nd);
	}
	if ((size_t)decpt >= nd) {
		if ((rv = fv_buf_append(b, digits, nd)) != 0) {
			return rv;
		}
		for (size_t k = nd; k < (size_t)decpt; k++) {
			if ((rv = fv_buf_putc(b, '0')) != 0) {
				return rv;
			}
		}
		return XR_PUT(b, ".0");
	}
	if ((rv = fv_buf_append(b, digits, (size_t)decpt)) != 0 ||
	    (rv = fv_buf_putc(b, '.')) != 0) {
		return rv;
	}
	return fv_buf_append(b, digits + decpt, nd - (size_t)decpt);
}

/*
 * xr_base64_put writes p[0..n] as Python's base64.encodebytes does: lines
 * of at most 76 characters, each (the last one too) ending in "\n".
 */
static int
xr_base64_put(struct fv_buf *b, const unsigned char *p, size_t n)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char line[77];
	size_t i = 0;
	int rv;

	while (i < n) {
		size_t k = 0;

		/* 57 input bytes make one full 76-character line. */
		for (size_t stop = i + 57 < n ? i + 57 : n; i < stop; i += 3) {
			uint32_t w = (uint32_t)p[i] << 16;

			if (i + 1 < n) {
				w |= (uint32_t)p[i + 1] << 8;
			}
			if (i + 2 < n) {
				w |= p[i + 2];
			}
			line[k++] = abc[(w >> 18) & 63];
			line[k++] = abc[(w >> 12) & 63];
			line[k++] = i + 1 < n ? abc[(w >> 6) & 63] : '=';
			line[k++] = i + 2 < n ? abc[w & 63] : '=';
		}
		line[k++] = '\n';
		if ((rv = fv_buf_append(b, line, k)) != 0) {
			return rv;
		}
	}
	return 0;
}

/* xr_write_int writes an int value in one append, without printf. */
static int
xr_write_int(struct fv_buf *b, int32_t i)
{
	static const char head[] = "<value><int>", tail[] = "</int></value>\n";
	char text[sizeof(head) - 1 + 11 + sizeof(tail) - 1];
	char *end = text + sizeof(head) - 1 + 11;
	char *p = xr_fmt_int(end, i);

	p -= sizeof(head) - 1;
	memcpy(p, head, sizeof(head) - 1);
	memcpy(end, tail, sizeof(tail) - 1);
	return xr_put(b, p, (size_t)(end + sizeof(tail) - 1 - p));
}

/* xr_write_datetime writes YYYYMMDDTHH:MM:SS of a valid dt. */
static int
xr_write_datetime(struct fv_buf *b, const struct xr_datetime *dt)
{
	char t[17];
	int rv;

	xr_fmt_02(t, dt->year / 100);
	xr_fmt_02(t + 2, dt->year % 100);
	xr_fmt_02(t + 4, dt->month);
	xr_fmt_02(t + 6, dt->day);
	t[8] = 'T';
	xr_fmt_02(t + 9, dt->hour);
	t[11] = ':';
	xr_fmt_02(t + 12, dt->minute);
	t[14] = ':';
	xr_fmt_02(t + 15, dt->second);
	if ((rv = XR_PUT(b, "<value><dateTime.iso8601>")) != 0 ||
	    (rv = xr_put(b, t, sizeof(t))) != 0) {
		return rv;
	}
	return XR_PUT(b, "</dateTime.iso8601></value>\n");
}

static int
xr_write_value(struct fv_buf *b, const struct xr_value *v, size_t depth)
{
	int rv = 0;

	/* The same bytes, unless this deeper position would be refused. */
	if (v->memo != NULL && depth + v->memo->height <= XR_MAX_DEPTH_HARD) {
		return xr_put(b, v->memo->bytes, v->memo->len);
	}
	switch (v->type) {
	case XR_INT:
		return xr_write_int(b, v->u.i);
	case XR_BOOL:
		return v->u.b
		    ? XR_PUT(b, "<value><boolean>1</boolean></value>\n")
		    : XR_PUT(b, "<value><boolean>0</boolean></value>\n");
	case XR_DOUBLE:
		if (!isfinite(v->u.d)) {
			return FV_EPROTO;
		}
		if ((rv = XR_PUT(b, "<value><double>")) != 0 ||
		    (rv = xr_double_repr(b, v->u.d)) != 0) {
			return rv;
		}
		return XR_PUT(b, "</double></value>\n");
	case XR_STRING:
		if ((rv = XR_PUT(b, "<value><string>")) != 0 ||
		    (rv = xr_escape(b, v->u.bytes.p, v->u.bytes.n)) != 0) {
			return rv;
		}
		return XR_PUT(b, "</string></value>\n");
	case XR_DATETIME:
		if (!xr_datetime_valid(&v->u.dt)) {
			return FV_EPROTO;
		}
		return xr_write_datetime(b, &v->u.dt);
	case XR_BASE64:
		if ((rv = XR_PUT(b, "<value><base64>\n")) != 0 ||
		    (rv = xr_base64_put(b, (const unsigned char *)v->u.bytes.p,
		         v->u.bytes.n)) != 0) {
			return rv;
		}
		return XR_PUT(b, "</base64></value>\n");
	case XR_ARRAY:
		if (depth >= XR_MAX_DEPTH_HARD) {
			return FV_ETOOBIG;
		}
		if ((rv = XR_PUT(b, "<value><array><data>\n")) != 0) {
			return rv;
		}
		for (size_t i = 0; i < v->u.arr.n; i++) {
			if ((rv = xr_write_value(
			         b, v->u.arr.v[i], depth + 1)) != 0) {
				return rv;
			}
		}
		return XR_PUT(b, "</data></array></value>\n");
	case XR_STRUCT:
		if (depth >= XR_MAX_DEPTH_HARD) {
			return FV_ETOOBIG;
		}
		if ((rv = XR_PUT(b, "<value><struct>\n")) != 0) {
			return rv;
		}
		for (size_t i = 0; i < v->u.st.n; i++) {
			const struct xr_member *m = &v->u.st.m[i];

			if ((rv = XR_PUT(b, "<member>\n<name>")) != 0 ||
			    (rv = xr_escape(b, m->name, strlen(m->name))) !=
			        0 ||
			    (rv = XR_PUT(b, "</name>\n")) != 0 ||
			    (rv = xr_write_value(b, m->value, depth + 1)) !=
			        0 ||
			    (rv = XR_PUT(b, "</member>\n")) != 0) {
				return rv;
			}
		}
		return XR_PUT(b, "</struct></value>\n");
	}
	return FV_EPROTO;
}

/*
 * xr_size_hint estimates the bytes xr_write_value writes for v (exact but
 * for escapes and number widths), so the writer can grow its buffer once
 * rather than a dozen times, each a copy of all written so far.
 */
static size_t
xr_size_hint(const struct xr_value *v, size_t depth)
{
	size_t n = 0;

	if (v->memo != NULL) {
		return v->memo->len;
	}
	switch (v->type) {
	case XR_INT:
		return 38;
	case XR_BOOL:
		return 36;
	case XR_DOUBLE:
		return 60;
	case XR_STRING:
		return 33 + v->u.bytes.n;
	case XR_DATETIME:
		return 72;
	case XR_BASE64:
		return 36 + (v->u.bytes.n + 2) / 3 * 4 + v->u.bytes.n / 57 + 1;
	case XR_ARRAY:
		/* Deeper trees are refused by the writer anyway. */
		for (size_t i = 0; depth < XR_MAX_DEPTH_HARD && i < v->u.arr.n;
		     i++) {
			n += xr_size_hint(v->u.arr.v[i], depth + 1);
		}
		return 45 + n;
	case XR_STRUCT:
		for (size_t i = 0; depth < XR_MAX_DEPTH_HARD && i < v->u.st.n;
		     i++) {
			n += 33 + strlen(v->u.st.m[i].name) +
			    xr_size_hint(v->u.st.m[i].value, depth + 1);
		}
		return 34 + n;
	}
	return 0;
}

/*
 * xr_write_reserve grows b once for v plus extra bytes of markup. Only a
 * hint: past the cap it reserves nothing and the writer stops at the cap.
 */
static void
xr_write_reserve(struct fv_buf *b, const struct xr_value *v, size_t extra)
{
	size_t n = xr_size_hint(v, 0) + extra;

	if (n <= b->max - b->len) {
		(void)fv_buf_reserve(b, n);
	}
}

/* xr_write_undo puts b back to len bytes after a failed write; returns rv. */
static int
xr_write_undo(struct fv_buf *b, size_t len, int rv)
{
	if (rv != 0) {
		b->len = len;
		if (b->data != NULL) {
			b->data[len] = '\0';
		}
	}
	return rv;
}

int
xr_value_write(struct fv_buf *b, const struct xr_value *v)
{
	size_t len = b->len;

	xr_write_reserve(b, v, 0);
	return xr_write_undo(b, len, xr_write_value(b, v, 0));
}

/* xr_height counts the nested containers of v, within the writer's limit. */
static size_t
xr_height(const struct xr_value *v, size_t depth)
{
	size_t h = 0, k;

	if (depth >= XR_MAX_DEPTH_HARD) {
		return 0;
	}
	if (v->type == XR_ARRAY) {
		for (size_t i = 0; i < v->u.arr.n; i++) {
			k = xr_height(v->u.arr.v[i], depth + 1);
			h = k > h ? k : h;
		}
		return h + 1;
	}
	if (v->type == XR_STRUCT) {
		for (size_t i = 0; i < v->u.st.n; i++) {
			k = xr_height(v->u.st.m[i].value, depth + 1);
			h = k > h ? k : h;
		}
		return h + 1;
	}
	return 0;
}

struct xr_memo *
xr_memo_new(const struct xr_value *v)
{
	struct xr_memo *m;
	struct fv_buf b;

	fv_buf_init(&b, XR_MEMO_MAX);
	if (xr_value_write(&b, v) != 0) {
		fv_buf_fini(&b);
		return NULL;
	}
	m = fv_xmalloc(sizeof(*m) + b.len + 1);
	m->refs = 1;
	m->value = xr_value_dup(v);
	m->height = xr_height(v, 0);
	m->len = b.len;
	memcpy(m->bytes, b.data, b.len);
	m->bytes[b.len] = '\0';
	fv_buf_fini(&b);
	return m;
}

int
xr_response_write(struct fv_buf *b, const struct xr_value *v)
{
	size_t len = b->len;
	int rv;

	xr_write_reserve(b, v, 100);
	if ((rv = XR_PUT(b,
	         "<?xml version='1.0'?>\n<methodResponse>\n<params>\n"
	         "<param>\n")) != 0 ||
	    (rv = xr_write_value(b, v, 0)) != 0 ||
	    (rv = XR_PUT(b, "</param>\n</params>\n</methodResponse>\n")) != 0) {
		return xr_write_undo(b, len, rv);
	}
	return 0;
}

int
xr_fault_write(struct fv_buf *b, int32_t code, const char *msg)
{
	size_t len = b->len;
	int rv;

	char num[11];
	char *start = xr_fmt_int(num + sizeof(num), code);

	/* Python dumps Fault as a struct {faultCode, faultString}. */
	if ((rv = XR_PUT(b,
	         "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n"
	         "<value><struct>\n<member>\n<name>faultCode</name>\n"
	         "<value><int>")) != 0 ||
	    (rv = fv_buf_append(
	         b, start, (size_t)(num + sizeof(num) - start))) != 0 ||
	    (rv = XR_PUT(b,
	         "</int></value>\n</member>\n<member>\n"
	         "<name>faultString</name>\n<value><string>")) != 0 ||
	    (rv = xr_escape(b, msg, strlen(msg))) != 0 ||
	    (rv = XR_PUT(b,
	         "</string></value>\n</member>\n</struct></value>\n"
	         "</fault>\n</methodResponse>\n")) != 0) {
		return xr_write_undo(b, len, rv);
	}
	return 0;
}

int
xr_request_write(
    struct fv_buf *b, const char *method, const struct xr_value *params)
{
	size_t len = b->len;
	int rv;

	if (params != NULL && params->type != XR_ARRAY) {
		return FV_EPROTO;
	}
	/* Python does not escape the method name; we do (same bytes for any
	 * real name, well-formed for any other). */
	if ((rv = XR_PUT(b,
	         "<?xml version='1.0'?>\n<methodCall>\n<methodName>")) != 0 ||
	    (rv = xr_escape(b, method, strlen(method))) != 0 ||
	    (rv = XR_PUT(b, "</methodName>\n<params>\n")) != 0) {
		return xr_write_undo(b, len, rv);
	}
	for (size_t i = 0; params != NULL && i < params->u.arr.n; i++) {
		if ((rv = XR_PUT(b, "<param>\n")) != 0 ||
		    (rv = xr_write_value(b, params->u.arr.v[i], 1)) != 0 ||
		    (rv = XR_PUT(b, "</param>\n")) != 0) {
			return xr_write_undo(b, len, rv);
		}
	}
	if ((rv = XR_PUT(b, "</params>\n</methodCall>\n")) != 0) {
		return xr_write_undo(b, len, rv);
	}
	return 0;
}
