/*
 * The fleet codec: every body type survives a round trip byte for byte,
 * every rule refuses what it should with the message it should, both in
 * memory (fv_pb_envelope_check, for senders) and on the wire (decoding),
 * and hostile bytes (truncated, garbage, oversized, huge repeated fields,
 * floods of fields) are refused before protobuf-c allocates for them.
 *
 * With FV_FLEET_CORPUS=<dir> in the environment the round-trip test also
 * writes each valid envelope to <dir>/<body>.bin: that is how the seed
 * corpus of tests/fuzz/corpus/fleet_decode was made.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/err.h"
#include "fleet_fx.h"
#include "proto/fleet_check.h"
#include "proto/fleet_codec.h"
#include "proto/fleet_wire.h"

static const char *
body_name(Fleetvisor__V1__Envelope__BodyCase bc)
{
	const ProtobufCFieldDescriptor *fd =
	    protobuf_c_message_descriptor_get_field(
	        &fleetvisor__v1__envelope__descriptor, bc);

	return fd != NULL ? fd->name : "none";
}

/* encode packs env into b (reset first). */
static void
encode(const Fleetvisor__V1__Envelope *env, struct fv_buf *b)
{
	fv_buf_reset(b);
	assert_int_equal(fv_pb_envelope_encode(env, b), 0);
}

static int
decode(
    const struct fv_buf *b, Fleetvisor__V1__Envelope **out, struct fv_diag *d)
{
	memset(d, 0, sizeof(*d));
	return fv_pb_envelope_decode_diag(
	    (const uint8_t *)b->data, b->len, out, d);
}

static void
write_corpus(const char *dir, const char *name, const struct fv_buf *b)
{
	char *path = fv_xasprintf("%s/%s.bin", dir, name);
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(b->data, 1, b->len, fp), b->len);
	assert_int_equal(fclose(fp), 0);
	free(path);
}

static void
test_roundtrip_every_body(void **state)
{
	const char *corpus = getenv("FV_FLEET_CORPUS");
	Fleetvisor__V1__Envelope *got;
	struct fv_buf b, again;
	struct fv_diag d;
	struct fx f;

	(void)state;
	fv_buf_init(&b, FV_PROTO_MAXMSG);
	fv_buf_init(&again, FV_PROTO_MAXMSG);
	for (size_t i = 0; i < nitems(fx_bodies); i++) {
		fx_build(&f, fx_bodies[i]);
		memset(&d, 0, sizeof(d));
		if (fv_pb_envelope_check(&f.env, &d) != 0) {
			fail_msg("%s: %s", body_name(fx_bodies[i]), d.msg);
		}
		encode(&f.env, &b);
		if (decode(&b, &got, &d) != 0) {
			fail_msg("%s: %s", body_name(fx_bodies[i]), d.msg);
		}
		assert_int_equal(got->body_case, fx_bodies[i]);
		assert_int_equal(got->request_id, f.env.request_id);
		assert_int_equal(got->session.len, f.env.session.len);
		/* Lossless: the decoded message packs to the same bytes. */
		encode(got, &again);
		assert_int_equal(again.len, b.len);
		assert_memory_equal(again.data, b.data, b.len);
		if (corpus != NULL) {
			write_corpus(corpus, body_name(fx_bodies[i]), &b);
		}
		fleetvisor__v1__envelope__free_unpacked(got, NULL);
		fx_fini(&f);
	}
	fv_buf_fini(&b);
	fv_buf_fini(&again);
}

/* A few fields read back, per kind of field (string, map, enum, bytes,
 * nested, repeated nested). */
static void
test_roundtrip_fields(void **state)
{
	Fleetvisor__V1__Envelope *got;
	struct fv_diag d;
	struct fv_buf b;
	struct fx f;

	(void)state;
	fv_buf_init(&b, FV_PROTO_MAXMSG);
	fx_build(&f, FLEETVISOR__V1__ENVELOPE__BODY_HELLO);
	encode(&f.env, &b);
	assert_int_equal(decode(&b, &got, &d), 0);
	assert_string_equal(got->hello->node, "web-1");
	assert_int_equal(got->hello->n_labels, 2);
	assert_string_equal(got->hello->labels[1]->key, "dc");
	assert_string_equal(got->hello->labels[1]->value, "paris 2");
	assert_int_equal(got->hello->proof_alg,
	    FLEETVISOR__V1__PROOF_ALG__PROOF_HMAC_SHA256);
	assert_memory_equal(got->hello->proof.data, f.proof, 32);
	fleetvisor__v1__envelope__free_unpacked(got, NULL);
	fx_fini(&f);

	fx_build(&f, FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_REPLY);
	encode(&f.env, &b);
	assert_int_equal(decode(&b, &got, &d), 0);
	assert_int_equal(got->command_reply->n_results, 1);
	assert_int_equal(got->command_reply->results[0]->n_processes, 2);
	assert_int_equal(got->command_reply->results[0]->processes[0]->pid, 42);
	assert_string_equal(
	    got->command_reply->results[0]->processes[1]->statename, "STOPPED");
	assert_int_equal(got->command_reply->results[0]->tail->data.len, 3);
	assert_int_equal(
	    got->command_reply->results[0]->tail->data.data[0], 0xff);
	assert_true(got->command_reply->more);
	fleetvisor__v1__envelope__free_unpacked(got, NULL);
	fx_fini(&f);

	fx_build(&f, FLEETVISOR__V1__ENVELOPE__BODY_EVENT);
	encode(&f.env, &b);
	assert_int_equal(decode(&b, &got, &d), 0);
	assert_string_equal(got->event->type, "PROCESS_STATE_RUNNING");
	assert_int_equal(got->event->payload.len, 58);
	assert_memory_equal(got->event->payload.data, "processname:web_0", 17);
	assert_string_equal(got->event->headers[3]->value, "42");
	fleetvisor__v1__envelope__free_unpacked(got, NULL);
	fx_fini(&f);
	fv_buf_fini(&b);
}

/* Every body of the schema has a fixture here, so a new body type cannot
 * go without a round trip. */
static void
test_fixtures_cover_every_body(void **state)
{
	const ProtobufCMessageDescriptor *e =
	    &fleetvisor__v1__envelope__descriptor;
	size_t bodies = 0;

	(void)state;
	for (unsigned i = 0; i < e->n_fields; i++) {
		bool found = false;

		if (!(e->fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF)) {
			continue;
		}
		bodies++;
		for (size_t k = 0; k < nitems(fx_bodies); k++) {
			found =
			    found || (uint32_t)fx_bodies[k] == e->fields[i].id;
		}
		if (!found) {
			fail_msg("no fixture for body %s", e->fields[i].name);
		}
	}
	assert_int_equal(bodies, nitems(fx_bodies));
}

/* schema_walk checks the schema-wide tables for desc and below; returns
 * the nesting depth below desc. */
static unsigned
schema_walk(const ProtobufCMessageDescriptor *desc)
{
	unsigned depth = 0, sub;

	assert_true(desc->n_fields <= FV_PB_WIRE_FIELDS);
	for (unsigned i = 0; i < desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *fd = &desc->fields[i];

		if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
			if (fv_pb_repeat_limit(desc, fd) == 0) {
				fail_msg("%s.%s: no repeat limit", desc->name,
				    fd->name);
			}
			/* Packed scalars would escape the per-item count. */
			if (fd->type != PROTOBUF_C_TYPE_MESSAGE &&
			    fd->type != PROTOBUF_C_TYPE_STRING &&
			    fd->type != PROTOBUF_C_TYPE_BYTES) {
				fail_msg("%s.%s: repeated scalar", desc->name,
				    fd->name);
			}
		}
		if (fd->type == PROTOBUF_C_TYPE_MESSAGE) {
			sub = 1 + schema_walk(fd->descriptor);
			depth = sub > depth ? sub : depth;
		}
	}
	return depth;
}

static void
test_schema_tables(void **state)
{
	unsigned depth = schema_walk(&fleetvisor__v1__envelope__descriptor);

	(void)state;
	assert_int_equal(depth, 3);
	assert_true(depth <= FV_PROTO_DEPTH_MAX);
}

/*
 * The rules, one refusal each. A case changes one thing in a valid
 * fixture; the refusal must come with the same code and message from
 * fv_pb_envelope_check and from decoding the encoded bytes.
 */
struct rule_case {
	const char *what;
	Fleetvisor__V1__Envelope__BodyCase body;
	void (*mutate)(struct fx *f);
	int rv;
	const char *msg;
};

static void
m_node_slash(struct fx *f)
{
	f->hello.node = fx_s(f, "web/1");
}

static void
m_node_empty(struct fx *f)
{
	f->hello.node = fx_s(f, "");
}

static void
m_node_long(struct fx *f)
{
	f->hello.node = fx_rep(f, 'a', FV_PROTO_NODE_MAX + 1);
}

static void
m_node_max(struct fx *f)
{
	/* The longest name is fine; the next case breaks another rule. */
	f->hello.node = fx_rep(f, 'a', FV_PROTO_NODE_MAX);
	f->hello.instance_id = fx_s(f, "");
}

static void
m_agent_version_ctl(struct fx *f)
{
	f->hello.agent_version = fx_s(f, "1.0\n");
}

static void
m_label_key_space(struct fx *f)
{
	f->kv[0].key = fx_s(f, "a b");
}

static void
m_label_key_long(struct fx *f)
{
	f->kv[0].key = fx_rep(f, 'k', FV_PROTO_LABEL_KEY_MAX + 1);
}

static void
m_label_value_comma(struct fx *f)
{
	f->kv[1].value = fx_s(f, "a,b");
}

static void
m_label_value_long(struct fx *f)
{
	f->kv[1].value = fx_rep(f, 'v', FV_PROTO_LABEL_VALUE_MAX + 1);
}

static void
m_label_dup(struct fx *f)
{
	f->kv[1].key = fx_s(f, "role");
}

static void
m_nonce_short(struct fx *f)
{
	f->hello.nonce.len = 8;
}

static void
m_proof_short(struct fx *f)
{
	f->hello.proof.len = 31;
}

static void
m_proof_without_alg(struct fx *f)
{
	f->hello.proof_alg = FLEETVISOR__V1__PROOF_ALG__PROOF_NONE;
}

static void
m_text_long(struct fx *f)
{
	f->hello.identification = fx_rep(f, 'x', FV_PROTO_TEXT_MAX + 1);
}

static void
m_text_utf8(struct fx *f)
{
	f->hello.identification = fx_s(f, "ok\xc3(");
}

static void
m_no_session(struct fx *f)
{
	f->env.session.len = 0;
}

static void
m_session_short(struct fx *f)
{
	f->env.session.len = 5;
}

static void
m_challenge_nonce(struct fx *f)
{
	f->challenge.nonce.len = FV_PROTO_NONCE_MAX + 1;
	f->challenge.nonce.data = f->payload;
}

static void
m_challenge_ctr(struct fx *f)
{
	f->challenge.controller_id = fx_s(f, "ctr:1");
}

static void
m_ack_heartbeat(struct fx *f)
{
	f->ack.heartbeat_ms = 0;
}

static void
m_ack_lost(struct fx *f)
{
	f->ack.lost_after_ms = 2000;
}

static void
m_refused_reason(struct fx *f)
{
	f->refused.reason =
	    FLEETVISOR__V1__HELLO_REFUSED__REASON__REASON_UNSPECIFIED;
}

static void
m_hb_state(struct fx *f)
{
	f->hb.state = FLEETVISOR__V1__AGENT_STATE__AGENT_STATE_UNSPECIFIED;
}

static void
m_hb_interval(struct fx *f)
{
	f->hb.interval_ms = 0;
}

static void
m_hb_not_included(struct fx *f)
{
	f->hb.processes_included = 0;
}

static void
m_hb_statename(struct fx *f)
{
	f->pi[1].statename = fx_s(f, "RUNNING");
}

static void
m_hb_state_code(struct fx *f)
{
	f->pi[0].state = 5;
}

static void
m_hb_name(struct fx *f)
{
	f->pi[0].name = fx_s(f, "");
}

static void
m_hb_pid(struct fx *f)
{
	f->pi[0].pid = -1;
}

static void
m_cmd_no_selector(struct fx *f)
{
	f->cmd.selector = NULL;
}

static void
m_cmd_empty_selector(struct fx *f)
{
	f->sel.n_names = 0;
	f->sel.n_labels = 0;
}

static void
m_cmd_all_and_names(struct fx *f)
{
	f->sel.all = 1;
}

static void
m_cmd_glob(struct fx *f)
{
	f->words[0] = fx_s(f, "web *");
}

static void
m_cmd_action(struct fx *f)
{
	f->cmd.action = FLEETVISOR__V1__COMMAND__ACTION__ACTION_UNSPECIFIED;
}

static void
m_cmd_action_unknown(struct fx *f)
{
	f->cmd.action = 99;
}

static void
m_cmd_no_id(struct fx *f)
{
	f->env.request_id = 0;
}

static void
m_cmd_deadline(struct fx *f)
{
	f->env.deadline_ms = FV_PROTO_DEADLINE_MAX_MS + 1;
}

static void
m_res_host(struct fx *f)
{
	f->res.host = fx_s(f, "web 1");
}

static void
m_res_outcome(struct fx *f)
{
	f->res.outcome =
	    FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_UNSPECIFIED;
}

static void
m_res_exit(struct fx *f)
{
	f->res.exit_code = 256;
}

static void
m_res_fault(struct fx *f)
{
	f->res.outcome = FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_FAULT;
}

static void
m_res_item(struct fx *f)
{
	f->item.name = fx_s(f, "");
}

static void
m_page_id(struct fx *f)
{
	f->page.request_id = 0;
}

static void
m_ev_type(struct fx *f)
{
	f->ev.type = fx_s(f, "process_state");
}

static void
m_ev_server(struct fx *f)
{
	f->ev.server = fx_s(f, "my server");
}

static void
m_ev_pool_serial(struct fx *f)
{
	f->ev.pool_serial = 3;
}

static void
m_ev_header_key(struct fx *f)
{
	f->kv[2].key = fx_s(f, "from-state");
}

static void
m_ev_header_dup(struct fx *f)
{
	f->kv[3].key = fx_s(f, "processname");
}

static void
m_ev_payload(struct fx *f)
{
	uint8_t *big = fv_xcalloc(1, FV_PROTO_PAYLOAD_MAX + 1);

	/* Freed by fx_fini, through the string list. */
	fv_strv_push_take(&f->strs, (char *)big);
	f->ev.payload.data = big;
	f->ev.payload.len = FV_PROTO_PAYLOAD_MAX + 1;
}

static void
m_cev_kind(struct fx *f)
{
	f->cev.kind = FLEETVISOR__V1__CONTROLLER_EVENT__KIND__KIND_UNSPECIFIED;
}

static void
m_cev_node(struct fx *f)
{
	f->cev.node = fx_s(f, "");
}

static void
m_sub_host(struct fx *f)
{
	f->words[0] = fx_s(f, "web:1");
}

static void
m_sub_type(struct fx *f)
{
	f->words[1] = fx_s(f, "Process_State");
}

static void
m_sub_process(struct fx *f)
{
	f->words[2] = fx_s(f, "");
}

static void
m_hreq_selector(struct fx *f)
{
	f->sel.all = 0;
}

static void
m_hrep_state(struct fx *f)
{
	f->row.state = FLEETVISOR__V1__HOST_ROW__STATE__STATE_UNSPECIFIED;
}

static void
m_hrep_label(struct fx *f)
{
	f->kv[0].key = fx_s(f, "");
}

static void
m_err_code(struct fx *f)
{
	f->err.code = FLEETVISOR__V1__ERROR__CODE__CODE_UNSPECIFIED;
}

static void
m_no_body(struct fx *f)
{
	f->env.body_case = FLEETVISOR__V1__ENVELOPE__BODY__NOT_SET;
}

#define B_HELLO     FLEETVISOR__V1__ENVELOPE__BODY_HELLO
#define B_CHALLENGE FLEETVISOR__V1__ENVELOPE__BODY_CHALLENGE
#define B_ACK       FLEETVISOR__V1__ENVELOPE__BODY_HELLO_ACK
#define B_REFUSED   FLEETVISOR__V1__ENVELOPE__BODY_HELLO_REFUSED
#define B_HEARTBEAT FLEETVISOR__V1__ENVELOPE__BODY_HEARTBEAT
#define B_COMMAND   FLEETVISOR__V1__ENVELOPE__BODY_COMMAND
#define B_RESULT    FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_RESULT
#define B_REPLY     FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_REPLY
#define B_PAGE      FLEETVISOR__V1__ENVELOPE__BODY_PAGE_REQUEST
#define B_EVENT     FLEETVISOR__V1__ENVELOPE__BODY_EVENT
#define B_CEVENT    FLEETVISOR__V1__ENVELOPE__BODY_CONTROLLER_EVENT
#define B_SUBSCRIBE FLEETVISOR__V1__ENVELOPE__BODY_SUBSCRIBE
#define B_HREQ      FLEETVISOR__V1__ENVELOPE__BODY_HOSTS_REQUEST
#define B_HREP      FLEETVISOR__V1__ENVELOPE__BODY_HOSTS_REPLY
#define B_ERROR     FLEETVISOR__V1__ENVELOPE__BODY_ERROR

static const struct rule_case rule_cases[] = {
	{ "node slash", B_HELLO, m_node_slash, FV_EPROTO,
	    "hello.node: invalid character '/' at 3" },
	{ "node empty", B_HELLO, m_node_empty, FV_EPROTO, "hello.node: empty" },
	{ "node long", B_HELLO, m_node_long, FV_ETOOBIG,
	    "hello.node: 256 bytes, at most 255" },
	{ "node max", B_HELLO, m_node_max, FV_EPROTO,
	    "hello.instance_id: empty" },
	{ "agent_version", B_HELLO, m_agent_version_ctl, FV_EPROTO,
	    "hello.agent_version: invalid character '\\x0a' at 3" },
	{ "label key", B_HELLO, m_label_key_space, FV_EPROTO,
	    "hello.labels[0].key: invalid character '\\x20' at 1" },
	{ "label key long", B_HELLO, m_label_key_long, FV_ETOOBIG,
	    "hello.labels[0].key: 64 bytes, at most 63" },
	{ "label value", B_HELLO, m_label_value_comma, FV_EPROTO,
	    "hello.labels[1].value: invalid character ',' at 1" },
	{ "label value long", B_HELLO, m_label_value_long, FV_ETOOBIG,
	    "hello.labels[1].value: 256 bytes, at most 255" },
	{ "label dup", B_HELLO, m_label_dup, FV_EPROTO,
	    "hello.labels[1].key: duplicate 'role'" },
	{ "nonce", B_HELLO, m_nonce_short, FV_EPROTO,
	    "hello.nonce: 8 bytes, expected 16..64" },
	{ "proof", B_HELLO, m_proof_short, FV_EPROTO,
	    "hello.proof: 31 bytes, expected 32" },
	{ "proof alg", B_HELLO, m_proof_without_alg, FV_EPROTO,
	    "hello.proof: nonce or proof without proof_alg" },
	{ "text long", B_HELLO, m_text_long, FV_ETOOBIG,
	    "hello.identification: 4097 bytes, at most 4096" },
	{ "text utf8", B_HELLO, m_text_utf8, FV_EPROTO,
	    "hello.identification: invalid UTF-8 at byte 2" },
	{ "hello session", B_HELLO, m_no_session, FV_EPROTO,
	    "envelope.session: missing for a hello" },
	{ "session short", B_HEARTBEAT, m_session_short, FV_EPROTO,
	    "envelope.session: 5 bytes, expected 16..64" },
	{ "challenge nonce", B_CHALLENGE, m_challenge_nonce, FV_ETOOBIG,
	    "challenge.nonce: 65 bytes, expected 16..64" },
	{ "challenge id", B_CHALLENGE, m_challenge_ctr, FV_EPROTO,
	    "challenge.controller_id: invalid character ':' at 3" },
	{ "ack heartbeat", B_ACK, m_ack_heartbeat, FV_EPROTO,
	    "hello_ack.heartbeat_ms: 0" },
	{ "ack lost", B_ACK, m_ack_lost, FV_EPROTO,
	    "hello_ack.lost_after_ms: 2000, not more than heartbeat_ms 2000" },
	{ "refused reason", B_REFUSED, m_refused_reason, FV_EPROTO,
	    "hello_refused.reason: missing" },
	{ "hb state", B_HEARTBEAT, m_hb_state, FV_EPROTO,
	    "heartbeat.state: missing" },
	{ "hb interval", B_HEARTBEAT, m_hb_interval, FV_EPROTO,
	    "heartbeat.interval_ms: 0" },
	{ "hb included", B_HEARTBEAT, m_hb_not_included, FV_EPROTO,
	    "heartbeat.processes: 2 rows but processes_included is false" },
	{ "hb statename", B_HEARTBEAT, m_hb_statename, FV_EPROTO,
	    "heartbeat.processes[1].statename: not STOPPED, the name of state "
	    "0" },
	{ "hb state code", B_HEARTBEAT, m_hb_state_code, FV_EPROTO,
	    "heartbeat.processes[0].state: unknown state 5" },
	{ "hb name", B_HEARTBEAT, m_hb_name, FV_EPROTO,
	    "heartbeat.processes[0].name: empty" },
	{ "hb pid", B_HEARTBEAT, m_hb_pid, FV_EPROTO,
	    "heartbeat.processes[0].pid: negative" },
	{ "hb no session", B_HEARTBEAT, m_no_session, FV_EPROTO,
	    "envelope.session: missing for a heartbeat" },
	{ "cmd selector", B_COMMAND, m_cmd_no_selector, FV_EPROTO,
	    "command.selector: missing" },
	{ "cmd empty", B_COMMAND, m_cmd_empty_selector, FV_EPROTO,
	    "command.selector: empty (set all, names or labels)" },
	{ "cmd all", B_COMMAND, m_cmd_all_and_names, FV_EPROTO,
	    "command.selector: 'all' together with names or labels" },
	{ "cmd glob", B_COMMAND, m_cmd_glob, FV_EPROTO,
	    "command.selector.names[0]: invalid character '\\x20' at 3" },
	{ "cmd action", B_COMMAND, m_cmd_action, FV_EPROTO,
	    "command.action: missing" },
	{ "cmd action unknown", B_COMMAND, m_cmd_action_unknown, FV_EPROTO,
	    "command.action: unknown value 99" },
	{ "cmd id", B_COMMAND, m_cmd_no_id, FV_EPROTO,
	    "envelope.request_id: 0 for a command (requests and replies need "
	    "an id)" },
	{ "cmd deadline", B_COMMAND, m_cmd_deadline, FV_EPROTO,
	    "envelope.deadline_ms: 86400001, at most 86400000" },
	{ "res host", B_RESULT, m_res_host, FV_EPROTO,
	    "command_result.host: invalid character '\\x20' at 3" },
	{ "res outcome", B_RESULT, m_res_outcome, FV_EPROTO,
	    "command_result.outcome: missing" },
	{ "res exit", B_RESULT, m_res_exit, FV_EPROTO,
	    "command_result.exit_code: 256, not 0..255" },
	{ "res fault", B_RESULT, m_res_fault, FV_EPROTO,
	    "command_result.fault_code: missing for a fault" },
	{ "res item", B_RESULT, m_res_item, FV_EPROTO,
	    "command_result.items[0].name: empty" },
	{ "res session", B_RESULT, m_no_session, FV_EPROTO,
	    "envelope.session: missing for a command_result" },
	{ "reply host", B_REPLY, m_res_host, FV_EPROTO,
	    "command_reply.results[0].host: invalid character '\\x20' at 3" },
	{ "reply state", B_REPLY, m_hb_state_code, FV_EPROTO,
	    "command_reply.results[0].processes[0].state: unknown state 5" },
	{ "page id", B_PAGE, m_page_id, FV_EPROTO,
	    "page_request.request_id: 0" },
	{ "event type", B_EVENT, m_ev_type, FV_EPROTO,
	    "event.type: invalid character 'p' at 0" },
	{ "event server", B_EVENT, m_ev_server, FV_EPROTO,
	    "event.server: invalid character '\\x20' at 2" },
	{ "event pool", B_EVENT, m_ev_pool_serial, FV_EPROTO,
	    "event.pool_serial: 3 without a pool" },
	{ "event header", B_EVENT, m_ev_header_key, FV_EPROTO,
	    "event.headers[2].key: invalid character '-' at 4" },
	{ "event header dup", B_EVENT, m_ev_header_dup, FV_EPROTO,
	    "event.headers[3].key: duplicate 'processname'" },
	{ "event payload", B_EVENT, m_ev_payload, FV_ETOOBIG,
	    "event.payload: 1048577 bytes, at most 1048576" },
	{ "cevent kind", B_CEVENT, m_cev_kind, FV_EPROTO,
	    "controller_event.kind: missing" },
	{ "cevent node", B_CEVENT, m_cev_node, FV_EPROTO,
	    "controller_event.node: empty" },
	{ "sub host", B_SUBSCRIBE, m_sub_host, FV_EPROTO,
	    "subscribe.hosts[0]: invalid character ':' at 3" },
	{ "sub type", B_SUBSCRIBE, m_sub_type, FV_EPROTO,
	    "subscribe.types[0]: invalid character 'r' at 1" },
	{ "sub process", B_SUBSCRIBE, m_sub_process, FV_EPROTO,
	    "subscribe.processes[0]: empty" },
	{ "hreq selector", B_HREQ, m_hreq_selector, FV_EPROTO,
	    "hosts_request.selector: empty (set all, names or labels)" },
	{ "hrep state", B_HREP, m_hrep_state, FV_EPROTO,
	    "hosts_reply.hosts[0].state: missing" },
	{ "hrep label", B_HREP, m_hrep_label, FV_EPROTO,
	    "hosts_reply.hosts[0].labels[0].key: empty" },
	{ "error code", B_ERROR, m_err_code, FV_EPROTO, "error.code: missing" },
	{ "no body", B_ERROR, m_no_body, FV_EPROTO,
	    "envelope: no body (none, or a type this build does not know)" },
};

static void
test_rules(void **state)
{
	Fleetvisor__V1__Envelope *got;
	struct fv_diag d;
	struct fv_buf b;
	struct fx f;
	int rv;

	(void)state;
	fv_buf_init(&b, FV_PROTO_MAXMSG);
	for (size_t i = 0; i < nitems(rule_cases); i++) {
		const struct rule_case *c = &rule_cases[i];

		fx_build(&f, c->body);
		c->mutate(&f);
		memset(&d, 0, sizeof(d));
		rv = fv_pb_envelope_check(&f.env, &d);
		if (rv != c->rv || strcmp(d.msg, c->msg) != 0) {
			fail_msg("%s: check gave %d \"%s\", want %d \"%s\"",
			    c->what, rv, d.msg, c->rv, c->msg);
		}
		encode(&f.env, &b);
		got = (void *)&f; /* must come back NULL */
		rv = decode(&b, &got, &d);
		if (rv != c->rv || strcmp(d.msg, c->msg) != 0) {
			fail_msg("%s: decode gave %d \"%s\", want %d \"%s\"",
			    c->what, rv, d.msg, c->rv, c->msg);
		}
		assert_null(got);
		fx_fini(&f);
	}
	fv_buf_fini(&b);
}

/* What the rules allow at their edges. */
static void
test_rules_accept_edges(void **state)
{
	Fleetvisor__V1__Envelope *got;
	struct fv_diag d;
	struct fv_buf b;
	struct fx f;

	(void)state;
	fv_buf_init(&b, FV_PROTO_MAXMSG);
	/* A refused Hello may have had no usable name. */
	fx_build(&f, B_CEVENT);
	f.cev.kind = FLEETVISOR__V1__CONTROLLER_EVENT__KIND__KIND_AGENT_REFUSED;
	f.cev.node = fx_s(&f, "");
	encode(&f.env, &b);
	assert_int_equal(decode(&b, &got, &d), 0);
	fleetvisor__v1__envelope__free_unpacked(got, NULL);
	fx_fini(&f);
	/* Longest names, empty label value, no proof, UTF-8 text. */
	fx_build(&f, B_HELLO);
	f.hello.node = fx_rep(&f, 'n', FV_PROTO_NODE_MAX);
	f.kv[0].key = fx_rep(&f, 'k', FV_PROTO_LABEL_KEY_MAX);
	f.kv[1].value = fx_s(&f, "");
	f.hello.proof_alg = FLEETVISOR__V1__PROOF_ALG__PROOF_NONE;
	f.hello.nonce.len = 0;
	f.hello.proof.len = 0;
	f.hello.identification = fx_s(&f, "Zürich \xe2\x9c\x93");
	encode(&f.env, &b);
	if (decode(&b, &got, &d) != 0) {
		fail_msg("%s", d.msg);
	}
	assert_string_equal(got->hello->identification, "Zürich \xe2\x9c\x93");
	fleetvisor__v1__envelope__free_unpacked(got, NULL);
	fx_fini(&f);
	/* A heartbeat that does not include the list. */
	fx_build(&f, B_HEARTBEAT);
	f.hb.processes_included = 0;
	f.hb.n_processes = 0;
	encode(&f.env, &b);
	assert_int_equal(decode(&b, &got, &d), 0);
	fleetvisor__v1__envelope__free_unpacked(got, NULL);
	fx_fini(&f);
	fv_buf_fini(&b);
}

static void
test_version(void **state)
{
	Fleetvisor__V1__Envelope *got;
	uint64_t request_id;
	uint32_t version;
	struct fv_diag d;
	struct fv_buf b;
	struct fx f;

	(void)state;
	fv_buf_init(&b, FV_PROTO_MAXMSG);
	fx_build(&f, B_COMMAND);
	f.env.version = 2;
	assert_int_equal(fv_pb_envelope_check(&f.env, &d), FV_EPROTO);
	assert_string_equal(d.msg, "envelope.version: 2, this build speaks 1");
	encode(&f.env, &b);
	assert_int_equal(decode(&b, &got, &d), FV_EPROTO);
	assert_null(got);
	assert_string_equal(d.msg, "envelope.version: 2, this build speaks 1");
	/* Enough is read to answer with an Error naming the request. */
	assert_int_equal(fv_pb_envelope_peek((const uint8_t *)b.data, b.len,
	                     &version, &request_id),
	    0);
	assert_int_equal(version, 2);
	assert_int_equal(request_id, 7);
	/* The 3-argument decode keeps its contract. */
	assert_int_equal(
	    fv_pb_envelope_decode((const uint8_t *)b.data, b.len, &got),
	    FV_EPROTO);
	assert_null(got);
	/* No version at all. */
	f.env.version = 0;
	encode(&f.env, &b);
	assert_int_equal(decode(&b, &got, &d), FV_EPROTO);
	assert_string_equal(d.msg, "envelope.version: 0, this build speaks 1");
	/* Another version's layout is not scanned: the version is the news. */
	assert_int_equal(
	    fv_pb_envelope_decode_diag(
	        (const uint8_t *)"\x08\x02\x52\x03\x0a\x01\xff", 7, &got, &d),
	    FV_EPROTO);
	assert_string_equal(d.msg, "envelope.version: 2, this build speaks 1");
	fx_fini(&f);
	fv_buf_fini(&b);
}

static void
test_oversize(void **state)
{
	Fleetvisor__V1__CommandResult *rs[5];
	Fleetvisor__V1__Envelope *got;
	uint8_t *big = fv_xcalloc(1, FV_PROTO_PAYLOAD_MAX);
	struct fv_diag d;
	struct fv_buf b;
	struct fx f;

	(void)state;
	/* Decoding looks at the size before anything else. */
	assert_int_equal(
	    fv_pb_envelope_decode_diag(big, FV_PROTO_MAXMSG + 1, &got, &d),
	    FV_ETOOBIG);
	assert_null(got);
	assert_string_equal(d.msg, "envelope: 4194305 bytes, at most 4194304");
	/* Encoding refuses what a peer would refuse: five 1 MiB tails. */
	fv_buf_init(&b, (size_t)-1);
	fx_build(&f, B_REPLY);
	f.tail.data.data = big;
	f.tail.data.len = FV_PROTO_PAYLOAD_MAX;
	for (size_t i = 0; i < nitems(rs); i++) {
		rs[i] = &f.res;
	}
	f.reply.results = rs;
	f.reply.n_results = nitems(rs);
	assert_int_equal(fv_pb_envelope_encode(&f.env, &b), FV_ETOOBIG);
	assert_int_equal(b.len, 0);
	/* Three fit. */
	f.reply.n_results = 3;
	assert_int_equal(fv_pb_envelope_encode(&f.env, &b), 0);
	assert_int_equal(decode(&b, &got, &d), 0);
	assert_int_equal(got->command_reply->n_results, 3);
	fleetvisor__v1__envelope__free_unpacked(got, NULL);
	/* And the output buffer's own cap holds. */
	fv_buf_fini(&b);
	fv_buf_init(&b, 16);
	assert_int_equal(fv_pb_envelope_encode(&f.env, &b), FV_ETOOBIG);
	fv_buf_fini(&b);
	fx_fini(&f);
	free(big);
}

/* Every strict prefix of a valid envelope is refused, with a reason. */
static void
test_truncated(void **state)
{
	Fleetvisor__V1__Envelope *got;
	struct fv_diag d;
	struct fv_buf b;
	struct fx f;

	(void)state;
	fv_buf_init(&b, FV_PROTO_MAXMSG);
	for (size_t k = 0; k < nitems(fx_bodies); k++) {
		fx_build(&f, fx_bodies[k]);
		encode(&f.env, &b);
		for (size_t n = 0; n < b.len; n++) {
			uint8_t *copy = fv_xmalloc(n + 1);
			int rv;

			memcpy(copy, b.data, n);
			memset(&d, 0, sizeof(d));
			rv = fv_pb_envelope_decode_diag(copy, n, &got, &d);
			if (rv == 0) {
				fail_msg("%s: prefix of %zu bytes accepted",
				    body_name(fx_bodies[k]), n);
			}
			assert_true(rv == FV_EPROTO);
			assert_null(got);
			assert_true(d.msg[0] != '\0');
			free(copy);
		}
		fx_fini(&f);
	}
	fv_buf_fini(&b);
}

/* A small fixed generator, so that a failure replays. */
static uint32_t
prng(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* decode_any checks what decoding garbage must leave behind. */
static void
decode_any(const uint8_t *p, size_t n, struct fv_buf *again)
{
	Fleetvisor__V1__Envelope *got;
	struct fv_diag d;
	int rv;

	memset(&d, 'X', sizeof(d));
	rv = fv_pb_envelope_decode_diag(p, n, &got, &d);
	if (rv != 0) {
		assert_true(rv == FV_EPROTO || rv == FV_ETOOBIG);
		assert_null(got);
		assert_non_null(memchr(d.msg, '\0', sizeof(d.msg)));
		return;
	}
	/* Accepted: it is valid in memory and survives a second trip. */
	assert_int_equal(fv_pb_envelope_check(got, &d), 0);
	encode(got, again);
	fleetvisor__v1__envelope__free_unpacked(got, NULL);
	assert_int_equal(fv_pb_envelope_decode(
	                     (const uint8_t *)again->data, again->len, &got),
	    0);
	fleetvisor__v1__envelope__free_unpacked(got, NULL);
}

static void
test_garbage(void **state)
{
	uint8_t buf[512];
	struct fv_buf b, again;
	uint32_t seed = 0x9e3779b9;
	struct fx f;

	(void)state;
	fv_buf_init(&b, FV_PROTO_MAXMSG);
	fv_buf_init(&again, FV_PROTO_MAXMSG);
	assert_int_equal(
	    fv_pb_envelope_decode_diag((const uint8_t *)"\xff\xff\xff", 3,
	        &(Fleetvisor__V1__Envelope *){ NULL }, NULL),
	    FV_EPROTO);
	for (int i = 0; i < 2000; i++) {
		size_t n = prng(&seed) % sizeof(buf);

		for (size_t k = 0; k < n; k++) {
			buf[k] = (uint8_t)prng(&seed);
		}
		decode_any(buf, n, &again);
	}
	/* Valid envelopes with a few bytes changed reach deeper. */
	for (size_t k = 0; k < nitems(fx_bodies); k++) {
		fx_build(&f, fx_bodies[k]);
		encode(&f.env, &b);
		for (int i = 0; i < 300; i++) {
			uint8_t *copy = fv_xmalloc(b.len);

			memcpy(copy, b.data, b.len);
			for (int flips = 1 + (int)(prng(&seed) % 3); flips > 0;
			     flips--) {
				copy[prng(&seed) % b.len] =
				    (uint8_t)prng(&seed);
			}
			decode_any(copy, b.len, &again);
			free(copy);
		}
		fx_fini(&f);
	}
	fv_buf_fini(&b);
	fv_buf_fini(&again);
}

/* Raw wire writing, for what no encoder would produce. */
static void
put_varint(struct fv_buf *b, uint64_t v)
{
	while (v >= 0x80) {
		fv_buf_putc(b, (char)(0x80 | (v & 0x7f)));
		v >>= 7;
	}
	fv_buf_putc(b, (char)v);
}

static void
put_len(struct fv_buf *b, uint32_t field, const void *p, size_t n)
{
	put_varint(b, (uint64_t)field << 3 | 2);
	put_varint(b, n);
	fv_buf_append(b, p, n);
}

/* put_head writes version 1, request id 7 and a session. */
static void
put_head(struct fv_buf *b)
{
	static const uint8_t session[16] = { 1 };

	fv_buf_reset(b);
	fv_buf_append(b, "\x08\x01\x10\x07", 4);
	put_len(b, 4, session, sizeof(session));
}

struct wire_case {
	const char *what;
	const char *bytes;
	size_t n;
	int rv;
	const char *msg;
};

#define W(s) s, sizeof(s) - 1

static const struct wire_case wire_cases[] = {
	{ "wire type", W("\x08\x01\x12\x00"), FV_EPROTO,
	    "envelope.request_id: wire type 2, expected 0" },
	{ "group", W("\x08\x01\x1b"), FV_EPROTO,
	    "envelope: unsupported wire type 3 at byte 2" },
	{ "field 0", W("\x08\x01\x00\x00"), FV_EPROTO,
	    "envelope: bad field number 0 at byte 2" },
	{ "long varint",
	    W("\x08\x01\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f"),
	    FV_EPROTO, "envelope: bad varint in field 2 at byte 2" },
	{ "past end", W("\x08\x01\x52\x05\x0a\x01"), FV_EPROTO,
	    "envelope: truncated field 10 at byte 2" },
	{ "nested truncated", W("\x08\x01\x10\x07\x52\x02\x0a\x05"), FV_EPROTO,
	    "hello: truncated field 1 at byte 6" },
	{ "nested wire type", W("\x08\x01\x10\x07\x52\x02\x08\x01"), FV_EPROTO,
	    "hello.node: wire type 0, expected 2" },
	{ "nul", W("\x08\x01\x10\x07\x52\x07\x0a\x05we\x00-1"), FV_EPROTO,
	    "hello.node: NUL byte at 2" },
	{ "utf8 in label",
	    W("\x08\x01\x10\x07\x52\x06\x22\x04\x0a\x02\xc0\xaf"), FV_EPROTO,
	    "hello.labels[0].key: invalid UTF-8 at byte 0" },
	{ "unknown body", W("\x08\x01\x10\x07\x9a\x06\x02\x08\x01"), FV_EPROTO,
	    "envelope: no body (none, or a type this build does not know)" },
	{ "fixed32 truncated", W("\x08\x01\x15\x01\x02"), FV_EPROTO,
	    "envelope: truncated field 2 at byte 2" },
};

static void
test_wire_malformed(void **state)
{
	Fleetvisor__V1__Envelope *got;
	struct fv_diag d;
	int rv;

	(void)state;
	for (size_t i = 0; i < nitems(wire_cases); i++) {
		const struct wire_case *c = &wire_cases[i];

		memset(&d, 0, sizeof(d));
		rv = fv_pb_envelope_decode_diag(
		    (const uint8_t *)c->bytes, c->n, &got, &d);
		if (rv != c->rv || strcmp(d.msg, c->msg) != 0) {
			fail_msg("%s: gave %d \"%s\", want %d \"%s\"", c->what,
			    rv, d.msg, c->rv, c->msg);
		}
		assert_null(got);
	}
}

/*
 * A repeated field far beyond its limit, inside the size cap: a million
 * empty args in 2 MB would cost protobuf-c tens of MB. The wire scan's
 * wording ("more than") shows it was refused before unpacking.
 */
static void
test_huge_repeated(void **state)
{
	Fleetvisor__V1__Envelope *got;
	struct fv_buf b, cmd;
	struct fv_diag d;
	struct fx f;

	(void)state;
	fv_buf_init(&b, FV_PROTO_MAXMSG);
	fv_buf_init(&cmd, FV_PROTO_MAXMSG);
	fv_buf_append(&cmd, "\x0a\x02\x18\x01\x10\x01", 6); /* all, status */
	for (int i = 0; i < 1000000; i++) {
		fv_buf_append(&cmd, "\x1a\x00", 2);
	}
	put_head(&b);
	put_len(&b, 30, cmd.data, cmd.len);
	assert_true(b.len < FV_PROTO_MAXMSG);
	assert_int_equal(decode(&b, &got, &d), FV_ETOOBIG);
	assert_string_equal(d.msg, "command.args: more than 1024 items");
	/* In memory, the same limit speaks of the count it sees. */
	fx_build(&f, B_COMMAND);
	f.cmd.n_args = FV_PROTO_ARGS_MAX + 1;
	f.cmd.args = fv_xcalloc(f.cmd.n_args, sizeof(char *));
	for (size_t i = 0; i < f.cmd.n_args; i++) {
		f.cmd.args[i] = fx_s(&f, "x");
	}
	assert_int_equal(fv_pb_envelope_check(&f.env, &d), FV_ETOOBIG);
	assert_string_equal(d.msg, "command.args: 1025 items, at most 1024");
	f.cmd.n_args = FV_PROTO_ARGS_MAX;
	assert_int_equal(fv_pb_envelope_check(&f.env, &d), 0);
	free(f.cmd.args);
	fx_fini(&f);
	fv_buf_fini(&cmd);
	fv_buf_fini(&b);
}

/* Unknown fields are skipped but counted: a flood of them is refused. */
static void
test_field_flood(void **state)
{
	Fleetvisor__V1__Envelope *got;
	struct fv_diag d;
	struct fv_buf b;

	(void)state;
	fv_buf_init(&b, FV_PROTO_MAXMSG);
	put_head(&b);
	while (b.len + 3 < FV_PROTO_MAXMSG) {
		fv_buf_append(&b, "\xc0\x0c\x00", 3); /* field 200, varint 0 */
	}
	assert_int_equal(decode(&b, &got, &d), FV_ETOOBIG);
	assert_string_equal(d.msg, "envelope: more than 262144 fields");
	assert_null(got);
	fv_buf_fini(&b);
}

/*
 * The field count is the same rule in memory and on the wire: 4096 rows of
 * 64 labels fit in 2 MB but make over 500 k fields.
 */
static void
test_field_count_both_ways(void **state)
{
	Fleetvisor__V1__HostRow **rows;
	Fleetvisor__V1__KeyValue *kvs[FV_PROTO_LABELS_MAX];
	Fleetvisor__V1__KeyValue kv[FV_PROTO_LABELS_MAX];
	Fleetvisor__V1__Envelope *got;
	char keys[FV_PROTO_LABELS_MAX][8];
	struct fv_diag d;
	struct fv_buf b;
	struct fx f;

	(void)state;
	fv_buf_init(&b, FV_PROTO_MAXMSG);
	fx_build(&f, B_HREP);
	for (size_t i = 0; i < FV_PROTO_LABELS_MAX; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%zu", i);
		fleetvisor__v1__key_value__init(&kv[i]);
		kv[i].key = keys[i];
		kvs[i] = &kv[i];
	}
	f.row.labels = kvs;
	f.row.n_labels = FV_PROTO_LABELS_MAX;
	rows = fv_xcalloc(FV_PROTO_HOSTS_MAX, sizeof(*rows));
	for (size_t i = 0; i < FV_PROTO_HOSTS_MAX; i++) {
		rows[i] = &f.row;
	}
	f.hrep.hosts = rows;
	f.hrep.n_hosts = FV_PROTO_HOSTS_MAX;
	assert_int_equal(fv_pb_envelope_check(&f.env, &d), FV_ETOOBIG);
	assert_string_equal(d.msg, "envelope: more than 262144 fields");
	encode(&f.env, &b);
	assert_int_equal(decode(&b, &got, &d), FV_ETOOBIG);
	assert_string_equal(d.msg, "envelope: more than 262144 fields");
	/* A quarter of it is fine both ways. */
	f.hrep.n_hosts = FV_PROTO_HOSTS_MAX / 4;
	assert_int_equal(fv_pb_envelope_check(&f.env, &d), 0);
	encode(&f.env, &b);
	assert_int_equal(decode(&b, &got, &d), 0);
	assert_int_equal(got->hosts_reply->n_hosts, FV_PROTO_HOSTS_MAX / 4);
	fleetvisor__v1__envelope__free_unpacked(got, NULL);
	free(rows);
	fx_fini(&f);
	fv_buf_fini(&b);
}

/*
 * protobuf-c merges a message field that occurs more than once (outside a
 * oneof), copying the repeated fields gathered so far at each merge:
 * quadratic time, and two selectors of 200 names would make one of 400.
 * The wire scan refuses the repeat before protobuf-c sees it, even
 * 200000 of them in 1.4 MB.
 */
static void
test_repeated_message_field(void **state)
{
	Fleetvisor__V1__Envelope *got;
	struct fv_buf b, cmd, sel;
	struct fv_diag d;

	(void)state;
	fv_buf_init(&b, FV_PROTO_MAXMSG);
	fv_buf_init(&cmd, FV_PROTO_MAXMSG);
	fv_buf_init(&sel, FV_PROTO_MAXMSG);
	for (int i = 0; i < 200; i++) {
		put_len(&sel, 1, "web", 3);
	}
	put_len(&cmd, 1, sel.data, sel.len);
	fv_buf_append(&cmd, "\x10\x01", 2); /* status */
	put_len(&cmd, 1, sel.data, sel.len);
	put_head(&b);
	put_len(&b, 30, cmd.data, cmd.len);
	assert_int_equal(decode(&b, &got, &d), FV_EPROTO);
	assert_string_equal(d.msg, "command.selector: occurs more than once");
	assert_null(got);

	fv_buf_reset(&cmd);
	for (int i = 0; i < 200000; i++) {
		fv_buf_append(&cmd, "\x0a\x05\x0a\x03web", 7);
	}
	put_head(&b);
	put_len(&b, 30, cmd.data, cmd.len);
	assert_int_equal(decode(&b, &got, &d), FV_EPROTO);
	assert_string_equal(d.msg, "command.selector: occurs more than once");
	fv_buf_fini(&sel);
	fv_buf_fini(&cmd);
	fv_buf_fini(&b);
}

/*
 * Were protobuf-c to add up a repeated field some other way, the check
 * after unpacking still holds the limit: it is the same check a sender
 * runs, over the decoded message.
 */
static void
test_check_after_unpack(void **state)
{
	Fleetvisor__V1__Envelope *got;
	struct fv_diag d;
	struct fv_buf b;
	struct fx f;

	(void)state;
	fv_buf_init(&b, FV_PROTO_MAXMSG);
	fx_build(&f, B_COMMAND);
	encode(&f.env, &b);
	assert_int_equal(decode(&b, &got, &d), 0);
	/* What a merge would leave: more names than the limit. */
	got->command->selector->n_names = FV_PROTO_SELECTOR_MAX + 1;
	assert_int_equal(fv_pb_envelope_check(got, &d), FV_ETOOBIG);
	assert_string_equal(
	    d.msg, "command.selector.names: 257 items, at most 256");
	got->command->selector->n_names = 1;
	fleetvisor__v1__envelope__free_unpacked(got, NULL);
	fx_fini(&f);
	fv_buf_fini(&b);
}

/*
 * Fields this build does not know are ignored (a newer peer may add
 * some), however deeply their contents nest: they are skipped, not
 * parsed, so the nesting costs no stack.
 */
static void
test_unknown_fields(void **state)
{
	Fleetvisor__V1__Envelope *got;
	struct fv_buf b, deep, tmp;
	struct fv_diag d;
	struct fx f;

	(void)state;
	fv_buf_init(&b, FV_PROTO_MAXMSG);
	fv_buf_init(&deep, FV_PROTO_MAXMSG);
	fv_buf_init(&tmp, FV_PROTO_MAXMSG);
	for (int i = 0; i < 3000; i++) {
		fv_buf_reset(&tmp);
		put_len(&tmp, 15, deep.data, deep.len);
		fv_buf_reset(&deep);
		fv_buf_append(&deep, tmp.data, tmp.len);
	}
	fx_build(&f, B_HELLO);
	encode(&f.env, &b);
	put_len(&b, 77, deep.data, deep.len); /* unknown in the envelope */
	fv_buf_append(&b, "\x98\x06\x05", 3); /* field 99 varint 5 */
	if (decode(&b, &got, &d) != 0) {
		fail_msg("%s", d.msg);
	}
	assert_string_equal(got->hello->node, "web-1");
	fleetvisor__v1__envelope__free_unpacked(got, NULL);
	fx_fini(&f);
	fv_buf_fini(&tmp);
	fv_buf_fini(&deep);
	fv_buf_fini(&b);
}

/* fv_pb_node_check and fv_pb_label_check serve configuration too. */
static void
test_name_checks(void **state)
{
	struct fv_diag d;

	(void)state;
	assert_int_equal(fv_pb_node_check("name", "db-2.eu_west", &d), 0);
	assert_int_equal(
	    fv_pb_node_check("[fleet] name", "db 2", &d), FV_EPROTO);
	assert_string_equal(
	    d.msg, "[fleet] name: invalid character '\\x20' at 2");
	assert_int_equal(fv_pb_node_check("name", "h\xc3\xa9", &d), FV_EPROTO);
	assert_string_equal(d.msg, "name: invalid character '\\xc3' at 1");
	assert_int_equal(
	    fv_pb_label_check("labels", "role", "web front", &d), 0);
	assert_int_equal(
	    fv_pb_label_check("labels", "ro=le", "x", &d), FV_EPROTO);
	assert_string_equal(d.msg, "labels.key: invalid character '=' at 2");
	assert_string_equal(fv_pb_state_name(200), "FATAL");
	assert_null(fv_pb_state_name(1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_every_body),
		cmocka_unit_test(test_roundtrip_fields),
		cmocka_unit_test(test_fixtures_cover_every_body),
		cmocka_unit_test(test_schema_tables),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_rules_accept_edges),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_wire_malformed),
		cmocka_unit_test(test_huge_repeated),
		cmocka_unit_test(test_field_flood),
		cmocka_unit_test(test_field_count_both_ways),
		cmocka_unit_test(test_repeated_message_field),
		cmocka_unit_test(test_check_after_unpack),
		cmocka_unit_test(test_unknown_fields),
		cmocka_unit_test(test_name_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
