/*
 * libxml2 is loaded only when a body needs it: plain calls, the ones
 * xr_fast.c reads, leave it out of the process (and its ICU and C++
 * runtime out of the agent's memory); the first other body loads it, and
 * parses as before. Run with FV_TEST_FAKE_LIBXML2 set (and a library
 * without libxml2's functions first on LD_LIBRARY_PATH), it checks that
 * a load that fails refuses those bodies with the reason, every time,
 * and leaves plain calls alone.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/xmlrpc/xr_codec.h"

static bool
libxml2_loaded(void)
{
	void *h = dlopen("libxml2.so.2", RTLD_NOW | RTLD_NOLOAD);

	if (h == NULL) {
		return false;
	}
	dlclose(h); /* drops the reference NOLOAD took */
	return true;
}

static void
parse_ok(const char *body, const char *method)
{
	struct xr_request rq;
	struct fv_diag d = { 0 };

	assert_int_equal(xr_request_parse(body, strlen(body), &rq, &d), 0);
	assert_string_equal(rq.method, method);
	xr_request_fini(&rq);
}

static void
test_libxml2_only_when_needed(void **state)
{
	struct xr_parser *p = xr_parser_new();

	(void)state;
	assert_false(libxml2_loaded());
	parse_ok("<?xml version='1.0'?>\n<methodCall>\n<methodName>"
	         "supervisor.getProcessInfo</methodName>\n<params>\n<param>\n"
	         "<value><string>web</string></value>\n</param>\n</params>\n"
	         "</methodCall>\n",
	    "supervisor.getProcessInfo");
	xr_parser_free(p); /* a parser that never used libxml2 */
	assert_false(libxml2_loaded());
	/* A struct is not a plain call: libxml2 reads it. */
	parse_ok("<?xml version='1.0'?><methodCall><methodName>system.multicall"
	         "</methodName><params><param><value><array><data><value>"
	         "<struct><member><name>methodName</name><value>"
	         "<string>supervisor.getState</string></value></member>"
	         "</struct></value></data></array></value></param></params>"
	         "</methodCall>",
	    "system.multicall");
	assert_true(libxml2_loaded());
}

static const char multicall[] =
    "<?xml version='1.0'?><methodCall><methodName>system.multicall"
    "</methodName><params><param><value><array><data><value>"
    "<struct><member><name>methodName</name><value>"
    "<string>supervisor.getState</string></value></member>"
    "</struct></value></data></array></value></param></params>"
    "</methodCall>";

static void
test_libxml2_unusable(void **state)
{
	struct xr_request rq;

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct fv_diag d = { 0 };

		assert_int_not_equal(
		    xr_request_parse(multicall, strlen(multicall), &rq, &d), 0);
		assert_non_null(strstr(d.msg, "libxml2.so.2 has no xml"));
	}
	parse_ok("<?xml version='1.0'?><methodCall><methodName>"
	         "supervisor.getState</methodName></methodCall>",
	    "supervisor.getState");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libxml2_only_when_needed),
	};
	const struct CMUnitTest fake[] = {
		cmocka_unit_test(test_libxml2_unusable),
	};

	if (getenv("FV_TEST_FAKE_LIBXML2") != NULL) {
		return cmocka_run_group_tests(fake, NULL, NULL);
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
