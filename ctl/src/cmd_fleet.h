#ifndef FV_CTL_CMD_FLEET_H
#define FV_CTL_CMD_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fleet.pb-c.h"

/*
 * The commands that only a controller answers: hosts (the registry) and
 * events (the fleet's live events). Their formats are pure functions
 * here so that the unit tests hold them.
 */

/* ctl_hosts_summary is "12 running, 1 fatal" ("no processes" when all
 * counts are 0). New string. */
char *ctl_hosts_summary(const Fleetvisor__V1__ProcessSummary *s);

/* ctl_hosts_print prints registry rows as a table (node, state, last
 * seen relative to now_us, processes, version, labels) or as one JSON
 * array. */
void ctl_hosts_print(FILE *out, const Fleetvisor__V1__HostRow *const *rows,
    size_t n, int64_t now_us, bool json);

/*
 * One line per event, text or JSON:
 *   TIME HOST SERIAL TYPE key:value... [| rest of the payload]
 * TIME is UTC with milliseconds; the tokens are the payload's header
 * tokens; what the payload holds after its first line (log data) follows
 * " | " with newlines written as \n. Controller events read
 *   TIME NODE - AGENT_CONNECTED instance:ID address:ADDR [reason:TEXT]
 * and our own notes START (the serial the stream starts after) and GAP
 * (serials that never arrived) likewise.
 */
void ctl_events_print(FILE *out, const Fleetvisor__V1__Event *ev, bool json);
void ctl_events_print_controller(
    FILE *out, const Fleetvisor__V1__ControllerEvent *ev, bool json);
void ctl_events_print_start(FILE *out, int64_t now_us, const char *host,
    uint64_t serial, const char *state, bool json);
void ctl_events_print_gap(FILE *out, int64_t now_us, const char *host,
    uint64_t from, uint64_t to, bool json);

#endif
