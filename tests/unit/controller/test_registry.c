/*
 * ctr_registry: join transitions (new, reconnect, restart, duplicate,
 * full), proofs and sessions, heartbeats, lost and revived nodes, nonces;
 * and ctr_store: at-most-once entries, bounds and paging.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctr_registry.h"
#include "ctr_store.h"
#include "proto/fleet_codec.h"
#include "proto/fleet_proof.h"
#include "tests/support/testsupport.h"

#define S(x) ((char *)(uintptr_t)(x))

struct hello {
	Fleetvisor__V1__Envelope env;
	Fleetvisor__V1__Hello h;
	uint8_t session[16];
	uint8_t nonce[32];
	uint8_t proof[32];
};

static void
hello(struct hello *x, const char *node, const char *inst, uint8_t sess)
{
	fleetvisor__v1__envelope__init(&x->env);
	fleetvisor__v1__hello__init(&x->h);
	memset(x->session, sess, sizeof(x->session));
	memset(x->nonce, 7, sizeof(x->nonce));
	x->env.version = 1;
	x->env.session.data = x->session;
	x->env.session.len = sizeof(x->session);
	x->env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_HELLO;
	x->env.hello = &x->h;
	x->h.node = S(node);
	x->h.instance_id = S(inst);
	x->h.nonce.data = x->nonce;
	x->h.nonce.len = sizeof(x->nonce);
}

static void
test_join_transitions(void **state)
{
	struct ctr_registry r;
	struct hello a, b;
	struct ctr_join j;
	struct ctr_node *n, *lost[4];

	(void)state;
	ctr_registry_init(&r, 2);
	hello(&a, "web", "i1", 1);
	ctr_registry_join(&r, &a.env, 10, "addr", 1000, 1, &j);
	assert_int_equal(j.kind, CTR_JOIN_CONNECTED);
	n = ctr_registry_find(&r, "web");
	assert_non_null(n);
	assert_true(ctr_node_session_ok(n, &a.env.session));
	/* Another instance while the first lives: refused. */
	hello(&b, "web", "i2", 2);
	ctr_registry_join(&r, &b.env, 11, "addr", 1100, 1, &j);
	assert_int_equal(j.kind, CTR_JOIN_REFUSED);
	assert_int_equal(
	    j.reason, FLEETVISOR__V1__HELLO_REFUSED__REASON__REASON_DUPLICATE);
	assert_true(ctr_node_session_ok(n, &a.env.session));
	assert_false(ctr_node_session_ok(n, &b.env.session));
	/* Same instance on a new connection: reconnect, new session. */
	hello(&b, "web", "i1", 3);
	ctr_registry_join(&r, &b.env, 12, "addr", 1200, 1, &j);
	assert_int_equal(j.kind, CTR_JOIN_RECONNECTED);
	assert_false(ctr_node_session_ok(n, &a.env.session));
	/* Lost after silence, then a new instance: restarted. */
	assert_int_equal(ctr_registry_sweep(&r, 1200 + 999, 1000, lost, 4), 0);
	assert_int_equal(ctr_registry_sweep(&r, 1200 + 1000, 1000, lost, 4), 1);
	assert_ptr_equal(lost[0], n);
	assert_int_equal(n->state, FLEETVISOR__V1__HOST_ROW__STATE__STATE_LOST);
	hello(&b, "web", "i9", 4);
	ctr_registry_join(&r, &b.env, 13, "addr", 3000, 1, &j);
	assert_int_equal(j.kind, CTR_JOIN_RESTARTED);
	/* The pipe closes: lost at once, session forgotten. */
	assert_ptr_equal(ctr_registry_pipe_gone(&r, 13, 3100), n);
	assert_false(ctr_node_session_ok(n, &b.env.session));
	ctr_registry_fini(&r);
}

static void
test_full_registry_evicts_lost_or_refuses(void **state)
{
	struct ctr_registry r;
	struct hello a;
	struct ctr_join j;
	struct ctr_node *lost[2];

	(void)state;
	ctr_registry_init(&r, 1);
	hello(&a, "a", "i", 1);
	ctr_registry_join(&r, &a.env, 1, "", 0, 0, &j);
	hello(&a, "b", "i", 1);
	ctr_registry_join(&r, &a.env, 2, "", 0, 0, &j);
	assert_int_equal(
	    j.reason, FLEETVISOR__V1__HELLO_REFUSED__REASON__REASON_POLICY);
	ctr_registry_sweep(&r, 10000, 1000, lost, 2);
	ctr_registry_join(&r, &a.env, 2, "", 10001, 0, &j);
	assert_int_equal(j.kind, CTR_JOIN_CONNECTED);
	assert_null(ctr_registry_find(&r, "a"));
	ctr_registry_fini(&r);
}

static void
test_heartbeat_session_and_revival(void **state)
{
	struct ctr_registry r;
	struct hello a;
	struct ctr_join j;
	struct ctr_node *n, *lost[1];
	Fleetvisor__V1__Envelope env;
	fleetvisor__v1__envelope__init(&env);
	Fleetvisor__V1__Heartbeat hb;
	fleetvisor__v1__heartbeat__init(&hb);
	Fleetvisor__V1__ProcessSummary sum;
	fleetvisor__v1__process_summary__init(&sum);
	uint8_t forged[16];

	(void)state;
	ctr_registry_init(&r, 10);
	hello(&a, "db", "i1", 5);
	ctr_registry_join(&r, &a.env, 1, "", 0, 0, &j);
	env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_HEARTBEAT;
	env.heartbeat = &hb;
	env.session = a.env.session;
	hb.node = S("db");
	hb.instance_id = S("i1");
	hb.sequence = 2;
	hb.summary = &sum;
	hb.last_event_serial = 40;
	sum.running = 7;
	assert_int_equal(
	    ctr_registry_heartbeat(&r, &env, 10, 10, &n), CTR_HB_OK);
	assert_int_equal(n->summary.running, 7);
	assert_int_equal(n->last_event_serial, 40);
	hb.sequence = 1;
	assert_int_equal(
	    ctr_registry_heartbeat(&r, &env, 11, 11, &n), CTR_HB_STALE);
	memset(forged, 5, sizeof(forged));
	forged[15] = 6;
	env.session.data = forged;
	hb.sequence = 3;
	assert_int_equal(
	    ctr_registry_heartbeat(&r, &env, 12, 12, &n), CTR_HB_BAD_SESSION);
	hb.node = S("nobody");
	assert_int_equal(
	    ctr_registry_heartbeat(&r, &env, 12, 12, &n), CTR_HB_UNKNOWN);
	hb.node = S("db");
	env.session = a.env.session;
	assert_int_equal(ctr_registry_sweep(&r, 5000, 1000, lost, 1), 1);
	assert_int_equal(
	    ctr_registry_heartbeat(&r, &env, 5001, 5001, &n), CTR_HB_REVIVED);
	assert_int_equal(
	    n->state, FLEETVISOR__V1__HOST_ROW__STATE__STATE_CONNECTED);
	ctr_registry_fini(&r);
}

static void
test_proof(void **state)
{
	char *dir = fv_test_mkdtemp(), *p, *sd;
	const char *secret = "0123456789abcdef0123";
	struct hello a;
	struct ctr_join j;

	(void)state;
	p = fv_test_write(dir, "s/web", secret);
	chmod(p, 0600);
	sd = strdup(p);
	*strrchr(sd, '/') = '\0';
	hello(&a, "web", "i1", 1);
	a.h.proof_alg = FLEETVISOR__V1__PROOF_ALG__PROOF_HMAC_SHA256;
	assert_int_equal(
	    fv_pb_hello_proof((const uint8_t *)secret, strlen(secret),
	        &a.h.nonce, "web", "i1", &a.env.session, a.proof),
	    0);
	a.h.proof.data = a.proof;
	a.h.proof.len = 32;
	assert_true(ctr_hello_prove(&a.env, sd, false, &j));
	a.proof[0] ^= 1;
	assert_false(ctr_hello_prove(&a.env, sd, false, &j));
	assert_int_equal(
	    j.reason, FLEETVISOR__V1__HELLO_REFUSED__REASON__REASON_BAD_PROOF);
	a.h.node = S("other");
	assert_false(ctr_hello_prove(&a.env, sd, false, &j));
	assert_int_equal(j.reason,
	    FLEETVISOR__V1__HELLO_REFUSED__REASON__REASON_UNKNOWN_NODE);
	a.h.proof_alg = FLEETVISOR__V1__PROOF_ALG__PROOF_NONE;
	assert_false(ctr_hello_prove(&a.env, sd, false, &j));
	assert_int_equal(j.reason,
	    FLEETVISOR__V1__HELLO_REFUSED__REASON__REASON_PROOF_REQUIRED);
	assert_true(ctr_hello_prove(&a.env, sd, true, &j));
	fv_test_rmtree(dir);
	free(dir);
	free(p);
	free(sd);
}

static void
test_nonces(void **state)
{
	struct ctr_nonces ns = { 0 };
	uint8_t b[CTR_NONCE_LEN];
	ProtobufCBinaryData bd = { sizeof(b), b };

	(void)state;
	memset(b, 1, sizeof(b));
	assert_false(ctr_nonces_recent(&ns, &bd, 0));
	ctr_nonces_add(&ns, b, 100);
	assert_true(ctr_nonces_recent(&ns, &bd, 99));
	assert_false(ctr_nonces_recent(&ns, &bd, 100));
	for (int i = 0; i < CTR_NONCES_MAX; i++) {
		uint8_t o[CTR_NONCE_LEN];

		memset(o, i + 2, sizeof(o));
		ctr_nonces_add(&ns, o, 1000);
	}
	bd.len = 31;
	assert_false(ctr_nonces_recent(&ns, &bd, 0));
}

static void
test_store_pages_and_bounds(void **state)
{
	struct ctr_store s;
	struct ctr_stored *st;
	Fleetvisor__V1__CommandResult r;
	fleetvisor__v1__command_result__init(&r);
	char host[32];
	nng_msg *m;
	Fleetvisor__V1__Envelope *env;
	size_t total = 0;
	struct fv_diag d;

	(void)state;
	ctr_store_init(&s, 2, 1 << 30);
	st = ctr_stored_new(1, 5000);
	r.host = host;
	r.outcome = FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_OK;
	for (int i = 0; i < 5000; i++) {
		snprintf(host, sizeof(host), "h%d", i);
		ctr_stored_add(st, &r);
	}
	ctr_store_put_take(&s, st);
	assert_int_equal(st->npages, 2);
	for (uint32_t p = 0; p < 2; p++) {
		assert_int_equal(ctr_stored_page_msg(st, p, 9, &m, NULL), 0);
		if (fv_pb_envelope_decode_diag(
		        nng_msg_body(m), nng_msg_len(m), &env, &d) != 0) {
			fail_msg("%s", d.msg);
		}
		assert_int_equal(env->command_reply->more, p == 0);
		assert_int_equal(env->command_reply->hosts_expected, 5000);
		total += env->command_reply->n_results;
		fleetvisor__v1__envelope__free_unpacked(env, NULL);
		nng_msg_free(m);
	}
	assert_int_equal(total, 5000);
	assert_int_equal(ctr_stored_page_msg(st, 2, 9, &m, NULL), FV_ESTATE);
	ctr_store_put_take(&s, ctr_stored_new(2, 0));
	ctr_store_put_take(&s, ctr_stored_new(3, 0));
	assert_null(ctr_store_find(&s, 1));
	assert_non_null(ctr_store_find(&s, 2));
	assert_non_null(ctr_store_find(&s, 3));
	assert_int_equal(ctr_store_find(&s, 3)->npages, 1);
	ctr_store_fini(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join_transitions),
		cmocka_unit_test(test_full_registry_evicts_lost_or_refuses),
		cmocka_unit_test(test_heartbeat_session_and_revival),
		cmocka_unit_test(test_proof),
		cmocka_unit_test(test_nonces),
		cmocka_unit_test(test_store_pages_and_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
