/*
 * fleetvisorctl against a controller: CommandResults turned into the
 * several-server output (status table with its host column, per-host
 * lines, a timed-out host, exit codes, --json), the events line format,
 * the host selector syntax, and the whole client path against a fake
 * controller (nng REP + PUB on ipc:// in a thread of this test) that
 * answers canned replies: paging, CODE_BUSY, silence past the deadline,
 * events with a serial gap.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/util/platform.h>

#include "cmd.h"
#include "cmd_fleet.h"
#include "common/xalloc.h"
#include "ctl.h"
#include "fleet.h"
#include "fleet_conv.h"
#include "proto/fleet_close.h"
#include "proto/fleet_codec.h"
#include "proto/fleet_match.h"

/* A literal where protobuf-c wants a char *: never written through. */
#define S(x) ((char *)(uintptr_t)(x))

/* ---- Canned messages ---- */

static Fleetvisor__V1__ProcessInfo
mkinfo(const char *name, const char *group, int state, const char *sname,
    const char *desc, int pid)
{
	Fleetvisor__V1__ProcessInfo p;

	fleetvisor__v1__process_info__init(&p);
	p.name = (char *)(uintptr_t)name;
	p.group = (char *)(uintptr_t)group;
	p.state = state;
	p.statename = (char *)(uintptr_t)sname;
	p.description = (char *)(uintptr_t)desc;
	p.pid = pid;
	return p;
}

static Fleetvisor__V1__CommandResult
mkresult(const char *host, int outcome, int code)
{
	Fleetvisor__V1__CommandResult r;

	fleetvisor__v1__command_result__init(&r);
	r.host = (char *)(uintptr_t)host;
	r.outcome = outcome;
	r.exit_code = code;
	return r;
}

#define OK        FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_OK
#define TIMED_OUT FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_TIMED_OUT
#define A_STATUS  FLEETVISOR__V1__COMMAND__ACTION__ACTION_STATUS

/* ---- Conversion (pure) ---- */

static void
test_convert_status_rows_and_errors(void **state)
{
	Fleetvisor__V1__ProcessInfo p1 =
	    mkinfo("app", "web", 20, "RUNNING", "pid 5, uptime 0:01:00", 5);
	Fleetvisor__V1__ProcessInfo *pp[] = { &p1 };
	char *lines[] = { S("nope: ERROR (no such process)") };
	Fleetvisor__V1__CommandResult r = mkresult("web1", OK, 4);
	struct ctl_fleet_out o;

	(void)state;
	r.processes = pp;
	r.n_processes = 1;
	r.lines = lines;
	r.n_lines = 1;
	ctl_fleet_convert(&r, A_STATUS, false, 30000, &o);
	assert_string_equal(o.name, "web1");
	assert_int_equal(o.code, 4);
	assert_int_equal(o.rep.n, 2);
	assert_string_equal(o.rep.v[0].namespec, "nope");
	assert_string_equal(o.rep.v[0].error, "no such process");
	assert_string_equal(o.rep.v[1].namespec, "web:app");
	assert_string_equal(ctl_str(o.rep.v[1].fields, "statename"), "RUNNING");
	assert_int_equal(ctl_int(o.rep.v[1].fields, "pid"), 5);
	ctl_fleet_out_fini(&o);
}

static void
test_convert_timed_out_host(void **state)
{
	Fleetvisor__V1__CommandResult r = mkresult("web3", TIMED_OUT, 0);
	struct ctl_fleet_out o;

	(void)state;
	ctl_fleet_convert(&r, A_STATUS, false, 30000, &o);
	/* Status cannot tell: LSB 4, as for an unreachable server. */
	assert_int_equal(o.code, 4);
	assert_int_equal(o.rep.n, 1);
	assert_null(o.rep.v[0].namespec);
	assert_string_equal(
	    o.rep.v[0].error, "timed out: no answer within 30 s");
	ctl_fleet_out_fini(&o);
	ctl_fleet_convert(
	    &r, FLEETVISOR__V1__COMMAND__ACTION__ACTION_START, false, 1500, &o);
	assert_int_equal(o.code, 1);
	assert_string_equal(o.out, "timed out: no answer within 1500 ms\n");
	ctl_fleet_out_fini(&o);
}

static void
test_convert_pid_avail_tail_text(void **state)
{
	Fleetvisor__V1__ProcessInfo self = mkinfo("", "", 0, "", "", 42);
	Fleetvisor__V1__ProcessInfo *pp[] = { &self };
	Fleetvisor__V1__ConfigInfo ci;
	Fleetvisor__V1__ConfigInfo *cp[] = { &ci };
	Fleetvisor__V1__TailChunk tc;
	Fleetvisor__V1__CommandResult r = mkresult("h", OK, 0);
	struct ctl_fleet_out o;

	(void)state;
	r.processes = pp;
	r.n_processes = 1;
	ctl_fleet_convert(
	    &r, FLEETVISOR__V1__COMMAND__ACTION__ACTION_PID, false, 1000, &o);
	assert_string_equal(o.out, "42\n");
	ctl_fleet_out_fini(&o);
	ctl_fleet_convert(
	    &r, FLEETVISOR__V1__COMMAND__ACTION__ACTION_PID, true, 1000, &o);
	assert_null(o.rep.v[0].namespec);
	assert_int_equal(ctl_int(o.rep.v[0].fields, "pid"), 42);
	ctl_fleet_out_fini(&o);

	r = mkresult("h", OK, 0);
	fleetvisor__v1__config_info__init(&ci);
	ci.name = S("app");
	ci.group = S("web");
	ci.inuse = true;
	ci.autostart = true;
	ci.group_prio = 999;
	ci.process_prio = 999;
	r.configs = cp;
	r.n_configs = 1;
	ctl_fleet_convert(
	    &r, FLEETVISOR__V1__COMMAND__ACTION__ACTION_AVAIL, false, 1000, &o);
	/* 4.2.5's avail line, from the one formatter. */
	assert_non_null(strstr(o.out, "web:app"));
	assert_non_null(strstr(o.out, "in use"));
	assert_non_null(strstr(o.out, "auto"));
	ctl_fleet_out_fini(&o);

	r = mkresult("h", OK, 0);
	fleetvisor__v1__tail_chunk__init(&tc);
	tc.data.data = (uint8_t *)S("one\ntwo\n");
	tc.data.len = 8;
	tc.offset = 8;
	r.tail = &tc;
	ctl_fleet_convert(
	    &r, FLEETVISOR__V1__COMMAND__ACTION__ACTION_TAIL, false, 1000, &o);
	assert_string_equal(o.out, "one\ntwo\n");
	ctl_fleet_out_fini(&o);
}

/* ---- Selector syntax ---- */

static void
test_selector_words_and_labels(void **state)
{
	char *words[] = { S("web-*"), S("role=web"), S("db1") };
	struct ctl_fleet_sel s;
	struct fv_diag d = { { 0 } };
	Fleetvisor__V1__KeyValue kv, kv2;
	Fleetvisor__V1__KeyValue *labels[] = { &kv, &kv2 };

	(void)state;
	fleetvisor__v1__key_value__init(&kv);
	kv.key = S("role");
	kv.value = S("web");
	fleetvisor__v1__key_value__init(&kv2);
	kv2.key = S("dc");
	kv2.value = S("eu");
	assert_int_equal(ctl_fleet_selector(&s, "dc=eu", words, 3, &d), 0);
	assert_false(s.sel.all);
	assert_int_equal(s.sel.n_names, 2);
	assert_int_equal(s.sel.n_labels, 2);
	assert_true(fv_pb_selector_match(&s.sel, "web-1", labels, 2));
	assert_true(fv_pb_selector_match(&s.sel, "db1", labels, 2));
	assert_false(fv_pb_selector_match(&s.sel, "db2", labels, 2));
	assert_false(fv_pb_selector_match(&s.sel, "web-1", labels, 1));
	ctl_fleet_selector_fini(&s);

	assert_int_equal(ctl_fleet_selector(&s, NULL, NULL, 0, &d), 0);
	assert_true(s.sel.all);
	ctl_fleet_selector_fini(&s);

	assert_int_equal(
	    ctl_fleet_selector(&s, "nolabel", NULL, 0, &d), FV_EUSAGE);
	ctl_fleet_selector_fini(&s);
	assert_int_equal(
	    ctl_fleet_selector(&s, "a/b=c", NULL, 0, &d), FV_EUSAGE);
	ctl_fleet_selector_fini(&s);
}

/* ---- Events format ---- */

static char *
capture_event(const Fleetvisor__V1__Event *ev, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ctl_events_print(f, ev, json);
	fclose(f);
	return buf;
}

static void
test_events_line_format(void **state)
{
	Fleetvisor__V1__Event ev;
	Fleetvisor__V1__KeyValue h1, h2;
	Fleetvisor__V1__KeyValue *hp[] = { &h1, &h2 };
	static const char payload[] = "processname:app groupname:web\nhi\n";
	char *s;

	(void)state;
	fleetvisor__v1__event__init(&ev);
	fleetvisor__v1__key_value__init(&h1);
	fleetvisor__v1__key_value__init(&h2);
	h1.key = S("processname");
	h1.value = S("app");
	h2.key = S("groupname");
	h2.value = S("web");
	ev.host = S("web1");
	ev.serial = 42;
	ev.type = S("PROCESS_LOG_STDOUT");
	ev.timestamp_us = 1700000000123456;
	ev.headers = hp;
	ev.n_headers = 2;
	ev.payload.data = (uint8_t *)(uintptr_t)payload;
	ev.payload.len = strlen(payload);
	s = capture_event(&ev, false);
	assert_string_equal(s,
	    "2023-11-14T22:13:20.123Z web1 42 PROCESS_LOG_STDOUT "
	    "processname:app groupname:web | hi\\n\n");
	free(s);
	s = capture_event(&ev, true);
	assert_non_null(strstr(s, "\"host\":\"web1\""));
	assert_non_null(strstr(s, "\"serial\":42"));
	assert_non_null(strstr(s, "\"headers\":{\"processname\":\"app\""));
	assert_int_equal(s[strlen(s) - 1], '\n');
	assert_null(strchr(s, '\n') != s + strlen(s) - 1 ? s : NULL);
	free(s);
}

static void
test_hosts_summary(void **state)
{
	Fleetvisor__V1__ProcessSummary sum;
	char *s;

	(void)state;
	fleetvisor__v1__process_summary__init(&sum);
	s = ctl_hosts_summary(&sum);
	assert_string_equal(s, "no processes");
	free(s);
	sum.running = 12;
	sum.fatal = 1;
	s = ctl_hosts_summary(&sum);
	assert_string_equal(s, "12 running, 1 fatal");
	free(s);
}

/* ---- A fake controller ---- */

struct fake;
/* A handler answers one request: it fills *reply (static storage is
 * fine) and returns true, or returns false to stay silent. */
typedef bool fake_fn(struct fake *fk, const Fleetvisor__V1__Envelope *req,
    Fleetvisor__V1__Envelope *reply);

struct fake {
	char dir[64], url[128], events_url[160];
	nng_socket rep, pub;
	pthread_t thread;
	atomic_bool stop;
	atomic_int pub_pipes;
	fake_fn *fn;
	int requests;
	uint64_t last_page_id;
	/* What the handlers saw. */
	char last_args[256];
	bool last_all;
};

static void
fake_on_pub_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct fake *fk = arg;

	(void)p;
	atomic_fetch_add(&fk->pub_pipes, ev == NNG_PIPE_EV_ADD_POST ? 1 : -1);
}

static void
fake_send(struct fake *fk, nng_socket s, Fleetvisor__V1__Envelope *env)
{
	nng_msg *m;
	struct fv_diag d = { { 0 } };

	env->version = FV_PROTO_VERSION;
	if (fv_fleet_msg_new(env, &m, &d) != 0) {
		fail_msg("fake: %s", d.msg);
	}
	assert_int_equal(nng_sendmsg(s, m, 0), 0);
}

static void *
fake_main(void *arg)
{
	struct fake *fk = arg;

	while (!atomic_load(&fk->stop)) {
		nng_msg *m;
		Fleetvisor__V1__Envelope *req, reply;

		if (nng_recvmsg(fk->rep, &m, 0) != 0) {
			continue; /* the receive timeout: look at stop */
		}
		assert_int_equal(
		    fv_fleet_msg_decode(m, &req, NULL, NULL, NULL), 0);
		nng_msg_free(m);
		fk->requests++;
		assert_int_not_equal(req->request_id, 0);
		fleetvisor__v1__envelope__init(&reply);
		if (fk->fn(fk, req, &reply)) {
			reply.request_id = req->request_id;
			fake_send(fk, fk->rep, &reply);
		}
		fleetvisor__v1__envelope__free_unpacked(req, NULL);
	}
	return NULL;
}

static void
fake_start(struct fake *fk, fake_fn *fn)
{
	struct fv_diag d = { { 0 } };

	memset(fk, 0, sizeof(*fk));
	fk->fn = fn;
	snprintf(fk->dir, sizeof(fk->dir), "/tmp/fvctl-fleet-XXXXXX");
	assert_non_null(mkdtemp(fk->dir));
	snprintf(fk->url, sizeof(fk->url), "ipc://%s/c", fk->dir);
	assert_int_equal(fv_fleet_events_url(fk->url, fk->events_url,
	                     sizeof(fk->events_url), &d),
	    0);
	assert_int_equal(nng_rep0_open(&fk->rep), 0);
	assert_int_equal(nng_pub0_open(&fk->pub), 0);
	nng_pipe_notify(fk->pub, NNG_PIPE_EV_ADD_POST, fake_on_pub_pipe, fk);
	nng_pipe_notify(fk->pub, NNG_PIPE_EV_REM_POST, fake_on_pub_pipe, fk);
	assert_int_equal(nng_socket_set_ms(fk->rep, NNG_OPT_RECVTIMEO, 50), 0);
	assert_int_equal(fv_fleet_listen(fk->rep, fk->url, NULL, NULL, &d), 0);
	assert_int_equal(
	    fv_fleet_listen(fk->pub, fk->events_url, NULL, NULL, &d), 0);
	assert_int_equal(pthread_create(&fk->thread, NULL, fake_main, fk), 0);
}

static void
fake_stop(struct fake *fk)
{
	char path[200];

	atomic_store(&fk->stop, true);
	pthread_join(fk->thread, NULL);
	/* Bounded: nng 1.5.2's close can hang (fleet_close.h). */
	if (!fv_fleet_close((nng_socket[]){ fk->rep, fk->pub }, 2, 8000)) {
		fprintf(
		    stderr, "note: nng_close did not return; left behind\n");
	}
	snprintf(path, sizeof(path), "%s/c", fk->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/c.events", fk->dir);
	unlink(path);
	rmdir(fk->dir);
}

/* A ctl session on the fake, its output captured. */
struct sess {
	struct ctl ctl;
	char *buf;
	size_t len;
	FILE *out;
};

static void
sess_open(struct sess *s, struct fake *fk, const char *timeout, bool json)
{
	struct ctl_options o = { 0 };

	memset(s, 0, sizeof(*s));
	o.serverurl = fv_xstrdup(fk->url);
	fv_strv_push(&o.serverurls, fk->url);
	o.prompt = fv_xstrdup("supervisor");
	o.json = json;
	o.timeout_ms = (unsigned)(strtod(timeout, NULL) * 1000);
	s->out = open_memstream(&s->buf, &s->len);
	assert_int_equal(ctl_init(&s->ctl, &o, s->out, s->out), 0);
}

static char *
sess_run(struct sess *s, const char *line, int *code)
{
	char *copy;

	*code = ctl_onecmd(&s->ctl, line);
	fflush(s->out);
	copy = fv_xstrndup(s->buf, s->len);
	fclose(s->out);
	free(s->buf);
	s->buf = NULL;
	s->len = 0;
	s->out = open_memstream(&s->buf, &s->len);
	s->ctl.out = s->ctl.err = s->out;
	return copy;
}

static void
sess_close(struct sess *s)
{
	ctl_fini(&s->ctl);
	fclose(s->out);
	free(s->buf);
}

static void
fake_args(struct fake *fk, const Fleetvisor__V1__Command *c)
{
	size_t len = 0;

	fk->last_args[0] = '\0';
	for (size_t i = 0; i < c->n_args; i++) {
		int n = snprintf(fk->last_args + len,
		    sizeof(fk->last_args) - len, "%s ", c->args[i]);

		assert_true(n > 0 && (size_t)n < sizeof(fk->last_args) - len);
		len += (size_t)n;
	}
	fk->last_all = c->selector != NULL && c->selector->all;
}

/* fake_registry answers a HostsRequest: web1..web3, connected. */
static bool
fake_registry(Fleetvisor__V1__Envelope *reply)
{
	static char names[3][8] = { "web1", "web2", "web3" };
	static Fleetvisor__V1__HostRow h[3];
	static Fleetvisor__V1__HostRow *hs[3];
	static Fleetvisor__V1__HostsReply hr;

	for (size_t i = 0; i < 3; i++) {
		fleetvisor__v1__host_row__init(&h[i]);
		h[i].node = names[i];
		h[i].state = FLEETVISOR__V1__HOST_ROW__STATE__STATE_CONNECTED;
		hs[i] = &h[i];
	}
	fleetvisor__v1__hosts_reply__init(&hr);
	hr.hosts = hs;
	hr.n_hosts = 3;
	reply->body_case = FLEETVISOR__V1__ENVELOPE__BODY_HOSTS_REPLY;
	reply->hosts_reply = &hr;
	return true;
}

/* Status over three hosts in two pages: web1 and web3 (timed out)
 * first, web2 on page 1. */
static bool
fake_status_paged(struct fake *fk, const Fleetvisor__V1__Envelope *req,
    Fleetvisor__V1__Envelope *reply)
{
	static Fleetvisor__V1__ProcessInfo a, b;
	static Fleetvisor__V1__ProcessInfo *pa[1], *pb[1];
	static Fleetvisor__V1__CommandResult r1, r2, r3;
	static Fleetvisor__V1__CommandResult *page0[2], *page1[1];
	static Fleetvisor__V1__CommandReply cr;

	a = mkinfo("app", "web", 20, "RUNNING", "pid 5, uptime 0:01:00", 5);
	b = mkinfo("db", "db", 0, "STOPPED", "Not started", 0);
	pa[0] = &a;
	pb[0] = &b;
	r1 = mkresult("web1", OK, 0);
	r1.processes = pa;
	r1.n_processes = 1;
	r2 = mkresult("web2", OK, 3);
	r2.processes = pb;
	r2.n_processes = 1;
	r3 = mkresult("web3", TIMED_OUT, 0);
	page0[0] = &r3;
	page0[1] = &r1;
	page1[0] = &r2;
	fleetvisor__v1__command_reply__init(&cr);
	if (req->body_case == FLEETVISOR__V1__ENVELOPE__BODY_HOSTS_REQUEST) {
		return fake_registry(reply);
	}
	if (req->body_case == FLEETVISOR__V1__ENVELOPE__BODY_COMMAND) {
		assert_int_equal(req->command->action, A_STATUS);
		assert_int_not_equal(req->deadline_ms, 0);
		fake_args(fk, req->command);
		fk->last_page_id = req->request_id;
		cr.results = page0;
		cr.n_results = 2;
		cr.more = true;
	} else {
		assert_int_equal(req->body_case,
		    FLEETVISOR__V1__ENVELOPE__BODY_PAGE_REQUEST);
		assert_true(req->page_request->request_id == fk->last_page_id);
		assert_int_equal(req->page_request->page, 1);
		cr.page = 1;
		cr.results = page1;
		cr.n_results = 1;
	}
	cr.hosts_expected = 3;
	reply->body_case = FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_REPLY;
	reply->command_reply = &cr;
	return true;
}

static void
test_client_status_pages_table(void **state)
{
	struct fake fk;
	struct sess s;
	char *out, want[512];
	int code;

	(void)state;
	fake_start(&fk, fake_status_paged);
	sess_open(&s, &fk, "30", false);
	out = sess_run(&s, "status", &code);
	/* The errors first, then one table with a host column, by host:
	 * the name column is 4.2.5's (at least 30, plus 3). */
	snprintf(want, sizeof(want),
	    "web3  timed out: no answer within 30 s\n"
	    "web1  %-33s%-10s%s\n"
	    "web2  %-33s%-10s%s\n",
	    "web:app", "RUNNING", "pid 5, uptime 0:01:00", "db", "STOPPED",
	    "Not started");
	assert_string_equal(out, want);
	assert_int_equal(code, 4);
	assert_true(fk.last_all);
	free(out);
	out = sess_run(&s, "status web1/web:app", &code);
	assert_string_equal(fk.last_args, "web1/web:app ");
	free(out);
	sess_close(&s);

	sess_open(&s, &fk, "30", true);
	out = sess_run(&s, "status", &code);
	assert_non_null(strstr(out,
	    "{\"host\":\"web3\",\"error\":\"timed out: no answer within 30 "
	    "s\"}"));
	assert_non_null(strstr(out,
	    "{\"host\":\"web1\",\"namespec\":\"web:app\",\"name\":\"app\""));
	assert_non_null(strstr(out, "\"host\":\"web2\",\"namespec\":\"db\""));
	assert_int_equal(out[0], '[');
	assert_int_equal(code, 4);
	free(out);
	sess_close(&s);
	fake_stop(&fk);
}

/* start: per-host lines; the code is the highest. HostsRequest: the
 * registry for host patterns. */
static bool
fake_start_cmd(struct fake *fk, const Fleetvisor__V1__Envelope *req,
    Fleetvisor__V1__Envelope *reply)
{
	static char *l1[] = { S("app: started") };
	static char *l2[] = { S("app: ERROR (spawn error)") };
	static Fleetvisor__V1__CommandResult r1, r2;
	static Fleetvisor__V1__CommandResult *rs[2];
	static Fleetvisor__V1__CommandReply cr;

	if (req->body_case == FLEETVISOR__V1__ENVELOPE__BODY_HOSTS_REQUEST) {
		return fake_registry(reply);
	}
	fake_args(fk, req->command);
	r1 = mkresult("web1", OK, 0);
	r1.lines = l1;
	r1.n_lines = 1;
	r2 = mkresult("web2", OK, 7);
	r2.lines = l2;
	r2.n_lines = 1;
	rs[0] = &r2;
	rs[1] = &r1;
	fleetvisor__v1__command_reply__init(&cr);
	cr.results = rs;
	cr.n_results = 2;
	reply->body_case = FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_REPLY;
	reply->command_reply = &cr;
	return true;
}

static void
test_client_lines_and_hosts(void **state)
{
	struct fake fk;
	struct sess s;
	char *out;
	int code;

	(void)state;
	fake_start(&fk, fake_start_cmd);
	sess_open(&s, &fk, "5", false);
	out = sess_run(&s, "start app", &code);
	assert_string_equal(out,
	    "web1  app: started\n"
	    "web2  app: ERROR (spawn error)\n");
	assert_int_equal(code, 7);
	free(out);
	/* A host pattern that matches nothing is said as in multi mode;
	 * the rest still runs. */
	out = sess_run(&s, "start 'db*'/x web*/app", &code);
	assert_non_null(strstr(out, "'db*': ERROR (no such host)\n"));
	assert_string_equal(fk.last_args, "'db*'/x web*/app ");
	free(out);
	out = sess_run(&s, "start nope/app", &code);
	assert_string_equal(out, "nope: ERROR (no such host)\n");
	assert_int_equal(code, 1);
	free(out);
	/* fg cannot go through a controller. */
	out = sess_run(&s, "fg web1/app", &code);
	assert_non_null(strstr(out, "cannot go through a controller"));
	assert_int_equal(code, 2);
	free(out);
	out = sess_run(&s, "hosts", &code);
	assert_non_null(strstr(out, "NODE"));
	assert_non_null(strstr(out, "web2  connected"));
	assert_int_equal(code, 0);
	free(out);
	sess_close(&s);
	fake_stop(&fk);
}

static bool
fake_busy(struct fake *fk, const Fleetvisor__V1__Envelope *req,
    Fleetvisor__V1__Envelope *reply)
{
	static Fleetvisor__V1__Error e;

	(void)fk;
	(void)req;
	fleetvisor__v1__error__init(&e);
	e.code = FLEETVISOR__V1__ERROR__CODE__CODE_BUSY;
	e.message = S("128 commands in flight");
	e.version = FV_PROTO_VERSION;
	reply->body_case = FLEETVISOR__V1__ENVELOPE__BODY_ERROR;
	reply->error = &e;
	return true;
}

static void
test_client_error_busy(void **state)
{
	struct fake fk;
	struct sess s;
	char *out;
	int code;

	(void)state;
	fake_start(&fk, fake_busy);
	sess_open(&s, &fk, "5", false);
	out = sess_run(&s, "restart all", &code);
	assert_string_equal(out,
	    "Error: the controller is busy, try again later: 128 commands "
	    "in flight\n");
	assert_int_equal(code, 1);
	free(out);
	sess_close(&s);
	fake_stop(&fk);
}

static bool
fake_silent(struct fake *fk, const Fleetvisor__V1__Envelope *req,
    Fleetvisor__V1__Envelope *reply)
{
	(void)fk;
	(void)req;
	(void)reply;
	return false;
}

static void
test_client_deadline(void **state)
{
	struct fake fk;
	struct sess s;
	char *out;
	int code;

	(void)state;
	fake_start(&fk, fake_silent);
	sess_open(&s, &fk, "0.2", false);
	out = sess_run(&s, "stop all", &code);
	assert_non_null(strstr(out, "Error: no answer from the controller at"));
	assert_non_null(strstr(out, "within 1700 ms"));
	assert_int_equal(code, 1);
	free(out);
	out = sess_run(&s, "status", &code);
	assert_int_equal(code, 4);
	free(out);
	sess_close(&s);
	fake_stop(&fk);
}

/* events: the registry says web1 is at serial 5; the stream brings 6, 7,
 * then 9 (8 lost), an event of another type, and a controller event. */
static bool
fake_events(struct fake *fk, const Fleetvisor__V1__Envelope *req,
    Fleetvisor__V1__Envelope *reply)
{
	static Fleetvisor__V1__HostRow h1;
	static Fleetvisor__V1__HostRow *hs[1];
	static Fleetvisor__V1__HostsReply hr;

	assert_int_equal(
	    req->body_case, FLEETVISOR__V1__ENVELOPE__BODY_SUBSCRIBE);
	assert_int_equal(req->subscribe->n_types, 1);
	assert_string_equal(req->subscribe->types[0], "PROCESS_STATE");
	assert_true(req->subscribe->controller_events);
	(void)fk;
	fleetvisor__v1__host_row__init(&h1);
	h1.node = S("web1");
	h1.state = FLEETVISOR__V1__HOST_ROW__STATE__STATE_CONNECTED;
	h1.last_event_serial = 5;
	hs[0] = &h1;
	fleetvisor__v1__hosts_reply__init(&hr);
	hr.hosts = hs;
	hr.n_hosts = 1;
	reply->body_case = FLEETVISOR__V1__ENVELOPE__BODY_HOSTS_REPLY;
	reply->hosts_reply = &hr;
	return true;
}

static void
fake_publish(struct fake *fk, uint64_t serial, const char *type)
{
	Fleetvisor__V1__Envelope env;
	Fleetvisor__V1__Event ev;

	fleetvisor__v1__envelope__init(&env);
	fleetvisor__v1__event__init(&ev);
	ev.host = S("web1");
	ev.serial = serial;
	ev.type = (char *)(uintptr_t)type;
	ev.timestamp_us = 1700000000000000;
	env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_EVENT;
	env.event = &ev;
	fake_send(fk, fk->pub, &env);
}

struct events_run {
	struct sess *s;
	char *out;
	int code;
};

static void *
events_main(void *arg)
{
	struct events_run *er = arg;

	er->out = sess_run(
	    er->s, "events --type PROCESS_STATE --controller -n 4", &er->code);
	return NULL;
}

static void
test_client_events_gap(void **state)
{
	struct fake fk;
	struct sess s;
	struct events_run er = { .s = &s };
	Fleetvisor__V1__Envelope env;
	Fleetvisor__V1__ControllerEvent ce;
	pthread_t t;

	(void)state;
	fake_start(&fk, fake_events);
	sess_open(&s, &fk, "5", false);
	assert_int_equal(pthread_create(&t, NULL, events_main, &er), 0);
	/* Publish once the client follows: it subscribed (the REP
	 * answered) and its SUB is connected. */
	for (int i = 0;
	     i < 500 && (fk.requests == 0 || atomic_load(&fk.pub_pipes) == 0);
	     i++) {
		nng_msleep(10);
	}
	assert_int_equal(fk.requests, 1);
	fake_publish(&fk, 5, "PROCESS_STATE_RUNNING"); /* already seen */
	fake_publish(&fk, 6, "PROCESS_STATE_RUNNING");
	fake_publish(&fk, 7, "PROCESS_STATE_STOPPED");
	fake_publish(&fk, 9, "PROCESS_STATE_RUNNING");
	fake_publish(&fk, 10, "TICK_5"); /* filtered out */
	fleetvisor__v1__envelope__init(&env);
	fleetvisor__v1__controller_event__init(&ce);
	ce.kind = FLEETVISOR__V1__CONTROLLER_EVENT__KIND__KIND_AGENT_LOST;
	ce.node = S("web1");
	ce.reason = S("no heartbeat for 15 s");
	ce.timestamp_us = 1700000000000000;
	env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_CONTROLLER_EVENT;
	env.controller_event = &ce;
	fake_send(&fk, fk.pub, &env);
	pthread_join(t, NULL);
	assert_int_equal(er.code, 0);
	assert_non_null(strstr(er.out, " web1 5 START state:connected\n"));
	assert_non_null(strstr(er.out,
	    "2023-11-14T22:13:20.000Z web1 6 PROCESS_STATE_RUNNING\n"
	    "2023-11-14T22:13:20.000Z web1 7 PROCESS_STATE_STOPPED\n"));
	assert_non_null(strstr(er.out, " web1 - GAP missed:8-8\n"));
	assert_non_null(strstr(
	    er.out, "2023-11-14T22:13:20.000Z web1 9 PROCESS_STATE_RUNNING\n"));
	assert_null(strstr(er.out, "TICK_5"));
	assert_null(strstr(er.out, " web1 5 PROCESS"));
	assert_non_null(strstr(er.out,
	    "2023-11-14T22:13:20.000Z web1 - AGENT_LOST instance:- "
	    "address:- reason:no heartbeat for 15 s\n"));
	free(er.out);
	sess_close(&s);
	fake_stop(&fk);
}

/* tail -f: polled with offsets until the log goes away. */
static bool
fake_tail(struct fake *fk, const Fleetvisor__V1__Envelope *req,
    Fleetvisor__V1__Envelope *reply)
{
	static Fleetvisor__V1__TailChunk tc;
	static Fleetvisor__V1__CommandResult r;
	static Fleetvisor__V1__CommandResult *rs[1];
	static Fleetvisor__V1__CommandReply cr;
	static char data[3][4] = { "a\n", "b\n", "" };
	static char *gone[] = { S("app: ERROR (no such process)") };
	int round = fk->requests - 1;

	assert_int_equal(
	    req->command->action, FLEETVISOR__V1__COMMAND__ACTION__ACTION_TAIL);
	fake_args(fk, req->command);
	if (round == 0) {
		assert_string_equal(fk->last_args, "-1600 app stderr ");
	} else if (round == 1) {
		assert_string_equal(fk->last_args, "web1/+2 app stderr ");
	} else {
		assert_string_equal(fk->last_args, "web1/+4 app stderr ");
	}
	r = mkresult("web1", OK, 0);
	fleetvisor__v1__tail_chunk__init(&tc);
	if (round < 2) {
		tc.data.data = (uint8_t *)data[round];
		tc.data.len = 2;
		tc.offset = 2 * (round + 1);
		r.tail = &tc;
	} else {
		r.outcome =
		    FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_ERROR;
		r.exit_code = 1;
		r.lines = gone;
		r.n_lines = 1;
	}
	rs[0] = &r;
	fleetvisor__v1__command_reply__init(&cr);
	cr.results = rs;
	cr.n_results = 1;
	reply->body_case = FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_REPLY;
	reply->command_reply = &cr;
	return true;
}

static void
test_client_tail_follow_offsets(void **state)
{
	struct fake fk;
	struct sess s;
	char *out;
	int code;

	(void)state;
	fake_start(&fk, fake_tail);
	sess_open(&s, &fk, "5", false);
	out = sess_run(&s, "tail -f app stderr", &code);
	assert_string_equal(out,
	    "==> Press Ctrl-C to exit <==\n"
	    "a\nb\n"
	    "web1/app (stderr): app: ERROR (no such process)\n");
	assert_int_equal(code, 1);
	assert_int_equal(fk.requests, 3);
	free(out);
	sess_close(&s);
	fake_stop(&fk);
}

static void
test_no_controller(void **state)
{
	struct ctl_options o = { 0 };
	struct ctl ctl;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	(void)state;
	o.serverurl = fv_xstrdup("http://127.0.0.1:1");
	fv_strv_push(&o.serverurls, o.serverurl);
	o.prompt = fv_xstrdup("supervisor");
	assert_int_equal(ctl_init(&ctl, &o, out, out), 0);
	assert_int_equal(ctl_onecmd(&ctl, "hosts"), 2);
	fflush(out);
	assert_non_null(strstr(buf, "Error: hosts needs a controller"));
	ctl_fini(&ctl);
	fclose(out);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_convert_status_rows_and_errors),
		cmocka_unit_test(test_convert_timed_out_host),
		cmocka_unit_test(test_convert_pid_avail_tail_text),
		cmocka_unit_test(test_selector_words_and_labels),
		cmocka_unit_test(test_events_line_format),
		cmocka_unit_test(test_hosts_summary),
		cmocka_unit_test(test_client_status_pages_table),
		cmocka_unit_test(test_client_lines_and_hosts),
		cmocka_unit_test(test_client_error_busy),
		cmocka_unit_test(test_client_deadline),
		cmocka_unit_test(test_client_events_gap),
		cmocka_unit_test(test_client_tail_follow_offsets),
		cmocka_unit_test(test_no_controller),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
