/*
 * The XML-RPC writers. They produce, byte for byte, what Python's
 * xmlrpc.client.dumps produces for the same value (Supervisor 4.2.5 builds
 * every answer with it, and ngx_supervisord and other clients scan those
 * bytes by hand), and always well-formed XML 1.0 in UTF-8: the escaping
 * policy of xr_escape (xr_codec.h) is the one deliberate difference, for
 * the bytes 4.2.5 cannot send correctly.
 *
 * This module never allocates outside the caller's fv_buf, so the buffer's
 * cap bounds everything; on any error the buffer is put back as it was.
 * It never reads a value it does not own: the tree is borrowed.
 */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "proto/xmlrpc/xr_codec.h"
#include "proto/xmlrpc/xr_private.h"

/* The UTF-8 encoding of U+FFFD REPLACEMENT CHARACTER. */
#define XR_REPLACEMENT "\xef\xbf\xbd"

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
	while (i < n) {
		unsigned char c = s[i];

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
			} else if (c < 0x20 && c != '\t' && c != '\n') {
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
		if ((rv = fv_buf_append(b, s + run, i - run)) != 0 ||
		    (rv = fv_buf_puts(b, rep)) != 0) {
			return rv;
		}
		i += len;
		run = i;
	}
	return fv_buf_append(b, s + run, i - run);
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
		return fv_buf_printf(
		    b, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
	}
	if (decpt <= 0) {
		if ((rv = fv_buf_puts(b, "0.")) != 0) {
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
		return fv_buf_puts(b, ".0");
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

static int
xr_write_value(struct fv_buf *b, const struct xr_value *v, size_t depth)
{
	const struct xr_datetime *dt;
	int rv = 0;

	switch (v->type) {
	case XR_INT:
		return fv_buf_printf(
		    b, "<value><int>%ld</int></value>\n", (long)v->u.i);
	case XR_BOOL:
		return fv_buf_puts(b,
		    v->u.b ? "<value><boolean>1</boolean></value>\n"
		           : "<value><boolean>0</boolean></value>\n");
	case XR_DOUBLE:
		if (!isfinite(v->u.d)) {
			return FV_EPROTO;
		}
		if ((rv = fv_buf_puts(b, "<value><double>")) != 0 ||
		    (rv = xr_double_repr(b, v->u.d)) != 0) {
			return rv;
		}
		return fv_buf_puts(b, "</double></value>\n");
	case XR_STRING:
		if ((rv = fv_buf_puts(b, "<value><string>")) != 0 ||
		    (rv = xr_escape(b, v->u.bytes.p, v->u.bytes.n)) != 0) {
			return rv;
		}
		return fv_buf_puts(b, "</string></value>\n");
	case XR_DATETIME:
		dt = &v->u.dt;
		if (!xr_datetime_valid(dt)) {
			return FV_EPROTO;
		}
		return fv_buf_printf(b,
		    "<value><dateTime.iso8601>%04d%02d%02dT%02d:%02d:%02d"
		    "</dateTime.iso8601></value>\n",
		    dt->year, dt->month, dt->day, dt->hour, dt->minute,
		    dt->second);
	case XR_BASE64:
		if ((rv = fv_buf_puts(b, "<value><base64>\n")) != 0 ||
		    (rv = xr_base64_put(b, (const unsigned char *)v->u.bytes.p,
		         v->u.bytes.n)) != 0) {
			return rv;
		}
		return fv_buf_puts(b, "</base64></value>\n");
	case XR_ARRAY:
		if (depth >= XR_MAX_DEPTH_HARD) {
			return FV_ETOOBIG;
		}
		if ((rv = fv_buf_puts(b, "<value><array><data>\n")) != 0) {
			return rv;
		}
		for (size_t i = 0; i < v->u.arr.n; i++) {
			if ((rv = xr_write_value(
			         b, v->u.arr.v[i], depth + 1)) != 0) {
				return rv;
			}
		}
		return fv_buf_puts(b, "</data></array></value>\n");
	case XR_STRUCT:
		if (depth >= XR_MAX_DEPTH_HARD) {
			return FV_ETOOBIG;
		}
		if ((rv = fv_buf_puts(b, "<value><struct>\n")) != 0) {
			return rv;
		}
		for (size_t i = 0; i < v->u.st.n; i++) {
			const struct xr_member *m = &v->u.st.m[i];

			if ((rv = fv_buf_puts(b, "<member>\n<name>")) != 0 ||
			    (rv = xr_escape(b, m->name, strlen(m->name))) !=
			        0 ||
			    (rv = fv_buf_puts(b, "</name>\n")) != 0 ||
			    (rv = xr_write_value(b, m->value, depth + 1)) !=
			        0 ||
			    (rv = fv_buf_puts(b, "</member>\n")) != 0) {
				return rv;
			}
		}
		return fv_buf_puts(b, "</struct></value>\n");
	}
	return FV_EPROTO;
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

	return xr_write_undo(b, len, xr_write_value(b, v, 0));
}

int
xr_response_write(struct fv_buf *b, const struct xr_value *v)
{
	size_t len = b->len;
	int rv;

	if ((rv = fv_buf_puts(b,
	         "<?xml version='1.0'?>\n<methodResponse>\n<params>\n"
	         "<param>\n")) != 0 ||
	    (rv = xr_write_value(b, v, 0)) != 0 ||
	    (rv = fv_buf_puts(b, "</param>\n</params>\n</methodResponse>\n")) !=
	        0) {
		return xr_write_undo(b, len, rv);
	}
	return 0;
}

int
xr_fault_write(struct fv_buf *b, int32_t code, const char *msg)
{
	size_t len = b->len;
	int rv;

	/* Python dumps Fault as a struct {faultCode, faultString}. */
	if ((rv = fv_buf_printf(b,
	         "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n"
	         "<value><struct>\n<member>\n<name>faultCode</name>\n"
	         "<value><int>%ld</int></value>\n</member>\n<member>\n"
	         "<name>faultString</name>\n<value><string>",
	         (long)code)) != 0 ||
	    (rv = xr_escape(b, msg, strlen(msg))) != 0 ||
	    (rv = fv_buf_puts(b,
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
	if ((rv = fv_buf_puts(b,
	         "<?xml version='1.0'?>\n<methodCall>\n<methodName>")) != 0 ||
	    (rv = xr_escape(b, method, strlen(method))) != 0 ||
	    (rv = fv_buf_puts(b, "</methodName>\n<params>\n")) != 0) {
		return xr_write_undo(b, len, rv);
	}
	for (size_t i = 0; params != NULL && i < params->u.arr.n; i++) {
		if ((rv = fv_buf_puts(b, "<param>\n")) != 0 ||
		    (rv = xr_write_value(b, params->u.arr.v[i], 1)) != 0 ||
		    (rv = fv_buf_puts(b, "</param>\n")) != 0) {
			return xr_write_undo(b, len, rv);
		}
	}
	if ((rv = fv_buf_puts(b, "</params>\n</methodCall>\n")) != 0) {
		return xr_write_undo(b, len, rv);
	}
	return 0;
}
