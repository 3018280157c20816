#ifndef FV_PROTO_FLEET_CODEC_H
#define FV_PROTO_FLEET_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "fleet.pb-c.h"

/*
 * The fleet wire format (proto/fleet.proto): encoding, and decoding that
 * validates everything protobuf cannot express. The limits below are the
 * protocol's: a peer that crosses one is refused, so both sides must agree
 * on them; raising one is a protocol change (docs/internals/fleet-protocol.md).
 */

/* The protocol version this build speaks; a peer's other version is refused. */
#define FV_PROTO_VERSION 1
/* The largest encoded envelope accepted from a peer; also nng's RECVMAXSZ. */
#define FV_PROTO_MAXMSG (4u << 20)

/*
 * Field occurrences in one envelope, counted on the wire before protobuf-c
 * allocates anything. protobuf-c spends up to ~150 bytes per occurrence
 * (an empty ProcessInfo costs a struct and a pointer), so this, not the
 * byte size alone, bounds what one message can make a receiver allocate:
 * the densest message the rules accept (62 k minimal process rows in
 * 1 MB) took 15 MB. A heartbeat of FV_PROTO_PROCS_MAX processes needs
 * about 160 k fields.
 */
#define FV_PROTO_FIELDS_MAX (1u << 18)
/* Nesting below the envelope; the schema itself needs 3
 * (command_reply > results > processes). */
#define FV_PROTO_DEPTH_MAX 8

/* A node name: 1..255 bytes of [A-Za-z0-9._-], like a host name. */
#define FV_PROTO_NODE_MAX 255
/* Ids made by programs (instance_id, controller_id), event type names and
 * the agent version: 1..64 bytes, each with its own character set. */
#define FV_PROTO_ID_MAX 64
/* Labels per agent or per selector. */
#define FV_PROTO_LABELS_MAX 64
/* A label key: 1..63 bytes of [A-Za-z0-9._-]; an event header key: 1..63
 * bytes of [A-Za-z0-9_]. */
#define FV_PROTO_LABEL_KEY_MAX 63
/* A label value: 0..255 bytes of UTF-8 without control characters or ','
 * (the [fleet] labels line separates pairs with commas). */
#define FV_PROTO_LABEL_VALUE_MAX 255
/* Any other string (process names, paths, descriptions, words, lines). */
#define FV_PROTO_TEXT_MAX 4096
/* Any bytes field: an event payload, tail data (sessions, nonces and
 * proofs have their own, smaller bounds). */
#define FV_PROTO_PAYLOAD_MAX (1u << 20)

/* Names (exact or glob) in a selector. */
#define FV_PROTO_SELECTOR_MAX 256
/* Words after the action in a command. */
#define FV_PROTO_ARGS_MAX 1024
/* Process rows in a heartbeat or a result, and item rows in a result: a
 * supervisord with more programs than this cannot join a fleet. */
#define FV_PROTO_PROCS_MAX 10000
/* Output lines in one host's result. */
#define FV_PROTO_LINES_MAX 16384
/* Host results in one CommandReply page and rows in one HostsReply page. */
#define FV_PROTO_HOSTS_MAX 4096
/* Header tokens of one event. */
#define FV_PROTO_HEADERS_MAX 32
/* Entries in each list of a Subscribe filter. */
#define FV_PROTO_FILTER_MAX 256

/* Challenge nonces: at least 128 random bits. */
#define FV_PROTO_NONCE_MIN 16
#define FV_PROTO_NONCE_MAX 64
/* Agent session tokens (Envelope.session), when set. */
#define FV_PROTO_SESSION_MIN 16
#define FV_PROTO_SESSION_MAX 64
/* An HMAC-SHA256 proof. */
#define FV_PROTO_PROOF_LEN 32
/* The longest deadline a request may carry (a day), in milliseconds. */
#define FV_PROTO_DEADLINE_MAX_MS 86400000u

/*
 * fv_pb_envelope_encode packs env into out (appending). FV_ETOOBIG if the
 * encoding would exceed FV_PROTO_MAXMSG or out's cap. It does not validate:
 * a sender that builds messages from outside data calls
 * fv_pb_envelope_check first.
 */
int fv_pb_envelope_encode(
    const Fleetvisor__V1__Envelope *env, struct fv_buf *out);

/*
 * fv_pb_envelope_decode unpacks and validates n bytes from a peer. On
 * success *envp is owned by the caller (free with
 * fleetvisor__v1__envelope__free_unpacked(env, NULL)); on failure it is
 * NULL. FV_ETOOBIG when a bound is crossed (size, count, length, depth),
 * FV_EPROTO for anything else malformed or a foreign version.
 */
int fv_pb_envelope_decode(
    const uint8_t *p, size_t n, Fleetvisor__V1__Envelope **envp);

/*
 * fv_pb_envelope_decode_diag is fv_pb_envelope_decode that also says what
 * was wrong in d (optional), naming the field by its path:
 * "hello.node: invalid character '/' at 3".
 */
int fv_pb_envelope_decode_diag(const uint8_t *p, size_t n,
    Fleetvisor__V1__Envelope **envp, struct fv_diag *d);

/*
 * fv_pb_envelope_peek reads only the envelope's own version and request id
 * (0 when absent), without allocating, so that a receiver can answer a
 * peer of another version with an Error naming the request. FV_ETOOBIG or
 * FV_EPROTO when even that much cannot be read.
 */
int fv_pb_envelope_peek(
    const uint8_t *p, size_t n, uint32_t *version, uint64_t *request_id);

/*
 * fv_pb_envelope_check applies to an envelope in memory every rule that
 * decoding applies (version included), so that a sender learns before
 * sending what its peer would refuse. Same errors as decoding.
 */
int fv_pb_envelope_check(
    const Fleetvisor__V1__Envelope *env, struct fv_diag *d);

#endif
