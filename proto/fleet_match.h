#ifndef FV_PROTO_FLEET_MATCH_H
#define FV_PROTO_FLEET_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "fleet.pb-c.h"

/*
 * Who a selector or a subscription is for. The agent (should I answer?),
 * the controller (how many answers do I wait for? which rows?) and the
 * ctl (which relayed events do I print?) must agree, so the rules live
 * here once. Inputs are decoded (validated) messages.
 */

/*
 * fv_pb_selector_match tells whether the agent node with these labels is
 * selected by s: s->all; or, when s names any, node matches one of the
 * names (exact or fnmatch glob) and, when s has labels, every one of them
 * is among the agent's with the same value. A NULL s selects every agent
 * (a HostsRequest without one). labels are borrowed.
 */
bool fv_pb_selector_match(const Fleetvisor__V1__Selector *s, const char *node,
    Fleetvisor__V1__KeyValue *const *labels, size_t nlabels);

/*
 * fv_pb_event_match tells whether a subscriber with filter f wants ev.
 * Each non-empty list of f must match: hosts (globs over ev->host), types
 * (a type name matches itself and its subtypes, EVENT matches all, as in
 * 4.2.5's subscriptions) and processes (globs over "group:name" and
 * "name", from the processname and groupname headers; an event that names
 * no process does not match a process list).
 */
bool fv_pb_event_match(
    const Fleetvisor__V1__Subscribe *f, const Fleetvisor__V1__Event *ev);

/*
 * fv_pb_controller_event_match: f asked for controller events, and the
 * node of ev matches f's hosts (if any).
 */
bool fv_pb_controller_event_match(const Fleetvisor__V1__Subscribe *f,
    const Fleetvisor__V1__ControllerEvent *ev);

#endif
