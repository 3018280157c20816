#ifndef FV_HTTP_HTTP_INTERNAL_H
#define FV_HTTP_HTTP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <uv.h>

#include "common/buf.h"
#include "http/http_server.h"

/*
 * Inside the HTTP server: listeners (http_listen.c), connections and
 * exchanges (http_conn.c), authentication (http_auth.c). One server owns
 * its listeners and connections; everything runs on the loop thread.
 */

/* Body storage kept for reuse: enough for the answers of one loop
 * iteration to a few busy clients, never more than HTTP_SPARE_TOTAL. */
#define HTTP_SPARES      8
#define HTTP_SPARE_MIN   (16 * 1024)
#define HTTP_SPARE_TOTAL (1024 * 1024)

struct http_listener {
	struct http_server *srv; /* borrowed: the owner */
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} h;
	bool is_unix;
	char *section; /* "inet_http_server", for log lines */
	char *path; /* unix: the socket file we made, removed at close */
	char *username; /* NULL: no authentication */
	char *password; /* plain, or "{SHA}" + 40 hex digits */
	bool open;
};

struct http_server {
	uv_loop_t *loop; /* borrowed */
	struct mainlog *log; /* borrowed */
	const struct http_route *routes; /* borrowed */
	size_t nroutes;
	struct http_server_limits lim;
	struct http_listener *listeners; /* owned array */
	size_t nlisteners;
	struct http_conn *conns; /* a doubly linked list of live ones */
	size_t nconns;
	unsigned open_handles; /* listeners and connections not yet closed */
	bool closing;
	uint64_t refused; /* connections refused over the caps */
	size_t queued_total; /* output queued on every connection */
	bool starved_any; /* some connection waits for queued_total */
	/* Answer bodies already written, kept for the next ones. */
	struct http_spare {
		char *p; /* owned */
		size_t cap;
	} spares[HTTP_SPARES];
	size_t nspares;
	size_t spare_bytes; /* the caps of spares, at most HTTP_SPARE_TOTAL */
	/* The Date header of answers, made once a second. */
	time_t date_t;
	char date[64];
	size_t date_len;
	char rbuf[64 * 1024]; /* every read lands here, then is parsed */
};

/* The writer of one queued output piece (head or body bytes). */
struct http_out;

struct http_exchange {
	struct http_conn *c; /* borrowed: the owner */
	struct fv_buf headers; /* extra header lines, "Name: value\r\n" */
	bool streaming;
	bool chunked; /* HTTP/1.1 stream */
	void (*abort_fn)(void *arg);
	void *abort_arg;
	void (*drain_fn)(void *arg);
	void *drain_arg;
	const char *user; /* borrowed from the listener */
};

struct http_conn {
	struct http_server *srv; /* borrowed */
	struct http_listener *l; /* borrowed */
	struct http_conn *prev, *next;
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} h;
	uv_timer_t timer;
	unsigned open_handles; /* the stream and the timer */
	struct http_req_parser *parser;
	struct fv_buf in; /* received, not yet fed to the parser */
	size_t in_off; /* bytes of in already fed */
	struct http_exchange *ex; /* the request being answered, or NULL */
	size_t queued; /* bytes handed to uv_write, not yet written */
	uint64_t started_ms; /* first byte of the current request */
	uint64_t headers_ms; /* end of its headers, or 0 */
	uint64_t active_ms; /* the last byte read or written */
	uint64_t write_ms; /* the last output progress, or when output
	                    * began to wait: what the stall deadline uses */
	bool got_bytes; /* the current request has begun */
	bool reading;
	bool peer_eof;
	bool close_after; /* close once the queued output is written */
	bool closing;
	bool processing; /* http_conn_process is on the stack */
	bool starved; /* input waits for the server's output budget */
	bool broken; /* a write failed: close from the timer */
	char peer[64]; /* inet address, "" for unix */
};

/* http_listen.c */
int http_listen_open(struct http_server *s, struct http_listener *l,
    const struct cfg_server *cs, struct fv_diag *d);
void http_listen_close(struct http_listener *l);

/* http_conn.c */
void http_conn_accept(struct http_listener *l);
void http_conn_close(struct http_conn *c);
/* http_conn_write queues bufs (taken: freed once written) in order; the
 * last one, when last_cap is not 0, is storage of that size that the
 * server may keep for a later body (http_server_recycle). */
void http_conn_write(struct http_conn *c, char **bufs, const size_t *lens,
    size_t n, size_t last_cap);
/* http_conn_finish ends the current exchange (its response is queued);
 * the connection closes after the output when keep is false, else goes
 * on with the next request. */
void http_conn_finish(struct http_conn *c, bool keep);
/* http_conn_feed processes the input of c held back by the output
 * budget (http_server_feed_starved). */
void http_conn_feed(struct http_conn *c);
/* http_server_feed_starved lets every connection held back by the
 * server's output budget go on. */
void http_server_feed_starved(struct http_server *s);
/* http_server_recycle keeps p (cap bytes, taken) for a later body, or
 * frees it. */
void http_server_recycle(struct http_server *s, char *p, size_t cap);
/* http_server_handle_closed counts a closed handle of s and frees s when
 * it is closing and nothing is left. */
void http_server_handle_closed(struct http_server *s);

/*
 * http_auth.c: checks an Authorization header (NULL: none) against the
 * listener's credentials, in time independent of where they differ.
 * Returns 0 when the request may pass, else the status to answer: 401, or
 * 400 for Basic credentials that are not base64 (as 4.2.5).
 */
int http_auth_check(const struct http_listener *l, const char *authz);

#endif
