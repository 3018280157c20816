/*
 * HTTP/1.x response framing on http-parser 2.9.4, the client side of
 * fv_http. This module owns the bytes of one response at a time: the head
 * it stores, and the body unless a callback takes it. It must never store
 * more than struct http_resp_limits allows, whatever the server sends, and
 * it must never read a response two ways: Content-Length together with
 * Transfer-Encoding, and a Transfer-Encoding other than "chunked", are
 * refused, since our servers (fleetvisord, supervisord 4.2.5's medusa)
 * never send them. Everything http-parser itself accepts in a head (it is
 * lenient about line ends, as Python's http.client is) is accepted.
 *
 * The parser pauses after the head, so that a caller can act on the
 * status before any body byte is delivered, and after the response, so
 * that nothing of a following one is consumed.
 */
#include "proto/http/http_resp.h"

#include <http_parser.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/str.h"
#include "common/xalloc.h"

const struct http_resp_limits http_resp_limits_default = {
	.max_header_bytes = 64 * 1024,
	.max_headers = 100,
	.max_body = 64 * 1024 * 1024,
};

enum http_resp_phase {
	HTTP_RESP_PH_HEAD,
	HTTP_RESP_PH_BODY,
	HTTP_RESP_PH_DONE,
	HTTP_RESP_PH_FAILED,
};

enum http_resp_cur {
	HTTP_RESP_CUR_NONE,
	HTTP_RESP_CUR_FIELD,
	HTTP_RESP_CUR_VALUE,
};

struct http_resp_parser {
	http_parser hp;
	struct http_resp_limits lim;
	enum http_resp_phase phase;
	bool started;
	bool announce; /* return HTTP_RESP_HEADERS from this feed */
	int err;
	struct fv_diag diag;

	size_t head_raw; /* bytes given to http-parser before the body */
	enum http_resp_cur cur;
	struct fv_buf reason;
	struct fv_buf name, value; /* the header being read */
	struct http_header *hdrs;
	size_t nhdrs, hdrs_cap;
	struct fv_buf body;
	http_resp_body_fn body_fn;
	void *body_arg;
	struct http_response resp;
};

static int http_resp_fail(struct http_resp_parser *p, int err, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/* http_resp_fail records an error: the parser accepts nothing after it. */
static int
http_resp_fail(struct http_resp_parser *p, int err, const char *fmt, ...)
{
	va_list ap;

	if (p->phase == HTTP_RESP_PH_FAILED) {
		return p->err;
	}
	va_start(ap, fmt);
	vsnprintf(p->diag.msg, sizeof(p->diag.msg), fmt, ap);
	va_end(ap);
	p->phase = HTTP_RESP_PH_FAILED;
	p->err = err;
	return err;
}

/* http_resp_clear forgets the response parsed so far (after a 1xx). */
static void
http_resp_clear(struct http_resp_parser *p)
{
	for (size_t i = 0; i < p->nhdrs; i++) {
		free(p->hdrs[i].name);
		free(p->hdrs[i].value);
	}
	p->nhdrs = 0;
	p->cur = HTTP_RESP_CUR_NONE;
	fv_buf_reset(&p->reason);
	fv_buf_reset(&p->name);
	fv_buf_reset(&p->value);
	fv_buf_reset(&p->body);
	memset(&p->resp, 0, sizeof(p->resp));
}

/* http_resp_head_put stores n bytes of the head in b; http_resp_feed
 * never gives http-parser more head than the bound, so this cannot fail
 * but for a bug. */
static int
http_resp_head_put(
    struct http_resp_parser *p, struct fv_buf *b, const char *at, size_t n)
{
	if (fv_buf_append(b, at, n) != 0) {
		http_resp_fail(p, FV_ETOOBIG, "http: response head too long");
		return -1;
	}
	return 0;
}

/* http_resp_end_header moves the header read so far into the list. */
static void
http_resp_end_header(struct http_resp_parser *p)
{
	struct http_header *h;

	if (p->cur == HTTP_RESP_CUR_NONE) {
		return;
	}
	if (p->nhdrs == p->hdrs_cap) {
		p->hdrs_cap = p->hdrs_cap == 0 ? 8 : p->hdrs_cap * 2;
		p->hdrs = fv_xreallocarray(p->hdrs, p->hdrs_cap, sizeof(*h));
	}
	h = &p->hdrs[p->nhdrs++];
	h->name = fv_xstrdup(fv_buf_cstr(&p->name));
	h->value = fv_xstrdup(fv_buf_cstr(&p->value));
	fv_str_strip(h->value);
	fv_buf_reset(&p->name);
	fv_buf_reset(&p->value);
	p->cur = HTTP_RESP_CUR_NONE;
}

static int
http_resp_on_message_begin(http_parser *hp)
{
	struct http_resp_parser *p = hp->data;

	p->started = true;
	return 0;
}

static int
http_resp_on_status(http_parser *hp, const char *at, size_t len)
{
	struct http_resp_parser *p = hp->data;

	return http_resp_head_put(p, &p->reason, at, len);
}

static int
http_resp_on_header_field(http_parser *hp, const char *at, size_t len)
{
	struct http_resp_parser *p = hp->data;

	if (p->phase != HTTP_RESP_PH_HEAD) {
		return 0; /* a trailer: nobody reads them */
	}
	if (p->cur != HTTP_RESP_CUR_FIELD) {
		http_resp_end_header(p);
		p->cur = HTTP_RESP_CUR_FIELD;
	}
	return http_resp_head_put(p, &p->name, at, len);
}

static int
http_resp_on_header_value(http_parser *hp, const char *at, size_t len)
{
	struct http_resp_parser *p = hp->data;

	if (p->phase != HTTP_RESP_PH_HEAD) {
		return 0;
	}
	p->cur = HTTP_RESP_CUR_VALUE;
	return http_resp_head_put(p, &p->value, at, len);
}

/* http_resp_framing refuses what could be read two ways. */
static int
http_resp_framing(struct http_resp_parser *p)
{
	const char *te = NULL;
	size_t nte = 0, ncl = 0;

	for (size_t i = 0; i < p->nhdrs; i++) {
		if (fv_str_caseeq(p->hdrs[i].name, "content-length")) {
			ncl++;
		} else if (fv_str_caseeq(
		               p->hdrs[i].name, "transfer-encoding")) {
			te = p->hdrs[i].value;
			nte++;
		}
	}
	if (ncl > 1 || nte > 1 || (ncl > 0 && nte > 0)) {
		return http_resp_fail(p, FV_EPROTO,
		    "http: ambiguous response framing (Content-Length and "
		    "Transfer-Encoding)");
	}
	if (te != NULL && !fv_str_caseeq(te, "chunked")) {
		return http_resp_fail(p, FV_EPROTO,
		    "http: transfer coding \"%.64s\" not supported", te);
	}
	if ((te != NULL) != ((p->hp.flags & F_CHUNKED) != 0)) {
		return http_resp_fail(
		    p, FV_EPROTO, "http: ambiguous response framing");
	}
	return 0;
}

static int
http_resp_on_headers_complete(http_parser *hp)
{
	struct http_resp_parser *p = hp->data;

	http_resp_end_header(p);
	/* Counted here, not as they come, so that the verdict does not
	 * depend on where the bytes were split (the raw bound keeps the
	 * list small meanwhile). */
	if (p->nhdrs > p->lim.max_headers) {
		http_resp_fail(p, FV_ETOOBIG,
		    "http: more than %zu headers in a response",
		    p->lim.max_headers);
		return -1;
	}
	if (hp->http_major != 1 || hp->http_minor > 1) {
		http_resp_fail(p, FV_EPROTO, "http: HTTP version %u.%u",
		    hp->http_major, hp->http_minor);
		return -1;
	}
	if (hp->status_code == 101) {
		http_resp_fail(p, FV_EPROTO, "http: unexpected 101 response");
		return -1;
	}
	if (http_resp_framing(p) != 0) {
		return -1;
	}
	p->resp.status = hp->status_code;
	p->resp.reason = p->reason.data != NULL ? p->reason.data : "";
	p->resp.http_major = hp->http_major;
	p->resp.http_minor = hp->http_minor;
	p->resp.headers = p->hdrs;
	p->resp.nheaders = p->nhdrs;
	p->resp.body = "";
	if (hp->status_code / 100 == 1) {
		return 0; /* interim: http-parser completes it, no body */
	}
	if (p->body_fn == NULL && hp->content_length != UINT64_MAX &&
	    hp->content_length > p->lim.max_body) {
		http_resp_fail(p, FV_ETOOBIG,
		    "http: response body of %llu bytes over the %zu-byte "
		    "limit",
		    (unsigned long long)hp->content_length, p->lim.max_body);
		return -1;
	}
	p->phase = HTTP_RESP_PH_BODY;
	p->announce = true;
	http_parser_pause(hp, 1);
	return 0;
}

static int
http_resp_on_chunk_header(http_parser *hp)
{
	struct http_resp_parser *p = hp->data;

	if (p->body_fn == NULL &&
	    hp->content_length > p->lim.max_body - p->body.len) {
		http_resp_fail(p, FV_ETOOBIG,
		    "http: chunked response body over the %zu-byte limit",
		    p->lim.max_body);
		return -1;
	}
	return 0;
}

static int
http_resp_on_body(http_parser *hp, const char *at, size_t len)
{
	struct http_resp_parser *p = hp->data;

	/* An interim (1xx) response has no body (RFC 9110 15.2), whatever
	 * its Content-Length says: bytes http-parser counts as one are
	 * dropped, with or without a body callback. */
	if (hp->status_code / 100 == 1) {
		return 0;
	}
	if (p->body_fn != NULL) {
		p->body_fn(p->body_arg, at, len);
		return 0;
	}
	if (fv_buf_append(&p->body, at, len) != 0) {
		http_resp_fail(p, FV_ETOOBIG,
		    "http: response body over the %zu-byte limit",
		    p->lim.max_body);
		return -1;
	}
	return 0;
}

static int
http_resp_on_message_complete(http_parser *hp)
{
	struct http_resp_parser *p = hp->data;

	if (hp->status_code / 100 == 1) {
		/* 100 Continue and the like: the real answer follows. */
		http_resp_clear(p);
		return 0;
	}
	if (p->body.data != NULL) {
		p->resp.body = p->body.data;
		p->resp.body_len = p->body.len;
	}
	p->resp.keep_alive = http_should_keep_alive(hp) != 0;
	p->phase = HTTP_RESP_PH_DONE;
	http_parser_pause(hp, 1);
	return 0;
}

static const http_parser_settings http_resp_settings = {
	.on_message_begin = http_resp_on_message_begin,
	.on_status = http_resp_on_status,
	.on_header_field = http_resp_on_header_field,
	.on_header_value = http_resp_on_header_value,
	.on_headers_complete = http_resp_on_headers_complete,
	.on_body = http_resp_on_body,
	.on_message_complete = http_resp_on_message_complete,
	.on_chunk_header = http_resp_on_chunk_header,
};

struct http_resp_parser *
http_resp_parser_new(const struct http_resp_limits *lim)
{
	struct http_resp_parser *p = fv_xcalloc(1, sizeof(*p));

	p->lim = lim != NULL ? *lim : http_resp_limits_default;
	http_parser_init(&p->hp, HTTP_RESPONSE);
	p->hp.data = p;
	/* Each buffer is bounded by the head's own count; the caps here
	 * only keep a bug from growing one without end. */
	fv_buf_init(&p->reason, p->lim.max_header_bytes);
	fv_buf_init(&p->name, p->lim.max_header_bytes);
	fv_buf_init(&p->value, p->lim.max_header_bytes);
	fv_buf_init(&p->body, p->lim.max_body);
	p->phase = HTTP_RESP_PH_HEAD;
	return p;
}

void
http_resp_parser_free(struct http_resp_parser *p)
{
	if (p == NULL) {
		return;
	}
	http_resp_clear(p);
	free(p->hdrs);
	fv_buf_fini(&p->reason);
	fv_buf_fini(&p->name);
	fv_buf_fini(&p->value);
	fv_buf_fini(&p->body);
	free(p);
}

void
http_resp_set_body_cb(
    struct http_resp_parser *p, http_resp_body_fn fn, void *arg)
{
	p->body_fn = fn;
	p->body_arg = arg;
}

/* http_resp_exec runs http-parser on n bytes (n 0: the close) and turns
 * its verdict into ours. */
static int
http_resp_exec(
    struct http_resp_parser *p, const char *s, size_t n, size_t *consumed)
{
	enum http_errno e;

	*consumed = http_parser_execute(&p->hp, &http_resp_settings, s, n);
	e = HTTP_PARSER_ERRNO(&p->hp);
	if (e == HPE_PAUSED) {
		http_parser_pause(&p->hp, 0);
	} else if (e != HPE_OK && p->phase != HTTP_RESP_PH_FAILED) {
		http_resp_fail(p, FV_EPROTO, "http: %s",
		    n == 0 && e == HPE_INVALID_EOF_STATE
		        ? "connection closed inside the response"
		        : http_errno_description(e));
	}
	if (p->phase == HTTP_RESP_PH_FAILED) {
		return p->err;
	}
	if (p->announce) {
		p->announce = false;
		return HTTP_RESP_HEADERS;
	}
	return p->phase == HTTP_RESP_PH_DONE ? HTTP_RESP_DONE : HTTP_RESP_MORE;
}

int
http_resp_feed(struct http_resp_parser *p, const char *data, size_t len,
    size_t *consumed, struct fv_diag *d)
{
	int rv;

	*consumed = 0;
	if (p->phase == HTTP_RESP_PH_FAILED) {
		goto out_err;
	}
	if (p->phase == HTTP_RESP_PH_DONE) {
		return HTTP_RESP_DONE;
	}
	if (len == 0) {
		size_t ignored;

		if (!p->started) {
			http_resp_fail(p, FV_EPROTO,
			    "http: connection closed before a response");
			goto out_err;
		}
		rv = http_resp_exec(p, NULL, 0, &ignored);
		if (rv == HTTP_RESP_MORE) {
			/* http-parser says nothing when the close comes
			 * between two messages (after a 1xx, say). */
			rv = http_resp_fail(p, FV_EPROTO,
			    "http: connection closed inside the response");
		}
		if (rv < 0) {
			goto out_err;
		}
		return rv;
	}
	if (p->phase == HTTP_RESP_PH_HEAD) {
		/* The head's bound applies to the raw bytes, before
		 * http-parser sees them: whatever the split, the same byte
		 * is the first one refused. */
		size_t room = p->lim.max_header_bytes - p->head_raw;
		bool in_head;

		if (room == 0) {
			http_resp_fail(p, FV_ETOOBIG,
			    "http: response head longer than %zu bytes",
			    p->lim.max_header_bytes);
			goto out_err;
		}
		rv = http_resp_exec(p, data, len < room ? len : room, consumed);
		in_head =
		    p->phase == HTTP_RESP_PH_HEAD || rv == HTTP_RESP_HEADERS;
		if (in_head || p->phase == HTTP_RESP_PH_FAILED) {
			p->head_raw += *consumed;
		}
		if (rv == HTTP_RESP_MORE && *consumed < len &&
		    p->head_raw == p->lim.max_header_bytes) {
			http_resp_fail(p, FV_ETOOBIG,
			    "http: response head longer than %zu bytes",
			    p->lim.max_header_bytes);
			goto out_err;
		}
	} else {
		rv = http_resp_exec(p, data, len, consumed);
	}
	if (rv < 0) {
		goto out_err;
	}
	return rv;
out_err:
	if (d != NULL) {
		fv_diagf(d, p->err, "%s", p->diag.msg);
	}
	return p->err;
}

const struct http_response *
http_resp_get(const struct http_resp_parser *p)
{
	return &p->resp;
}

bool
http_resp_started(const struct http_resp_parser *p)
{
	return p->started;
}

const char *
http_resp_header(const struct http_response *r, const char *name)
{
	for (size_t i = 0; i < r->nheaders; i++) {
		if (fv_str_caseeq(r->headers[i].name, name)) {
			return r->headers[i].value;
		}
	}
	return NULL;
}
