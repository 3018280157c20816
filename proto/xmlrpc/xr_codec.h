#ifndef FV_PROTO_XMLRPC_XR_CODEC_H
#define FV_PROTO_XMLRPC_XR_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "proto/xmlrpc/xr_value.h"

/*
 * The XML-RPC codec: requests and responses from bytes to xr_value trees
 * (libxml2, hardened as STYLE 2.1 says) and back (byte for byte what
 * Supervisor 4.2.5's xmlrpclib.dumps writes).
 */

/* Bounds applied while parsing; see xr_limits_request/_response. */
struct xr_limits {
	/* Bytes of body; checked before libxml2 sees any. */
	size_t max_body;
	/* Arrays and structs nested deeper than this are refused; a params
	 * value [[1]] has depth 2. Clamped to XR_MAX_DEPTH_HARD. */
	size_t max_depth;
	/* Params, array elements or struct members in one container. */
	size_t max_items;
	/* Bytes of methodName (requests only). */
	size_t max_method;
};

/* No tree deeper than this is built or written, whatever the limits say. */
#define XR_MAX_DEPTH_HARD 100
/* libxml2 takes an int length; no limit may exceed this. */
#define XR_MAX_BODY_HARD ((size_t)0x7fffffff)

/*
 * The agent's defaults for requests: a 1 MiB body, depth 32, 10000 items,
 * a 256-byte methodName. The HTTP layer passes its own configured body cap
 * through xr_request_parse_with when it differs.
 */
extern const struct xr_limits xr_limits_request;
/* The clients' defaults for responses: 64 MiB, depth 32, 1M items. */
extern const struct xr_limits xr_limits_response;

/*
 * Why a parse failed, so that the server can answer as it chooses. The
 * recommended answers (and what Supervisor 4.2.5 does) are:
 *
 *   XR_PERR_SIZE   FV_ETOOBIG  body over max_body        -> HTTP 413
 *                  (4.2.5 has no cap and reads any body)
 *   XR_PERR_XML    FV_EPROTO   not well-formed XML, not UTF-8, a DOCTYPE
 *                  or entity, over libxml2's own bounds     -> HTTP 400
 *                  (4.2.5: 400; a non-UTF-8 body makes it drop the
 *                  connection without answering; it expands internal
 *                  entities, we refuse every DOCTYPE)
 *   XR_PERR_SHAPE  FV_EPROTO   XML, but not a methodCall (wrong root, no or
 *                  empty methodName, stray text or elements, array without
 *                  data, member without name/value)         -> HTTP 400
 *                  (4.2.5: 400 for most; it ignores the root element and
 *                  extra elements)
 *   XR_PERR_LIMIT  FV_ETOOBIG  max_depth or max_items exceeded -> HTTP 400
 *                  (4.2.5 accepts any depth and count)
 *   XR_PERR_NAME   FV_ETOOBIG  methodName over max_method
 *                  -> Fault 1 UNKNOWN_METHOD, without echoing the name
 *                  (4.2.5 answers that for any unknown name)
 *   XR_PERR_VALUE  FV_EPROTO   a value that does not parse as its type, or
 *                  a type we do not know (<nil/>, <i8>)
 *                  -> Fault 2 INCORRECT_PARAMETERS (RELIABILITY C2)
 *                  (4.2.5: 400 where Python's int()/float()/strptime/
 *                  b64decode raise; it accepts big ints, nan, inf,
 *                  "1_000", boolean "true" as False, unknown types as
 *                  their text)
 */
enum xr_perr {
	XR_PERR_NONE = 0,
	XR_PERR_SIZE,
	XR_PERR_XML,
	XR_PERR_SHAPE,
	XR_PERR_LIMIT,
	XR_PERR_NAME,
	XR_PERR_VALUE,
};

/* xr_perr_name returns a static name for p ("value", "xml", ...). */
const char *xr_perr_name(enum xr_perr p);

/* A parsed methodCall. */
struct xr_request {
	/* Owned; 1..max_method bytes of UTF-8, exactly as sent: traversal
	 * strings ("a.b.c", "supervisor._x") are the dispatcher's to refuse. */
	char *method;
	/* Owned; always an XR_ARRAY, empty when <params> is absent. */
	struct xr_value *params;
	/* Why the last parse failed; XR_PERR_NONE after success. */
	enum xr_perr perr;
};

/* A parsed methodResponse: a value or a fault. */
struct xr_response {
	struct xr_value *value; /* owned; NULL for a fault */
	bool fault;
	int32_t fault_code;
	char *fault_string; /* owned; NULL unless fault */
	enum xr_perr perr;
};

/*
 * xr_request_parse parses len bytes of a POST /RPC2 body (not necessarily
 * NUL-terminated) with xr_limits_request. On success it returns 0 and *out
 * holds the method and params (release with xr_request_fini). On failure it
 * returns FV_EPROTO or FV_ETOOBIG, out->perr says which class (see enum
 * xr_perr), out->method and out->params are NULL, and d (if not NULL)
 * holds a message that quotes at most a few bytes of the input.
 */
int xr_request_parse(
    const char *body, size_t len, struct xr_request *out, struct fv_diag *d);
/* xr_request_parse_with is xr_request_parse with caller-chosen limits. */
int xr_request_parse_with(const char *body, size_t len,
    const struct xr_limits *lim, struct xr_request *out, struct fv_diag *d);

/*
 * A request parser for a server that parses many small requests: it
 * keeps libxml2's parser context (its allocation, dictionary and tables)
 * from one request to the next, which saves a good part of a small
 * request's cost. Same rules, results and messages as xr_request_parse.
 */
struct xr_parser;

struct xr_parser *xr_parser_new(void);
/* xr_parser_free releases p; NULL is a no-op. */
void xr_parser_free(struct xr_parser *p);
/* xr_parser_request is xr_request_parse_with on p's context. */
int xr_parser_request(struct xr_parser *p, const char *body, size_t len,
    const struct xr_limits *lim, struct xr_request *out, struct fv_diag *d);
/*
 * xr_request_parse_fast reads, without libxml2, the plain calls clients
 * send all the time: ASCII text, string, int and boolean params, no markup
 * beyond the call's own elements (xr_fast.c has the exact shape). true:
 * *out holds the call, equal to what the full parser makes of the body;
 * false: the body is not of that shape (or crosses a limit) and out is
 * untouched. xr_parser_request and xr_request_parse(_with) try it first.
 */
bool xr_request_parse_fast(const char *body, size_t len,
    const struct xr_limits *lim, struct xr_request *out);
/* xr_request_parse_xml is xr_request_parse_with without the fast path:
 * libxml2 reads every body (tests compare the two). */
int xr_request_parse_xml(const char *body, size_t len,
    const struct xr_limits *lim, struct xr_request *out, struct fv_diag *d);
/* xr_request_fini releases what a parse stored in r; safe after failure. */
void xr_request_fini(struct xr_request *r);

/*
 * xr_response_parse parses a methodResponse with xr_limits_response: on
 * success either out->value (one param) or out->fault with its code and
 * string. Errors as xr_request_parse; a fault whose struct lacks an int
 * faultCode or a string faultString is XR_PERR_SHAPE.
 */
int xr_response_parse(
    const char *body, size_t len, struct xr_response *out, struct fv_diag *d);
int xr_response_parse_with(const char *body, size_t len,
    const struct xr_limits *lim, struct xr_response *out, struct fv_diag *d);
/* xr_response_fini releases what a parse stored in r. */
void xr_response_fini(struct xr_response *r);

/*
 * Writers. Each appends one complete document to b, byte for byte as
 * Python's xmlrpc.client.dumps writes it for the same value (Supervisor
 * 4.2.5 answers with exactly that), except where 4.2.5's output is not
 * well-formed or loses data; see xr_escape. On error they return
 * FV_ETOOBIG (b's cap, or a tree deeper than XR_MAX_DEPTH_HARD) or
 * FV_EPROTO (a non-finite double, an invalid dateTime, params that are not
 * an array) and leave b as it was.
 */
/* xr_response_write writes a methodResponse carrying v. */
int xr_response_write(struct fv_buf *b, const struct xr_value *v);
/* xr_fault_write writes a fault; the code is an <int>, which is what
 * ngx_supervisord scans for. msg is a C string (any bytes, see xr_escape). */
int xr_fault_write(struct fv_buf *b, int32_t code, const char *msg);
/* xr_request_write writes a methodCall; params is an array or NULL (none). */
int xr_request_write(
    struct fv_buf *b, const char *method, const struct xr_value *params);
/* xr_value_write writes one "<value>...</value>\n" as Python's marshaller. */
int xr_value_write(struct fv_buf *b, const struct xr_value *v);

/*
 * xr_escape appends n bytes as XML 1.0 character data; every string, struct
 * name, method name and fault string goes through it. The policy:
 *   & < >              -> &amp; &lt; &gt;   (as Python's xmlrpc escape)
 *   CR                 -> &#13;  (4.2.5 writes it raw, and every XML parser
 *                         then hands the peer LF instead: the one place
 *                         where our bytes differ from 4.2.5's for a value
 *                         4.2.5 can send)
 *   TAB, LF, other valid UTF-8 that XML allows (DEL and C1 included)
 *                      -> as is
 *   the other C0 controls (NUL..US but TAB LF CR), U+FFFE, U+FFFF
 *                      -> U+FFFD  (XML 1.0 cannot carry them, not even as
 *                         &#N;; 4.2.5 writes them raw and Python's own
 *                         client then fails with "not well-formed")
 *   invalid UTF-8      -> U+FFFD for each maximal ill-formed subsequence,
 *                         exactly as Python's bytes.decode("utf-8",
 *                         "replace") (4.2.5 answers HTTP 500 instead)
 * So the output is always well-formed, and valid UTF-8.
 */
int xr_escape(struct fv_buf *b, const void *p, size_t n);

#endif
