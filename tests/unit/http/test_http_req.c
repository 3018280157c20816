/*
 * The HTTP/1.x request parser (RELIABILITY C3): incremental feeding in any
 * pieces, pipelining, limits enforced before buffering, refusal of every
 * ambiguous framing (with the following pipelined request never
 * returned), target decoding, keep-alive, Expect and peer close.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/err.h"
#include "proto/http/http_req.h"

/* What one run of the driver saw. */
struct run {
	int rv; /* HTTP_REQ_DONE, HTTP_REQ_MORE or an error */
	int status; /* http_req_status after an error */
	size_t used; /* bytes consumed */
	int headers_events; /* HTTP_REQ_HEADERS answers */
	struct fv_diag d;
};

/*
 * run_one feeds raw in pieces of at most step bytes (0: all at once)
 * until a request is complete, an error, or the input is used up. Bytes
 * not consumed are fed again, as a server does.
 */
static struct run
run_one(struct http_req_parser *p, const char *raw, size_t len, size_t step)
{
	struct run r = { 0 };
	size_t c, n;

	for (;;) {
		n = len - r.used;
		if (step != 0 && n > step) {
			n = step;
		}
		if (n == 0) {
			r.rv = HTTP_REQ_MORE;
			break;
		}
		r.rv = http_req_feed(p, raw + r.used, n, &c, &r.d);
		assert_true(c <= n);
		r.used += c;
		if (r.rv < 0) {
			r.status = http_req_status(p);
			assert_true(r.d.msg[0] != '\0');
			break;
		}
		if (r.rv == HTTP_REQ_DONE) {
			break;
		}
		if (r.rv == HTTP_REQ_HEADERS) {
			r.headers_events++;
			continue;
		}
		assert_int_equal(r.rv, HTTP_REQ_MORE);
		assert_int_equal(c, n);
	}
	return r;
}

/* parse parses one request from a C string with default limits. */
static struct run
parse(struct http_req_parser **pp, const char *raw, size_t step)
{
	*pp = http_req_parser_new(&http_limits_default);
	return run_one(*pp, raw, strlen(raw), step);
}

static void
test_simple_get(void **state)
{
	struct http_req_parser *p;
	const struct http_request *r;
	struct run run;

	(void)state;
	run = parse(&p,
	    "GET /RPC2?a=%20b HTTP/1.1\r\nHost: localhost\r\n"
	    "X-Empty:\r\nX-Pad: \t v a l \t \r\n\r\n",
	    0);
	assert_int_equal(run.rv, HTTP_REQ_DONE);
	assert_int_equal(run.headers_events, 0);
	r = http_req_get(p);
	assert_non_null(r);
	assert_string_equal(r->method, "GET");
	assert_string_equal(r->target, "/RPC2?a=%20b");
	assert_string_equal(r->path, "/RPC2");
	assert_int_equal(r->path_len, 5);
	assert_string_equal(r->query, "a=%20b");
	assert_int_equal(r->http_major, 1);
	assert_int_equal(r->http_minor, 1);
	assert_int_equal(r->nheaders, 3);
	assert_string_equal(r->headers[0].name, "Host");
	assert_string_equal(r->headers[0].value, "localhost");
	assert_string_equal(http_header_get(r, "x-empty"), "");
	assert_string_equal(http_header_get(r, "X-PAD"), "v a l");
	assert_null(http_header_get(r, "Content-Length"));
	assert_string_equal(r->body, "");
	assert_int_equal(r->body_len, 0);
	assert_true(r->keep_alive);
	assert_false(r->expect_continue);
	assert_int_equal(http_req_status(p), 0);
	http_req_parser_free(p);
	http_req_parser_free(NULL);
}

/* A typical XML-RPC POST, fed every way: the same request comes out. */
static const char post_rpc[] =
    "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip\r\n"
    "User-Agent: Python-xmlrpc/3.11\r\nContent-Type: text/xml\r\n"
    "Content-Length: 113\r\n\r\n"
    "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor."
    "getState</methodName>\n<params>\n</params>\n</methodCall>\nXYZ";

static void
check_post_rpc(const struct http_req_parser *p)
{
	const struct http_request *r = http_req_get(p);

	assert_non_null(r);
	assert_string_equal(r->method, "POST");
	assert_string_equal(r->path, "/RPC2");
	assert_int_equal(r->nheaders, 5);
	assert_int_equal(r->body_len, 113);
	assert_memory_equal(r->body, strstr(post_rpc, "<?xml"), 113);
	assert_int_equal(r->body[113], '\0');
}

static void
test_post_any_pieces(void **state)
{
	size_t len = strlen(post_rpc);
	struct http_req_parser *p;
	struct run run;

	(void)state;
	for (size_t step = 0; step <= 7; step++) {
		p = http_req_parser_new(NULL);
		run = run_one(p, post_rpc, len, step);
		assert_int_equal(run.rv, HTTP_REQ_DONE);
		assert_int_equal(run.headers_events, 1);
		assert_int_equal(run.used, len - 3); /* "XYZ" is not taken */
		check_post_rpc(p);
		http_req_parser_free(p);
	}
	/* Two pieces, split at every position. */
	for (size_t cut = 1; cut < len; cut++) {
		size_t c1, c2, c3;
		int rv;

		p = http_req_parser_new(NULL);
		rv = http_req_feed(p, post_rpc, cut, &c1, NULL);
		assert_true(rv == HTTP_REQ_MORE || rv == HTTP_REQ_HEADERS);
		rv = http_req_feed(p, post_rpc + c1, len - c1, &c2, NULL);
		if (rv == HTTP_REQ_HEADERS) {
			rv = http_req_feed(
			    p, post_rpc + c1 + c2, len - c1 - c2, &c3, NULL);
			c2 += c3;
		}
		assert_int_equal(rv, HTTP_REQ_DONE);
		assert_int_equal(c1 + c2, len - 3);
		check_post_rpc(p);
		http_req_parser_free(p);
	}
}

static void
test_chunked_body(void **state)
{
	static const char raw[] =
	    "POST /RPC2 HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
	    "5;ext=1\r\nhello\r\n1A\r\n abcdefghijklmnopqrstuvwxy\r\n"
	    "0\r\n\r\nGET /next HTTP/1.1\r\n\r\n";
	size_t len = strlen(raw), first = strstr(raw, "GET") - raw;
	const struct http_request *r;
	struct http_req_parser *p;
	struct run run;

	(void)state;
	for (size_t step = 0; step <= 3; step++) {
		p = http_req_parser_new(NULL);
		run = run_one(p, raw, len, step);
		assert_int_equal(run.rv, HTTP_REQ_DONE);
		assert_int_equal(run.headers_events, 1);
		assert_int_equal(run.used, first);
		r = http_req_get(p);
		assert_int_equal(r->body_len, 31);
		assert_string_equal(r->body, "hello abcdefghijklmnopqrstuvwxy");
		http_req_next(p);
		run = run_one(p, raw + first, len - first, step);
		assert_int_equal(run.rv, HTTP_REQ_DONE);
		assert_string_equal(http_req_get(p)->path, "/next");
		http_req_parser_free(p);
	}
	/* An empty chunked body still announces its headers. */
	run = parse(&p,
	    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "0\r\n\r\n",
	    0);
	assert_int_equal(run.rv, HTTP_REQ_DONE);
	assert_int_equal(run.headers_events, 1);
	assert_int_equal(http_req_get(p)->body_len, 0);
	assert_string_equal(http_req_get(p)->body, "");
	http_req_parser_free(p);
}

/* 100 pipelined requests of three framings in one buffer, in order. */
static void
test_pipelining_100(void **state)
{
	struct fv_buf b;
	struct http_req_parser *p;
	size_t off = 0;
	struct run run;
	char want[32];

	(void)state;
	fv_buf_init(&b, 1 << 20);
	for (int i = 0; i < 100; i++) {
		switch (i % 3) {
		case 0:
			fv_buf_printf(
			    &b, "GET /r%d HTTP/1.1\r\nHost: h\r\n\r\n", i);
			break;
		case 1:
			fv_buf_printf(&b,
			    "POST /r%d HTTP/1.1\r\nContent-Length: 4\r\n\r\n"
			    "b%03d",
			    i, i);
			break;
		default:
			fv_buf_printf(&b,
			    "POST /r%d HTTP/1.1\r\nTransfer-Encoding: "
			    "chunked\r\n\r\n4\r\nb%03d\r\n0\r\n\r\n",
			    i, i);
			break;
		}
	}
	p = http_req_parser_new(NULL);
	for (int i = 0; i < 100; i++) {
		const struct http_request *r;

		run = run_one(p, b.data + off, b.len - off, 0);
		assert_int_equal(run.rv, HTTP_REQ_DONE);
		off += run.used;
		r = http_req_get(p);
		snprintf(want, sizeof(want), "/r%d", i);
		assert_string_equal(r->path, want);
		if (i % 3 != 0) {
			snprintf(want, sizeof(want), "b%03d", i);
			assert_string_equal(r->body, want);
		}
		assert_true(r->keep_alive);
		http_req_next(p);
	}
	assert_int_equal(off, b.len);
	/* The peer closes between requests: not an error. */
	assert_int_equal(http_req_feed(p, "", 0, &off, NULL), HTTP_REQ_MORE);
	assert_int_equal(off, 0);
	http_req_parser_free(p);
	fv_buf_fini(&b);
}

static void
test_done_waits_for_next(void **state)
{
	static const char raw[] =
	    "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
	struct http_req_parser *p = http_req_parser_new(NULL);
	size_t c;

	(void)state;
	assert_int_equal(
	    http_req_feed(p, raw, strlen(raw), &c, NULL), HTTP_REQ_DONE);
	assert_int_equal(c, 19);
	/* Fed again without http_req_next: the same request, nothing more
	 * taken. */
	assert_int_equal(http_req_feed(p, raw + c, strlen(raw) - c, &c, NULL),
	    HTTP_REQ_DONE);
	assert_int_equal(c, 0);
	assert_string_equal(http_req_get(p)->path, "/a");
	http_req_next(p);
	assert_null(http_req_get(p));
	assert_int_equal(
	    http_req_feed(p, raw + 19, 19, &c, NULL), HTTP_REQ_DONE);
	assert_string_equal(http_req_get(p)->path, "/b");
	http_req_parser_free(p);
}

/* The headers come out before the body, once, with Expect read. */
static void
test_headers_then_body(void **state)
{
	static const char head[] = "POST /RPC2 HTTP/1.1\r\nExpect: 100-Continue"
	                           "\r\nContent-Length: 3\r\n\r\n";
	struct http_req_parser *p = http_req_parser_new(NULL);
	const struct http_request *r;
	size_t c, off;

	(void)state;
	assert_null(http_req_get(p));
	assert_int_equal(
	    http_req_feed(p, head, strlen(head), &c, NULL), HTTP_REQ_HEADERS);
	off = c;
	r = http_req_get(p);
	assert_non_null(r);
	assert_true(r->expect_continue);
	assert_string_equal(http_header_get(r, "content-length"), "3");
	assert_int_equal(r->body_len, 0);
	/* The rest of the head, then nothing yet: no second announce. */
	assert_int_equal(
	    http_req_feed(p, head + off, strlen(head) - off, &c, NULL),
	    HTTP_REQ_MORE);
	assert_int_equal(http_req_feed(p, "ab", 2, &c, NULL), HTTP_REQ_MORE);
	assert_int_equal(http_req_feed(p, "cGET", 4, &c, NULL), HTTP_REQ_DONE);
	assert_int_equal(c, 1);
	r = http_req_get(p);
	assert_string_equal(r->body, "abc");
	assert_true(r->expect_continue);
	http_req_parser_free(p);

	/* Giving up after the headers: the body must not become the next
	 * request, so the parser refuses everything from then on. */
	p = http_req_parser_new(NULL);
	assert_int_equal(
	    http_req_feed(p, head, strlen(head), &c, NULL), HTTP_REQ_HEADERS);
	http_req_next(p);
	assert_int_equal(
	    http_req_feed(p, "GET / HTTP/1.1\r\n\r\n", 18, &c, NULL),
	    FV_ESTATE);
	assert_int_equal(c, 0);
	assert_null(http_req_get(p));
	http_req_parser_free(p);
	/* The same half way through a head. */
	p = http_req_parser_new(NULL);
	assert_int_equal(
	    http_req_feed(p, "GET / HT", 8, &c, NULL), HTTP_REQ_MORE);
	http_req_next(p);
	assert_int_equal(
	    http_req_feed(p, "GET / HTTP/1.1\r\n\r\n", 18, &c, NULL),
	    FV_ESTATE);
	http_req_parser_free(p);

	/* HTTP/1.0 ignores 100-continue (RFC 7231 5.1.1). */
	assert_int_equal(parse(&p,
	                     "POST / HTTP/1.0\r\nExpect: 100-continue\r\n"
	                     "Content-Length: 1\r\n\r\nx",
	                     0)
	                     .rv,
	    HTTP_REQ_DONE);
	assert_false(http_req_get(p)->expect_continue);
	http_req_parser_free(p);
}

static void
test_keep_alive(void **state)
{
	static const struct {
		const char *raw;
		bool keep;
	} cases[] = {
		{ "GET / HTTP/1.1\r\n\r\n", true },
		{ "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false },
		{ "GET / HTTP/1.1\r\nConnection: keep-alive, close\r\n\r\n",
		    false },
		{ "GET / HTTP/1.0\r\n\r\n", false },
		{ "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true },
	};
	struct http_req_parser *p;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(&p, cases[i].raw, 0).rv, HTTP_REQ_DONE);
		assert_int_equal(http_req_get(p)->keep_alive, cases[i].keep);
		http_req_parser_free(p);
	}
}

/* Absolute-form is accepted and its path used (RFC 7230 5.3.2). */
static void
test_targets(void **state)
{
	static const struct {
		const char *raw, *path, *query;
		size_t path_len;
	} cases[] = {
		{ "GET http://h:9001/RPC2?x=1 HTTP/1.1\r\n\r\n", "/RPC2", "x=1",
		    5 },
		{ "POST HTTPS://u@h/a%2Fb HTTP/1.1\r\n\r\n", "/a/b", "", 4 },
		{ "GET http://h HTTP/1.1\r\n\r\n", "/", "", 1 },
		{ "GET http://h?q HTTP/1.1\r\n\r\n", "/", "q", 1 },
		{ "OPTIONS * HTTP/1.1\r\n\r\n", "*", "", 1 },
		{ "GET /a%20b%00c?%zz+%20 HTTP/1.1\r\n\r\n", "/a b\0c",
		    "%zz+%20", 6 },
		{ "GET //x/../y? HTTP/1.1\r\n\r\n", "//x/../y", "", 8 },
		{ "\r\n\r\nGET /after-blank-lines HTTP/1.1\r\n\r\n",
		    "/after-blank-lines", "", 18 },
	};
	struct http_req_parser *p;
	const struct http_request *r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(&p, cases[i].raw, 1).rv, HTTP_REQ_DONE);
		r = http_req_get(p);
		assert_int_equal(r->path_len, cases[i].path_len);
		assert_memory_equal(r->path, cases[i].path, r->path_len + 1);
		assert_string_equal(r->query, cases[i].query);
		http_req_parser_free(p);
	}
	assert_int_equal(parse(&p, cases[0].raw, 0).rv, HTTP_REQ_DONE);
	assert_string_equal(http_req_get(p)->target, "http://h:9001/RPC2?x=1");
	http_req_parser_free(p);
}

/*
 * Every refused request, each followed in the same write by a valid one
 * that must never come out; fed at once and byte by byte, with the same
 * status both ways.
 */
#define REFUSE(s, st)                \
	{                            \
		s, sizeof(s) - 1, st \
	}

static const struct {
	const char *raw;
	size_t len;
	int status;
} refused[] = {
	REFUSE("POST / HTTP/1.1\r\nContent-Length: 4\r\n"
	       "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	    400),
	REFUSE("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	       "Content-Length: 4\r\n\r\n0\r\n\r\n",
	    400),
	REFUSE(
	    "POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\n"
	    "abcd",
	    400),
	REFUSE(
	    "POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n"
	    "abcd",
	    400),
	REFUSE("POST / HTTP/1.1\r\nContent-Length: +4\r\n\r\nabcd", 400),
	REFUSE("POST / HTTP/1.1\r\nContent-Length: -4\r\n\r\nabcd", 400),
	REFUSE("POST / HTTP/1.1\r\nContent-Length: 0x4\r\n\r\nabcd", 400),
	REFUSE("POST / HTTP/1.1\r\nContent-Length: 4, 4\r\n\r\nabcd", 400),
	REFUSE("POST / HTTP/1.1\r\nContent-Length: 4 4\r\n\r\nabcd", 400),
	REFUSE("POST / HTTP/1.1\r\nContent-Length:\r\n\r\nabcd", 400),
	REFUSE(
	    "POST / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n",
	    400),
	REFUSE("POST / HTTP/1.1\r\nContent-Length: "
	       "99999999999999999999999\r\n\r\n",
	    400),
	REFUSE(
	    "POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
	    400),
	REFUSE("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n\r\n"
	       "0\r\n\r\n",
	    400),
	REFUSE("POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n", 400),
	REFUSE("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
	       "0\r\n\r\n",
	    501),
	REFUSE("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	       "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	    400),
	REFUSE("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	    400),
	REFUSE("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	       "10000000000000000\r\n",
	    400),
	REFUSE("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	       "5\r\nhelloXY0\r\n\r\n",
	    400),
	REFUSE("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	       "5;a\nb\r\nhello\r\n0\r\n\r\n",
	    400),
	REFUSE("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	       "5\nhello\r\n0\r\n\r\n",
	    400),
	REFUSE("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	       "5\r\nhello\n0\r\n\r\n",
	    400),
	REFUSE("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	       "0\r\nX-Trailer: y\r\n\r\n",
	    400),
	REFUSE("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	       "0\r\n\n",
	    400),
	REFUSE("GET / HTTP/1.1\nHost: h\r\n\r\n", 400),
	REFUSE("GET / HTTP/1.1\r\nHost: h\n\r\n", 400),
	REFUSE("GET / HTTP/1.1\r\nHost: h\r\n\n", 400),
	REFUSE("\nGET / HTTP/1.1\r\n\r\n", 400),
	REFUSE("GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", 400),
	REFUSE("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 400),
	REFUSE("GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n", 400),
	REFUSE("GET / HTTP/1.1\r\n X: a\r\n\r\n", 400),
	REFUSE("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 400),
	REFUSE("GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400),
	REFUSE("GET / HTTP/1.1\r\nX : a\r\n\r\n", 400),
	REFUSE("GET / HTTP/1.1\r\n: a\r\n\r\n", 400),
	REFUSE("GET / HTTP/1.1\r\nX\x01Y: a\r\n\r\n", 400),
	REFUSE("GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", 400),
	REFUSE("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
	REFUSE("GET /a%zz HTTP/1.1\r\n\r\n", 400),
	REFUSE("GET /a%4 HTTP/1.1\r\n\r\n", 400),
	REFUSE("GET /a% HTTP/1.1\r\n\r\n", 400),
	REFUSE("GET /a#frag HTTP/1.1\r\n\r\n", 400),
	REFUSE("GET * HTTP/1.1\r\n\r\n", 400),
	REFUSE("GET ftp://h/a HTTP/1.1\r\n\r\n", 400),
	REFUSE("GET http:///a HTTP/1.1\r\n\r\n", 400),
	REFUSE("GET a/b HTTP/1.1\r\n\r\n", 400),
	REFUSE("GET /a b HTTP/1.1\r\n\r\n", 400),
	REFUSE("FOO / HTTP/1.1\r\n\r\n", 501),
	REFUSE("get / HTTP/1.1\r\n\r\n", 501),
	REFUSE("CONNECT h:443 HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd", 501),
	REFUSE("GET / HTTP/2.0\r\n\r\n", 505),
	REFUSE("GET / HTTP/1.2\r\n\r\n", 505),
	REFUSE("GET / HTTP/0.9\r\n\r\n", 505),
	REFUSE("GET /\r\n", 505),
	REFUSE("GET / HTTP/1.1x\r\n\r\n", 400),
	REFUSE("GET / FOO/1.1\r\n\r\n", 400),
	REFUSE(
	    "POST / HTTP/1.1\r\nExpect: something\r\nContent-Length: 1\r\n\r\n"
	    "a",
	    417),
};

static void
test_refused_and_nothing_smuggled(void **state)
{
	static const char next[] = "GET /smuggled HTTP/1.1\r\n\r\n";
	struct fv_buf b;

	(void)state;
	fv_buf_init(&b, 4096);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		int status[2];

		fv_buf_reset(&b);
		fv_buf_append(&b, refused[i].raw, refused[i].len);
		fv_buf_puts(&b, next);
		for (int bytewise = 0; bytewise < 2; bytewise++) {
			struct http_req_parser *p = http_req_parser_new(NULL);
			const struct http_request *r;
			struct run run;
			size_t off = 0, c;

			/* A server's loop: answer each request, go on. */
			for (;;) {
				run = run_one(p, b.data + off, b.len - off,
				    bytewise ? 1 : 0);
				off += run.used;
				if (run.rv != HTTP_REQ_DONE) {
					break;
				}
				r = http_req_get(p);
				if (strcmp(r->path, "/smuggled") == 0) {
					fail_msg("case %zu: smuggled", i);
				}
				http_req_next(p);
			}
			if (run.rv >= 0) {
				fail_msg(
				    "case %zu accepted: %s", i, refused[i].raw);
			}
			assert_true(
			    run.rv == FV_EPROTO || run.rv == FV_ETOOBIG);
			status[bytewise] = run.status;
			if (run.status != refused[i].status) {
				fail_msg("case %zu (%s): status %d, want %d: "
				         "%s",
				    i, bytewise ? "bytewise" : "at once",
				    run.status, refused[i].status, run.d.msg);
			}
			/* After an error nothing more is taken. */
			assert_null(http_req_get(p));
			assert_int_equal(
			    http_req_feed(p, next, strlen(next), &c, NULL),
			    run.rv);
			assert_int_equal(c, 0);
			http_req_next(p);
			assert_int_equal(
			    http_req_feed(p, next, strlen(next), &c, NULL),
			    run.rv);
			assert_int_equal(http_req_status(p), run.status);
			http_req_parser_free(p);
		}
		assert_int_equal(status[0], status[1]);
	}
	fv_buf_fini(&b);
}

/* What http-parser and we both take although it looks odd. */
static void
test_lenient_but_unambiguous(void **state)
{
	struct http_req_parser *p;
	struct run run;

	(void)state;
	/* Blanks around a Content-Length are OWS (RFC 7230 3.2.3); a tab
	 * there is refused by http-parser already. */
	run =
	    parse(&p, "POST / HTTP/1.1\r\nContent-Length:  3  \r\n\r\nabc", 1);
	assert_int_equal(run.rv, HTTP_REQ_DONE);
	assert_string_equal(http_req_get(p)->body, "abc");
	http_req_parser_free(p);
	/* Leading zeros are still plain digits. */
	run = parse(&p, "POST / HTTP/1.1\r\nContent-Length: 003\r\n\r\nabc", 0);
	assert_int_equal(run.rv, HTTP_REQ_DONE);
	http_req_parser_free(p);
	/* A missing Host is accepted, as Supervisor 4.2.5 does. */
	run = parse(&p, "POST /RPC2 HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 0);
	assert_int_equal(run.rv, HTTP_REQ_DONE);
	assert_int_equal(run.headers_events, 0);
	http_req_parser_free(p);
	/* Upgrade is ignored: the next request is parsed as HTTP. */
	p = http_req_parser_new(NULL);
	{
		static const char raw[] =
		    "GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n"
		    "\r\nGET /two HTTP/1.1\r\n\r\n";
		run = run_one(p, raw, strlen(raw), 0);
		assert_int_equal(run.rv, HTTP_REQ_DONE);
		http_req_next(p);
		run = run_one(p, raw + run.used, strlen(raw) - run.used, 0);
		assert_int_equal(run.rv, HTTP_REQ_DONE);
		assert_string_equal(http_req_get(p)->path, "/two");
	}
	http_req_parser_free(p);
}

static const struct http_limits small = {
	.max_request_line = 64,
	.max_header_bytes = 128,
	.max_headers = 4,
	.max_body = 100,
};

/* small_status runs raw under the small limits, at once and byte by
 * byte, and returns 200 (accepted) or the error status. */
static int
small_status(const char *raw, size_t len)
{
	int status[2];

	for (int bytewise = 0; bytewise < 2; bytewise++) {
		struct http_req_parser *p = http_req_parser_new(&small);
		struct run run = run_one(p, raw, len, bytewise ? 1 : 0);

		status[bytewise] = run.rv == HTTP_REQ_DONE ? 200
		    : run.rv < 0                           ? run.status
		                                           : 0;
		if (run.rv < 0) {
			assert_int_equal(run.rv,
			    run.status == 400 || run.status == 505
			        ? FV_EPROTO
			        : FV_ETOOBIG);
		}
		http_req_parser_free(p);
	}
	assert_int_equal(status[0], status[1]);
	return status[0];
}

#define SMALL(s) small_status(s, sizeof(s) - 1)

static void
test_limits(void **state)
{
	struct fv_buf b;

	(void)state;
	fv_buf_init(&b, 1 << 20);

	/* Request line: 64 bytes pass, 65 get 414 before the line ends. */
	fv_buf_printf(&b, "GET /%0*d HTTP/1.1\r\n\r\n", 64 - 14, 0);
	assert_int_equal(small_status(b.data, b.len), 200);
	fv_buf_reset(&b);
	fv_buf_printf(&b, "GET /%0*d HTTP/1.1", 64 - 13, 0);
	assert_int_equal(small_status(b.data, b.len), 414);

	/* Header block: 128 bytes with their CRLFs pass, 129 get 431. */
	fv_buf_reset(&b);
	fv_buf_printf(&b, "GET / HTTP/1.1\r\nX: %0*d\r\n\r\n", 128 - 5, 0);
	assert_int_equal(small_status(b.data, b.len), 200);
	fv_buf_reset(&b);
	fv_buf_printf(&b, "GET / HTTP/1.1\r\nX: %0*d\r\n\r\n", 128 - 4, 0);
	assert_int_equal(small_status(b.data, b.len), 431);
	/* ... and without the end of the line ever coming. */
	fv_buf_reset(&b);
	fv_buf_printf(&b, "GET / HTTP/1.1\r\nX: %0*d", 200, 0);
	assert_int_equal(small_status(b.data, b.len), 431);

	/* Header count: 4 pass, 5 get 431. */
	assert_int_equal(SMALL("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n"
	                       "C: 3\r\nD: 4\r\n\r\n"),
	    200);
	assert_int_equal(SMALL("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n"
	                       "C: 3\r\nD: 4\r\nE: 5\r\n\r\n"),
	    431);

	/* Content-Length: 413 once the head ends, no body byte needed. */
	assert_int_equal(SMALL("POST / HTTP/1.1\r\nContent-Length: "
	                       "101\r\n\r\n"),
	    413);
	assert_int_equal(SMALL("POST / HTTP/1.1\r\nContent-Length: "
	                       "107374182400\r\n\r\n"),
	    413);
	fv_buf_reset(&b);
	fv_buf_printf(
	    &b, "POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n%0*d", 100, 0);
	assert_int_equal(small_status(b.data, b.len), 200);

	/* Chunked: one chunk too big (refused at its size line), or small
	 * chunks adding up past the limit. */
	assert_int_equal(SMALL("POST / HTTP/1.1\r\nTransfer-Encoding: "
	                       "chunked\r\n\r\n65\r\n"),
	    413);
	fv_buf_reset(&b);
	fv_buf_puts(
	    &b, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
	for (int i = 0; i < 11; i++) {
		fv_buf_puts(&b, "a\r\n0123456789\r\n");
	}
	assert_int_equal(small_status(b.data, b.len), 413);
	fv_buf_reset(&b);
	fv_buf_puts(
	    &b, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
	for (int i = 0; i < 10; i++) {
		fv_buf_puts(&b, "a\r\n0123456789\r\n");
	}
	fv_buf_puts(&b, "0\r\n\r\n");
	assert_int_equal(small_status(b.data, b.len), 200);
	/* A chunk extension cannot grow without bound either. */
	fv_buf_reset(&b);
	fv_buf_printf(&b,
	    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;%0*d", 100,
	    0);
	assert_int_equal(small_status(b.data, b.len), 400);
	fv_buf_fini(&b);
}

/* A large peer input in small pieces: memory stays within the limits,
 * whatever the amount fed (checked by the parser refusing in time). */
static void
test_endless_header_refused_early(void **state)
{
	struct http_req_parser *p = http_req_parser_new(NULL);
	char chunk[1024];
	size_t c, total = 0;
	int rv;

	(void)state;
	assert_int_equal(
	    http_req_feed(p, "GET / HTTP/1.1\r\nX: ", 19, &c, NULL),
	    HTTP_REQ_MORE);
	memset(chunk, 'a', sizeof(chunk));
	while ((rv = http_req_feed(p, chunk, sizeof(chunk), &c, NULL)) ==
	    HTTP_REQ_MORE) {
		total += c;
		assert_true(total <= http_limits_default.max_header_bytes);
	}
	assert_int_equal(rv, FV_ETOOBIG);
	assert_int_equal(http_req_status(p), 431);
	http_req_parser_free(p);
}

static void
test_peer_close(void **state)
{
	struct http_req_parser *p;
	size_t c;

	(void)state;
	/* Nothing yet, or only empty lines: a quiet end. */
	p = http_req_parser_new(NULL);
	assert_int_equal(http_req_feed(p, NULL, 0, &c, NULL), HTTP_REQ_MORE);
	assert_int_equal(http_req_feed(p, "\r\n", 2, &c, NULL), HTTP_REQ_MORE);
	assert_int_equal(http_req_feed(p, "", 0, &c, NULL), HTTP_REQ_MORE);
	http_req_parser_free(p);
	/* Inside the request line, the head or the body: 400. */
	static const char *partial[] = {
		"G",
		"GET / HTTP/1.1\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
	};
	for (size_t i = 0; i < sizeof(partial) / sizeof(partial[0]); i++) {
		struct run run;
		struct fv_diag d;

		p = http_req_parser_new(NULL);
		run = run_one(p, partial[i], strlen(partial[i]), 0);
		assert_true(
		    run.rv == HTTP_REQ_MORE || run.rv == HTTP_REQ_HEADERS);
		assert_int_equal(http_req_feed(p, "", 0, &c, &d), FV_EPROTO);
		assert_int_equal(http_req_status(p), 400);
		assert_non_null(strstr(d.msg, "closed"));
		http_req_parser_free(p);
	}
	/* A complete request then a close: the request stands. */
	p = http_req_parser_new(NULL);
	assert_int_equal(
	    http_req_feed(p, "GET / HTTP/1.0\r\n\r\n", 18, &c, NULL),
	    HTTP_REQ_DONE);
	assert_int_equal(http_req_feed(p, "", 0, &c, NULL), HTTP_REQ_DONE);
	assert_non_null(http_req_get(p));
	http_req_parser_free(p);
}

/* Storage is reused across a connection's requests. */
static void
test_storage_reused(void **state)
{
	struct http_req_parser *p = http_req_parser_new(NULL);
	const char *first = NULL;
	size_t c;

	(void)state;
	for (int i = 0; i < 50; i++) {
		size_t len = strlen(post_rpc) - 3;
		int rv = http_req_feed(p, post_rpc, len, &c, NULL);

		assert_int_equal(rv, HTTP_REQ_HEADERS);
		rv = http_req_feed(p, post_rpc + c, len - c, &c, NULL);
		assert_int_equal(rv, HTTP_REQ_DONE);
		check_post_rpc(p);
		if (first == NULL) {
			first = http_req_get(p)->method;
		}
		/* The same arena, unmoved: no allocation per request. */
		assert_ptr_equal(http_req_get(p)->method, first);
		http_req_next(p);
	}
	http_req_parser_free(p);
}

static void
test_status_reason(void **state)
{
	static const int needed[] = { 100, 101, 200, 204, 206, 301, 302, 304,
		400, 401, 403, 404, 405, 408, 411, 413, 414, 415, 417, 431, 500,
		501, 503, 505 };

	(void)state;
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		assert_true(http_status_reason(needed[i])[0] != '\0');
	}
	assert_string_equal(http_status_reason(200), "OK");
	assert_string_equal(http_status_reason(404), "Not Found");
	assert_string_equal(
	    http_status_reason(431), "Request Header Fields Too Large");
	assert_string_equal(
	    http_status_reason(505), "HTTP Version Not Supported");
	assert_string_equal(http_status_reason(0), "");
	assert_string_equal(http_status_reason(299), "");
	assert_string_equal(http_status_reason(-1), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_get),
		cmocka_unit_test(test_post_any_pieces),
		cmocka_unit_test(test_chunked_body),
		cmocka_unit_test(test_pipelining_100),
		cmocka_unit_test(test_done_waits_for_next),
		cmocka_unit_test(test_headers_then_body),
		cmocka_unit_test(test_keep_alive),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_refused_and_nothing_smuggled),
		cmocka_unit_test(test_lenient_but_unambiguous),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_endless_header_refused_early),
		cmocka_unit_test(test_peer_close),
		cmocka_unit_test(test_storage_reused),
		cmocka_unit_test(test_status_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
