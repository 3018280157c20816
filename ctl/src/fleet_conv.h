#ifndef FV_CTL_FLEET_CONV_H
#define FV_CTL_FLEET_CONV_H

#include <stdbool.h>
#include <stddef.h>

#include "fleet.pb-c.h"
#include "proto/xmlrpc/xr_value.h"
#include "report.h"

/*
 * A controller's CommandResult turned into exactly what a one-server
 * session of the several-server mode leaves (its text, its records, its
 * exit code), so that hostout.c prints a fleet as it prints several
 * servers. Pure: no I/O, unit-tested with canned results.
 */
struct ctl_fleet_out {
	char *name; /* owned: the host */
	char *out, *err; /* owned text, NUL-terminated; may be NULL */
	size_t outlen, errlen;
	struct ctl_report rep;
	int code;
};

/*
 * ctl_fleet_convert fills o from one host's result of action. With
 * report (status always; avail and pid with --json) the process and
 * config rows become records with 4.2.5's struct members, and error
 * lines of the form "NAME: ERROR (WHY)" records about NAME; otherwise
 * the rows become the lines a one-server session prints. A host that
 * did not answer reads like a server that could not be reached:
 * "timed out: no answer within N s" with code 1 (4 for status: its
 * state is unknown). timeout_ms is the deadline the controller had.
 */
void ctl_fleet_convert(const Fleetvisor__V1__CommandResult *r,
    Fleetvisor__V1__Command__Action action, bool report, unsigned timeout_ms,
    struct ctl_fleet_out *o);
void ctl_fleet_out_fini(struct ctl_fleet_out *o);

/* ctl_fleet_procinfo is p as 4.2.5's getProcessInfo struct (new). */
struct xr_value *ctl_fleet_procinfo(const Fleetvisor__V1__ProcessInfo *p);
/* ctl_fleet_configinfo is c as the members of 4.2.5's getAllConfigInfo
 * struct that the protocol carries (new). */
struct xr_value *ctl_fleet_configinfo(const Fleetvisor__V1__ConfigInfo *c);

#endif
