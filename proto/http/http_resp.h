#ifndef FV_PROTO_HTTP_HTTP_RESP_H
#define FV_PROTO_HTTP_HTTP_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "proto/http/http_req.h"

/*
 * HTTP/1.0 and 1.1 response framing on http-parser, for the clients
 * (fleetvisorctl's XML-RPC calls and log streams) and the fuzzer. Bytes go
 * in as they arrive; out come the status line, the headers and the body,
 * whether it is framed by Content-Length, chunked, or by the close of the
 * connection. Everything the server controls is bounded: the head (status
 * line and headers together), the header count, and the body the parser
 * buffers; a body handed to a callback is not buffered and so not capped.
 * Interim 1xx responses (100 Continue) and trailer fields are skipped.
 * Every verdict is the same however the bytes are split.
 */

struct http_resp_limits {
	size_t max_header_bytes; /* status line and header lines */
	size_t max_headers; /* header count */
	size_t max_body; /* buffered body bytes (no body callback) */
};

/* The clients' defaults: 64 KiB of head, 100 headers, 64 MiB of body
 * (XML-RPC answers such as a large getAllProcessInfo). */
extern const struct http_resp_limits http_resp_limits_default;

/* A response; every string is owned by the parser and NUL-ended. */
struct http_response {
	int status; /* 100..999 */
	const char *reason; /* the reason phrase as sent ("" when none) */
	int http_major, http_minor;
	struct http_header *headers;
	size_t nheaders;
	const char *body; /* the decoded body when buffered; NUL-ended */
	size_t body_len;
	bool keep_alive; /* valid at HTTP_RESP_DONE: the connection may
	                  * carry another request */
};

/* What http_resp_feed found. */
enum http_resp_state {
	HTTP_RESP_MORE = 0, /* need more bytes */
	HTTP_RESP_HEADERS, /* the head ended: status and headers are valid;
	                    * feed again for the body */
	HTTP_RESP_DONE, /* the response is complete */
};

/*
 * The body callback: n decoded body bytes (chunked framing undone), as
 * they arrive. It may not free the parser; a caller that wants to stop
 * simply stops feeding after http_resp_feed returns.
 */
typedef void (*http_resp_body_fn)(void *arg, const char *p, size_t n);

struct http_resp_parser;

/* http_resp_parser_new makes a parser bounded by lim (copied); NULL
 * means http_resp_limits_default. */
struct http_resp_parser *http_resp_parser_new(
    const struct http_resp_limits *lim);
/* http_resp_parser_free releases p; NULL is a no-op. */
void http_resp_parser_free(struct http_resp_parser *p);

/* http_resp_set_body_cb sends the body to fn instead of buffering it;
 * set before the body starts. */
void http_resp_set_body_cb(
    struct http_resp_parser *p, http_resp_body_fn fn, void *arg);

/*
 * http_resp_feed parses up to len bytes and sets *consumed to how many it
 * used. It stops once right after the head (HTTP_RESP_HEADERS) and right
 * after a complete response (HTTP_RESP_DONE); bytes after the response
 * are not consumed. len 0 means the server closed the connection: that
 * completes a body read to the close, and is an error anywhere else in a
 * response.
 *
 * Returns HTTP_RESP_* or a negative fv_err: FV_EPROTO for malformed
 * framing (or a close inside a response), FV_ETOOBIG for a head or a
 * buffered body over its bound; d says what. After an error the parser
 * accepts nothing more.
 */
int http_resp_feed(struct http_resp_parser *p, const char *data, size_t len,
    size_t *consumed, struct fv_diag *d);

/* http_resp_get returns the response being parsed (valid from
 * HTTP_RESP_HEADERS on); borrowed from p. */
const struct http_response *http_resp_get(const struct http_resp_parser *p);

/* http_resp_started says whether any byte of a response has been
 * parsed: a close before that is "no response at all". */
bool http_resp_started(const struct http_resp_parser *p);

/* http_resp_header returns the value of the first header called name
 * (case-insensitive), or NULL. */
const char *http_resp_header(const struct http_response *r, const char *name);

#endif
