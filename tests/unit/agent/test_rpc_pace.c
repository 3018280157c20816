/*
 * rpc_pace.c against a real process table: the start and stop fan-outs
 * of the group and all methods (and startProcess and stopProcess of one
 * process) take their processes at once while the event gate is open, park when
 * it closes and go on when it opens or the hold runs out, with the answer a
 * walk in one piece gives. The gate is a fake installed on the supervisor's due
 * steps (proc_soon_set_gate), closed once k processes have been started or
 * stopped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "process/proc.h"
#include "rpc_fixture.h"

/* (priority) order: p3 p5 p2 bad p1 p4. */
static const char progs[] = "[program:p1]\n"
                            "command=/bin/sleep 1000\n"
                            "autostart=false\n"
                            "startsecs=0\n"
                            "priority=30\n"
                            "[program:p2]\n"
                            "command=/bin/sleep 1000\n"
                            "autostart=false\n"
                            "startsecs=0\n"
                            "priority=20\n"
                            "[program:bad]\n"
                            "command=/nonexistent/x\n"
                            "autostart=false\n"
                            "priority=25\n"
                            "[program:p3]\n"
                            "command=/bin/sleep 1000\n"
                            "autostart=false\n"
                            "startsecs=0\n"
                            "priority=10\n"
                            "[program:p4]\n"
                            "command=/bin/sleep 1000\n"
                            "autostart=false\n"
                            "startsecs=0\n"
                            "priority=40\n"
                            "[program:p5]\n"
                            "command=/bin/sleep 1000\n"
                            "autostart=false\n"
                            "startsecs=0\n"
                            "priority=15\n"
                            "[group:many]\n"
                            "programs=p1,p2,bad,p3,p4,p5\n";

#define NSLEEPERS 5
#define LONG_HOLD (60ull * 1000 * 1000 * 1000)
#define MS        (1000ull * 1000)

static const char *const start_order[NSLEEPERS] = { "many:p3", "many:p5",
	"many:p2", "many:p1", "many:p4" };

/* The fake gate: closed while on, once acts reaches k. */
struct gate {
	bool on;
	unsigned k;
	unsigned acts; /* STARTING and STOPPING transitions seen */
	unsigned asked;
};

static bool
gate_closed(void *arg, uint64_t *progress)
{
	struct gate *g = arg;

	(void)progress; /* no listener takes anything here */
	g->asked++;
	return g->on && g->acts >= g->k;
}

static void
gate_on_state(void *arg, const struct evbus_event *ev)
{
	struct gate *g = arg;

	if (ev->to == PROC_STARTING || ev->to == PROC_STOPPING) {
		g->acts++;
	}
}

static struct fx *
pace_open(struct gate *g, uint64_t hold_ns)
{
	struct fx *f = fx_open(progs);

	*g = (struct gate){ 0 };
	proc_soon_set_gate(&f->sv.soon, gate_closed, g, hold_ns);
	evbus_subscribe(&f->sv.bus, EVBUS_PROC_STATE, gate_on_state, g);
	return f;
}

static void
pace_close(struct fx *f, struct gate *g)
{
	g->on = false;
	evbus_unsubscribe(&f->sv.bus, gate_on_state, g);
	fx_close(f);
}

/* Closes the gate once k more processes have been started or stopped. */
static void
gate_close_after(struct gate *g, unsigned k)
{
	g->on = true;
	g->acts = 0;
	g->k = k;
}

/* How many sleepers are not in a stopped state. */
static unsigned
live(struct fx *f)
{
	unsigned n = 0;

	for (size_t i = 0; i < NSLEEPERS; i++) {
		if (!proc_state_is_stopped(
		        proc_state(fx_proc(f, start_order[i])))) {
			n++;
		}
	}
	return n;
}

/* "name status description;" for each result struct, in order. */
static char *
summary(const struct xr_value *r)
{
	struct fv_buf b;
	char *s;

	fv_buf_init(&b, 1 << 16);
	assert_non_null(r);
	for (size_t i = 0; i < xr_array_len(r); i++) {
		const struct xr_value *e = xr_array_at(r, i);

		fv_buf_printf(&b, "%s/%s %d %s;", fx_member_str(e, "group"),
		    fx_member_str(e, "name"), (int)fx_member_int(e, "status"),
		    fx_member_str(e, "description"));
	}
	s = fv_xstrdup(fv_buf_cstr(&b));
	fv_buf_fini(&b);
	return s;
}

/* Runs c to its end (it may be done already) and returns its summary. */
static char *
finish(struct fx *f, struct fx_call *c, enum rpc_status st)
{
	char *s;

	if (st == RPC_PENDING) {
		assert_true(fx_call_wait(f, c, 10000));
	}
	assert_int_equal(c->call.fault_code, 0);
	s = summary(c->call.result);
	fx_call_fini(c);
	return s;
}

static void
wait_all_state(struct fx *f, enum proc_state st)
{
	for (size_t i = 0; i < NSLEEPERS; i++) {
		assert_true(fx_wait_state(f, start_order[i], st, 10000));
	}
}

static const char start_nowait[] =
    "many/p3 80 OK;many/p5 80 OK;many/p2 80 OK;"
    "many/bad 20 NO_FILE: can't find command '/nonexistent/x';"
    "many/p1 80 OK;many/p4 80 OK;";

/* With waits: the fault known at once comes before them. */
static const char start_wait[] =
    "many/bad 20 NO_FILE: can't find command '/nonexistent/x';"
    "many/p3 80 OK;many/p5 80 OK;many/p2 80 OK;many/p1 80 OK;"
    "many/p4 80 OK;";

static const char stop_nowait[] =
    "many/p3 80 OK;many/p5 80 OK;many/p2 80 OK;many/p1 80 OK;"
    "many/p4 80 OK;";

/* With the gate open, the walk is done inside the call. */
static void
test_gate_open_all_at_once(void **state)
{
	struct gate g;
	struct fx *f = pace_open(&g, LONG_HOLD);
	struct fx_call c;
	enum rpc_status st;
	char *s;

	(void)state;
	assert_int_equal(
	    fx_start(f, &c, "supervisor.startProcessGroup", "sb", "many", 0),
	    RPC_DONE);
	assert_int_equal(live(f), NSLEEPERS);
	/* Asked before each process started, not before one passed by. */
	assert_int_equal(g.asked, NSLEEPERS + 1);
	s = finish(f, &c, RPC_DONE);
	assert_string_equal(s, start_nowait);
	free(s);
	wait_all_state(f, PROC_RUNNING);

	assert_int_equal(
	    fx_start(f, &c, "supervisor.stopAllProcesses", "b", 0), RPC_DONE);
	s = finish(f, &c, RPC_DONE);
	assert_string_equal(s, stop_nowait);
	free(s);
	wait_all_state(f, PROC_STOPPED);

	/* wait=true: no park, the wait answers once all are RUNNING. */
	st = fx_start(f, &c, "supervisor.startAllProcesses", "b", 1);
	s = finish(f, &c, st);
	assert_string_equal(s, start_wait);
	free(s);
	pace_close(f, &g);
}

/*
 * The gate closes after k starts: the call parks with exactly k started,
 * stays parked while it is closed, and goes on once it opens; the answer
 * is the one an open gate gives, for waits as for no waits.
 */
static void
test_parks_and_resumes(void **state)
{
	struct gate g;
	struct fx *f = pace_open(&g, LONG_HOLD);
	struct fx_call c;
	enum rpc_status st;
	char *open_start, *open_stop, *s;

	(void)state;
	/* What the open gate answers, as the reference. */
	st = fx_start(f, &c, "supervisor.startProcessGroup", "s", "many");
	open_start = finish(f, &c, st);
	assert_string_equal(open_start, start_wait);
	st = fx_start(f, &c, "supervisor.stopProcessGroup", "sb", "many", 0);
	open_stop = finish(f, &c, st);
	assert_string_equal(open_stop, stop_nowait);
	wait_all_state(f, PROC_STOPPED);

	for (unsigned k = 1; k <= 3; k++) {
		gate_close_after(&g, k);
		assert_int_equal(fx_start(f, &c, "supervisor.startProcessGroup",
		                     "s", "many"),
		    RPC_PENDING);
		assert_int_equal(live(f), k);
		fx_run_ms(f, 30);
		assert_int_equal(c.done, 0);
		assert_int_equal(live(f), k);
		g.on = false;
		s = finish(f, &c, RPC_PENDING);
		assert_string_equal(s, open_start);
		free(s);
		wait_all_state(f, PROC_RUNNING);

		gate_close_after(&g, k);
		assert_int_equal(fx_start(f, &c, "supervisor.stopProcessGroup",
		                     "sb", "many", 0),
		    RPC_PENDING);
		assert_int_equal(g.acts, k);
		fx_run_ms(f, 30);
		assert_int_equal(c.done, 0);
		assert_int_equal(g.acts, k);
		g.on = false;
		s = finish(f, &c, RPC_PENDING);
		assert_string_equal(s, open_stop);
		free(s);
		wait_all_state(f, PROC_STOPPED);
	}
	free(open_start);
	free(open_stop);
	pace_close(f, &g);
}

/* A gate that never opens holds a call for the hold, then lets it go. */
static void
test_hold_runs_out(void **state)
{
	struct gate g;
	struct fx *f = pace_open(&g, 40 * MS);
	struct fx_call c;
	uint64_t t0, took;
	char *s;

	(void)state;
	gate_close_after(&g, 0);
	t0 = uv_hrtime();
	assert_int_equal(
	    fx_start(f, &c, "supervisor.startProcessGroup", "sb", "many", 0),
	    RPC_PENDING);
	assert_int_equal(live(f), 0);
	s = finish(f, &c, RPC_PENDING);
	took = uv_hrtime() - t0;
	assert_string_equal(s, start_nowait);
	free(s);
	assert_true(took >= 40 * MS);
	assert_int_equal(live(f), NSLEEPERS);
	pace_close(f, &g);
}

/* A client that goes away while its call is parked: nothing more is
 * started, and nothing is left behind (the sanitizer build checks). */
static void
test_client_gone_while_parked(void **state)
{
	struct gate g;
	struct fx *f = pace_open(&g, LONG_HOLD);
	struct fx_call c;

	(void)state;
	gate_close_after(&g, 2);
	assert_int_equal(
	    fx_start(f, &c, "supervisor.startProcessGroup", "s", "many"),
	    RPC_PENDING);
	assert_int_equal(live(f), 2);
	fx_call_fini(&c);
	g.on = false;
	fx_run_ms(f, 30);
	assert_int_equal(c.done, 0);
	assert_int_equal(live(f), 2);
	pace_close(f, &g);
}

/*
 * The group goes away under a parked start that waits: the processes it
 * had not reached answer BAD_NAME, those it started (stopped since, so
 * that the group could go) ABNORMAL_TERMINATION, and no freed process is
 * touched.
 */
static void
test_group_removed_while_parked(void **state)
{
	struct gate g;
	struct fx *f = pace_open(&g, LONG_HOLD);
	struct fx_call c, rm;
	char *s;

	(void)state;
	gate_close_after(&g, 2);
	assert_int_equal(
	    fx_start(f, &c, "supervisor.startProcessGroup", "s", "many"),
	    RPC_PENDING);
	assert_int_equal(live(f), 2);
	/* Stopped behind the gate's back: stopProcess would park too. */
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(proc_stop(fx_proc(f, start_order[i])), 0);
		assert_true(
		    fx_wait_state(f, start_order[i], PROC_STOPPED, 10000));
	}
	assert_int_equal(live(f), 0);
	assert_int_equal(
	    fx_start(f, &rm, "supervisor.removeProcessGroup", "s", "many"),
	    RPC_DONE);
	assert_int_equal(rm.call.fault_code, 0);
	fx_call_fini(&rm);
	g.on = false;
	s = finish(f, &c, RPC_PENDING);
	assert_string_equal(s,
	    "many/p2 10 BAD_NAME: many:p2;many/bad 10 BAD_NAME: many:bad;"
	    "many/p1 10 BAD_NAME: many:p1;many/p4 10 BAD_NAME: many:p4;"
	    "many/p3 40 ABNORMAL_TERMINATION: many:p3;"
	    "many/p5 40 ABNORMAL_TERMINATION: many:p5;");
	free(s);
	pace_close(f, &g);
}

/* A shutdown begun under a parked call: what is left answers
 * SHUTDOWN_STATE and nothing more is started. */
static void
test_shutdown_while_parked(void **state)
{
	struct gate g;
	struct fx *f = pace_open(&g, LONG_HOLD);
	struct fx_call c;
	char *s;

	(void)state;
	gate_close_after(&g, 2);
	assert_int_equal(
	    fx_start(f, &c, "supervisor.startAllProcesses", "b", 0),
	    RPC_PENDING);
	supervisor_stop_all(&f->sv, SV_SHUTDOWN, fx_on_stopped, f);
	g.on = false;
	s = finish(f, &c, RPC_PENDING);
	assert_string_equal(s,
	    "many/p3 80 OK;many/p5 80 OK;many/p2 6 SHUTDOWN_STATE;"
	    "many/bad 6 SHUTDOWN_STATE;many/p1 6 SHUTDOWN_STATE;"
	    "many/p4 6 SHUTDOWN_STATE;");
	free(s);
	pace_close(f, &g);
}

/* Runs a single call c to its end; its fault string, or "true". */
static char *
finish_single(struct fx *f, struct fx_call *c, enum rpc_status st)
{
	char *s;

	if (st == RPC_PENDING) {
		assert_true(fx_call_wait(f, c, 10000));
	}
	if (c->call.fault_code != 0) {
		s = fv_xasprintf(
		    "%d %s", c->call.fault_code, c->call.fault_string);
	} else {
		bool b = false;

		assert_true(xr_bool_get(c->call.result, &b));
		assert_true(b);
		s = fv_xstrdup("true");
	}
	fx_call_fini(c);
	return s;
}

/*
 * startProcess and stopProcess of one process: parked while the gate is
 * closed, answered as 4.2.5 answers once it opens; one that would start
 * or stop nothing is answered at once, gate or not.
 */
static void
test_single_parks_and_resumes(void **state)
{
	struct gate g;
	struct fx *f = pace_open(&g, LONG_HOLD);
	struct fx_call c;
	enum rpc_status st;
	char *s;

	(void)state;
	gate_close_after(&g, 0);
	assert_int_equal(
	    fx_start(f, &c, "supervisor.startProcess", "sb", "many:p3", 0),
	    RPC_PENDING);
	fx_run_ms(f, 30);
	assert_int_equal(c.done, 0);
	assert_int_equal(live(f), 0);
	g.on = false;
	s = finish_single(f, &c, RPC_PENDING);
	assert_string_equal(s, "true");
	free(s);
	assert_true(fx_wait_state(f, "many:p3", PROC_RUNNING, 10000));

	/* Nothing to start or stop: no park. */
	gate_close_after(&g, 0);
	s = finish_single(
	    f, &c, fx_start(f, &c, "supervisor.startProcess", "s", "many:p3"));
	assert_string_equal(s, "60 ALREADY_STARTED: many:p3");
	free(s);
	s = finish_single(
	    f, &c, fx_start(f, &c, "supervisor.stopProcess", "s", "many:p5"));
	assert_string_equal(s, "70 NOT_RUNNING: many:p5");
	free(s);

	/* A stop that waits: parked, then the wait answers. */
	assert_int_equal(
	    fx_start(f, &c, "supervisor.stopProcess", "s", "many:p3"),
	    RPC_PENDING);
	fx_run_ms(f, 30);
	assert_int_equal(c.done, 0);
	assert_int_equal(proc_state(fx_proc(f, "many:p3")), PROC_RUNNING);
	g.on = false;
	s = finish_single(f, &c, RPC_PENDING);
	assert_string_equal(s, "true");
	free(s);
	assert_int_equal(proc_state(fx_proc(f, "many:p3")), PROC_STOPPED);

	/* A fault known once it runs, after the park. */
	gate_close_after(&g, 0);
	assert_int_equal(
	    fx_start(f, &c, "supervisor.startProcess", "s", "many:bad"),
	    RPC_PENDING);
	g.on = false;
	s = finish_single(f, &c, RPC_PENDING);
	assert_string_equal(
	    s, "20 NO_FILE: can't find command '/nonexistent/x'");
	free(s);

	/* Open gate: answered inside the call, as before. */
	st = fx_start(f, &c, "supervisor.startProcess", "sb", "many:p1", 0);
	assert_int_equal(st, RPC_DONE);
	s = finish_single(f, &c, st);
	assert_string_equal(s, "true");
	free(s);
	pace_close(f, &g);
}

/* Parked single calls: the group removed answers BAD_NAME with the
 * name asked for; a shutdown answers SHUTDOWN_STATE; a client gone
 * leaves nothing started. */
static void
test_single_parked_outcomes(void **state)
{
	struct gate g;
	struct fx *f = pace_open(&g, LONG_HOLD);
	struct fx_call c, rm;
	char *s;

	(void)state;
	gate_close_after(&g, 0);
	assert_int_equal(
	    fx_start(f, &c, "supervisor.startProcess", "s", "many:p2"),
	    RPC_PENDING);
	fx_call_fini(&c);
	g.on = false;
	fx_run_ms(f, 30);
	assert_int_equal(c.done, 0);
	assert_int_equal(live(f), 0);

	gate_close_after(&g, 0);
	assert_int_equal(
	    fx_start(f, &c, "supervisor.startProcess", "s", "many:p2"),
	    RPC_PENDING);
	assert_int_equal(
	    fx_start(f, &rm, "supervisor.removeProcessGroup", "s", "many"),
	    RPC_DONE);
	assert_int_equal(rm.call.fault_code, 0);
	fx_call_fini(&rm);
	g.on = false;
	s = finish_single(f, &c, RPC_PENDING);
	assert_string_equal(s, "10 BAD_NAME: many:p2");
	free(s);
	pace_close(f, &g);

	f = pace_open(&g, LONG_HOLD);
	gate_close_after(&g, 0);
	assert_int_equal(
	    fx_start(f, &c, "supervisor.startProcess", "sb", "many:p4", 0),
	    RPC_PENDING);
	supervisor_stop_all(&f->sv, SV_SHUTDOWN, fx_on_stopped, f);
	g.on = false;
	s = finish_single(f, &c, RPC_PENDING);
	assert_string_equal(s, "6 SHUTDOWN_STATE");
	free(s);
	assert_int_equal(live(f), 0);
	pace_close(f, &g);
}

/* Dispatches system.multicall of the methods named, without params. */
static enum rpc_status
multicall(struct fx *f, struct fx_call *c, const char *m1, const char *m2)
{
	struct xr_value *calls = xr_array_new();
	const char *m[] = { m1, m2 };

	for (size_t i = 0; i < 2; i++) {
		struct xr_value *one = xr_struct_new();

		xr_struct_set_take(one, "methodName", xr_string_new(m[i]));
		xr_struct_set_take(one, "params", xr_array_new());
		xr_array_add_take(calls, one);
	}
	memset(c, 0, sizeof(*c));
	c->call.ctx = &f->ctx;
	c->call.on_done = fx_on_done;
	c->call.on_done_arg = c;
	c->params = xr_array_new();
	xr_array_add_take(c->params, calls);
	return rpc_dispatch(&c->call, "system.multicall", c->params);
}

/* n result structs, every one OK. */
static void
check_all_ok(const struct xr_value *r, size_t n)
{
	assert_int_equal(xr_array_len(r), n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(
		    fx_member_int(xr_array_at(r, i), "status"), 80);
	}
}

/* The web page's "restart all": a multicall whose inner calls park and
 * go on; cancelled while parked, it leaves nothing behind. */
static void
test_multicall_restart_all(void **state)
{
	struct gate g;
	struct fx *f = pace_open(&g, LONG_HOLD);
	struct fx_call c;
	const struct xr_value *r;

	(void)state;
	assert_int_equal(
	    fx_start(f, &c, "supervisor.startAllProcesses", "b", 0), RPC_DONE);
	fx_call_fini(&c);
	wait_all_state(f, PROC_RUNNING);

	gate_close_after(&g, 2);
	assert_int_equal(multicall(f, &c, "supervisor.stopAllProcesses",
	                     "supervisor.startAllProcesses"),
	    RPC_PENDING);
	assert_int_equal(g.acts, 2);
	fx_run_ms(f, 30);
	assert_int_equal(c.done, 0);
	assert_int_equal(g.acts, 2);
	g.on = false;
	assert_true(fx_call_wait(f, &c, 10000));
	r = c.call.result;
	assert_int_equal(xr_array_len(r), 2);
	/* Waited results come in the order they settle. */
	check_all_ok(xr_array_at(r, 0), NSLEEPERS);
	assert_int_equal(xr_array_len(xr_array_at(r, 1)), NSLEEPERS + 1);
	fx_call_fini(&c);
	wait_all_state(f, PROC_RUNNING);

	gate_close_after(&g, 2);
	assert_int_equal(multicall(f, &c, "supervisor.stopAllProcesses",
	                     "supervisor.startAllProcesses"),
	    RPC_PENDING);
	fx_call_fini(&c);
	g.on = false;
	fx_run_ms(f, 30);
	assert_int_equal(c.done, 0);
	assert_int_equal(g.acts, 2);
	assert_int_equal(proc_state(fx_proc(f, "many:p2")), PROC_RUNNING);
	pace_close(f, &g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gate_open_all_at_once),
		cmocka_unit_test(test_parks_and_resumes),
		cmocka_unit_test(test_hold_runs_out),
		cmocka_unit_test(test_client_gone_while_parked),
		cmocka_unit_test(test_group_removed_while_parked),
		cmocka_unit_test(test_shutdown_while_parked),
		cmocka_unit_test(test_multicall_restart_all),
		cmocka_unit_test(test_single_parks_and_resumes),
		cmocka_unit_test(test_single_parked_outcomes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
