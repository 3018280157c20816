#ifndef FV_HTTP_HTTP_SERVER_H
#define FV_HTTP_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "common/buf.h"
#include "common/err.h"
#include "config/cfg.h"
#include "proto/http/http_req.h"

/*
 * The agent's HTTP servers: every [unix_http_server] and
 * [inet_http_server] of the configuration, on the loop, with basic auth,
 * keep-alive, pipelining (answered in order, one at a time), and bounds on
 * what a peer can make us hold: header and body sizes, idle and slow
 * clients, queued output, connection counts (RELIABILITY C3, C4).
 *
 * Handlers are found by path in a routing table (struct http_route). A
 * handler receives an exchange and answers it, at once or later (a held
 * XML-RPC response, a log stream); until it does, the connection reads
 * nothing more. If the peer goes away first, the exchange's abort
 * callback runs, after which the handler must forget the exchange.
 */

struct mainlog;
struct http_server;
struct http_exchange;

typedef void http_handler_fn(
    void *arg, struct http_exchange *ex, const struct http_request *req);

/* One route: exact path, or a prefix when prefix is true. The first
 * match in table order wins. */
struct http_route {
	const char *path;
	bool prefix;
	http_handler_fn *fn;
	void *arg;
};

/* Bounds on peers; http_server_limits_default holds the defaults. */
struct http_server_limits {
	struct http_limits req; /* request framing */
	unsigned header_timeout_ms; /* first byte to end of headers: 10 s */
	unsigned body_timeout_ms; /* end of headers to end of body: 30 s */
	unsigned idle_timeout_ms; /* between keep-alive requests: 60 s */
	unsigned write_stall_ms; /* queued output not draining: 30 s */
	size_t max_output; /* queued response bytes per connection: 8 MiB
	                    * beyond a response already handed over */
	size_t max_output_total; /* all connections together: 256 MiB;
	                          * past it no new request is read */
	size_t max_conns; /* all servers together: 1024 */
	size_t max_conns_per_peer; /* per inet address: 256 */
};

extern const struct http_server_limits http_server_limits_default;

/*
 * http_server_open binds every server of cfg (4.2.5's openhttpservers):
 * a stale UNIX socket left by a dead agent is replaced, a live one is
 * not; chmod and chown are applied; "Server 'x' running without any HTTP
 * authentication checking" is logged at CRIT for a server without a
 * username. routes (borrowed, must outlive the server) serve every
 * listener. On error nothing is left bound and d holds 4.2.5's usage
 * message ("Another program is already listening on a port ...").
 */
int http_server_open(uv_loop_t *loop, struct mainlog *log,
    const struct cfg *cfg, const struct http_route *routes, size_t nroutes,
    const struct http_server_limits *lim, struct http_server **out,
    struct fv_diag *d);

/*
 * http_server_close stops listening, removes the UNIX socket files it
 * made, aborts every open exchange and closes every connection; the
 * memory is released once libuv has closed the handles.
 */
void http_server_close(struct http_server *s);

/* --- Answering an exchange -------------------------------------------- */

/* http_exchange_request is the request being answered (borrowed). */
const struct http_request *http_exchange_request(
    const struct http_exchange *ex);

/* http_exchange_user is the authenticated user name, or NULL. */
const char *http_exchange_user(const struct http_exchange *ex);

/*
 * http_add_header adds a response header (copied) to the next
 * http_respond* or http_stream_begin. Content-Length, Transfer-Encoding,
 * Connection, Date and Server are the server's own.
 */
void http_add_header(
    struct http_exchange *ex, const char *name, const char *value);

/*
 * http_respond answers with a whole body (copied), Content-Length framed.
 * After this call ex belongs to the server again: do not use it.
 */
void http_respond(struct http_exchange *ex, int status,
    const char *content_type, const void *body, size_t len);

/*
 * http_exchange_body prepares body, empty and capped at max, for ex's
 * answer to be given with http_respond_take, on storage recycled from
 * answers already written when the server has some: a big answer many
 * times a second (getAllProcessInfo) then costs no fresh pages each time.
 */
void http_exchange_body(
    struct http_exchange *ex, struct fv_buf *body, size_t max);

/* http_respond_take is http_respond that takes body's storage (no copy);
 * body is left empty. For big answers: readLog, getAllProcessInfo. */
void http_respond_take(struct http_exchange *ex, int status,
    const char *content_type, struct fv_buf *body);

/* http_respond_error answers status with a small HTML page naming it, as
 * 4.2.5's medusa does, and closes the connection after it when close. */
void http_respond_error(struct http_exchange *ex, int status, bool close);

/*
 * A stream: a response of unknown length (the log tails). On HTTP/1.1 it
 * is chunked; on 1.0 the body runs to the close. http_stream_write queues
 * bytes and returns FV_ETOOBIG (nothing queued) when max_output is
 * reached: wait for the drain callback, then write again. A stream whose
 * peer stops reading for write_stall_ms is aborted.
 */
void http_stream_begin(
    struct http_exchange *ex, int status, const char *content_type);
int http_stream_write(struct http_exchange *ex, const void *p, size_t n);
/* http_stream_on_drain calls fn(arg) once when the queued output of the
 * stream has been written out. */
void http_stream_on_drain(
    struct http_exchange *ex, void (*fn)(void *arg), void *arg);
/* http_stream_end finishes the stream; ex is the server's again. */
void http_stream_end(struct http_exchange *ex);

/*
 * http_exchange_on_abort sets what runs when the peer closes or times out
 * (or the server closes) before the exchange is answered or its stream
 * ended. After fn returns, ex is freed: the handler must drop it.
 */
void http_exchange_on_abort(
    struct http_exchange *ex, void (*fn)(void *arg), void *arg);

#endif
