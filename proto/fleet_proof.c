/*
 * The Hello proof (fleet_proof.h) on mbedtls's HMAC, which nng already
 * brings in. The only place that knows the bytes being signed, so that
 * agent and controller cannot drift apart.
 */
#include "proto/fleet_proof.h"

#include <mbedtls/md.h>
#include <string.h>

#include "proto/fleet_codec.h"

#define PROOF_CONTEXT "fleetvisor-hello-v1"

static int
proof_part(mbedtls_md_context_t *ctx, const void *p, size_t n)
{
	uint8_t len[4] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16),
		(uint8_t)(n >> 8), (uint8_t)n };

	if (mbedtls_md_hmac_update(ctx, len, sizeof(len)) != 0) {
		return -1;
	}
	return n == 0 ? 0 : mbedtls_md_hmac_update(ctx, p, n);
}

int
fv_pb_hello_proof(const uint8_t *secret, size_t secret_len,
    const ProtobufCBinaryData *nonce, const char *node, const char *instance_id,
    const ProtobufCBinaryData *session, uint8_t out[32])
{
	const mbedtls_md_info_t *md =
	    mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	mbedtls_md_context_t ctx;
	int rv = FV_EPROTO;

	if (secret_len < FV_PB_SECRET_MIN) {
		return FV_EBADCONF;
	}
	mbedtls_md_init(&ctx);
	if (md == NULL || mbedtls_md_setup(&ctx, md, 1) != 0 ||
	    mbedtls_md_hmac_starts(&ctx, secret, secret_len) != 0 ||
	    mbedtls_md_hmac_update(&ctx, (const uint8_t *)PROOF_CONTEXT,
	        strlen(PROOF_CONTEXT)) != 0 ||
	    proof_part(&ctx, nonce->data, nonce->len) != 0 ||
	    proof_part(&ctx, node, strlen(node)) != 0 ||
	    proof_part(&ctx, instance_id, strlen(instance_id)) != 0 ||
	    proof_part(&ctx, session->data, session->len) != 0 ||
	    mbedtls_md_hmac_finish(&ctx, out) != 0) {
		goto out;
	}
	rv = 0;
out:
	mbedtls_md_free(&ctx);
	return rv;
}

int
fv_pb_hello_verify(const Fleetvisor__V1__Envelope *env, const uint8_t *secret,
    size_t secret_len, struct fv_diag *d)
{
	const Fleetvisor__V1__Hello *h = env->hello;
	uint8_t want[FV_PROTO_PROOF_LEN];
	unsigned diff = 0;
	int rv;

	if (env->body_case != FLEETVISOR__V1__ENVELOPE__BODY_HELLO ||
	    h == NULL) {
		return fv_diagf(d, FV_EPROTO, "envelope: not a hello");
	}
	if (h->proof_alg != FLEETVISOR__V1__PROOF_ALG__PROOF_HMAC_SHA256 ||
	    h->proof.len != sizeof(want)) {
		return fv_diagf(d, FV_EPROTO, "hello.proof: none");
	}
	if ((rv = fv_pb_hello_proof(secret, secret_len, &h->nonce, h->node,
	         h->instance_id, &env->session, want)) != 0) {
		return fv_diagf(d, rv, "hello.proof: %s",
		    rv == FV_EBADCONF ? "secret too short" : "HMAC failed");
	}
	/* Constant time: a timing oracle must not reveal a matching prefix. */
	for (size_t i = 0; i < sizeof(want); i++) {
		diff |= (unsigned)(want[i] ^ h->proof.data[i]);
	}
	return diff == 0
	    ? 0
	    : fv_diagf(d, FV_EPROTO, "hello.proof: does not match");
}
