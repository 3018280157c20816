/*
 * The request parser's fast path (xr_fast.c) against the full parser: what
 * it takes, libxml2 must read to an equal call; what it declines, it must
 * leave alone; and xr_request_parse (fast path first) must answer every
 * body exactly as libxml2 alone does: outcome, class, message and call.
 * Beyond the tables, every one-byte change, deletion and insertion of a
 * few typical calls is tried.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/xalloc.h"
#include "proto/xmlrpc/xr_codec.h"

/* What Python's xmlrpc.client sends for getProcessInfo('p0050'). */
#define PY_INFO                                                           \
	"<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor."    \
	"getProcessInfo</methodName>\n<params>\n<param>\n<value><string>" \
	"p0050</string></value>\n</param>\n</params>\n</methodCall>\n"

static const char *const taken[] = {
	PY_INFO,
	"<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor."
	"getAllProcessInfo</methodName>\n<params>\n</params>\n"
	"</methodCall>\n",
	"<methodCall><methodName>system.listMethods</methodName>"
	"</methodCall>",
	"<?xml version=\"1.0\"?><methodCall><methodName>a</methodName>"
	"<params></params></methodCall>",
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodCall>"
	"<methodName>x</methodName></methodCall>",
	"<?xml version = '1.0'  encoding = 'utf-8' ?><methodCall>"
	"<methodName>x</methodName></methodCall>",
	" \n\t<methodCall> <methodName> spaced name </methodName> "
	"</methodCall> \n",
	/* startProcess('web', False): a string and a boolean */
	"<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor."
	"startProcess</methodName>\n<params>\n<param>\n<value><string>web"
	"</string></value>\n</param>\n<param>\n<value><boolean>0</boolean>"
	"</value>\n</param>\n</params>\n</methodCall>\n",
	/* readLog(-100, 0) */
	"<methodCall><methodName>supervisor.readLog</methodName><params>"
	"<param><value><int>-100</int></value></param><param><value><i4>0"
	"</i4></value></param></params></methodCall>",
	/* untyped values, white space, an empty string */
	"<methodCall><methodName>m</methodName><params><param><value>"
	"bare text</value></param><param><value>  </value></param><param>"
	"<value></value></param><param><value> <string></string> </value>"
	"</param><param><value><int> +7 </int></value></param><param>"
	"<value><boolean>\n1\t</boolean></value></param></params>"
	"</methodCall>",
	/* text that is not markup: > " ' / = ? and tabs and newlines */
	"<methodCall><methodName>m</methodName><params><param><value>"
	"<string>a>b \"c\" 'd' /e=f?\tg\nh</string></value></param></params>"
	"</methodCall>",
	"<methodCall><methodName>m</methodName><params><param><value><int>"
	"2147483647</int></value></param><param><value><int>-2147483648"
	"</int></value></param></params></methodCall>",
};

/* Bodies the fast path leaves to libxml2 (valid or not). */
static const char *const declined[] = {
	"",
	"<methodCall><methodName>m&amp;</methodName></methodCall>",
	"<methodCall><methodName>m</methodName><params><param><value>"
	"<string>a&lt;b</string></value></param></params></methodCall>",
	"<methodCall><methodName>m</methodName><params><param><value>"
	"<string><![CDATA[x]]></string></value></param></params>"
	"</methodCall>",
	"<methodCall><!-- c --><methodName>m</methodName></methodCall>",
	"<methodCall>\r\n<methodName>m</methodName></methodCall>",
	"<methodCall><methodName>m\r</methodName></methodCall>",
	"<methodCall><methodName>caf\xc3\xa9</methodName></methodCall>",
	"<methodCall><methodName>m]</methodName></methodCall>",
	"<methodCall><methodName>m</methodName><params/></methodCall>",
	"<methodCall a='1'><methodName>m</methodName></methodCall>",
	"<methodCall ><methodName>m</methodName></methodCall>",
	"<methodCall><methodName>m</methodName><params><param><value>"
	"<string/></value></param></params></methodCall>",
	"<?xml version='1.0' encoding='ISO-8859-1'?><methodCall>"
	"<methodName>m</methodName></methodCall>",
	"<?xml version='1.0' standalone='yes'?><methodCall>"
	"<methodName>m</methodName></methodCall>",
	"<?xml version='1.1'?><methodCall><methodName>m</methodName>"
	"</methodCall>",
	" <?xml version='1.0'?><methodCall><methodName>m</methodName>"
	"</methodCall>",
	"<?xml-stylesheet href='a'?><methodCall><methodName>m</methodName>"
	"</methodCall>",
	"<!DOCTYPE x><methodCall><methodName>m</methodName></methodCall>",
	"<methodCall><methodName></methodName></methodCall>",
	"<methodCall><methodName>m</methodName></methodCall><x/>",
	"<methodCall><methodName>m</methodName><params><param><value>"
	"<int>2147483648</int></value></param></params></methodCall>",
	"<methodCall><methodName>m</methodName><params><param><value>"
	"<boolean>2</boolean></value></param></params></methodCall>",
	"<methodCall><methodName>m</methodName><params><param><value>"
	"<double>1.5</double></value></param></params></methodCall>",
	"<methodCall><methodName>m</methodName><params><param><value>"
	"<array><data></data></array></value></param></params></methodCall>",
	"<methodCall><methodName>m</methodName><params><param><value>"
	"x<string>y</string></value></param></params></methodCall>",
	"<methodCall><methodName>m</methodName><params><param><value>"
	"<string>a</string><int>1</int></value></param></params>"
	"</methodCall>",
	"<methodCall><methodName>m</methodName><params><param></param>"
	"</params></methodCall>",
	"<methodCall><methodName>m</methodName><params><param><value>a"
	"</value></param></params>",
};

/* parse_same checks that the fast-path-first parser answers body (n
 * bytes) exactly as libxml2 alone, and that a body the fast path takes is
 * one libxml2 reads to an equal call. Returns whether it was taken. */
static bool
parse_same(const char *body, size_t n, const struct xr_limits *lim)
{
	static char untouched[] = "untouched";
	struct xr_request full, fast, mixed = { 0 };
	struct fv_diag d1, d2;
	bool took;
	int rv1, rv2;

	rv1 = xr_request_parse_xml(body, n, lim, &full, &d1);
	rv2 = xr_request_parse_with(body, n, lim, &mixed, &d2);
	assert_int_equal(rv1, rv2);
	assert_int_equal(full.perr, mixed.perr);
	assert_string_equal(d1.msg, d2.msg);
	if (rv1 == 0) {
		assert_string_equal(full.method, mixed.method);
		assert_true(xr_value_equal(full.params, mixed.params));
	}
	fast.method = untouched;
	fast.params = NULL;
	took = xr_request_parse_fast(body, n, lim, &fast);
	if (took) {
		assert_int_equal(rv1, 0);
		assert_int_equal(fast.perr, XR_PERR_NONE);
		assert_string_equal(full.method, fast.method);
		assert_true(xr_value_equal(full.params, fast.params));
		xr_request_fini(&fast);
	} else {
		assert_string_equal(fast.method, "untouched");
		assert_null(fast.params);
	}
	xr_request_fini(&full);
	xr_request_fini(&mixed);
	return took;
}

static void
test_taken(void **state)
{
	(void)state;
	for (size_t i = 0; i < nitems(taken); i++) {
		if (!parse_same(
		        taken[i], strlen(taken[i]), &xr_limits_request)) {
			fail_msg("not taken: %s", taken[i]);
		}
	}
}

static void
test_declined(void **state)
{
	(void)state;
	static const char nul[] =
	    "<methodCall><methodName>m</methodName></methodCall>\0";

	for (size_t i = 0; i < nitems(declined); i++) {
		if (parse_same(
		        declined[i], strlen(declined[i]), &xr_limits_request)) {
			fail_msg("taken: %s", declined[i]);
		}
	}
	assert_false(parse_same(nul, sizeof(nul) - 1, &xr_limits_request));
}

static void
test_values(void **state)
{
	struct xr_request r;
	const struct xr_value *v;
	int32_t i = 0;
	bool b = false;
	size_t n;

	(void)state;
	assert_true(xr_request_parse_fast(
	    taken[9], strlen(taken[9]), &xr_limits_request, &r));
	assert_string_equal(r.method, "m");
	assert_int_equal(xr_array_len(r.params), 6);
	v = xr_array_at(r.params, 0);
	assert_string_equal(xr_string_get(v, &n), "bare text");
	assert_string_equal(xr_string_get(xr_array_at(r.params, 1), &n), "  ");
	assert_string_equal(xr_string_get(xr_array_at(r.params, 2), &n), "");
	assert_string_equal(xr_string_get(xr_array_at(r.params, 3), &n), "");
	assert_true(xr_int_get(xr_array_at(r.params, 4), &i));
	assert_int_equal(i, 7);
	assert_true(xr_bool_get(xr_array_at(r.params, 5), &b));
	assert_true(b);
	xr_request_fini(&r);
}

/* Limits are the full parser's to refuse, with its message. */
static void
test_limits_go_to_libxml2(void **state)
{
	struct xr_limits lim = xr_limits_request;
	const char *b = taken[9];

	(void)state;
	lim.max_items = 5;
	assert_false(parse_same(b, strlen(b), &lim));
	lim = xr_limits_request;
	lim.max_method = 1;
	assert_false(parse_same(PY_INFO, strlen(PY_INFO), &lim));
	lim = xr_limits_request;
	lim.max_body = strlen(PY_INFO) - 1;
	assert_false(parse_same(PY_INFO, strlen(PY_INFO), &lim));
	lim.max_body = strlen(PY_INFO);
	assert_true(parse_same(PY_INFO, strlen(PY_INFO), &lim));
}

/* The bytes a mutation puts in: markup, references, white space, quotes,
 * digits, letters, NUL, and the first bytes of UTF-8 sequences. */
static const char mut_bytes[] = "<>&]/!?=\"' \t\r\n0-+a\x00\x7f\x80\xc3\xef";

/* mutate tries every one-byte change, deletion and insertion of body. */
static void
mutate(const char *body)
{
	size_t n = strlen(body);
	char *m = fv_xmalloc(n + 2);
	size_t takes = 0;

	for (size_t i = 0; i <= n; i++) {
		for (size_t k = 0; k < sizeof(mut_bytes) - 1; k++) {
			if (i < n) {
				memcpy(m, body, n);
				m[i] = mut_bytes[k];
				takes += parse_same(m, n, &xr_limits_request);
			}
			memcpy(m, body, i);
			m[i] = mut_bytes[k];
			memcpy(m + i + 1, body + i, n - i);
			takes += parse_same(m, n + 1, &xr_limits_request);
		}
		if (i < n) {
			memcpy(m, body, i);
			memcpy(m + i, body + i + 1, n - i - 1);
			takes += parse_same(m, n - 1, &xr_limits_request);
		}
	}
	/* Plenty of the mutants are still plain calls. */
	assert_true(takes > n);
	free(m);
}

static void
test_mutations(void **state)
{
	(void)state;
	mutate(PY_INFO);
	mutate(taken[5]);
	mutate(taken[8]);
	mutate(taken[9]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_taken),
		cmocka_unit_test(test_declined),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_limits_go_to_libxml2),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
