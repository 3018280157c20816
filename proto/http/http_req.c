/*
 * HTTP/1.x request framing on http-parser 2.9.4 (RELIABILITY C3). This
 * module owns the bytes of one request at a time: it hands out a request
 * only when its framing is unambiguous, and it never consumes a byte of
 * the request after it until the caller has released the current one.
 * It must never buffer more than struct http_limits allows, whatever a
 * peer sends, and it must never guess where a request ends.
 *
 * http-parser as Debian builds it is lenient (no HTTP_PARSER_STRICT): it
 * takes bare LF line ends, obs-fold, "Name : value", and any two bytes
 * between a chunk's data and the next chunk-size line. So every byte of
 * the head goes through our own line scanner BEFORE http-parser sees it
 * (limits, line ends, header names), and every byte of chunked framing
 * through a second scanner as soon as http-parser has split it from the
 * data. http-parser judges the tokens (method, version, digits, hex);
 * the scanners judge the lines. The scanner runs ahead only to a point
 * where a decision is due (end of the request line, end of the head), so
 * that feeding one byte at a time gives the same answers as feeding
 * everything at once.
 *
 * Decisions the RFCs leave open, taken here:
 * - absolute-form targets ("http://host/RPC2") are accepted and their
 *   path is used (RFC 7230 5.3.2: a server MUST accept them); only the
 *   http and https schemes, and the authority is not compared with Host;
 * - a fragment ('#') in the target, "*" with another method than OPTIONS,
 *   and CONNECT (501: we are no proxy) are refused;
 * - two Host headers are refused (400); a missing Host is accepted, as
 *   Supervisor 4.2.5 does, since it says nothing about framing;
 * - "Expect: 100-continue" sets expect_continue (HTTP/1.1 only, RFC 7231
 *   5.1.1); any other expectation gets 417;
 * - Transfer-Encoding must be exactly "chunked", once, in HTTP/1.1: a
 *   list ending in chunked ("gzip, chunked") is a coding we do not
 *   implement (501), anything else is unreadable framing (400);
 * - trailer fields after a chunked body are refused (400): no client of
 *   ours sends them, and discarding them would be one more guess;
 * - a peer that closes between requests is not an error (HTTP_REQ_MORE),
 *   one that closes inside a request is (400);
 * - http_req_next in the middle of a request (after HTTP_REQ_HEADERS,
 *   say) does not resync: the parser fails with FV_ESTATE, because the
 *   unread rest would be read as a request;
 * - the path is decoded once, "%2F" and "%00" included: callers match it
 *   against names and never map it onto the file system.
 */
#include "proto/http/http_req.h"

#include <http_parser.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/str.h"
#include "common/xalloc.h"

const struct http_limits http_limits_default = {
	.max_request_line = 8192,
	.max_header_bytes = 32768,
	.max_headers = 100,
	.max_body = 1048576,
};

/* Storage kept between the requests of a connection, so that a
 * keep-alive client costs no allocation per request; a body buffer
 * above HTTP_REQ_BODY_KEEP is released instead, so an idle connection
 * does not hold a large body's memory. */
#define HTTP_REQ_ARENA_FIRST 1024
#define HTTP_REQ_BODY_FIRST  (64 * 1024)
#define HTTP_REQ_BODY_KEEP   (64 * 1024)

enum http_req_phase {
	HTTP_PH_HEAD, /* request line and headers */
	HTTP_PH_BODY, /* headers done, body under way */
	HTTP_PH_DONE, /* a request waits for http_req_next */
	HTTP_PH_FAILED, /* an error was returned; nothing more */
};

/* Where the head scanner stopped. */
enum http_req_scan {
	HTTP_SCAN_MORE, /* all bytes are fine so far */
	HTTP_SCAN_ERR, /* a bad byte: p holds the error */
	HTTP_SCAN_RLINE, /* the request line just ended */
	HTTP_SCAN_END, /* the head just ended */
};

/* What the arena holds last, so that the next piece knows whether it
 * continues it or starts a new string. */
enum http_req_cur {
	HTTP_CUR_NONE,
	HTTP_CUR_URL,
	HTTP_CUR_FIELD,
	HTTP_CUR_VALUE,
};

/* A header while the arena may still move: offsets, not pointers. */
struct http_req_hdr {
	size_t name;
	size_t value;
};

struct http_req_parser {
	http_parser hp;
	struct http_limits lim;
	enum http_req_phase phase;
	bool announce; /* return HTTP_REQ_HEADERS at the end of this feed */
	bool have_req; /* req is filled in (headers at least) */
	int status; /* the HTTP status answering the error */
	int err;
	struct fv_diag diag;

	/* Head scanner. */
	size_t line_len; /* bytes of the current line, line end excluded */
	size_t blank_bytes; /* empty lines before the request line */
	size_t hdr_bytes; /* header lines so far, their CRLFs included */
	size_t nlines; /* header lines begun */
	bool prev_cr;
	bool in_rline; /* still before the end of the request line */
	bool colon; /* the current header line has its colon */

	/* Chunked framing scanner. */
	bool chunked;
	bool f_failed;
	const char *mark; /* first byte of framing not yet scanned */
	size_t f_line_len;
	bool f_prev_cr;
	bool f_need_crlf; /* chunk data ended: CRLF must follow */

	/* The request being built. */
	struct fv_buf arena; /* every string of the request, NUL-separated */
	enum http_req_cur cur;
	size_t target_off, target_len;
	struct http_req_hdr *offs;
	struct http_header *hdrs;
	size_t nhdrs, hdrs_cap;
	struct fv_buf body;
	struct http_request req;
};

static int http_req_fail(struct http_req_parser *p, int status, int err,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* http_req_fail records an error: the parser accepts nothing after it. */
static int
http_req_fail(
    struct http_req_parser *p, int status, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->diag.msg, sizeof(p->diag.msg), fmt, ap);
	va_end(ap);
	p->phase = HTTP_PH_FAILED;
	p->status = status;
	p->err = err;
	return err;
}

/* http_req_tchar: RFC 7230 tchar, what a method or header name is made
 * of. */
static bool
http_req_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9')) {
		return true;
	}
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* http_req_presize gives b room for n bytes at once, so that a size we
 * already know does not cost a realloc per doubling. Bounded by b->max,
 * which the caller has checked n against. */
static void
http_req_presize(struct fv_buf *b, size_t n)
{
	if (n > b->max || n + 1 <= b->cap) {
		return;
	}
	b->data = fv_xrealloc(b->data, n + 1);
	b->cap = n + 1;
	b->data[b->len] = '\0';
}

/* http_req_sat_add adds without wrapping around. */
static size_t
http_req_sat_add(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* ---- The head scanner ---- */

/*
 * http_req_scan_head checks up to n bytes of the head and returns how
 * many may go to http-parser. It stops after the LF that ends the
 * request line or the head, and before a bad byte (p then holds the
 * error, which an earlier error found by http-parser in the bytes before
 * replaces).
 */
static size_t
http_req_scan_head(struct http_req_parser *p, const char *s, size_t n,
    enum http_req_scan *stop)
{
	*stop = HTTP_SCAN_ERR;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (p->prev_cr) {
			if (c != '\n') {
				http_req_fail(p, 400, FV_EPROTO,
				    "http: CR not followed by LF");
				return i;
			}
			p->prev_cr = false;
			if (p->in_rline) {
				/* RFC 7230 3.5: empty lines before a request
				 * are skipped (http-parser does too). */
				if (p->line_len == 0) {
					continue;
				}
				p->in_rline = false;
				p->line_len = 0;
				*stop = HTTP_SCAN_RLINE;
				return i + 1;
			}
			if (p->line_len == 0) {
				*stop = HTTP_SCAN_END;
				return i + 1;
			}
			if (p->hdr_bytes >= p->lim.max_header_bytes) {
				goto too_big;
			}
			p->hdr_bytes++;
			if (!p->colon) {
				http_req_fail(p, 400, FV_EPROTO,
				    "http: header line without a colon");
				return i;
			}
			p->line_len = 0;
			p->colon = false;
			continue;
		}
		if (c == '\n') {
			http_req_fail(p, 400, FV_EPROTO,
			    "http: bare LF line end in the head");
			return i;
		}
		if (c == '\0') {
			http_req_fail(
			    p, 400, FV_EPROTO, "http: NUL byte in the head");
			return i;
		}
		if (p->in_rline) {
			if (c == '\r') {
				if (p->line_len == 0 &&
				    ++p->blank_bytes >
				        p->lim.max_request_line) {
					http_req_fail(p, 400, FV_EPROTO,
					    "http: too many empty lines "
					    "before the request");
					return i;
				}
				p->prev_cr = true;
				continue;
			}
			if (p->line_len >= p->lim.max_request_line) {
				http_req_fail(p, 414, FV_ETOOBIG,
				    "http: request line longer than %zu bytes",
				    p->lim.max_request_line);
				return i;
			}
			p->line_len++;
			continue;
		}
		if (c == '\r') {
			if (p->line_len > 0) {
				if (p->hdr_bytes >= p->lim.max_header_bytes) {
					goto too_big;
				}
				p->hdr_bytes++;
			}
			p->prev_cr = true;
			continue;
		}
		if (p->line_len == 0) {
			if (c == ' ' || c == '\t') {
				http_req_fail(p, 400, FV_EPROTO,
				    "http: obsolete line folding in a header");
				return i;
			}
			if (p->nlines >= p->lim.max_headers) {
				http_req_fail(p, 431, FV_ETOOBIG,
				    "http: more than %zu headers",
				    p->lim.max_headers);
				return i;
			}
			p->nlines++;
		}
		if (p->hdr_bytes >= p->lim.max_header_bytes) {
			goto too_big;
		}
		p->hdr_bytes++;
		if (!p->colon) {
			if (c == ':') {
				if (p->line_len == 0) {
					http_req_fail(p, 400, FV_EPROTO,
					    "http: header with an empty name");
					return i;
				}
				p->colon = true;
			} else if (!http_req_tchar(c)) {
				http_req_fail(p, 400, FV_EPROTO,
				    "http: byte 0x%02x in a header name", c);
				return i;
			}
		}
		p->line_len++;
		continue;
	too_big:
		http_req_fail(p, 431, FV_ETOOBIG,
		    "http: header block longer than %zu bytes",
		    p->lim.max_header_bytes);
		return i;
	}
	*stop = HTTP_SCAN_MORE;
	return n;
}

/* ---- The chunked framing scanner ---- */

/*
 * http_req_scan_frame checks the framing bytes of a chunked body that
 * http-parser has consumed: chunk-size lines, the CRLF after each chunk's
 * data, the last chunk and the empty line that ends the body. Every line
 * ends in CRLF, holds no NUL, does not start with a blank, and is at most
 * max_request_line bytes long (chunk extensions are not bounded
 * otherwise).
 */
static int
http_req_scan_frame(struct http_req_parser *p, const char *s, size_t n)
{
	if (p->f_failed) {
		return p->err;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (p->f_prev_cr) {
			if (c != '\n') {
				goto bad;
			}
			p->f_prev_cr = false;
			p->f_line_len = 0;
			p->f_need_crlf = false;
			continue;
		}
		if (c == '\r') {
			p->f_prev_cr = true;
			continue;
		}
		if (c == '\n' || c == '\0' || p->f_need_crlf ||
		    (p->f_line_len == 0 && (c == ' ' || c == '\t'))) {
			goto bad;
		}
		if (++p->f_line_len > p->lim.max_request_line) {
			p->f_failed = true;
			return http_req_fail(p, 400, FV_EPROTO,
			    "http: chunk line longer than %zu bytes",
			    p->lim.max_request_line);
		}
	}
	return 0;
bad:
	p->f_failed = true;
	return http_req_fail(p, 400, FV_EPROTO,
	    "http: malformed chunked framing (byte 0x%02x)",
	    (unsigned char)s[0]);
}

/* ---- http-parser callbacks ---- */

static int
http_req_arena_put(struct http_req_parser *p, const char *at, size_t len)
{
	if (fv_buf_append(&p->arena, at, len) != 0) {
		/* The scanner bounds what comes here, and the arena's cap
		 * leaves room for the NULs: a failure is a bug, refused. */
		http_req_fail(p, 431, FV_ETOOBIG, "http: request too large");
		return -1;
	}
	return 0;
}

/* http_req_close ends the string the arena holds last. */
static int
http_req_close(struct http_req_parser *p)
{
	return http_req_arena_put(p, "", 1);
}

static int
http_req_on_url(http_parser *hp, const char *at, size_t len)
{
	struct http_req_parser *p = hp->data;

	if (p->cur != HTTP_CUR_URL) {
		p->cur = HTTP_CUR_URL;
		p->target_off = p->arena.len;
	}
	p->target_len += len;
	return http_req_arena_put(p, at, len);
}

static int
http_req_on_header_field(http_parser *hp, const char *at, size_t len)
{
	struct http_req_parser *p = hp->data;

	if (p->have_req) {
		http_req_fail(
		    p, 400, FV_EPROTO, "http: trailer fields are refused");
		return -1;
	}
	if (p->cur != HTTP_CUR_FIELD) {
		if (http_req_close(p) != 0) {
			return -1;
		}
		if (p->nhdrs >= p->lim.max_headers) {
			http_req_fail(p, 431, FV_ETOOBIG,
			    "http: more than %zu headers", p->lim.max_headers);
			return -1;
		}
		if (p->nhdrs == p->hdrs_cap) {
			p->hdrs_cap = p->hdrs_cap == 0 ? 16 : p->hdrs_cap * 2;
			p->offs = fv_xreallocarray(
			    p->offs, p->hdrs_cap, sizeof(*p->offs));
			p->hdrs = fv_xreallocarray(
			    p->hdrs, p->hdrs_cap, sizeof(*p->hdrs));
		}
		p->offs[p->nhdrs].name = p->arena.len;
		p->offs[p->nhdrs].value = SIZE_MAX;
		p->nhdrs++;
		p->cur = HTTP_CUR_FIELD;
	}
	return http_req_arena_put(p, at, len);
}

static int
http_req_on_header_value(http_parser *hp, const char *at, size_t len)
{
	struct http_req_parser *p = hp->data;

	if (p->have_req) {
		http_req_fail(
		    p, 400, FV_EPROTO, "http: trailer fields are refused");
		return -1;
	}
	if (p->cur != HTTP_CUR_VALUE) {
		if (p->nhdrs == 0 || http_req_close(p) != 0) {
			return -1;
		}
		p->offs[p->nhdrs - 1].value = p->arena.len;
		p->cur = HTTP_CUR_VALUE;
	}
	return http_req_arena_put(p, at, len);
}

static int
http_pct_hexval(char c)
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

int
http_pct_decode(const char *s, size_t n)
{
	int hi, lo;

	if (n < 3 || s[0] != '%' || (hi = http_pct_hexval(s[1])) < 0 ||
	    (lo = http_pct_hexval(s[2])) < 0) {
		return -1;
	}
	return hi << 4 | lo;
}

/*
 * http_req_arena_copy appends the bytes of the arena's [off, off + n),
 * percent-decoded when decode is set. The arena may move while it grows,
 * so the source is read through its offset, a slice at a time.
 */
static int
http_req_arena_copy(
    struct http_req_parser *p, size_t off, size_t n, bool decode)
{
	char tmp[256];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		const char *s = p->arena.data + off;
		char c = s[i];

		if (decode && c == '%') {
			int b = http_pct_decode(s + i, n - i);

			if (b < 0) {
				http_req_fail(p, 400, FV_EPROTO,
				    "http: bad percent-escape in the path");
				return -1;
			}
			c = (char)b;
			i += 2;
		}
		tmp[k++] = c;
		if (k == sizeof(tmp)) {
			if (http_req_arena_put(p, tmp, k) != 0) {
				return -1;
			}
			k = 0;
		}
	}
	return http_req_arena_put(p, tmp, k);
}

/*
 * http_req_target splits the target into path and query, appends the
 * decoded path and the query to the arena and sets *path_off, *path_len
 * and *query_off. Origin-form ("/a?b"), absolute-form with an http or
 * https scheme ("http://host/a?b", whose empty path means "/") and
 * OPTIONS' asterisk-form are taken; anything else is a 400.
 */
static int
http_req_target(struct http_req_parser *p, size_t *path_off, size_t *path_len,
    size_t *query_off)
{
	const char *t = p->arena.data + p->target_off;
	size_t n = p->target_len, start = 0, q, k;

	if (n == 0 || memchr(t, '#', n) != NULL) {
		http_req_fail(p, 400, FV_EPROTO,
		    "http: empty target or a fragment in it");
		return -1;
	}
	if (n == 1 && t[0] == '*') {
		if (p->hp.method != HTTP_OPTIONS) {
			http_req_fail(p, 400, FV_EPROTO,
			    "http: target \"*\" is for OPTIONS only");
			return -1;
		}
	} else if (t[0] != '/') {
		if (n > 7 && strncasecmp(t, "http://", 7) == 0) {
			start = 7;
		} else if (n > 8 && strncasecmp(t, "https://", 8) == 0) {
			start = 8;
		} else {
			http_req_fail(p, 400, FV_EPROTO,
			    "http: target is neither a path nor an http URL");
			return -1;
		}
		k = start;
		while (k < n && t[k] != '/' && t[k] != '?') {
			k++;
		}
		if (k == start) {
			http_req_fail(
			    p, 400, FV_EPROTO, "http: URL without a host");
			return -1;
		}
		start = k;
	}
	for (q = start; q < n && t[q] != '?'; q++) {
	}

	*path_off = p->arena.len;
	if (q == start) {
		if (http_req_arena_put(p, "/", 1) != 0) {
			return -1;
		}
	} else if (http_req_arena_copy(
	               p, p->target_off + start, q - start, true) != 0) {
		return -1;
	}
	*path_len = p->arena.len - *path_off;
	if (http_req_close(p) != 0) {
		return -1;
	}
	*query_off = p->arena.len;
	if (q < n &&
	    http_req_arena_copy(p, p->target_off + q + 1, n - q - 1, false) !=
	        0) {
		return -1;
	}
	return http_req_close(p);
}

/* http_req_blank: optional whitespace around a header value. */
static bool
http_req_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* http_req_fixup turns the arena's offsets into the request's pointers;
 * the arena does not move after this. Header values lose the blanks
 * around them. */
static void
http_req_fixup(struct http_req_parser *p, size_t method_off, size_t path_off,
    size_t path_len, size_t query_off)
{
	char *base = p->arena.data;
	struct http_request *r = &p->req;

	r->method = base + method_off;
	r->target = base + p->target_off;
	r->path = base + path_off;
	r->path_len = path_len;
	r->query = base + query_off;
	r->http_major = p->hp.http_major;
	r->http_minor = p->hp.http_minor;
	for (size_t i = 0; i < p->nhdrs; i++) {
		char *v = base + p->offs[i].value;
		size_t vn = strlen(v);

		while (vn > 0 && http_req_blank(v[vn - 1])) {
			v[--vn] = '\0';
		}
		while (http_req_blank(*v)) {
			v++;
		}
		p->hdrs[i].name = base + p->offs[i].name;
		p->hdrs[i].value = v;
	}
	r->headers = p->hdrs;
	r->nheaders = p->nhdrs;
	/* The empty string after the query serves until a body arrives. */
	r->body = base + p->arena.len - 1;
	r->body_len = 0;
	p->have_req = true;
}

/* http_req_digits parses a Content-Length: plain digits, no overflow. */
static bool
http_req_digits(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0') {
		return false;
	}
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10) {
			return false;
		}
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

/* http_req_ends_chunked: the last coding of a Transfer-Encoding list is
 * "chunked". */
static bool
http_req_ends_chunked(const char *v)
{
	const char *c = strrchr(v, ',');

	c = c == NULL ? v : c + 1;
	while (http_req_blank(*c)) {
		c++;
	}
	return fv_str_caseeq(c, "chunked");
}

/*
 * http_req_framing decides how the body is framed from the headers, and
 * cross-checks the decision with http-parser's own, so that the two
 * never read one request two ways. Sets *cl (UINT64_MAX: none).
 */
static int
http_req_framing(struct http_req_parser *p, uint64_t *cl)
{
	const struct http_request *r = &p->req;
	const char *te = NULL, *len = NULL;
	size_t nte = 0, ncl = 0, nhost = 0;

	for (size_t i = 0; i < r->nheaders; i++) {
		const char *name = r->headers[i].name;

		if (fv_str_caseeq(name, "content-length")) {
			len = r->headers[i].value;
			ncl++;
		} else if (fv_str_caseeq(name, "transfer-encoding")) {
			te = r->headers[i].value;
			nte++;
		} else if (fv_str_caseeq(name, "host")) {
			nhost++;
		}
	}
	if (ncl > 1 || nte > 1 || nhost > 1) {
		return http_req_fail(p, 400, FV_EPROTO,
		    "http: repeated Content-Length, Transfer-Encoding or "
		    "Host");
	}
	if (ncl > 0 && nte > 0) {
		return http_req_fail(p, 400, FV_EPROTO,
		    "http: both Content-Length and Transfer-Encoding");
	}
	*cl = UINT64_MAX;
	if (len != NULL && !http_req_digits(len, cl)) {
		return http_req_fail(
		    p, 400, FV_EPROTO, "http: bad Content-Length");
	}
	if (te != NULL) {
		if (r->http_minor == 0) {
			return http_req_fail(p, 400, FV_EPROTO,
			    "http: Transfer-Encoding in HTTP/1.0");
		}
		if (!fv_str_caseeq(te, "chunked")) {
			if (http_req_ends_chunked(te)) {
				return http_req_fail(p, 501, FV_EPROTO,
				    "http: transfer coding not implemented");
			}
			return http_req_fail(p, 400, FV_EPROTO,
			    "http: Transfer-Encoding does not end in "
			    "chunked");
		}
	}
	p->chunked = te != NULL;
	if (p->chunked != ((p->hp.flags & F_CHUNKED) != 0) ||
	    (len != NULL && *cl != p->hp.content_length) ||
	    (len == NULL && !p->chunked &&
	        p->hp.content_length != UINT64_MAX)) {
		return http_req_fail(
		    p, 400, FV_EPROTO, "http: ambiguous message framing");
	}
	return 0;
}

/* http_req_expect reads Expect (RFC 7231 5.1.1): 100-continue means
 * something in HTTP/1.1 only, any other expectation is refused. */
static int
http_req_expect(struct http_req_parser *p)
{
	const struct http_request *r = &p->req;

	for (size_t i = 0; i < r->nheaders; i++) {
		if (!fv_str_caseeq(r->headers[i].name, "expect")) {
			continue;
		}
		if (!fv_str_caseeq(r->headers[i].value, "100-continue")) {
			return http_req_fail(
			    p, 417, FV_EPROTO, "http: unsupported expectation");
		}
		p->req.expect_continue = r->http_minor == 1;
	}
	return 0;
}

/* http_req_version_ok: HTTP/1.0 and HTTP/1.1 only; 0.9 and 2.0 get 505. */
static bool
http_req_version_ok(const struct http_req_parser *p)
{
	return p->hp.http_major == 1 &&
	    (p->hp.http_minor == 0 || p->hp.http_minor == 1);
}

static int
http_req_on_headers_complete(http_parser *hp)
{
	struct http_req_parser *p = hp->data;
	size_t method_off, path_off, path_len, query_off;
	uint64_t cl = UINT64_MAX; /* set by http_req_framing */

	if (p->cur != HTTP_CUR_URL && p->cur != HTTP_CUR_FIELD &&
	    p->cur != HTTP_CUR_VALUE) {
		http_req_fail(p, 400, FV_EPROTO, "http: no request target");
		return -1;
	}
	if (p->cur == HTTP_CUR_FIELD) {
		/* A header with an empty value: http-parser gave none. */
		if (http_req_close(p) != 0) {
			return -1;
		}
		p->offs[p->nhdrs - 1].value = p->arena.len;
	}
	if (http_req_close(p) != 0) {
		return -1;
	}
	p->cur = HTTP_CUR_NONE;
	if (!http_req_version_ok(p)) {
		http_req_fail(p, 505, FV_EPROTO,
		    "http: HTTP version %u.%u not supported", hp->http_major,
		    hp->http_minor);
		return -1;
	}
	if (hp->method == HTTP_CONNECT) {
		http_req_fail(p, 501, FV_EPROTO, "http: CONNECT refused");
		return -1;
	}
	method_off = p->arena.len;
	if (http_req_arena_put(p, http_method_str(hp->method),
	        strlen(http_method_str(hp->method))) != 0 ||
	    http_req_close(p) != 0) {
		return -1;
	}
	if (http_req_target(p, &path_off, &path_len, &query_off) != 0) {
		return -1;
	}
	http_req_fixup(p, method_off, path_off, path_len, query_off);
	if (http_req_framing(p, &cl) != 0 || http_req_expect(p) != 0) {
		return -1;
	}
	if (cl != UINT64_MAX && cl > p->lim.max_body) {
		http_req_fail(p, 413, FV_ETOOBIG,
		    "http: Content-Length %llu over the %zu-byte limit",
		    (unsigned long long)cl, p->lim.max_body);
		return -1;
	}
	p->req.keep_alive = http_should_keep_alive(hp) != 0;
	if (p->chunked || (cl != UINT64_MAX && cl > 0)) {
		if (!p->chunked) {
			http_req_presize(&p->body,
			    cl < HTTP_REQ_BODY_FIRST ? (size_t)cl
			                             : HTTP_REQ_BODY_FIRST);
		}
		/* The CR of the head's last line end has been scanned;
		 * its LF is the first byte http-parser reads next. */
		p->f_prev_cr = true;
		p->phase = HTTP_PH_BODY;
		p->announce = true;
		http_parser_pause(hp, 1);
	}
	return 0;
}

static int
http_req_on_body(http_parser *hp, const char *at, size_t len)
{
	struct http_req_parser *p = hp->data;

	if (p->chunked) {
		if (http_req_scan_frame(p, p->mark, (size_t)(at - p->mark)) !=
		    0) {
			return -1;
		}
		p->mark = at + len;
		p->f_need_crlf = true;
	}
	if (fv_buf_append(&p->body, at, len) != 0) {
		http_req_fail(p, 413, FV_ETOOBIG,
		    "http: body over the %zu-byte limit", p->lim.max_body);
		return -1;
	}
	return 0;
}

static int
http_req_on_chunk_header(http_parser *hp)
{
	struct http_req_parser *p = hp->data;

	if (hp->content_length > p->lim.max_body - p->body.len) {
		http_req_fail(p, 413, FV_ETOOBIG,
		    "http: chunked body over the %zu-byte limit",
		    p->lim.max_body);
		return -1;
	}
	return 0;
}

static int
http_req_on_message_complete(http_parser *hp)
{
	struct http_req_parser *p = hp->data;

	if (!p->have_req) {
		http_req_fail(p, 400, FV_EPROTO, "http: request without head");
		return -1;
	}
	if (p->body.data != NULL) {
		p->req.body = p->body.data;
		p->req.body_len = p->body.len;
	}
	p->phase = HTTP_PH_DONE;
	http_parser_pause(hp, 1);
	return 0;
}

static const http_parser_settings http_req_settings = {
	.on_url = http_req_on_url,
	.on_header_field = http_req_on_header_field,
	.on_header_value = http_req_on_header_value,
	.on_headers_complete = http_req_on_headers_complete,
	.on_body = http_req_on_body,
	.on_message_complete = http_req_on_message_complete,
	.on_chunk_header = http_req_on_chunk_header,
};

/* ---- Driving http-parser ---- */

/* http_req_hp_status maps an http-parser error to a status. */
static int
http_req_hp_status(enum http_errno e)
{
	switch (e) {
	case HPE_INVALID_METHOD:
		return 501;
	case HPE_HEADER_OVERFLOW:
		return 431;
	default:
		return 400;
	}
}

/*
 * http_req_exec runs http-parser over n bytes and returns how many it
 * consumed. Errors land in p. The framing bytes of a chunked body that
 * it consumed are scanned afterwards: they lie before whatever
 * http-parser stopped at, so their error comes first.
 */
static size_t
http_req_exec(struct http_req_parser *p, const char *s, size_t n)
{
	bool framed = p->chunked && p->phase == HTTP_PH_BODY;
	enum http_errno e;
	size_t c;

	p->mark = s;
	c = http_parser_execute(&p->hp, &http_req_settings, s, n);
	e = HTTP_PARSER_ERRNO(&p->hp);
	if (e == HPE_PAUSED) {
		/* Our own stop (headers or message done): p->phase says
		 * which; the next execute goes on from there. */
		http_parser_pause(&p->hp, 0);
		e = HPE_OK;
	}
	if (framed && p->mark <= s + c &&
	    http_req_scan_frame(p, p->mark, (size_t)(s + c - p->mark)) != 0) {
		return c;
	}
	if (e != HPE_OK &&
	    (e < HPE_CB_message_begin || e > HPE_CB_chunk_complete)) {
		http_req_fail(p, http_req_hp_status(e),
		    e == HPE_HEADER_OVERFLOW ? FV_ETOOBIG : FV_EPROTO,
		    "http: %s", http_errno_description(e));
	}
	return c;
}

/* http_req_error returns the recorded error, its detail copied to d. */
static int
http_req_error(const struct http_req_parser *p, struct fv_diag *d)
{
	if (d != NULL) {
		memcpy(d->msg, p->diag.msg, sizeof(d->msg));
	}
	return p->err;
}

static void
http_req_reset(struct http_req_parser *p)
{
	http_parser_init(&p->hp, HTTP_REQUEST);
	p->hp.data = p;
	p->phase = HTTP_PH_HEAD;
	p->announce = false;
	p->have_req = false;
	p->line_len = p->blank_bytes = p->hdr_bytes = p->nlines = 0;
	p->prev_cr = false;
	p->in_rline = true;
	p->colon = false;
	p->chunked = p->f_failed = p->f_prev_cr = p->f_need_crlf = false;
	p->mark = NULL;
	p->f_line_len = 0;
	fv_buf_reset(&p->arena);
	p->cur = HTTP_CUR_NONE;
	p->target_off = p->target_len = 0;
	p->nhdrs = 0;
	if (p->body.cap > HTTP_REQ_BODY_KEEP) {
		fv_buf_fini(&p->body);
	} else {
		fv_buf_reset(&p->body);
	}
	memset(&p->req, 0, sizeof(p->req));
}

struct http_req_parser *
http_req_parser_new(const struct http_limits *lim)
{
	struct http_req_parser *p = fv_xcalloc(1, sizeof(*p));
	size_t amax;

	p->lim = lim != NULL ? *lim : http_limits_default;
	/* The arena holds the target twice (as sent, decoded), the header
	 * lines, two NULs per header and the method. */
	amax =
	    http_req_sat_add(p->lim.max_request_line, p->lim.max_request_line);
	amax = http_req_sat_add(amax, p->lim.max_header_bytes);
	amax = http_req_sat_add(amax, p->lim.max_headers);
	amax = http_req_sat_add(amax, p->lim.max_headers);
	amax = http_req_sat_add(amax, 64);
	fv_buf_init(&p->arena, amax);
	fv_buf_init(&p->body, p->lim.max_body);
	http_req_presize(&p->arena, HTTP_REQ_ARENA_FIRST);
	http_req_reset(p);
	return p;
}

void
http_req_parser_free(struct http_req_parser *p)
{
	if (p == NULL) {
		return;
	}
	fv_buf_fini(&p->arena);
	fv_buf_fini(&p->body);
	free(p->offs);
	free(p->hdrs);
	free(p);
}

/* http_req_eof: the peer closed. Between requests that ends the
 * connection quietly; inside one it leaves the request unfinished. */
static int
http_req_eof(struct http_req_parser *p, struct fv_diag *d)
{
	if (p->phase == HTTP_PH_HEAD && p->in_rline && p->line_len == 0) {
		return HTTP_REQ_MORE;
	}
	http_req_fail(
	    p, 400, FV_EPROTO, "http: connection closed inside a request");
	return http_req_error(p, d);
}

int
http_req_feed(struct http_req_parser *p, const char *data, size_t len,
    size_t *consumed, struct fv_diag *d)
{
	enum http_req_scan stop;
	size_t off = 0, n, c;

	*consumed = 0;
	if (p->phase == HTTP_PH_FAILED) {
		return http_req_error(p, d);
	}
	if (p->phase == HTTP_PH_DONE) {
		return HTTP_REQ_DONE;
	}
	if (len == 0) {
		return http_req_eof(p, d);
	}
	while (off < len && p->phase != HTTP_PH_FAILED) {
		if (p->phase != HTTP_PH_HEAD) {
			c = http_req_exec(p, data + off, len - off);
			off += c;
			if (c == 0 && p->phase == HTTP_PH_BODY &&
			    !p->announce) {
				http_req_fail(p, 400, FV_EPROTO,
				    "http: http-parser made no progress");
			}
		} else {
			n = http_req_scan_head(p, data + off, len - off, &stop);
			c = n > 0 ? http_req_exec(p, data + off, n) : 0;
			off += c;
			if (p->phase == HTTP_PH_FAILED) {
				break;
			}
			/* Only our pauses stop http-parser short of what the
			 * scanner passed; rescanning would count bytes twice.
			 */
			if (c != n && p->phase == HTTP_PH_HEAD) {
				http_req_fail(p, 400, FV_EPROTO,
				    "http: http-parser stopped early");
				break;
			}
			if (stop == HTTP_SCAN_RLINE &&
			    !http_req_version_ok(p)) {
				http_req_fail(p, 505, FV_EPROTO,
				    "http: HTTP version %u.%u not supported",
				    p->hp.http_major, p->hp.http_minor);
				break;
			}
			if (stop == HTTP_SCAN_END && p->phase == HTTP_PH_HEAD) {
				http_req_fail(p, 400, FV_EPROTO,
				    "http: head ended, http-parser disagrees");
				break;
			}
		}
		if (p->phase == HTTP_PH_DONE || p->announce) {
			break;
		}
	}
	*consumed = off;
	if (p->phase == HTTP_PH_FAILED) {
		return http_req_error(p, d);
	}
	if (p->phase == HTTP_PH_DONE) {
		p->announce = false;
		return HTTP_REQ_DONE;
	}
	if (p->announce) {
		p->announce = false;
		return HTTP_REQ_HEADERS;
	}
	return HTTP_REQ_MORE;
}

int
http_req_status(const struct http_req_parser *p)
{
	return p->phase == HTTP_PH_FAILED ? p->status : 0;
}

const struct http_request *
http_req_get(const struct http_req_parser *p)
{
	return p->have_req && p->phase != HTTP_PH_FAILED ? &p->req : NULL;
}

/*
 * A caller that gives up on a request before its end (answering 401 to
 * the headers, say) must close the connection: the unread body would
 * otherwise be read as the next request. So next() then refuses
 * instead of resetting.
 */
void
http_req_next(struct http_req_parser *p)
{
	if (p->phase == HTTP_PH_DONE ||
	    (p->phase == HTTP_PH_HEAD && p->in_rline && p->line_len == 0)) {
		http_req_reset(p);
	} else if (p->phase != HTTP_PH_FAILED) {
		http_req_fail(p, 400, FV_ESTATE,
		    "http: request abandoned before its end");
	}
}

const char *
http_header_get(const struct http_request *r, const char *name)
{
	for (size_t i = 0; i < r->nheaders; i++) {
		if (fv_str_caseeq(r->headers[i].name, name)) {
			return r->headers[i].value;
		}
	}
	return NULL;
}
