/*
 * hosts and events: what only a controller can answer (ours; marked
 * "ours" in the command table, so 4.2.5's help listing is unchanged).
 * events follows the controller's PUB socket from ctl->loop (the SUB
 * socket's receive fd polled, drained without blocking) until Ctrl-C,
 * a closed output or the count asked for; it filters with the protocol's
 * own matching functions, as the controller's other clients do.
 */
#include "cmd_fleet.h"

#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/supplemental/util/platform.h>
#include <uv.h>

#include "cmd.h"
#include "common/buf.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "fleet.h"
#include "fleet_run.h"
#include "proto/fleet_close.h"
#include "proto/fleet_match.h"

/* ---- Formats ---- */

char *
ctl_hosts_summary(const Fleetvisor__V1__ProcessSummary *s)
{
	struct fv_buf b;
	const struct {
		const char *name;
		uint32_t n;
	} v[] = {
		{ "running", s != NULL ? s->running : 0 },
		{ "starting", s != NULL ? s->starting : 0 },
		{ "backoff", s != NULL ? s->backoff : 0 },
		{ "stopping", s != NULL ? s->stopping : 0 },
		{ "stopped", s != NULL ? s->stopped : 0 },
		{ "exited", s != NULL ? s->exited : 0 },
		{ "fatal", s != NULL ? s->fatal : 0 },
		{ "unknown", s != NULL ? s->unknown : 0 },
	};

	fv_buf_init(&b, SIZE_MAX / 2);
	for (size_t i = 0; i < nitems(v); i++) {
		if (v[i].n > 0) {
			(void)fv_buf_printf(&b, "%s%u %s",
			    b.len > 0 ? ", " : "", (unsigned)v[i].n, v[i].name);
		}
	}
	if (b.len == 0) {
		(void)fv_buf_puts(&b, "no processes");
	}
	return fv_buf_take(&b);
}

/* ctl_fleet_time writes unix microseconds as UTC ISO 8601 with
 * milliseconds. */
static void
ctl_fleet_time(char *buf, size_t n, int64_t us)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (us <= 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, n, "-");
		return;
	}
	char day[32];

	/* strftime, not %d of each field: gcc -O2 cannot bound those and
	 * reports a possible truncation. */
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, n, "%s.%03dZ", day, (int)((us / 1000) % 1000));
}

static char *
ctl_hosts_ago(int64_t now_us, int64_t then_us)
{
	int64_t s;

	if (then_us <= 0) {
		return fv_xstrdup("never");
	}
	s = (now_us - then_us) / 1000000;
	if (s < 0) {
		s = 0;
	}
	if (s < 120) {
		return fv_xasprintf("%" PRId64 "s ago", s);
	}
	if (s < 7200) {
		return fv_xasprintf("%" PRId64 "m ago", s / 60);
	}
	if (s < 172800) {
		return fv_xasprintf("%" PRId64 "h ago", s / 3600);
	}
	return fv_xasprintf("%" PRId64 "d ago", s / 86400);
}

static const char *
ctl_hosts_state(const Fleetvisor__V1__HostRow *r)
{
	switch (r->state) {
	case FLEETVISOR__V1__HOST_ROW__STATE__STATE_CONNECTED:
		return "connected";
	case FLEETVISOR__V1__HOST_ROW__STATE__STATE_LOST:
		return "lost";
	default:
		return "unknown";
	}
}

static char *
ctl_hosts_labels(const Fleetvisor__V1__HostRow *r)
{
	struct fv_buf b;

	fv_buf_init(&b, SIZE_MAX / 2);
	for (size_t i = 0; i < r->n_labels; i++) {
		(void)fv_buf_printf(&b, "%s%s=%s", i > 0 ? "," : "",
		    r->labels[i]->key, r->labels[i]->value);
	}
	return fv_buf_take(&b);
}

static void
ctl_fleet_json_out(FILE *out, struct fv_buf *b)
{
	fwrite(b->data, 1, b->len, out);
	fputc('\n', out);
	fv_buf_fini(b);
}

static void
ctl_hosts_json(struct fv_json *j, const Fleetvisor__V1__HostRow *r)
{
	const Fleetvisor__V1__ProcessSummary *s = r->summary;
	char t[40];
	const struct {
		const char *name;
		uint32_t n;
	} counts[] = {
		{ "stopped", s != NULL ? s->stopped : 0 },
		{ "starting", s != NULL ? s->starting : 0 },
		{ "running", s != NULL ? s->running : 0 },
		{ "backoff", s != NULL ? s->backoff : 0 },
		{ "stopping", s != NULL ? s->stopping : 0 },
		{ "exited", s != NULL ? s->exited : 0 },
		{ "fatal", s != NULL ? s->fatal : 0 },
		{ "unknown", s != NULL ? s->unknown : 0 },
	};

	fv_json_obj_begin(j);
	fv_json_key(j, "node");
	fv_json_str(j, r->node);
	fv_json_key(j, "state");
	fv_json_str(j, ctl_hosts_state(r));
	fv_json_key(j, "last_seen");
	ctl_fleet_time(t, sizeof(t), r->last_seen_us);
	fv_json_str(j, t);
	fv_json_key(j, "connected_since");
	ctl_fleet_time(t, sizeof(t), r->connected_since_us);
	fv_json_str(j, t);
	fv_json_key(j, "labels");
	fv_json_obj_begin(j);
	for (size_t i = 0; i < r->n_labels; i++) {
		fv_json_key(j, r->labels[i]->key);
		fv_json_str(j, r->labels[i]->value);
	}
	fv_json_obj_end(j);
	fv_json_key(j, "processes");
	fv_json_obj_begin(j);
	for (size_t i = 0; i < nitems(counts); i++) {
		fv_json_key(j, counts[i].name);
		fv_json_int(j, counts[i].n);
	}
	fv_json_obj_end(j);
	fv_json_key(j, "agent_version");
	fv_json_str(j, r->agent_version);
	fv_json_key(j, "identification");
	fv_json_str(j, r->identification);
	fv_json_key(j, "instance_id");
	fv_json_str(j, r->instance_id);
	fv_json_key(j, "last_event_serial");
	fv_json_int(j, (int64_t)r->last_event_serial);
	fv_json_key(j, "address");
	fv_json_str(j, r->address);
	fv_json_obj_end(j);
}

void
ctl_hosts_print(FILE *out, const Fleetvisor__V1__HostRow *const *rows, size_t n,
    int64_t now_us, bool json)
{
	static const char *const head[] = { "NODE", "STATE", "LAST SEEN",
		"PROCESSES", "VERSION", "LABELS" };
	size_t w[nitems(head)];
	char **cells = fv_xcalloc(n * nitems(head) + 1, sizeof(*cells));

	if (json) {
		fputc('[', out);
		for (size_t i = 0; i < n; i++) {
			struct fv_buf b;
			struct fv_json j;

			fv_buf_init(&b, SIZE_MAX / 2);
			fv_json_init(&j, &b);
			ctl_hosts_json(&j, rows[i]);
			fputs(i == 0 ? "\n" : ",\n", out);
			fwrite(b.data, 1, b.len, out);
			fv_buf_fini(&b);
		}
		fputs(n == 0 ? "]\n" : "\n]\n", out);
		free(cells);
		return;
	}
	for (size_t c = 0; c < nitems(head); c++) {
		w[c] = strlen(head[c]);
	}
	for (size_t i = 0; i < n; i++) {
		char **row = &cells[i * nitems(head)];

		row[0] = fv_xstrdup(rows[i]->node);
		row[1] = fv_xstrdup(ctl_hosts_state(rows[i]));
		row[2] = ctl_hosts_ago(now_us, rows[i]->last_seen_us);
		row[3] = ctl_hosts_summary(rows[i]->summary);
		row[4] = fv_xstrdup(rows[i]->agent_version);
		row[5] = ctl_hosts_labels(rows[i]);
		for (size_t c = 0; c < nitems(head); c++) {
			w[c] = strlen(row[c]) > w[c] ? strlen(row[c]) : w[c];
		}
	}
	for (size_t i = 0; i <= n; i++) {
		const char *const *row = i == 0
		    ? head
		    : (const char *const *)&cells[(i - 1) * nitems(head)];

		for (size_t c = 0; c < nitems(head); c++) {
			if (c + 1 < nitems(head)) {
				ctl_print_padded(out, row[c], w[c] + 2);
			} else {
				fputs(row[c], out);
			}
		}
		fputc('\n', out);
	}
	for (size_t i = 0; i < n * nitems(head); i++) {
		free(cells[i]);
	}
	free(cells);
}

/* ctl_events_rest writes what the payload holds after its first line,
 * with newlines as \n, so that an event stays one line. */
static void
ctl_events_rest(FILE *out, const ProtobufCBinaryData *p)
{
	const char *s = (const char *)p->data;
	const char *nl = s != NULL ? memchr(s, '\n', p->len) : NULL;
	size_t off, n;

	if (nl == NULL) {
		return;
	}
	off = (size_t)(nl - s) + 1;
	n = p->len - off;
	if (n == 0) {
		return;
	}
	fputs(" | ", out);
	for (size_t i = off; i < p->len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n') {
			fputs("\\n", out);
		} else if (c == '\\') {
			fputs("\\\\", out);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\x%02x", c);
		} else {
			fputc(c, out);
		}
	}
}

/* ctl_events_json_begin starts an events line's JSON object with the
 * members every line has. */
static void
ctl_events_json_begin(struct fv_buf *b, struct fv_json *j, const char *t,
    const char *host, const char *type)
{
	fv_buf_init(b, SIZE_MAX / 2);
	fv_json_init(j, b);
	fv_json_obj_begin(j);
	fv_json_key(j, "time");
	fv_json_str(j, t);
	fv_json_key(j, "host");
	fv_json_str(j, host);
	fv_json_key(j, "type");
	fv_json_str(j, type);
}

void
ctl_events_print(FILE *out, const Fleetvisor__V1__Event *ev, bool json)
{
	char t[40];

	ctl_fleet_time(t, sizeof(t), ev->timestamp_us);
	if (json) {
		struct fv_buf b;
		struct fv_json j;
		char *payload = fv_xstrndup(
		    (const char *)ev->payload.data, ev->payload.len);

		ctl_events_json_begin(&b, &j, t, ev->host, ev->type);
		fv_json_key(&j, "serial");
		fv_json_int(&j, (int64_t)ev->serial);
		fv_json_key(&j, "server");
		fv_json_str(&j, ev->server);
		fv_json_key(&j, "pool");
		fv_json_str(&j, ev->pool);
		fv_json_key(&j, "pool_serial");
		fv_json_int(&j, (int64_t)ev->pool_serial);
		fv_json_key(&j, "headers");
		fv_json_obj_begin(&j);
		for (size_t i = 0; i < ev->n_headers; i++) {
			fv_json_key(&j, ev->headers[i]->key);
			fv_json_str(&j, ev->headers[i]->value);
		}
		fv_json_obj_end(&j);
		fv_json_key(&j, "payload");
		fv_json_str(&j, payload);
		fv_json_obj_end(&j);
		free(payload);
		ctl_fleet_json_out(out, &b);
		return;
	}
	fprintf(out, "%s %s %" PRIu64 " %s", t, ev->host, ev->serial, ev->type);
	for (size_t i = 0; i < ev->n_headers; i++) {
		fprintf(
		    out, " %s:%s", ev->headers[i]->key, ev->headers[i]->value);
	}
	ctl_events_rest(out, &ev->payload);
	fputc('\n', out);
}

static const char *
ctl_events_kind(Fleetvisor__V1__ControllerEvent__Kind k)
{
	switch (k) {
	case FLEETVISOR__V1__CONTROLLER_EVENT__KIND__KIND_AGENT_CONNECTED:
		return "AGENT_CONNECTED";
	case FLEETVISOR__V1__CONTROLLER_EVENT__KIND__KIND_AGENT_LOST:
		return "AGENT_LOST";
	case FLEETVISOR__V1__CONTROLLER_EVENT__KIND__KIND_AGENT_REFUSED:
		return "AGENT_REFUSED";
	case FLEETVISOR__V1__CONTROLLER_EVENT__KIND__KIND_AGENT_RESTARTED:
		return "AGENT_RESTARTED";
	default:
		return "AGENT_UNKNOWN";
	}
}

void
ctl_events_print_controller(
    FILE *out, const Fleetvisor__V1__ControllerEvent *ev, bool json)
{
	const char *node = ev->node[0] != '\0' ? ev->node : "-";
	char t[40];

	ctl_fleet_time(t, sizeof(t), ev->timestamp_us);
	if (json) {
		struct fv_buf b;
		struct fv_json j;

		ctl_events_json_begin(
		    &b, &j, t, node, ctl_events_kind(ev->kind));
		fv_json_key(&j, "controller");
		fv_json_bool(&j, true);
		fv_json_key(&j, "instance_id");
		fv_json_str(&j, ev->instance_id);
		fv_json_key(&j, "address");
		fv_json_str(&j, ev->address);
		fv_json_key(&j, "reason");
		fv_json_str(&j, ev->reason);
		fv_json_obj_end(&j);
		ctl_fleet_json_out(out, &b);
		return;
	}
	fprintf(out, "%s %s - %s instance:%s address:%s", t, node,
	    ctl_events_kind(ev->kind),
	    ev->instance_id[0] != '\0' ? ev->instance_id : "-",
	    ev->address[0] != '\0' ? ev->address : "-");
	if (ev->reason[0] != '\0') {
		fprintf(out, " reason:%s", ev->reason);
	}
	fputc('\n', out);
}

void
ctl_events_print_start(FILE *out, int64_t now_us, const char *host,
    uint64_t serial, const char *state, bool json)
{
	char t[40];

	ctl_fleet_time(t, sizeof(t), now_us);
	if (json) {
		struct fv_buf b;
		struct fv_json j;

		ctl_events_json_begin(&b, &j, t, host, "START");
		fv_json_key(&j, "serial");
		fv_json_int(&j, (int64_t)serial);
		fv_json_key(&j, "state");
		fv_json_str(&j, state);
		fv_json_obj_end(&j);
		ctl_fleet_json_out(out, &b);
		return;
	}
	fprintf(
	    out, "%s %s %" PRIu64 " START state:%s\n", t, host, serial, state);
}

void
ctl_events_print_gap(FILE *out, int64_t now_us, const char *host, uint64_t from,
    uint64_t to, bool json)
{
	char t[40];

	ctl_fleet_time(t, sizeof(t), now_us);
	if (json) {
		struct fv_buf b;
		struct fv_json j;

		ctl_events_json_begin(&b, &j, t, host, "GAP");
		fv_json_key(&j, "from");
		fv_json_int(&j, (int64_t)from);
		fv_json_key(&j, "to");
		fv_json_int(&j, (int64_t)to);
		fv_json_obj_end(&j);
		ctl_fleet_json_out(out, &b);
		return;
	}
	fprintf(out, "%s %s - GAP missed:%" PRIu64 "-%" PRIu64 "\n", t, host,
	    from, to);
}

static int64_t
ctl_fleet_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- hosts ---- */

static void
ctl_hosts_help(struct ctl *ctl)
{
	ctl_out(ctl,
	    "hosts [--json] [NODE|GLOB|KEY=VALUE ...]\n"
	    "\t\t\tThe controller's registry: each host's state\n"
	    "\t\t\t(connected/lost), last heartbeat, process summary,\n"
	    "\t\t\tagent version and labels. Names and globs select\n"
	    "\t\t\thosts (any may match), KEY=VALUE labels (all must).");
}

static int
ctl_hosts_exec(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_fleet_sel sel;
	struct ctl_fleet_pages pages;
	struct fv_diag d = { { 0 } };
	const Fleetvisor__V1__HostRow **rows = NULL;
	bool json = ctl->opt.json;
	size_t n = 0;
	int code;

	if ((code = ctl_fleet_need(ctl, "hosts")) != 0) {
		return code;
	}
	if (argc > 0 && strcmp(argv[0], "--json") == 0) {
		json = true;
		argc--;
		argv++;
	}
	if (ctl_fleet_selector(&sel, ctl->opt.labels, argv, (size_t)argc, &d) !=
	    0) {
		ctl_fleet_selector_fini(&sel);
		ctl_out(ctl, "Error: %s", d.msg);
		return CTL_EXIT_INVALID_ARGS;
	}
	if (ctl_fleet_hosts(ctl->fleet, &sel.sel, &pages, &d) != 0) {
		ctl_fleet_selector_fini(&sel);
		return ctl_fleet_fail(ctl, &d);
	}
	for (size_t p = 0; p < pages.n; p++) {
		const Fleetvisor__V1__HostsReply *hr = pages.v[p]->hosts_reply;

		rows =
		    fv_xreallocarray(rows, n + hr->n_hosts + 1, sizeof(*rows));
		for (size_t i = 0; i < hr->n_hosts; i++) {
			rows[n++] = hr->hosts[i];
		}
	}
	ctl_hosts_print(ctl->out, (const Fleetvisor__V1__HostRow *const *)rows,
	    n, ctl_fleet_now_us(), json);
	/* Asking for hosts that are not there is an error, as a name that
	 * matches no server is. */
	if (n == 0 && argc > 0) {
		code = CTL_EXIT_GENERIC;
	}
	free(rows);
	ctl_fleet_pages_fini(&pages);
	ctl_fleet_selector_fini(&sel);
	return code;
}

const struct ctl_cmd ctl_cmd_hosts = {
	.name = "hosts",
	.exec = ctl_hosts_exec,
	.help = ctl_hosts_help,
	.multi = CTL_MULTI_LOCAL,
	.ours = true,
};

/* ---- events ---- */

struct ctl_ev_host {
	char *name;
	uint64_t serial; /* the last one seen */
	bool live; /* an event of the live stream was printed */
};

struct ctl_events {
	struct ctl *ctl;
	Fleetvisor__V1__Subscribe sub;
	struct fv_strv hosts, types, procs;
	bool json;
	long max; /* stop after this many events; 0: never */
	long count;
	struct ctl_ev_host *h;
	size_t nh;
	nng_socket sock;
	bool sock_open;
	atomic_bool connected;
	uv_poll_t poll;
	uv_signal_t sig;
	int open_handles;
	bool stop;
	int code;
};

static void
ctl_events_help(struct ctl *ctl)
{
	ctl_out(ctl,
	    "events [--host GLOB] [--type TYPE] [--process GLOB]\n"
	    "       [--controller] [-n COUNT]\n"
	    "\t\t\tFollow the fleet's events, one line each (--json:\n"
	    "\t\t\tone object per line). Each option may be repeated;\n"
	    "\t\t\ta TYPE covers its subtypes (PROCESS_STATE, EVENT).\n"
	    "\t\t\t--controller adds the controller's own events.\n"
	    "\t\t\tA GAP line tells of events that never arrived.\n"
	    "\t\t\tCtrl-C, or COUNT events, ends it.");
}

static struct ctl_ev_host *
ctl_events_host(struct ctl_events *e, const char *name)
{
	for (size_t i = 0; i < e->nh; i++) {
		if (strcmp(e->h[i].name, name) == 0) {
			return &e->h[i];
		}
	}
	e->h = fv_xreallocarray(e->h, e->nh + 1, sizeof(*e->h));
	e->h[e->nh] = (struct ctl_ev_host){ .name = fv_xstrdup(name) };
	return &e->h[e->nh++];
}

static void
ctl_events_on_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct ctl_events *e = arg;

	(void)p;
	(void)ev;
	atomic_store(&e->connected, true);
}

/* ctl_events_one handles one message of the PUB stream. */
static void
ctl_events_one(struct ctl_events *e, const Fleetvisor__V1__Envelope *env)
{
	FILE *out = e->ctl->out;

	if (env->body_case == FLEETVISOR__V1__ENVELOPE__BODY_EVENT) {
		const Fleetvisor__V1__Event *ev = env->event;
		struct ctl_ev_host *h = ctl_events_host(e, ev->host);

		if (ev->serial <= h->serial) {
			/* Published before the registry's snapshot: seen
			 * there already. Later, a lower serial means the
			 * agent started over. */
			if (!h->live) {
				return;
			}
		} else if (ev->serial > h->serial + 1 && h->serial > 0 &&
		    fv_pb_event_match(&e->sub, ev)) {
			ctl_events_print_gap(out, ctl_fleet_now_us(), ev->host,
			    h->serial + 1, ev->serial - 1, e->json);
		}
		h->serial = ev->serial;
		h->live = true;
		if (!fv_pb_event_match(&e->sub, ev)) {
			return;
		}
		ctl_events_print(out, ev, e->json);
		e->count++;
	} else if (env->body_case ==
	    FLEETVISOR__V1__ENVELOPE__BODY_CONTROLLER_EVENT) {
		const Fleetvisor__V1__ControllerEvent *ev =
		    env->controller_event;

		if (ev->kind ==
		        FLEETVISOR__V1__CONTROLLER_EVENT__KIND__KIND_AGENT_RESTARTED &&
		    ev->node[0] != '\0') {
			ctl_events_host(e, ev->node)->serial = 0;
		}
		if (!fv_pb_controller_event_match(&e->sub, ev)) {
			return;
		}
		ctl_events_print_controller(out, ev, e->json);
		e->count++;
	} else {
		return;
	}
	if (fflush(out) != 0 || ferror(out)) {
		e->stop = true; /* nobody reads any more */
	}
	if (e->max > 0 && e->count >= e->max) {
		e->stop = true;
	}
}

static void
ctl_events_on_readable(uv_poll_t *p, int status, int events)
{
	struct ctl_events *e = p->data;
	nng_msg *m;

	(void)status;
	(void)events;
	while (!e->stop && nng_recvmsg(e->sock, &m, NNG_FLAG_NONBLOCK) == 0) {
		Fleetvisor__V1__Envelope *env;

		/* A message that does not decode is dropped: PUB/SUB has
		 * no way back. */
		if (fv_fleet_msg_decode(m, &env, NULL, NULL, NULL) == 0) {
			ctl_events_one(e, env);
			fleetvisor__v1__envelope__free_unpacked(env, NULL);
		}
		nng_msg_free(m);
	}
}

static void
ctl_events_on_sigint(uv_signal_t *h, int signum)
{
	struct ctl_events *e = h->data;

	(void)signum;
	e->stop = true;
}

static void
ctl_events_on_close(uv_handle_t *h)
{
	struct ctl_events *e = h->data;

	e->open_handles--;
}

/* ctl_events_args reads the options; false (reported) on a bad one. */
static bool
ctl_events_args(struct ctl_events *e, int argc, char **argv)
{
	struct ctl *ctl = e->ctl;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '='), *value = NULL;
		size_t len = eq != NULL ? (size_t)(eq - a) : strlen(a);
		struct fv_strv *list = NULL;

		if (strncmp(a, "--controller", len) == 0 && len > 2 &&
		    eq == NULL) {
			e->sub.controller_events = true;
			continue;
		}
		if (strcmp(a, "--json") == 0) {
			e->json = true;
			continue;
		}
		if (strncmp(a, "--host", len) == 0 && len > 2) {
			list = &e->hosts;
		} else if (strncmp(a, "--type", len) == 0 && len > 2) {
			list = &e->types;
		} else if (strncmp(a, "--process", len) == 0 && len > 2) {
			list = &e->procs;
		} else if (strcmp(a, "-n") != 0 &&
		    strncmp(a, "--count", len) != 0) {
			ctl_out(ctl, "Error: bad argument %s", a);
			ctl_events_help(ctl);
			return false;
		}
		if (eq != NULL) {
			value = eq + 1;
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			ctl_out(ctl, "Error: %s needs a value", a);
			return false;
		}
		if (list != NULL) {
			fv_strv_push(list, value);
			continue;
		}
		char *end;
		e->max = strtol(value, &end, 10);
		if (*value == '\0' || *end != '\0' || e->max <= 0) {
			ctl_out(ctl, "Error: bad count %s", value);
			return false;
		}
	}
	e->sub.hosts = e->hosts.v;
	e->sub.n_hosts = e->hosts.n;
	e->sub.types = e->types.v;
	e->sub.n_types = e->types.n;
	e->sub.processes = e->procs.v;
	e->sub.n_processes = e->procs.n;
	return true;
}

/* ctl_events_connect dials the controller's events URL and waits (up
 * to the timeout) until the connection is up, so that nothing
 * published after the registry's answer is lost. */
static bool
ctl_events_connect(struct ctl_events *e, struct fv_diag *d)
{
	char url[600];
	struct ctl_fleet *f = e->ctl->fleet;
	unsigned waited = 0;
	int rv;

	if (fv_fleet_events_url(ctl_fleet_url(f), url, sizeof(url), d) != 0) {
		return false;
	}
	if ((rv = nng_sub0_open(&e->sock)) != 0) {
		fv_diagf(d, FV_EPROTO, "nng: %s", nng_strerror(rv));
		return false;
	}
	e->sock_open = true;
	(void)nng_pipe_notify(
	    e->sock, NNG_PIPE_EV_ADD_POST, ctl_events_on_pipe, e);
	/* nng's deepest queue (its default is 128 messages): a burst of a
	 * whole fleet's state changes waits here while we print, instead of
	 * being dropped. */
	(void)nng_socket_set_int(e->sock, NNG_OPT_RECVBUF, 8192);
	if ((rv = nng_socket_set(e->sock, NNG_OPT_SUB_SUBSCRIBE, "", 0)) != 0) {
		fv_diagf(d, FV_EPROTO, "nng: %s", nng_strerror(rv));
		return false;
	}
	if (fv_fleet_socket_setup(e->sock, d) != 0 ||
	    fv_fleet_dial(e->sock, url, ctl_fleet_tls(f), NULL, d) != 0) {
		return false;
	}
	while (!atomic_load(&e->connected)) {
		if (waited >= ctl_fleet_timeout(f)) {
			fv_diagf(d, CTL_FLEET_ETIMEDOUT,
			    "cannot connect to the controller's events at %s",
			    url);
			return false;
		}
		nng_msleep(10);
		waited += 10;
	}
	return true;
}

/* ctl_events_subscribe sends the filter and prints where each host's
 * stream starts. */
static bool
ctl_events_subscribe(struct ctl_events *e, struct fv_diag *d)
{
	Fleetvisor__V1__Envelope env, *r;
	int64_t now = ctl_fleet_now_us();

	fleetvisor__v1__envelope__init(&env);
	env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_SUBSCRIBE;
	env.subscribe = &e->sub;
	if (ctl_fleet_request(e->ctl->fleet, &env,
	        FLEETVISOR__V1__ENVELOPE__BODY_HOSTS_REPLY,
	        ctl_fleet_timeout(e->ctl->fleet) + CTL_FLEET_GRACE_MS, &r,
	        d) != 0) {
		return false;
	}
	for (size_t i = 0; i < r->hosts_reply->n_hosts; i++) {
		const Fleetvisor__V1__HostRow *row = r->hosts_reply->hosts[i];

		ctl_events_host(e, row->node)->serial = row->last_event_serial;
		ctl_events_print_start(e->ctl->out, now, row->node,
		    row->last_event_serial, ctl_hosts_state(row), e->json);
	}
	fflush(e->ctl->out);
	fleetvisor__v1__envelope__free_unpacked(r, NULL);
	return true;
}

static void
ctl_events_follow(struct ctl_events *e)
{
	uv_loop_t *loop = &e->ctl->loop;
	int fd, rv;

	if ((rv = nng_socket_get_int(e->sock, NNG_OPT_RECVFD, &fd)) != 0) {
		ctl_out(e->ctl, "Error: nng: %s", nng_strerror(rv));
		e->code = CTL_EXIT_GENERIC;
		return;
	}
	if ((rv = uv_poll_init(loop, &e->poll, fd)) != 0) {
		ctl_out(e->ctl, "Error: %s", uv_strerror(rv));
		e->code = CTL_EXIT_GENERIC;
		return;
	}
	e->poll.data = e;
	e->open_handles++;
	if ((rv = uv_signal_init(loop, &e->sig)) == 0) {
		e->sig.data = e;
		e->open_handles++;
		rv = uv_signal_start(&e->sig, ctl_events_on_sigint, SIGINT);
	}
	if (rv == 0) {
		rv = uv_poll_start(
		    &e->poll, UV_READABLE, ctl_events_on_readable);
	}
	if (rv != 0) {
		ctl_out(e->ctl, "Error: %s", uv_strerror(rv));
		e->code = CTL_EXIT_GENERIC;
	}
	/* What came while we subscribed. */
	ctl_events_on_readable(&e->poll, 0, UV_READABLE);
	while (rv == 0 && !e->stop) {
		uv_run(loop, UV_RUN_ONCE);
	}
	uv_close((uv_handle_t *)&e->poll, ctl_events_on_close);
	if (e->open_handles > 1) {
		uv_close((uv_handle_t *)&e->sig, ctl_events_on_close);
	}
	while (e->open_handles > 0) {
		uv_run(loop, UV_RUN_ONCE);
	}
}

static int
ctl_events_exec(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_events e = { .ctl = ctl, .json = ctl->opt.json };
	struct fv_diag d = { { 0 } };
	int code;

	if ((code = ctl_fleet_need(ctl, "events")) != 0) {
		return code;
	}
	fleetvisor__v1__subscribe__init(&e.sub);
	atomic_init(&e.connected, false);
	if (!ctl_events_args(&e, argc, argv)) {
		code = CTL_EXIT_INVALID_ARGS;
	} else if (!ctl_events_connect(&e, &d) ||
	    !ctl_events_subscribe(&e, &d)) {
		code = ctl_fleet_fail(ctl, &d);
	} else {
		ctl_events_follow(&e);
		code = e.code;
	}
	if (e.sock_open) {
		fv_fleet_close(&e.sock, 1, CTL_FLEET_CLOSE_WAIT_MS);
	}
	for (size_t i = 0; i < e.nh; i++) {
		free(e.h[i].name);
	}
	free(e.h);
	fv_strv_free(&e.hosts);
	fv_strv_free(&e.types);
	fv_strv_free(&e.procs);
	return code;
}

const struct ctl_cmd ctl_cmd_events = {
	.name = "events",
	.exec = ctl_events_exec,
	.help = ctl_events_help,
	.multi = CTL_MULTI_LOCAL,
	.ours = true,
};
