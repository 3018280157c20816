/*
 * rpc_process.c against a real process table: 4.2.5's results, fault
 * codes and texts for start, stop, signal, info and stdin; waiting calls
 * that finish, fail and are cancelled.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "process/proc.h"
#include "proto/xmlrpc/xr_codec.h"
#include "rpc_fixture.h"

static const char progs[] =
    "[program:sleeper]\n"
    "command=/bin/sleep 1000\n"
    "autostart=false\n"
    "startsecs=1\n"
    "[program:quick]\n"
    "command=/bin/sh -c \"echo hi; sleep 0.2; exit 3\"\n"
    "autostart=false\n"
    "startsecs=1\n"
    "startretries=0\n"
    "[program:nofile]\n"
    "command=/nonexistent/x\n"
    "autostart=false\n"
    "[program:notexec]\n"
    "command=/etc/passwd\n"
    "autostart=false\n"
    "[program:cat]\n"
    "command=/bin/cat\n"
    "autostart=false\n"
    "startsecs=0\n"
    "[program:noin]\n"
    "command=/bin/sh -c \"exec 0<&-; exec sleep 1000\"\n"
    "autostart=false\n"
    "startsecs=0\n"
    "[program:a]\n"
    "command=/bin/sleep 1000\n"
    "autostart=false\n"
    "startsecs=0\n"
    "priority=5\n"
    "[program:b]\n"
    "command=/bin/sleep 1000\n"
    "autostart=false\n"
    "startsecs=0\n"
    "priority=1\n"
    "[group:grp]\n"
    "programs=a,b\n";

static void
check_fault(struct fx_call *c, int code, const char *text)
{
	assert_int_equal(c->call.fault_code, code);
	assert_string_equal(c->call.fault_string, text);
}

static void
check_true(struct fx_call *c)
{
	bool b = false;

	assert_int_equal(c->call.fault_code, 0);
	assert_true(xr_bool_get(c->call.result, &b));
	assert_true(b);
}

/* A call that must answer at once: dispatch, check, release. */
static void
call_fault(struct fx *f, int code, const char *text, const char *method,
    const char *fmt, ...)
{
	struct fx_call c = { 0 };
	va_list ap;

	c.call.ctx = &f->ctx;
	va_start(ap, fmt);
	c.params = fx_vparams(fmt, ap);
	va_end(ap);
	assert_int_equal(rpc_dispatch(&c.call, method, c.params), RPC_DONE);
	check_fault(&c, code, text);
	fx_call_fini(&c);
}

/* Sends a byte to ns's stdin until the answer is NO_FILE (or ms). */
static bool
stdin_closed_within(struct fx *f, const char *ns, uint64_t ms)
{
	uint64_t end;

	uv_update_time(&f->loop);
	end = uv_now(&f->loop) + ms;
	for (;;) {
		struct fx_call c = { 0 };
		int code;

		c.call.ctx = &f->ctx;
		c.params = xr_array_new();
		xr_array_add_take(c.params, xr_string_new(ns));
		xr_array_add_take(c.params, xr_string_new("x"));
		assert_int_equal(rpc_dispatch(&c.call,
		                     "supervisor.sendProcessStdin", c.params),
		    RPC_DONE);
		code = c.call.fault_code;
		fx_call_fini(&c);
		if (code == 20) {
			return true;
		}
		assert_int_equal(code, 0);
		uv_update_time(&f->loop);
		if (uv_now(&f->loop) >= end) {
			return false;
		}
		fx_run_ms(f, 5);
	}
}

static void
check_result(const struct xr_value *r, const char *name, const char *group,
    int status, const char *desc)
{
	assert_string_equal(fx_member_str(r, "name"), name);
	assert_string_equal(fx_member_str(r, "group"), group);
	assert_int_equal(fx_member_int(r, "status"), status);
	assert_string_equal(fx_member_str(r, "description"), desc);
}

/* Two grp results, both OK, in any order. */
static void
check_results_set(const struct xr_value *r, const char *x, const char *y)
{
	const char *n0, *n1;

	assert_int_equal(xr_array_len(r), 2);
	n0 = fx_member_str(xr_array_at(r, 0), "name");
	n1 = fx_member_str(xr_array_at(r, 1), "name");
	assert_true((strcmp(n0, x) == 0 && strcmp(n1, y) == 0) ||
	    (strcmp(n0, y) == 0 && strcmp(n1, x) == 0));
	for (size_t i = 0; i < 2; i++) {
		check_result(
		    xr_array_at(r, i), i == 0 ? n0 : n1, "grp", 80, "OK");
	}
}

static void
test_start_faults(void **state)
{
	struct fx *f = fx_open(progs);

	(void)state;
	call_fault(
	    f, 10, "BAD_NAME: bogus", "supervisor.startProcess", "s", "bogus");
	call_fault(f, 10, "BAD_NAME: grp:bogus", "supervisor.startProcess", "s",
	    "grp:bogus");
	call_fault(f, 10, "BAD_NAME: bogus:*", "supervisor.startProcess", "s",
	    "bogus:*");
	/* A group's process is not reachable by its bare name. */
	call_fault(f, 10, "BAD_NAME: a", "supervisor.startProcess", "s", "a");
	call_fault(f, 20, "NO_FILE: can't find command '/nonexistent/x'",
	    "supervisor.startProcess", "s", "nofile");
	call_fault(f, 21,
	    "NOT_EXECUTABLE: command at '/etc/passwd' is not executable",
	    "supervisor.startProcess", "s", "notexec");
	call_fault(
	    f, 2, "INCORRECT_PARAMETERS", "supervisor.startProcess", "i", 1);
	assert_int_equal(proc_state(fx_proc(f, "nofile")), PROC_STOPPED);
	fx_close(f);
}

/* uptime_is checks the description of sleeper started ago seconds ago. */
static void
uptime_is(struct fx *f, int64_t ago, const char *want)
{
	struct proc *p = fx_proc(f, "sleeper");
	int64_t saved = p->laststart_wall;
	struct fx_call c;
	char head[64];
	const char *desc;

	p->laststart_wall = (int64_t)time(NULL) - ago;
	assert_int_equal(
	    fx_start(f, &c, "supervisor.getProcessInfo", "s", "sleeper"),
	    RPC_DONE);
	desc = fx_member_str(c.call.result, "description");
	snprintf(head, sizeof(head), "pid %d, %s", (int)p->pid, want);
	assert_true(strncmp(desc, head, strlen(head)) == 0);
	assert_int_equal(strlen(desc), strlen(head) + 1);
	fx_call_fini(&c);
	p->laststart_wall = saved;
}

static void
test_start_wait_then_running(void **state)
{
	struct fx *f = fx_open(progs);
	struct fx_call c, c2;
	const struct xr_value *info;

	(void)state;
	assert_int_equal(
	    fx_start(f, &c, "supervisor.startProcess", "s", "sleeper"),
	    RPC_PENDING);
	assert_int_equal(proc_state(fx_proc(f, "sleeper")), PROC_STARTING);
	/* Not before startsecs. */
	fx_run_ms(f, 300);
	assert_int_equal(c.done, 0);
	assert_true(fx_call_wait(f, &c, 5000));
	assert_int_equal(c.done, 1);
	check_true(&c);
	assert_int_equal(proc_state(fx_proc(f, "sleeper")), PROC_RUNNING);
	fx_call_fini(&c);

	call_fault(f, 60, "ALREADY_STARTED: sleeper", "supervisor.startProcess",
	    "sb", "sleeper", 0);
	assert_int_equal(
	    fx_start(f, &c2, "supervisor.getProcessInfo", "s", "sleeper"),
	    RPC_DONE);
	info = c2.call.result;
	assert_string_equal(fx_member_str(info, "statename"), "RUNNING");
	assert_int_equal(fx_member_int(info, "state"), 20);
	assert_int_equal(
	    fx_member_int(info, "pid"), (int)fx_proc(f, "sleeper")->pid);
	assert_true(
	    strncmp(fx_member_str(info, "description"), "pid ", 4) == 0);
	assert_non_null(
	    strstr(fx_member_str(info, "description"), ", uptime 0:00:0"));
	assert_true(fx_member_int(info, "start") > 0);
	assert_int_equal(fx_member_int(info, "stop"), 0);
	fx_call_fini(&c2);
	/* Uptimes over a day, as _interpretProcessInfo words them (the
	 * last digit may tick while the call runs). */
	uptime_is(f, 86400 + 3600 + 60, "uptime 1 day, 1:01:0");
	uptime_is(f, 2 * 86400 + 36000 + 600, "uptime 2 days, 10:10:0");

	/* Stop with wait: true once STOPPED; then NOT_RUNNING. */
	/* Pending, unless the reap right after the kill saw it die. */
	if (fx_start(f, &c, "supervisor.stopProcess", "s", "sleeper") ==
	    RPC_PENDING) {
		assert_true(fx_call_wait(f, &c, 5000));
	}
	check_true(&c);
	assert_int_equal(proc_state(fx_proc(f, "sleeper")), PROC_STOPPED);
	fx_call_fini(&c);
	call_fault(f, 70, "NOT_RUNNING: sleeper", "supervisor.stopProcess", "s",
	    "sleeper");
	fx_close(f);
}

static void
test_start_spawn_error_and_nowait(void **state)
{
	struct fx *f = fx_open(progs);
	struct fx_call c, i;

	(void)state;
	assert_int_equal(
	    fx_start(f, &c, "supervisor.startProcess", "s", "quick"),
	    RPC_PENDING);
	assert_true(fx_call_wait(f, &c, 5000));
	check_fault(&c, 50, "SPAWN_ERROR: quick");
	fx_call_fini(&c);
	assert_true(fx_wait_state(f, "quick", PROC_FATAL, 5000));
	assert_int_equal(
	    fx_start(f, &i, "supervisor.getProcessInfo", "s", "quick"),
	    RPC_DONE);
	assert_string_equal(fx_member_str(i.call.result, "description"),
	    "Exited too quickly (process log may have details)");
	assert_string_equal(fx_member_str(i.call.result, "spawnerr"),
	    "Exited too quickly (process log may have details)");
	fx_call_fini(&i);

	/* wait=false answers true at once. */
	assert_int_equal(
	    fx_start(f, &c, "supervisor.startProcess", "sb", "quick", 0),
	    RPC_DONE);
	check_true(&c);
	fx_call_fini(&c);
	fx_close(f);
}

/* Two calls wait on one process: the start fails when a stop comes. */
static void
test_concurrent_waits_same_process(void **state)
{
	struct fx *f = fx_open(progs);
	struct fx_call start, stop;
	int rv;

	(void)state;
	assert_int_equal(
	    fx_start(f, &start, "supervisor.startProcess", "s", "sleeper"),
	    RPC_PENDING);
	/* The stop reaps at once, as 4.2.5's does: a child that SIGTERM
	 * killed before the call returned is already stopped then. */
	rv = fx_start(f, &stop, "supervisor.stopProcess", "s", "sleeper");
	assert_true(rv == RPC_PENDING || rv == RPC_DONE);
	assert_true(fx_call_wait(f, &start, 5000));
	check_fault(&start, 40, "ABNORMAL_TERMINATION: sleeper");
	if (rv == RPC_PENDING) {
		assert_true(fx_call_wait(f, &stop, 5000));
		assert_int_equal(stop.done, 1);
	}
	check_true(&stop);
	assert_int_equal(start.done, 1);
	fx_call_fini(&start);
	fx_call_fini(&stop);
	fx_close(f);
}

/* A cancelled wait never answers; the others on the process still do. */
static void
test_cancel_wait(void **state)
{
	struct fx *f = fx_open(progs);
	struct fx_call c1, c2;

	(void)state;
	assert_int_equal(
	    fx_start(f, &c1, "supervisor.startProcess", "s", "sleeper"),
	    RPC_PENDING);
	assert_int_equal(
	    fx_start(f, &c2, "supervisor.startProcessGroup", "s", "grp"),
	    RPC_PENDING);
	rpc_call_cancel(&c1.call);
	assert_false(c1.call.pending);
	assert_true(fx_call_wait(f, &c2, 5000));
	assert_int_equal(xr_array_len(c2.call.result), 2);
	fx_call_fini(&c2);
	assert_true(fx_wait_state(f, "sleeper", PROC_RUNNING, 5000));
	fx_run_ms(f, 50);
	assert_int_equal(c1.done, 0);
	fx_call_fini(&c1);
	fx_close(f);
}

static void
test_group_order_and_delegation(void **state)
{
	struct fx *f = fx_open(progs);
	struct fx_call c;
	const struct xr_value *r;

	(void)state;
	call_fault(f, 10, "BAD_NAME: nope", "supervisor.startProcessGroup", "s",
	    "nope");
	/* grp:* goes to startProcessGroup: b (priority 1) before a when
	 * nobody waits; waited results come in the order they settle. */
	assert_int_equal(
	    fx_start(f, &c, "supervisor.startProcess", "sb", "grp:*", 0),
	    RPC_DONE);
	r = c.call.result;
	assert_int_equal(xr_array_len(r), 2);
	check_result(xr_array_at(r, 0), "b", "grp", 80, "OK");
	check_result(xr_array_at(r, 1), "a", "grp", 80, "OK");
	fx_call_fini(&c);
	assert_true(fx_wait_state(f, "grp:b", PROC_RUNNING, 5000));
	assert_true(fx_wait_state(f, "grp:a", PROC_RUNNING, 5000));
	if (fx_start(f, &c, "supervisor.stopProcess", "s", "grp:*") ==
	    RPC_PENDING) {
		assert_true(fx_call_wait(f, &c, 5000));
	}
	check_results_set(c.call.result, "b", "a");
	fx_call_fini(&c);
	if (fx_start(f, &c, "supervisor.startProcess", "s", "grp:*") ==
	    RPC_PENDING) {
		assert_true(fx_call_wait(f, &c, 5000));
	}
	check_results_set(c.call.result, "b", "a");
	fx_call_fini(&c);
	assert_true(fx_wait_state(f, "grp:a", PROC_RUNNING, 5000));
	/* Everything running already: nothing to start. */
	assert_int_equal(
	    fx_start(f, &c, "supervisor.startProcess", "s", "grp:"), RPC_DONE);
	assert_int_equal(xr_array_len(c.call.result), 0);
	fx_call_fini(&c);
	call_fault(f, 10, "BAD_NAME: grp:*", "supervisor.getProcessInfo", "s",
	    "grp:*");

	if (fx_start(f, &c, "supervisor.stopProcessGroup", "s", "grp") ==
	    RPC_PENDING) {
		assert_true(fx_call_wait(f, &c, 5000));
	}
	check_results_set(c.call.result, "b", "a");
	fx_call_fini(&c);
	assert_int_equal(proc_state(fx_proc(f, "grp:a")), PROC_STOPPED);

	/* startAllProcesses(False): (priority, name) order of groups, the
	 * faults of each process in its result struct. */
	assert_int_equal(
	    fx_start(f, &c, "supervisor.startAllProcesses", "b", 0), RPC_DONE);
	r = c.call.result;
	assert_int_equal(xr_array_len(r), 8);
	check_result(xr_array_at(r, 0), "cat", "cat", 80, "OK");
	check_result(xr_array_at(r, 1), "b", "grp", 80, "OK");
	check_result(xr_array_at(r, 2), "a", "grp", 80, "OK");
	check_result(xr_array_at(r, 3), "nofile", "nofile", 20,
	    "NO_FILE: can't find command '/nonexistent/x'");
	check_result(xr_array_at(r, 4), "noin", "noin", 80, "OK");
	check_result(xr_array_at(r, 5), "notexec", "notexec", 21,
	    "NOT_EXECUTABLE: command at '/etc/passwd' is not executable");
	check_result(xr_array_at(r, 6), "quick", "quick", 80, "OK");
	check_result(xr_array_at(r, 7), "sleeper", "sleeper", 80, "OK");
	fx_call_fini(&c);

	if (fx_start(f, &c, "supervisor.stopAllProcesses", "") == RPC_PENDING) {
		assert_true(fx_call_wait(f, &c, 8000));
	}
	r = c.call.result;
	/* quick may be BACKOFF, FATAL or gone: only running ones. */
	assert_true(xr_array_len(r) >= 5);
	for (size_t k = 0; k < xr_array_len(r); k++) {
		assert_int_equal(
		    fx_member_int(xr_array_at(r, k), "status"), 80);
	}
	fx_call_fini(&c);
	fx_close(f);
}

static void
test_signal(void **state)
{
	struct fx *f = fx_open(progs);
	struct fx_call c;
	pid_t pid;
	const struct xr_value *r;

	(void)state;
	call_fault(f, 10, "BAD_NAME: nope", "supervisor.signalProcess", "ss",
	    "nope", "HUP");
	call_fault(f, 11, "BAD_SIGNAL: FOO", "supervisor.signalProcess", "ss",
	    "sleeper", "FOO");
	call_fault(f, 11, "BAD_SIGNAL: 99", "supervisor.signalProcess", "si",
	    "sleeper", 99);
	call_fault(f, 11, "BAD_SIGNAL: 99", "supervisor.signalProcess", "ss",
	    "sleeper", "99");
	call_fault(f, 11, "BAD_SIGNAL: 99.0", "supervisor.signalProcess", "sd",
	    "sleeper", 99.0);
	call_fault(f, 11, "BAD_SIGNAL: 1e+16", "supervisor.signalProcess", "sd",
	    "sleeper", 1e16);
	call_fault(f, 70, "NOT_RUNNING: sleeper", "supervisor.signalProcess",
	    "ss", "sleeper", "HUP");
	assert_int_equal(
	    fx_start(f, &c, "supervisor.startProcess", "sb", "sleeper", 0),
	    RPC_DONE);
	fx_call_fini(&c);
	/* Names with or without SIG, any case and blanks; numbers as ints,
	 * strings, doubles; 0 probes. */
	static const char *ok[] = { "CONT", "sigcont", " SIGCONT ", "18",
		" 18 ", "0", "_DFL" };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(fx_start(f, &c, "supervisor.signalProcess",
		                     "ss", "sleeper", ok[i]),
		    RPC_DONE);
		check_true(&c);
		fx_call_fini(&c);
	}
	assert_int_equal(
	    fx_start(f, &c, "supervisor.signalProcess", "sd", "sleeper", 18.7),
	    RPC_DONE);
	check_true(&c);
	fx_call_fini(&c);
	/* signalAllProcesses: only the signallable, each with its fault. */
	assert_int_equal(
	    fx_start(f, &c, "supervisor.signalAllProcesses", "s", "FOO"),
	    RPC_DONE);
	r = c.call.result;
	assert_int_equal(xr_array_len(r), 1);
	check_result(
	    xr_array_at(r, 0), "sleeper", "sleeper", 11, "BAD_SIGNAL: FOO");
	fx_call_fini(&c);
	assert_int_equal(fx_start(f, &c, "supervisor.signalProcessGroup", "ss",
	                     "grp", "HUP"),
	    RPC_DONE);
	assert_int_equal(xr_array_len(c.call.result), 0);
	fx_call_fini(&c);
	pid = fx_proc(f, "sleeper")->pid;
	/* USR1 ends sleep: it exits unexpectedly. */
	assert_int_equal(
	    fx_start(f, &c, "supervisor.signalProcess", "si", "sleeper", 10),
	    RPC_DONE);
	check_true(&c);
	fx_call_fini(&c);
	for (int k = 0; k < 2500 && fx_proc(f, "sleeper")->pid == pid; k++) {
		fx_run_ms(f, 2);
	}
	assert_int_not_equal(fx_proc(f, "sleeper")->pid, pid);
	fx_close(f);
}

static void
test_info(void **state)
{
	struct fx *f = fx_open(progs);
	struct fx_call c;
	const struct xr_value *r, *i;
	static const char *order[] = { "cat", "nofile", "noin", "notexec",
		"quick", "sleeper" };

	(void)state;
	assert_int_equal(
	    fx_start(f, &c, "supervisor.getProcessInfo", "s", "grp:a"),
	    RPC_DONE);
	i = c.call.result;
	assert_string_equal(fx_member_str(i, "name"), "a");
	assert_string_equal(fx_member_str(i, "group"), "grp");
	assert_int_equal(fx_member_int(i, "start"), 0);
	assert_int_equal(fx_member_int(i, "state"), 0);
	assert_string_equal(fx_member_str(i, "statename"), "STOPPED");
	assert_string_equal(fx_member_str(i, "spawnerr"), "");
	assert_int_equal(fx_member_int(i, "exitstatus"), 0);
	assert_int_equal(fx_member_int(i, "pid"), 0);
	assert_string_equal(fx_member_str(i, "description"), "Not started");
	assert_non_null(strstr(
	    fx_member_str(i, "stdout_logfile"), "/a-stdout---supervisor-"));
	assert_string_equal(
	    fx_member_str(i, "logfile"), fx_member_str(i, "stdout_logfile"));
	assert_int_equal(xr_struct_len(i), 14);
	fx_call_fini(&c);

	/* Lexical: groups by name, processes by name. */
	assert_int_equal(
	    fx_start(f, &c, "supervisor.getAllProcessInfo", ""), RPC_DONE);
	r = c.call.result;
	assert_int_equal(xr_array_len(r), 8);
	assert_string_equal(fx_member_str(xr_array_at(r, 0), "name"), "cat");
	assert_string_equal(fx_member_str(xr_array_at(r, 1), "name"), "a");
	assert_string_equal(fx_member_str(xr_array_at(r, 2), "name"), "b");
	for (size_t k = 1; k < 6; k++) {
		assert_string_equal(
		    fx_member_str(xr_array_at(r, k + 2), "name"), order[k]);
	}
	fx_call_fini(&c);

	/* Stopped after a run: the local stop time. */
	assert_int_equal(
	    fx_start(f, &c, "supervisor.startProcess", "sb", "cat", 0),
	    RPC_DONE);
	fx_call_fini(&c);
	assert_true(fx_wait_state(f, "cat", PROC_RUNNING, 5000));
	if (fx_start(f, &c, "supervisor.stopProcess", "s", "cat") ==
	    RPC_PENDING) {
		assert_true(fx_call_wait(f, &c, 5000));
	}
	fx_call_fini(&c);
	assert_int_equal(
	    fx_start(f, &c, "supervisor.getProcessInfo", "s", "cat"), RPC_DONE);
	{
		char want[64];
		time_t t = fx_member_int(c.call.result, "stop");
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(want, sizeof(want), "%b %d %I:%M %p", &tm);
		assert_string_equal(
		    fx_member_str(c.call.result, "description"), want);
		assert_int_equal(
		    fx_member_int(c.call.result, "exitstatus"), -1);
	}
	fx_call_fini(&c);
	fx_close(f);
}

static void
test_stdin(void **state)
{
	struct fx *f = fx_open(progs);
	struct fx_call c;
	struct proc *p;
	char chunk[65536];
	int i;

	(void)state;
	call_fault(f, 2, "INCORRECT_PARAMETERS: 1",
	    "supervisor.sendProcessStdin", "si", "cat", 1);
	call_fault(f, 2, "INCORRECT_PARAMETERS: 1",
	    "supervisor.sendProcessStdin", "si", "bogus", 1);
	call_fault(f, 10, "BAD_NAME: bogus", "supervisor.sendProcessStdin",
	    "ss", "bogus", "x");
	call_fault(f, 10, "BAD_NAME: grp:*", "supervisor.sendProcessStdin",
	    "ss", "grp:*", "x");
	call_fault(f, 70, "NOT_RUNNING: cat", "supervisor.sendProcessStdin",
	    "ss", "cat", "x");

	/* A child that closed its stdin: NO_FILE. */
	assert_int_equal(
	    fx_start(f, &c, "supervisor.startProcess", "sb", "noin", 0),
	    RPC_DONE);
	fx_call_fini(&c);
	assert_true(fx_wait_state(f, "noin", PROC_RUNNING, 5000));
	/* Bytes are taken until the shell has closed fd 0: poll. */
	assert_true(stdin_closed_within(f, "noin", 5000));
	call_fault(f, 20, "NO_FILE: noin", "supervisor.sendProcessStdin", "ss",
	    "noin", "x");
	call_fault(f, 20, "NO_FILE: noin", "supervisor.sendProcessStdin", "ss",
	    "noin", "x");

	/* A child that never reads: the backlog is bounded. */
	assert_int_equal(
	    fx_start(f, &c, "supervisor.startProcess", "sb", "sleeper", 0),
	    RPC_DONE);
	fx_call_fini(&c);
	p = fx_proc(f, "sleeper");
	memset(chunk, 'x', sizeof(chunk) - 1);
	chunk[sizeof(chunk) - 1] = '\0';
	for (i = 0; i < 200; i++) {
		assert_int_equal(fx_start(f, &c, "supervisor.sendProcessStdin",
		                     "ss", "sleeper", chunk),
		    RPC_DONE);
		if (c.call.fault_code != 0) {
			break;
		}
		fx_call_fini(&c);
		uv_run(&f->loop, UV_RUN_NOWAIT);
	}
	assert_true(i < 200);
	check_fault(
	    &c, 30, "FAILED: sleeper: stdin backlog over 1048576 bytes");
	fx_call_fini(&c);
	assert_true(proc_stdin_backlog(p) <= PROC_STDIN_BACKLOG_MAX);
	assert_true(proc_stdin_backlog(p) > 0);

	/* A reading child gets the bytes (base64 counts as a string). */
	assert_int_equal(
	    fx_start(f, &c, "supervisor.startProcess", "sb", "cat", 0),
	    RPC_DONE);
	fx_call_fini(&c);
	assert_int_equal(fx_start(f, &c, "supervisor.sendProcessStdin", "sB",
	                     "cat", "abc\n"),
	    RPC_DONE);
	check_true(&c);
	fx_call_fini(&c);
	assert_int_equal(
	    fx_start(f, &c, "supervisor.sendProcessStdin", "ss", "cat", ""),
	    RPC_DONE);
	check_true(&c);
	fx_call_fini(&c);
	fx_close(f);
}

/* encode_check writes v as is (with any memo the call attached) and as a
 * fresh copy (none): the bytes must agree. Returns the encoding. */
static char *
encode_check(const struct xr_value *v)
{
	struct xr_value *copy = xr_value_dup(v);
	struct fv_buf a, b;

	fv_buf_init(&a, 1u << 24);
	fv_buf_init(&b, 1u << 24);
	assert_int_equal(xr_value_write(&a, v), 0);
	assert_int_equal(xr_value_write(&b, copy), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	xr_value_free(copy);
	fv_buf_fini(&b);
	return fv_buf_take(&a);
}

static char *
info_bytes(struct fx *f, const char *method, const char *name)
{
	struct fx_call c;
	char *bytes;

	if (name != NULL) {
		assert_int_equal(fx_start(f, &c, method, "s", name), RPC_DONE);
	} else {
		assert_int_equal(fx_start(f, &c, method, ""), RPC_DONE);
	}
	bytes = encode_check(c.call.result);
	fx_call_fini(&c);
	return bytes;
}

/* The encodings kept between info calls (rpc_process.c) are never those
 * of a process as it was: every state change shows in the bytes. */
static void
test_info_encoding_follows_changes(void **state)
{
	struct fx *f = fx_open(progs);
	struct fx_call c;
	char *before, *again, *all, *after;

	(void)state;
	before = info_bytes(f, "supervisor.getProcessInfo", "cat");
	all = info_bytes(f, "supervisor.getAllProcessInfo", NULL);
	again = info_bytes(f, "supervisor.getProcessInfo", "cat");
	assert_non_null(strstr(before, "STOPPED"));
	assert_non_null(strstr(all, "STOPPED"));
	free(all);
	free(again);
	assert_int_equal(
	    fx_start(f, &c, "supervisor.startProcess", "sb", "cat", 0),
	    RPC_DONE);
	fx_call_fini(&c);
	assert_true(fx_wait_state(f, "cat", PROC_RUNNING, 5000));
	after = info_bytes(f, "supervisor.getProcessInfo", "cat");
	assert_null(strstr(after, "STOPPED"));
	assert_non_null(strstr(after, "RUNNING"));
	all = info_bytes(f, "supervisor.getAllProcessInfo", NULL);
	assert_non_null(strstr(all, "RUNNING"));
	free(all);
	free(after);
	if (fx_start(f, &c, "supervisor.stopProcess", "s", "cat") ==
	    RPC_PENDING) {
		assert_true(fx_call_wait(f, &c, 5000));
	}
	fx_call_fini(&c);
	after = info_bytes(f, "supervisor.getProcessInfo", "cat");
	assert_null(strstr(after, "RUNNING"));
	assert_non_null(strstr(after, "STOPPED"));
	assert_true(strcmp(after, before) != 0); /* a stop time now */
	free(after);
	free(before);
	fx_close(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_faults),
		cmocka_unit_test(test_start_wait_then_running),
		cmocka_unit_test(test_start_spawn_error_and_nowait),
		cmocka_unit_test(test_concurrent_waits_same_process),
		cmocka_unit_test(test_cancel_wait),
		cmocka_unit_test(test_group_order_and_delegation),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_info_encoding_follows_changes),
		cmocka_unit_test(test_stdin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
