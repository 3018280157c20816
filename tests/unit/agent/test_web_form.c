/*
 * Unit tests for the web pages' text plumbing (agent/src/web/web_form.c):
 * form decoding against what Python's parse_qs/parse_qsl give (4.2.5's
 * web.py uses them), URL quoting against urllib.parse.quote, HTML
 * escaping of hostile text, and the two date formats.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "common/buf.h"
#include "common/str.h"
#include "web/web_form.h"

/* The fields these tests read. */
static const char *const names[] = { "a", "b", "c", "d", "e", "action",
	"processname", "m", "t", NULL };

static void
test_form_query_like_parse_qs(void **state)
{
	/* parse_qs('a=1&a=2&b=&c&d=x%zz+y&e=%41%2f%3a') gives
	 * {'a': ['1', '2'], 'd': ['x%zz y'], 'e': ['A/:']}; 4.2.5 keeps
	 * v[0]. */
	static const char q[] = "a=1&a=2&b=&c&d=x%zz+y&e=%41%2f%3a";
	struct fv_kvmap m = { 0 };

	(void)state;
	web_form_parse(&m, names, q, strlen(q), true);
	assert_int_equal(m.n, 3);
	assert_string_equal(fv_kvmap_get(&m, "a"), "1");
	assert_null(fv_kvmap_get(&m, "b"));
	assert_null(fv_kvmap_get(&m, "c"));
	assert_string_equal(fv_kvmap_get(&m, "d"), "x%zz y");
	assert_string_equal(fv_kvmap_get(&m, "e"), "A/:");
	fv_kvmap_free(&m);
}

static void
test_form_body_overrides_query(void **state)
{
	static const char q[] = "action=stop&processname=a";
	static const char body[] = "action=start&action=restart";
	struct fv_kvmap m = { 0 };

	(void)state;
	web_form_parse(&m, names, q, strlen(q), true);
	web_form_parse(&m, names, body, strlen(body), false);
	assert_string_equal(fv_kvmap_get(&m, "action"), "restart");
	assert_string_equal(fv_kvmap_get(&m, "processname"), "a");
	fv_kvmap_free(&m);
}

static void
test_form_nul_and_bad_utf8_replaced(void **state)
{
	/* A "%00" must not cut the name short: "foo%00bar" is not "foo". */
	static const char q[] = "processname=foo%00bar&m=%ff%c3%a9&t=%e2%82";
	struct fv_kvmap m = { 0 };

	(void)state;
	web_form_parse(&m, names, q, strlen(q), true);
	assert_string_equal(fv_kvmap_get(&m, "processname"),
	    "foo\xef\xbf\xbd"
	    "bar");
	assert_string_equal(fv_kvmap_get(&m, "m"), "\xef\xbf\xbd\xc3\xa9");
	assert_string_equal(fv_kvmap_get(&m, "t"), "\xef\xbf\xbd\xef\xbf\xbd");
	fv_kvmap_free(&m);
}

static void
test_form_length_bounded(void **state)
{
	/* Only the n bytes given are read: no terminator needed. */
	static const char q[] = "a=12345";
	struct fv_kvmap m = { 0 };

	(void)state;
	web_form_parse(&m, names, q, 4, true);
	assert_string_equal(fv_kvmap_get(&m, "a"), "12");
	fv_kvmap_free(&m);
	web_form_parse(&m, names, "%4", 2, true);
	assert_int_equal(m.n, 0);
	fv_kvmap_free(&m);
}

/* Only the named fields are kept, and only the first pairs are read. */
static void
test_form_named_fields_and_pair_cap(void **state)
{
	static const char *const page[] = { "action", NULL };
	struct fv_buf q;
	struct fv_kvmap m = { 0 };

	(void)state;
	web_form_parse(&m, page, "x=1&%61ction=stop&y=2", 21, true);
	assert_int_equal(m.n, 1);
	assert_string_equal(fv_kvmap_get(&m, "action"), "stop");
	fv_kvmap_free(&m);

	fv_buf_init(&q, 4096);
	for (int i = 0; i < WEB_FORM_PAIRS_MAX - 1; i++) {
		fv_buf_puts(&q, "x=1&");
	}
	fv_buf_puts(&q, "action=start&action=stop");
	web_form_parse(&m, page, q.data, q.len, false);
	/* Pair 64 is read, pair 65 is not. */
	assert_string_equal(fv_kvmap_get(&m, "action"), "start");
	fv_kvmap_free(&m);
	fv_buf_fini(&q);
}

/* 120 000 distinct fields (a 1.6 MB body) once took 14 s; now the work
 * stops at the pair cap, whatever the body holds. */
static void
test_form_huge_body_bounded(void **state)
{
	const int nfields = 120000;
	struct fv_buf q;
	struct fv_kvmap m = { 0 };
	char pair[32];

	(void)state;
	fv_buf_init(&q, 4 * 1024 * 1024);
	for (int i = 0; i < nfields; i++) {
		int len = snprintf(pair, sizeof(pair), "f%d=v&", i);

		assert_int_equal(fv_buf_append(&q, pair, (size_t)len), 0);
	}
	fv_buf_puts(&q, "action=stop");
	/* Bounded by construction: only the first pairs are looked at (the
	 * old code compared every field with every other one), so the field
	 * after them is not seen at all. */
	web_form_parse(&m, names, q.data, q.len, false);
	assert_int_equal(m.n, 0);
	fv_kvmap_free(&m);
	fv_buf_fini(&q);
}

static void
test_url_quote_like_python(void **state)
{
	struct fv_buf b;

	(void)state;
	fv_buf_init(&b, 1024);
	web_url_quote(&b, "ERROR: Process grp:baz: spawn error/x*~", true);
	assert_string_equal(fv_buf_cstr(&b),
	    "ERROR%3A%20Process%20grp%3Abaz%3A%20spawn%20error/x%2A~");
	fv_buf_reset(&b);
	web_url_quote(&b, "a/b&c=\"<\xc3\xa9", false);
	assert_string_equal(fv_buf_cstr(&b), "a%2Fb%26c%3D%22%3C%C3%A9");
	fv_buf_fini(&b);
}

static void
test_html_escape_hostile(void **state)
{
	static const char in[] = "<script>alert('x&y')</script>\"\x01\t\n"
	                         "\xff\xc3\xa9\0z";
	struct fv_buf b;

	(void)state;
	fv_buf_init(&b, 1024);
	assert_int_equal(web_html_escape(&b, in, sizeof(in) - 1), 0);
	assert_string_equal(fv_buf_cstr(&b),
	    "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;&quot;"
	    "\xef\xbf\xbd\t\n\xef\xbf\xbd\xc3\xa9\xef\xbf\xbdz");
	assert_true(fv_str_utf8_valid(b.data, b.len));
	fv_buf_fini(&b);
}

static void
test_html_escape_cap(void **state)
{
	struct fv_buf b;

	(void)state;
	fv_buf_init(&b, 8);
	assert_int_not_equal(web_html_escape_str(&b, "<<<<<<<<"), 0);
	assert_true(b.len <= 8);
	fv_buf_fini(&b);
}

static void
test_text_clean(void **state)
{
	struct fv_buf b;

	(void)state;
	fv_buf_init(&b, 64);
	assert_int_equal(web_text_clean(&b, "", 0), 0);
	assert_string_equal(fv_buf_cstr(&b), "");
	assert_int_equal(web_text_clean(&b, "a\0b\x80", 4), 0);
	assert_string_equal(fv_buf_cstr(&b),
	    "a\xef\xbf\xbd"
	    "b\xef\xbf\xbd");
	fv_buf_fini(&b);
}

static void
test_dates(void **state)
{
	char buf[WEB_DATE_MAX];

	(void)state;
	web_http_date(0, buf);
	assert_string_equal(buf, "Thu, 01 Jan 1970 00:00:00 GMT");
	web_http_date(784111777, buf);
	assert_string_equal(buf, "Sun, 06 Nov 1994 08:49:37 GMT");
	setenv("TZ", "UTC", 1);
	tzset();
	/* time.ctime() pads the day with a space. */
	web_ctime(784111777, buf);
	assert_string_equal(buf, "Sun Nov  6 08:49:37 1994");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_query_like_parse_qs),
		cmocka_unit_test(test_form_body_overrides_query),
		cmocka_unit_test(test_form_nul_and_bad_utf8_replaced),
		cmocka_unit_test(test_form_named_fields_and_pair_cap),
		cmocka_unit_test(test_form_huge_body_bounded),
		cmocka_unit_test(test_form_length_bounded),
		cmocka_unit_test(test_url_quote_like_python),
		cmocka_unit_test(test_html_escape_hostile),
		cmocka_unit_test(test_html_escape_cap),
		cmocka_unit_test(test_text_clean),
		cmocka_unit_test(test_dates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
