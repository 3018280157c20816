#ifndef FV_PROTO_FLEET_ROUTE_H
#define FV_PROTO_FLEET_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/str.h"

/*
 * Which hosts the words of a command address, and with what words: the
 * rule of fleetvisorctl's multi-server mode (ctl/src/hosts.h, ctl_route),
 * kept here once so that the controller splits a fleet command exactly as
 * the ctl splits one over several servers. Pure: no I/O, no state.
 *
 * A word "PATTERN/REST" is for the hosts whose name matches the glob
 * PATTERN (fnmatch, no flags), as REST; other words are for every
 * addressed host. When some word has a PATTERN, the command addresses only
 * the hosts those words matched; otherwise all of them. Each addressed host
 * gets the words in the order they were given.
 */
struct fv_fleet_route {
	size_t n; /* hosts */
	bool *selected; /* [n]: addressed */
	struct fv_strv *words; /* [n]: its words (empty when not addressed) */
	struct fv_strv unmatched; /* patterns that matched no host */
	size_t nselected;
};

/*
 * fv_fleet_route fills r (which the caller releases with
 * fv_fleet_route_fini) for the n host names and the nwords words. Both
 * arrays are borrowed.
 */
void fv_fleet_route(const char *const *names, size_t n,
    const char *const *words, size_t nwords, struct fv_fleet_route *r);
void fv_fleet_route_fini(struct fv_fleet_route *r);

/*
 * fv_fleet_route_same tells whether hosts i and j of r got the same word
 * list, so that one survey can carry the command to both.
 */
bool fv_fleet_route_same(const struct fv_fleet_route *r, size_t i, size_t j);

#endif
