/*
 * The controller's engine (ctr.h): sockets, fan-out, relay, registry.
 *
 * Threads and the one lock. nng runs every callback here on its own
 * threads. ALL mutable state of struct ctr (registry, nonces, requests,
 * stored replies, counters, the stopping flag) is guarded by c->mu, and
 * nothing else guards anything: a callback decodes its message and
 * verifies proofs (CPU and a small secret file) without the lock, then
 * takes it, applies the message, starts its next nng operations and
 * releases it. Under c->mu the code only starts asynchronous nng
 * operations (nng_ctx_send/recv with an aio), publishes with
 * nng_sendmsg(NONBLOCK) on PUB (which never waits for a peer), opens or
 * closes contexts (which only aborts their pending operations), and
 * writes to the log. It never waits for the network, for an aio or for
 * another callback; nng_close and nng_aio_free, which wait, are called
 * only in ctr_stop without the lock.
 *
 * Agent-side pipes (both ports) are tracked from the pipe callbacks in
 * c->pipes, so that the tick can close those that never join and the
 * events receiver can cut off a flood. nng_pipe_close is called only
 * without c->mu: closing may run the pipe callbacks, which take it.
 *
 * Objects and their lifetimes: a REP slot per client context, made at
 * start and freed at stop; a survey (challenge, command group, or a
 * one-way post of HelloAck/HelloRefused) lives from its send to its last
 * callback and frees itself there (nng_aio_reap); a request (one client
 * Command) lives until it is finished and its last survey is gone.
 */
#include "ctr.h"

#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/pair0/pair.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/survey0/survey.h>

#include "common/xalloc.h"
#include "ctr_pipes.h"
#include "ctr_registry.h"
#include "ctr_store.h"
#include "proto/fleet_close.h"
#include "proto/fleet_codec.h"
#include "proto/fleet_match.h"
#include "proto/fleet_net.h"
#include "proto/fleet_route.h"

#define CTR_TICK_MS        100
#define CTR_CHALLENGE_MS   3000 /* how long a Challenge collects Hellos */
#define CTR_CHALLENGES_MAX 4 /* Challenges open at once */
#define CTR_POST_MS        1000 /* survey time of HelloAck/HelloRefused */
#define CTR_WAITERS_MAX    4 /* client contexts waiting on one request */
#define CTR_SLOTS_SPARE                            \
	16 /* REP contexts beyond max_inflight, to \
	    * answer CODE_BUSY rather than queue */
#define CTR_REPLY_MARGIN                            \
	200 /* ms kept to reply before the client's \
	     * deadline */
#define CTR_LOST_BATCH 64
#define CTR_EXPIRE_BATCH                             \
	256 /* pipes closed per tick for not joining \
	     * (2560/s) */
#define CTR_CLOSE_RETRY_MS 5000 /* a close that went unnoticed */
#define CTR_NOTE_MS        10000 /* one log line per reason per 10 s */
/* How often the controller closes its own test connection (inproc, pair)
 * to see nng tear it down (ctr_check_wedged). */
#define CTR_CANARY_MS 5000

/* Why an agent-side pipe was closed or its messages dropped: each has
 * its own rate-limited log line. */
enum ctr_note {
	CTR_NOTE_JOIN,
	CTR_NOTE_FULL,
	CTR_NOTE_RATE,
	CTR_NOTE_FLOOD,
	CTR_NOTE_N,
};

enum ctr_survey_kind { CTR_SV_CHALLENGE, CTR_SV_COMMAND, CTR_SV_POST };

struct ctr_req;

struct ctr_survey {
	struct ctr *c;
	enum ctr_survey_kind kind;
	nng_ctx ctx;
	nng_aio *aio;
	bool sent;
	bool closed;
	uint8_t nonce[CTR_NONCE_LEN]; /* challenge; immutable after start */
	uint64_t survey_id; /* command: our request id to the agents */
	struct ctr_req *req; /* command */
	size_t *idx; /* command: indices into req->hosts */
	size_t nidx;
	/* command: what was surveyed, to survey it again to a host that
	 * reconnects before it answered (ctr_resurvey) */
	Fleetvisor__V1__Command__Action action;
	struct fv_strv words;
	bool wait;
	struct ctr_survey *next_in_req;
};

struct ctr_slot {
	struct ctr *c;
	nng_ctx ctx;
	nng_aio *aio;
	bool sending;
};

struct ctr_req {
	uint64_t id; /* the client's */
	struct ctr_slot *waiters[CTR_WAITERS_MAX];
	size_t nwaiters;
	char **hosts; /* owned, registry order */
	bool *answered;
	ProtobufCBinaryData *res; /* packed results */
	char **why; /* lost hosts: why they got no survey */
	size_t nhosts;
	size_t npending;
	size_t ngroups; /* surveys not yet ended */
	struct ctr_survey *groups;
	uint64_t deadline_ms;
	bool done;
	struct ctr_req *next;
};

struct ctr {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const struct ctr_config *cfg; /* borrowed */
	struct ctr_log *log; /* borrowed */
	char id[FV_PROTO_ID_MAX + 1];
	nng_socket surv, sub, rep, pub;
	nng_socket canary_l, canary_d; /* the test connection's two ends */
	bool opened[6];
	bool stuck; /* ctr_stop gave up on nng_close: never freed */
	struct ctr_slot *slots;
	size_t nslots;
	nng_aio *sub_aio;
	nng_aio *tick_aio;
	bool started;
	/* Guarded by mu: */
	bool stopping;
	struct ctr_registry reg;
	struct ctr_store store;
	struct ctr_nonces nonces;
	struct ctr_req *reqs;
	size_t inflight;
	size_t nchallenges;
	bool challenge_due;
	uint64_t last_challenge_ms;
	uint64_t next_survey_id;
	struct ctr_stats st;
	struct ctr_pipes pipes;
	uint64_t next_sweep_ms; /* when a pipe can next miss its join */
	uint64_t next_wedge_ms; /* when to look for a stuck close again */
	uint32_t canary_pipe; /* the test connection's pipe now, 0: none */
	uint32_t canary_closing; /* the one closed, until its REM_POST */
	uint64_t canary_closed_ms;
	uint64_t next_canary_ms;
	bool wedged; /* nng's reaper is stuck (ctr_on_wedged) */
	void (*on_wedged)(void *);
	void *on_wedged_arg;
	struct {
		uint64_t next_ms; /* the next line may be written then */
		uint64_t quiet; /* occurrences not logged since the last */
	} notes[CTR_NOTE_N];
	struct ctr_pipe *expired; /* the tick's batch (tick only) */
};

static uint64_t
ctr_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int64_t
ctr_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
ctr_envelope(Fleetvisor__V1__Envelope *env, uint64_t request_id)
{
	fleetvisor__v1__envelope__init(env);
	env->version = FV_PROTO_VERSION;
	env->request_id = request_id;
}

/* ---------------------------------------------------------------------
 * Controller events (PUB). Under mu.
 */

static void
ctr_publish(struct ctr *c, const Fleetvisor__V1__Envelope *env)
{
	nng_msg *m;
	struct fv_diag d;

	if (fv_fleet_msg_new(env, &m, &d) != 0) {
		ctr_log_warn(c->log, "cannot publish: %s", d.msg);
		return;
	}
	if (nng_sendmsg(c->pub, m, NNG_FLAG_NONBLOCK) != 0) {
		nng_msg_free(m);
	}
}

static void
ctr_publish_event(struct ctr *c, Fleetvisor__V1__ControllerEvent__Kind kind,
    const char *node, const char *instance, const char *reason,
    const char *address)
{
	Fleetvisor__V1__Envelope env;
	Fleetvisor__V1__ControllerEvent ev;
	fleetvisor__v1__controller_event__init(&ev);
	static char empty[1];

	ctr_envelope(&env, 0);
	env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_CONTROLLER_EVENT;
	env.controller_event = &ev;
	ev.kind = kind;
	ev.node = node ? (char *)(uintptr_t)node : empty;
	ev.instance_id = instance ? (char *)(uintptr_t)instance : empty;
	ev.reason = reason ? (char *)(uintptr_t)reason : empty;
	ev.address = address ? (char *)(uintptr_t)address : empty;
	ev.timestamp_us = ctr_now_us();
	ctr_publish(c, &env);
}

/* ---------------------------------------------------------------------
 * Surveys.
 */

/*
 * ctr_survey_start opens a context with survey time ms and sends env on
 * it; s is then owned by its callback. Under mu. Returns 0 or an nng
 * error (s is freed).
 */
static void ctr_survey_cb(void *arg);

/* ctr_survey_free releases a survey's own memory. */
static void
ctr_survey_free(struct ctr_survey *s)
{
	free(s->idx);
	fv_strv_free(&s->words);
	free(s);
}

static int
ctr_survey_start(struct ctr *c, struct ctr_survey *s,
    const Fleetvisor__V1__Envelope *env, uint32_t ms)
{
	nng_msg *m;
	struct fv_diag d;
	int rv;

	s->c = c;
	if ((rv = fv_fleet_msg_new(env, &m, &d)) != 0) {
		ctr_log_warn(c->log, "cannot survey: %s", d.msg);
		ctr_survey_free(s);
		return NNG_EINVAL;
	}
	if ((rv = nng_aio_alloc(&s->aio, ctr_survey_cb, s)) != 0) {
		nng_msg_free(m);
		ctr_survey_free(s);
		return rv;
	}
	if ((rv = nng_ctx_open(&s->ctx, c->surv)) != 0) {
		nng_msg_free(m);
		nng_aio_free(s->aio);
		ctr_survey_free(s);
		return rv;
	}
	nng_ctx_set_ms(s->ctx, NNG_OPT_SURVEYOR_SURVEYTIME, (nng_duration)ms);
	c->st.surveys_live++;
	nng_aio_set_msg(s->aio, m);
	nng_ctx_send(s->ctx, s->aio);
	return 0;
}

static void
ctr_post(struct ctr *c, const Fleetvisor__V1__Envelope *env)
{
	struct ctr_survey *s = fv_xcalloc(1, sizeof(*s));

	s->kind = CTR_SV_POST;
	ctr_survey_start(c, s, env, CTR_POST_MS);
}

static void
ctr_challenge_start(struct ctr *c, uint64_t now)
{
	Fleetvisor__V1__Envelope env;
	Fleetvisor__V1__Challenge ch;
	fleetvisor__v1__challenge__init(&ch);
	struct ctr_survey *s;

	c->challenge_due = false;
	c->last_challenge_ms = now;
	if (c->nchallenges >= CTR_CHALLENGES_MAX) {
		return;
	}
	s = fv_xcalloc(1, sizeof(*s));
	s->kind = CTR_SV_CHALLENGE;
	fv_fleet_random(s->nonce, sizeof(s->nonce));
	ctr_nonces_add(&c->nonces, s->nonce, now + CTR_CHALLENGE_MS + 1000);
	ctr_envelope(&env, ++c->next_survey_id);
	env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_CHALLENGE;
	env.challenge = &ch;
	ch.nonce.data = s->nonce;
	ch.nonce.len = sizeof(s->nonce);
	ch.controller_id = c->id;
	if (ctr_survey_start(c, s, &env, CTR_CHALLENGE_MS) == 0) {
		c->nchallenges++;
	}
}

/* ctr_join_answer surveys the HelloAck or HelloRefused for a Hello. */
static void
ctr_join_answer(
    struct ctr *c, const Fleetvisor__V1__Hello *h, const struct ctr_join *j)
{
	Fleetvisor__V1__Envelope env;
	Fleetvisor__V1__HelloAck ack;
	fleetvisor__v1__hello_ack__init(&ack);
	Fleetvisor__V1__HelloRefused no;
	fleetvisor__v1__hello_refused__init(&no);
	char msg[256];

	ctr_envelope(&env, ++c->next_survey_id);
	if (j->kind == CTR_JOIN_REFUSED) {
		snprintf(msg, sizeof(msg), "%s", j->message);
		env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_HELLO_REFUSED;
		env.hello_refused = &no;
		no.node = h->node;
		no.instance_id = h->instance_id;
		no.controller_id = c->id;
		no.reason = j->reason;
		no.message = msg;
	} else {
		env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_HELLO_ACK;
		env.hello_ack = &ack;
		ack.node = h->node;
		ack.instance_id = h->instance_id;
		ack.controller_id = c->id;
		ack.heartbeat_ms = c->cfg->heartbeat_ms;
		ack.lost_after_ms = c->cfg->lost_after_ms;
	}
	ctr_post(c, &env);
}

/* ctr_on_hello handles a Hello answering the challenge s. The proof is
 * judged before the lock is taken. */
/*
 * ctr_resurvey surveys node again, under the same request id, for every
 * command in flight that expects its answer: the node came back on a new
 * connection (the same instance), and a survey sent on the old one may
 * never arrive or be answered. The agent answers a request id it has
 * seen with its stored answer (or when it is done), so nothing runs
 * twice. Not for a restarted agent: it forgot what it ran. Under mu.
 */
static void
ctr_resurvey(struct ctr *c, const char *node, uint64_t now)
{
	for (struct ctr_req *q = c->reqs; q != NULL; q = q->next) {
		struct ctr_survey *again = NULL;

		for (struct ctr_survey *g = q->groups;
		     g != NULL && !q->done && again == NULL;
		     g = g->next_in_req) {
			for (size_t k = 0; k < g->nidx; k++) {
				size_t i = g->idx[k];

				if (q->answered[i] ||
				    strcmp(q->hosts[i], node) != 0) {
					continue;
				}
				again = fv_xcalloc(1, sizeof(*again));
				again->kind = CTR_SV_COMMAND;
				again->req = q;
				again->idx = fv_xcalloc(1, sizeof(*again->idx));
				again->idx[0] = i;
				again->nidx = 1;
				again->survey_id = g->survey_id;
				again->action = g->action;
				again->wait = g->wait;
				for (size_t w = 0; w < g->words.n; w++) {
					fv_strv_push(
					    &again->words, g->words.v[w]);
				}
				break;
			}
		}
		if (again == NULL) {
			continue;
		}
		Fleetvisor__V1__Envelope env;
		Fleetvisor__V1__Command cmd;
		Fleetvisor__V1__Selector sel;
		char *names[1] = { q->hosts[again->idx[0]] };
		uint64_t left = q->deadline_ms > now ? q->deadline_ms - now : 1;

		fleetvisor__v1__command__init(&cmd);
		fleetvisor__v1__selector__init(&sel);
		sel.names = names;
		sel.n_names = 1;
		cmd.selector = &sel;
		cmd.action = again->action;
		cmd.args = again->words.v;
		cmd.n_args = again->words.n;
		cmd.wait = again->wait;
		ctr_envelope(&env, again->survey_id);
		env.deadline_ms = (uint32_t)left;
		env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_COMMAND;
		env.command = &cmd;
		if (ctr_survey_start(c, again, &env, (uint32_t)left) == 0) {
			again->next_in_req = q->groups;
			q->groups = again;
			q->ngroups++;
			c->st.resurveys++;
		}
	}
}

static void
ctr_on_hello(struct ctr_survey *s, Fleetvisor__V1__Envelope *env, nng_msg *m)
{
	struct ctr *c = s->c;
	const Fleetvisor__V1__Hello *h = env->hello;
	struct ctr_join j;
	char addr[128];
	bool proven = false;
	uint64_t now;
	static const char *const kinds[] = { "connected", "reconnected",
		"restarted", "refused" };

	fv_fleet_pipe_addr(nng_msg_get_pipe(m), addr, sizeof(addr));
	memset(&j, 0, sizeof(j));
	if (h->proof_alg != FLEETVISOR__V1__PROOF_ALG__PROOF_NONE &&
	    (h->nonce.len != sizeof(s->nonce) ||
	        memcmp(h->nonce.data, s->nonce, sizeof(s->nonce)) != 0)) {
		j.kind = CTR_JOIN_REFUSED;
		j.reason =
		    FLEETVISOR__V1__HELLO_REFUSED__REASON__REASON_STALE_NONCE;
		snprintf(j.message, sizeof(j.message),
		    "not the nonce of this challenge");
	} else {
		proven = ctr_hello_prove(
		    env, c->cfg->secrets_dir, c->cfg->allow_unproven, &j);
	}
	pthread_mutex_lock(&c->mu);
	now = ctr_now_ms();
	if (proven && h->proof_alg != FLEETVISOR__V1__PROOF_ALG__PROOF_NONE &&
	    !ctr_nonces_recent(&c->nonces, &h->nonce, now)) {
		proven = false;
		j.kind = CTR_JOIN_REFUSED;
		j.reason =
		    FLEETVISOR__V1__HELLO_REFUSED__REASON__REASON_STALE_NONCE;
		snprintf(j.message, sizeof(j.message), "the nonce expired");
	}
	if (proven) {
		ctr_registry_join(&c->reg, env,
		    nng_pipe_id(nng_msg_get_pipe(m)), addr, now, ctr_now_us(),
		    &j);
		if (j.kind != CTR_JOIN_REFUSED) {
			ctr_pipes_joined(
			    &c->pipes, nng_pipe_id(nng_msg_get_pipe(m)));
		}
	}
	/* A refusal is public and names node and instance as claimed, and
	 * every agent sees the others' instance ids in the public acks: a
	 * refusal addressed to an instance joined on another live pipe
	 * would only knock that agent off, so it is not sent. */
	if (j.kind == CTR_JOIN_REFUSED) {
		struct ctr_node *live = ctr_registry_find(&c->reg, h->node);

		if (live == NULL || live->session_len == 0 ||
		    live->pipe == (uint32_t)nng_pipe_id(nng_msg_get_pipe(m)) ||
		    strcmp(live->instance_id, h->instance_id) != 0) {
			ctr_join_answer(c, h, &j);
		}
	} else {
		ctr_join_answer(c, h, &j);
	}
	if (j.kind == CTR_JOIN_REFUSED) {
		c->st.hello_refused++;
		ctr_log_warn(c->log,
		    "refused node %s (instance %s) from %s: %s", h->node,
		    h->instance_id, addr, j.message);
		ctr_publish_event(c,
		    FLEETVISOR__V1__CONTROLLER_EVENT__KIND__KIND_AGENT_REFUSED,
		    h->node, h->instance_id, j.message, addr);
	} else {
		c->st.hello_accepted++;
		ctr_log_info(c->log, "node %s %s (instance %s) from %s",
		    h->node, kinds[j.kind], h->instance_id, addr);
		ctr_publish_event(c,
		    j.kind == CTR_JOIN_RESTARTED
		        ? FLEETVISOR__V1__CONTROLLER_EVENT__KIND__KIND_AGENT_RESTARTED
		        : FLEETVISOR__V1__CONTROLLER_EVENT__KIND__KIND_AGENT_CONNECTED,
		    h->node, h->instance_id, kinds[j.kind], addr);
		if (j.kind == CTR_JOIN_RECONNECTED) {
			ctr_resurvey(c, h->node, now);
		}
	}
	pthread_mutex_unlock(&c->mu);
}

static void ctr_req_finish(struct ctr *c, struct ctr_req *q);
static void ctr_req_release(struct ctr *c, struct ctr_req *q);

/* ctr_on_result takes a CommandResult for the command group s. Under
 * mu. */
static void
ctr_on_result(struct ctr_survey *s, Fleetvisor__V1__Envelope *env)
{
	struct ctr *c = s->c;
	struct ctr_req *q = s->req;
	const Fleetvisor__V1__CommandResult *r = env->command_result;
	struct ctr_node *n;
	size_t len;

	if (q->done || env->request_id != s->survey_id) {
		c->st.results_dropped++;
		return;
	}
	for (size_t k = 0; k < s->nidx; k++) {
		size_t i = s->idx[k];

		if (strcmp(q->hosts[i], r->host) != 0) {
			continue;
		}
		n = ctr_registry_find(&c->reg, r->host);
		if (q->answered[i] || n == NULL ||
		    !ctr_node_session_ok(n, &env->session)) {
			break;
		}
		len = fleetvisor__v1__command_result__get_packed_size(r);
		q->res[i].data = fv_xmalloc(len + 1);
		q->res[i].len = len;
		fleetvisor__v1__command_result__pack(r, q->res[i].data);
		q->answered[i] = true;
		if (--q->npending == 0) {
			ctr_req_finish(c, q);
		}
		return;
	}
	c->st.results_dropped++;
}

/* ctr_survey_end runs when a survey's last operation ended. */
static void
ctr_survey_end(struct ctr_survey *s)
{
	struct ctr *c = s->c;

	nng_aio *aio = s->aio;
	bool owned = s->kind != CTR_SV_COMMAND;

	pthread_mutex_lock(&c->mu);
	nng_ctx_close(s->ctx);
	if (s->kind == CTR_SV_CHALLENGE) {
		c->nchallenges--;
	} else if (s->kind == CTR_SV_COMMAND) {
		struct ctr_req *q = s->req;

		/* s belongs to q's list and may go with q below. */
		s->closed = true;
		q->ngroups--;
		if (!q->done && q->ngroups == 0) {
			ctr_req_finish(c, q);
		}
		ctr_req_release(c, q);
	}
	c->st.surveys_live--;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	nng_aio_reap(aio);
	if (owned) {
		ctr_survey_free(s);
	}
}

static void
ctr_survey_cb(void *arg)
{
	struct ctr_survey *s = arg;
	struct ctr *c = s->c;
	int rv = nng_aio_result(s->aio);
	Fleetvisor__V1__Envelope *env = NULL;
	nng_msg *m;
	struct fv_diag d;

	if (!s->sent) {
		s->sent = true;
		if (rv != 0) {
			nng_msg_free(nng_aio_get_msg(s->aio));
		}
		if (rv != 0 || s->kind == CTR_SV_POST) {
			ctr_survey_end(s);
			return;
		}
		nng_ctx_recv(s->ctx, s->aio);
		return;
	}
	if (rv != 0) {
		ctr_survey_end(s);
		return;
	}
	m = nng_aio_get_msg(s->aio);
	if (fv_fleet_msg_decode(m, &env, NULL, NULL, &d) != 0) {
		pthread_mutex_lock(&c->mu);
		c->st.agent_malformed++;
		ctr_log_debug(c->log, "agent answer refused: %s", d.msg);
		pthread_mutex_unlock(&c->mu);
	} else if (s->kind == CTR_SV_CHALLENGE &&
	    env->body_case == FLEETVISOR__V1__ENVELOPE__BODY_HELLO) {
		ctr_on_hello(s, env, m);
	} else if (s->kind == CTR_SV_COMMAND &&
	    env->body_case == FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_RESULT) {
		pthread_mutex_lock(&c->mu);
		ctr_on_result(s, env);
		pthread_mutex_unlock(&c->mu);
	} else {
		pthread_mutex_lock(&c->mu);
		c->st.agent_malformed++;
		pthread_mutex_unlock(&c->mu);
	}
	if (env != NULL) {
		fleetvisor__v1__envelope__free_unpacked(env, NULL);
	}
	nng_msg_free(m);
	nng_ctx_recv(s->ctx, s->aio);
}

/* ---------------------------------------------------------------------
 * Client requests. Under mu unless said otherwise.
 */

static void
ctr_slot_send(struct ctr_slot *sl, nng_msg *m)
{
	sl->sending = true;
	nng_aio_set_msg(sl->aio, m);
	nng_ctx_send(sl->ctx, sl->aio);
}

static nng_msg *
ctr_error(struct ctr *c, uint64_t id, Fleetvisor__V1__Error__Code code,
    const char *text)
{
	nng_msg *m = NULL;

	c->st.client_refused++;
	if (code == FLEETVISOR__V1__ERROR__CODE__CODE_BUSY) {
		c->st.client_busy++;
	}
	if (fv_fleet_error_msg(id, code, text, &m) != 0) {
		return NULL;
	}
	return m;
}

static void
ctr_req_free(struct ctr_req *q)
{
	for (size_t i = 0; i < q->nhosts; i++) {
		free(q->hosts[i]);
		free(q->res[i].data);
		free(q->why[i]);
	}
	while (q->groups != NULL) {
		struct ctr_survey *g = q->groups;

		q->groups = g->next_in_req;
		ctr_survey_free(g);
	}
	free(q->hosts);
	free(q->answered);
	free(q->res);
	free(q->why);
	free(q);
}

/* ctr_req_release frees q once it is finished and no survey refers to
 * it any more. */
static void
ctr_req_release(struct ctr *c, struct ctr_req *q)
{
	if (!q->done || q->ngroups > 0) {
		return;
	}
	for (struct ctr_req **pp = &c->reqs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	}
	ctr_req_free(q);
}

/* ctr_req_finish stores the results (timed-out rows for the hosts that
 * did not answer) and answers every waiting client context. */
static void
ctr_req_finish(struct ctr *c, struct ctr_req *q)
{
	struct ctr_stored *st = ctr_stored_new(q->id, (uint32_t)q->nhosts);
	struct fv_diag d;

	if (q->done) {
		return;
	}
	q->done = true;
	c->inflight--;
	for (size_t i = 0; i < q->nhosts; i++) {
		if (q->answered[i]) {
			ctr_stored_add_packed(
			    st, q->res[i].data, q->res[i].len);
		} else {
			Fleetvisor__V1__CommandResult r;
			fleetvisor__v1__command_result__init(&r);
			static char late[] = "no answer by the deadline";
			char *lines[1] = { q->why[i] ? q->why[i] : late };

			r.host = q->hosts[i];
			r.outcome =
			    FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_TIMED_OUT;
			r.exit_code = 2;
			r.err_lines = lines;
			r.n_err_lines = 1;
			ctr_stored_add(st, &r);
		}
	}
	ctr_stored_paginate(st);
	for (size_t w = 0; w < q->nwaiters && !c->stopping; w++) {
		nng_msg *m = NULL;

		if (ctr_stored_page_msg(st, 0, q->id, &m, &d) != 0) {
			ctr_log_error(c->log, "reply to request %llu: %s",
			    (unsigned long long)q->id, d.msg);
			m = ctr_error(c, q->id,
			    FLEETVISOR__V1__ERROR__CODE__CODE_INTERNAL, d.msg);
		}
		if (m != NULL) {
			ctr_slot_send(q->waiters[w], m);
		}
	}
	q->nwaiters = 0;
	ctr_store_put_take(&c->store, st);
	/* The answers are in: stop listening for more. */
	for (struct ctr_survey *g = q->groups; g != NULL; g = g->next_in_req) {
		if (!g->closed) {
			nng_ctx_close(g->ctx);
		}
	}
}

/* ctr_req_group surveys cmd to the hosts idx[0..n) of q. */
static void
ctr_req_group(struct ctr *c, struct ctr_req *q,
    const Fleetvisor__V1__Command *cmd, const struct fv_strv *words,
    size_t *idx, size_t n, uint64_t now)
{
	Fleetvisor__V1__Envelope env;
	Fleetvisor__V1__Command out;
	fleetvisor__v1__command__init(&out);
	Fleetvisor__V1__Selector sel;
	fleetvisor__v1__selector__init(&sel);
	struct ctr_survey *s = fv_xcalloc(1, sizeof(*s));
	char **names = fv_xcalloc(n + 1, sizeof(*names));
	uint64_t left = q->deadline_ms > now ? q->deadline_ms - now : 1;

	for (size_t i = 0; i < n; i++) {
		names[i] = q->hosts[idx[i]];
	}
	s->kind = CTR_SV_COMMAND;
	s->req = q;
	s->idx = idx;
	s->nidx = n;
	s->survey_id = ++c->next_survey_id;
	s->action = cmd->action;
	s->wait = cmd->wait;
	for (size_t i = 0; i < words->n; i++) {
		fv_strv_push(&s->words, words->v[i]);
	}
	ctr_envelope(&env, s->survey_id);
	env.deadline_ms = (uint32_t)left;
	env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_COMMAND;
	env.command = &out;
	out.selector = &sel;
	sel.names = names;
	sel.n_names = n;
	out.action = cmd->action;
	out.args = words->v;
	out.n_args = words->n;
	out.wait = cmd->wait;
	/* The survey's callbacks take mu before they look at q, so linking
	 * s after starting it is safe; ctr_survey_start frees s on failure. */
	if (ctr_survey_start(c, s, &env, (uint32_t)left) == 0) {
		s->next_in_req = q->groups;
		q->groups = s;
		q->ngroups++;
	}
	free(names);
}

/* ctr_command starts the fan-out of a client Command on slot sl; a reply
 * to send at once is returned, NULL when sl waits. */
static nng_msg *
ctr_command(
    struct ctr *c, struct ctr_slot *sl, const Fleetvisor__V1__Envelope *env)
{
	const Fleetvisor__V1__Command *cmd = env->command;
	uint64_t now = ctr_now_ms();
	struct ctr_stored *st;
	struct ctr_req *q;
	struct fv_fleet_route r;
	const char **names;
	struct ctr_node **nodes;
	size_t nn = 0;
	nng_msg *m = NULL;
	struct fv_diag d;
	uint32_t ms;

	if (env->request_id == 0) {
		return ctr_error(c, 0,
		    FLEETVISOR__V1__ERROR__CODE__CODE_BAD_REQUEST,
		    "a command needs a request id");
	}
	/* At most once: a repeat gets the first answer. */
	if ((st = ctr_store_find(&c->store, env->request_id)) != NULL) {
		if (ctr_stored_page_msg(st, 0, env->request_id, &m, &d) != 0) {
			return ctr_error(c, env->request_id,
			    FLEETVISOR__V1__ERROR__CODE__CODE_INTERNAL, d.msg);
		}
		return m;
	}
	for (q = c->reqs; q != NULL; q = q->next) {
		if (!q->done && q->id == env->request_id) {
			if (q->nwaiters == CTR_WAITERS_MAX) {
				return ctr_error(c, env->request_id,
				    FLEETVISOR__V1__ERROR__CODE__CODE_BUSY,
				    "this request is already being answered");
			}
			q->waiters[q->nwaiters++] = sl;
			return NULL;
		}
	}
	if (c->inflight >= c->cfg->max_inflight) {
		return ctr_error(c, env->request_id,
		    FLEETVISOR__V1__ERROR__CODE__CODE_BUSY,
		    "too many commands in flight (max_inflight)");
	}
	names = fv_xcalloc(c->reg.n + 1, sizeof(*names));
	nodes = fv_xcalloc(c->reg.n + 1, sizeof(*nodes));
	for (size_t i = 0; i < c->reg.n; i++) {
		struct ctr_node *n = c->reg.v[i];

		if (fv_pb_selector_match(
		        cmd->selector, n->node, n->labels, n->nlabels)) {
			nodes[nn] = n;
			names[nn++] = n->node;
		}
	}
	fv_fleet_route(
	    names, nn, (const char *const *)cmd->args, cmd->n_args, &r);
	if (r.unmatched.n > 0) {
		struct fv_buf b;

		fv_buf_init(&b, 2048);
		fv_buf_puts(&b, "no such host:");
		for (size_t u = 0; u < r.unmatched.n; u++) {
			fv_buf_printf(&b, " %s", r.unmatched.v[u]);
		}
		m = ctr_error(c, env->request_id,
		    FLEETVISOR__V1__ERROR__CODE__CODE_BAD_REQUEST,
		    fv_buf_cstr(&b));
		fv_buf_fini(&b);
		goto out;
	}
	c->st.commands++;
	ms = env->deadline_ms != 0 ? env->deadline_ms
	                           : c->cfg->command_timeout_ms;
	ms = ms > CTR_REPLY_MARGIN * 2 ? ms - CTR_REPLY_MARGIN : ms / 2 + 1;
	q = fv_xcalloc(1, sizeof(*q));
	q->id = env->request_id;
	q->deadline_ms = now + ms;
	q->hosts = fv_xcalloc(r.nselected + 1, sizeof(*q->hosts));
	q->answered = fv_xcalloc(r.nselected + 1, sizeof(*q->answered));
	q->res = fv_xcalloc(r.nselected + 1, sizeof(*q->res));
	q->why = fv_xcalloc(r.nselected + 1, sizeof(*q->why));
	q->waiters[q->nwaiters++] = sl;
	q->next = c->reqs;
	c->reqs = q;
	c->inflight++;
	{
		size_t *map = fv_xcalloc(nn + 1, sizeof(*map));
		bool *grouped = fv_xcalloc(nn + 1, sizeof(*grouped));

		for (size_t i = 0; i < nn; i++) {
			if (!r.selected[i]) {
				continue;
			}
			map[i] = q->nhosts;
			q->hosts[q->nhosts++] = fv_xstrdup(nodes[i]->node);
			if (nodes[i]->state !=
			    FLEETVISOR__V1__HOST_ROW__STATE__STATE_CONNECTED) {
				grouped[i] = true;
				q->why[map[i]] = fv_xasprintf(
				    "lost: no heartbeat for %llu s",
				    (unsigned long long)((now -
				                             nodes[i]
				                                 ->last_seen_ms) /
				        1000));
			} else {
				q->npending++;
			}
		}
		/* One survey per distinct word list (and per
		 * FV_PROTO_SELECTOR_MAX hosts). */
		for (size_t i = 0; i < nn; i++) {
			size_t *idx, k = 0;

			if (!r.selected[i] || grouped[i]) {
				continue;
			}
			idx = fv_xcalloc(FV_PROTO_SELECTOR_MAX, sizeof(*idx));
			for (size_t j = i; j < nn && k < FV_PROTO_SELECTOR_MAX;
			     j++) {
				if (r.selected[j] && !grouped[j] &&
				    fv_fleet_route_same(&r, i, j)) {
					grouped[j] = true;
					idx[k++] = map[j];
				}
			}
			ctr_req_group(c, q, cmd, &r.words[i], idx, k, now);
		}
		free(map);
		free(grouped);
	}
	if (q->npending == 0 || q->ngroups == 0) {
		ctr_req_finish(c, q);
		ctr_req_release(c, q);
	}
out:
	fv_fleet_route_fini(&r);
	free(names);
	free(nodes);
	return m;
}

/* ctr_hosts_reply builds a HostsReply page of the nodes match accepts. */
static nng_msg *
ctr_hosts_reply(struct ctr *c, uint64_t id, uint32_t page,
    bool (*match)(const struct ctr_node *, const void *), const void *arg)
{
	Fleetvisor__V1__Envelope env;
	Fleetvisor__V1__HostsReply rep;
	fleetvisor__v1__hosts_reply__init(&rep);
	Fleetvisor__V1__HostRow *rows = fv_xcalloc(c->reg.n + 1, sizeof(*rows));
	Fleetvisor__V1__HostRow **ptrs =
	    fv_xcalloc(c->reg.n + 1, sizeof(*ptrs));
	size_t budget = FV_PROTO_MAXMSG - 64 * 1024, used = 0, k = 0;
	uint32_t cur = 0;
	nng_msg *m = NULL;
	struct fv_diag d;

	for (size_t i = 0; i < c->reg.n; i++) {
		size_t sz;

		if (!match(c->reg.v[i], arg)) {
			continue;
		}
		ctr_node_row(c->reg.v[i], &rows[k]);
		sz = fleetvisor__v1__host_row__get_packed_size(&rows[k]) + 8;
		if (k > 0 && (k == FV_PROTO_HOSTS_MAX || used + sz > budget)) {
			if (cur == page) {
				rep.more = true;
				break;
			}
			cur++;
			rows[0] = rows[k];
			k = 0;
			used = 0;
		}
		used += sz;
		k++;
	}
	if (cur != page) {
		k = 0;
	}
	for (size_t i = 0; i < k; i++) {
		ptrs[i] = &rows[i];
	}
	ctr_envelope(&env, id);
	env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_HOSTS_REPLY;
	env.hosts_reply = &rep;
	rep.hosts = ptrs;
	rep.n_hosts = k;
	rep.page = page;
	if (fv_fleet_msg_new(&env, &m, &d) != 0) {
		m = ctr_error(
		    c, id, FLEETVISOR__V1__ERROR__CODE__CODE_INTERNAL, d.msg);
	}
	free(rows);
	free(ptrs);
	return m;
}

static bool
ctr_match_selector(const struct ctr_node *n, const void *arg)
{
	return fv_pb_selector_match(arg, n->node, n->labels, n->nlabels);
}

static bool
ctr_match_subscribe(const struct ctr_node *n, const void *arg)
{
	const Fleetvisor__V1__Subscribe *f = arg;

	if (f->n_hosts == 0) {
		return true;
	}
	for (size_t i = 0; i < f->n_hosts; i++) {
		if (fnmatch(f->hosts[i], n->node, 0) == 0) {
			return true;
		}
	}
	return false;
}

/* ctr_client_request handles one decoded client request; returns the
 * reply to send now, or NULL when sl waits for a fan-out. Under mu. */
static nng_msg *
ctr_client_request(
    struct ctr *c, struct ctr_slot *sl, const Fleetvisor__V1__Envelope *env)
{
	uint64_t id = env->request_id;
	struct ctr_stored *st;
	nng_msg *m = NULL;
	struct fv_diag d;

	if (c->stopping) {
		return ctr_error(c, id,
		    FLEETVISOR__V1__ERROR__CODE__CODE_SHUTTING_DOWN,
		    "the controller is stopping");
	}
	switch (env->body_case) {
	case FLEETVISOR__V1__ENVELOPE__BODY_COMMAND:
		return ctr_command(c, sl, env);
	case FLEETVISOR__V1__ENVELOPE__BODY_PAGE_REQUEST:
		st = ctr_store_find(&c->store, env->page_request->request_id);
		if (st == NULL) {
			return ctr_error(c, id,
			    FLEETVISOR__V1__ERROR__CODE__CODE_UNKNOWN_REQUEST,
			    "no such request (or no longer kept)");
		}
		if (ctr_stored_page_msg(
		        st, env->page_request->page, id, &m, &d) != 0) {
			return ctr_error(c, id,
			    FLEETVISOR__V1__ERROR__CODE__CODE_BAD_REQUEST,
			    d.msg);
		}
		return m;
	case FLEETVISOR__V1__ENVELOPE__BODY_HOSTS_REQUEST:
		return ctr_hosts_reply(c, id, env->hosts_request->page,
		    ctr_match_selector, env->hosts_request->selector);
	case FLEETVISOR__V1__ENVELOPE__BODY_SUBSCRIBE:
		return ctr_hosts_reply(
		    c, id, 0, ctr_match_subscribe, env->subscribe);
	default:
		return ctr_error(c, id,
		    FLEETVISOR__V1__ERROR__CODE__CODE_BAD_REQUEST,
		    "not a request a controller answers");
	}
}

static void
ctr_slot_cb(void *arg)
{
	struct ctr_slot *sl = arg;
	struct ctr *c = sl->c;
	int rv = nng_aio_result(sl->aio);
	Fleetvisor__V1__Envelope *env = NULL;
	nng_msg *m, *reply;
	struct fv_diag d;
	uint64_t id = 0;
	uint32_t version = 0;
	int err;

	if (sl->sending) {
		sl->sending = false;
		if (rv != 0) {
			nng_msg_free(nng_aio_get_msg(sl->aio));
		}
		if (rv != NNG_ECLOSED) {
			nng_ctx_recv(sl->ctx, sl->aio);
		}
		return;
	}
	if (rv != 0) {
		if (rv != NNG_ECLOSED) {
			nng_ctx_recv(sl->ctx, sl->aio);
		}
		return;
	}
	m = nng_aio_get_msg(sl->aio);
	err = fv_fleet_msg_decode(m, &env, &id, &version, &d);
	nng_msg_free(m);
	pthread_mutex_lock(&c->mu);
	if (err != 0) {
		Fleetvisor__V1__Error__Code code =
		    version != 0 && version != FV_PROTO_VERSION
		    ? FLEETVISOR__V1__ERROR__CODE__CODE_VERSION
		    : err == FV_ETOOBIG
		    ? FLEETVISOR__V1__ERROR__CODE__CODE_TOO_BIG
		    : FLEETVISOR__V1__ERROR__CODE__CODE_MALFORMED;

		ctr_log_debug(c->log, "client request refused: %s", d.msg);
		reply = ctr_error(c, id, code, d.msg);
	} else {
		reply = ctr_client_request(c, sl, env);
	}
	if (reply != NULL) {
		ctr_slot_send(sl, reply);
	} else if (err != 0) {
		/* No reply could be built: take the next request. */
		nng_ctx_recv(sl->ctx, sl->aio);
	}
	pthread_mutex_unlock(&c->mu);
	if (env != NULL) {
		fleetvisor__v1__envelope__free_unpacked(env, NULL);
	}
}

/* ---------------------------------------------------------------------
 * Agents' PUB stream: heartbeats and events.
 */

static void
ctr_on_agent_msg(struct ctr *c, uint32_t pipe, Fleetvisor__V1__Envelope *env)
{
	uint64_t now = ctr_now_ms();
	int64_t now_us = ctr_now_us();
	struct ctr_node *n = NULL;
	enum ctr_hb hb;

	switch (env->body_case) {
	case FLEETVISOR__V1__ENVELOPE__BODY_HEARTBEAT:
		hb = ctr_registry_heartbeat(&c->reg, env, now, now_us, &n);
		if (hb == CTR_HB_OK || hb == CTR_HB_REVIVED) {
			c->st.heartbeats++;
			ctr_pipes_joined(&c->pipes, pipe);
		} else {
			c->st.heartbeats_dropped++;
		}
		if (hb == CTR_HB_REVIVED) {
			ctr_log_info(c->log, "node %s is back", n->node);
			ctr_publish_event(c,
			    FLEETVISOR__V1__CONTROLLER_EVENT__KIND__KIND_AGENT_CONNECTED,
			    n->node, n->instance_id, "heartbeats resumed",
			    n->address);
		}
		break;
	case FLEETVISOR__V1__ENVELOPE__BODY_EVENT: {
		ProtobufCBinaryData session = env->session;

		hb = ctr_registry_event(&c->reg, env, now, now_us);
		if (hb != CTR_HB_OK && hb != CTR_HB_REVIVED) {
			c->st.events_dropped++;
			break;
		}
		ctr_pipes_joined(&c->pipes, pipe);
		/* Sessions travel only from agent to controller. */
		env->session.data = NULL;
		env->session.len = 0;
		ctr_publish(c, env);
		env->session = session;
		c->st.events_relayed++;
		break;
	}
	default:
		c->st.agent_malformed++;
		break;
	}
}

/*
 * ctr_note logs why an agent-side pipe was closed or its messages
 * dropped, at most once per reason per CTR_NOTE_MS: a hostile peer must
 * not be able to fill the log. Under mu.
 */
static void
ctr_note(
    struct ctr *c, enum ctr_note why, uint64_t now, const struct ctr_pipe *p)
{
	static const char *const ports[] = { "agents'", "agents' events" };
	const char *port = ports[p->kind == CTR_PIPE_EVENTS];
	const char *addr = p->addr[0] != '\0' ? p->addr : "an unknown address";
	char more[64] = "";

	if (now < c->notes[why].next_ms) {
		c->notes[why].quiet++;
		return;
	}
	if (c->notes[why].quiet > 0) {
		snprintf(more, sizeof(more),
		    " (and %llu more in the last %d s)",
		    (unsigned long long)c->notes[why].quiet,
		    CTR_NOTE_MS / 1000);
	}
	c->notes[why].next_ms = now + CTR_NOTE_MS;
	c->notes[why].quiet = 0;
	switch (why) {
	case CTR_NOTE_JOIN:
		ctr_log_warn(c->log,
		    "closed a connection from %s on the %s port: no node "
		    "joined on it within %u ms%s",
		    addr, port, c->cfg->join_timeout_ms, more);
		break;
	case CTR_NOTE_FULL:
		ctr_log_warn(c->log,
		    "closed a connection from %s on the %s port: %u agent "
		    "connections are open (max_agent_connections)%s",
		    addr, port, c->cfg->max_agent_connections, more);
		break;
	case CTR_NOTE_RATE:
		ctr_log_warn(c->log,
		    "dropping messages from %s on the %s port: over "
		    "agent_rate_limit (%u a second)%s",
		    addr, port, c->cfg->agent_rate_limit, more);
		break;
	case CTR_NOTE_FLOOD:
		ctr_log_warn(c->log,
		    "closed a connection from %s on the %s port: over "
		    "agent_rate_limit (%u a second) for %d s%s",
		    addr, port, c->cfg->agent_rate_limit, CTR_FLOOD_WINDOWS,
		    more);
		break;
	case CTR_NOTE_N:
		break;
	}
}

/* ctr_sub_admit counts a message from pipe against its rate limit before
 * it costs a decode. Under mu. */
static enum ctr_rate
ctr_sub_admit(struct ctr *c, uint32_t pipe)
{
	struct ctr_pipe *p = ctr_pipes_find(&c->pipes, pipe);
	uint64_t now = ctr_now_ms();
	enum ctr_rate r;

	if (p == NULL) {
		return CTR_RATE_OK;
	}
	r = ctr_pipe_rate(p, now, c->cfg->agent_rate_limit);
	if (r == CTR_RATE_OK) {
		return r;
	}
	c->st.rate_dropped++;
	if (r == CTR_RATE_CLOSE) {
		c->st.pipes_flood_closed++;
		ctr_pipe_close_asked(p, now);
		ctr_note(c, CTR_NOTE_FLOOD, now, p);
	} else if (!p->flooded) {
		ctr_note(c, CTR_NOTE_RATE, now, p);
	}
	return r;
}

static void
ctr_sub_cb(void *arg)
{
	struct ctr *c = arg;
	int rv = nng_aio_result(c->sub_aio);
	Fleetvisor__V1__Envelope *env = NULL;
	nng_msg *m;
	nng_pipe pipe;
	struct fv_diag d;
	enum ctr_rate rate;
	int err;

	if (rv == NNG_ECLOSED) {
		return;
	}
	if (rv == 0) {
		m = nng_aio_get_msg(c->sub_aio);
		pipe = nng_msg_get_pipe(m);
		pthread_mutex_lock(&c->mu);
		rate = ctr_sub_admit(c, nng_pipe_id(pipe));
		pthread_mutex_unlock(&c->mu);
		if (rate != CTR_RATE_OK) {
			nng_msg_free(m);
			if (rate == CTR_RATE_CLOSE) {
				nng_pipe_close(pipe);
			}
			nng_recv_aio(c->sub, c->sub_aio);
			return;
		}
		err = fv_fleet_msg_decode(m, &env, NULL, NULL, &d);
		nng_msg_free(m);
		pthread_mutex_lock(&c->mu);
		if (err != 0) {
			c->st.agent_malformed++;
			ctr_log_debug(
			    c->log, "agent message refused: %s", d.msg);
		} else {
			ctr_on_agent_msg(c, (uint32_t)nng_pipe_id(pipe), env);
		}
		pthread_mutex_unlock(&c->mu);
		if (env != NULL) {
			fleetvisor__v1__envelope__free_unpacked(env, NULL);
		}
	}
	nng_recv_aio(c->sub, c->sub_aio);
}

/* ---------------------------------------------------------------------
 * Pipes and the tick.
 */

/* ctr_pipe_ev runs for the pipe events of either agents' socket; the
 * socket is told by the caller since nng_pipe_socket no longer finds a
 * pipe that is being removed. */
static void
ctr_pipe_ev(struct ctr *c, nng_pipe p, nng_pipe_ev ev, bool agents)
{
	struct ctr_node *n;
	uint32_t id = (uint32_t)nng_pipe_id(p);
	char addr[CTR_PIPE_ADDR_MAX] = "";
	bool close_now = false;
	uint64_t now;

	if (ev == NNG_PIPE_EV_ADD_POST) {
		fv_fleet_pipe_addr(p, addr, sizeof(addr));
	}
	pthread_mutex_lock(&c->mu);
	now = ctr_now_ms();
	if (ev == NNG_PIPE_EV_ADD_POST) {
		enum ctr_pipe_kind kind =
		    agents ? CTR_PIPE_AGENTS : CTR_PIPE_EVENTS;
		int rv = ctr_pipes_add(&c->pipes, id, kind, addr, now);

		if (rv == FV_ETOOBIG) {
			struct ctr_pipe gone = { .id = id, .kind = kind };

			snprintf(gone.addr, sizeof(gone.addr), "%s", addr);
			c->st.pipes_over_cap++;
			ctr_note(c, CTR_NOTE_FULL, now, &gone);
			close_now = true;
		} else if (rv == 0) {
			c->st.agent_pipes = c->pipes.n;
			if (now + c->cfg->join_timeout_ms < c->next_sweep_ms) {
				c->next_sweep_ms =
				    now + c->cfg->join_timeout_ms;
			}
		}
		/* A pipe closed at once gets no Challenge. */
		if (agents && !close_now) {
			c->challenge_due = true;
		}
	} else if (ev == NNG_PIPE_EV_REM_POST) {
		ctr_pipes_remove(&c->pipes, id);
		c->st.agent_pipes = c->pipes.n;
	}
	if (ev == NNG_PIPE_EV_REM_POST && agents &&
	    (n = ctr_registry_pipe_gone(&c->reg, id, now)) != NULL) {
		ctr_log_info(
		    c->log, "node %s lost: connection closed", n->node);
		ctr_publish_event(c,
		    FLEETVISOR__V1__CONTROLLER_EVENT__KIND__KIND_AGENT_LOST,
		    n->node, n->instance_id, "connection closed", n->address);
	}
	pthread_mutex_unlock(&c->mu);
	if (close_now) {
		nng_pipe_close(p);
	}
}

static void
ctr_pipe_agents_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	ctr_pipe_ev(arg, p, ev, true);
}

static void
ctr_pipe_events_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	ctr_pipe_ev(arg, p, ev, false);
}

/*
 * ctr_sweep_pipes closes the agent-side pipes on which no node joined in
 * time. Called from the tick under mu, which it releases and takes
 * again: the closes must run without it.
 */
static void
ctr_sweep_pipes(struct ctr *c, uint64_t now)
{
	size_t k, ngone = 0;
	uint32_t gone[CTR_EXPIRE_BATCH];

	if (now < c->next_sweep_ms) {
		return;
	}
	k = ctr_pipes_expired(&c->pipes, now, c->cfg->join_timeout_ms,
	    CTR_CLOSE_RETRY_MS, c->expired, CTR_EXPIRE_BATCH,
	    &c->next_sweep_ms);
	for (size_t i = 0; i < k; i++) {
		if (!c->expired[i].closing) {
			c->st.pipes_join_timeout++;
			ctr_note(c, CTR_NOTE_JOIN, now, &c->expired[i]);
		}
	}
	pthread_mutex_unlock(&c->mu);
	for (size_t i = 0; i < k; i++) {
		nng_pipe p = { .id = c->expired[i].id };

		/* Gone without a REM_POST we saw: forget it here. */
		if (nng_pipe_close(p) == NNG_ENOENT) {
			gone[ngone++] = c->expired[i].id;
		}
	}
	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < ngone; i++) {
		ctr_pipes_remove(&c->pipes, gone[i]);
	}
	c->st.agent_pipes = c->pipes.n;
}

static void
ctr_wedged_now(struct ctr *c)
{
	c->wedged = true;
	if (c->on_wedged != NULL) {
		c->on_wedged(c->on_wedged_arg);
	}
}

/*
 * Once a second, under mu: has nng stopped tearing pipes down? Either a
 * pipe we closed is still there CTR_WEDGED_MS later, or the test
 * connection, closed every CTR_CANARY_MS whatever else happens, is. The
 * test connection's pipe to close now is returned (0: none), for the
 * caller to close without mu.
 */
static uint32_t
ctr_check_wedged(struct ctr *c, uint64_t now)
{
	const struct ctr_pipe *p;
	uint32_t close = 0;

	if (c->wedged || now < c->next_wedge_ms) {
		return 0;
	}
	c->next_wedge_ms = now + 1000;
	if ((p = ctr_pipes_stuck(&c->pipes, now, CTR_WEDGED_MS)) != NULL) {
		ctr_log_msg(c->log, CTR_LOG_CRIT,
		    "nng has not torn down pipe %u (peer %s) %llu ms after "
		    "it was closed: its reaper is stuck (a defect of nng "
		    "1.5.2), and no connection will be torn down any more; "
		    "the controller stops to be restarted",
		    (unsigned)p->id, p->addr[0] != '\0' ? p->addr : "unknown",
		    (unsigned long long)(now - p->closed_first_ms));
		ctr_wedged_now(c);
		return 0;
	}
	if (c->canary_closing != 0) {
		if (now - c->canary_closed_ms >= CTR_WEDGED_MS) {
			ctr_log_msg(c->log, CTR_LOG_CRIT,
			    "nng has not torn down the controller's own test "
			    "connection %llu ms after it was closed: its "
			    "reaper is stuck (a defect of nng 1.5.2), and no "
			    "connection will be torn down any more; the "
			    "controller stops to be restarted",
			    (unsigned long long)(now - c->canary_closed_ms));
			ctr_wedged_now(c);
		}
		return 0;
	}
	if (c->canary_pipe != 0 && now >= c->next_canary_ms) {
		close = c->canary_closing = c->canary_pipe;
		c->canary_closed_ms = now;
		c->next_canary_ms = now + CTR_CANARY_MS;
	}
	return close;
}

/* The test connection's pipe events (listener side). */
static void
ctr_canary_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct ctr *c = arg;
	uint32_t id = (uint32_t)nng_pipe_id(p);

	pthread_mutex_lock(&c->mu);
	if (ev == NNG_PIPE_EV_ADD_POST) {
		c->canary_pipe = id;
	} else {
		if (c->canary_pipe == id) {
			c->canary_pipe = 0;
		}
		if (c->canary_closing == id) {
			c->canary_closing = 0;
			c->st.nng_checks++;
		}
	}
	pthread_mutex_unlock(&c->mu);
}

static void
ctr_tick_cb(void *arg)
{
	struct ctr *c = arg;
	struct ctr_node *lost[CTR_LOST_BATCH];
	uint64_t now;
	uint32_t canary;
	size_t k;

	if (nng_aio_result(c->tick_aio) == NNG_ECANCELED) {
		return;
	}
	pthread_mutex_lock(&c->mu);
	if (c->stopping) {
		pthread_mutex_unlock(&c->mu);
		return;
	}
	now = ctr_now_ms();
	/* Pipe events are coalesced to one Challenge a second; agents that
	 * hold an ack ignore the periodic one. */
	if ((c->challenge_due && now >= c->last_challenge_ms + 1000) ||
	    now >= c->last_challenge_ms + c->cfg->heartbeat_ms) {
		ctr_challenge_start(c, now);
	}
	k = ctr_registry_sweep(
	    &c->reg, now, c->cfg->lost_after_ms, lost, CTR_LOST_BATCH);
	for (size_t i = 0; i < k && i < CTR_LOST_BATCH; i++) {
		char why[96];

		snprintf(why, sizeof(why), "no heartbeat for %llu ms",
		    (unsigned long long)(now - lost[i]->last_seen_ms));
		ctr_log_warn(c->log, "node %s lost: %s", lost[i]->node, why);
		ctr_publish_event(c,
		    FLEETVISOR__V1__CONTROLLER_EVENT__KIND__KIND_AGENT_LOST,
		    lost[i]->node, lost[i]->instance_id, why, lost[i]->address);
	}
	/* A survey ends at its own deadline; this only covers one that
	 * could not be started or did not end. */
	for (struct ctr_req *q = c->reqs; q != NULL;) {
		struct ctr_req *next = q->next;

		if (!q->done && now > q->deadline_ms + 1000) {
			ctr_req_finish(c, q);
			ctr_req_release(c, q);
		}
		q = next;
	}
	ctr_sweep_pipes(c, now);
	canary = ctr_check_wedged(c, now);
	pthread_mutex_unlock(&c->mu);
	if (canary != 0) {
		nng_pipe_close((nng_pipe){ .id = canary });
	}
	nng_sleep_aio(CTR_TICK_MS, c->tick_aio);
}

/* ---------------------------------------------------------------------
 * Life cycle.
 */

struct ctr *
ctr_new(const struct ctr_config *cfg, struct ctr_log *log)
{
	struct ctr *c = fv_xcalloc(1, sizeof(*c));
	char rnd[13];

	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	c->cfg = cfg;
	c->log = log;
	fv_fleet_random_id(rnd, sizeof(rnd));
	snprintf(c->id, sizeof(c->id), "%s-%s", cfg->identifier, rnd);
	fv_fleet_random(&c->next_survey_id, sizeof(c->next_survey_id));
	c->next_survey_id &= (1ull << 62) - 1;
	ctr_registry_init(&c->reg, cfg->max_hosts);
	ctr_store_init(&c->store, cfg->max_stored, cfg->max_stored_bytes);
	ctr_pipes_init(&c->pipes, cfg->max_agent_connections);
	c->expired = fv_xcalloc(CTR_EXPIRE_BATCH, sizeof(*c->expired));
	return c;
}

const char *
ctr_id(const struct ctr *c)
{
	return c->id;
}

void
ctr_stats_get(struct ctr *c, struct ctr_stats *out)
{
	pthread_mutex_lock(&c->mu);
	*out = c->st;
	pthread_mutex_unlock(&c->mu);
}

static int
ctr_listen_all(struct ctr *c, nng_socket cmd, nng_socket ev,
    const struct fv_strv *urls, bool verify, struct fv_diag *d)
{
	struct fv_fleet_tls tls = { .ca_file = c->cfg->tls_ca,
		.cert_file = c->cfg->tls_cert,
		.key_file = c->cfg->tls_key,
		.verify = verify };
	char evurl[600];
	int rv;

	for (size_t i = 0; i < urls->n; i++) {
		if ((rv = fv_fleet_events_url(
		         urls->v[i], evurl, sizeof(evurl), d)) != 0 ||
		    (rv = fv_fleet_listen(cmd, urls->v[i], &tls, NULL, d)) !=
		        0 ||
		    (rv = fv_fleet_listen(ev, evurl, &tls, NULL, d)) != 0) {
			return rv;
		}
		ctr_log_info(c->log, "listening for %s on %s (events %s)",
		    cmd.id == c->surv.id ? "agents" : "clients", urls->v[i],
		    evurl);
	}
	return 0;
}

/* The test connection: a pair over inproc, the dialer reconnecting
 * each time ctr_check_wedged closes its pipe. */
static int
ctr_canary_start(struct ctr *c)
{
	char url[sizeof(c->id) + 32];
	int rv;

	snprintf(url, sizeof(url), "inproc://fv-ctr-canary-%s", c->id);
	if ((rv = nng_pipe_notify(
	         c->canary_l, NNG_PIPE_EV_ADD_POST, ctr_canary_cb, c)) != 0 ||
	    (rv = nng_pipe_notify(
	         c->canary_l, NNG_PIPE_EV_REM_POST, ctr_canary_cb, c)) != 0 ||
	    (rv = nng_socket_set_ms(c->canary_d, NNG_OPT_RECONNMINT, 100)) !=
	        0 ||
	    (rv = nng_socket_set_ms(c->canary_d, NNG_OPT_RECONNMAXT, 1000)) !=
	        0 ||
	    (rv = nng_listen(c->canary_l, url, NULL, 0)) != 0 ||
	    (rv = nng_dial(c->canary_d, url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		return rv;
	}
	return 0;
}

int
ctr_start(struct ctr *c, struct fv_diag *d)
{
	int rv;

	if ((rv = nng_surveyor0_open(&c->surv)) != 0 ||
	    !(c->opened[0] = true) || (rv = nng_sub0_open(&c->sub)) != 0 ||
	    !(c->opened[1] = true) || (rv = nng_rep0_open(&c->rep)) != 0 ||
	    !(c->opened[2] = true) || (rv = nng_pub0_open(&c->pub)) != 0 ||
	    !(c->opened[3] = true) ||
	    (rv = nng_pair0_open(&c->canary_l)) != 0 ||
	    !(c->opened[4] = true) ||
	    (rv = nng_pair0_open(&c->canary_d)) != 0 ||
	    !(c->opened[5] = true)) {
		return fv_diagf(d, FV_EBADCONF, "nng: %s", nng_strerror(rv));
	}
	if ((rv = ctr_canary_start(c)) != 0) {
		return fv_diagf(d, FV_EBADCONF, "nng test connection: %s",
		    nng_strerror(rv));
	}
	if ((rv = fv_fleet_socket_setup(c->surv, d)) != 0 ||
	    (rv = fv_fleet_socket_setup(c->sub, d)) != 0 ||
	    (rv = fv_fleet_socket_setup(c->rep, d)) != 0 ||
	    (rv = fv_fleet_socket_setup(c->pub, d)) != 0) {
		return rv;
	}
	if ((rv = nng_socket_set(c->sub, NNG_OPT_SUB_SUBSCRIBE, "", 0)) != 0 ||
	    (rv = nng_socket_set_int(c->sub, NNG_OPT_RECVBUF, 1024)) != 0 ||
	    (rv = nng_socket_set_int(
	         c->pub, NNG_OPT_SENDBUF, (int)c->cfg->client_queue)) != 0 ||
	    (rv = nng_pipe_notify(
	         c->surv, NNG_PIPE_EV_ADD_POST, ctr_pipe_agents_cb, c)) != 0 ||
	    (rv = nng_pipe_notify(
	         c->surv, NNG_PIPE_EV_REM_POST, ctr_pipe_agents_cb, c)) != 0 ||
	    (rv = nng_pipe_notify(
	         c->sub, NNG_PIPE_EV_ADD_POST, ctr_pipe_events_cb, c)) != 0 ||
	    (rv = nng_pipe_notify(
	         c->sub, NNG_PIPE_EV_REM_POST, ctr_pipe_events_cb, c)) != 0) {
		return fv_diagf(
		    d, FV_EBADCONF, "nng options: %s", nng_strerror(rv));
	}
	if ((rv = ctr_listen_all(c, c->surv, c->sub, &c->cfg->agents,
	         c->cfg->agents_verify, d)) != 0 ||
	    (rv = ctr_listen_all(c, c->rep, c->pub, &c->cfg->clients,
	         c->cfg->clients_verify, d)) != 0) {
		return rv;
	}
	c->nslots = c->cfg->max_inflight + CTR_SLOTS_SPARE;
	c->slots = fv_xcalloc(c->nslots, sizeof(*c->slots));
	for (size_t i = 0; i < c->nslots; i++) {
		struct ctr_slot *sl = &c->slots[i];

		sl->c = c;
		if ((rv = nng_aio_alloc(&sl->aio, ctr_slot_cb, sl)) != 0 ||
		    (rv = nng_ctx_open(&sl->ctx, c->rep)) != 0) {
			return fv_diagf(
			    d, FV_EBADCONF, "nng: %s", nng_strerror(rv));
		}
	}
	if ((rv = nng_aio_alloc(&c->sub_aio, ctr_sub_cb, c)) != 0 ||
	    (rv = nng_aio_alloc(&c->tick_aio, ctr_tick_cb, c)) != 0) {
		return fv_diagf(d, FV_EBADCONF, "nng: %s", nng_strerror(rv));
	}
	c->started = true;
	for (size_t i = 0; i < c->nslots; i++) {
		nng_ctx_recv(c->slots[i].ctx, c->slots[i].aio);
	}
	nng_recv_aio(c->sub, c->sub_aio);
	pthread_mutex_lock(&c->mu);
	c->last_challenge_ms = ctr_now_ms();
	c->challenge_due = true;
	pthread_mutex_unlock(&c->mu);
	nng_sleep_aio(CTR_TICK_MS, c->tick_aio);
	ctr_log_info(c->log, "controller %s started", c->id);
	return 0;
}

void
ctr_stop(struct ctr *c)
{
	struct timespec until;
	nng_socket all[] = { c->surv, c->sub, c->rep, c->pub, c->canary_l,
		c->canary_d },
	           socks[6];
	size_t n = 0;

	pthread_mutex_lock(&c->mu);
	c->stopping = true;
	pthread_mutex_unlock(&c->mu);
	if (c->tick_aio != NULL) {
		nng_aio_stop(c->tick_aio);
	}
	for (size_t i = 0; i < nitems(all); i++) {
		if (c->opened[i]) {
			socks[n++] = all[i];
		}
	}
	if (!fv_fleet_close(socks, n, CTR_CLOSE_WAIT_MS)) {
		/* nng may still call back into c: it is left as it is. */
		ctr_log_error(c->log,
		    "nng did not close the sockets within %u ms; "
		    "stopping without them",
		    CTR_CLOSE_WAIT_MS);
		c->stuck = true;
		return;
	}
	/* Surveys free themselves in their last callback. */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&c->mu);
	while (c->st.surveys_live > 0 &&
	    pthread_cond_timedwait(&c->cv, &c->mu, &until) == 0) {
	}
	pthread_mutex_unlock(&c->mu);
	for (size_t i = 0; i < c->nslots; i++) {
		if (c->slots[i].aio != NULL) {
			nng_aio_free(c->slots[i].aio);
			c->slots[i].aio = NULL;
		}
	}
	if (c->sub_aio != NULL) {
		nng_aio_free(c->sub_aio);
		c->sub_aio = NULL;
	}
	if (c->tick_aio != NULL) {
		nng_aio_free(c->tick_aio);
		c->tick_aio = NULL;
	}
	memset(c->opened, 0, sizeof(c->opened));
}

void
ctr_on_wedged(struct ctr *c, void (*fn)(void *), void *arg)
{
	pthread_mutex_lock(&c->mu);
	c->on_wedged = fn;
	c->on_wedged_arg = arg;
	pthread_mutex_unlock(&c->mu);
}

bool
ctr_wedged(struct ctr *c)
{
	bool w;

	pthread_mutex_lock(&c->mu);
	w = c->wedged;
	pthread_mutex_unlock(&c->mu);
	return w;
}

void
ctr_free(struct ctr *c)
{
	if (c == NULL || c->stuck) {
		return;
	}
	while (c->reqs != NULL) {
		struct ctr_req *q = c->reqs;

		c->reqs = q->next;
		ctr_req_free(q);
	}
	free(c->slots);
	ctr_registry_fini(&c->reg);
	ctr_store_fini(&c->store);
	ctr_pipes_fini(&c->pipes);
	free(c->expired);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}
