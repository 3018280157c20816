/*
 * The XML-RPC request fuzz target (STYLE 2.8, RELIABILITY C2): the input is
 * a POST /RPC2 body for the production xr_request_parse(), with the
 * agent's default limits.
 *
 * Beyond "no sanitizer report, no leak", every input must keep these
 * properties, and a broken one aborts (a crash for libFuzzer):
 * - a refusal returns FV_EPROTO or FV_ETOOBIG as its class (perr) says,
 *   leaves method and params NULL, and a terminated message of bounded
 *   length;
 * - an accepted call has a methodName of 1..max_method bytes and params
 *   that are an array, and every string and member name in it is valid
 *   UTF-8 without NUL (what libxml2 guarantees, what the writers rely on);
 * - writing it back with xr_request_write and parsing that gives the same
 *   method and an equal tree, and writing that again gives the same bytes
 *   (the writers' output is a fixpoint), all of it valid UTF-8;
 * - the same params sent as a response (xr_response_write), and the method
 *   name sent as a fault string (xr_fault_write), read back unchanged
 *   with xr_response_parse: the client side agrees with the server side;
 * - tighter limits only ever turn the outcome into a SIZE, LIMIT or NAME
 *   refusal: they never change a value or the class of another refusal;
 * - a body that is not a methodCall goes to xr_response_parse too (the
 *   ctl reads what any server sends), with the same refusal rules and,
 *   when accepted, the same write-and-read-back property;
 * - a parser kept across inputs (xr_parser_request, as the agent keeps
 *   one) gives the same outcome, message and tree as a fresh one, whatever
 *   inputs came before it;
 * - the fast path (xr_request_parse_fast) takes only bodies that libxml2
 *   alone (xr_request_parse_xml) reads to an equal call, under the default
 *   and the tight limits, and leaves the request alone otherwise; and the
 *   parse above, fast path first, answers exactly as libxml2 alone does
 *   (outcome, class, message, call);
 * - an encoding memo of the params (xr_memo_new) attached to a copy makes
 *   the writer produce exactly the bytes it produces without one;
 * - the input bytes themselves, as a string value, make a document that
 *   parses (whatever bytes: xr_escape's policy), to a valid UTF-8 string
 *   that is the input itself when the input was clean XML text.
 * With FV_FUZZ_VERBOSE set in the environment, each parse's outcome goes to
 * stderr.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/str.h"
#include "fuzz.h"
#include "proto/xmlrpc/xr_codec.h"

/* What the writers may produce from a request under xr_limits_request. */
#define FUZZ_OUT_MAX (64u << 20)

static void
fuzz_fail(const char *what, int line, const char *detail)
{
	fprintf(
	    stderr, "fuzz_xr_request.c:%d: property broken: %s\n", line, what);
	if (detail != NULL) {
		fprintf(stderr, "  %s\n", detail);
	}
	abort();
}

#define FUZZ_CHECK(cond, detail)                              \
	do {                                                  \
		if (!(cond)) {                                \
			fuzz_fail(#cond, __LINE__, (detail)); \
		}                                             \
	} while (0)

/* fuzz_text_ok: valid UTF-8 and no NUL in n bytes at p. */
static bool
fuzz_text_ok(const char *p, size_t n)
{
	return fv_str_utf8_valid(p, n) && memchr(p, '\0', n) == NULL;
}

/* fuzz_tree_ok checks every string and name below v (depth-bounded). */
static bool
fuzz_tree_ok(const struct xr_value *v, size_t depth)
{
	const char *s;
	size_t n;

	if (depth > XR_MAX_DEPTH_HARD) {
		return false;
	}
	switch (xr_value_type(v)) {
	case XR_STRING:
		s = xr_string_get(v, &n);
		return fuzz_text_ok(s, n);
	case XR_ARRAY:
		for (size_t i = 0; i < xr_array_len(v); i++) {
			if (!fuzz_tree_ok(xr_array_at(v, i), depth + 1)) {
				return false;
			}
		}
		return true;
	case XR_STRUCT:
		for (size_t i = 0; i < xr_struct_len(v); i++) {
			s = xr_struct_name(v, i);
			if (!fuzz_text_ok(s, strlen(s)) ||
			    !fuzz_tree_ok(xr_struct_at(v, i), depth + 1)) {
				return false;
			}
		}
		return true;
	case XR_INT:
	case XR_BOOL:
	case XR_DOUBLE:
	case XR_DATETIME:
	case XR_BASE64:
		return true;
	}
	return false;
}

/* fuzz_refusal checks what a failed parse must leave behind. */
static void
fuzz_refusal(int rv, const struct xr_request *req, const struct fv_diag *d)
{
	bool big = req->perr == XR_PERR_SIZE || req->perr == XR_PERR_LIMIT ||
	    req->perr == XR_PERR_NAME;

	FUZZ_CHECK(req->perr != XR_PERR_NONE, d->msg);
	FUZZ_CHECK(rv == (big ? FV_ETOOBIG : FV_EPROTO), d->msg);
	FUZZ_CHECK(req->method == NULL && req->params == NULL, d->msg);
	FUZZ_CHECK(memchr(d->msg, '\0', sizeof(d->msg)) != NULL, NULL);
	FUZZ_CHECK(d->msg[0] != '\0', NULL);
}

/* fuzz_roundtrip checks the writers against an accepted request. */
static void
fuzz_roundtrip(const struct xr_request *req)
{
	struct xr_limits wide = xr_limits_request, outer;
	struct xr_response resp;
	struct fv_buf b1, b2;
	struct xr_request again;
	struct fv_diag d;
	int rv;

	wide.max_body = FUZZ_OUT_MAX;
	/* The params array becomes one value: one level more. */
	outer = wide;
	outer.max_depth++;
	fv_buf_init(&b1, FUZZ_OUT_MAX);
	fv_buf_init(&b2, FUZZ_OUT_MAX);

	/* Client side: the call written back reads back the same. */
	FUZZ_CHECK(xr_request_write(&b1, req->method, req->params) == 0, NULL);
	FUZZ_CHECK(fv_str_utf8_valid(b1.data, b1.len), b1.data);
	rv = xr_request_parse_with(b1.data, b1.len, &wide, &again, &d);
	FUZZ_CHECK(rv == 0, d.msg);
	FUZZ_CHECK(strcmp(again.method, req->method) == 0, again.method);
	FUZZ_CHECK(xr_value_equal(again.params, req->params), b1.data);
	FUZZ_CHECK(
	    xr_request_write(&b2, again.method, again.params) == 0, NULL);
	FUZZ_CHECK(
	    b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0, b2.data);
	xr_request_fini(&again);

	/* Server side: the params as a response, the name as a fault. */
	fv_buf_reset(&b1);
	FUZZ_CHECK(xr_response_write(&b1, req->params) == 0, NULL);
	FUZZ_CHECK(fv_str_utf8_valid(b1.data, b1.len), b1.data);
	rv = xr_response_parse_with(b1.data, b1.len, &outer, &resp, &d);
	FUZZ_CHECK(rv == 0 && !resp.fault, d.msg);
	FUZZ_CHECK(xr_value_equal(resp.value, req->params), b1.data);
	xr_response_fini(&resp);
	fv_buf_reset(&b1);
	FUZZ_CHECK(xr_fault_write(&b1, 1, req->method) == 0, NULL);
	rv = xr_response_parse_with(b1.data, b1.len, &wide, &resp, &d);
	FUZZ_CHECK(rv == 0 && resp.fault && resp.fault_code == 1, d.msg);
	FUZZ_CHECK(strcmp(resp.fault_string, req->method) == 0, b1.data);
	xr_response_fini(&resp);

	fv_buf_fini(&b1);
	fv_buf_fini(&b2);
}

/* Limits small enough for a 16 KiB input to cross every one of them. */
static const struct xr_limits fuzz_tight = {
	.max_body = 4096,
	.max_depth = 4,
	.max_items = 8,
	.max_method = 16,
};

static bool
fuzz_is_bound(enum xr_perr p)
{
	return p == XR_PERR_SIZE || p == XR_PERR_LIMIT || p == XR_PERR_NAME;
}

/* fuzz_tight_agrees parses again under fuzz_tight and compares. */
static void
fuzz_tight_agrees(
    const uint8_t *data, size_t size, int rv, const struct xr_request *req)
{
	struct xr_request t;
	struct fv_diag d;
	int trv;

	trv = xr_request_parse_with(
	    (const char *)data, size, &fuzz_tight, &t, &d);
	if (trv != 0) {
		fuzz_refusal(trv, &t, &d);
		FUZZ_CHECK(
		    fuzz_is_bound(t.perr) || (rv != 0 && t.perr == req->perr),
		    d.msg);
		return;
	}
	FUZZ_CHECK(rv == 0, d.msg);
	FUZZ_CHECK(strcmp(t.method, req->method) == 0, t.method);
	FUZZ_CHECK(xr_value_equal(t.params, req->params), NULL);
	xr_request_fini(&t);
}

/* fuzz_response reads the input as a methodResponse. */
static void
fuzz_response(const uint8_t *data, size_t size)
{
	struct xr_limits outer = xr_limits_response;
	struct xr_response r, again;
	struct fv_diag d;
	struct fv_buf b;
	int rv;

	memset(&d, 'X', sizeof(d));
	rv = xr_response_parse((const char *)data, size, &r, &d);
	if (rv != 0) {
		FUZZ_CHECK(r.perr != XR_PERR_NONE, d.msg);
		FUZZ_CHECK(
		    rv == (fuzz_is_bound(r.perr) ? FV_ETOOBIG : FV_EPROTO),
		    d.msg);
		FUZZ_CHECK(r.value == NULL && r.fault_string == NULL, d.msg);
		FUZZ_CHECK(memchr(d.msg, '\0', sizeof(d.msg)) != NULL, NULL);
		return;
	}
	fv_buf_init(&b, FUZZ_OUT_MAX);
	outer.max_body = FUZZ_OUT_MAX;
	if (r.fault) {
		FUZZ_CHECK(r.value == NULL && r.fault_string != NULL, NULL);
		FUZZ_CHECK(
		    fuzz_text_ok(r.fault_string, strlen(r.fault_string)), NULL);
		FUZZ_CHECK(
		    xr_fault_write(&b, r.fault_code, r.fault_string) == 0,
		    NULL);
	} else {
		FUZZ_CHECK(r.value != NULL && r.fault_string == NULL, NULL);
		FUZZ_CHECK(fuzz_tree_ok(r.value, 0), NULL);
		FUZZ_CHECK(xr_response_write(&b, r.value) == 0, NULL);
	}
	rv = xr_response_parse_with(b.data, b.len, &outer, &again, &d);
	FUZZ_CHECK(rv == 0 && again.fault == r.fault, d.msg);
	if (r.fault) {
		FUZZ_CHECK(again.fault_code == r.fault_code, b.data);
		FUZZ_CHECK(
		    strcmp(again.fault_string, r.fault_string) == 0, b.data);
	} else {
		FUZZ_CHECK(xr_value_equal(again.value, r.value), b.data);
	}
	xr_response_fini(&again);
	xr_response_fini(&r);
	fv_buf_fini(&b);
}

/* fuzz_clean_text: bytes an XML parser hands back as they are. */
static bool
fuzz_clean_text(const uint8_t *p, size_t n)
{
	if (!fuzz_text_ok((const char *)p, n)) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' &&
		        p[i] != '\r') ||
		    (p[i] == 0xef && i + 2 < n && p[i + 1] == 0xbf &&
		        (p[i + 2] == 0xbe || p[i + 2] == 0xbf))) {
			return false;
		}
	}
	return true;
}

/* fuzz_escape sends the input bytes as a string and reads them back. */
static void
fuzz_escape(const uint8_t *data, size_t size)
{
	struct xr_value *v = xr_string_newn(data, size);
	struct xr_limits wide = xr_limits_response;
	struct xr_response r;
	struct fv_diag d;
	struct fv_buf b;
	const char *s;
	size_t n;

	fv_buf_init(&b, FUZZ_OUT_MAX);
	wide.max_body = FUZZ_OUT_MAX;
	FUZZ_CHECK(xr_response_write(&b, v) == 0, NULL);
	FUZZ_CHECK(fv_str_utf8_valid(b.data, b.len), b.data);
	FUZZ_CHECK(
	    xr_response_parse_with(b.data, b.len, &wide, &r, &d) == 0, d.msg);
	s = xr_string_get(r.value, &n);
	FUZZ_CHECK(s != NULL && fuzz_text_ok(s, n), b.data);
	if (fuzz_clean_text(data, size)) {
		FUZZ_CHECK(n == size && memcmp(s, data, n) == 0, b.data);
	}
	xr_response_fini(&r);
	xr_value_free(v);
	fv_buf_fini(&b);
}

/*
 * fuzz_reused_agrees parses the input again with a parser kept from input
 * to input and compares with the fresh parse (rv, req, d). The parser
 * lives as long as the fuzzing process, as the agent's does.
 */
static void
fuzz_reused_agrees(const uint8_t *data, size_t size, int rv,
    const struct xr_request *req, const struct fv_diag *d)
{
	static struct xr_parser *kept;
	struct xr_request again;
	struct fv_diag d2;
	int rv2;

	if (kept == NULL) {
		kept = xr_parser_new();
	}
	memset(&d2, 'X', sizeof(d2));
	rv2 = xr_parser_request(
	    kept, (const char *)data, size, &xr_limits_request, &again, &d2);
	FUZZ_CHECK(rv2 == rv && again.perr == req->perr, d2.msg);
	if (rv != 0) {
		FUZZ_CHECK(strcmp(d->msg, d2.msg) == 0, d2.msg);
		return;
	}
	FUZZ_CHECK(strcmp(req->method, again.method) == 0, again.method);
	FUZZ_CHECK(xr_value_equal(req->params, again.params), NULL);
	xr_request_fini(&again);
}

/* fuzz_fast_under checks the fast path under lim against libxml2. */
static void
fuzz_fast_under(const uint8_t *data, size_t size, const struct xr_limits *lim)
{
	struct xr_request fast = { 0 }, full;
	struct fv_diag d;
	int rv;

	if (!xr_request_parse_fast((const char *)data, size, lim, &fast)) {
		FUZZ_CHECK(fast.method == NULL && fast.params == NULL, NULL);
		return;
	}
	rv = xr_request_parse_xml((const char *)data, size, lim, &full, &d);
	FUZZ_CHECK(rv == 0, d.msg);
	FUZZ_CHECK(strcmp(fast.method, full.method) == 0, fast.method);
	FUZZ_CHECK(xr_value_equal(fast.params, full.params), NULL);
	xr_request_fini(&fast);
	xr_request_fini(&full);
}

/* fuzz_fast_agrees compares the parse (rv, req, d), made with the fast
 * path first, with libxml2 alone, and the fast path with libxml2. */
static void
fuzz_fast_agrees(const uint8_t *data, size_t size, int rv,
    const struct xr_request *req, const struct fv_diag *d)
{
	struct xr_request full;
	struct fv_diag d2;
	int rv2;

	memset(&d2, 'X', sizeof(d2));
	rv2 = xr_request_parse_xml(
	    (const char *)data, size, &xr_limits_request, &full, &d2);
	FUZZ_CHECK(rv2 == rv && full.perr == req->perr, d2.msg);
	FUZZ_CHECK(strcmp(d->msg, d2.msg) == 0, d2.msg);
	if (rv == 0) {
		FUZZ_CHECK(strcmp(req->method, full.method) == 0, full.method);
		FUZZ_CHECK(xr_value_equal(req->params, full.params), NULL);
		xr_request_fini(&full);
	}
	fuzz_fast_under(data, size, &xr_limits_request);
	fuzz_fast_under(data, size, &fuzz_tight);
}

/* fuzz_memo_agrees writes params through a memo and without one. */
static void
fuzz_memo_agrees(const struct xr_value *params)
{
	struct xr_memo *m = xr_memo_new(params);
	struct xr_value *copy;
	struct fv_buf a, b;
	int ra, rb;

	if (m == NULL) {
		return; /* over a MiB, or not encodable: nothing kept */
	}
	copy = xr_value_dup(params);
	FUZZ_CHECK(xr_memo_attach(m, copy), NULL);
	fv_buf_init(&a, FUZZ_OUT_MAX);
	fv_buf_init(&b, FUZZ_OUT_MAX);
	ra = xr_response_write(&a, params);
	rb = xr_response_write(&b, copy);
	FUZZ_CHECK(ra == rb, NULL);
	FUZZ_CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0, NULL);
	fv_buf_fini(&a);
	fv_buf_fini(&b);
	xr_value_free(copy);
	xr_memo_free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xr_request req;
	struct fv_diag d;
	size_t n;
	int rv;

	/* Not zeroed: an unset or unterminated message must show. */
	memset(&d, 'X', sizeof(d));
	rv = xr_request_parse((const char *)data, size, &req, &d);
	if (getenv("FV_FUZZ_VERBOSE") != NULL) {
		fprintf(stderr, "xr_request_parse: %s: %s\n",
		    xr_perr_name(req.perr), rv == 0 ? req.method : d.msg);
	}
	fuzz_escape(data, size);
	fuzz_reused_agrees(data, size, rv, &req, &d);
	fuzz_fast_agrees(data, size, rv, &req, &d);
	if (rv != 0) {
		fuzz_refusal(rv, &req, &d);
		fuzz_tight_agrees(data, size, rv, &req);
		if (req.perr == XR_PERR_SHAPE) {
			fuzz_response(data, size);
		}
		return 0;
	}
	FUZZ_CHECK(req.perr == XR_PERR_NONE, NULL);
	n = strlen(req.method);
	FUZZ_CHECK(n > 0 && n <= xr_limits_request.max_method, req.method);
	FUZZ_CHECK(fv_str_utf8_valid(req.method, n), NULL);
	FUZZ_CHECK(xr_value_type(req.params) == XR_ARRAY, NULL);
	FUZZ_CHECK(
	    xr_array_len(req.params) <= xr_limits_request.max_items, NULL);
	FUZZ_CHECK(fuzz_tree_ok(req.params, 0), NULL);
	fuzz_tight_agrees(data, size, rv, &req);
	fuzz_memo_agrees(req.params);
	fuzz_roundtrip(&req);
	xr_request_fini(&req);
	return 0;
}
