#ifndef FV_PROTO_FLEET_CHECK_H
#define FV_PROTO_FLEET_CHECK_H

#include <stdint.h>

#include "common/err.h"
#include "fleet.pb-c.h"

/*
 * The per-message rules of the fleet protocol: what each field may hold
 * beyond what protobuf and the schema-wide scan (fleet_wire.h) check. The
 * name rules are exported so that configuration (the agent's [fleet] name
 * and labels, the controller's node table) refuses what the wire would.
 * Every error names the field: "hello.node: invalid character '/' at 3".
 */

/*
 * fv_pb_node_check: s is a node name (1..FV_PROTO_NODE_MAX bytes of
 * [A-Za-z0-9._-]). what names it in the message. 0, FV_EPROTO or
 * FV_ETOOBIG.
 */
int fv_pb_node_check(const char *what, const char *s, struct fv_diag *d);

/*
 * fv_pb_label_check: key and value make a label (see FV_PROTO_LABEL_*).
 * what names the pair in the message. 0, FV_EPROTO or FV_ETOOBIG.
 */
int fv_pb_label_check(
    const char *what, const char *key, const char *value, struct fv_diag *d);

/* fv_pb_state_name is 4.2.5's name of process state code st ("RUNNING"),
 * or NULL when st is not one of its codes. */
const char *fv_pb_state_name(int32_t st);

/*
 * fv_pb_envelope_rules applies the per-message rules to env (the
 * schema-wide ones are the caller's: fv_pb_tree_scan). 0, FV_EPROTO or
 * FV_ETOOBIG with the reason in d (optional).
 */
int fv_pb_envelope_rules(
    const Fleetvisor__V1__Envelope *env, struct fv_diag *d);

#endif
