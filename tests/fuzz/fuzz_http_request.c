/*
 * The HTTP request fuzz target (STYLE 2.8, RELIABILITY C3): the input is
 * what a peer writes on one connection, for the production
 * http_req_feed(), answered the way a server does: each request taken,
 * http_req_next, the rest fed again, and a close (len 0) at the end.
 *
 * Beyond "no sanitizer report, no leak", every input must keep these
 * properties, and a broken one aborts (a crash for libFuzzer):
 * - the bytes in two pieces (cut at a place the first byte picks) and
 *   one byte at a time give the same requests, in the same order, and
 *   the same final answer: framing never depends on how TCP split it;
 * - a refusal is FV_EPROTO or FV_ETOOBIG with a status the header lists
 *   (400 413 414 417 431 501 505), a terminated message, and it is
 *   final: nothing more is consumed or returned after it;
 * - nothing is consumed past a complete request before http_req_next;
 * - every request returned is sane: a method, a path that is "*" or
 *   starts with '/', header names made of token bytes, values without
 *   CR, LF or NUL, body_len within the limit and body NUL-ended;
 * - the same holds under tight limits, which exercise every bound.
 * With FV_FUZZ_VERBOSE set in the environment, each run's outcome goes to
 * stderr.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "fuzz.h"
#include "proto/http/http_req.h"

static void
fuzz_fail(const char *what, int line, const char *detail)
{
	fprintf(stderr, "fuzz_http_request.c:%d: property broken: %s\n", line,
	    what);
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

/* What one way of feeding the input saw. */
struct fuzz_outcome {
	size_t nreq;
	uint64_t hash; /* every request's fields, in order */
	int rv; /* the last answer: an error, or the close's */
	int status;
};

static uint64_t
fuzz_mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		h = (h ^ s[i]) * 1099511628211u;
	}
	/* A separator, so that "ab","c" and "a","bc" differ. */
	return (h ^ 0xff) * 1099511628211u;
}

static bool
fuzz_token(const char *s)
{
	if (*s == '\0') {
		return false;
	}
	for (; *s != '\0'; s++) {
		if (strchr("!#$%&'*+-.^_`|~", *s) == NULL &&
		    !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		        (*s >= '0' && *s <= '9'))) {
			return false;
		}
	}
	return true;
}

/* fuzz_request checks one request and folds it into the outcome. */
static void
fuzz_request(const struct http_request *r, const struct http_limits *lim,
    struct fuzz_outcome *o)
{
	uint64_t h = o->hash;
	unsigned char flags;

	FUZZ_CHECK(r != NULL, NULL);
	FUZZ_CHECK(fuzz_token(r->method), r->method);
	FUZZ_CHECK(r->path[r->path_len] == '\0', r->target);
	FUZZ_CHECK((r->path_len == 1 && r->path[0] == '*') ||
	        (r->path_len > 0 && r->path[0] == '/'),
	    r->target);
	FUZZ_CHECK(strlen(r->target) <= lim->max_request_line, NULL);
	FUZZ_CHECK(
	    r->path_len <= strlen(r->target) || strcmp(r->path, "/") == 0,
	    r->target);
	FUZZ_CHECK(
	    r->http_major == 1 && (r->http_minor == 0 || r->http_minor == 1),
	    NULL);
	FUZZ_CHECK(r->nheaders <= lim->max_headers, NULL);
	FUZZ_CHECK(r->body_len <= lim->max_body, NULL);
	FUZZ_CHECK(r->body[r->body_len] == '\0', NULL);
	FUZZ_CHECK(!r->expect_continue || r->http_minor == 1, NULL);
	h = fuzz_mix(h, r->method, strlen(r->method));
	h = fuzz_mix(h, r->target, strlen(r->target));
	h = fuzz_mix(h, r->path, r->path_len);
	h = fuzz_mix(h, r->query, strlen(r->query));
	for (size_t i = 0; i < r->nheaders; i++) {
		const char *v = r->headers[i].value;

		FUZZ_CHECK(fuzz_token(r->headers[i].name), r->headers[i].name);
		FUZZ_CHECK(strpbrk(v, "\r\n") == NULL, v);
		FUZZ_CHECK(v[0] != ' ' && v[0] != '\t', v);
		h = fuzz_mix(h, r->headers[i].name, strlen(r->headers[i].name));
		h = fuzz_mix(h, v, strlen(v));
	}
	h = fuzz_mix(h, r->body, r->body_len);
	flags = (unsigned char)(r->http_minor | r->keep_alive << 1 |
	    r->expect_continue << 2);
	o->hash = fuzz_mix(h, &flags, 1);
	o->nreq++;
}

/* fuzz_refusal checks an error answer and that it is final. */
static void
fuzz_refusal(struct http_req_parser *p, int rv, const struct fv_diag *d)
{
	int status = http_req_status(p);
	size_t c = 1;

	FUZZ_CHECK(rv == FV_EPROTO || rv == FV_ETOOBIG, d->msg);
	FUZZ_CHECK(status == 400 || status == 413 || status == 414 ||
	        status == 417 || status == 431 || status == 501 ||
	        status == 505,
	    d->msg);
	FUZZ_CHECK(rv == FV_ETOOBIG ||
	        (status != 413 && status != 414 && status != 431),
	    d->msg);
	FUZZ_CHECK(memchr(d->msg, '\0', sizeof(d->msg)) != NULL, NULL);
	FUZZ_CHECK(d->msg[0] != '\0', NULL);
	FUZZ_CHECK(http_req_get(p) == NULL, d->msg);
	http_req_next(p);
	FUZZ_CHECK(
	    http_req_feed(p, "GET / HTTP/1.1\r\n\r\n", 18, &c, NULL) == rv,
	    NULL);
	FUZZ_CHECK(c == 0 && http_req_status(p) == status, NULL);
}

/*
 * fuzz_run feeds data in pieces that end at the offsets in cuts (the last
 * is size; step 1 means one byte per piece instead), answering like a
 * server, and fills o.
 */
static void
fuzz_run(const uint8_t *data, size_t size, size_t cut, bool bytewise,
    const struct http_limits *lim, struct fuzz_outcome *o)
{
	struct http_req_parser *p = http_req_parser_new(lim);
	const char *in = (const char *)data;
	size_t off = 0, end, c;
	struct fv_diag d;
	int rv;

	memset(o, 0, sizeof(*o));
	o->hash = 14695981039346656037u;
	end = bytewise ? (size > 0 ? 1 : 0) : cut;
	for (;;) {
		memset(&d, 'X', sizeof(d));
		if (off == end) {
			if (end == size) {
				break;
			}
			end = bytewise ? end + 1 : size;
			continue;
		}
		rv = http_req_feed(p, in + off, end - off, &c, &d);
		FUZZ_CHECK(c <= end - off, NULL);
		off += c;
		if (rv < 0) {
			fuzz_refusal(p, rv, &d);
			o->rv = rv;
			o->status = http_req_status(p);
			http_req_parser_free(p);
			return;
		}
		if (rv == HTTP_REQ_DONE) {
			const struct http_request *r = http_req_get(p);
			size_t again;

			fuzz_request(r, lim, o);
			/* Held until http_req_next: nothing more taken. */
			FUZZ_CHECK(http_req_feed(p, in + off, end - off, &again,
			               NULL) == HTTP_REQ_DONE &&
			        again == 0,
			    NULL);
			http_req_next(p);
			continue;
		}
		if (rv == HTTP_REQ_HEADERS) {
			FUZZ_CHECK(http_req_get(p) != NULL, NULL);
			continue;
		}
		FUZZ_CHECK(rv == HTTP_REQ_MORE && off == end, NULL);
	}
	/* The peer closes. */
	rv = http_req_feed(p, NULL, 0, &c, &d);
	FUZZ_CHECK(c == 0, NULL);
	if (rv < 0) {
		fuzz_refusal(p, rv, &d);
		o->status = http_req_status(p);
	} else {
		FUZZ_CHECK(rv == HTTP_REQ_MORE, NULL);
	}
	o->rv = rv;
	http_req_parser_free(p);
}

/* Limits a 16 KiB input crosses easily. */
static const struct http_limits fuzz_tight = {
	.max_request_line = 40,
	.max_header_bytes = 96,
	.max_headers = 3,
	.max_body = 24,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_outcome split, bytes, tight;
	size_t cut = size > 0 ? (size_t)data[0] * size / 256 : 0;
	char detail[160];

	fuzz_run(data, size, cut, false, &http_limits_default, &split);
	fuzz_run(data, size, cut, true, &http_limits_default, &bytes);
	fuzz_run(data, size, cut, false, &fuzz_tight, &tight);
	snprintf(detail, sizeof(detail),
	    "split: %zu requests, rv %d, status %d; bytewise: %zu, %d, %d",
	    split.nreq, split.rv, split.status, bytes.nreq, bytes.rv,
	    bytes.status);
	if (getenv("FV_FUZZ_VERBOSE") != NULL) {
		fprintf(stderr, "%s; tight: %zu, %d, %d\n", detail, tight.nreq,
		    tight.rv, tight.status);
	}
	FUZZ_CHECK(
	    split.nreq == bytes.nreq && split.hash == bytes.hash, detail);
	FUZZ_CHECK(
	    split.rv == bytes.rv && split.status == bytes.status, detail);
	return 0;
}
