/*
 * The agent's link to fleetvisor-controllers (fleet_link.h).
 *
 * Threads. nng calls fleet_on_recv and fleet_on_pipe on its own threads:
 * they put what happened on l->in under l->mu, wake the loop with
 * l->async and re-arm the receive; they touch nothing else of the link
 * but the receive context and aio, which only that chain uses. Every
 * other field is the loop thread's. Answers go out through one aio per
 * send whose callback frees it (it touches nothing of the link either),
 * and events and heartbeats through PUB with NNG_FLAG_NONBLOCK: the loop
 * never waits on nng. Closing stops the sockets first (their callbacks
 * end), then drains what they queued.
 */
#include "fleet_link.h"

#include <sys/time.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/survey0/respond.h>

#include "common/xalloc.h"
#include "event/event.h"
#include "fleet_exec.h"
#include "fleet_rows.h"
#include "log/mainlog.h"
#include "proto/fleet_close.h"
#include "proto/fleet_codec.h"
#include "proto/fleet_match.h"
#include "proto/fleet_net.h"
#include "proto/fleet_proof.h"
#include "rpc/rpc.h"

#define FLEET_SESSION_LEN  32
#define FLEET_PUB_BUFFER   4096 /* messages queued per controller */
#define FLEET_SOON_MS      250 /* a change is announced this soon */
#define FLEET_REQS_MAX     1024 /* commands remembered (at most once) */
#define FLEET_REQ_KEEP_MS  600000 /* and for at least this long */
#define FLEET_WAITERS_MAX  4 /* surveys waiting for one command */
#define FLEET_HEARTBEAT_LO 100
#define FLEET_HEARTBEAT_HI 300000
#define FLEET_CLOSE_WAIT_S 5

/* Per agent process, not per run: a reload is a reconnect, not a
 * restart, for the controllers. */
static char fleet_instance[24];
static int64_t fleet_started_us;
static uint64_t fleet_beat_seq;

struct fleet_link;

struct fleet_peer {
	struct fleet_link *l;
	char *url, *events_url;
	nng_socket resp, pub;
	bool resp_open, pub_open;
	/* The receive chain's (nng threads'). */
	nng_aio *recv_aio;
	nng_ctx recv_ctx;
	/* The loop thread's. */
	uint8_t session[FLEET_SESSION_LEN];
	char controller_id[FV_PROTO_ID_MAX + 1];
	bool acked;
	bool fresh; /* acked since the last heartbeat: send the rows */
	uint32_t heartbeat_ms;
	int refused; /* the last refusal reason logged, or -1 */
	bool connected;
	/* Silence: nng does not notice a partition, and a controller
	 * surveys a Challenge every heartbeat, so a link that has said
	 * nothing for lost_after_ms is closed and dialed again. */
	uint64_t last_heard; /* uv_now of the last survey or connect */
	uint32_t lost_after_ms; /* from the HelloAck; 0 before one */
	nng_pipe resp_pipe, pub_pipe; /* the current connections */
};

enum fleet_in_kind {
	FLEET_IN_MSG,
	FLEET_IN_PIPE_ADD,
	FLEET_IN_PIPE_REM,
};

/* What an nng thread hands the loop. */
struct fleet_in {
	enum fleet_in_kind kind;
	struct fleet_peer *peer;
	nng_ctx ctx; /* MSG: the survey's context, to answer on */
	nng_msg *msg;
	char addr[128];
	nng_pipe pipe; /* PIPE_*: which connection */
	bool pub; /* PIPE_*: of the PUB socket */
	struct fleet_in *next;
};

/* A command, remembered so that a repeated survey is answered with the
 * first answer instead of acting twice. */
struct fleet_req {
	struct fleet_link *l;
	uint64_t id;
	Fleetvisor__V1__CommandResult *res; /* NULL while running */
	struct {
		struct fleet_peer *peer;
		nng_ctx ctx;
	} waiters[FLEET_WAITERS_MAX];
	size_t nwaiters;
	uint64_t kept_until; /* uv_now */
	struct fleet_req *next; /* newest first */
};

struct fleet_link {
	struct agent *a;
	uv_loop_t *loop;
	struct mainlog *log;
	const struct cfg_fleet *fc;
	uint8_t secret[FV_FLEET_SECRET_MAX];
	size_t secret_len;
	Fleetvisor__V1__KeyValue *label_v;
	Fleetvisor__V1__KeyValue **labels;
	size_t nlabels;
	struct fleet_peer *peers;
	size_t npeers;
	pthread_mutex_t mu;
	struct fleet_in *in, **in_tail;
	bool closing; /* under mu */
	uv_async_t async;
	uv_timer_t beat, soon;
	unsigned beat_ms;
	bool dirty; /* processes changed since the last heartbeat */
	struct fleet_exec *exec;
	struct fleet_req *reqs;
	size_t nreqs;
	uint64_t last_serial;
	unsigned long dropped; /* PUB messages nng could not queue */
	unsigned long bad_in; /* messages refused */
	int handles_open; /* while closing */
	bool abandoned; /* nng did not close: the link stays allocated */
};

static int64_t
fleet_now_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static const char *
fleet_node(const struct fleet_link *l)
{
	return l->fc->name;
}

/* --- nng threads ------------------------------------------------------------
 */

static void
fleet_push(struct fleet_link *l, struct fleet_in *in)
{
	pthread_mutex_lock(&l->mu);
	if (l->closing) {
		pthread_mutex_unlock(&l->mu);
		if (in->msg != NULL) {
			nng_msg_free(in->msg);
			nng_ctx_close(in->ctx);
		}
		free(in);
		return;
	}
	*l->in_tail = in;
	l->in_tail = &in->next;
	pthread_mutex_unlock(&l->mu);
	uv_async_send(&l->async);
}

static void
fleet_on_recv(void *arg)
{
	struct fleet_peer *p = arg;
	int rv = nng_aio_result(p->recv_aio);

	if (rv == NNG_ECLOSED || rv == NNG_ECANCELED) {
		return; /* the socket is closing */
	}
	if (rv == 0) {
		struct fleet_in *in = fv_xcalloc(1, sizeof(*in));

		in->kind = FLEET_IN_MSG;
		in->peer = p;
		in->ctx = p->recv_ctx;
		in->msg = nng_aio_get_msg(p->recv_aio);
		/* The answer goes on the context the survey came on; the
		 * next survey is received on a new one, so that commands
		 * overlap (a context holds one survey at a time). */
		if (nng_ctx_open(&p->recv_ctx, p->resp) != 0) {
			fleet_push(p->l, in);
			return; /* only a closed socket or no memory */
		}
		fleet_push(p->l, in);
	}
	nng_ctx_recv(p->recv_ctx, p->recv_aio);
}

static void
fleet_pipe_event(struct fleet_peer *p, nng_pipe pipe, nng_pipe_ev ev, bool pub)
{
	struct fleet_in *in = fv_xcalloc(1, sizeof(*in));

	in->kind =
	    ev == NNG_PIPE_EV_ADD_POST ? FLEET_IN_PIPE_ADD : FLEET_IN_PIPE_REM;
	in->peer = p;
	in->pipe = pipe;
	in->pub = pub;
	fv_fleet_pipe_addr(pipe, in->addr, sizeof(in->addr));
	fleet_push(p->l, in);
}

static void
fleet_on_pipe(nng_pipe pipe, nng_pipe_ev ev, void *arg)
{
	fleet_pipe_event(arg, pipe, ev, false);
}

static void
fleet_on_pub_pipe(nng_pipe pipe, nng_pipe_ev ev, void *arg)
{
	fleet_pipe_event(arg, pipe, ev, true);
}

/* --- Sending
 * ------------------------------------------------------------------ */

struct fleet_send {
	nng_aio *aio;
	nng_ctx ctx;
};

static void
fleet_on_sent(void *arg)
{
	struct fleet_send *s = arg;

	if (nng_aio_result(s->aio) != 0) {
		nng_msg_free(nng_aio_get_msg(s->aio));
	}
	nng_ctx_close(s->ctx);
	nng_aio_reap(s->aio);
	free(s);
}

/* fleet_answer sends m on the survey context ctx, which it closes. */
static void
fleet_answer(nng_ctx ctx, nng_msg *m)
{
	struct fleet_send *s = fv_xcalloc(1, sizeof(*s));

	s->ctx = ctx;
	if (nng_aio_alloc(&s->aio, fleet_on_sent, s) != 0) {
		nng_msg_free(m);
		nng_ctx_close(ctx);
		free(s);
		return;
	}
	nng_aio_set_msg(s->aio, m);
	nng_aio_set_timeout(s->aio, 10000);
	nng_ctx_send(ctx, s->aio);
}

static void
fleet_envelope(Fleetvisor__V1__Envelope *env, const struct fleet_peer *p,
    uint64_t request_id)
{
	fleetvisor__v1__envelope__init(env);
	env->version = FV_PROTO_VERSION;
	env->request_id = request_id;
	env->session.data = (uint8_t *)(uintptr_t)p->session;
	env->session.len = sizeof(p->session);
}

/* fleet_answer_env encodes env and answers with it; a message our own
 * codec refuses is logged (a bug: say what) and answered with an Error. */
static void
fleet_answer_env(
    struct fleet_link *l, nng_ctx ctx, const Fleetvisor__V1__Envelope *env)
{
	struct fv_diag d = { "" };
	nng_msg *m;

	if (fv_fleet_msg_new(env, &m, &d) != 0) {
		mainlog_log(l->log, MAINLOG_ERRO,
		    "fleet: could not encode an answer: %s", d.msg);
		if (fv_fleet_error_msg(env->request_id,
		        FLEETVISOR__V1__ERROR__CODE__CODE_INTERNAL, d.msg,
		        &m) != 0) {
			nng_ctx_close(ctx);
			return;
		}
	}
	fleet_answer(ctx, m);
}

static void
fleet_answer_error(nng_ctx ctx, uint64_t request_id,
    Fleetvisor__V1__Error__Code code, const char *msg)
{
	nng_msg *m;

	if (fv_fleet_error_msg(request_id, code, msg, &m) != 0) {
		nng_ctx_close(ctx);
		return;
	}
	fleet_answer(ctx, m);
}

/* fleet_publish sends env on p's PUB socket without waiting. */
static void
fleet_publish(struct fleet_link *l, struct fleet_peer *p,
    const Fleetvisor__V1__Envelope *env)
{
	struct fv_diag d = { "" };
	nng_msg *m;

	if (fv_fleet_msg_new(env, &m, &d) != 0) {
		mainlog_log(l->log, MAINLOG_ERRO,
		    "fleet: could not encode a message for %s: %s", p->url,
		    d.msg);
		return;
	}
	if (nng_sendmsg(p->pub, m, NNG_FLAG_NONBLOCK) != 0) {
		nng_msg_free(m);
		l->dropped++;
	}
}

/* --- Joining
 * -------------------------------------------------------------------- */

static void
fleet_new_session(struct fleet_peer *p)
{
	fv_fleet_random(p->session, sizeof(p->session));
	p->acked = false;
	p->controller_id[0] = '\0';
}

static void
fleet_on_challenge(struct fleet_link *l, struct fleet_peer *p, nng_ctx ctx,
    const Fleetvisor__V1__Envelope *in)
{
	const Fleetvisor__V1__Challenge *ch = in->challenge;
	Fleetvisor__V1__Envelope env;
	Fleetvisor__V1__Hello h;
	uint8_t proof[FV_PROTO_PROOF_LEN];

	if (p->acked && strcmp(p->controller_id, ch->controller_id) == 0) {
		nng_ctx_close(ctx); /* already joined on this connection */
		return;
	}
	fleet_envelope(&env, p, in->request_id);
	fleetvisor__v1__hello__init(&h);
	h.node = (char *)(uintptr_t)fleet_node(l);
	h.identification = l->a->cfg->sd.identifier;
	h.agent_version = (char *)(uintptr_t)FV_VERSION;
	h.labels = l->labels;
	h.n_labels = l->nlabels;
	h.instance_id = fleet_instance;
	h.started_us = fleet_started_us;
	/* Without a secret: PROOF_NONE, no nonce, which only a controller
	 * with allow_unproven accepts. */
	if (l->secret_len > 0) {
		h.nonce = ch->nonce;
		if (fv_pb_hello_proof(l->secret, l->secret_len, &ch->nonce,
		        h.node, h.instance_id, &env.session, proof) != 0) {
			nng_ctx_close(ctx);
			return;
		}
		h.proof_alg = FLEETVISOR__V1__PROOF_ALG__PROOF_HMAC_SHA256;
		h.proof.data = proof;
		h.proof.len = sizeof(proof);
	}
	env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_HELLO;
	env.hello = &h;
	fleet_answer_env(l, ctx, &env);
}

static void fleet_beat_now(struct fleet_link *l);
static void fleet_beat_schedule(struct fleet_link *l);

static void
fleet_on_ack(struct fleet_link *l, struct fleet_peer *p,
    const Fleetvisor__V1__HelloAck *ack)
{
	if (strcmp(ack->node, fleet_node(l)) != 0 ||
	    strcmp(ack->instance_id, fleet_instance) != 0) {
		return; /* another agent's: acks are public */
	}
	if (!p->acked || strcmp(p->controller_id, ack->controller_id) != 0) {
		mainlog_log(l->log, MAINLOG_INFO,
		    "fleet: joined controller %s at %s as %s",
		    ack->controller_id, p->url, fleet_node(l));
	}
	p->acked = true;
	p->fresh = true;
	p->refused = -1;
	snprintf(p->controller_id, sizeof(p->controller_id), "%s",
	    ack->controller_id);
	p->heartbeat_ms = ack->heartbeat_ms;
	p->lost_after_ms = ack->lost_after_ms;
	if (p->heartbeat_ms < FLEET_HEARTBEAT_LO) {
		p->heartbeat_ms = FLEET_HEARTBEAT_LO;
	} else if (p->heartbeat_ms > FLEET_HEARTBEAT_HI) {
		p->heartbeat_ms = FLEET_HEARTBEAT_HI;
	}
	fleet_beat_schedule(l);
	fleet_beat_now(l);
}

static void
fleet_on_refused(struct fleet_link *l, struct fleet_peer *p,
    const Fleetvisor__V1__HelloRefused *r)
{
	if (strcmp(r->node, fleet_node(l)) != 0 ||
	    strcmp(r->instance_id, fleet_instance) != 0) {
		return;
	}
	/* A controller refuses only a Hello, and none was sent to one that
	 * holds our ack: this refusal answers someone else's Hello made in
	 * our name (instance ids are public), so it must not drop the join. */
	if (p->acked && strcmp(p->controller_id, r->controller_id) == 0) {
		return;
	}
	/* Said once per reason: the controller asks again every heartbeat. */
	if (p->refused != (int)r->reason) {
		mainlog_log(l->log, MAINLOG_ERRO,
		    "fleet: controller %s at %s refused this agent (%s): %s",
		    r->controller_id, p->url,
		    protobuf_c_enum_descriptor_get_value(
		        &fleetvisor__v1__hello_refused__reason__descriptor,
		        (int)r->reason) != NULL
		        ? protobuf_c_enum_descriptor_get_value(
		              &fleetvisor__v1__hello_refused__reason__descriptor,
		              (int)r->reason)
		              ->name
		        : "?",
		    r->message);
		p->refused = (int)r->reason;
	}
	p->acked = false;
}

/* --- Commands
 * ------------------------------------------------------------------- */

/* fleet_result_answer answers the survey on ctx with res, and if res
 * cannot be sent (a bound of the codec), with a result that says so:
 * the controller can only put an answer to a host when it is a
 * CommandResult with that host's session. */
static void
fleet_result_answer(struct fleet_link *l, struct fleet_peer *p, nng_ctx ctx,
    uint64_t id, const Fleetvisor__V1__CommandResult *res)
{
	Fleetvisor__V1__Envelope env;
	struct fv_diag d = { "" };
	nng_msg *m;

	fleet_envelope(&env, p, id);
	env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_RESULT;
	env.command_result = (Fleetvisor__V1__CommandResult *)(uintptr_t)res;
	if (fv_fleet_msg_new(&env, &m, &d) != 0) {
		char *line = fv_xasprintf(
		    "Error: the result could not be sent: %s", d.msg);
		Fleetvisor__V1__CommandResult *err =
		    fleet_result_new(fleet_node(l),
		        FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_ERROR,
		        1, line);

		mainlog_log(l->log, MAINLOG_ERRO, "fleet: command %016llx: %s",
		    (unsigned long long)id, line);
		free(line);
		env.command_result = err;
		int rv = fv_fleet_msg_new(&env, &m, NULL);

		fleet_result_free(err);
		if (rv != 0) {
			nng_ctx_close(ctx);
			return;
		}
	}
	fleet_answer(ctx, m);
}

/* fleet_result_error answers with an OUTCOME_ERROR result. */
static void
fleet_result_error(struct fleet_link *l, struct fleet_peer *p, nng_ctx ctx,
    uint64_t id, const char *line)
{
	Fleetvisor__V1__CommandResult *r = fleet_result_new(fleet_node(l),
	    FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_ERROR, 1, line);

	fleet_result_answer(l, p, ctx, id, r);
	fleet_result_free(r);
}

static void
fleet_req_answer(struct fleet_link *l, struct fleet_req *r,
    struct fleet_peer *p, nng_ctx ctx)
{
	fleet_result_answer(l, p, ctx, r->id, r->res);
}

static void
fleet_req_free(struct fleet_req *r)
{
	for (size_t i = 0; i < r->nwaiters; i++) {
		nng_ctx_close(r->waiters[i].ctx);
	}
	fleet_result_free(r->res);
	free(r);
}

/* fleet_reqs_trim forgets finished commands past their keeping time,
 * and the oldest finished ones beyond FLEET_REQS_MAX. */
static void
fleet_reqs_trim(struct fleet_link *l)
{
	uint64_t now = uv_now(l->loop);
	size_t live = 0, kept = 0, keep;

	for (struct fleet_req *r = l->reqs; r != NULL; r = r->next) {
		live += r->res == NULL || r->kept_until > now;
		kept += r->res != NULL && r->kept_until > now;
	}
	/* The list is newest first, so the finished ones past the first
	 * `keep` are the oldest: those go, never a recent answer that a
	 * resent survey may still ask for. */
	keep = live <= FLEET_REQS_MAX      ? kept
	    : kept > live - FLEET_REQS_MAX ? kept - (live - FLEET_REQS_MAX)
	                                   : 0;
	for (struct fleet_req **pp = &l->reqs; *pp != NULL;) {
		struct fleet_req *r = *pp;
		bool drop = false;

		if (r->res != NULL && r->kept_until <= now) {
			drop = true;
		} else if (r->res != NULL) {
			drop = keep == 0;
			keep -= keep > 0;
		}
		if (drop) {
			*pp = r->next;
			l->nreqs--;
			fleet_req_free(r);
		} else {
			pp = &r->next;
		}
	}
}

static void
fleet_on_done(void *arg, Fleetvisor__V1__CommandResult *res)
{
	struct fleet_req *r = arg;
	struct fleet_link *l = r->l;

	r->res = res;
	for (size_t i = 0; i < r->nwaiters; i++) {
		fleet_req_answer(l, r, r->waiters[i].peer, r->waiters[i].ctx);
	}
	r->nwaiters = 0;
	mainlog_log(l->log, MAINLOG_DEBG,
	    "fleet: command %016llx done, exit code %d",
	    (unsigned long long)r->id, res->exit_code);
}

static void
fleet_on_command(struct fleet_link *l, struct fleet_peer *p, nng_ctx ctx,
    const Fleetvisor__V1__Envelope *in)
{
	const Fleetvisor__V1__Command *cmd = in->command;
	struct fleet_req *r;
	const char *why;
	int rv;

	if (!fv_pb_selector_match(
	        cmd->selector, fleet_node(l), l->labels, l->nlabels)) {
		nng_ctx_close(ctx); /* not for us: stay silent */
		return;
	}
	if (!p->acked) {
		fleet_answer_error(ctx, in->request_id,
		    FLEETVISOR__V1__ERROR__CODE__CODE_UNAUTHENTICATED,
		    "this agent has not joined this controller");
		return;
	}
	for (r = l->reqs; r != NULL; r = r->next) {
		if (r->id == in->request_id) {
			break;
		}
	}
	if (r != NULL) {
		/* A repeat (a resent survey, a healed partition). */
		if (r->res != NULL) {
			fleet_req_answer(l, r, p, ctx);
		} else if (r->nwaiters < FLEET_WAITERS_MAX) {
			r->waiters[r->nwaiters].peer = p;
			r->waiters[r->nwaiters++].ctx = ctx;
		} else {
			fleet_result_error(l, p, ctx, in->request_id,
			    "Error: this command is already running here");
		}
		return;
	}
	r = fv_xcalloc(1, sizeof(*r));
	r->l = l;
	r->id = in->request_id;
	r->kept_until = uv_now(l->loop) + FLEET_REQ_KEEP_MS +
	    (in->deadline_ms > 0 ? in->deadline_ms : 0);
	if ((why = fleet_exec_check(cmd)) != NULL) {
		char *line = fv_xasprintf("Error: %s", why);

		r->res = fleet_result_new(fleet_node(l),
		    FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_ERROR, 2,
		    line);
		free(line);
		fleet_req_answer(l, r, p, ctx);
	} else {
		r->waiters[0].peer = p;
		r->waiters[0].ctx = ctx;
		r->nwaiters = 1;
		if ((rv = fleet_exec_start(l->exec, cmd, fleet_on_done, r)) !=
		    0) {
			fleet_result_error(l, p, ctx, in->request_id,
			    rv == FV_ETOOBIG
			        ? "Error: too many commands running on this "
			          "agent, try again later"
			        : "Error: this agent is stopping");
			free(r);
			return;
		}
	}
	r->next = l->reqs;
	l->reqs = r;
	l->nreqs++;
	fleet_reqs_trim(l);
}

/* --- What arrived
 * ------------------------------------------------------------- */

static void
fleet_on_msg(struct fleet_link *l, struct fleet_in *in)
{
	struct fleet_peer *p = in->peer;
	Fleetvisor__V1__Envelope *env = NULL;
	struct fv_diag d = { "" };
	uint64_t id = 0;
	uint32_t version = 0;
	int rv = fv_fleet_msg_decode(in->msg, &env, &id, &version, &d);

	nng_msg_free(in->msg);
	in->msg = NULL;
	if (rv != 0) {
		/* Said at debug level only: a hostile peer must not fill
		 * the log. Counted either way. */
		l->bad_in++;
		mainlog_log(l->log, MAINLOG_DEBG,
		    "fleet: refused a message from %s: %s", p->url, d.msg);
		fleet_answer_error(in->ctx, id,
		    version != 0 && version != FV_PROTO_VERSION
		        ? FLEETVISOR__V1__ERROR__CODE__CODE_VERSION
		        : rv == FV_ETOOBIG
		        ? FLEETVISOR__V1__ERROR__CODE__CODE_TOO_BIG
		        : FLEETVISOR__V1__ERROR__CODE__CODE_MALFORMED,
		    d.msg);
		return;
	}
	switch (env->body_case) {
	case FLEETVISOR__V1__ENVELOPE__BODY_CHALLENGE:
		fleet_on_challenge(l, p, in->ctx, env);
		break;
	case FLEETVISOR__V1__ENVELOPE__BODY_HELLO_ACK:
		nng_ctx_close(in->ctx);
		fleet_on_ack(l, p, env->hello_ack);
		break;
	case FLEETVISOR__V1__ENVELOPE__BODY_HELLO_REFUSED:
		nng_ctx_close(in->ctx);
		fleet_on_refused(l, p, env->hello_refused);
		break;
	case FLEETVISOR__V1__ENVELOPE__BODY_COMMAND:
		fleet_on_command(l, p, in->ctx, env);
		break;
	default:
		l->bad_in++;
		fleet_answer_error(in->ctx, env->request_id,
		    FLEETVISOR__V1__ERROR__CODE__CODE_BAD_REQUEST,
		    "an agent answers Challenge, HelloAck, HelloRefused and "
		    "Command only");
		break;
	}
	fleetvisor__v1__envelope__free_unpacked(env, NULL);
}

static void
fleet_on_async(uv_async_t *h)
{
	struct fleet_link *l = h->data;
	struct fleet_in *in;

	pthread_mutex_lock(&l->mu);
	in = l->in;
	l->in = NULL;
	l->in_tail = &l->in;
	pthread_mutex_unlock(&l->mu);
	while (in != NULL) {
		struct fleet_in *next = in->next;
		struct fleet_peer *p = in->peer;

		if (in->pub) {
			/* The events connection: remembered, to be closed
			 * with the other one when the link goes silent. */
			p->pub_pipe = in->kind == FLEET_IN_PIPE_ADD
			    ? in->pipe
			    : (nng_pipe)NNG_PIPE_INITIALIZER;
			free(in);
			in = next;
			continue;
		}
		switch (in->kind) {
		case FLEET_IN_MSG:
			p->last_heard = uv_now(l->loop);
			fleet_on_msg(l, in);
			break;
		case FLEET_IN_PIPE_ADD:
			p->resp_pipe = in->pipe;
			p->last_heard = uv_now(l->loop);
			p->connected = true;
			fleet_new_session(p);
			mainlog_log(l->log, MAINLOG_INFO,
			    "fleet: connected to controller at %s (%s)", p->url,
			    in->addr);
			break;
		case FLEET_IN_PIPE_REM:
			/* A reconnect proves itself again, with a new
			 * session. */
			if (p->connected) {
				mainlog_log(l->log, MAINLOG_WARN,
				    "fleet: lost the connection to the "
				    "controller at %s",
				    p->url);
			}
			p->connected = false;
			p->resp_pipe = (nng_pipe)NNG_PIPE_INITIALIZER;
			fleet_new_session(p);
			break;
		}
		free(in);
		in = next;
	}
}

/* --- Heartbeats
 * ------------------------------------------------------------------- */

static Fleetvisor__V1__AgentState
fleet_agent_state(const struct fleet_link *l)
{
	switch (l->a->sv.mood) {
	case SV_SHUTDOWN:
		return FLEETVISOR__V1__AGENT_STATE__AGENT_SHUTDOWN;
	case SV_RESTARTING:
		return FLEETVISOR__V1__AGENT_STATE__AGENT_RESTARTING;
	default:
		return FLEETVISOR__V1__AGENT_STATE__AGENT_RUNNING;
	}
}

static void
fleet_beat_now(struct fleet_link *l)
{
	Fleetvisor__V1__Heartbeat hb;
	Fleetvisor__V1__ProcessSummary sum;
	Fleetvisor__V1__ProcessInfo **rows = NULL;
	struct rpc_call call = { .ctx = &l->a->rpc };
	struct xr_value *params = xr_array_new();
	size_t nrows = 0;
	bool any = false, rows_wanted = l->dirty;

	for (size_t i = 0; i < l->npeers; i++) {
		any = any || l->peers[i].acked;
		rows_wanted =
		    rows_wanted || (l->peers[i].acked && l->peers[i].fresh);
	}
	if (!any) {
		xr_value_free(params);
		return;
	}
	fleetvisor__v1__process_summary__init(&sum);
	if (rpc_dispatch(&call, "supervisor.getAllProcessInfo", params) ==
	        RPC_DONE &&
	    call.fault_code == 0 && call.result != NULL) {
		size_t n = xr_array_len(call.result);

		n = n > FV_PROTO_PROCS_MAX ? FV_PROTO_PROCS_MAX : n;
		rows = fv_xcalloc(n + 1, sizeof(*rows));
		for (size_t i = 0; i < n; i++) {
			rows[nrows] =
			    fleet_procinfo_new(xr_array_at(call.result, i));
			fleet_summary_add(&sum, rows[nrows++]);
		}
	} else {
		rpc_call_cancel(&call);
	}
	rpc_call_fini(&call);
	xr_value_free(params);
	fleetvisor__v1__heartbeat__init(&hb);
	hb.node = (char *)(uintptr_t)fleet_node(l);
	hb.instance_id = fleet_instance;
	hb.sequence = ++fleet_beat_seq;
	hb.state = fleet_agent_state(l);
	hb.uptime_ms = (uint64_t)((fleet_now_us() - fleet_started_us) / 1000);
	hb.interval_ms = l->beat_ms;
	hb.summary = &sum;
	hb.last_event_serial = l->last_serial;
	hb.sent_us = fleet_now_us();
	for (size_t i = 0; i < l->npeers; i++) {
		struct fleet_peer *p = &l->peers[i];
		Fleetvisor__V1__Envelope env;
		bool with_rows = l->dirty || p->fresh;

		if (!p->acked) {
			continue;
		}
		hb.processes_included = with_rows;
		hb.processes = with_rows ? rows : NULL;
		hb.n_processes = with_rows ? nrows : 0;
		fleet_envelope(&env, p, 0);
		env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_HEARTBEAT;
		env.heartbeat = &hb;
		fleet_publish(l, p, &env);
		p->fresh = false;
	}
	l->dirty = false;
	for (size_t i = 0; i < nrows; i++) {
		fleet_procinfo_free(rows[i]);
	}
	free(rows);
}

/*
 * fleet_check_silence closes the connections of a controller that has
 * said nothing (no Challenge, which it surveys every heartbeat) for its
 * lost_after: after a silent partition TCP may hold a dead connection
 * for many minutes, and nng never notices. Dialing again gives a fresh
 * connection, a new session and a new Hello.
 */
static void
fleet_check_silence(struct fleet_link *l)
{
	uint64_t now = uv_now(l->loop);

	for (size_t i = 0; i < l->npeers; i++) {
		struct fleet_peer *p = &l->peers[i];
		uint64_t limit = p->lost_after_ms > 0
		    ? p->lost_after_ms
		    : 3000u * (uint64_t)l->fc->heartbeat;

		if (!p->connected || !p->resp_open ||
		    now - p->last_heard <= limit + l->beat_ms) {
			continue;
		}
		mainlog_log(l->log, MAINLOG_WARN,
		    "fleet: nothing from the controller at %s for %llu ms: "
		    "connecting again",
		    p->url, (unsigned long long)(now - p->last_heard));
		p->last_heard = now;
		/* Outside any lock of ours: the pipe callbacks only queue. */
		if (nng_pipe_id(p->resp_pipe) > 0) {
			(void)nng_pipe_close(p->resp_pipe);
		}
		if (nng_pipe_id(p->pub_pipe) > 0) {
			(void)nng_pipe_close(p->pub_pipe);
		}
		fleet_new_session(p);
	}
}

static void
fleet_on_beat(uv_timer_t *t)
{
	fleet_check_silence(t->data);
	fleet_beat_now(t->data);
}

static void
fleet_on_soon(uv_timer_t *t)
{
	fleet_beat_now(t->data);
}

/* fleet_beat_schedule runs the heartbeat at the shortest period a
 * controller asked for ([fleet] heartbeat until one did). */
static void
fleet_beat_schedule(struct fleet_link *l)
{
	unsigned ms = (unsigned)l->fc->heartbeat * 1000u;

	for (size_t i = 0; i < l->npeers; i++) {
		if (l->peers[i].acked && l->peers[i].heartbeat_ms < ms) {
			ms = l->peers[i].heartbeat_ms;
		}
	}
	if (ms != l->beat_ms) {
		l->beat_ms = ms;
		uv_timer_start(&l->beat, fleet_on_beat, ms, ms);
	}
}

/* --- Events
 * ------------------------------------------------------------------------- */

/* fleet_headers takes the "key:value" tokens of the payload's first
 * line, as far as the codec allows them. */
static size_t
fleet_headers(const char *p, size_t n, Fleetvisor__V1__KeyValue *kv,
    Fleetvisor__V1__KeyValue **ptrs, char **keep, size_t max)
{
	const char *end = memchr(p, '\n', n);
	size_t count = 0;

	end = end != NULL ? end : p + n;
	while (p < end && count < max) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		const char *tok_end = sp != NULL ? sp : end;
		const char *colon = memchr(p, ':', (size_t)(tok_end - p));

		if (colon != NULL && colon > p &&
		    (size_t)(colon - p) <= FV_PROTO_LABEL_KEY_MAX) {
			bool ok = true;

			for (const char *c = p; c < colon; c++) {
				ok = ok &&
				    ((*c >= 'a' && *c <= 'z') ||
				        (*c >= 'A' && *c <= 'Z') ||
				        (*c >= '0' && *c <= '9') || *c == '_');
			}
			if (ok) {
				fleetvisor__v1__key_value__init(&kv[count]);
				keep[2 * count] =
				    fv_xstrndup(p, (size_t)(colon - p));
				keep[2 * count + 1] = fleet_text(
				    colon + 1, (size_t)(tok_end - colon - 1));
				kv[count].key = keep[2 * count];
				kv[count].value = keep[2 * count + 1];
				ptrs[count] = &kv[count];
				count++;
			}
		}
		p = tok_end + (sp != NULL);
	}
	return count;
}

static void
fleet_on_event(void *arg, struct fv_event *ev)
{
	struct fleet_link *l = arg;
	Fleetvisor__V1__Event e;
	Fleetvisor__V1__KeyValue kv[FV_PROTO_HEADERS_MAX];
	Fleetvisor__V1__KeyValue *ptrs[FV_PROTO_HEADERS_MAX];
	char *keep[2 * FV_PROTO_HEADERS_MAX];
	size_t nh;

	l->last_serial = ev->serial;
	if (event_type_is(ev->type, EV_PROCESS_STATE) ||
	    event_type_is(ev->type, EV_PROCESS_GROUP)) {
		l->dirty = true;
		if (!uv_is_active((uv_handle_t *)&l->soon)) {
			uv_timer_start(
			    &l->soon, fleet_on_soon, FLEET_SOON_MS, 0);
		}
	}
	if (ev->len > FV_PROTO_PAYLOAD_MAX) {
		mainlog_log(l->log, MAINLOG_WARN,
		    "fleet: event %llu (%s) not relayed: a payload of %zu "
		    "bytes",
		    (unsigned long long)ev->serial, event_type_name(ev->type),
		    ev->len);
		return;
	}
	fleetvisor__v1__event__init(&e);
	e.host = (char *)(uintptr_t)fleet_node(l);
	e.serial = ev->serial;
	e.timestamp_us = fleet_now_us();
	e.type = (char *)(uintptr_t)event_type_name(ev->type);
	e.server = l->a->cfg->sd.identifier;
	nh = fleet_headers(
	    ev->payload, ev->len, kv, ptrs, keep, FV_PROTO_HEADERS_MAX);
	e.headers = ptrs;
	e.n_headers = nh;
	e.payload.data = (uint8_t *)ev->payload;
	e.payload.len = ev->len;
	for (size_t i = 0; i < l->npeers; i++) {
		struct fleet_peer *p = &l->peers[i];
		Fleetvisor__V1__Envelope env;

		if (!p->acked) {
			continue;
		}
		fleet_envelope(&env, p, 0);
		env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_EVENT;
		env.event = &e;
		fleet_publish(l, p, &env);
	}
	for (size_t i = 0; i < 2 * nh; i++) {
		free(keep[i]);
	}
}

/* --- Opening and closing
 * --------------------------------------------------------- */

static int
fleet_peer_open(struct fleet_link *l, struct fleet_peer *p, const char *url,
    struct fv_diag *d)
{
	char events[600];
	const struct cfg_fleet *fc = l->fc;
	struct fv_fleet_tls tls = { .ca_file = fc->tls_ca,
		.cert_file = fc->tls_cert,
		.key_file = fc->tls_key,
		.verify = fc->tls_verify };
	int rv;

	p->l = l;
	p->refused = -1;
	p->url = fv_xstrdup(url);
	fleet_new_session(p);
	if ((rv = fv_fleet_events_url(url, events, sizeof(events), d)) != 0) {
		return rv;
	}
	p->events_url = fv_xstrdup(events);
	if ((rv = nng_respondent0_open(&p->resp)) != 0 ||
	    (p->resp_open = true, rv = nng_pub0_open(&p->pub)) != 0) {
		return fv_diagf(d, FV_EBADCONF, "nng: %s", nng_strerror(rv));
	}
	p->pub_open = true;
	(void)nng_socket_set_int(p->pub, NNG_OPT_SENDBUF, FLEET_PUB_BUFFER);
	if ((rv = fv_fleet_socket_setup(p->resp, d)) != 0 ||
	    (rv = fv_fleet_socket_setup(p->pub, d)) != 0) {
		return rv;
	}
	nng_pipe_notify(p->resp, NNG_PIPE_EV_ADD_POST, fleet_on_pipe, p);
	nng_pipe_notify(p->resp, NNG_PIPE_EV_REM_POST, fleet_on_pipe, p);
	nng_pipe_notify(p->pub, NNG_PIPE_EV_ADD_POST, fleet_on_pub_pipe, p);
	nng_pipe_notify(p->pub, NNG_PIPE_EV_REM_POST, fleet_on_pub_pipe, p);
	if ((rv = nng_aio_alloc(&p->recv_aio, fleet_on_recv, p)) != 0 ||
	    (rv = nng_ctx_open(&p->recv_ctx, p->resp)) != 0) {
		return fv_diagf(d, FV_EBADCONF, "nng: %s", nng_strerror(rv));
	}
	nng_ctx_recv(p->recv_ctx, p->recv_aio);
	if ((rv = fv_fleet_dial(p->resp, url, &tls, NULL, d)) != 0 ||
	    (rv = fv_fleet_dial(p->pub, p->events_url, &tls, NULL, d)) != 0) {
		return rv;
	}
	return 0;
}

static void
fleet_peer_stop(struct fleet_peer *p)
{
	/* Closing the sockets ends the receive chain (ECLOSED) and every
	 * send in flight; nng_aio_free then waits for the last callback. */
	if (p->resp_open) {
		nng_close(p->resp);
		p->resp_open = false;
	}
	if (p->pub_open) {
		nng_close(p->pub);
		p->pub_open = false;
	}
	if (p->recv_aio != NULL) {
		nng_aio_free(p->recv_aio);
		p->recv_aio = NULL;
	}
}

static void fleet_link_close(void *state);

/* The sockets are closed on a thread of their own, waited for at most
 * FLEET_CLOSE_WAIT_S (fv_fleet_bounded): nng 1.5.2's close can hang for
 * good (proto/fleet_close.h), and a stopping agent must not. */
static void
fleet_stop_peers_job(void *arg)
{
	struct fleet_link *l = arg;

	for (size_t i = 0; i < l->npeers; i++) {
		fleet_peer_stop(&l->peers[i]);
	}
}

static bool
fleet_stop_peers(struct fleet_link *l)
{
	return fv_fleet_bounded(
	    fleet_stop_peers_job, l, FLEET_CLOSE_WAIT_S * 1000u);
}

static void
fleet_labels_init(struct fleet_link *l)
{
	const struct fv_kvmap *m = &l->fc->labels;

	l->nlabels = m->n;
	l->label_v = fv_xcalloc(m->n + 1, sizeof(*l->label_v));
	l->labels = fv_xcalloc(m->n + 1, sizeof(*l->labels));
	for (size_t i = 0; i < m->n; i++) {
		fleetvisor__v1__key_value__init(&l->label_v[i]);
		l->label_v[i].key = m->v[i].key;
		l->label_v[i].value = m->v[i].val;
		l->labels[i] = &l->label_v[i];
	}
}

static void *
fleet_link_open(struct agent *a)
{
	const struct cfg_fleet *fc = &a->cfg->fleet;
	struct fleet_link *l;
	struct fv_diag d = { "" };

	if (!fc->enabled) {
		return NULL;
	}
	if (fleet_instance[0] == '\0') {
		fv_fleet_random_id(fleet_instance, sizeof(fleet_instance));
		fleet_started_us = fleet_now_us();
	}
	l = fv_xcalloc(1, sizeof(*l));
	l->a = a;
	l->loop = &a->loop;
	l->log = a->log;
	l->fc = fc;
	l->in_tail = &l->in;
	pthread_mutex_init(&l->mu, NULL);
	uv_async_init(l->loop, &l->async, fleet_on_async);
	l->async.data = l;
	uv_timer_init(l->loop, &l->beat);
	uv_timer_init(l->loop, &l->soon);
	l->beat.data = l->soon.data = l;
	fleet_labels_init(l);
	l->exec = fleet_exec_new(l->loop, &a->rpc, fleet_node(l));
	l->last_serial =
	    a->sv.events.serial == UINT64_MAX ? 0 : a->sv.events.serial;
	if (fc->secret_file != NULL &&
	    fv_fleet_secret_read(
	        fc->secret_file, l->secret, &l->secret_len, &d) != 0) {
		/* Supervising goes on; only the fleet is out of reach. */
		mainlog_log(l->log, MAINLOG_CRIT,
		    "fleet: cannot read secret_file (the agent will not "
		    "join its controllers): %s",
		    d.msg);
		fleet_link_close(l);
		return NULL;
	}
	l->peers = fv_xcalloc(fc->controllers.n, sizeof(*l->peers));
	l->npeers = fc->controllers.n;
	for (size_t i = 0; i < l->npeers; i++) {
		if (fleet_peer_open(
		        l, &l->peers[i], fc->controllers.v[i], &d) != 0) {
			mainlog_log(l->log, MAINLOG_CRIT,
			    "fleet: cannot dial the controller %s: %s",
			    fc->controllers.v[i], d.msg);
			fleet_peer_stop(&l->peers[i]);
		}
	}
	event_hub_subscribe(
	    &a->sv.events, event_typeset_of(EV_EVENT), fleet_on_event, l);
	fleet_beat_schedule(l);
	mainlog_log(l->log, MAINLOG_INFO,
	    "fleet: node %s (instance %s) dialing %zu controller%s", fc->name,
	    fleet_instance, l->npeers, l->npeers == 1 ? "" : "s");
	return l;
}

static void
fleet_link_on_closed(uv_handle_t *h)
{
	struct fleet_link *l = h->data;

	/* The last of the three handles (async, beat, soon) frees it. */
	if (--l->handles_open > 0 || l->abandoned) {
		return;
	}
	pthread_mutex_destroy(&l->mu);
	explicit_bzero(l->secret, sizeof(l->secret));
	free(l);
}

static void
fleet_link_close(void *state)
{
	struct fleet_link *l = state;
	struct fleet_in *in;

	event_hub_unsubscribe(&l->a->sv.events, fleet_on_event, l);
	pthread_mutex_lock(&l->mu);
	l->closing = true;
	pthread_mutex_unlock(&l->mu);
	l->abandoned = !fleet_stop_peers(l);
	if (l->abandoned) {
		/* nng is stuck closing: its threads may still touch the
		 * link and the peers, which stay allocated; everything on
		 * the loop is closed all the same, so that the agent stops
		 * or reloads without it. */
		mainlog_log(l->log, MAINLOG_CRIT,
		    "fleet: the controller connections did not close within "
		    "%d s; going on without waiting for them",
		    FLEET_CLOSE_WAIT_S);
	}
	/* No nng callback queues anything any more (closing is set). */
	pthread_mutex_lock(&l->mu);
	in = l->in;
	l->in = NULL;
	l->in_tail = &l->in;
	pthread_mutex_unlock(&l->mu);
	while (in != NULL) {
		struct fleet_in *next = in->next;

		if (in->msg != NULL) {
			nng_msg_free(in->msg);
			nng_ctx_close(in->ctx);
		}
		free(in);
		in = next;
	}
	fleet_exec_free(l->exec);
	while (l->reqs != NULL) {
		struct fleet_req *r = l->reqs;

		l->reqs = r->next;
		fleet_req_free(r);
	}
	if (l->dropped > 0 || l->bad_in > 0) {
		mainlog_log(l->log, MAINLOG_INFO,
		    "fleet: %lu messages not published (queues full), %lu "
		    "refused",
		    l->dropped, l->bad_in);
	}
	if (!l->abandoned) {
		for (size_t i = 0; i < l->npeers; i++) {
			free(l->peers[i].url);
			free(l->peers[i].events_url);
		}
		free(l->peers);
	}
	free(l->label_v);
	free(l->labels);
	l->handles_open = 3;
	uv_close((uv_handle_t *)&l->async, fleet_link_on_closed);
	uv_close((uv_handle_t *)&l->beat, fleet_link_on_closed);
	uv_close((uv_handle_t *)&l->soon, fleet_link_on_closed);
}

const struct agent_ext fleet_link_ext = {
	.open = fleet_link_open,
	.close = fleet_link_close,
};
