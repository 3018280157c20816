/*
 * The HTTP response fuzz target: the input is what a server writes on one
 * connection before it closes, for the production http_resp_feed(), fed
 * the way fleetvisorctl's client does (everything not consumed is fed
 * again; the close at the end).
 *
 * Beyond "no sanitizer report, no leak", every input must keep these
 * properties, and a broken one aborts (a crash for libFuzzer):
 * - all at once, in two pieces (cut where the first byte says) and one
 *   byte at a time give the same outcome, the same status, headers and
 *   body: framing never depends on how TCP split the bytes;
 * - the head is announced exactly once before a complete response, and
 *   a body sent to a callback equals the body the parser buffers;
 * - an error is FV_EPROTO or FV_ETOOBIG, carries a message, and is
 *   final; a buffered body never exceeds its cap;
 * - the same holds under tight limits, which exercise every bound.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "fuzz.h"
#include "proto/http/http_resp.h"

static void
fuzz_fail(const char *what, int line)
{
	fprintf(stderr, "fuzz_http_response.c:%d: property broken: %s\n", line,
	    what);
	abort();
}

#define FUZZ_CHECK(cond)                            \
	do {                                        \
		if (!(cond)) {                      \
			fuzz_fail(#cond, __LINE__); \
		}                                   \
	} while (0)

struct fuzz_outcome {
	int rv;
	int heads;
	uint64_t hash; /* status, headers and body */
	size_t body_len;
};

static uint64_t
fuzz_mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		h = (h ^ s[i]) * 1099511628211u;
	}
	return (h ^ 0xff) * 1099511628211u;
}

static void
fuzz_sink(void *arg, const char *p, size_t n)
{
	struct fv_buf *b = arg;

	/* The sink's cap is the input's size: a body never exceeds it. */
	FUZZ_CHECK(fv_buf_append(b, p, n) == 0);
}

/* fuzz_run feeds data in pieces of step bytes (0: all at once; cut > 0:
 * two pieces cut there). */
static struct fuzz_outcome
fuzz_run(const uint8_t *data, size_t size, const struct http_resp_limits *lim,
    size_t step, size_t cut, bool callback)
{
	struct http_resp_parser *p = http_resp_parser_new(lim);
	struct fuzz_outcome o = { .rv = HTTP_RESP_MORE };
	const char *s = (const char *)data;
	struct fv_buf sink;
	struct fv_diag d = { { 0 } };
	size_t off = 0, c;

	fv_buf_init(&sink, size + 1);
	if (callback) {
		http_resp_set_body_cb(p, fuzz_sink, &sink);
	}
	while (off < size) {
		size_t n = size - off;

		if (step != 0 && n > step) {
			n = step;
		}
		if (cut != 0 && off < cut && n > cut - off) {
			n = cut - off;
		}
		o.rv = http_resp_feed(p, s + off, n, &c, &d);
		FUZZ_CHECK(c <= n);
		off += c;
		if (o.rv == HTTP_RESP_HEADERS) {
			o.heads++;
		}
		if (o.rv < 0 || o.rv == HTTP_RESP_DONE) {
			break;
		}
		FUZZ_CHECK(o.rv == HTTP_RESP_HEADERS || c == n);
	}
	if (o.rv >= 0 && o.rv != HTTP_RESP_DONE) {
		o.rv = http_resp_feed(p, NULL, 0, &c, &d);
		if (o.rv == HTTP_RESP_HEADERS) {
			o.heads++;
			o.rv = http_resp_feed(p, NULL, 0, &c, &d);
		}
	}
	if (o.rv < 0) {
		FUZZ_CHECK(o.rv == FV_EPROTO || o.rv == FV_ETOOBIG);
		FUZZ_CHECK(d.msg[0] != '\0');
		FUZZ_CHECK(http_resp_feed(p, "HTTP/1.1 ", 9, &c, NULL) == o.rv);
		FUZZ_CHECK(c == 0);
	} else {
		const struct http_response *r = http_resp_get(p);
		const char *body = callback ? fv_buf_cstr(&sink) : r->body;
		size_t blen = callback ? sink.len : r->body_len;

		FUZZ_CHECK(o.rv == HTTP_RESP_DONE);
		FUZZ_CHECK(o.heads == 1);
		FUZZ_CHECK(
		    r->status >= 0 && r->status <= 999 && r->status / 100 != 1);
		FUZZ_CHECK(callback || r->body_len <= lim->max_body);
		FUZZ_CHECK(!callback || r->body_len == 0);
		o.hash = fuzz_mix(0, &r->status, sizeof(r->status));
		o.hash = fuzz_mix(o.hash, r->reason, strlen(r->reason));
		for (size_t i = 0; i < r->nheaders; i++) {
			o.hash = fuzz_mix(o.hash, r->headers[i].name,
			    strlen(r->headers[i].name));
			o.hash = fuzz_mix(o.hash, r->headers[i].value,
			    strlen(r->headers[i].value));
		}
		o.hash = fuzz_mix(o.hash, body, blen);
		o.body_len = blen;
	}
	fv_buf_fini(&sink);
	http_resp_parser_free(p);
	return o;
}

static void
fuzz_compare(const struct fuzz_outcome *a, const struct fuzz_outcome *b)
{
	FUZZ_CHECK(a->rv == b->rv);
	FUZZ_CHECK(a->hash == b->hash);
	FUZZ_CHECK(a->body_len == b->body_len);
}

static void
fuzz_limits(
    const uint8_t *data, size_t size, const struct http_resp_limits *lim)
{
	struct fuzz_outcome whole = fuzz_run(data, size, lim, 0, 0, false);
	struct fuzz_outcome one = fuzz_run(data, size, lim, 1, 0, false);
	size_t cut = size > 1 ? 1 + data[0] % (size - 1) : 0;
	struct fuzz_outcome two = fuzz_run(data, size, lim, 0, cut, false);

	fuzz_compare(&whole, &one);
	fuzz_compare(&whole, &two);
	if (whole.rv == HTTP_RESP_DONE) {
		/* A callback sees the same body, uncapped. */
		struct fuzz_outcome cb = fuzz_run(data, size, lim, 0, 0, true);

		FUZZ_CHECK(cb.rv == HTTP_RESP_DONE);
		FUZZ_CHECK(cb.hash == whole.hash);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct http_resp_limits tight = {
		.max_header_bytes = 64,
		.max_headers = 3,
		.max_body = 16,
	};

	fuzz_limits(data, size, &http_resp_limits_default);
	fuzz_limits(data, size, &tight);
	return 0;
}
