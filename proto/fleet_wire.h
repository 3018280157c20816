#ifndef FV_PROTO_FLEET_WIRE_H
#define FV_PROTO_FLEET_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "common/err.h"

/*
 * The schema-wide rules of the fleet codec, applied the same way to bytes
 * from a peer (before protobuf-c allocates anything) and to a message in
 * memory (before a sender packs it): well-formed wire data, nesting, field
 * count, items per repeated field, string and bytes lengths, UTF-8 without
 * NUL, known enum values. The per-message rules live in fleet_check.c.
 */

/* The most fields one message type of the schema may have (a unit test
 * holds every type to it): the scanners count items per field in an
 * array of this size. */
#define FV_PB_WIRE_FIELDS 32

/*
 * fv_pb_repeat_limit returns the most items the repeated field fd of
 * message type m may hold, 0 for a field without a limit in the table (so
 * a new repeated field is refused until it gets one).
 */
size_t fv_pb_repeat_limit(
    const ProtobufCMessageDescriptor *m, const ProtobufCFieldDescriptor *fd);

/*
 * fv_pb_wire_scan walks n encoded bytes of a message of type desc and
 * applies the schema-wide rules. 0, or FV_EPROTO / FV_ETOOBIG with the
 * field's path in d (optional).
 */
int fv_pb_wire_scan(const ProtobufCMessageDescriptor *desc, const uint8_t *p,
    size_t n, struct fv_diag *d);

/*
 * fv_pb_wire_peek reads the varint fields 1 and 2 of the outermost message
 * (an envelope's version and request id), skipping everything else
 * without looking inside. 0 when absent. FV_EPROTO if malformed.
 */
int fv_pb_wire_peek(
    const uint8_t *p, size_t n, uint64_t *field1, uint64_t *field2);

/*
 * fv_pb_tree_scan applies the same rules to the message m in memory (a
 * NULL string counts as empty). Same errors.
 */
int fv_pb_tree_scan(const ProtobufCMessage *m, struct fv_diag *d);

#endif
