/*
 * The Hello proof (proto/fleet_proof.c): its bytes are pinned by a vector
 * computed independently (Python's hmac module over the layout that
 * fleet_proof.h documents), and any change to what it covers breaks it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fleet_fx.h"
#include "proto/fleet_proof.h"

static const uint8_t proof_secret[] = "0123456789abcdef";

/* python3: hmac.new(b"0123456789abcdef", b"fleetvisor-hello-v1" +
 * part(bytes(range(32))) + part(b"web-1") + part(b"inst-1") +
 * part(bytes(range(0xa0, 0xb0))), hashlib.sha256), with
 * part(b) = struct.pack(">I", len(b)) + b */
static const uint8_t proof_vector[32] = { 0x5f, 0x88, 0x56, 0xbe, 0xb1, 0x42,
	0xf0, 0xec, 0xf1, 0x0e, 0xd7, 0x86, 0xe3, 0x06, 0xf9, 0xcb, 0x45, 0x7a,
	0xee, 0xb4, 0x35, 0x4a, 0x3f, 0xf3, 0x00, 0x0f, 0x2a, 0xdb, 0xaa, 0x45,
	0x20, 0x89 };

/* proof_hello builds a Hello from f whose proof is the vector's. */
static void
proof_hello(struct fx *f)
{
	fx_build(f, FLEETVISOR__V1__ENVELOPE__BODY_HELLO);
	f->hello.instance_id = fx_s(f, "inst-1");
	assert_int_equal(
	    fv_pb_hello_proof(proof_secret, 16, &f->hello.nonce, f->hello.node,
	        f->hello.instance_id, &f->env.session, f->proof),
	    0);
}

static void
test_proof_vector(void **state)
{
	struct fx f;

	(void)state;
	proof_hello(&f);
	assert_memory_equal(f.proof, proof_vector, sizeof(proof_vector));
	fx_fini(&f);
}

static void
test_proof_verify(void **state)
{
	struct fv_diag d;
	struct fx f;

	(void)state;
	proof_hello(&f);
	assert_int_equal(fv_pb_hello_verify(&f.env, proof_secret, 16, &d), 0);
	/* Each input is covered. */
	f.hello.node = fx_s(&f, "web-2");
	assert_int_equal(
	    fv_pb_hello_verify(&f.env, proof_secret, 16, &d), FV_EPROTO);
	assert_string_equal(d.msg, "hello.proof: does not match");
	f.hello.node = fx_s(&f, "web-1");
	f.session[15] ^= 1;
	assert_int_equal(
	    fv_pb_hello_verify(&f.env, proof_secret, 16, &d), FV_EPROTO);
	f.session[15] ^= 1;
	f.nonce[0] ^= 1;
	assert_int_equal(
	    fv_pb_hello_verify(&f.env, proof_secret, 16, &d), FV_EPROTO);
	f.nonce[0] ^= 1;
	f.hello.instance_id = fx_s(&f, "inst-2");
	assert_int_equal(
	    fv_pb_hello_verify(&f.env, proof_secret, 16, &d), FV_EPROTO);
	f.hello.instance_id = fx_s(&f, "inst-1");
	/* Length prefixes: moving a byte from node to instance_id differs. */
	f.hello.node = fx_s(&f, "web-");
	f.hello.instance_id = fx_s(&f, "1inst-1");
	assert_int_equal(
	    fv_pb_hello_verify(&f.env, proof_secret, 16, &d), FV_EPROTO);
	f.hello.node = fx_s(&f, "web-1");
	f.hello.instance_id = fx_s(&f, "inst-1");
	assert_int_equal(fv_pb_hello_verify(&f.env, proof_secret, 16, &d), 0);
	/* Another secret, a short secret, no proof. */
	assert_int_equal(fv_pb_hello_verify(&f.env,
	                     (const uint8_t *)"0123456789abcdeF", 16, &d),
	    FV_EPROTO);
	assert_int_equal(
	    fv_pb_hello_verify(&f.env, proof_secret, 15, &d), FV_EBADCONF);
	assert_string_equal(d.msg, "hello.proof: secret too short");
	f.hello.proof_alg = FLEETVISOR__V1__PROOF_ALG__PROOF_NONE;
	assert_int_equal(
	    fv_pb_hello_verify(&f.env, proof_secret, 16, &d), FV_EPROTO);
	assert_string_equal(d.msg, "hello.proof: none");
	fx_fini(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proof_vector),
		cmocka_unit_test(test_proof_verify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
