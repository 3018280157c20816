#ifndef FV_CONTROLLER_CTR_REGISTRY_H
#define FV_CONTROLLER_CTR_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "fleet.pb-c.h"
#include "proto/fleet_codec.h"

/*
 * The registry of agents: what the controller knows of each node, learnt
 * from Hellos, Heartbeats and Events only (so a restarted controller
 * rebuilds it), and the join rules of docs/internals/fleet-protocol.md.
 * Pure: no sockets, no clock (callers pass the time), no locking (the
 * caller holds the controller's state lock).
 */

struct ctr_node {
	char *node;
	Fleetvisor__V1__HostRow__State state;
	Fleetvisor__V1__KeyValue **labels; /* owned copies */
	size_t nlabels;
	Fleetvisor__V1__ProcessSummary summary;
	char *agent_version, *identification, *instance_id;
	int64_t last_seen_us, connected_since_us;
	uint64_t last_event_serial;
	char address[128];
	Fleetvisor__V1__AgentState agent_state;
	uint8_t session[FV_PROTO_SESSION_MAX];
	size_t session_len; /* 0: no session is accepted */
	uint32_t pipe; /* the survey pipe its Hello came on */
	uint64_t last_seen_ms; /* monotonic */
	uint64_t lost_ms; /* monotonic, when it was marked lost */
	uint64_t hb_sequence;
};

struct ctr_registry {
	struct ctr_node **v; /* sorted by node name */
	size_t n;
	size_t max; /* most nodes kept */
};

void ctr_registry_init(struct ctr_registry *r, size_t max);
void ctr_registry_fini(struct ctr_registry *r);

/* ctr_registry_find returns the node called name (borrowed), or NULL. */
struct ctr_node *ctr_registry_find(
    const struct ctr_registry *r, const char *name);

/* ctr_node_session_ok compares s with the node's accepted session in
 * constant time; false when the node has none. */
bool ctr_node_session_ok(
    const struct ctr_node *n, const ProtobufCBinaryData *s);

enum ctr_join_kind {
	CTR_JOIN_CONNECTED, /* a node new to this controller */
	CTR_JOIN_RECONNECTED, /* the same instance on a new connection */
	CTR_JOIN_RESTARTED, /* a known node with a new instance */
	CTR_JOIN_REFUSED,
};

struct ctr_join {
	enum ctr_join_kind kind;
	Fleetvisor__V1__HelloRefused__Reason reason; /* when refused */
	char message[256];
};

/*
 * ctr_hello_prove judges a Hello's proof (env->hello, env->session) with
 * the node's secret from secrets_dir (NULL: none) and the PROOF_NONE
 * policy. true when proven (or PROOF_NONE is allowed); otherwise false
 * with the reason and a message in out. It reads the secret file, so the
 * caller calls it without holding its state lock.
 */
bool ctr_hello_prove(const Fleetvisor__V1__Envelope *env,
    const char *secrets_dir, bool allow_unproven, struct ctr_join *out);

/*
 * ctr_registry_join applies a proven Hello: a node holding the name with
 * another instance and not lost refuses it (REASON_DUPLICATE); a full
 * registry evicts its longest-lost node, or refuses (REASON_POLICY). On
 * acceptance the node is connected with the Hello's session and pipe.
 */
void ctr_registry_join(struct ctr_registry *r,
    const Fleetvisor__V1__Envelope *env, uint32_t pipe, const char *address,
    uint64_t now_ms, int64_t now_us, struct ctr_join *out);

enum ctr_hb {
	CTR_HB_OK,
	CTR_HB_REVIVED, /* the node was lost and is back */
	CTR_HB_UNKNOWN, /* no such node: dropped */
	CTR_HB_BAD_SESSION, /* dropped */
	CTR_HB_STALE, /* another instance or an old sequence: dropped */
};

/* ctr_registry_heartbeat applies a decoded Heartbeat envelope. */
enum ctr_hb ctr_registry_heartbeat(struct ctr_registry *r,
    const Fleetvisor__V1__Envelope *env, uint64_t now_ms, int64_t now_us,
    struct ctr_node **nodep);

/* ctr_registry_event checks a decoded Event envelope against its host's
 * session and notes its serial; CTR_HB_OK or why it is dropped. */
enum ctr_hb ctr_registry_event(struct ctr_registry *r,
    const Fleetvisor__V1__Envelope *env, uint64_t now_ms, int64_t now_us);

/*
 * ctr_registry_sweep marks lost every connected node not seen for
 * lost_after_ms and stores up to max of them in out (borrowed); returns
 * how many were marked.
 */
size_t ctr_registry_sweep(struct ctr_registry *r, uint64_t now_ms,
    uint64_t lost_after_ms, struct ctr_node **out, size_t max);

/* ctr_registry_pipe_gone marks lost the connected node whose survey pipe
 * closed and forgets its session; returns it, or NULL. */
struct ctr_node *ctr_registry_pipe_gone(
    struct ctr_registry *r, uint32_t pipe, uint64_t now_ms);

/* ctr_node_row fills row with pointers into n, valid while n is
 * unchanged. */
void ctr_node_row(struct ctr_node *n, Fleetvisor__V1__HostRow *row);

/* Recent challenge nonces: bounded, each valid until it expires. */
#define CTR_NONCES_MAX 32
#define CTR_NONCE_LEN  32
struct ctr_nonces {
	struct {
		uint8_t b[CTR_NONCE_LEN];
		uint64_t expires_ms;
	} v[CTR_NONCES_MAX];
	size_t next;
};

void ctr_nonces_add(
    struct ctr_nonces *ns, const uint8_t *b, uint64_t expires_ms);
bool ctr_nonces_recent(
    const struct ctr_nonces *ns, const ProtobufCBinaryData *b, uint64_t now_ms);

#endif
