/*
 * Answering an exchange: whole responses (Content-Length framed) and
 * streams (chunked on HTTP/1.1, to the close on 1.0), with the headers
 * 4.2.5's medusa sends. The head and the body go out in one uv_write, so a
 * big body is never copied: it is handed over and freed once written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/xalloc.h"
#include "http/http_internal.h"

const struct http_server_limits http_server_limits_default = {
	.req = { .max_request_line = 8 * 1024,
	    .max_header_bytes = 32 * 1024,
	    .max_headers = 100,
	    .max_body = 1024 * 1024 },
	.header_timeout_ms = 10 * 1000,
	.body_timeout_ms = 30 * 1000,
	.idle_timeout_ms = 60 * 1000,
	.write_stall_ms = 30 * 1000,
	.max_output = 8 * 1024 * 1024,
	.max_output_total = 256 * 1024 * 1024,
	.max_conns = 1024,
	.max_conns_per_peer = 256,
};

const struct http_request *
http_exchange_request(const struct http_exchange *ex)
{
	return http_req_get(ex->c->parser);
}

const char *
http_exchange_user(const struct http_exchange *ex)
{
	return ex->user;
}

void
http_add_header(struct http_exchange *ex, const char *name, const char *value)
{
	/* A value with a line break would split the response. */
	if (strpbrk(name, "\r\n:") != NULL || strpbrk(value, "\r\n") != NULL) {
		return;
	}
	fv_buf_printf(&ex->headers, "%s: %s\r\n", name, value);
}

static bool
http_is_head(const struct http_exchange *ex)
{
	const struct http_request *req = http_exchange_request(ex);

	return req != NULL && strcmp(req->method, "HEAD") == 0;
}

/*
 * http_date returns the Date header value for now, formatted once a
 * second: every answer carries it.
 */
static const char *
http_date(struct http_server *s, size_t *lenp)
{
	time_t now = time(NULL);

	if (now != s->date_t || s->date_len == 0) {
		struct tm tm;

		gmtime_r(&now, &tm);
		s->date_len = strftime(
		    s->date, sizeof(s->date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		s->date_t = now;
	}
	*lenp = s->date_len;
	return s->date;
}

/* http_put_uint appends the decimal digits of v. */
static void
http_put_uint(struct fv_buf *b, unsigned long long v)
{
	char d[24], *p = d + sizeof(d);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	fv_buf_append(b, p, (size_t)(d + sizeof(d) - p));
}

/*
 * http_head builds the status line and headers; clen < 0: no length. By
 * appends, not printf: it runs for every answer.
 */
static char *
http_head(struct http_exchange *ex, int status, const char *ctype,
    long long clen, bool chunked, bool keep, size_t *lenp)
{
	static const char server[] =
	    "\r\nServer: fleetvisord/" FV_VERSION "\r\nDate: ";
	const struct http_request *req = http_exchange_request(ex);
	struct fv_buf b;
	const char *date;
	size_t dlen;
	/* A request refused before it was whole has no version yet. */
	int major = req != NULL ? req->http_major : 1;
	int minor = req != NULL ? req->http_minor : 1;
	char ver[] = "HTTP/1.1 ";

	date = http_date(ex->c->srv, &dlen);
	fv_buf_init(&b, 64 * 1024);
	(void)fv_buf_reserve(&b, 256 + ex->headers.len);
	if (major >= 0 && major <= 9 && minor >= 0 && minor <= 9) {
		ver[5] = (char)('0' + major);
		ver[7] = (char)('0' + minor);
		fv_buf_append(&b, ver, sizeof(ver) - 1);
	} else {
		fv_buf_printf(&b, "HTTP/%d.%d ", major, minor);
	}
	http_put_uint(&b, (unsigned)status);
	fv_buf_putc(&b, ' ');
	fv_buf_puts(&b, http_status_reason(status));
	fv_buf_append(&b, server, sizeof(server) - 1);
	fv_buf_append(&b, date, dlen);
	fv_buf_append(&b, "\r\n", 2);
	if (!keep) {
		fv_buf_puts(&b, "Connection: close\r\n");
	} else if (minor == 0) {
		fv_buf_puts(&b, "Connection: Keep-Alive\r\n");
	}
	fv_buf_append(&b, ex->headers.data, ex->headers.len);
	if (ctype != NULL) {
		fv_buf_puts(&b, "Content-Type: ");
		fv_buf_puts(&b, ctype);
		fv_buf_append(&b, "\r\n", 2);
	}
	if (clen >= 0) {
		fv_buf_puts(&b, "Content-Length: ");
		http_put_uint(&b, (unsigned long long)clen);
		fv_buf_append(&b, "\r\n", 2);
	}
	if (chunked) {
		fv_buf_puts(&b, "Transfer-Encoding: chunked\r\n");
	}
	fv_buf_append(&b, "\r\n", 2);
	*lenp = b.len;
	return fv_buf_take(&b);
}

static bool
http_keep(const struct http_exchange *ex)
{
	const struct http_request *req = http_exchange_request(ex);

	return req != NULL && req->keep_alive && !ex->c->peer_eof;
}

/* http_send writes head and body (taken; storage of cap bytes, or 0 when
 * not to be recycled) and ends the exchange. */
static void
http_send(struct http_exchange *ex, int status, const char *ctype, char *body,
    size_t len, size_t cap, bool keep)
{
	struct http_conn *c = ex->c;
	char *bufs[2];
	size_t lens[2];
	size_t n = 1;

	/* The exchange is answered: whatever happens to the connection now
	 * is no longer its handler's business. */
	ex->abort_fn = NULL;
	bufs[0] =
	    http_head(ex, status, ctype, (long long)len, false, keep, &lens[0]);
	if (len > 0 && !http_is_head(ex)) {
		bufs[1] = body;
		lens[1] = len;
		n = 2;
	} else if (cap != 0) {
		http_server_recycle(c->srv, body, cap);
		cap = 0;
	} else {
		free(body);
	}
	http_conn_write(c, bufs, lens, n, n == 2 ? cap : 0);
	http_conn_finish(c, keep);
}

void
http_respond(struct http_exchange *ex, int status, const char *content_type,
    const void *body, size_t len)
{
	char *copy = fv_xmalloc(len + 1);

	memcpy(copy, body, len);
	http_send(ex, status, content_type, copy, len, 0, http_keep(ex));
}

void
http_exchange_body(struct http_exchange *ex, struct fv_buf *body, size_t max)
{
	struct http_server *s = ex->c->srv;
	struct http_spare sp;

	fv_buf_init(body, max);
	if (s->nspares == 0) {
		return;
	}
	/* The storage of an fv_buf is plain malloc'd memory of cap bytes,
	 * which is what fv_buf_take handed out for these. */
	sp = s->spares[--s->nspares];
	s->spare_bytes -= sp.cap;
	body->data = sp.p;
	body->cap = sp.cap;
	body->data[0] = '\0';
}

void
http_respond_take(struct http_exchange *ex, int status,
    const char *content_type, struct fv_buf *body)
{
	size_t len = body->len, cap = body->cap;

	http_send(ex, status, content_type, fv_buf_take(body), len, cap,
	    http_keep(ex));
}

void
http_respond_error(struct http_exchange *ex, int status, bool close)
{
	const char *reason = http_status_reason(status);
	char *body;

	/* The page medusa (and Python's BaseHTTPServer) answers with. */
	body = fv_xasprintf(
	    "<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n"
	    "<h1>Error response</h1>\r\n<p>Error code %d.\r\n"
	    "<p>Message: %s.\r\n</body>\r\n",
	    status, reason);
	http_send(ex, status, "text/html", body, strlen(body), 0,
	    !close && http_keep(ex));
}

void
http_stream_begin(
    struct http_exchange *ex, int status, const char *content_type)
{
	const struct http_request *req = http_exchange_request(ex);
	char *head;
	size_t len;

	ex->streaming = true;
	ex->chunked = req->http_minor >= 1;
	head = http_head(ex, status, content_type, -1, ex->chunked,
	    ex->chunked && http_keep(ex), &len);
	http_conn_write(ex->c, &head, &len, 1, 0);
}

int
http_stream_write(struct http_exchange *ex, const void *p, size_t n)
{
	struct http_conn *c = ex->c;
	char *b;
	size_t len;

	if (n == 0 || http_is_head(ex)) {
		return 0;
	}
	if (c->queued >= c->srv->lim.max_output) {
		return FV_ETOOBIG;
	}
	if (ex->chunked) {
		char sz[24];
		int k = snprintf(sz, sizeof(sz), "%zx\r\n", n);

		len = (size_t)k + n + 2;
		b = fv_xmalloc(len);
		memcpy(b, sz, (size_t)k);
		memcpy(b + k, p, n);
		memcpy(b + k + n, "\r\n", 2);
	} else {
		len = n;
		b = fv_xmalloc(n);
		memcpy(b, p, n);
	}
	http_conn_write(c, &b, &len, 1, 0);
	return 0;
}

void
http_stream_on_drain(struct http_exchange *ex, void (*fn)(void *), void *arg)
{
	ex->drain_fn = fn;
	ex->drain_arg = arg;
}

void
http_stream_end(struct http_exchange *ex)
{
	struct http_conn *c = ex->c;
	bool keep = ex->chunked && http_keep(ex);

	ex->abort_fn = NULL;
	if (ex->chunked && !http_is_head(ex)) {
		char *b = fv_xstrdup("0\r\n\r\n");
		size_t len = 5;

		http_conn_write(c, &b, &len, 1, 0);
	}
	http_conn_finish(c, keep);
}

void
http_exchange_on_abort(struct http_exchange *ex, void (*fn)(void *), void *arg)
{
	ex->abort_fn = fn;
	ex->abort_arg = arg;
}
