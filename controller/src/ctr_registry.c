/*
 * The registry of agents and the join rules (ctr_registry.h). Nodes are
 * kept sorted by name for bsearch. This module owns every node and its
 * copies of the peer's strings; it never touches a socket or the clock,
 * and holds no lock of its own.
 */
#include "ctr_registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "proto/fleet_net.h"
#include "proto/fleet_proof.h"

void
ctr_registry_init(struct ctr_registry *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->max = max;
}

static void
ctr_node_labels_free(struct ctr_node *n)
{
	for (size_t i = 0; i < n->nlabels; i++) {
		free(n->labels[i]->key);
		free(n->labels[i]->value);
		free(n->labels[i]);
	}
	free(n->labels);
	n->labels = NULL;
	n->nlabels = 0;
}

static void
ctr_node_free(struct ctr_node *n)
{
	ctr_node_labels_free(n);
	free(n->node);
	free(n->agent_version);
	free(n->identification);
	free(n->instance_id);
	explicit_bzero(n->session, sizeof(n->session));
	free(n);
}

void
ctr_registry_fini(struct ctr_registry *r)
{
	for (size_t i = 0; i < r->n; i++) {
		ctr_node_free(r->v[i]);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* ctr_registry_index returns where name is, or where it would go. */
static size_t
ctr_registry_index(const struct ctr_registry *r, const char *name, bool *found)
{
	size_t lo = 0, hi = r->n;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, r->v[mid]->node);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0) {
			hi = mid;
		} else {
			lo = mid + 1;
		}
	}
	return lo;
}

struct ctr_node *
ctr_registry_find(const struct ctr_registry *r, const char *name)
{
	bool found;
	size_t i = ctr_registry_index(r, name, &found);

	return found ? r->v[i] : NULL;
}

bool
ctr_node_session_ok(const struct ctr_node *n, const ProtobufCBinaryData *s)
{
	unsigned char diff = 0;

	if (n->session_len == 0 || s->len != n->session_len) {
		return false;
	}
	for (size_t i = 0; i < s->len; i++) {
		diff |= (unsigned char)(s->data[i] ^ n->session[i]);
	}
	return diff == 0;
}

static bool
ctr_refuse(struct ctr_join *out, Fleetvisor__V1__HelloRefused__Reason reason,
    const char *msg)
{
	out->kind = CTR_JOIN_REFUSED;
	out->reason = reason;
	snprintf(out->message, sizeof(out->message), "%s", msg);
	return false;
}

bool
ctr_hello_prove(const Fleetvisor__V1__Envelope *env, const char *secrets_dir,
    bool allow_unproven, struct ctr_join *out)
{
	const Fleetvisor__V1__Hello *h = env->hello;
	uint8_t secret[FV_FLEET_SECRET_MAX];
	size_t len = 0;
	struct fv_diag d;
	char *path;
	int rv;

	memset(out, 0, sizeof(*out));
	if (h->proof_alg == FLEETVISOR__V1__PROOF_ALG__PROOF_NONE) {
		if (allow_unproven) {
			return true;
		}
		return ctr_refuse(out,
		    FLEETVISOR__V1__HELLO_REFUSED__REASON__REASON_PROOF_REQUIRED,
		    "this controller requires a proof (secret_file)");
	}
	/* "." and ".." are valid node names but not secret files. */
	if (secrets_dir == NULL || h->node[0] == '.') {
		return ctr_refuse(out,
		    FLEETVISOR__V1__HELLO_REFUSED__REASON__REASON_UNKNOWN_NODE,
		    "no secret for this node");
	}
	path = fv_xasprintf("%s/%s", secrets_dir, h->node);
	rv = fv_fleet_secret_read(path, secret, &len, &d);
	free(path);
	if (rv != 0) {
		return ctr_refuse(out,
		    FLEETVISOR__V1__HELLO_REFUSED__REASON__REASON_UNKNOWN_NODE,
		    "no usable secret for this node");
	}
	rv = fv_pb_hello_verify(env, secret, len, &d);
	explicit_bzero(secret, sizeof(secret));
	if (rv != 0) {
		return ctr_refuse(out,
		    FLEETVISOR__V1__HELLO_REFUSED__REASON__REASON_BAD_PROOF,
		    "the proof does not match this node's secret");
	}
	return true;
}

static void
ctr_node_take_hello(struct ctr_node *n, const Fleetvisor__V1__Envelope *env,
    uint32_t pipe, const char *address)
{
	const Fleetvisor__V1__Hello *h = env->hello;

	ctr_node_labels_free(n);
	n->labels = fv_xcalloc(h->n_labels + 1, sizeof(*n->labels));
	for (size_t i = 0; i < h->n_labels; i++) {
		Fleetvisor__V1__KeyValue *kv = fv_xmalloc(sizeof(*kv));

		fleetvisor__v1__key_value__init(kv);
		kv->key = fv_xstrdup(h->labels[i]->key);
		kv->value = fv_xstrdup(h->labels[i]->value);
		n->labels[i] = kv;
	}
	n->nlabels = h->n_labels;
	free(n->agent_version);
	free(n->identification);
	free(n->instance_id);
	n->agent_version = fv_xstrdup(h->agent_version);
	n->identification = fv_xstrdup(h->identification);
	n->instance_id = fv_xstrdup(h->instance_id);
	memcpy(n->session, env->session.data, env->session.len);
	n->session_len = env->session.len;
	n->pipe = pipe;
	snprintf(n->address, sizeof(n->address), "%s", address);
}

/* ctr_registry_evict removes the node lost longest ago; false if none
 * is lost. */
static bool
ctr_registry_evict(struct ctr_registry *r)
{
	size_t best = r->n;

	for (size_t i = 0; i < r->n; i++) {
		if (r->v[i]->state ==
		        FLEETVISOR__V1__HOST_ROW__STATE__STATE_LOST &&
		    (best == r->n || r->v[i]->lost_ms < r->v[best]->lost_ms)) {
			best = i;
		}
	}
	if (best == r->n) {
		return false;
	}
	ctr_node_free(r->v[best]);
	memmove(
	    &r->v[best], &r->v[best + 1], (r->n - best - 1) * sizeof(*r->v));
	r->n--;
	return true;
}

void
ctr_registry_join(struct ctr_registry *r, const Fleetvisor__V1__Envelope *env,
    uint32_t pipe, const char *address, uint64_t now_ms, int64_t now_us,
    struct ctr_join *out)
{
	const Fleetvisor__V1__Hello *h = env->hello;
	struct ctr_node *n;
	bool found;
	size_t i;

	memset(out, 0, sizeof(*out));
	i = ctr_registry_index(r, h->node, &found);
	if (found) {
		n = r->v[i];
		bool same = strcmp(n->instance_id, h->instance_id) == 0;

		if (!same &&
		    n->state ==
		        FLEETVISOR__V1__HOST_ROW__STATE__STATE_CONNECTED) {
			ctr_refuse(out,
			    FLEETVISOR__V1__HELLO_REFUSED__REASON__REASON_DUPLICATE,
			    "another live instance holds this node name");
			return;
		}
		out->kind = same ? CTR_JOIN_RECONNECTED : CTR_JOIN_RESTARTED;
		if (!same) {
			memset(&n->summary, 0, sizeof(n->summary));
			fleetvisor__v1__process_summary__init(&n->summary);
			n->last_event_serial = 0;
			n->hb_sequence = 0;
			n->agent_state =
			    FLEETVISOR__V1__AGENT_STATE__AGENT_STATE_UNSPECIFIED;
		}
	} else {
		if (r->n >= r->max && !ctr_registry_evict(r)) {
			ctr_refuse(out,
			    FLEETVISOR__V1__HELLO_REFUSED__REASON__REASON_POLICY,
			    "the registry is full (max_hosts)");
			return;
		}
		i = ctr_registry_index(r, h->node, &found);
		n = fv_xcalloc(1, sizeof(*n));
		n->node = fv_xstrdup(h->node);
		fleetvisor__v1__process_summary__init(&n->summary);
		r->v = fv_xreallocarray(r->v, r->n + 1, sizeof(*r->v));
		memmove(&r->v[i + 1], &r->v[i], (r->n - i) * sizeof(*r->v));
		r->v[i] = n;
		r->n++;
		out->kind = CTR_JOIN_CONNECTED;
	}
	ctr_node_take_hello(n, env, pipe, address);
	if (n->state != FLEETVISOR__V1__HOST_ROW__STATE__STATE_CONNECTED ||
	    out->kind != CTR_JOIN_RECONNECTED) {
		n->connected_since_us = now_us;
	}
	n->state = FLEETVISOR__V1__HOST_ROW__STATE__STATE_CONNECTED;
	n->last_seen_ms = now_ms;
	n->last_seen_us = now_us;
}

/* ctr_registry_sender finds the node a session-bearing agent message
 * names and checks its session. */
static enum ctr_hb
ctr_registry_sender(const struct ctr_registry *r, const char *node,
    const ProtobufCBinaryData *session, struct ctr_node **np)
{
	struct ctr_node *n = ctr_registry_find(r, node);

	*np = n;
	if (n == NULL) {
		return CTR_HB_UNKNOWN;
	}
	if (!ctr_node_session_ok(n, session)) {
		return CTR_HB_BAD_SESSION;
	}
	return CTR_HB_OK;
}

static enum ctr_hb
ctr_node_seen(struct ctr_node *n, uint64_t now_ms, int64_t now_us)
{
	bool revived =
	    n->state != FLEETVISOR__V1__HOST_ROW__STATE__STATE_CONNECTED;

	n->last_seen_ms = now_ms;
	n->last_seen_us = now_us;
	if (revived) {
		n->state = FLEETVISOR__V1__HOST_ROW__STATE__STATE_CONNECTED;
		n->connected_since_us = now_us;
	}
	return revived ? CTR_HB_REVIVED : CTR_HB_OK;
}

enum ctr_hb
ctr_registry_heartbeat(struct ctr_registry *r,
    const Fleetvisor__V1__Envelope *env, uint64_t now_ms, int64_t now_us,
    struct ctr_node **nodep)
{
	const Fleetvisor__V1__Heartbeat *hb = env->heartbeat;
	struct ctr_node *n;
	enum ctr_hb rv = ctr_registry_sender(r, hb->node, &env->session, &n);

	*nodep = n;
	if (rv != CTR_HB_OK) {
		return rv;
	}
	if (strcmp(n->instance_id, hb->instance_id) != 0 ||
	    (hb->sequence != 0 && hb->sequence < n->hb_sequence)) {
		return CTR_HB_STALE;
	}
	n->hb_sequence = hb->sequence;
	n->agent_state = hb->state;
	if (hb->summary != NULL) {
		n->summary = *hb->summary;
		n->summary.base.unknown_fields = NULL;
		n->summary.base.n_unknown_fields = 0;
	}
	if (hb->last_event_serial > n->last_event_serial) {
		n->last_event_serial = hb->last_event_serial;
	}
	return ctr_node_seen(n, now_ms, now_us);
}

enum ctr_hb
ctr_registry_event(struct ctr_registry *r, const Fleetvisor__V1__Envelope *env,
    uint64_t now_ms, int64_t now_us)
{
	struct ctr_node *n;
	enum ctr_hb rv =
	    ctr_registry_sender(r, env->event->host, &env->session, &n);

	if (rv != CTR_HB_OK) {
		return rv;
	}
	if (env->event->serial > n->last_event_serial) {
		n->last_event_serial = env->event->serial;
	}
	return ctr_node_seen(n, now_ms, now_us);
}

size_t
ctr_registry_sweep(struct ctr_registry *r, uint64_t now_ms,
    uint64_t lost_after_ms, struct ctr_node **out, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < r->n; i++) {
		struct ctr_node *n = r->v[i];

		if (n->state !=
		        FLEETVISOR__V1__HOST_ROW__STATE__STATE_CONNECTED ||
		    now_ms < n->last_seen_ms + lost_after_ms) {
			continue;
		}
		n->state = FLEETVISOR__V1__HOST_ROW__STATE__STATE_LOST;
		n->lost_ms = now_ms;
		if (k < max) {
			out[k] = n;
		}
		k++;
	}
	return k;
}

struct ctr_node *
ctr_registry_pipe_gone(struct ctr_registry *r, uint32_t pipe, uint64_t now_ms)
{
	for (size_t i = 0; i < r->n; i++) {
		struct ctr_node *n = r->v[i];

		if (n->pipe != pipe || n->session_len == 0) {
			continue;
		}
		n->session_len = 0;
		explicit_bzero(n->session, sizeof(n->session));
		n->pipe = 0;
		if (n->state ==
		    FLEETVISOR__V1__HOST_ROW__STATE__STATE_CONNECTED) {
			n->state = FLEETVISOR__V1__HOST_ROW__STATE__STATE_LOST;
			n->lost_ms = now_ms;
			return n;
		}
	}
	return NULL;
}

void
ctr_node_row(struct ctr_node *n, Fleetvisor__V1__HostRow *row)
{
	fleetvisor__v1__host_row__init(row);
	row->node = n->node;
	row->state = n->state;
	row->labels = n->labels;
	row->n_labels = n->nlabels;
	row->summary = &n->summary;
	row->agent_version = n->agent_version;
	row->identification = n->identification;
	row->instance_id = n->instance_id;
	row->last_seen_us = n->last_seen_us;
	row->connected_since_us = n->connected_since_us;
	row->last_event_serial = n->last_event_serial;
	row->address = n->address;
	row->agent_state = n->agent_state;
}

void
ctr_nonces_add(struct ctr_nonces *ns, const uint8_t *b, uint64_t expires_ms)
{
	memcpy(ns->v[ns->next].b, b, CTR_NONCE_LEN);
	ns->v[ns->next].expires_ms = expires_ms;
	ns->next = (ns->next + 1) % CTR_NONCES_MAX;
}

bool
ctr_nonces_recent(
    const struct ctr_nonces *ns, const ProtobufCBinaryData *b, uint64_t now_ms)
{
	if (b->len != CTR_NONCE_LEN) {
		return false;
	}
	for (size_t i = 0; i < CTR_NONCES_MAX; i++) {
		if (ns->v[i].expires_ms > now_ms &&
		    memcmp(ns->v[i].b, b->data, CTR_NONCE_LEN) == 0) {
			return true;
		}
	}
	return false;
}
