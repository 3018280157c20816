/*
 * The per-message rules of the fleet protocol (fleet_check.h). Everything
 * here reads a message that the schema-wide scan has already passed, so
 * strings are valid UTF-8 without NUL, counts are within their limits and
 * enum values are known; these functions add what only a person reading
 * fleet.proto knows: character sets, required fields, fields that go
 * together. They never allocate and never modify the message.
 */
#include "proto/fleet_check.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "proto/fleet_codec.h"

/* The longest path a diagnostic names ("command_reply.results[9]..."). */
#define CHK_PATH 160

typedef bool chk_char_fn(unsigned char c);

static bool
chk_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* [A-Za-z0-9._-]: node names, label keys, ids. */
static bool
chk_name_char(unsigned char c)
{
	return chk_alnum(c) || c == '.' || c == '_' || c == '-';
}

/* A node name or an fnmatch glob over node names. */
static bool
chk_glob_char(unsigned char c)
{
	return chk_name_char(c) || strchr("*?[]!^", c) != NULL;
}

/* [A-Z0-9_]: 4.2.5's event type names. */
static bool
chk_type_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* [A-Za-z0-9_]: the keys of an event's header tokens. */
static bool
chk_token_char(unsigned char c)
{
	return chk_alnum(c) || c == '_';
}

/* chk_sub writes "path.field" into buf (CHK_PATH bytes) and returns it. */
static const char *
chk_sub(char *buf, const char *path, const char *field)
{
	/* A path too deep for buf is cut: it only names a field in a
	 * message. */
	return snprintf(buf, CHK_PATH, "%s.%s", path, field) < 0 ? "" : buf;
}

/* chk_subi writes "path.field[i]". */
static const char *
chk_subi(char *buf, const char *path, const char *field, size_t i)
{
	return snprintf(buf, CHK_PATH, "%s.%s[%zu]", path, field, i) < 0 ? ""
	                                                                 : buf;
}

static const char *
chk_str(const char *s)
{
	return s == NULL ? "" : s;
}

/* chk_len: min..max bytes (min is 0 or 1). */
static int
chk_len(
    const char *what, const char *s, size_t min, size_t max, struct fv_diag *d)
{
	size_t n = strlen(chk_str(s));

	if (n < min) {
		return fv_diagf(d, FV_EPROTO, "%s: empty", what);
	}
	if (n > max) {
		return fv_diagf(
		    d, FV_ETOOBIG, "%s: %zu bytes, at most %zu", what, n, max);
	}
	return 0;
}

static int
chk_bad_char(const char *what, unsigned char c, size_t at, struct fv_diag *d)
{
	if (c > 0x20 && c < 0x7f && c != '\'') {
		return fv_diagf(d, FV_EPROTO,
		    "%s: invalid character '%c' at %zu", what, c, at);
	}
	return fv_diagf(d, FV_EPROTO, "%s: invalid character '\\x%02x' at %zu",
	    what, c, at);
}

/* chk_chars: min..max bytes, each one ok. */
static int
chk_chars(const char *what, const char *s, size_t min, size_t max,
    chk_char_fn *ok, struct fv_diag *d)
{
	int rv;

	if ((rv = chk_len(what, s, min, max, d)) != 0) {
		return rv;
	}
	for (size_t i = 0; s != NULL && s[i] != '\0'; i++) {
		if (!ok((unsigned char)s[i])) {
			return chk_bad_char(what, (unsigned char)s[i], i, d);
		}
	}
	return 0;
}

/* chk_line: min..max bytes of text without control characters or any of
 * the bytes in forbid. */
static int
chk_line(const char *what, const char *s, size_t min, size_t max,
    const char *forbid, struct fv_diag *d)
{
	int rv;

	if ((rv = chk_len(what, s, min, max, d)) != 0) {
		return rv;
	}
	for (size_t i = 0; s != NULL && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || strchr(forbid, c) != NULL) {
			return chk_bad_char(what, c, i, d);
		}
	}
	return 0;
}

static int
chk_id(const char *what, const char *s, struct fv_diag *d)
{
	return chk_chars(what, s, 1, FV_PROTO_ID_MAX, chk_name_char, d);
}

static int
chk_bytes(const char *what, const ProtobufCBinaryData *b, size_t min,
    size_t max, struct fv_diag *d)
{
	int err = b->len > max ? FV_ETOOBIG : FV_EPROTO;

	if (b->len >= min && b->len <= max) {
		return 0;
	}
	if (min == max) {
		return fv_diagf(
		    d, err, "%s: %zu bytes, expected %zu", what, b->len, min);
	}
	return fv_diagf(
	    d, err, "%s: %zu bytes, expected %zu..%zu", what, b->len, min, max);
}

int
fv_pb_node_check(const char *what, const char *s, struct fv_diag *d)
{
	return chk_chars(what, s, 1, FV_PROTO_NODE_MAX, chk_name_char, d);
}

int
fv_pb_label_check(
    const char *what, const char *key, const char *value, struct fv_diag *d)
{
	char p[CHK_PATH];
	int rv;

	if ((rv = chk_chars(chk_sub(p, what, "key"), key, 1,
	         FV_PROTO_LABEL_KEY_MAX, chk_name_char, d)) != 0) {
		return rv;
	}
	return chk_line(chk_sub(p, what, "value"), value, 0,
	    FV_PROTO_LABEL_VALUE_MAX, ",", d);
}

/* chk_pairs: each pair valid (label rules, or header rules when header)
 * and no key twice. */
static int
chk_pairs(const char *path, const char *field,
    Fleetvisor__V1__KeyValue *const *kv, size_t n, bool header,
    struct fv_diag *d)
{
	char p[CHK_PATH], k[CHK_PATH];
	int rv;

	for (size_t i = 0; i < n; i++) {
		chk_subi(p, path, field, i);
		if (header) {
			rv = chk_chars(chk_sub(k, p, "key"), kv[i]->key, 1,
			    FV_PROTO_LABEL_KEY_MAX, chk_token_char, d);
		} else {
			rv = fv_pb_label_check(p, kv[i]->key, kv[i]->value, d);
		}
		if (rv != 0) {
			return rv;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(chk_str(kv[j]->key), chk_str(kv[i]->key)) ==
			    0) {
				return fv_diagf(d, FV_EPROTO,
				    "%s.key: duplicate '%s'", p, kv[i]->key);
			}
		}
	}
	return 0;
}

static const struct {
	int32_t code;
	const char *name;
} chk_states[] = {
	{ 0, "STOPPED" },
	{ 10, "STARTING" },
	{ 20, "RUNNING" },
	{ 30, "BACKOFF" },
	{ 40, "STOPPING" },
	{ 100, "EXITED" },
	{ 200, "FATAL" },
	{ 1000, "UNKNOWN" },
};

const char *
fv_pb_state_name(int32_t st)
{
	for (size_t i = 0; i < sizeof(chk_states) / sizeof(chk_states[0]);
	     i++) {
		if (chk_states[i].code == st) {
			return chk_states[i].name;
		}
	}
	return NULL;
}

static int
chk_selector(
    const char *what, const Fleetvisor__V1__Selector *s, struct fv_diag *d)
{
	char p[CHK_PATH];
	int rv;

	if (s == NULL) {
		return fv_diagf(d, FV_EPROTO, "%s: missing", what);
	}
	if (s->all && (s->n_names > 0 || s->n_labels > 0)) {
		return fv_diagf(d, FV_EPROTO,
		    "%s: 'all' together with names or labels", what);
	}
	if (!s->all && s->n_names == 0 && s->n_labels == 0) {
		return fv_diagf(
		    d, FV_EPROTO, "%s: empty (set all, names or labels)", what);
	}
	for (size_t i = 0; i < s->n_names; i++) {
		if ((rv = chk_chars(chk_subi(p, what, "names", i), s->names[i],
		         1, FV_PROTO_NODE_MAX, chk_glob_char, d)) != 0) {
			return rv;
		}
	}
	return chk_pairs(what, "labels", s->labels, s->n_labels, false, d);
}

static int
chk_process(
    const char *what, const Fleetvisor__V1__ProcessInfo *pi, struct fv_diag *d)
{
	const char *name = fv_pb_state_name(pi->state);
	char p[CHK_PATH];
	int rv;

	if ((rv = chk_len(chk_sub(p, what, "name"), pi->name, 1,
	         FV_PROTO_TEXT_MAX, d)) != 0 ||
	    (rv = chk_len(chk_sub(p, what, "group"), pi->group, 1,
	         FV_PROTO_TEXT_MAX, d)) != 0) {
		return rv;
	}
	if (name == NULL) {
		return fv_diagf(d, FV_EPROTO, "%s.state: unknown state %d",
		    what, pi->state);
	}
	/* The peer's text is not quoted back: diagnostics end up in logs. */
	if (strcmp(chk_str(pi->statename), name) != 0) {
		return fv_diagf(d, FV_EPROTO,
		    "%s.statename: not %s, the name of state %d", what, name,
		    pi->state);
	}
	if (pi->pid < 0) {
		return fv_diagf(d, FV_EPROTO, "%s.pid: negative", what);
	}
	return 0;
}

static int
chk_processes(const char *path, Fleetvisor__V1__ProcessInfo *const *v, size_t n,
    struct fv_diag *d)
{
	char p[CHK_PATH];
	int rv;

	for (size_t i = 0; i < n; i++) {
		if ((rv = chk_process(
		         chk_subi(p, path, "processes", i), v[i], d)) != 0) {
			return rv;
		}
	}
	return 0;
}

static int
chk_hello(const Fleetvisor__V1__Hello *h, struct fv_diag *d)
{
	int rv;

	if ((rv = fv_pb_node_check("hello.node", h->node, d)) != 0 ||
	    (rv = chk_line("hello.agent_version", h->agent_version, 1,
	         FV_PROTO_ID_MAX, "", d)) != 0 ||
	    (rv = chk_id("hello.instance_id", h->instance_id, d)) != 0 ||
	    (rv = chk_pairs(
	         "hello", "labels", h->labels, h->n_labels, false, d)) != 0) {
		return rv;
	}
	if (h->proof_alg == FLEETVISOR__V1__PROOF_ALG__PROOF_NONE) {
		if (h->nonce.len != 0 || h->proof.len != 0) {
			return fv_diagf(d, FV_EPROTO,
			    "hello.proof: nonce or proof without proof_alg");
		}
		return 0;
	}
	if ((rv = chk_bytes("hello.nonce", &h->nonce, FV_PROTO_NONCE_MIN,
	         FV_PROTO_NONCE_MAX, d)) != 0) {
		return rv;
	}
	return chk_bytes("hello.proof", &h->proof, FV_PROTO_PROOF_LEN,
	    FV_PROTO_PROOF_LEN, d);
}

static int
chk_challenge(const Fleetvisor__V1__Challenge *c, struct fv_diag *d)
{
	int rv;

	if ((rv = chk_bytes("challenge.nonce", &c->nonce, FV_PROTO_NONCE_MIN,
	         FV_PROTO_NONCE_MAX, d)) != 0) {
		return rv;
	}
	return chk_id("challenge.controller_id", c->controller_id, d);
}

static int
chk_hello_ack(const Fleetvisor__V1__HelloAck *a, struct fv_diag *d)
{
	int rv;

	if ((rv = fv_pb_node_check("hello_ack.node", a->node, d)) != 0 ||
	    (rv = chk_id("hello_ack.instance_id", a->instance_id, d)) != 0 ||
	    (rv = chk_id("hello_ack.controller_id", a->controller_id, d)) !=
	        0) {
		return rv;
	}
	if (a->heartbeat_ms == 0) {
		return fv_diagf(d, FV_EPROTO, "hello_ack.heartbeat_ms: 0");
	}
	if (a->lost_after_ms <= a->heartbeat_ms) {
		return fv_diagf(d, FV_EPROTO,
		    "hello_ack.lost_after_ms: %u, not more than heartbeat_ms "
		    "%u",
		    a->lost_after_ms, a->heartbeat_ms);
	}
	return 0;
}

static int
chk_hello_refused(const Fleetvisor__V1__HelloRefused *r, struct fv_diag *d)
{
	int rv;

	if ((rv = fv_pb_node_check("hello_refused.node", r->node, d)) != 0 ||
	    (rv = chk_id("hello_refused.instance_id", r->instance_id, d)) !=
	        0 ||
	    (rv = chk_id("hello_refused.controller_id", r->controller_id, d)) !=
	        0) {
		return rv;
	}
	if (r->reason ==
	    FLEETVISOR__V1__HELLO_REFUSED__REASON__REASON_UNSPECIFIED) {
		return fv_diagf(d, FV_EPROTO, "hello_refused.reason: missing");
	}
	return 0;
}

static int
chk_heartbeat(const Fleetvisor__V1__Heartbeat *h, struct fv_diag *d)
{
	int rv;

	if ((rv = fv_pb_node_check("heartbeat.node", h->node, d)) != 0 ||
	    (rv = chk_id("heartbeat.instance_id", h->instance_id, d)) != 0) {
		return rv;
	}
	if (h->state == FLEETVISOR__V1__AGENT_STATE__AGENT_STATE_UNSPECIFIED) {
		return fv_diagf(d, FV_EPROTO, "heartbeat.state: missing");
	}
	if (h->interval_ms == 0) {
		return fv_diagf(d, FV_EPROTO, "heartbeat.interval_ms: 0");
	}
	if (!h->processes_included && h->n_processes > 0) {
		return fv_diagf(d, FV_EPROTO,
		    "heartbeat.processes: %zu rows but processes_included is "
		    "false",
		    h->n_processes);
	}
	return chk_processes("heartbeat", h->processes, h->n_processes, d);
}

static int
chk_command(const Fleetvisor__V1__Command *c, struct fv_diag *d)
{
	int rv;

	if ((rv = chk_selector("command.selector", c->selector, d)) != 0) {
		return rv;
	}
	if (c->action == FLEETVISOR__V1__COMMAND__ACTION__ACTION_UNSPECIFIED) {
		return fv_diagf(d, FV_EPROTO, "command.action: missing");
	}
	return 0;
}

static int
chk_result(
    const char *what, const Fleetvisor__V1__CommandResult *r, struct fv_diag *d)
{
	char p[CHK_PATH], item[CHK_PATH];
	int rv;

	if ((rv = fv_pb_node_check(chk_sub(p, what, "host"), r->host, d)) !=
	    0) {
		return rv;
	}
	if (r->outcome ==
	    FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_UNSPECIFIED) {
		return fv_diagf(d, FV_EPROTO, "%s.outcome: missing", what);
	}
	if (r->exit_code < 0 || r->exit_code > 255) {
		return fv_diagf(d, FV_EPROTO, "%s.exit_code: %d, not 0..255",
		    what, r->exit_code);
	}
	if (r->outcome ==
	        FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_FAULT &&
	    r->fault_code == 0) {
		return fv_diagf(
		    d, FV_EPROTO, "%s.fault_code: missing for a fault", what);
	}
	for (size_t i = 0; i < r->n_items; i++) {
		chk_subi(item, what, "items", i);
		if ((rv = chk_len(chk_sub(p, item, "name"), r->items[i]->name,
		         1, FV_PROTO_TEXT_MAX, d)) != 0) {
			return rv;
		}
	}
	for (size_t i = 0; i < r->n_configs; i++) {
		chk_subi(item, what, "configs", i);
		if ((rv = chk_len(chk_sub(p, item, "name"), r->configs[i]->name,
		         1, FV_PROTO_TEXT_MAX, d)) != 0) {
			return rv;
		}
	}
	return chk_processes(what, r->processes, r->n_processes, d);
}

static int
chk_command_reply(const Fleetvisor__V1__CommandReply *r, struct fv_diag *d)
{
	char p[CHK_PATH];
	int rv;

	for (size_t i = 0; i < r->n_results; i++) {
		if ((rv = chk_result(chk_subi(p, "command_reply", "results", i),
		         r->results[i], d)) != 0) {
			return rv;
		}
	}
	return 0;
}

static int
chk_event(const Fleetvisor__V1__Event *e, struct fv_diag *d)
{
	int rv;

	if ((rv = fv_pb_node_check("event.host", e->host, d)) != 0 ||
	    (rv = chk_chars("event.type", e->type, 1, FV_PROTO_ID_MAX,
	         chk_type_char, d)) != 0 ||
	    (rv = chk_line("event.server", e->server, 0, FV_PROTO_TEXT_MAX, " ",
	         d)) != 0 ||
	    (rv = chk_line(
	         "event.pool", e->pool, 0, FV_PROTO_TEXT_MAX, " ", d)) != 0) {
		return rv;
	}
	if (chk_str(e->pool)[0] == '\0' && e->pool_serial != 0) {
		return fv_diagf(d, FV_EPROTO,
		    "event.pool_serial: %llu without a pool",
		    (unsigned long long)e->pool_serial);
	}
	return chk_pairs("event", "headers", e->headers, e->n_headers, true, d);
}

static int
chk_controller_event(
    const Fleetvisor__V1__ControllerEvent *e, struct fv_diag *d)
{
	int rv;

	if (e->kind ==
	    FLEETVISOR__V1__CONTROLLER_EVENT__KIND__KIND_UNSPECIFIED) {
		return fv_diagf(d, FV_EPROTO, "controller_event.kind: missing");
	}
	/* A refused Hello may not have carried a usable name. */
	if (chk_str(e->node)[0] != '\0' ||
	    e->kind !=
	        FLEETVISOR__V1__CONTROLLER_EVENT__KIND__KIND_AGENT_REFUSED) {
		if ((rv = fv_pb_node_check(
		         "controller_event.node", e->node, d)) != 0) {
			return rv;
		}
	}
	if (chk_str(e->instance_id)[0] != '\0') {
		return chk_id(
		    "controller_event.instance_id", e->instance_id, d);
	}
	return 0;
}

static int
chk_subscribe(const Fleetvisor__V1__Subscribe *s, struct fv_diag *d)
{
	char p[CHK_PATH];
	int rv;

	for (size_t i = 0; i < s->n_hosts; i++) {
		if ((rv = chk_chars(chk_subi(p, "subscribe", "hosts", i),
		         s->hosts[i], 1, FV_PROTO_NODE_MAX, chk_glob_char,
		         d)) != 0) {
			return rv;
		}
	}
	for (size_t i = 0; i < s->n_types; i++) {
		if ((rv = chk_chars(chk_subi(p, "subscribe", "types", i),
		         s->types[i], 1, FV_PROTO_ID_MAX, chk_type_char, d)) !=
		    0) {
			return rv;
		}
	}
	for (size_t i = 0; i < s->n_processes; i++) {
		if ((rv = chk_len(chk_subi(p, "subscribe", "processes", i),
		         s->processes[i], 1, FV_PROTO_TEXT_MAX, d)) != 0) {
			return rv;
		}
	}
	return 0;
}

static int
chk_host_row(
    const char *what, const Fleetvisor__V1__HostRow *h, struct fv_diag *d)
{
	char p[CHK_PATH];
	int rv;

	if ((rv = fv_pb_node_check(chk_sub(p, what, "node"), h->node, d)) !=
	    0) {
		return rv;
	}
	if (h->state == FLEETVISOR__V1__HOST_ROW__STATE__STATE_UNSPECIFIED) {
		return fv_diagf(d, FV_EPROTO, "%s.state: missing", what);
	}
	if (chk_str(h->instance_id)[0] != '\0' &&
	    (rv = chk_id(chk_sub(p, what, "instance_id"), h->instance_id, d)) !=
	        0) {
		return rv;
	}
	return chk_pairs(what, "labels", h->labels, h->n_labels, false, d);
}

static int
chk_hosts_reply(const Fleetvisor__V1__HostsReply *r, struct fv_diag *d)
{
	char p[CHK_PATH];
	int rv;

	for (size_t i = 0; i < r->n_hosts; i++) {
		if ((rv = chk_host_row(chk_subi(p, "hosts_reply", "hosts", i),
		         r->hosts[i], d)) != 0) {
			return rv;
		}
	}
	return 0;
}

/* chk_body applies the rules of the body's own message; NULL bodies are
 * refused here, since protobuf-c leaves an empty oneof member NULL. */
static int
chk_body(const Fleetvisor__V1__Envelope *env, struct fv_diag *d)
{
	switch (env->body_case) {
	case FLEETVISOR__V1__ENVELOPE__BODY_HELLO:
		return chk_hello(env->hello, d);
	case FLEETVISOR__V1__ENVELOPE__BODY_CHALLENGE:
		return chk_challenge(env->challenge, d);
	case FLEETVISOR__V1__ENVELOPE__BODY_HELLO_ACK:
		return chk_hello_ack(env->hello_ack, d);
	case FLEETVISOR__V1__ENVELOPE__BODY_HELLO_REFUSED:
		return chk_hello_refused(env->hello_refused, d);
	case FLEETVISOR__V1__ENVELOPE__BODY_HEARTBEAT:
		return chk_heartbeat(env->heartbeat, d);
	case FLEETVISOR__V1__ENVELOPE__BODY_COMMAND:
		return chk_command(env->command, d);
	case FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_RESULT:
		return chk_result("command_result", env->command_result, d);
	case FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_REPLY:
		return chk_command_reply(env->command_reply, d);
	case FLEETVISOR__V1__ENVELOPE__BODY_PAGE_REQUEST:
		if (env->page_request->request_id == 0) {
			return fv_diagf(
			    d, FV_EPROTO, "page_request.request_id: 0");
		}
		return 0;
	case FLEETVISOR__V1__ENVELOPE__BODY_EVENT:
		return chk_event(env->event, d);
	case FLEETVISOR__V1__ENVELOPE__BODY_CONTROLLER_EVENT:
		return chk_controller_event(env->controller_event, d);
	case FLEETVISOR__V1__ENVELOPE__BODY_SUBSCRIBE:
		return chk_subscribe(env->subscribe, d);
	case FLEETVISOR__V1__ENVELOPE__BODY_HOSTS_REQUEST:
		if (env->hosts_request->selector != NULL) {
			return chk_selector("hosts_request.selector",
			    env->hosts_request->selector, d);
		}
		return 0;
	case FLEETVISOR__V1__ENVELOPE__BODY_HOSTS_REPLY:
		return chk_hosts_reply(env->hosts_reply, d);
	case FLEETVISOR__V1__ENVELOPE__BODY_ERROR:
		if (env->error->code ==
		    FLEETVISOR__V1__ERROR__CODE__CODE_UNSPECIFIED) {
			return fv_diagf(d, FV_EPROTO, "error.code: missing");
		}
		return 0;
	default:
		return fv_diagf(d, FV_EPROTO,
		    "envelope: no body (none, or a type this build does not "
		    "know)");
	}
}

/* Bodies that are requests or replies, and so need a request id. */
static bool
chk_needs_id(Fleetvisor__V1__Envelope__BodyCase b)
{
	switch (b) {
	case FLEETVISOR__V1__ENVELOPE__BODY_HELLO:
	case FLEETVISOR__V1__ENVELOPE__BODY_CHALLENGE:
	case FLEETVISOR__V1__ENVELOPE__BODY_COMMAND:
	case FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_RESULT:
	case FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_REPLY:
	case FLEETVISOR__V1__ENVELOPE__BODY_PAGE_REQUEST:
	case FLEETVISOR__V1__ENVELOPE__BODY_SUBSCRIBE:
	case FLEETVISOR__V1__ENVELOPE__BODY_HOSTS_REQUEST:
	case FLEETVISOR__V1__ENVELOPE__BODY_HOSTS_REPLY:
		return true;
	default:
		return false;
	}
}

/* Bodies only agents send, which carry their session. */
static bool
chk_needs_session(Fleetvisor__V1__Envelope__BodyCase b)
{
	return b == FLEETVISOR__V1__ENVELOPE__BODY_HELLO ||
	    b == FLEETVISOR__V1__ENVELOPE__BODY_HEARTBEAT ||
	    b == FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_RESULT;
}

/* The name of the body's field, for diagnostics about the envelope. */
static const char *
chk_body_name(const Fleetvisor__V1__Envelope *env)
{
	const ProtobufCFieldDescriptor *fd =
	    protobuf_c_message_descriptor_get_field(
	        &fleetvisor__v1__envelope__descriptor, env->body_case);

	return fd != NULL ? fd->name : "?";
}

int
fv_pb_envelope_rules(const Fleetvisor__V1__Envelope *env, struct fv_diag *d)
{
	const ProtobufCBinaryData *s = &env->session;

	if (env->version != FV_PROTO_VERSION) {
		return fv_diagf(d, FV_EPROTO,
		    "envelope.version: %u, this build speaks %d", env->version,
		    FV_PROTO_VERSION);
	}
	if (env->deadline_ms > FV_PROTO_DEADLINE_MAX_MS) {
		return fv_diagf(d, FV_EPROTO,
		    "envelope.deadline_ms: %u, at most %u", env->deadline_ms,
		    FV_PROTO_DEADLINE_MAX_MS);
	}
	if (s->len != 0 &&
	    (s->len < FV_PROTO_SESSION_MIN || s->len > FV_PROTO_SESSION_MAX)) {
		return fv_diagf(d, FV_EPROTO,
		    "envelope.session: %zu bytes, expected %d..%d", s->len,
		    FV_PROTO_SESSION_MIN, FV_PROTO_SESSION_MAX);
	}
	/* The members share one pointer (a union): NULL means a sender set
	 * the case without the message. */
	if (env->body_case != FLEETVISOR__V1__ENVELOPE__BODY__NOT_SET &&
	    env->hello == NULL) {
		return fv_diagf(
		    d, FV_EPROTO, "envelope: %s is NULL", chk_body_name(env));
	}
	if (env->body_case != FLEETVISOR__V1__ENVELOPE__BODY__NOT_SET) {
		if (env->request_id == 0 && chk_needs_id(env->body_case)) {
			return fv_diagf(d, FV_EPROTO,
			    "envelope.request_id: 0 for a %s (requests and "
			    "replies need an id)",
			    chk_body_name(env));
		}
		if (s->len == 0 && chk_needs_session(env->body_case)) {
			return fv_diagf(d, FV_EPROTO,
			    "envelope.session: missing for a %s",
			    chk_body_name(env));
		}
	}
	return chk_body(env, d);
}
