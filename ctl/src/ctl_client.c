/*
 * fleetvisorctl's HTTP client: XML-RPC calls (POST /RPC2) and log streams
 * (GET /logtail/...) to a supervisord or fleetvisord over a UNIX socket or
 * TCP, on the caller's libuv loop. This module owns the connections: each
 * call in flight has a connection of its own, so answers can never be
 * matched to the wrong call, and one idle keep-alive connection per server
 * is kept for the next call (a call that finds it closed under its feet
 * before any answer byte is sent again once on a fresh connection, as
 * Python's xmlrpc Transport does). It must never block the loop (names are
 * resolved with uv_getaddrinfo), and never buffer more of an answer than
 * http_resp_limits_default allows.
 *
 * Error messages are worded as the Python exception that 4.2.5's
 * supervisorctl would print for the same failure ("[Errno 111] Connection
 * refused", "Remote end closed connection without response"), so that the
 * command layer can reproduce its output; streams use the wording of 4.2.5's
 * http_client ("Cannot read, status code 404").
 *
 * Lifetimes: a connection is freed only once its handles are closed and
 * its name lookup has returned (libuv). A stream is freed with its
 * connection: after ctl_stream_stop, or after on_end has returned.
 */
#include "ctl_client.h"

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <mbedtls/base64.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/str.h"
#include "common/xalloc.h"
#include "proto/http/http_resp.h"

/* 4.2.5 waits forever for a connection; we give up after this long, since
 * a server that never answers the handshake is gone. */
#define CTL_CONNECT_TIMEOUT_MS 30000
/* A request body is what we write: bounded only against bugs. */
#define CTL_REQUEST_MAX (64u * 1024 * 1024)
#define CTL_READ_BUF    16384
/* "localhost" is what 4.2.5 sends as Host on a UNIX socket. */
#define CTL_UNIX_HOST "localhost"

struct ctl_conn;

struct ctl_server {
	uv_loop_t *loop; /* borrowed */
	char *url;
	char *short_name;
	bool is_unix;
	char *path; /* unix */
	char *host; /* http: the name to resolve */
	int port;
	char *host_header;
	char *auth; /* "Basic ..." or NULL */
	struct ctl_conn *idle; /* a keep-alive connection with no call */
	LIST_HEAD(, ctl_conn) conns;
};

struct ctl_call {
	struct ctl_server *server; /* borrowed */
	struct fv_buf req; /* the whole HTTP request, kept for a resend */
	struct ctl_conn *conn; /* borrowed, while in flight */
	bool done;
	bool resent;
	struct ctl_result result;
};

struct ctl_stream {
	struct ctl_conn *conn; /* borrowed: the connection owns us */
	void (*on_data)(void *arg, const char *p, size_t n);
	void (*on_end)(void *arg, const struct ctl_result *r);
	void *arg;
	bool stopped; /* ctl_stream_stop was called */
	bool ended; /* on_end was called (or is running) */
};

struct ctl_conn {
	struct ctl_server *server; /* borrowed; NULL once the server is gone */
	LIST_ENTRY(ctl_conn) link;
	union {
		uv_handle_t h;
		uv_stream_t s;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} u;
	uv_timer_t timer; /* connect timeout, or a deferred error */
	uv_getaddrinfo_t gai;
	uv_connect_t creq;
	uv_write_t wreq;
	struct addrinfo *ai; /* owned: the addresses to try */
	struct addrinfo *ai_next; /* borrowed: the next one */
	int last_err;
	int pending_err; /* delivered by the timer: an error found early */
	int refs; /* open handles and a pending name lookup */
	bool is_unix;
	bool handle_open;
	bool connected;
	bool writing; /* a write is pending */
	bool retry; /* connect to ai_next once the handle has closed */
	bool closing;
	bool reused; /* the current call came to an idle connection */
	bool got_bytes; /* some of the current answer has arrived */
	struct fv_buf out; /* the request being written */
	struct http_resp_parser *parser;
	struct ctl_call *call; /* borrowed */
	struct ctl_stream *stream; /* owned */
	char rbuf[CTL_READ_BUF];
};

static void ctl_conn_close(struct ctl_conn *conn);
static void ctl_conn_try_next(struct ctl_conn *conn);
static void ctl_conn_fail(struct ctl_conn *conn, int err, const char *what);
static void ctl_call_start(struct ctl_call *c, bool fresh);

/* ---- Python's wording ---- */

/* The glibc EAI_* code behind a libuv getaddrinfo error, which Python's
 * socket.gaierror shows as its errno. */
static int
ctl_eai_code(int err)
{
	static const struct {
		int uv, eai;
	} map[] = {
		{ UV_EAI_ADDRFAMILY, EAI_ADDRFAMILY },
		{ UV_EAI_AGAIN, EAI_AGAIN },
		{ UV_EAI_BADFLAGS, EAI_BADFLAGS },
		{ UV_EAI_FAIL, EAI_FAIL },
		{ UV_EAI_FAMILY, EAI_FAMILY },
		{ UV_EAI_MEMORY, EAI_MEMORY },
		{ UV_EAI_NODATA, EAI_NODATA },
		{ UV_EAI_NONAME, EAI_NONAME },
		{ UV_EAI_SERVICE, EAI_SERVICE },
		{ UV_EAI_SOCKTYPE, EAI_SOCKTYPE },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].uv == err) {
			return map[i].eai;
		}
	}
	return 0;
}

/* ctl_py_str is str() of the exception Python raises for err, or what
 * when it is not NULL. */
static char *
ctl_py_str(int err, const char *what)
{
	int eai;

	if (what != NULL) {
		return fv_xstrdup(what);
	}
	if (err == -ETIMEDOUT) {
		return fv_xstrdup("timed out"); /* socket.timeout */
	}
	if (err == -ENAMETOOLONG) {
		/* Only our own check of a socket path gives this. */
		return fv_xstrdup("AF_UNIX path too long");
	}
	if ((eai = ctl_eai_code(err)) != 0) {
		return fv_xasprintf("[Errno %d] %s", eai, gai_strerror(eai));
	}
	if (err > -4096 && err < 0) {
		return fv_xasprintf("[Errno %d] %s", -err, strerror(-err));
	}
	return fv_xstrdup(fv_strerror(err));
}

/* ctl_py_class is the class of that exception, as <class '%s'> shows. */
static const char *
ctl_py_class(int err)
{
	switch (err) {
	case -ECONNREFUSED:
		return "ConnectionRefusedError";
	case -ENOENT:
		return "FileNotFoundError";
	case -ENOTDIR:
		return "NotADirectoryError";
	case -EACCES:
	case -EPERM:
		return "PermissionError";
	case -ECONNRESET:
		return "ConnectionResetError";
	case -EPIPE:
		return "BrokenPipeError";
	case -ECONNABORTED:
		return "ConnectionAbortedError";
	case -ETIMEDOUT:
		return "TimeoutError";
	default:
		return ctl_eai_code(err) != 0 ? "socket.gaierror" : "OSError";
	}
}

/* ctl_py_repr appends repr() of a Python str holding s: what 4.2.5 shows
 * of a fault string in "<Fault 10: 'BAD_NAME: foo'>". */
static void
ctl_py_repr(struct fv_buf *b, const char *s)
{
	char q = strchr(s, '\'') != NULL && strchr(s, '"') == NULL ? '"' : '\'';

	fv_buf_putc(b, q);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\\' || *p == (unsigned char)q) {
			fv_buf_printf(b, "\\%c", *p);
		} else if (*p == '\n') {
			fv_buf_puts(b, "\\n");
		} else if (*p == '\r') {
			fv_buf_puts(b, "\\r");
		} else if (*p == '\t') {
			fv_buf_puts(b, "\\t");
		} else if (*p < 0x20 || *p == 0x7f) {
			fv_buf_printf(b, "\\x%02x", *p);
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0) {
			/* U+0080..U+009F are not printable either. */
			fv_buf_printf(b, "\\x%02x", p[1]);
			p++;
		} else {
			fv_buf_putc(b, (char)*p);
		}
	}
	fv_buf_putc(b, q);
}

/* ---- Results ---- */

void
ctl_result_fini(struct ctl_result *r)
{
	if (r == NULL) {
		return;
	}
	xr_value_free(r->value);
	free(r->fault_string);
	free(r->msg);
	memset(r, 0, sizeof(*r));
}

/* ctl_call_finish ends c: it is done and no longer on a connection. */
static void
ctl_call_finish(struct ctl_call *c)
{
	if (c->conn != NULL) {
		c->conn->call = NULL;
		c->conn = NULL;
	}
	c->done = true;
}

static void
ctl_call_net_error(struct ctl_call *c, int err, const char *what)
{
	ctl_result_fini(&c->result);
	c->result.outcome = CTL_NET_ERROR;
	c->result.err = err;
	c->result.msg = ctl_py_str(err, what);
	ctl_call_finish(c);
}

/* ---- Streams ---- */

/* ctl_stream_end calls on_end once; the stream then goes with its
 * connection. */
static void
ctl_stream_end(struct ctl_stream *st, struct ctl_result *r)
{
	if (!st->stopped && !st->ended) {
		st->ended = true;
		st->on_end(st->arg, r);
	}
	st->ended = true;
	ctl_result_fini(r);
	ctl_conn_close(st->conn);
}

static void
ctl_stream_net_error(struct ctl_stream *st, int err, const char *what)
{
	struct ctl_result r = { .outcome = CTL_NET_ERROR, .err = err };
	char *s = ctl_py_str(err, what);

	if (what != NULL) {
		r.msg = fv_xasprintf("Cannot read, error: %s", s);
	} else {
		r.msg = fv_xasprintf("Cannot connect, error: <class '%s'> (%s)",
		    ctl_py_class(err), s);
	}
	free(s);
	ctl_stream_end(st, &r);
}

static void
ctl_stream_on_body(void *arg, const char *p, size_t n)
{
	struct ctl_stream *st = arg;

	if (!st->stopped && !st->ended && n > 0) {
		st->on_data(st->arg, p, n);
	}
}

/* ---- Connections ---- */

static void
ctl_conn_free(struct ctl_conn *conn)
{
	if (conn->ai != NULL) {
		uv_freeaddrinfo(conn->ai);
	}
	http_resp_parser_free(conn->parser);
	fv_buf_fini(&conn->out);
	free(conn->stream);
	free(conn);
}

static void
ctl_conn_unref(struct ctl_conn *conn)
{
	if (--conn->refs == 0 && conn->closing) {
		ctl_conn_free(conn);
	}
}

static void
ctl_conn_on_close(uv_handle_t *h)
{
	struct ctl_conn *conn = h->data;

	if (h == &conn->u.h) {
		conn->handle_open = false;
		conn->connected = false;
		if (conn->retry && !conn->closing) {
			conn->retry = false;
			conn->refs--;
			ctl_conn_try_next(conn);
			return;
		}
	}
	ctl_conn_unref(conn);
}

/* ctl_conn_detach takes conn off its server's books. */
static void
ctl_conn_detach(struct ctl_conn *conn)
{
	if (conn->server == NULL) {
		return;
	}
	if (conn->server->idle == conn) {
		conn->server->idle = NULL;
	}
	LIST_REMOVE(conn, link);
	conn->server = NULL;
}

/* ctl_conn_close closes conn; a call still on it must have been finished
 * or is left unfinished by its owner (ctl_call_free). */
static void
ctl_conn_close(struct ctl_conn *conn)
{
	if (conn->closing) {
		return;
	}
	conn->closing = true;
	if (conn->call != NULL) {
		conn->call->conn = NULL;
		conn->call = NULL;
	}
	ctl_conn_detach(conn);
	if (conn->gai.data != NULL) {
		/* The lookup's callback still comes and drops its ref. */
		uv_cancel((uv_req_t *)&conn->gai);
	}
	uv_close((uv_handle_t *)&conn->timer, ctl_conn_on_close);
	if (conn->handle_open && !uv_is_closing(&conn->u.h)) {
		uv_close(&conn->u.h, ctl_conn_on_close);
	}
}

/* ctl_conn_fail reports err on whatever conn carries and closes it. */
static void
ctl_conn_fail(struct ctl_conn *conn, int err, const char *what)
{
	struct ctl_call *c = conn->call;

	if (conn->closing) {
		return;
	}
	if (c != NULL) {
		bool stale = conn->reused && !conn->got_bytes &&
		    (err == -ECONNRESET || err == -EPIPE ||
		        err == -ECONNABORTED || err == UV_EOF);

		ctl_conn_close(conn);
		if (stale && !c->resent) {
			/* The server closed the idle connection as we
			 * used it: the request never reached it. */
			c->resent = true;
			ctl_call_start(c, true);
			return;
		}
		if (err == UV_EOF) {
			ctl_call_net_error(c, -ECONNRESET,
			    conn->got_bytes ? what
			                    : "Remote end closed connection "
			                      "without response");
		} else {
			ctl_call_net_error(c, err, what);
		}
		return;
	}
	if (conn->stream != NULL) {
		if (err == UV_EOF) {
			err = -ECONNRESET;
		}
		ctl_stream_net_error(conn->stream, err, what);
		return;
	}
	ctl_conn_close(conn);
}

static void
ctl_conn_on_timer(uv_timer_t *t)
{
	struct ctl_conn *conn = t->data;

	ctl_conn_fail(conn,
	    conn->pending_err != 0 ? conn->pending_err : -ETIMEDOUT, NULL);
}

/* ctl_conn_fail_later reports err from the loop, never from inside the
 * function that started the connection. */
static void
ctl_conn_fail_later(struct ctl_conn *conn, int err)
{
	conn->pending_err = err;
	uv_timer_start(&conn->timer, ctl_conn_on_timer, 0, 0);
}

static void
ctl_conn_on_write(uv_write_t *req, int status)
{
	struct ctl_conn *conn = req->data;

	conn->writing = false;
	if (status < 0 && status != UV_ECANCELED) {
		ctl_conn_fail(conn, status, NULL);
	}
}

/* ctl_conn_send writes the request in conn->out. */
static void
ctl_conn_send(struct ctl_conn *conn)
{
	uv_buf_t b = uv_buf_init(conn->out.data, (unsigned)conn->out.len);
	int rv;

	conn->wreq.data = conn;
	if ((rv = uv_write(
	         &conn->wreq, &conn->u.s, &b, 1, ctl_conn_on_write)) != 0) {
		ctl_conn_fail_later(conn, rv);
		return;
	}
	conn->writing = true;
}

static void
ctl_conn_on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct ctl_conn *conn = h->data;

	*buf = uv_buf_init(conn->rbuf, sizeof(conn->rbuf));
}

/* ctl_call_answer turns a complete 200 response into c's result. */
static void
ctl_call_answer(struct ctl_call *c, const struct http_response *resp)
{
	struct xr_response xr = { 0 };
	struct fv_diag d = { { 0 } };
	struct ctl_result *r = &c->result;
	struct fv_buf b;
	int rv;

	ctl_result_fini(r);
	if ((rv = xr_response_parse(resp->body, resp->body_len, &xr, &d)) !=
	    0) {
		ctl_call_net_error(c, rv, d.msg);
		return;
	}
	if (xr.fault) {
		r->outcome = CTL_FAULT;
		r->fault_code = xr.fault_code;
		r->fault_string = xr.fault_string;
		xr.fault_string = NULL;
		fv_buf_init(&b, 1024 * 1024);
		fv_buf_printf(&b, "<Fault %d: ", r->fault_code);
		ctl_py_repr(&b, r->fault_string);
		fv_buf_putc(&b, '>');
		r->msg = fv_buf_take(&b);
		fv_buf_fini(&b);
	} else {
		r->outcome = CTL_OK;
		r->value = xr.value;
		xr.value = NULL;
	}
	xr_response_fini(&xr);
	ctl_call_finish(c);
}

/* ctl_conn_release puts conn back as its server's idle connection when
 * the answer allows it, or closes it. */
static void
ctl_conn_release(struct ctl_conn *conn, bool keep)
{
	struct ctl_server *s = conn->server;

	conn->call = NULL;
	if (!keep || s == NULL || s->idle != NULL || conn->writing) {
		ctl_conn_close(conn);
		return;
	}
	http_resp_parser_free(conn->parser);
	conn->parser = NULL;
	s->idle = conn;
	/* An idle connection must not keep anyone's uv_run going. */
	uv_unref(&conn->u.h);
}

/* ctl_conn_on_head acts on the status before any body byte. */
static void
ctl_conn_on_head(struct ctl_conn *conn)
{
	const struct http_response *resp = http_resp_get(conn->parser);
	struct ctl_result r = { .outcome = CTL_HTTP_ERROR };

	if (resp->status == 200) {
		return;
	}
	r.http_status = resp->status;
	if (conn->call != NULL) {
		struct ctl_call *c = conn->call;

		/* As 4.2.5: the connection is dropped, the body unread. */
		ctl_conn_close(conn);
		ctl_result_fini(&c->result);
		c->result = r;
		c->result.msg =
		    fv_xasprintf("<ProtocolError for 127.0.0.1/RPC2: %d %s>",
		        resp->status, resp->reason);
		ctl_call_finish(c);
	} else if (conn->stream != NULL) {
		r.msg =
		    fv_xasprintf("Cannot read, status code %d", resp->status);
		ctl_stream_end(conn->stream, &r);
	}
}

/* ctl_conn_on_done: a complete response. */
static void
ctl_conn_on_done(struct ctl_conn *conn, bool extra)
{
	const struct http_response *resp = http_resp_get(conn->parser);
	bool keep = resp->keep_alive && !extra;

	if (conn->call != NULL) {
		ctl_call_answer(conn->call, resp);
		ctl_conn_release(conn, keep);
	} else if (conn->stream != NULL) {
		struct ctl_result r = { .outcome = CTL_OK };

		ctl_stream_end(conn->stream, &r);
	}
}

/* ctl_conn_feed hands bytes (n 0: the close) to the parser. */
static void
ctl_conn_feed(struct ctl_conn *conn, const char *p, size_t n)
{
	struct fv_diag d = { { 0 } };
	bool eof = n == 0;

	do {
		size_t used = 0;
		int rv = http_resp_feed(conn->parser, p, n, &used, &d);

		if (!eof) {
			p += used;
			n -= used;
		}
		if (rv < 0) {
			if (eof && !http_resp_started(conn->parser)) {
				ctl_conn_fail(conn, UV_EOF, NULL);
			} else {
				ctl_conn_fail(conn, rv, d.msg);
			}
			return;
		}
		if (rv == HTTP_RESP_HEADERS) {
			ctl_conn_on_head(conn);
		} else if (rv == HTTP_RESP_DONE) {
			ctl_conn_on_done(conn, n > 0);
			return;
		} else {
			break;
		}
	} while (!conn->closing && n > 0);
}

static void
ctl_conn_on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct ctl_conn *conn = s->data;

	if (conn->closing || nread == 0) {
		return;
	}
	if (conn->call == NULL && conn->stream == NULL) {
		/* Idle: the server closed it, or talks out of turn. */
		ctl_conn_close(conn);
		return;
	}
	if (nread < 0 && nread != UV_EOF) {
		ctl_conn_fail(conn, (int)nread, NULL);
		return;
	}
	if (nread > 0) {
		conn->got_bytes = true;
		ctl_conn_feed(conn, buf->base, (size_t)nread);
	} else {
		ctl_conn_feed(conn, NULL, 0);
	}
}

static void
ctl_conn_on_connect(uv_connect_t *req, int status)
{
	struct ctl_conn *conn = req->data;
	int rv;

	if (status == UV_ECANCELED || conn->closing) {
		return;
	}
	if (status < 0) {
		if (!conn->is_unix) {
			/* Python reports the last address's error. */
			conn->last_err = status;
			conn->retry = true;
			uv_close(&conn->u.h, ctl_conn_on_close);
			return;
		}
		ctl_conn_fail(conn, status, NULL);
		return;
	}
	conn->connected = true;
	uv_timer_stop(&conn->timer);
	if ((rv = uv_read_start(
	         &conn->u.s, ctl_conn_on_alloc, ctl_conn_on_read)) != 0) {
		ctl_conn_fail(conn, rv, NULL);
		return;
	}
	ctl_conn_send(conn);
}

/* ctl_conn_try_next connects to the next resolved address. */
static void
ctl_conn_try_next(struct ctl_conn *conn)
{
	struct addrinfo *ai = conn->ai_next;
	int rv;

	if (ai == NULL) {
		ctl_conn_fail(conn,
		    conn->last_err != 0 ? conn->last_err : UV_EAI_NONAME, NULL);
		return;
	}
	conn->ai_next = ai->ai_next;
	if ((rv = uv_tcp_init(conn->timer.loop, &conn->u.tcp)) != 0) {
		ctl_conn_fail_later(conn, rv);
		return;
	}
	conn->u.h.data = conn;
	conn->handle_open = true;
	conn->refs++;
	conn->creq.data = conn;
	if ((rv = uv_tcp_connect(&conn->creq, &conn->u.tcp, ai->ai_addr,
	         ctl_conn_on_connect)) != 0) {
		conn->last_err = rv;
		conn->retry = true;
		uv_close(&conn->u.h, ctl_conn_on_close);
	}
}

static void
ctl_conn_on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *ai)
{
	struct ctl_conn *conn = req->data;

	req->data = NULL;
	conn->ai = ai;
	if (conn->closing) {
		ctl_conn_unref(conn);
		return;
	}
	conn->refs--;
	if (status < 0) {
		ctl_conn_fail(conn, status, NULL);
		return;
	}
	conn->ai_next = ai;
	ctl_conn_try_next(conn);
}

/* ctl_conn_new starts a connection to s that will send the request in
 * req (copied) once connected. */
static struct ctl_conn *
ctl_conn_new(struct ctl_server *s, const struct fv_buf *req)
{
	struct ctl_conn *conn = fv_xcalloc(1, sizeof(*conn));
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM };
	char port[16];
	int rv;

	conn->server = s;
	conn->is_unix = s->is_unix;
	LIST_INSERT_HEAD(&s->conns, conn, link);
	fv_buf_init(&conn->out, CTL_REQUEST_MAX);
	fv_buf_append(&conn->out, req->data, req->len);
	uv_timer_init(s->loop, &conn->timer);
	conn->timer.data = conn;
	conn->refs = 1;
	uv_timer_start(
	    &conn->timer, ctl_conn_on_timer, CTL_CONNECT_TIMEOUT_MS, 0);
	if (s->is_unix) {
		if (strlen(s->path) >=
		    sizeof(((struct sockaddr_un *)0)->sun_path)) {
			conn->pending_err = -ENAMETOOLONG;
			ctl_conn_fail_later(conn, -ENAMETOOLONG);
			return conn;
		}
		uv_pipe_init(s->loop, &conn->u.pipe, 0);
		conn->u.h.data = conn;
		conn->handle_open = true;
		conn->refs++;
		conn->creq.data = conn;
		uv_pipe_connect(
		    &conn->creq, &conn->u.pipe, s->path, ctl_conn_on_connect);
		return conn;
	}
	snprintf(port, sizeof(port), "%d", s->port);
	conn->gai.data = conn;
	conn->refs++;
	if ((rv = uv_getaddrinfo(s->loop, &conn->gai, ctl_conn_on_resolved,
	         s->host, port, &hints)) != 0) {
		conn->gai.data = NULL;
		conn->refs--;
		ctl_conn_fail_later(conn, rv);
	}
	return conn;
}

/* ---- Servers ---- */

static void
ctl_server_auth(struct ctl_server *s, const char *user, const char *pass)
{
	unsigned char *raw, *enc;
	size_t rawlen, enclen = 0, cap;

	free(s->auth);
	s->auth = NULL;
	/* 4.2.5 sends credentials only when both are set. */
	if (user == NULL || pass == NULL) {
		return;
	}
	raw = (unsigned char *)fv_xasprintf("%s:%s", user, pass);
	rawlen = strlen((char *)raw);
	cap = 4 * (rawlen / 3 + 1) + 1;
	enc = fv_xmalloc(cap);
	if (mbedtls_base64_encode(enc, cap, &enclen, raw, rawlen) != 0) {
		enclen = 0;
	}
	enc[enclen] = '\0';
	s->auth = fv_xasprintf("Basic %s", (char *)enc);
	free(raw);
	free(enc);
}

/* ctl_server_parse_http splits "host[:port][/path]" as Python's urlparse
 * does for 4.2.5's SupervisorTransport. */
static int
ctl_server_parse_http(struct ctl_server *s, const char *url, struct fv_diag *d)
{
	const char *net = url + strlen("http://"), *end, *at, *h, *he, *pp;
	char *portstr, *e = NULL;
	long port = 80;

	end = net + strcspn(net, "/?#");
	for (at = net; (h = memchr(at, '@', (size_t)(end - at))) != NULL;
	     at = h + 1) {
	}
	h = at;
	if (*h == '[') {
		he = memchr(h, ']', (size_t)(end - h));
		if (he == NULL) {
			return fv_diagf(d, FV_EUSAGE, "Invalid IPv6 URL");
		}
		h++;
		pp = he + 1;
		if (pp < end && *pp != ':') {
			pp = end;
		}
	} else {
		he = memchr(h, ':', (size_t)(end - h));
		if (he == NULL) {
			he = end;
		}
		pp = he;
	}
	if (he == h) {
		return fv_diagf(d, FV_EUSAGE, "no host in serverurl %s", url);
	}
	if (pp < end && *pp == ':' && pp + 1 < end) {
		portstr = fv_xstrndup(pp + 1, (size_t)(end - pp - 1));
		port = strtol(portstr, &e, 10);
		if (*e != '\0' || !(*portstr >= '0' && *portstr <= '9')) {
			fv_diagf(d, FV_EUSAGE,
			    "Port could not be cast to integer value as '%s'",
			    portstr);
			free(portstr);
			return FV_EUSAGE;
		}
		free(portstr);
		if (port < 0 || port > 65535) {
			return fv_diagf(
			    d, FV_EUSAGE, "Port out of range 0-65535");
		}
	}
	s->host = fv_str_lower(fv_xstrndup(h, (size_t)(he - h)));
	s->port = (int)port;
	s->short_name = fv_xstrdup(s->host);
	if (strchr(s->host, ':') != NULL) {
		s->host_header = s->port == 80
		    ? fv_xasprintf("[%s]", s->host)
		    : fv_xasprintf("[%s]:%d", s->host, s->port);
	} else {
		s->host_header = s->port == 80
		    ? fv_xstrdup(s->host)
		    : fv_xasprintf("%s:%d", s->host, s->port);
	}
	return 0;
}

int
ctl_server_new(uv_loop_t *loop, const char *url, const char *user,
    const char *pass, struct ctl_server **out, struct fv_diag *d)
{
	struct ctl_server *s;
	const char *slash;
	int rv;

	*out = NULL;
	s = fv_xcalloc(1, sizeof(*s));
	s->loop = loop;
	s->url = fv_xstrdup(url);
	LIST_INIT(&s->conns);
	if (fv_str_startswith(url, "unix://")) {
		s->is_unix = true;
		s->path = fv_xstrdup(url + strlen("unix://"));
		if (*s->path == '\0') {
			rv = fv_diagf(d, FV_EUSAGE,
			    "no socket path in serverurl %s", url);
			goto fail;
		}
		slash = strrchr(s->path, '/');
		s->short_name = fv_xstrdup(slash != NULL ? slash + 1 : s->path);
		s->host_header = fv_xstrdup(CTL_UNIX_HOST);
	} else if (fv_str_startswith(url, "http://")) {
		if ((rv = ctl_server_parse_http(s, url, d)) != 0) {
			goto fail;
		}
	} else {
		rv = fv_diagf(
		    d, FV_EUSAGE, "Unknown protocol for serverurl %s", url);
		goto fail;
	}
	ctl_server_auth(s, user, pass);
	*out = s;
	return 0;
fail:
	ctl_server_free(s);
	return rv;
}

void
ctl_server_free(struct ctl_server *s)
{
	struct ctl_conn *conn;

	if (s == NULL) {
		return;
	}
	while ((conn = LIST_FIRST(&s->conns)) != NULL) {
		if (conn->call != NULL) {
			struct ctl_call *c = conn->call;

			ctl_conn_close(conn);
			ctl_call_net_error(c, -ECANCELED, "server closed");
		}
		ctl_conn_close(conn);
	}
	free(s->url);
	free(s->short_name);
	free(s->path);
	free(s->host);
	free(s->host_header);
	free(s->auth);
	free(s);
}

const char *
ctl_server_url(const struct ctl_server *s)
{
	return s->url;
}

const char *
ctl_server_short(const struct ctl_server *s)
{
	return s->short_name;
}

void
ctl_server_set_auth(struct ctl_server *s, const char *user, const char *pass)
{
	ctl_server_auth(s, user, pass);
}

/* ---- Calls ---- */

/* ctl_call_start puts c on the server's idle connection or, with fresh
 * or when there is none, a new one. */
static void
ctl_call_start(struct ctl_call *c, bool fresh)
{
	struct ctl_server *s = c->server;
	struct ctl_conn *conn = fresh ? NULL : s->idle;

	if (conn != NULL) {
		s->idle = NULL;
		uv_ref(&conn->u.h);
		fv_buf_reset(&conn->out);
		fv_buf_append(&conn->out, c->req.data, c->req.len);
		conn->reused = true;
	} else {
		conn = ctl_conn_new(s, &c->req);
	}
	conn->got_bytes = false;
	http_resp_parser_free(conn->parser);
	conn->parser = http_resp_parser_new(NULL);
	conn->call = c;
	c->conn = conn;
	if (conn->connected) {
		ctl_conn_send(conn);
	}
}

struct ctl_call *
ctl_call(struct ctl_server *s, const char *method, struct xr_value *params)
{
	struct ctl_call *c = fv_xcalloc(1, sizeof(*c));
	struct fv_buf body;
	int rv;

	c->server = s;
	fv_buf_init(&body, CTL_REQUEST_MAX);
	fv_buf_init(&c->req, CTL_REQUEST_MAX);
	rv = xr_request_write(&body, method, params);
	xr_value_free(params);
	if (rv == 0) {
		rv = fv_buf_printf(&c->req,
		    "POST /RPC2 HTTP/1.1\r\n"
		    "Host: %s\r\n"
		    "Accept-Encoding: identity\r\n"
		    "User-Agent: fleetvisorctl\r\n"
		    "Content-Type: text/xml\r\n"
		    "Accept: text/xml\r\n"
		    "%s%s%s"
		    "Content-Length: %zu\r\n\r\n",
		    s->host_header, s->auth != NULL ? "Authorization: " : "",
		    s->auth != NULL ? s->auth : "",
		    s->auth != NULL ? "\r\n" : "", body.len);
	}
	if (rv == 0) {
		rv = fv_buf_append(&c->req, body.data, body.len);
	}
	fv_buf_fini(&body);
	if (rv != 0) {
		ctl_call_net_error(c, rv, NULL);
		return c;
	}
	ctl_call_start(c, false);
	return c;
}

const struct ctl_result *
ctl_call_result(const struct ctl_call *c)
{
	return &c->result;
}

bool
ctl_call_done(const struct ctl_call *c)
{
	return c->done;
}

void
ctl_call_free(struct ctl_call *c)
{
	if (c == NULL) {
		return;
	}
	if (c->conn != NULL) {
		/* Still in flight: its answer would belong to nobody. */
		ctl_conn_close(c->conn);
	}
	ctl_result_fini(&c->result);
	fv_buf_fini(&c->req);
	free(c);
}

/* The deadline of one ctl_client_wait; freed in its close callback. */
struct ctl_wait {
	uv_timer_t timer;
	bool fired;
};

static void
ctl_wait_on_timer(uv_timer_t *t)
{
	struct ctl_wait *w = t->data;

	w->fired = true;
}

static void
ctl_wait_on_close(uv_handle_t *h)
{
	free(h->data);
}

static bool
ctl_calls_done(struct ctl_call **calls, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (calls[i] != NULL && !calls[i]->done) {
			return false;
		}
	}
	return true;
}

/* ctl_calls_fail ends every call not done yet with err. */
static void
ctl_calls_fail(struct ctl_call **calls, size_t n, int err, const char *what)
{
	for (size_t i = 0; i < n; i++) {
		struct ctl_call *c = calls[i];

		if (c == NULL || c->done) {
			continue;
		}
		if (c->conn != NULL) {
			ctl_conn_close(c->conn);
		}
		ctl_call_net_error(c, err, what);
	}
}

void
ctl_client_wait(
    uv_loop_t *loop, struct ctl_call **calls, size_t n, unsigned timeout_ms)
{
	struct ctl_wait *w = NULL;

	if (timeout_ms > 0 && !ctl_calls_done(calls, n)) {
		w = fv_xcalloc(1, sizeof(*w));
		uv_timer_init(loop, &w->timer);
		w->timer.data = w;
		uv_timer_start(&w->timer, ctl_wait_on_timer, timeout_ms, 0);
	}
	while (!ctl_calls_done(calls, n)) {
		if (w != NULL && w->fired) {
			ctl_calls_fail(calls, n, -ETIMEDOUT, NULL);
			break;
		}
		if (uv_run(loop, UV_RUN_ONCE) == 0 &&
		    !ctl_calls_done(calls, n) && (w == NULL || !w->fired)) {
			/* Nothing left that could finish them: a bug, but
			 * never a hang. */
			ctl_calls_fail(
			    calls, n, FV_ESTATE, "no answer can come any more");
			break;
		}
	}
	if (w != NULL) {
		uv_close((uv_handle_t *)&w->timer, ctl_wait_on_close);
	}
}

void
ctl_call_sync(struct ctl_server *s, const char *method, struct xr_value *params,
    struct ctl_result *out)
{
	struct ctl_call *c = ctl_call(s, method, params);

	/* No overall limit, as 4.2.5: a start may be held for startsecs. */
	ctl_client_wait(s->loop, &c, 1, 0);
	*out = c->result;
	memset(&c->result, 0, sizeof(c->result));
	ctl_call_free(c);
}

/* ---- Streams ---- */

struct ctl_stream *
ctl_stream_open(struct ctl_server *s, const char *path,
    void (*on_data)(void *arg, const char *p, size_t n),
    void (*on_end)(void *arg, const struct ctl_result *r), void *arg)
{
	struct ctl_stream *st = fv_xcalloc(1, sizeof(*st));
	struct fv_buf req;
	struct ctl_conn *conn;

	st->on_data = on_data;
	st->on_end = on_end;
	st->arg = arg;
	fv_buf_init(&req, CTL_REQUEST_MAX);
	fv_buf_printf(&req,
	    "GET %s HTTP/1.1\r\n"
	    "Host: %s\r\n"
	    "Accept: */*\r\n"
	    "User-Agent: fleetvisorctl\r\n"
	    "%s%s%s"
	    "\r\n",
	    path, s->host_header, s->auth != NULL ? "Authorization: " : "",
	    s->auth != NULL ? s->auth : "", s->auth != NULL ? "\r\n" : "");
	conn = ctl_conn_new(s, &req);
	fv_buf_fini(&req);
	/* A log stream is never shared with calls, so it is not a server's
	 * connection: only the stream decides when it ends. */
	ctl_conn_detach(conn);
	conn->parser = http_resp_parser_new(NULL);
	http_resp_set_body_cb(conn->parser, ctl_stream_on_body, st);
	conn->stream = st;
	st->conn = conn;
	return st;
}

void
ctl_stream_stop(struct ctl_stream *st)
{
	if (st == NULL || st->stopped || st->ended) {
		return;
	}
	st->stopped = true;
	ctl_conn_close(st->conn);
}
