#ifndef FV_TESTS_UNIT_PROTO_FLEET_FX_H
#define FV_TESTS_UNIT_PROTO_FLEET_FX_H

/*
 * A valid envelope of each body type, for the fleet codec suites: fx_build
 * fills one struct fx (all storage inside it or in its string list) so
 * that a test can change one field and expect one refusal. fx_fini frees
 * what fx_s copied.
 */
#include <stdint.h>
#include <string.h>

#include "common/str.h"
#include "common/xalloc.h"
#include "proto/fleet_codec.h"

struct fx {
	Fleetvisor__V1__Envelope env;
	Fleetvisor__V1__Hello hello;
	Fleetvisor__V1__Challenge challenge;
	Fleetvisor__V1__HelloAck ack;
	Fleetvisor__V1__HelloRefused refused;
	Fleetvisor__V1__Heartbeat hb;
	Fleetvisor__V1__ProcessSummary summary;
	Fleetvisor__V1__ProcessInfo pi[2];
	Fleetvisor__V1__ProcessInfo *pis[2];
	Fleetvisor__V1__Command cmd;
	Fleetvisor__V1__Selector sel;
	Fleetvisor__V1__CommandResult res;
	Fleetvisor__V1__CommandResult *ress[1];
	Fleetvisor__V1__ItemResult item;
	Fleetvisor__V1__ItemResult *items[1];
	Fleetvisor__V1__TailChunk tail;
	Fleetvisor__V1__CommandReply reply;
	Fleetvisor__V1__PageRequest page;
	Fleetvisor__V1__Event ev;
	Fleetvisor__V1__ControllerEvent cev;
	Fleetvisor__V1__Subscribe sub;
	Fleetvisor__V1__HostsRequest hreq;
	Fleetvisor__V1__HostsReply hrep;
	Fleetvisor__V1__HostRow row;
	Fleetvisor__V1__HostRow *rows[1];
	Fleetvisor__V1__Error err;
	Fleetvisor__V1__KeyValue kv[4];
	Fleetvisor__V1__KeyValue *kvs[4];
	char *words[4];
	uint8_t session[16];
	uint8_t nonce[32];
	uint8_t proof[32];
	uint8_t payload[64];
	struct fv_strv strs; /* owned copies handed out by fx_s */
};

/* Every body type, in the order of fleet.proto. */
static const Fleetvisor__V1__Envelope__BodyCase fx_bodies[] = {
	FLEETVISOR__V1__ENVELOPE__BODY_HELLO,
	FLEETVISOR__V1__ENVELOPE__BODY_CHALLENGE,
	FLEETVISOR__V1__ENVELOPE__BODY_HELLO_ACK,
	FLEETVISOR__V1__ENVELOPE__BODY_HELLO_REFUSED,
	FLEETVISOR__V1__ENVELOPE__BODY_HEARTBEAT,
	FLEETVISOR__V1__ENVELOPE__BODY_COMMAND,
	FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_RESULT,
	FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_REPLY,
	FLEETVISOR__V1__ENVELOPE__BODY_PAGE_REQUEST,
	FLEETVISOR__V1__ENVELOPE__BODY_EVENT,
	FLEETVISOR__V1__ENVELOPE__BODY_CONTROLLER_EVENT,
	FLEETVISOR__V1__ENVELOPE__BODY_SUBSCRIBE,
	FLEETVISOR__V1__ENVELOPE__BODY_HOSTS_REQUEST,
	FLEETVISOR__V1__ENVELOPE__BODY_HOSTS_REPLY,
	FLEETVISOR__V1__ENVELOPE__BODY_ERROR,
};

/* fx_s returns a writable copy of s that lives until fx_fini. */
static inline char *
fx_s(struct fx *f, const char *s)
{
	fv_strv_push(&f->strs, s);
	return f->strs.v[f->strs.n - 1];
}

/* fx_rep returns a copy of n times c. */
static inline char *
fx_rep(struct fx *f, char c, size_t n)
{
	char *s = fv_xmalloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	fv_strv_push_take(&f->strs, s);
	return s;
}

static inline void
fx_fini(struct fx *f)
{
	fv_strv_free(&f->strs);
}

static inline void
fx_kv(struct fx *f, size_t i, const char *k, const char *v)
{
	fleetvisor__v1__key_value__init(&f->kv[i]);
	f->kv[i].key = fx_s(f, k);
	f->kv[i].value = fx_s(f, v);
	f->kvs[i] = &f->kv[i];
}

static inline void
fx_process(struct fx *f, size_t i, const char *name, int32_t state,
    const char *statename, int32_t pid)
{
	Fleetvisor__V1__ProcessInfo *p = &f->pi[i];

	fleetvisor__v1__process_info__init(p);
	p->name = fx_s(f, name);
	p->group = fx_s(f, "web");
	p->description =
	    fx_s(f, pid ? "pid 42, uptime 0:01:00" : "Not started");
	p->start = pid ? 1700000000 : 0;
	p->now = 1700000060;
	p->state = state;
	p->statename = fx_s(f, statename);
	p->logfile = fx_s(f, "/var/log/web.log");
	p->stdout_logfile = p->logfile;
	p->pid = pid;
	f->pis[i] = p;
}

static inline void
fx_result(struct fx *f)
{
	Fleetvisor__V1__CommandResult *r = &f->res;

	fleetvisor__v1__command_result__init(r);
	fleetvisor__v1__item_result__init(&f->item);
	fleetvisor__v1__tail_chunk__init(&f->tail);
	r->host = fx_s(f, "web-1");
	r->outcome = FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_OK;
	f->item.name = fx_s(f, "web:web_0");
	f->item.group = fx_s(f, "web");
	f->item.status = 80;
	f->item.description = fx_s(f, "OK");
	f->items[0] = &f->item;
	r->items = f->items;
	r->n_items = 1;
	f->words[0] = fx_s(f, "web:web_0: started");
	r->lines = f->words;
	r->n_lines = 1;
	fx_process(f, 0, "web_0", 20, "RUNNING", 42);
	fx_process(f, 1, "web_1", 0, "STOPPED", 0);
	r->processes = f->pis;
	r->n_processes = 2;
	f->tail.data.data = f->payload;
	f->tail.data.len = 3; /* not UTF-8 on purpose: bytes are bytes */
	f->tail.offset = 1024;
	r->tail = &f->tail;
	f->ress[0] = r;
}

/* fx_body makes env a valid envelope whose body is of type bc. */
static inline void
fx_body(struct fx *f, Fleetvisor__V1__Envelope__BodyCase bc)
{
	Fleetvisor__V1__Envelope *e = &f->env;

	e->body_case = bc;
	switch (bc) {
	case FLEETVISOR__V1__ENVELOPE__BODY_HELLO:
		fleetvisor__v1__hello__init(&f->hello);
		f->hello.node = fx_s(f, "web-1");
		f->hello.identification = fx_s(f, "supervisor");
		f->hello.agent_version = fx_s(f, "0.1.0");
		fx_kv(f, 0, "role", "web");
		fx_kv(f, 1, "dc", "paris 2");
		f->hello.labels = f->kvs;
		f->hello.n_labels = 2;
		f->hello.instance_id = fx_s(f, "0f1e2d3c4b5a6978");
		f->hello.nonce.data = f->nonce;
		f->hello.nonce.len = sizeof(f->nonce);
		f->hello.proof_alg =
		    FLEETVISOR__V1__PROOF_ALG__PROOF_HMAC_SHA256;
		f->hello.proof.data = f->proof;
		f->hello.proof.len = sizeof(f->proof);
		f->hello.started_us = 1700000000000000;
		e->hello = &f->hello;
		break;
	case FLEETVISOR__V1__ENVELOPE__BODY_CHALLENGE:
		fleetvisor__v1__challenge__init(&f->challenge);
		f->challenge.nonce.data = f->nonce;
		f->challenge.nonce.len = sizeof(f->nonce);
		f->challenge.controller_id = fx_s(f, "ctr-7f3a");
		e->challenge = &f->challenge;
		e->session.len = 0;
		break;
	case FLEETVISOR__V1__ENVELOPE__BODY_HELLO_ACK:
		fleetvisor__v1__hello_ack__init(&f->ack);
		f->ack.node = fx_s(f, "web-1");
		f->ack.instance_id = fx_s(f, "0f1e2d3c4b5a6978");
		f->ack.controller_id = fx_s(f, "ctr-7f3a");
		f->ack.heartbeat_ms = 2000;
		f->ack.lost_after_ms = 6000;
		e->hello_ack = &f->ack;
		e->session.len = 0;
		break;
	case FLEETVISOR__V1__ENVELOPE__BODY_HELLO_REFUSED:
		fleetvisor__v1__hello_refused__init(&f->refused);
		f->refused.node = fx_s(f, "web-1");
		f->refused.instance_id = fx_s(f, "0f1e2d3c4b5a6978");
		f->refused.controller_id = fx_s(f, "ctr-7f3a");
		f->refused.reason =
		    FLEETVISOR__V1__HELLO_REFUSED__REASON__REASON_BAD_PROOF;
		f->refused.message = fx_s(f, "proof does not match");
		e->hello_refused = &f->refused;
		e->session.len = 0;
		break;
	case FLEETVISOR__V1__ENVELOPE__BODY_HEARTBEAT:
		fleetvisor__v1__heartbeat__init(&f->hb);
		fleetvisor__v1__process_summary__init(&f->summary);
		f->hb.node = fx_s(f, "web-1");
		f->hb.instance_id = fx_s(f, "0f1e2d3c4b5a6978");
		f->hb.sequence = 12;
		f->hb.state = FLEETVISOR__V1__AGENT_STATE__AGENT_RUNNING;
		f->hb.uptime_ms = 60000;
		f->hb.interval_ms = 2000;
		f->summary.running = 1;
		f->summary.stopped = 1;
		f->hb.summary = &f->summary;
		f->hb.processes_included = 1;
		fx_process(f, 0, "web_0", 20, "RUNNING", 42);
		fx_process(f, 1, "web_1", 0, "STOPPED", 0);
		f->hb.processes = f->pis;
		f->hb.n_processes = 2;
		f->hb.last_event_serial = 99;
		f->hb.sent_us = 1700000060000000;
		e->heartbeat = &f->hb;
		e->request_id = 0;
		break;
	case FLEETVISOR__V1__ENVELOPE__BODY_COMMAND:
		fleetvisor__v1__command__init(&f->cmd);
		fleetvisor__v1__selector__init(&f->sel);
		f->words[0] = fx_s(f, "web-*");
		f->sel.names = f->words;
		f->sel.n_names = 1;
		fx_kv(f, 0, "role", "web");
		f->sel.labels = f->kvs;
		f->sel.n_labels = 1;
		f->cmd.selector = &f->sel;
		f->cmd.action = FLEETVISOR__V1__COMMAND__ACTION__ACTION_RESTART;
		f->words[1] = fx_s(f, "web:*");
		f->words[2] = fx_s(f, "db");
		f->cmd.args = &f->words[1];
		f->cmd.n_args = 2;
		f->cmd.wait = 1;
		e->command = &f->cmd;
		e->deadline_ms = 30000;
		e->session.len = 0;
		break;
	case FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_RESULT:
		fx_result(f);
		e->command_result = &f->res;
		break;
	case FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_REPLY:
		fleetvisor__v1__command_reply__init(&f->reply);
		fx_result(f);
		f->reply.results = f->ress;
		f->reply.n_results = 1;
		f->reply.hosts_expected = 2;
		f->reply.more = 1;
		e->command_reply = &f->reply;
		e->session.len = 0;
		break;
	case FLEETVISOR__V1__ENVELOPE__BODY_PAGE_REQUEST:
		fleetvisor__v1__page_request__init(&f->page);
		f->page.request_id = 7;
		f->page.page = 1;
		e->page_request = &f->page;
		e->request_id = 8;
		e->session.len = 0;
		break;
	case FLEETVISOR__V1__ENVELOPE__BODY_EVENT:
		fleetvisor__v1__event__init(&f->ev);
		f->ev.host = fx_s(f, "web-1");
		f->ev.serial = 99;
		f->ev.timestamp_us = 1700000060000000;
		f->ev.type = fx_s(f, "PROCESS_STATE_RUNNING");
		f->ev.server = fx_s(f, "supervisor");
		fx_kv(f, 0, "processname", "web_0");
		fx_kv(f, 1, "groupname", "web");
		fx_kv(f, 2, "from_state", "STARTING");
		fx_kv(f, 3, "pid", "42");
		f->ev.headers = f->kvs;
		f->ev.n_headers = 4;
		memcpy(f->payload,
		    "processname:web_0 groupname:web from_state:STARTING "
		    "pid:42",
		    58);
		f->ev.payload.data = f->payload;
		f->ev.payload.len = 58;
		e->event = &f->ev;
		e->request_id = 0;
		break;
	case FLEETVISOR__V1__ENVELOPE__BODY_CONTROLLER_EVENT:
		fleetvisor__v1__controller_event__init(&f->cev);
		f->cev.kind =
		    FLEETVISOR__V1__CONTROLLER_EVENT__KIND__KIND_AGENT_LOST;
		f->cev.node = fx_s(f, "web-1");
		f->cev.instance_id = fx_s(f, "0f1e2d3c4b5a6978");
		f->cev.reason = fx_s(f, "no heartbeat for 6.0 s");
		f->cev.timestamp_us = 1700000066000000;
		f->cev.address = fx_s(f, "tcp://10.0.0.5:41234");
		e->controller_event = &f->cev;
		e->request_id = 0;
		e->session.len = 0;
		break;
	case FLEETVISOR__V1__ENVELOPE__BODY_SUBSCRIBE:
		fleetvisor__v1__subscribe__init(&f->sub);
		f->words[0] = fx_s(f, "web-*");
		f->words[1] = fx_s(f, "PROCESS_STATE");
		f->words[2] = fx_s(f, "web:*");
		f->sub.hosts = &f->words[0];
		f->sub.n_hosts = 1;
		f->sub.types = &f->words[1];
		f->sub.n_types = 1;
		f->sub.processes = &f->words[2];
		f->sub.n_processes = 1;
		f->sub.controller_events = 1;
		e->subscribe = &f->sub;
		e->session.len = 0;
		break;
	case FLEETVISOR__V1__ENVELOPE__BODY_HOSTS_REQUEST:
		fleetvisor__v1__hosts_request__init(&f->hreq);
		fleetvisor__v1__selector__init(&f->sel);
		f->sel.all = 1;
		f->hreq.selector = &f->sel;
		e->hosts_request = &f->hreq;
		e->session.len = 0;
		break;
	case FLEETVISOR__V1__ENVELOPE__BODY_HOSTS_REPLY:
		fleetvisor__v1__hosts_reply__init(&f->hrep);
		fleetvisor__v1__host_row__init(&f->row);
		fleetvisor__v1__process_summary__init(&f->summary);
		f->row.node = fx_s(f, "web-1");
		f->row.state = FLEETVISOR__V1__HOST_ROW__STATE__STATE_CONNECTED;
		fx_kv(f, 0, "role", "web");
		f->row.labels = f->kvs;
		f->row.n_labels = 1;
		f->summary.running = 3;
		f->row.summary = &f->summary;
		f->row.agent_version = fx_s(f, "0.1.0");
		f->row.identification = fx_s(f, "supervisor");
		f->row.instance_id = fx_s(f, "0f1e2d3c4b5a6978");
		f->row.last_seen_us = 1700000060000000;
		f->row.connected_since_us = 1700000000000000;
		f->row.last_event_serial = 99;
		f->row.address = fx_s(f, "tcp://10.0.0.5:41234");
		f->row.agent_state = FLEETVISOR__V1__AGENT_STATE__AGENT_RUNNING;
		f->rows[0] = &f->row;
		f->hrep.hosts = f->rows;
		f->hrep.n_hosts = 1;
		e->hosts_reply = &f->hrep;
		e->session.len = 0;
		break;
	case FLEETVISOR__V1__ENVELOPE__BODY_ERROR:
		fleetvisor__v1__error__init(&f->err);
		f->err.code = FLEETVISOR__V1__ERROR__CODE__CODE_BUSY;
		f->err.message = fx_s(f, "too many requests in flight");
		f->err.version = FV_PROTO_VERSION;
		e->error = &f->err;
		e->session.len = 0;
		break;
	default:
		e->body_case = FLEETVISOR__V1__ENVELOPE__BODY__NOT_SET;
		break;
	}
}

/* fx_build resets f and makes it a valid envelope with a body of type bc:
 * version 1, request id 7, an agent's session (cleared for bodies that
 * agents do not send). */
static inline void
fx_build(struct fx *f, Fleetvisor__V1__Envelope__BodyCase bc)
{
	memset(f, 0, sizeof(*f));
	fleetvisor__v1__envelope__init(&f->env);
	for (size_t i = 0; i < sizeof(f->session); i++) {
		f->session[i] = (uint8_t)(0xa0 + i);
	}
	for (size_t i = 0; i < sizeof(f->nonce); i++) {
		f->nonce[i] = (uint8_t)i;
		f->proof[i] = (uint8_t)(0x55 ^ i);
	}
	f->payload[0] = 0xff;
	f->payload[1] = 0xfe;
	f->payload[2] = 0x00;
	f->env.version = FV_PROTO_VERSION;
	f->env.request_id = 7;
	f->env.session.data = f->session;
	f->env.session.len = sizeof(f->session);
	fx_body(f, bc);
}

#endif
