/*
 * The HTTP/1.x response parser: Content-Length, chunked and read-to-close
 * bodies fed in any pieces, the pause after the head, 1xx skipped, bounds
 * on the head and on a buffered body, a body callback without bound, and
 * refusal of ambiguous framing and of a close inside a response.
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
#include "proto/http/http_resp.h"

/* What one run of the driver saw. */
struct run {
	int rv; /* HTTP_RESP_DONE, HTTP_RESP_MORE or an error */
	int heads; /* HTTP_RESP_HEADERS answers */
	size_t used;
	struct fv_diag d;
};

/*
 * run_resp feeds raw in pieces of at most step bytes (0: all at once)
 * until the response is complete or an error; eof then feeds the close.
 */
static struct run
run_resp(struct http_resp_parser *p, const char *raw, size_t len, size_t step,
    bool eof)
{
	struct run r = { 0 };

	while (r.used < len) {
		size_t n = len - r.used, c = 0;

		if (step != 0 && n > step) {
			n = step;
		}
		r.rv = http_resp_feed(p, raw + r.used, n, &c, &r.d);
		r.used += c;
		if (r.rv == HTTP_RESP_HEADERS) {
			r.heads++;
		}
		if (r.rv < 0 || r.rv == HTTP_RESP_DONE) {
			return r;
		}
	}
	if (eof) {
		size_t c = 0;

		r.rv = http_resp_feed(p, NULL, 0, &c, &r.d);
	}
	return r;
}

static const size_t steps[] = { 0, 1, 2, 3, 7, 64 };

static void
test_content_length(void **state)
{
	static const char raw[] = "HTTP/1.1 200 OK\r\n"
	                          "Content-Type: text/xml\r\n"
	                          "Content-Length:  5 \r\n"
	                          "\r\n"
	                          "hello"
	                          "HTTP/1.1 200 OK\r\n";

	(void)state;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct http_resp_parser *p = http_resp_parser_new(NULL);
		struct run r =
		    run_resp(p, raw, sizeof(raw) - 1, steps[i], false);
		const struct http_response *resp = http_resp_get(p);

		assert_int_equal(r.rv, HTTP_RESP_DONE);
		assert_int_equal(r.heads, 1);
		/* Nothing of the next response is consumed. */
		assert_int_equal(r.used, sizeof(raw) - 1 - 17);
		assert_int_equal(resp->status, 200);
		assert_string_equal(resp->reason, "OK");
		assert_int_equal(resp->nheaders, 2);
		assert_string_equal(
		    http_resp_header(resp, "content-type"), "text/xml");
		assert_string_equal(
		    http_resp_header(resp, "CONTENT-LENGTH"), "5");
		assert_null(http_resp_header(resp, "x-none"));
		assert_int_equal(resp->body_len, 5);
		assert_string_equal(resp->body, "hello");
		assert_true(resp->keep_alive);
		http_resp_parser_free(p);
	}
}

static void
test_chunked(void **state)
{
	static const char raw[] = "HTTP/1.1 200 OK\r\n"
	                          "Transfer-Encoding: chunked\r\n"
	                          "\r\n"
	                          "5\r\nhello\r\n"
	                          "7;ext=1\r\n, world\r\n"
	                          "0\r\n\r\n";

	(void)state;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct http_resp_parser *p = http_resp_parser_new(NULL);
		struct run r =
		    run_resp(p, raw, sizeof(raw) - 1, steps[i], false);

		assert_int_equal(r.rv, HTTP_RESP_DONE);
		assert_int_equal(r.used, sizeof(raw) - 1);
		assert_string_equal(http_resp_get(p)->body, "hello, world");
		http_resp_parser_free(p);
	}
}

static void
test_read_to_close(void **state)
{
	static const char raw[] = "HTTP/1.0 200 OK\r\n"
	                          "Content-Type: text/plain\r\n"
	                          "\r\n"
	                          "all of it";

	(void)state;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct http_resp_parser *p = http_resp_parser_new(NULL);
		struct run r =
		    run_resp(p, raw, sizeof(raw) - 1, steps[i], true);

		assert_int_equal(r.rv, HTTP_RESP_DONE);
		assert_string_equal(http_resp_get(p)->body, "all of it");
		assert_false(http_resp_get(p)->keep_alive);
		http_resp_parser_free(p);
	}
}

static void
test_http10_keep_alive_and_close(void **state)
{
	static const char ka[] = "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
	                         "Content-Length: 0\r\n\r\n";
	static const char cl[] = "HTTP/1.1 200 OK\r\nConnection: close\r\n"
	                         "Content-Length: 2\r\n\r\nok";
	struct http_resp_parser *p = http_resp_parser_new(NULL);
	struct run r;

	(void)state;
	r = run_resp(p, ka, sizeof(ka) - 1, 0, false);
	assert_int_equal(r.rv, HTTP_RESP_DONE);
	assert_true(http_resp_get(p)->keep_alive);
	assert_int_equal(http_resp_get(p)->body_len, 0);
	http_resp_parser_free(p);
	p = http_resp_parser_new(NULL);
	r = run_resp(p, cl, sizeof(cl) - 1, 0, false);
	assert_int_equal(r.rv, HTTP_RESP_DONE);
	assert_false(http_resp_get(p)->keep_alive);
	http_resp_parser_free(p);
}

static void
test_interim_skipped(void **state)
{
	static const char raw[] = "HTTP/1.1 100 Continue\r\nX-A: 1\r\n\r\n"
	                          "HTTP/1.1 401 Unauthorized\r\n"
	                          "Content-Length: 3\r\n\r\nno!";

	(void)state;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct http_resp_parser *p = http_resp_parser_new(NULL);
		struct run r =
		    run_resp(p, raw, sizeof(raw) - 1, steps[i], false);
		const struct http_response *resp = http_resp_get(p);

		assert_int_equal(r.rv, HTTP_RESP_DONE);
		assert_int_equal(r.heads, 1);
		assert_int_equal(resp->status, 401);
		assert_string_equal(resp->reason, "Unauthorized");
		assert_int_equal(resp->nheaders, 1);
		assert_null(http_resp_header(resp, "x-a"));
		assert_string_equal(resp->body, "no!");
		http_resp_parser_free(p);
	}
}

/* The head is announced before any body byte: a client can drop a
 * non-200 answer unread. */
static void
test_head_announced_first(void **state)
{
	static const char raw[] = "HTTP/1.1 404 Not Found\r\n"
	                          "Content-Length: 100000\r\n\r\nxyz";
	struct http_resp_parser *p = http_resp_parser_new(NULL);
	size_t used = 0;
	int rv;

	(void)state;
	rv = http_resp_feed(p, raw, sizeof(raw) - 1, &used, NULL);
	assert_int_equal(rv, HTTP_RESP_HEADERS);
	assert_true(used < sizeof(raw) - 1 - 3);
	assert_int_equal(http_resp_get(p)->status, 404);
	assert_string_equal(http_resp_get(p)->reason, "Not Found");
	http_resp_parser_free(p);
}

struct sink {
	struct fv_buf got;
	int calls;
};

static void
sink_body(void *arg, const char *p, size_t n)
{
	struct sink *s = arg;

	s->calls++;
	assert_int_equal(fv_buf_append(&s->got, p, n), 0);
}

static void
test_body_callback_uncapped(void **state)
{
	struct http_resp_limits lim = http_resp_limits_default;
	struct fv_buf raw;

	(void)state;
	lim.max_body = 4;
	fv_buf_init(&raw, 1 << 20);
	fv_buf_puts(
	    &raw, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
	for (int i = 0; i < 100; i++) {
		fv_buf_puts(&raw, "a\r\n0123456789\r\n");
	}
	fv_buf_puts(&raw, "0\r\n\r\n");
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct http_resp_parser *p = http_resp_parser_new(&lim);
		struct sink s = { 0 };
		struct run r;

		fv_buf_init(&s.got, 1 << 20);
		http_resp_set_body_cb(p, sink_body, &s);
		r = run_resp(p, raw.data, raw.len, steps[i], false);
		assert_int_equal(r.rv, HTTP_RESP_DONE);
		assert_int_equal(s.got.len, 1000);
		assert_memory_equal(s.got.data + 990, "0123456789", 10);
		assert_true(s.calls >= 100);
		assert_int_equal(http_resp_get(p)->body_len, 0);
		fv_buf_fini(&s.got);
		http_resp_parser_free(p);
	}
	fv_buf_fini(&raw);
}

static void
expect_error(const char *raw, const struct http_resp_limits *lim, bool eof,
    int want, const char *msg_part)
{
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct http_resp_parser *p = http_resp_parser_new(lim);
		struct run r = run_resp(p, raw, strlen(raw), steps[i], eof);
		size_t used = 0;

		assert_int_equal(r.rv, want);
		if (strstr(r.d.msg, msg_part) == NULL) {
			fail_msg("step %zu: \"%s\" lacks \"%s\"", steps[i],
			    r.d.msg, msg_part);
		}
		/* Final: nothing more is taken. */
		assert_int_equal(
		    http_resp_feed(p, "HTTP/1.1", 8, &used, NULL), want);
		assert_int_equal(used, 0);
		http_resp_parser_free(p);
	}
}

static void
test_refusals(void **state)
{
	struct http_resp_limits lim = http_resp_limits_default;

	(void)state;
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
	             "Transfer-Encoding: chunked\r\n\r\n",
	    NULL, false, FV_EPROTO, "http:");
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", NULL,
	    false, FV_EPROTO, "gzip");
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
	             "Content-Length: 4\r\n\r\n",
	    NULL, false, FV_EPROTO, "http:");
	expect_error("HELLO\r\n\r\n", NULL, false, FV_EPROTO, "http:");
	expect_error("HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", NULL,
	    false, FV_EPROTO, "version");
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", NULL,
	    true, FV_EPROTO, "closed inside");
	expect_error("HTTP/1.1 200 OK\r\nContent-Le", NULL, true, FV_EPROTO,
	    "closed inside");
	expect_error("", NULL, true, FV_EPROTO, "before a response");
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	             "zz\r\n",
	    NULL, false, FV_EPROTO, "http:");

	lim.max_body = 4;
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", &lim,
	    false, FV_ETOOBIG, "over the 4-byte limit");
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	             "3\r\nabc\r\n2\r\n",
	    &lim, false, FV_ETOOBIG, "over the 4-byte limit");
	expect_error("HTTP/1.0 200 OK\r\n\r\nabcde", &lim, false, FV_ETOOBIG,
	    "over the 4-byte limit");
	lim = http_resp_limits_default;
	lim.max_header_bytes = 40;
	expect_error("HTTP/1.1 200 OK\r\nX-Long: "
	             "0123456789012345678901234567890123456789\r\n\r\n",
	    &lim, false, FV_ETOOBIG, "head longer than 40");
	lim = http_resp_limits_default;
	lim.max_headers = 2;
	expect_error("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", &lim,
	    false, FV_ETOOBIG, "more than 2 headers");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_read_to_close),
		cmocka_unit_test(test_http10_keep_alive_and_close),
		cmocka_unit_test(test_interim_skipped),
		cmocka_unit_test(test_head_announced_first),
		cmocka_unit_test(test_body_callback_uncapped),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
