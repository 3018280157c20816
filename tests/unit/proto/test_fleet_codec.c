/* The fleet envelope round-trips and foreign input is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "proto/fleet_codec.h"

static void
test_envelope_roundtrip_and_refusals(void **state)
{
	Fleetvisor__V1__Envelope env;
	Fleetvisor__V1__Hello hello;
	Fleetvisor__V1__Envelope *got;
	char node[] = "web-1";
	struct fv_buf b;

	(void)state;
	/* The __INIT macros cast away const; the functions do not. */
	fleetvisor__v1__envelope__init(&env);
	fleetvisor__v1__hello__init(&hello);
	hello.node = node;
	env.version = FV_PROTO_VERSION;
	env.request_id = 42;
	env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_HELLO;
	env.hello = &hello;
	fv_buf_init(&b, 1 << 20);
	assert_int_equal(fv_pb_envelope_encode(&env, &b), 0);
	assert_int_equal(
	    fv_pb_envelope_decode((const uint8_t *)b.data, b.len, &got), 0);
	assert_int_equal(got->request_id, 42);
	assert_string_equal(got->hello->node, "web-1");
	fleetvisor__v1__envelope__free_unpacked(got, NULL);
	/* A foreign version, garbage, and an oversized message. */
	fv_buf_reset(&b);
	env.version = 99;
	assert_int_equal(fv_pb_envelope_encode(&env, &b), 0);
	assert_int_equal(
	    fv_pb_envelope_decode((const uint8_t *)b.data, b.len, &got),
	    FV_EPROTO);
	assert_null(got);
	assert_int_equal(
	    fv_pb_envelope_decode((const uint8_t *)"\xff\xff\xff", 3, &got),
	    FV_EPROTO);
	assert_int_equal(fv_pb_envelope_decode((const uint8_t *)b.data,
	                     FV_PROTO_MAXMSG + 1, &got),
	    FV_ETOOBIG);
	fv_buf_fini(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelope_roundtrip_and_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
