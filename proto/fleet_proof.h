#ifndef FV_PROTO_FLEET_PROOF_H
#define FV_PROTO_FLEET_PROOF_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "fleet.pb-c.h"

/*
 * The agent's identity proof (docs/internals/fleet-protocol.md): nng 1.5.2
 * cannot tell the controller the name in a peer's certificate, so a Hello
 * carries HMAC-SHA256(secret, M) where M is the ASCII bytes
 * "fleetvisor-hello-v1" followed, for each of nonce, node, instance_id and
 * session in that order, by its length as 4 bytes big-endian and its
 * bytes. The lengths keep any two different tuples from making the same M.
 * The secret is per agent and known to the controllers it joins.
 */

/* The shortest secret accepted (128 bits). */
#define FV_PB_SECRET_MIN 16

/*
 * fv_pb_hello_proof computes the proof into out. FV_EBADCONF if the secret
 * is shorter than FV_PB_SECRET_MIN, FV_EPROTO if the HMAC fails.
 */
int fv_pb_hello_proof(const uint8_t *secret, size_t secret_len,
    const ProtobufCBinaryData *nonce, const char *node, const char *instance_id,
    const ProtobufCBinaryData *session, uint8_t out[32]);

/*
 * fv_pb_hello_verify checks the proof of env, a decoded Hello, against the
 * node's secret, in constant time. It does not judge the nonce: that it is
 * one the controller sent recently is the controller's to check. 0, or
 * FV_EPROTO ("hello.proof: does not match") or FV_EBADCONF, reason in d.
 */
int fv_pb_hello_verify(const Fleetvisor__V1__Envelope *env,
    const uint8_t *secret, size_t secret_len, struct fv_diag *d);

#endif
