/*
 * One HTTP connection: bytes in, requests out one at a time, responses
 * queued in order, deadlines. A connection holds at most one exchange;
 * while it is being answered, later pipelined bytes wait in a small
 * buffer and reading stops when that fills, so a client cannot make us
 * hold more than a bounded amount whatever it sends. The peer's pace is
 * bounded by the deadlines of struct http_server_limits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xalloc.h"
#include "http/http_internal.h"
#include "log/mainlog.h"

/* Pipelined bytes read ahead while an exchange is answered. */
#define HTTP_CONN_READAHEAD (64 * 1024)
/* The input buffer's cap: read-ahead plus one read (the buffer is
 * compacted before each read, so what is kept never exceeds it). */
#define HTTP_CONN_IN_MAX (HTTP_CONN_READAHEAD + 64 * 1024)

struct http_out {
	uv_write_t req;
	struct http_conn *c;
	char *bufs[4];
	size_t n;
	size_t len;
	size_t last_cap; /* bufs[n - 1] may be recycled: see http_conn_write */
};

static void http_conn_process(struct http_conn *c);
static void http_conn_release(
    struct http_server *s, char **bufs, size_t n, size_t last_cap);
static void http_conn_arm(struct http_conn *c);
static void http_conn_start_reading(struct http_conn *c);
static void http_conn_on_timer(uv_timer_t *t);
static void http_conn_stop_reading(struct http_conn *c);

static uint64_t
http_conn_now(const struct http_conn *c)
{
	return uv_now(c->srv->loop);
}

static void
http_conn_on_closed(uv_handle_t *h)
{
	struct http_conn *c = h->data;
	struct http_server *s = c->srv;

	if (--c->open_handles > 0) {
		return;
	}
	http_req_parser_free(c->parser);
	fv_buf_fini(&c->in);
	free(c);
	http_server_handle_closed(s);
}

/* http_conn_abort ends the exchange without an answer: its handler is
 * told through the abort callback and must forget it. */
static void
http_conn_abort(struct http_conn *c)
{
	struct http_exchange *ex = c->ex;

	if (ex == NULL) {
		return;
	}
	c->ex = NULL;
	if (ex->abort_fn != NULL) {
		ex->abort_fn(ex->abort_arg);
	}
	fv_buf_fini(&ex->headers);
	free(ex);
}

void
http_conn_close(struct http_conn *c)
{
	struct http_server *s = c->srv;

	if (c->closing) {
		return;
	}
	c->closing = true;
	http_conn_abort(c);
	if (c->prev != NULL) {
		c->prev->next = c->next;
	} else {
		s->conns = c->next;
	}
	if (c->next != NULL) {
		c->next->prev = c->prev;
	}
	s->nconns--;
	uv_close(&c->h.handle, http_conn_on_closed);
	uv_close((uv_handle_t *)&c->timer, http_conn_on_closed);
}

static void
http_conn_on_written(uv_write_t *req, int status)
{
	struct http_out *o = req->data;
	struct http_conn *c = o->c;
	struct http_server *s = c->srv;

	http_conn_release(s, o->bufs, o->n, o->last_cap);
	c->queued -= o->len;
	s->queued_total -= o->len;
	free(o);
	if (s->starved_any && s->queued_total <= s->lim.max_output_total) {
		http_server_feed_starved(s);
	}
	if (c->closing) {
		return;
	}
	if (status < 0) {
		http_conn_close(c); /* the peer is gone: EPIPE, ECONNRESET */
		return;
	}
	c->active_ms = c->write_ms = http_conn_now(c);
	if (c->queued > 0) {
		http_conn_arm(c);
		return;
	}
	if (c->close_after) {
		http_conn_close(c);
		return;
	}
	if (c->ex != NULL && c->ex->drain_fn != NULL) {
		void (*fn)(void *) = c->ex->drain_fn;

		c->ex->drain_fn = NULL;
		fn(c->ex->drain_arg);
		return;
	}
	if (c->ex == NULL) {
		http_conn_process(c); /* pipelined requests held back */
	}
	if (!c->closing) {
		http_conn_arm(c);
	}
}

/* http_conn_release frees (or recycles, see http_conn_write) what o held. */
static void
http_conn_release(struct http_server *s, char **bufs, size_t n, size_t last_cap)
{
	for (size_t i = 0; i < n; i++) {
		if (i + 1 == n && last_cap != 0) {
			http_server_recycle(s, bufs[i], last_cap);
		} else {
			free(bufs[i]);
		}
	}
}

/*
 * http_conn_try_write writes what it can of ub at once and returns how
 * many bytes that was (0 when nothing could go). Only when nothing is
 * queued (so order holds) and no stream is being answered (its writer
 * waits for a drain callback that only a queued write makes). Most
 * answers go whole this way, without a write request, its callback on a
 * later loop pass and libuv's POLLOUT bookkeeping (an epoll_ctl each).
 */
static size_t
http_conn_try_write(struct http_conn *c, const uv_buf_t *ub, size_t n)
{
	int rv;

	if (c->queued > 0 || (c->ex != NULL && c->ex->streaming)) {
		return 0;
	}
	rv = uv_try_write(&c->h.stream, ub, (unsigned)n);
	if (rv <= 0) {
		return 0; /* UV_EAGAIN, or an error uv_write will meet too */
	}
	c->active_ms = c->write_ms = http_conn_now(c);
	return (size_t)rv;
}

void
http_conn_write(struct http_conn *c, char **bufs, const size_t *lens, size_t n,
    size_t last_cap)
{
	struct http_out *o;
	uv_buf_t ub[4];
	size_t total = 0, done, k = 0;
	int rv;

	if (n > 4) {
		abort(); /* a programming error: a head and a body at most */
	}
	if (c->closing || c->broken) {
		http_conn_release(c->srv, bufs, n, 0);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		ub[i] = uv_buf_init(bufs[i], (unsigned)lens[i]);
		total += lens[i];
	}
	done = http_conn_try_write(c, ub, n);
	if (done == total) {
		http_conn_release(c->srv, bufs, n, last_cap);
		return;
	}
	o = fv_xcalloc(1, sizeof(*o));
	o->c = c;
	o->req.data = o;
	o->last_cap = last_cap;
	o->n = n;
	o->len = total - done;
	memcpy(o->bufs, bufs, n * sizeof(*bufs));
	/* Skip what went already; the pieces stay whole in o to be freed. */
	while (done >= ub[k].len) {
		done -= ub[k].len;
		k++;
	}
	ub[k].base += done;
	ub[k].len -= done;
	rv = uv_write(&o->req, &c->h.stream, ub + k, (unsigned)(n - k),
	    http_conn_on_written);
	if (rv != 0) {
		http_conn_release(c->srv, o->bufs, o->n, 0);
		free(o);
		/* Not now: the caller is a handler in the middle of its
		 * exchange. The timer closes (and aborts) on its own. */
		c->broken = true;
		uv_timer_start(&c->timer, http_conn_on_timer, 0, 0);
		return;
	}
	if (c->queued == 0) {
		c->write_ms = http_conn_now(c);
	}
	c->queued += o->len;
	c->srv->queued_total += o->len;
	http_conn_arm(c);
}

void
http_conn_finish(struct http_conn *c, bool keep)
{
	struct http_exchange *ex = c->ex;

	c->ex = NULL;
	if (ex != NULL) {
		fv_buf_fini(&ex->headers);
		free(ex);
	}
	http_req_next(c->parser);
	c->got_bytes = false;
	c->headers_ms = 0;
	if (c->closing) {
		return;
	}
	if (!keep) {
		c->close_after = true;
		if (c->queued == 0) {
			http_conn_close(c);
		}
		return;
	}
	/* Go on with pipelined requests unless output is backing up (the
	 * write callback resumes once it drains). When the answer came from
	 * inside http_conn_process, its loop goes on by itself: recursing
	 * here would grow the stack by one frame per pipelined request. */
	if (!c->processing && c->queued <= c->srv->lim.max_output) {
		http_conn_process(c);
	}
	if (!c->closing) {
		http_conn_arm(c);
	}
}

/* http_conn_refuse answers a request the server itself refuses. */
static void
http_conn_refuse(struct http_conn *c, int status, const char *extra_header)
{
	struct http_exchange *ex = fv_xcalloc(1, sizeof(*ex));

	ex->c = c;
	fv_buf_init(&ex->headers, 4096);
	if (extra_header != NULL) {
		fv_buf_puts(&ex->headers, extra_header);
	}
	c->ex = ex;
	http_respond_error(ex, status, true);
}

static size_t
http_header_count(const struct http_request *req, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < req->nheaders; i++) {
		n += strcasecmp(req->headers[i].name, name) == 0;
	}
	return n;
}

/* http_conn_authorize refuses (401, or 400 for undecodable credentials)
 * a request the listener's credentials do not admit; 0 if they do. */
static int
http_conn_authorize(struct http_conn *c, const struct http_request *req)
{
	int status;

	status = http_auth_check(c->l, http_header_get(req, "Authorization"));
	if (status == 0 && c->l->username != NULL &&
	    http_header_count(req, "Authorization") > 1) {
		status = 401; /* which one would a proxy have checked? */
	}
	if (status == 401) {
		http_conn_refuse(
		    c, 401, "WWW-Authenticate: Basic realm=\"default\"\r\n");
	} else if (status != 0) {
		http_conn_refuse(c, status, NULL);
	}
	return status;
}

/* http_conn_dispatch finds the handler of req and hands it the exchange. */
static void
http_conn_dispatch(struct http_conn *c, const struct http_request *req)
{
	const struct http_server *s = c->srv;
	struct http_exchange *ex;

	if (http_conn_authorize(c, req) != 0) {
		return;
	}
	/* 4.2.5 answers 411 to a POST without a length rather than
	 * waiting for a body that may never come. */
	if (strcmp(req->method, "POST") == 0 &&
	    http_header_get(req, "Content-Length") == NULL &&
	    http_header_get(req, "Transfer-Encoding") == NULL) {
		http_conn_refuse(c, 411, NULL);
		return;
	}
	for (size_t i = 0; i < s->nroutes; i++) {
		const struct http_route *r = &s->routes[i];
		size_t n = strlen(r->path);

		if (r->prefix ? strncmp(req->path, r->path, n) == 0
		              : strcmp(req->path, r->path) == 0) {
			ex = fv_xcalloc(1, sizeof(*ex));
			ex->c = c;
			ex->user = c->l->username;
			fv_buf_init(&ex->headers, 16384);
			c->ex = ex;
			r->fn(r->arg, ex, req);
			return;
		}
	}
	http_conn_refuse(c, 404, NULL);
}

/* http_conn_process feeds buffered input to the parser and dispatches
 * whole requests, one at a time. */
static void
http_conn_process(struct http_conn *c)
{
	struct http_server *s = c->srv;

	c->processing = true;
	while (!c->closing && c->ex == NULL && !c->close_after && !c->broken &&
	    c->in_off < c->in.len && c->queued <= s->lim.max_output) {
		if (s->queued_total > s->lim.max_output_total) {
			/* Every client together holds too much unsent
			 * output: read no new request until some drains. */
			c->starved = true;
			s->starved_any = true;
			break;
		}
		struct fv_diag d = { "" };
		size_t used = 0;
		int rv;

		rv = http_req_feed(c->parser, c->in.data + c->in_off,
		    c->in.len - c->in_off, &used, &d);
		if (used > 0 && !c->got_bytes) {
			c->got_bytes = true;
			c->started_ms = http_conn_now(c);
		}
		c->in_off += used;
		if (rv < 0) {
			mainlog_log(c->srv->log, MAINLOG_DEBG,
			    "http: refused a request: %s", d.msg);
			http_conn_refuse(c, http_req_status(c->parser), NULL);
			break;
		}
		if (rv == HTTP_REQ_HEADERS) {
			const struct http_request *req =
			    http_req_get(c->parser);

			c->headers_ms = http_conn_now(c);
			/* No body is read, nor 100 Continue sent, for a
			 * client that may not send one (as 4.2.5). */
			if (http_conn_authorize(c, req) != 0) {
				break;
			}
			if (req->expect_continue) {
				static const char cont[] =
				    "HTTP/1.1 100 Continue\r\n\r\n";
				char *b = fv_xstrdup(cont);
				size_t n = sizeof(cont) - 1;

				http_conn_write(c, &b, &n, 1, 0);
			}
			continue;
		}
		if (rv == HTTP_REQ_DONE) {
			http_conn_dispatch(c, http_req_get(c->parser));
			continue;
		}
		if (used == 0) {
			break; /* needs more than we have */
		}
	}
	c->processing = false;
	if (c->in_off == c->in.len) {
		fv_buf_reset(&c->in);
		c->in_off = 0;
	}
	if (c->closing) {
		return;
	}
	if (c->peer_eof && c->ex == NULL) {
		/* Nothing more will come; a partial request dies here. */
		if (!c->close_after && c->queued == 0) {
			http_conn_close(c);
		} else {
			c->close_after = true;
		}
		return;
	}
	if (!c->reading && !c->peer_eof &&
	    c->in.len - c->in_off < HTTP_CONN_READAHEAD) {
		http_conn_start_reading(c);
	}
}

void
http_conn_feed(struct http_conn *c)
{
	if (!c->closing && c->ex == NULL) {
		http_conn_process(c);
	}
	if (!c->closing) {
		http_conn_arm(c);
	}
}

static void
http_conn_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct http_conn *c = h->data;

	(void)hint;
	buf->base = c->srv->rbuf;
	buf->len = sizeof(c->srv->rbuf);
}

static void
http_conn_on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct http_conn *c = st->data;

	if (nread == 0 || c->closing) {
		return;
	}
	if (nread < 0) {
		c->peer_eof = true;
		http_conn_stop_reading(c);
		if (c->ex != NULL || nread != UV_EOF) {
			/* The client is gone: whatever it waited for is
			 * abandoned (a held start, a log stream). */
			http_conn_close(c);
			return;
		}
		http_conn_process(c);
		return;
	}
	c->active_ms = http_conn_now(c);
	if (c->in_off > 0) {
		/* Keep only what is not parsed yet: with reading stopped at
		 * the read-ahead, one more read always fits the cap. */
		memmove(
		    c->in.data, c->in.data + c->in_off, c->in.len - c->in_off);
		c->in.len -= c->in_off;
		c->in_off = 0;
	}
	if (fv_buf_append(&c->in, buf->base, (size_t)nread) != 0) {
		http_conn_close(c);
		return;
	}
	if (c->ex == NULL) {
		http_conn_process(c);
	} else if (c->in.len - c->in_off >= HTTP_CONN_READAHEAD) {
		http_conn_stop_reading(c);
	}
	if (!c->closing) {
		http_conn_arm(c);
	}
}

static void
http_conn_start_reading(struct http_conn *c)
{
	if (!c->reading && !c->closing &&
	    uv_read_start(&c->h.stream, http_conn_alloc, http_conn_on_read) ==
	        0) {
		c->reading = true;
	}
}

static void
http_conn_stop_reading(struct http_conn *c)
{
	if (c->reading) {
		uv_read_stop(&c->h.stream);
		c->reading = false;
	}
}

/* http_conn_deadline is when the connection times out in its current
 * state, or 0 when no deadline applies (a handler holds the exchange and
 * nothing is queued). */
static uint64_t
http_conn_deadline(const struct http_conn *c)
{
	const struct http_server_limits *lim = &c->srv->lim;
	uint64_t d = 0;

	if (c->broken) {
		return 1; /* long past: close now */
	}
	if (c->queued > 0) {
		/* Output progress only: bytes the peer sends do not keep a
		 * client that never reads its answers alive. */
		d = c->write_ms + lim->write_stall_ms;
	}
	if (c->ex == NULL) {
		uint64_t t;

		if (!c->got_bytes) {
			t = c->active_ms + lim->idle_timeout_ms;
		} else if (c->headers_ms == 0) {
			t = c->started_ms + lim->header_timeout_ms;
		} else {
			t = c->headers_ms + lim->body_timeout_ms;
		}
		d = d == 0 || t < d ? t : d;
	}
	return d;
}

static void
http_conn_on_timer(uv_timer_t *t)
{
	struct http_conn *c = t->data;
	uint64_t d = http_conn_deadline(c);

	if (d != 0 && d <= http_conn_now(c)) {
		mainlog_log(c->srv->log, MAINLOG_DEBG,
		    "http: closing a connection that timed out%s%s",
		    c->peer[0] != '\0' ? " from " : "", c->peer);
		http_conn_close(c);
		return;
	}
	http_conn_arm(c);
}

static void
http_conn_arm(struct http_conn *c)
{
	uint64_t d = http_conn_deadline(c), now = http_conn_now(c);

	if (d == 0) {
		uv_timer_stop(&c->timer);
		return;
	}
	uv_timer_start(&c->timer, http_conn_on_timer, d > now ? d - now : 0, 0);
}

/* http_conn_peer_count counts the live connections from addr. */
static size_t
http_conn_peer_count(const struct http_server *s, const char *addr)
{
	size_t n = 0;

	for (const struct http_conn *c = s->conns; c != NULL; c = c->next) {
		n += strcmp(c->peer, addr) == 0;
	}
	return n;
}

void
http_conn_accept(struct http_listener *l)
{
	struct http_server *s = l->srv;
	struct http_conn *c = fv_xcalloc(1, sizeof(*c));

	c->srv = s;
	c->l = l;
	if (l->is_unix) {
		uv_pipe_init(s->loop, &c->h.pipe, 0);
	} else {
		uv_tcp_init(s->loop, &c->h.tcp);
	}
	c->h.handle.data = c;
	uv_timer_init(s->loop, &c->timer);
	c->timer.data = c;
	c->open_handles = 2;
	s->open_handles++;
	/* Linked first so that a refusal below closes it like any other. */
	c->next = s->conns;
	if (s->conns != NULL) {
		s->conns->prev = c;
	}
	s->conns = c;
	s->nconns++;
	if (uv_accept(&l->h.stream, &c->h.stream) != 0) {
		http_conn_close(c);
		return;
	}
	if (!l->is_unix) {
		struct sockaddr_storage ss;
		int len = sizeof(ss);

		if (uv_tcp_getpeername(
		        &c->h.tcp, (struct sockaddr *)&ss, &len) == 0) {
			if (ss.ss_family == AF_INET6) {
				uv_ip6_name((struct sockaddr_in6 *)&ss, c->peer,
				    sizeof(c->peer));
			} else {
				uv_ip4_name((struct sockaddr_in *)&ss, c->peer,
				    sizeof(c->peer));
			}
		}
		uv_tcp_nodelay(&c->h.tcp, 1);
	}
	if (s->nconns > s->lim.max_conns ||
	    (c->peer[0] != '\0' &&
	        http_conn_peer_count(s, c->peer) > s->lim.max_conns_per_peer)) {
		if (s->refused++ % 1000 == 0) {
			mainlog_log(s->log, MAINLOG_WARN,
			    "http: refusing connections over the limit "
			    "(%zu open; %llu refused so far)",
			    s->nconns - 1, (unsigned long long)s->refused);
		}
		http_conn_close(c);
		return;
	}
	c->parser = http_req_parser_new(&s->lim.req);
	fv_buf_init(&c->in, HTTP_CONN_IN_MAX);
	c->active_ms = http_conn_now(c);
	http_conn_start_reading(c);
	http_conn_arm(c);
}
