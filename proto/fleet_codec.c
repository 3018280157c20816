/*
 * Encoding and validated decoding of fleet envelopes. Every byte a peer
 * sends reaches protobuf-c through fv_pb_envelope_decode, which bounds the
 * size first and refuses versions this build does not speak.
 */
#include "proto/fleet_codec.h"

#include <stdlib.h>

#include "common/err.h"

int
fv_pb_envelope_encode(const Fleetvisor__V1__Envelope *env, struct fv_buf *out)
{
	size_t n = fleetvisor__v1__envelope__get_packed_size(env);
	uint8_t *p;
	int rv;

	if (n > FV_PROTO_MAXMSG) {
		return FV_ETOOBIG;
	}
	if ((p = malloc(n == 0 ? 1 : n)) == NULL) {
		return -12; /* -ENOMEM */
	}
	fleetvisor__v1__envelope__pack(env, p);
	rv = fv_buf_append(out, p, n);
	free(p);
	return rv;
}

int
fv_pb_envelope_decode(
    const uint8_t *p, size_t n, Fleetvisor__V1__Envelope **envp)
{
	Fleetvisor__V1__Envelope *env;

	*envp = NULL;
	if (n > FV_PROTO_MAXMSG) {
		return FV_ETOOBIG;
	}
	if ((env = fleetvisor__v1__envelope__unpack(NULL, n, p)) == NULL) {
		return FV_EPROTO;
	}
	if (env->version != FV_PROTO_VERSION) {
		fleetvisor__v1__envelope__free_unpacked(env, NULL);
		return FV_EPROTO;
	}
	*envp = env;
	return 0;
}
