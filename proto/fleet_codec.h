#ifndef FV_PROTO_FLEET_CODEC_H
#define FV_PROTO_FLEET_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "fleet.pb-c.h"

/* The protocol version this build speaks; a peer's other version is refused. */
#define FV_PROTO_VERSION 1
/* The largest encoded envelope accepted from a peer. */
#define FV_PROTO_MAXMSG (4u << 20)

/*
 * fv_pb_envelope_encode packs env into out (appending). FV_ETOOBIG if the
 * encoding would exceed FV_PROTO_MAXMSG or out's cap.
 */
int fv_pb_envelope_encode(
    const Fleetvisor__V1__Envelope *env, struct fv_buf *out);

/*
 * fv_pb_envelope_decode unpacks and validates n bytes from a peer. On
 * success *envp is owned by the caller (free with
 * fleetvisor__v1__envelope__free_unpacked(env, NULL)). FV_ETOOBIG for
 * oversized input, FV_EPROTO for malformed input or a foreign version.
 */
int fv_pb_envelope_decode(
    const uint8_t *p, size_t n, Fleetvisor__V1__Envelope **envp);

#endif
