#ifndef FV_PROTO_HTTP_HTTP_REQ_H
#define FV_PROTO_HTTP_HTTP_REQ_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

/*
 * HTTP/1.0 and 1.1 request framing on http-parser, for the agent's
 * servers (and the fuzzer). Bytes go in as they arrive from a socket; out
 * come whole requests, one at a time, so that pipelined requests are
 * answered in order and nothing of a following request is consumed while
 * the current one is being answered. Everything a peer controls is
 * bounded before it is buffered (RELIABILITY C3): the request line, the
 * header block, the header count and the body, whose cap is checked
 * against Content-Length alone, as soon as the headers end.
 *
 * Framing that could be read two ways is refused rather than guessed
 * (request smuggling): Content-Length with Transfer-Encoding, two
 * Content-Lengths, a Content-Length that is not plain digits, any
 * Transfer-Encoding but a final "chunked", bare LF line ends, obs-fold,
 * NUL or CR inside a header, a header without a colon.
 */

/* Bounds on what one request may hold. */
struct http_limits {
	size_t max_request_line; /* method SP target SP version: 414 */
	size_t max_header_bytes; /* all header lines together: 431 */
	size_t max_headers; /* header count: 431 */
	size_t max_body; /* decoded body bytes: 413 */
};

/* The agent's defaults: 8 KiB, 32 KiB, 100 headers, 1 MiB of body. */
extern const struct http_limits http_limits_default;

struct http_header {
	char *name; /* as sent (case kept); compare with strcasecmp */
	char *value; /* leading and trailing blanks removed */
};

/* A complete request; every string is owned by the parser, NUL-ended. */
struct http_request {
	char *method; /* "GET", "POST", ... as http-parser names it */
	char *target; /* the request-target exactly as sent */
	char *path; /* target's path, percent-decoded (may hold "%00"
	             * decoded to NUL: path_len says how long it is) */
	size_t path_len;
	char *query; /* after '?', not decoded; "" when none */
	int http_major, http_minor;
	struct http_header *headers;
	size_t nheaders;
	char *body; /* the decoded body (chunked undone), NUL-ended */
	size_t body_len;
	bool keep_alive; /* the connection may serve another request */
	bool expect_continue; /* "Expect: 100-continue" was sent */
};

struct http_req_parser;

/* What http_req_feed found. */
enum http_req_state {
	HTTP_REQ_MORE = 0, /* need more bytes */
	HTTP_REQ_HEADERS, /* the headers of a request with a body ended: the
	                   * caller may answer 100 Continue; feed again */
	HTTP_REQ_DONE, /* a request is complete: http_req_get */
};

/* http_req_parser_new makes a parser bounded by lim (copied). */
struct http_req_parser *http_req_parser_new(const struct http_limits *lim);
/* http_req_parser_free releases p; NULL is a no-op. */
void http_req_parser_free(struct http_req_parser *p);

/*
 * http_req_feed parses up to len bytes and sets *consumed to how many it
 * used. It stops right after the headers of a request that has a body
 * (HTTP_REQ_HEADERS, once per request) and right after a complete request
 * (HTTP_REQ_DONE); the bytes after that are not consumed: feed them again
 * after http_req_next. len 0 means the peer closed its side: a request
 * whose end is the close is completed, anything else is an error.
 *
 * On malformed or oversized input it returns a negative fv_err
 * (FV_EPROTO, FV_ETOOBIG) and d says what was wrong; http_req_status then
 * gives the status to answer before closing: 400, 413, 414, 431, 501
 * (an unknown method) or 505 (an HTTP version other than 1.x). After an
 * error the parser accepts nothing more.
 */
int http_req_feed(struct http_req_parser *p, const char *data, size_t len,
    size_t *consumed, struct fv_diag *d);

/* http_req_status is the HTTP status that answers the last error. */
int http_req_status(const struct http_req_parser *p);

/*
 * http_req_get returns the request that HTTP_REQ_DONE announced (or, after
 * HTTP_REQ_HEADERS, the request with everything but its body). Borrowed
 * from p until http_req_next or http_req_parser_free.
 */
const struct http_request *http_req_get(const struct http_req_parser *p);

/* http_req_next forgets the current request and readies p for the next
 * one on the same connection. */
void http_req_next(struct http_req_parser *p);

/* http_header_get returns the value of the first header named name
 * (case-insensitive), or NULL. */
const char *http_header_get(const struct http_request *r, const char *name);

/*
 * http_pct_decode reads a percent-escape at the start of the n bytes at s:
 * the byte that "%XX" (two hex digits, any case) stands for, or -1 when s
 * does not start with one. Shared by the request path decoder and the
 * agent's form decoder, which differ only in what they do with a -1.
 */
int http_pct_decode(const char *s, size_t n);

/* http_status_reason is the reason phrase of status ("Not Found"); "" for
 * a status it does not know. */
const char *http_status_reason(int status);

#endif
