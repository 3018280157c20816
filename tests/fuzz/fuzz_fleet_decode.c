/*
 * The fleet envelope fuzz target (STYLE 2.8, RELIABILITY C14): the input is
 * one nng message from a peer for the production fv_pb_envelope_decode_diag.
 *
 * Beyond "no sanitizer report, no leak", every input must keep these
 * properties, and a broken one aborts (a crash for libFuzzer):
 * - a refusal is FV_EPROTO or FV_ETOOBIG, leaves the envelope NULL, and
 *   says why in a terminated, non-empty message;
 * - fv_pb_envelope_peek agrees with an accepted envelope's version and
 *   request id;
 * - an accepted envelope passes fv_pb_envelope_check (what decoding
 *   accepts, a sender may send), and encoding it gives bytes that decode
 *   again and encode to the same bytes (the encoding is a fixpoint);
 * - the helpers that read decoded messages (selector and event matching,
 *   the Hello proof) run on it without fault.
 * With FV_FUZZ_VERBOSE set in the environment, each outcome goes to stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "fuzz.h"
#include "proto/fleet_codec.h"
#include "proto/fleet_match.h"
#include "proto/fleet_proof.h"

static void
fuzz_fail(const char *what, int line, const char *detail)
{
	fprintf(stderr, "fuzz_fleet_decode.c:%d: property broken: %s\n", line,
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

/* fuzz_helpers runs the readers of decoded messages over env. */
static void
fuzz_helpers(const Fleetvisor__V1__Envelope *env)
{
	static const uint8_t secret[] = "fuzz-secret-0123";
	Fleetvisor__V1__ControllerEvent cev;
	Fleetvisor__V1__Subscribe sub, all;
	char glob[] = "web-*";
	char *globs[] = { glob };
	struct fv_diag d;

	fleetvisor__v1__subscribe__init(&all);
	fleetvisor__v1__subscribe__init(&sub);
	sub.hosts = globs;
	sub.n_hosts = 1;
	sub.processes = globs;
	sub.n_processes = 1;
	sub.controller_events = 1;
	switch (env->body_case) {
	case FLEETVISOR__V1__ENVELOPE__BODY_COMMAND:
		fv_pb_selector_match(env->command->selector, "web-1", NULL, 0);
		break;
	case FLEETVISOR__V1__ENVELOPE__BODY_HOSTS_REQUEST:
		fv_pb_selector_match(
		    env->hosts_request->selector, "web-1", NULL, 0);
		break;
	case FLEETVISOR__V1__ENVELOPE__BODY_EVENT:
		fv_pb_event_match(&sub, env->event);
		/* An empty filter wants everything. */
		FUZZ_CHECK(fv_pb_event_match(&all, env->event), NULL);
		break;
	case FLEETVISOR__V1__ENVELOPE__BODY_SUBSCRIBE:
		fleetvisor__v1__controller_event__init(&cev);
		fv_pb_controller_event_match(env->subscribe, &cev);
		break;
	case FLEETVISOR__V1__ENVELOPE__BODY_CONTROLLER_EVENT:
		fv_pb_controller_event_match(&sub, env->controller_event);
		break;
	case FLEETVISOR__V1__ENVELOPE__BODY_HELLO:
		/* A random proof matching would be news indeed. */
		FUZZ_CHECK(fv_pb_hello_verify(env, secret, 16, &d) != 0, NULL);
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Fleetvisor__V1__Envelope *env, *again;
	uint64_t request_id;
	uint32_t version;
	struct fv_buf b1, b2;
	struct fv_diag d;
	int rv;

	/* Not zeroed: an unset or unterminated message must show. */
	memset(&d, 'X', sizeof(d));
	env = (void *)&d; /* poisoned: a refusal must set it to NULL */
	rv = fv_pb_envelope_decode_diag(data, size, &env, &d);
	if (getenv("FV_FUZZ_VERBOSE") != NULL) {
		fprintf(stderr, "fleet decode: %d: %s\n", rv,
		    rv == 0 ? "ok" : d.msg);
	}
	if (rv != 0) {
		FUZZ_CHECK(rv == FV_EPROTO || rv == FV_ETOOBIG, NULL);
		FUZZ_CHECK(env == NULL, NULL);
		FUZZ_CHECK(memchr(d.msg, '\0', sizeof(d.msg)) != NULL, NULL);
		FUZZ_CHECK(d.msg[0] != '\0', NULL);
		return 0;
	}
	FUZZ_CHECK(
	    fv_pb_envelope_peek(data, size, &version, &request_id) == 0, NULL);
	FUZZ_CHECK(version == FV_PROTO_VERSION, NULL);
	FUZZ_CHECK(request_id == env->request_id, NULL);
	FUZZ_CHECK(fv_pb_envelope_check(env, &d) == 0, d.msg);
	fuzz_helpers(env);

	fv_buf_init(&b1, FV_PROTO_MAXMSG);
	fv_buf_init(&b2, FV_PROTO_MAXMSG);
	FUZZ_CHECK(fv_pb_envelope_encode(env, &b1) == 0, NULL);
	rv = fv_pb_envelope_decode_diag(
	    (const uint8_t *)b1.data, b1.len, &again, &d);
	FUZZ_CHECK(rv == 0, d.msg);
	FUZZ_CHECK(again->body_case == env->body_case, NULL);
	FUZZ_CHECK(fv_pb_envelope_encode(again, &b2) == 0, NULL);
	FUZZ_CHECK(
	    b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0, NULL);
	fleetvisor__v1__envelope__free_unpacked(again, NULL);
	fleetvisor__v1__envelope__free_unpacked(env, NULL);
	fv_buf_fini(&b1);
	fv_buf_fini(&b2);
	return 0;
}
