/*
 * The real controller_core against in-process fake agents (nng
 * RESPONDENT + PUB sockets speaking the protocol through the codec, each
 * with its own thread) and a REQ/SUB client, over ipc:// in a temporary
 * directory. Every wait polls with a deadline.
 */
#include <sys/stat.h>

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/protocol/survey0/respond.h>

#include "common/xalloc.h"
#include "ctr.h"
#include "proto/fleet_close.h"
#include "proto/fleet_codec.h"
#include "proto/fleet_net.h"
#include "proto/fleet_proof.h"
#include "tests/support/testsupport.h"

#define WAIT_MS 8000
/* The protobuf-c structs take char *; literals are const. */
#define S(x) ((char *)(uintptr_t)(x))

struct fake_agent {
	char name[64];
	char instance[17];
	uint8_t secret[64];
	size_t secret_len;
	uint8_t session[32];
	nng_socket resp, pub;
	pthread_t th;
	atomic_bool stop;
	atomic_bool mute;
	atomic_bool no_heartbeat;
	atomic_int acked;
	atomic_int refused;
	atomic_int commands;
	atomic_uint running;
	atomic_int pipes_removed; /* the controller dropped us */
	uint64_t hb_seq;
};

/*
 * A peer on the agents' ports that completes the SP handshake and then
 * says nothing (or nothing worth hearing): nng would keep it for ever.
 */
struct peer {
	nng_socket s;
	atomic_int added, removed;
	_Atomic uint64_t added_ms, removed_ms; /* the first of each */
	bool drain; /* a RESPONDENT: read (and ignore) the surveys */
};

struct fixture {
	char *dir;
	char agents[256], clients[256], clients_ev[300];
	struct ctr_config cfg;
	struct ctr_log *log;
	struct ctr *c;
	nng_socket req, sub;
	struct fake_agent a[3];
	int na;
	struct peer peers[16]; /* closed by teardown */
	int np;
};

static const char *const secrets[] = { "alpha-secret-0123456789",
	"beta-secret-0123456789", "gamma-secret-0123456789" };

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * close_socks closes sockets without hanging the run on nng 1.5.2's
 * close (see fleet_close.h): a close that never returns is reported and
 * left behind, as fleetvisorctl leaves it.
 */
static void
close_socks(const nng_socket *s, size_t n)
{
	if (!fv_fleet_close(s, n, WAIT_MS)) {
		fprintf(stderr,
		    "note: nng_close did not return within %d ms "
		    "(nng 1.5.2); left behind\n",
		    WAIT_MS);
	}
}

static void
on_pipe_removed(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	atomic_int *n = arg;

	(void)p;
	(void)ev;
	atomic_fetch_add(n, 1);
}

static void
agent_send(struct fake_agent *a, Fleetvisor__V1__Envelope *env, nng_socket s)
{
	nng_msg *m;
	struct fv_diag d;

	if (fv_fleet_msg_new(env, &m, &d) != 0) {
		fprintf(stderr, "fake %s: %s\n", a->name, d.msg);
		abort();
	}
	if (nng_sendmsg(s, m, 0) != 0) {
		nng_msg_free(m);
	}
}

static void
agent_hello(struct fake_agent *a, const Fleetvisor__V1__Envelope *ch)
{
	Fleetvisor__V1__Envelope env;
	fleetvisor__v1__envelope__init(&env);
	Fleetvisor__V1__Hello h;
	fleetvisor__v1__hello__init(&h);
	ProtobufCBinaryData sess = { sizeof(a->session), a->session };
	uint8_t proof[32];

	env.version = FV_PROTO_VERSION;
	env.request_id = ch->request_id;
	env.session = sess;
	env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_HELLO;
	env.hello = &h;
	h.node = a->name;
	h.identification = S("supervisor");
	h.agent_version = S("0.1.0");
	h.instance_id = a->instance;
	h.nonce = ch->challenge->nonce;
	h.proof_alg = FLEETVISOR__V1__PROOF_ALG__PROOF_HMAC_SHA256;
	assert_int_equal(fv_pb_hello_proof(a->secret, a->secret_len, &h.nonce,
	                     a->name, a->instance, &sess, proof),
	    0);
	h.proof.data = proof;
	h.proof.len = sizeof(proof);
	agent_send(a, &env, a->resp);
}

static void
agent_result(struct fake_agent *a, const Fleetvisor__V1__Envelope *cmd)
{
	Fleetvisor__V1__Envelope env;
	fleetvisor__v1__envelope__init(&env);
	Fleetvisor__V1__CommandResult r;
	fleetvisor__v1__command_result__init(&r);
	char line[512] = "args:";
	char *lines[1] = { line };

	for (size_t i = 0; i < cmd->command->n_args; i++) {
		strncat(line, " ", sizeof(line) - strlen(line) - 1);
		strncat(line, cmd->command->args[i],
		    sizeof(line) - strlen(line) - 1);
	}
	env.version = FV_PROTO_VERSION;
	env.request_id = cmd->request_id;
	env.session.data = a->session;
	env.session.len = sizeof(a->session);
	env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_RESULT;
	env.command_result = &r;
	r.host = a->name;
	r.outcome = FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_OK;
	r.lines = lines;
	r.n_lines = 1;
	agent_send(a, &env, a->resp);
}

static void
agent_heartbeat(struct fake_agent *a)
{
	Fleetvisor__V1__Envelope env;
	fleetvisor__v1__envelope__init(&env);
	Fleetvisor__V1__Heartbeat hb;
	fleetvisor__v1__heartbeat__init(&hb);
	Fleetvisor__V1__ProcessSummary sum;
	fleetvisor__v1__process_summary__init(&sum);

	env.version = FV_PROTO_VERSION;
	env.session.data = a->session;
	env.session.len = sizeof(a->session);
	env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_HEARTBEAT;
	env.heartbeat = &hb;
	hb.node = a->name;
	hb.instance_id = a->instance;
	hb.sequence = ++a->hb_seq;
	hb.state = FLEETVISOR__V1__AGENT_STATE__AGENT_RUNNING;
	hb.interval_ms = 100;
	hb.summary = &sum;
	sum.running = atomic_load(&a->running);
	agent_send(a, &env, a->pub);
}

static void *
agent_main(void *arg)
{
	struct fake_agent *a = arg;
	uint64_t last_hb = 0;

	while (!atomic_load(&a->stop)) {
		Fleetvisor__V1__Envelope *env = NULL;
		nng_msg *m;

		if (atomic_load(&a->acked) && !atomic_load(&a->no_heartbeat) &&
		    now_ms() >= last_hb + 100) {
			agent_heartbeat(a);
			last_hb = now_ms();
		}
		if (nng_recvmsg(a->resp, &m, 0) != 0) {
			continue;
		}
		if (fv_fleet_msg_decode(m, &env, NULL, NULL, NULL) != 0) {
			nng_msg_free(m);
			continue;
		}
		nng_msg_free(m);
		switch (env->body_case) {
		case FLEETVISOR__V1__ENVELOPE__BODY_CHALLENGE:
			if (!atomic_load(&a->acked)) {
				agent_hello(a, env);
			}
			break;
		case FLEETVISOR__V1__ENVELOPE__BODY_HELLO_ACK:
			if (strcmp(env->hello_ack->node, a->name) == 0 &&
			    strcmp(env->hello_ack->instance_id, a->instance) ==
			        0) {
				atomic_store(&a->acked, 1);
			}
			break;
		case FLEETVISOR__V1__ENVELOPE__BODY_HELLO_REFUSED:
			if (strcmp(env->hello_refused->node, a->name) == 0) {
				atomic_store(&a->refused,
				    (int)env->hello_refused->reason);
			}
			break;
		case FLEETVISOR__V1__ENVELOPE__BODY_COMMAND:
			atomic_fetch_add(&a->commands, 1);
			if (!atomic_load(&a->mute)) {
				agent_result(a, env);
			}
			break;
		default:
			break;
		}
		fleetvisor__v1__envelope__free_unpacked(env, NULL);
	}
	return NULL;
}

/* agent_start_as starts a fake agent; instance NULL picks a fresh one. */
static void
agent_start_as(struct fake_agent *a, const char *name, const char *secret,
    const char *url, const char *instance)
{
	char ev[300];

	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	if (instance != NULL) {
		snprintf(a->instance, sizeof(a->instance), "%s", instance);
	} else {
		fv_fleet_random_id(a->instance, sizeof(a->instance));
	}
	fv_fleet_random(a->session, sizeof(a->session));
	a->secret_len = strlen(secret);
	memcpy(a->secret, secret, a->secret_len);
	atomic_store(&a->refused, -1);
	assert_int_equal(nng_respondent0_open(&a->resp), 0);
	assert_int_equal(nng_pub0_open(&a->pub), 0);
	assert_int_equal(fv_fleet_socket_setup(a->resp, NULL), 0);
	assert_int_equal(fv_fleet_socket_setup(a->pub, NULL), 0);
	nng_socket_set_ms(a->resp, NNG_OPT_RECVTIMEO, 20);
	assert_int_equal(fv_fleet_events_url(url, ev, sizeof(ev), NULL), 0);
	assert_int_equal(nng_pipe_notify(a->resp, NNG_PIPE_EV_REM_POST,
	                     on_pipe_removed, &a->pipes_removed),
	    0);
	assert_int_equal(nng_pipe_notify(a->pub, NNG_PIPE_EV_REM_POST,
	                     on_pipe_removed, &a->pipes_removed),
	    0);
	assert_int_equal(fv_fleet_dial(a->resp, url, NULL, NULL, NULL), 0);
	assert_int_equal(fv_fleet_dial(a->pub, ev, NULL, NULL, NULL), 0);
	assert_int_equal(pthread_create(&a->th, NULL, agent_main, a), 0);
}

static void
agent_start(
    struct fake_agent *a, const char *name, const char *secret, const char *url)
{
	agent_start_as(a, name, secret, url, NULL);
}

/* agent_silence stops a's thread: it sends nothing more. */
static void
agent_silence(struct fake_agent *a)
{
	atomic_store(&a->stop, true);
	pthread_join(a->th, NULL);
}

static void
agent_event(struct fake_agent *a, uint64_t serial, bool good)
{
	Fleetvisor__V1__Envelope env;
	fleetvisor__v1__envelope__init(&env);
	Fleetvisor__V1__Event ev;
	fleetvisor__v1__event__init(&ev);
	uint8_t forged[32];

	memset(forged, 0x5a, sizeof(forged));
	env.version = FV_PROTO_VERSION;
	env.session.data = good ? a->session : forged;
	env.session.len = sizeof(a->session);
	env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_EVENT;
	env.event = &ev;
	ev.host = a->name;
	ev.serial = serial;
	ev.type = S("PROCESS_STATE_RUNNING");
	ev.server = S("supervisor");
	ev.payload.data = (uint8_t *)(uintptr_t) "processname:x groupname:x";
	ev.payload.len = strlen((const char *)ev.payload.data);
	agent_send(a, &env, a->pub);
}

static Fleetvisor__V1__Envelope *
call_raw(nng_socket req, const void *p, size_t n)
{
	Fleetvisor__V1__Envelope *out = NULL;
	nng_msg *m;

	assert_int_equal(nng_msg_alloc(&m, 0), 0);
	assert_int_equal(nng_msg_append(m, p, n), 0);
	assert_int_equal(nng_sendmsg(req, m, 0), 0);
	if (nng_recvmsg(req, &m, 0) != 0) {
		return NULL;
	}
	assert_int_equal(fv_fleet_msg_decode(m, &out, NULL, NULL, NULL), 0);
	nng_msg_free(m);
	return out;
}

static Fleetvisor__V1__Envelope *
call(nng_socket req, Fleetvisor__V1__Envelope *env)
{
	Fleetvisor__V1__Envelope *out = NULL;
	nng_msg *m;
	struct fv_diag d;

	env->version = FV_PROTO_VERSION;
	if (fv_fleet_msg_new(env, &m, &d) != 0) {
		fail_msg("%s", d.msg);
	}
	assert_int_equal(nng_sendmsg(req, m, 0), 0);
	if (nng_recvmsg(req, &m, 0) != 0) {
		return NULL;
	}
	assert_int_equal(fv_fleet_msg_decode(m, &out, NULL, NULL, NULL), 0);
	nng_msg_free(m);
	return out;
}

static Fleetvisor__V1__Envelope *
hosts(struct fixture *f)
{
	Fleetvisor__V1__Envelope env;
	fleetvisor__v1__envelope__init(&env);
	Fleetvisor__V1__HostsRequest hr;
	fleetvisor__v1__hosts_request__init(&hr);

	env.request_id = 1000 + now_ms();
	env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_HOSTS_REQUEST;
	env.hosts_request = &hr;
	return call(f->req, &env);
}

static const Fleetvisor__V1__HostRow *
row(const Fleetvisor__V1__Envelope *rep, const char *node)
{
	for (size_t i = 0; i < rep->hosts_reply->n_hosts; i++) {
		if (strcmp(rep->hosts_reply->hosts[i]->node, node) == 0) {
			return rep->hosts_reply->hosts[i];
		}
	}
	return NULL;
}

/* wait_host polls the registry until node is in state (0: absent). */
static bool
wait_host(struct fixture *f, const char *node, int state, unsigned running)
{
	uint64_t until = now_ms() + WAIT_MS;

	while (now_ms() < until) {
		Fleetvisor__V1__Envelope *rep = hosts(f);
		const Fleetvisor__V1__HostRow *r;
		bool ok;

		assert_non_null(rep);
		assert_int_equal(
		    rep->body_case, FLEETVISOR__V1__ENVELOPE__BODY_HOSTS_REPLY);
		r = row(rep, node);
		ok = state == 0 ? r == NULL
		                : r != NULL && (int)r->state == state &&
		        (running == 0 || r->summary->running == running);
		fleetvisor__v1__envelope__free_unpacked(rep, NULL);
		if (ok) {
			return true;
		}
		usleep(20000);
	}
	return false;
}

/* next_pub returns the next message on the client SUB of body kind. */
static Fleetvisor__V1__Envelope *
next_pub(struct fixture *f, Fleetvisor__V1__Envelope__BodyCase body, int kind)
{
	uint64_t until = now_ms() + WAIT_MS;

	while (now_ms() < until) {
		Fleetvisor__V1__Envelope *env = NULL;
		nng_msg *m;

		if (nng_recvmsg(f->sub, &m, 0) != 0) {
			continue;
		}
		assert_int_equal(
		    fv_fleet_msg_decode(m, &env, NULL, NULL, NULL), 0);
		nng_msg_free(m);
		if (env->body_case == body &&
		    (kind < 0 || (int)env->controller_event->kind == kind)) {
			return env;
		}
		fleetvisor__v1__envelope__free_unpacked(env, NULL);
	}
	return NULL;
}

static int
setup_n(void **state, const char *extra)
{
	struct fixture *f = fv_xcalloc(1, sizeof(*f));
	char conf[2048], *sd;
	struct fv_diag d;

	f->dir = fv_test_mkdtemp();
	sd = fv_xasprintf("%s/secrets", f->dir);
	for (size_t i = 0; i < 3; i++) {
		static const char *const names[] = { "alpha", "beta", "gamma" };
		char *name = fv_xasprintf("secrets/%s", names[i]);
		char *p = fv_test_write(f->dir, name, secrets[i]);

		chmod(p, 0600);
		free(p);
		free(name);
	}
	snprintf(f->agents, sizeof(f->agents), "ipc://%s/agents.sock", f->dir);
	snprintf(
	    f->clients, sizeof(f->clients), "ipc://%s/clients.sock", f->dir);
	snprintf(f->clients_ev, sizeof(f->clients_ev), "%s.events", f->clients);
	snprintf(conf, sizeof(conf),
	    "[controller]\nagents = %s\nclients = %s\nsecrets_dir = %s\n"
	    "heartbeat = 0.2\nlost_after = 0.8\n%s",
	    f->agents, f->clients, sd, extra);
	free(sd);
	ctr_config_init(&f->cfg);
	if (ctr_config_load_string(&f->cfg, conf, "test.conf", &d) != 0) {
		fail_msg("%s", d.msg);
	}
	f->log = ctr_log_new(CTR_LOG_CRIT, false);
	f->c = ctr_new(&f->cfg, f->log);
	if (ctr_start(f->c, &d) != 0) {
		fail_msg("%s", d.msg);
	}
	assert_int_equal(nng_req0_open(&f->req), 0);
	assert_int_equal(nng_sub0_open(&f->sub), 0);
	nng_socket_set_ms(f->req, NNG_OPT_RECVTIMEO, WAIT_MS);
	nng_socket_set_ms(f->sub, NNG_OPT_RECVTIMEO, 100);
	nng_socket_set(f->sub, NNG_OPT_SUB_SUBSCRIBE, "", 0);
	assert_int_equal(nng_dial(f->req, f->clients, NULL, 0), 0);
	assert_int_equal(nng_dial(f->sub, f->clients_ev, NULL, 0), 0);
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	return setup_n(state, "");
}

static int
setup_busy(void **state)
{
	return setup_n(state, "max_inflight = 1\n");
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	/*
	 * Senders fall silent before receivers close: an nng 1.5.2 ipc
	 * pipe closed while a message is half read never ends its receive,
	 * and wedges nng's reaper for good (proto/fleet_close.h). So the
	 * agents stop sending, then the controller stops (nothing arrives
	 * at its sockets), then the rest close with no one left to send.
	 */
	for (int i = 0; i < f->na; i++) {
		agent_silence(&f->a[i]);
	}
	ctr_stop(f->c);
	for (int i = 0; i < f->na; i++) {
		close_socks((nng_socket[]){ f->a[i].resp, f->a[i].pub }, 2);
	}
	for (int i = 0; i < f->np; i++) {
		close_socks(&f->peers[i].s, 1);
	}
	close_socks((nng_socket[]){ f->req, f->sub }, 2);
	ctr_free(f->c);
	ctr_log_free(f->log);
	ctr_config_fini(&f->cfg);
	fv_test_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* join starts alpha, beta (right secrets) and gamma (secret given). */
static void
join3(struct fixture *f, const char *gamma_secret)
{
	agent_start(&f->a[0], "alpha", secrets[0], f->agents);
	agent_start(&f->a[1], "beta", secrets[1], f->agents);
	agent_start(&f->a[2], "gamma", gamma_secret, f->agents);
	f->na = 3;
	assert_true(wait_host(f, "alpha", 1, 0));
	assert_true(wait_host(f, "beta", 1, 0));
}

static void
test_join_and_bad_proof(void **state)
{
	struct fixture *f = *state;
	Fleetvisor__V1__Envelope *ev;
	uint64_t until;
	struct ctr_stats st;

	/* The SUB must be connected before the events it should see. */
	usleep(1000);
	join3(f, "not-gammas-secret-at-all");
	until = now_ms() + WAIT_MS;
	while (atomic_load(&f->a[2].refused) < 0 && now_ms() < until) {
		usleep(10000);
	}
	assert_int_equal(atomic_load(&f->a[2].refused),
	    FLEETVISOR__V1__HELLO_REFUSED__REASON__REASON_BAD_PROOF);
	assert_true(wait_host(f, "gamma", 0, 0));
	assert_true(atomic_load(&f->a[0].acked));
	ev = next_pub(f, FLEETVISOR__V1__ENVELOPE__BODY_CONTROLLER_EVENT,
	    FLEETVISOR__V1__CONTROLLER_EVENT__KIND__KIND_AGENT_REFUSED);
	assert_non_null(ev);
	assert_string_equal(ev->controller_event->node, "gamma");
	fleetvisor__v1__envelope__free_unpacked(ev, NULL);
	ctr_stats_get(f->c, &st);
	assert_true(st.hello_refused >= 1);
	assert_true(st.hello_accepted >= 2);
}

/*
 * HelloAck and HelloRefused are public surveys, so every agent learns the
 * others' instance ids. An imposter that claims alpha's name and instance
 * with a wrong proof must be refused without the refusal reaching alpha,
 * which would take it for its own and drop its join.
 */
static void
test_imposter_refusal_spares_the_real_agent(void **state)
{
	struct fixture *f = *state;
	uint64_t until;
	struct ctr_stats st;

	agent_start(&f->a[0], "alpha", secrets[0], f->agents);
	f->na = 1;
	assert_true(wait_host(f, "alpha", 1, 0));
	agent_start_as(&f->a[1], "alpha", "not-alphas-secret-at-all", f->agents,
	    f->a[0].instance);
	f->na = 2;
	/* Two refusals of the imposter: the posts of the first have had a
	 * whole challenge period to arrive. */
	until = now_ms() + WAIT_MS;
	do {
		usleep(10000);
		ctr_stats_get(f->c, &st);
	} while (st.hello_refused < 2 && now_ms() < until);
	assert_true(st.hello_refused >= 2);
	usleep(50000);
	assert_int_equal(atomic_load(&f->a[0].refused), -1);
	assert_true(wait_host(f, "alpha", 1, 0));
}

static Fleetvisor__V1__Envelope *
command(struct fixture *f, uint64_t id, uint32_t deadline, char **args,
    size_t nargs, char *only)
{
	Fleetvisor__V1__Envelope env;
	fleetvisor__v1__envelope__init(&env);
	Fleetvisor__V1__Command cmd;
	fleetvisor__v1__command__init(&cmd);
	Fleetvisor__V1__Selector sel;
	fleetvisor__v1__selector__init(&sel);
	char *names[1] = { only };

	env.request_id = id;
	env.deadline_ms = deadline;
	env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_COMMAND;
	env.command = &cmd;
	cmd.selector = &sel;
	cmd.action = FLEETVISOR__V1__COMMAND__ACTION__ACTION_STATUS;
	cmd.args = args;
	cmd.n_args = nargs;
	if (only != NULL) {
		sel.names = names;
		sel.n_names = 1;
	} else {
		sel.all = true;
	}
	return call(f->req, &env);
}

static const Fleetvisor__V1__CommandResult *
result(const Fleetvisor__V1__Envelope *rep, const char *host)
{
	for (size_t i = 0; i < rep->command_reply->n_results; i++) {
		if (strcmp(rep->command_reply->results[i]->host, host) == 0) {
			return rep->command_reply->results[i];
		}
	}
	return NULL;
}

static void
test_fanout_timeout_and_routing(void **state)
{
	struct fixture *f = *state;
	Fleetvisor__V1__Envelope *rep;
	const Fleetvisor__V1__CommandResult *r;
	char *words[] = { S("web") };
	char *routed[] = { S("alpha/web"), S("db") };
	char *unknown[] = { S("nope/web") };
	uint64_t t0;

	join3(f, secrets[2]);
	assert_true(wait_host(f, "gamma", 1, 0));
	atomic_store(&f->a[2].mute, true);
	t0 = now_ms();
	rep = command(f, 77, 1500, words, 1, NULL);
	assert_non_null(rep);
	assert_int_equal(
	    rep->body_case, FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_REPLY);
	assert_int_equal(rep->request_id, 77);
	assert_int_equal(rep->command_reply->hosts_expected, 3);
	assert_int_equal(rep->command_reply->n_results, 3);
	assert_false(rep->command_reply->more);
	r = result(rep, S("alpha"));
	assert_non_null(r);
	assert_int_equal(
	    r->outcome, FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_OK);
	assert_string_equal(r->lines[0], "args: web");
	assert_non_null(result(rep, "beta"));
	r = result(rep, "gamma");
	assert_non_null(r);
	assert_int_equal(r->outcome,
	    FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_TIMED_OUT);
	/* gamma's silence cost the deadline, not more. */
	assert_true(now_ms() - t0 < 1500 + 1000);
	assert_true(atomic_load(&f->a[2].commands) >= 1);
	fleetvisor__v1__envelope__free_unpacked(rep, NULL);

	/* HOST/ prefixes: only alpha, with its words and the shared ones;
	 * all answered, so no waiting for a deadline. */
	t0 = now_ms();
	rep = command(f, 78, 5000, routed, 2, NULL);
	assert_non_null(rep);
	assert_int_equal(rep->command_reply->hosts_expected, 1);
	assert_int_equal(rep->command_reply->n_results, 1);
	assert_string_equal(result(rep, "alpha")->lines[0], "args: web db");
	assert_true(now_ms() - t0 < 2000);
	fleetvisor__v1__envelope__free_unpacked(rep, NULL);

	rep = command(f, 79, 1000, unknown, 1, NULL);
	assert_non_null(rep);
	assert_int_equal(rep->body_case, FLEETVISOR__V1__ENVELOPE__BODY_ERROR);
	assert_int_equal(
	    rep->error->code, FLEETVISOR__V1__ERROR__CODE__CODE_BAD_REQUEST);
	assert_non_null(strstr(rep->error->message, "nope"));
	fleetvisor__v1__envelope__free_unpacked(rep, NULL);
}

static Fleetvisor__V1__Envelope *
page(struct fixture *f, uint64_t of, uint32_t n)
{
	Fleetvisor__V1__Envelope env;
	fleetvisor__v1__envelope__init(&env);
	Fleetvisor__V1__PageRequest pr;
	fleetvisor__v1__page_request__init(&pr);

	env.request_id = 5000 + now_ms();
	env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_PAGE_REQUEST;
	env.page_request = &pr;
	pr.request_id = of;
	pr.page = n;
	return call(f->req, &env);
}

static void
test_at_most_once_and_pages(void **state)
{
	struct fixture *f = *state;
	Fleetvisor__V1__Envelope *rep;
	char *words[] = { S("restart-me") };

	join3(f, secrets[2]);
	rep = command(f, 0xabcdef, 3000, words, 1, S("alpha"));
	assert_non_null(rep);
	assert_int_equal(rep->command_reply->n_results, 1);
	fleetvisor__v1__envelope__free_unpacked(rep, NULL);
	assert_int_equal(atomic_load(&f->a[0].commands), 1);
	/* The resend gets the stored answer; alpha does not run it again. */
	rep = command(f, 0xabcdef, 3000, words, 1, S("alpha"));
	assert_non_null(rep);
	assert_int_equal(rep->request_id, 0xabcdef);
	assert_string_equal(result(rep, "alpha")->lines[0], "args: restart-me");
	fleetvisor__v1__envelope__free_unpacked(rep, NULL);
	assert_int_equal(atomic_load(&f->a[0].commands), 1);

	rep = page(f, 0xabcdef, 0);
	assert_int_equal(
	    rep->body_case, FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_REPLY);
	assert_int_equal(rep->command_reply->page, 0);
	fleetvisor__v1__envelope__free_unpacked(rep, NULL);
	rep = page(f, 0xabcdef, 3);
	assert_int_equal(
	    rep->error->code, FLEETVISOR__V1__ERROR__CODE__CODE_BAD_REQUEST);
	fleetvisor__v1__envelope__free_unpacked(rep, NULL);
	rep = page(f, 0x1234, 0);
	assert_int_equal(rep->error->code,
	    FLEETVISOR__V1__ERROR__CODE__CODE_UNKNOWN_REQUEST);
	fleetvisor__v1__envelope__free_unpacked(rep, NULL);
}

static void
test_heartbeats_events_lost(void **state)
{
	struct fixture *f = *state;
	Fleetvisor__V1__Envelope env;
	fleetvisor__v1__envelope__init(&env);
	Fleetvisor__V1__Subscribe sub;
	fleetvisor__v1__subscribe__init(&sub);
	Fleetvisor__V1__Envelope *rep, *ev;
	char *hosts_glob[] = { S("al*") };
	struct ctr_stats st;
	uint64_t until;

	join3(f, secrets[2]);
	atomic_store(&f->a[0].running, 3);
	assert_true(wait_host(f, "alpha", 1, 3));

	/* A forged session is dropped; the real one is relayed. */
	until = now_ms() + WAIT_MS;
	do {
		agent_event(&f->a[0], 5, false);
		agent_event(&f->a[0], 6, true);
		ev = next_pub(f, FLEETVISOR__V1__ENVELOPE__BODY_EVENT, -1);
	} while (ev == NULL && now_ms() < until);
	assert_non_null(ev);
	assert_int_equal(ev->event->serial, 6);
	assert_string_equal(ev->event->host, S("alpha"));
	assert_int_equal(ev->session.len, 0);
	fleetvisor__v1__envelope__free_unpacked(ev, NULL);
	ctr_stats_get(f->c, &st);
	assert_true(st.events_dropped >= 1);
	assert_true(st.events_relayed >= 1);

	env.request_id = 4242;
	env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_SUBSCRIBE;
	env.subscribe = &sub;
	sub.hosts = hosts_glob;
	sub.n_hosts = 1;
	rep = call(f->req, &env);
	assert_non_null(rep);
	assert_int_equal(rep->hosts_reply->n_hosts, 1);
	assert_string_equal(rep->hosts_reply->hosts[0]->node, S("alpha"));
	assert_int_equal(rep->hosts_reply->hosts[0]->last_event_serial, 6);
	fleetvisor__v1__envelope__free_unpacked(rep, NULL);

	/* Silence: beta is lost after lost_after, and said so. */
	atomic_store(&f->a[1].no_heartbeat, true);
	assert_true(wait_host(f, "beta", 2, 0));
	ev = next_pub(f, FLEETVISOR__V1__ENVELOPE__BODY_CONTROLLER_EVENT,
	    FLEETVISOR__V1__CONTROLLER_EVENT__KIND__KIND_AGENT_LOST);
	assert_non_null(ev);
	assert_string_equal(ev->controller_event->node, "beta");
	fleetvisor__v1__envelope__free_unpacked(ev, NULL);
	/* A command to a lost host fails fast. */
	{
		char *w[] = { S("x") };
		uint64_t t0 = now_ms();

		rep = command(f, 99, 5000, w, 1, S("beta"));
		assert_int_equal(result(rep, "beta")->outcome,
		    FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_TIMED_OUT);
		assert_true(now_ms() - t0 < 2000);
		fleetvisor__v1__envelope__free_unpacked(rep, NULL);
	}
	/* Heartbeats again: back. */
	atomic_store(&f->a[1].no_heartbeat, false);
	assert_true(wait_host(f, "beta", 1, 0));
}

static void
test_hostile_client(void **state)
{
	struct fixture *f = *state;
	Fleetvisor__V1__Envelope *rep;
	static const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0x01, 0x02 };
	/* version 2, request id 9 */
	static const uint8_t v2[] = { 0x08, 0x02, 0x10, 0x09 };

	rep = call_raw(f->req, garbage, sizeof(garbage));
	assert_non_null(rep);
	assert_int_equal(
	    rep->error->code, FLEETVISOR__V1__ERROR__CODE__CODE_MALFORMED);
	fleetvisor__v1__envelope__free_unpacked(rep, NULL);
	rep = call_raw(f->req, v2, sizeof(v2));
	assert_non_null(rep);
	assert_int_equal(
	    rep->error->code, FLEETVISOR__V1__ERROR__CODE__CODE_VERSION);
	assert_int_equal(rep->error->version, FV_PROTO_VERSION);
	assert_int_equal(rep->request_id, 9);
	fleetvisor__v1__envelope__free_unpacked(rep, NULL);
}

static void
test_busy(void **state)
{
	struct fixture *f = *state;
	Fleetvisor__V1__Envelope env;
	fleetvisor__v1__envelope__init(&env);
	Fleetvisor__V1__Command cmd;
	fleetvisor__v1__command__init(&cmd);
	Fleetvisor__V1__Selector sel;
	fleetvisor__v1__selector__init(&sel);
	Fleetvisor__V1__Envelope *rep, *first = NULL;
	nng_socket req2;
	nng_msg *m;
	char *names[] = { S("gamma") };
	char *w[] = { S("slow") };
	uint64_t until;

	join3(f, secrets[2]);
	assert_true(wait_host(f, "gamma", 1, 0));
	atomic_store(&f->a[2].mute, true);
	env.version = FV_PROTO_VERSION;
	env.request_id = 501;
	env.deadline_ms = 1500;
	env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_COMMAND;
	env.command = &cmd;
	cmd.selector = &sel;
	sel.names = names;
	sel.n_names = 1;
	cmd.action = FLEETVISOR__V1__COMMAND__ACTION__ACTION_STATUS;
	cmd.args = w;
	cmd.n_args = 1;
	assert_int_equal(fv_fleet_msg_new(&env, &m, NULL), 0);
	assert_int_equal(nng_sendmsg(f->req, m, 0), 0);
	until = now_ms() + WAIT_MS;
	while (atomic_load(&f->a[2].commands) == 0 && now_ms() < until) {
		usleep(5000);
	}
	assert_int_equal(nng_req0_open(&req2), 0);
	nng_socket_set_ms(req2, NNG_OPT_RECVTIMEO, WAIT_MS);
	assert_int_equal(nng_dial(req2, f->clients, NULL, 0), 0);
	rep = command(
	    &(struct fixture){ .req = req2 }, 502, 1000, w, 1, S("alpha"));
	assert_non_null(rep);
	assert_int_equal(
	    rep->error->code, FLEETVISOR__V1__ERROR__CODE__CODE_BUSY);
	fleetvisor__v1__envelope__free_unpacked(rep, NULL);
	close_socks(&req2, 1);
	assert_int_equal(nng_recvmsg(f->req, &m, 0), 0);
	assert_int_equal(fv_fleet_msg_decode(m, &first, NULL, NULL, NULL), 0);
	nng_msg_free(m);
	assert_int_equal(first->request_id, 501);
	assert_int_equal(result(first, "gamma")->outcome,
	    FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_TIMED_OUT);
	fleetvisor__v1__envelope__free_unpacked(first, NULL);
}

static void
peer_on_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct peer *pr = arg;
	uint64_t zero = 0;

	(void)p;
	if (ev == NNG_PIPE_EV_ADD_POST) {
		atomic_compare_exchange_strong(&pr->added_ms, &zero, now_ms());
		atomic_fetch_add(&pr->added, 1);
	} else {
		atomic_compare_exchange_strong(
		    &pr->removed_ms, &zero, now_ms());
		atomic_fetch_add(&pr->removed, 1);
	}
}

/* peer_open dials url with a RESPONDENT (events false) or a PUB. */
static struct peer *
peer_open(struct fixture *f, const char *url, bool events)
{
	struct peer *pr = &f->peers[f->np];
	char ev[300];

	assert_true(f->np < (int)nitems(f->peers));
	memset(pr, 0, sizeof(*pr));
	if (events) {
		assert_int_equal(
		    fv_fleet_events_url(url, ev, sizeof(ev), NULL), 0);
		assert_int_equal(nng_pub0_open(&pr->s), 0);
	} else {
		snprintf(ev, sizeof(ev), "%s", url);
		assert_int_equal(nng_respondent0_open(&pr->s), 0);
		pr->drain = true;
	}
	assert_int_equal(fv_fleet_socket_setup(pr->s, NULL), 0);
	assert_int_equal(
	    nng_pipe_notify(pr->s, NNG_PIPE_EV_ADD_POST, peer_on_pipe, pr), 0);
	assert_int_equal(
	    nng_pipe_notify(pr->s, NNG_PIPE_EV_REM_POST, peer_on_pipe, pr), 0);
	assert_int_equal(fv_fleet_dial(pr->s, ev, NULL, NULL, NULL), 0);
	f->np++;
	return pr;
}

static bool
wait_int(atomic_int *v, int atleast, uint64_t ms)
{
	uint64_t until = now_ms() + ms;

	while (atomic_load(v) < atleast && now_ms() < until) {
		usleep(5000);
	}
	return atomic_load(v) >= atleast;
}

/*
 * peer_wait_closed waits for the controller to close pr's pipe. A
 * RESPONDENT reads the Challenges meanwhile (answering none): nng stops
 * reading a pipe whose surveys nobody takes, and would then never see
 * the close.
 */
static bool
peer_wait_closed(struct peer *pr, uint64_t ms)
{
	uint64_t until = now_ms() + ms;
	nng_msg *m;

	while (atomic_load(&pr->removed) == 0 && now_ms() < until) {
		while (pr->drain &&
		    nng_recvmsg(pr->s, &m, NNG_FLAG_NONBLOCK) == 0) {
			nng_msg_free(m);
		}
		usleep(5000);
	}
	return atomic_load(&pr->removed) > 0;
}

static int
setup_join2(void **state)
{
	return setup_n(state, "join_timeout = 2\n");
}

static void
test_silent_peers_closed(void **state)
{
	struct fixture *f = *state;
	struct peer *resp, *pub;
	struct ctr_stats st0, st;

	agent_start(&f->a[0], "alpha", secrets[0], f->agents);
	f->na = 1;
	assert_true(wait_host(f, "alpha", 1, 0));
	ctr_stats_get(f->c, &st0);
	resp = peer_open(f, f->agents, false);
	pub = peer_open(f, f->agents, true);
	assert_true(wait_int(&resp->added, 1, WAIT_MS));
	assert_true(wait_int(&pub->added, 1, WAIT_MS));
	/* Closed by the controller at the join timeout, not before. */
	assert_true(peer_wait_closed(resp, 2000 + WAIT_MS));
	assert_true(peer_wait_closed(pub, 2000 + WAIT_MS));
	assert_true(resp->removed_ms - resp->added_ms >= 1800);
	assert_true(pub->removed_ms - pub->added_ms >= 1800);
	ctr_stats_get(f->c, &st);
	assert_true(st.pipes_join_timeout >= 2);
	/* The real agent kept its connections and its join. */
	assert_true(wait_host(f, "alpha", 1, 0));
	assert_int_equal(atomic_load(&f->a[0].pipes_removed), 0);
	ctr_stats_get(f->c, &st);
	assert_int_equal(st.hello_accepted, st0.hello_accepted);
}

static int
setup_flood(void **state)
{
	return setup_n(state, "agent_rate_limit = 200\njoin_timeout = 60\n");
}

/* A flood of heartbeats with a forged session on one events connection
 * is dropped, then cut off; alpha's events relay all along. */
static void
test_flood_cut_off(void **state)
{
	struct fixture *f = *state;
	struct fake_agent evil;
	struct peer *fl;
	struct ctr_stats st;
	uint64_t until, serial = 100, last_event = 0;
	int sent = 0, got = 0;
	bool seen[400] = { false };

	nng_socket_set_int(f->sub, NNG_OPT_RECVBUF, 1024);
	agent_start(&f->a[0], "alpha", secrets[0], f->agents);
	f->na = 1;
	assert_true(wait_host(f, "alpha", 1, 0));
	memset(&evil, 0, sizeof(evil));
	snprintf(evil.name, sizeof(evil.name), "alpha");
	snprintf(evil.instance, sizeof(evil.instance), "%s", f->a[0].instance);
	fv_fleet_random(evil.session, sizeof(evil.session));
	fl = peer_open(f, f->agents, true);
	assert_true(wait_int(&fl->added, 1, WAIT_MS));
	evil.pub = fl->s;
	/* About 2000 a second: ten times the limit, yet little enough that
	 * nng's own queue never fills and hides the flood from us. */
	until = now_ms() + WAIT_MS;
	while (atomic_load(&fl->removed) == 0 && now_ms() < until) {
		agent_heartbeat(&evil);
		agent_heartbeat(&evil);
		if (now_ms() >= last_event + 50 && sent < 300) {
			agent_event(&f->a[0], ++serial, true);
			sent++;
			last_event = now_ms();
		}
		usleep(1000);
	}
	assert_true(atomic_load(&fl->removed) >= 1);
	/* At least CTR_FLOOD_WINDOWS - 1 whole seconds over the limit. */
	assert_true(fl->removed_ms - fl->added_ms >= 2000);
	ctr_stats_get(f->c, &st);
	assert_true(st.pipes_flood_closed >= 1);
	assert_true(st.rate_dropped >= 1000);
	assert_int_equal(st.pipes_join_timeout, 0);
	until = now_ms() + WAIT_MS;
	while (got < sent && now_ms() < until) {
		Fleetvisor__V1__Envelope *ev =
		    next_pub(f, FLEETVISOR__V1__ENVELOPE__BODY_EVENT, -1);

		if (ev == NULL) {
			break;
		}
		if (strcmp(ev->event->host, "alpha") == 0 &&
		    ev->event->serial > 100 && ev->event->serial <= 400 &&
		    !seen[ev->event->serial - 100]) {
			seen[ev->event->serial - 100] = true;
			got++;
		}
		fleetvisor__v1__envelope__free_unpacked(ev, NULL);
	}
	assert_true(sent >= 10);
	assert_int_equal(got, sent);
	assert_int_equal(atomic_load(&f->a[0].pipes_removed), 0);
	assert_true(wait_host(f, "alpha", 1, 0));
}

static int
setup_cap(void **state)
{
	return setup_n(
	    state, "max_agent_connections = 16\njoin_timeout = 60\n");
}

/* Beyond max_agent_connections a new connection is closed at once; the
 * count goes back down as peers leave. */
static void
test_connection_cap(void **state)
{
	struct fixture *f = *state;
	struct ctr_stats st;
	uint64_t until;

	agent_start(&f->a[0], "alpha", secrets[0], f->agents);
	f->na = 1;
	assert_true(wait_host(f, "alpha", 1, 0));
	for (int i = 0; i < 16; i++) {
		peer_open(f, f->agents, i % 2 == 1);
	}
	until = now_ms() + WAIT_MS;
	do {
		usleep(10000);
		ctr_stats_get(f->c, &st);
	} while (st.pipes_over_cap < 2 && now_ms() < until);
	assert_true(st.pipes_over_cap >= 2);
	assert_true(st.agent_pipes <= 16);
	assert_int_equal(atomic_load(&f->a[0].pipes_removed), 0);
	assert_true(wait_host(f, "alpha", 1, 0));
	for (int i = 0; i < f->np; i++) {
		close_socks(&f->peers[i].s, 1);
	}
	f->np = 0;
	until = now_ms() + WAIT_MS;
	do {
		usleep(10000);
		ctr_stats_get(f->c, &st);
	} while (st.agent_pipes != 2 && now_ms() < until);
	assert_int_equal(st.agent_pipes, 2);
}

/* The controller closes its own test connection every few seconds and
 * sees nng tear it down: not wedged (ctr_on_wedged). */
static void
test_nng_teardown_watched(void **state)
{
	struct fixture *f = *state;
	struct ctr_stats st;
	uint64_t until = now_ms() + 3 * WAIT_MS;

	do {
		usleep(20000);
		ctr_stats_get(f->c, &st);
	} while (st.nng_checks < 2 && now_ms() < until);
	assert_true(st.nng_checks >= 2);
	assert_false(ctr_wedged(f->c));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_join_and_bad_proof, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_fanout_timeout_and_routing, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_at_most_once_and_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_heartbeats_events_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_hostile_client, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_busy, setup_busy, teardown),
		cmocka_unit_test_setup_teardown(
		    test_imposter_refusal_spares_the_real_agent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_silent_peers_closed, setup_join2, teardown),
		cmocka_unit_test_setup_teardown(
		    test_flood_cut_off, setup_flood, teardown),
		cmocka_unit_test_setup_teardown(
		    test_connection_cap, setup_cap, teardown),
		cmocka_unit_test_setup_teardown(
		    test_nng_teardown_watched, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
