#ifndef FV_CONTROLLER_CTR_H
#define FV_CONTROLLER_CTR_H

#include <stdint.h>

#include "common/err.h"
#include "ctr_config.h"
#include "ctr_log.h"

/*
 * fleetvisor-controller's engine: the nng sockets (agents' SURVEYOR and
 * SUB, clients' REP and PUB), the registry, command fan-out, the event
 * relay and the stored replies, all driven by nng's own threads. See
 * ctr.c for the locking rule.
 */

struct ctr;

/* Counters of what was refused or dropped (C14: hostile peers are
 * counted, not logged one by one). */
struct ctr_stats {
	uint64_t client_refused; /* client requests answered with an Error */
	uint64_t client_busy; /* of which CODE_BUSY */
	uint64_t agent_malformed; /* agent messages that did not decode */
	uint64_t hello_refused;
	uint64_t hello_accepted;
	uint64_t heartbeats;
	uint64_t heartbeats_dropped; /* unknown node, wrong session, stale */
	uint64_t events_relayed;
	uint64_t events_dropped;
	uint64_t results_dropped; /* wrong host/session, repeats, late */
	uint64_t commands;
	uint64_t surveys_live;
	uint64_t agent_pipes; /* open now on the agents' two ports */
	uint64_t pipes_join_timeout; /* closed: no join by join_timeout */
	uint64_t pipes_over_cap; /* closed at once: max_agent_connections */
	uint64_t pipes_flood_closed; /* closed: a sustained flood */
	uint64_t rate_dropped; /* events over agent_rate_limit, dropped */
	uint64_t resurveys; /* commands surveyed again to a reconnected node */
	uint64_t nng_checks; /* test connections nng tore down (wedged) */
};

/* ctr_new makes an engine for cfg and log (both borrowed; they must
 * outlive it). Nothing is opened yet. */
struct ctr *ctr_new(const struct ctr_config *cfg, struct ctr_log *log);

/* ctr_start opens the sockets and listens on every URL (and companion).
 * 0, or an error naming the URL in d; then ctr_stop and ctr_free. */
int ctr_start(struct ctr *c, struct fv_diag *d);

/* ctr_stop closes the sockets and waits (bounded) for nng's callbacks to
 * finish. A close that nng does not finish within CTR_CLOSE_WAIT_MS
 * (fv_fleet_close) is logged and left behind, and c with it. The caller
 * still bounds the whole stop with a watchdog: nng_close has been seen
 * to hang after abusive TLS peers. */
#define CTR_CLOSE_WAIT_MS 5000u
void ctr_stop(struct ctr *c);

/* ctr_free releases c after ctr_stop (or a failed ctr_start); a c that
 * ctr_stop had to leave to nng is not freed. */
void ctr_free(struct ctr *c);

/*
 * When nng leaves a pipe we closed untorn-down for CTR_WEDGED_MS
 * (ctr_pipes_stuck; or the controller's own test connection, an inproc
 * pair whose pipe it closes every 5 s), its reaper is blocked for good
 * and nothing will be torn down any more: disconnected agents are never
 * seen to leave, and the connection cap fills. The controller logs it (CRIT,
 * naming the pipe and its peer) and calls fn(arg) once, from an nng thread,
 * with its lock held; ctr_wedged answers true from then on. The daemon stops
 * and exits 70, for its service manager to start it again.
 */
#define CTR_WEDGED_MS 30000u
void ctr_on_wedged(struct ctr *c, void (*fn)(void *), void *arg);
bool ctr_wedged(struct ctr *c);

/* ctr_id returns the controller id sent in Challenges (borrowed). */
const char *ctr_id(const struct ctr *c);

/* ctr_stats_get copies the counters. */
void ctr_stats_get(struct ctr *c, struct ctr_stats *out);

#endif
