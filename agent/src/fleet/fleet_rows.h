#ifndef FV_FLEET_FLEET_ROWS_H
#define FV_FLEET_FLEET_ROWS_H

#include <stddef.h>

#include "fleet.pb-c.h"
#include "proto/xmlrpc/xr_value.h"

/*
 * The agent's XML-RPC structs as fleet messages: what getProcessInfo and
 * getAllConfigInfo return, as ProcessInfo and ConfigInfo rows, and any
 * text as a string the codec accepts. Every string is a fresh
 * allocation; the _free functions release a row and its strings.
 */

/* fleet_text is n bytes at p as codec-clean text: valid UTF-8 (each
 * invalid byte and each NUL becomes U+FFFD), cut to FV_PROTO_TEXT_MAX
 * bytes on a character boundary. */
char *fleet_text(const char *p, size_t n);
/* fleet_str is fleet_text of s, "" for NULL. */
char *fleet_str(const char *s);

/* fleet_procinfo_new is 4.2.5's process info struct as a ProcessInfo;
 * missing or mistyped members are left empty. */
Fleetvisor__V1__ProcessInfo *fleet_procinfo_new(const struct xr_value *info);
void fleet_procinfo_free(Fleetvisor__V1__ProcessInfo *p);

/* fleet_configinfo_new is a getAllConfigInfo struct as a ConfigInfo. */
Fleetvisor__V1__ConfigInfo *fleet_configinfo_new(const struct xr_value *ci);
void fleet_configinfo_free(Fleetvisor__V1__ConfigInfo *c);

/* fleet_summary_add counts p's state in s. */
void fleet_summary_add(
    Fleetvisor__V1__ProcessSummary *s, const Fleetvisor__V1__ProcessInfo *p);

#endif
