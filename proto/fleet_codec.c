/*
 * Encoding and validated decoding of fleet envelopes. Every byte a peer
 * sends reaches protobuf-c through fv_pb_envelope_decode_diag, which bounds
 * the size, refuses versions this build does not speak, and scans the wire
 * data against the schema-wide limits before protobuf-c allocates; after
 * unpacking, the message goes through fv_pb_envelope_check like any
 * message a sender built, so what decoding accepts and what a sender may
 * send are one set. Nothing else is handed to a caller.
 */
#include "proto/fleet_codec.h"

#include <stdlib.h>

#include "common/xalloc.h"
#include "proto/fleet_check.h"
#include "proto/fleet_wire.h"

int
fv_pb_envelope_encode(const Fleetvisor__V1__Envelope *env, struct fv_buf *out)
{
	size_t n = fleetvisor__v1__envelope__get_packed_size(env);
	uint8_t *p;
	int rv;

	if (n > FV_PROTO_MAXMSG) {
		return FV_ETOOBIG;
	}
	p = fv_xmalloc(n == 0 ? 1 : n);
	fleetvisor__v1__envelope__pack(env, p);
	rv = fv_buf_append(out, p, n);
	free(p);
	return rv;
}

int
fv_pb_envelope_peek(
    const uint8_t *p, size_t n, uint32_t *version, uint64_t *request_id)
{
	uint64_t v;
	int rv;

	*version = 0;
	*request_id = 0;
	if (n > FV_PROTO_MAXMSG) {
		return FV_ETOOBIG;
	}
	if ((rv = fv_pb_wire_peek(p, n, &v, request_id)) != 0) {
		return rv;
	}
	/* uint32 on the wire keeps the low 32 bits, as protobuf-c does. */
	*version = (uint32_t)v;
	return 0;
}

int
fv_pb_envelope_decode_diag(const uint8_t *p, size_t n,
    Fleetvisor__V1__Envelope **envp, struct fv_diag *d)
{
	Fleetvisor__V1__Envelope *env;
	uint64_t request_id;
	uint32_t version;
	int rv;

	*envp = NULL;
	if (n > FV_PROTO_MAXMSG) {
		return fv_diagf(d, FV_ETOOBIG,
		    "envelope: %zu bytes, at most %u", n, FV_PROTO_MAXMSG);
	}
	/* The version first: another version's layout would only confuse
	 * the scan below into a less useful message. */
	if ((rv = fv_pb_envelope_peek(p, n, &version, &request_id)) != 0) {
		/* The full scan finds the same fault and says where. */
		int srv = fv_pb_wire_scan(
		    &fleetvisor__v1__envelope__descriptor, p, n, d);

		return srv != 0 ? srv : fv_diagf(d, rv, "envelope: malformed");
	}
	if (version != FV_PROTO_VERSION) {
		return fv_diagf(d, FV_EPROTO,
		    "envelope.version: %u, this build speaks %d", version,
		    FV_PROTO_VERSION);
	}
	if ((rv = fv_pb_wire_scan(
	         &fleetvisor__v1__envelope__descriptor, p, n, d)) != 0) {
		return rv;
	}
	if ((env = fleetvisor__v1__envelope__unpack(NULL, n, p)) == NULL) {
		return fv_diagf(
		    d, FV_EPROTO, "envelope: protobuf-c refused it");
	}
	if ((rv = fv_pb_envelope_check(env, d)) != 0) {
		fleetvisor__v1__envelope__free_unpacked(env, NULL);
		return rv;
	}
	*envp = env;
	return 0;
}

int
fv_pb_envelope_decode(
    const uint8_t *p, size_t n, Fleetvisor__V1__Envelope **envp)
{
	return fv_pb_envelope_decode_diag(p, n, envp, NULL);
}

int
fv_pb_envelope_check(const Fleetvisor__V1__Envelope *env, struct fv_diag *d)
{
	int rv;

	if ((rv = fv_pb_tree_scan(&env->base, d)) != 0) {
		return rv;
	}
	return fv_pb_envelope_rules(env, d);
}
