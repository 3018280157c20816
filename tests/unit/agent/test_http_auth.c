/*
 * Unit tests for HTTP Basic authentication (agent/src/http/http_auth.c)
 * as 4.2.5's supervisor_auth_handler decides: plain and {SHA} passwords,
 * passwords holding ':', malformed credentials (400 for undecodable
 * base64, 401 for the rest), and servers without a username.
 */
#include <mbedtls/base64.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/str.h"
#include "http/http_internal.h"

/* The listener's strings are owned; these tests lend it literals. */
static char user_u[] = "u", pw_plain[] = "p:ss word", pw_p[] = "p",
            pw_sha[] = "{SHA}b49cb758d0548fde40941a0f8f659db578f25084";

/* basic returns "Basic " + base64(cred) in buf. */
static const char *
basic(const char *cred, char *buf, size_t bufsz)
{
	size_t n = 0;

	fv_strlcpy(buf, "Basic ", bufsz);
	assert_int_equal(
	    mbedtls_base64_encode((unsigned char *)buf + 6, bufsz - 6, &n,
	        (const unsigned char *)cred, strlen(cred)),
	    0);
	return buf;
}

static void
test_auth_plain(void **state)
{
	struct http_listener l = { .username = user_u, .password = pw_plain };
	char b[256];

	(void)state;
	assert_int_equal(
	    http_auth_check(&l, basic("u:p:ss word", b, sizeof(b))), 0);
	assert_int_equal(
	    http_auth_check(&l, basic("u:p:ss wor", b, sizeof(b))), 401);
	assert_int_equal(
	    http_auth_check(&l, basic("u:p:ss words", b, sizeof(b))), 401);
	assert_int_equal(
	    http_auth_check(&l, basic("v:p:ss word", b, sizeof(b))), 401);
	assert_int_equal(
	    http_auth_check(&l, basic(":p:ss word", b, sizeof(b))), 401);
	assert_int_equal(http_auth_check(&l, basic("u:", b, sizeof(b))), 401);
	/* The scheme is case-insensitive, as 4.2.5's lower(). */
	fv_strlcpy(b, "bAsIc dTpwOnNzIHdvcmQ=", sizeof(b));
	assert_int_equal(http_auth_check(&l, b), 0);
}

static void
test_auth_sha(void **state)
{
	/* sha1("p:ss word"), as 4.2.5 compares it: lower-case hex. */
	struct http_listener l = { .username = user_u, .password = pw_sha };
	char b[256];

	(void)state;
	assert_int_equal(
	    http_auth_check(&l, basic("u:p:ss word", b, sizeof(b))), 0);
	assert_int_equal(http_auth_check(&l,
	                     basic("u:b49cb758d0548fde40941a0f8f659db578f25084",
	                         b, sizeof(b))),
	    401);
	assert_int_equal(
	    http_auth_check(&l, basic("u:p:ss wore", b, sizeof(b))), 401);
}

static void
test_auth_malformed(void **state)
{
	struct http_listener l = { .username = user_u, .password = pw_p };
	char big[8192];

	(void)state;
	assert_int_equal(http_auth_check(&l, NULL), 401);
	assert_int_equal(http_auth_check(&l, ""), 401);
	assert_int_equal(http_auth_check(&l, "Basic"), 401);
	assert_int_equal(http_auth_check(&l, "Digest username=\"u\""), 401);
	assert_int_equal(http_auth_check(&l, "Basicx dTpw"), 401);
	/* No colon in the decoded text: never a match. */
	assert_int_equal(http_auth_check(&l, "Basic dXA="), 401);
	/* Not base64: 4.2.5 answers 400. */
	assert_int_equal(http_auth_check(&l, "Basic !!!!"), 400);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "Basic ", 6);
	assert_int_equal(http_auth_check(&l, big), 401);
}

static void
test_auth_open_server(void **state)
{
	struct http_listener l = { .username = NULL };

	(void)state;
	assert_int_equal(http_auth_check(&l, NULL), 0);
	assert_int_equal(http_auth_check(&l, "Basic !!!!"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth_plain),
		cmocka_unit_test(test_auth_sha),
		cmocka_unit_test(test_auth_malformed),
		cmocka_unit_test(test_auth_open_server),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
