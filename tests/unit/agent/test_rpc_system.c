/*
 * rpc_system.c: listMethods, methodHelp, methodSignature and multicall,
 * with the answers and fault strings recorded from the running 4.2.5.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rpc_testfx.h"

static const char conf[] = "[program:cat]\n"
                           "command=/bin/cat\n"
                           "autostart=false\n";

static void
test_list_methods(void **state)
{
	struct rpc_testfx *fx = rpc_testfx_new(conf);
	struct rpc_call call;
	size_t k = 0;

	(void)state;
	rpc_testfx_call(fx, &call, "system.listMethods", NULL);
	/* 4.2.5's 41 names, in order; ours (fleetvisor.*) are not listed. */
	assert_int_equal(xr_array_len(call.result), 41);
	for (size_t i = 0; i < rpc_nmethods; i++) {
		if (rpc_methods[i].flags & RPC_F_UNLISTED) {
			assert_true(strncmp(rpc_methods[i].name, "fleetvisor.",
			                11) == 0);
			continue;
		}
		assert_string_equal(
		    xr_string_get(xr_array_at(call.result, k++), NULL),
		    rpc_methods[i].name);
	}
	assert_int_equal(k, 41);
	rpc_call_fini(&call);
	rpc_testfx_free(fx);
}

/* fleetvisor.reopenLogs is callable and described, though unlisted. */
static void
test_reopen_logs_unlisted_but_callable(void **state)
{
	struct rpc_testfx *fx = rpc_testfx_new(conf);
	struct rpc_call call;

	(void)state;
	rpc_testfx_call(fx, &call, "fleetvisor.reopenLogs", NULL);
	/* The fixture has no agent ops: nothing to reopen. */
	assert_int_equal(call.fault_code, RPC_FAULT_FAILED);
	rpc_call_fini(&call);
	rpc_testfx_call(fx, &call, "system.methodSignature",
	    rpc_testfx_args(1, xr_string_new("fleetvisor.reopenLogs")));
	assert_int_equal(call.fault_code, 0);
	assert_string_equal(
	    xr_string_get(xr_array_at(call.result, 0), NULL), "boolean");
	rpc_call_fini(&call);
	rpc_testfx_call(fx, &call, "fleetvisor.reopenLogs",
	    rpc_testfx_args(1, xr_int_new(1)));
	assert_int_equal(call.fault_code, RPC_FAULT_INCORRECT_PARAMETERS);
	rpc_call_fini(&call);
	rpc_testfx_free(fx);
}

/* "a b c" as the array 4.2.5 answers. */
static void
expect_signature(struct rpc_testfx *fx, const char *name, const char *want)
{
	struct rpc_call call;
	char *copy = fv_xstrdup(want);
	size_t i = 0;

	rpc_testfx_call(fx, &call, "system.methodSignature",
	    rpc_testfx_args(1, xr_string_new(name)));
	assert_int_equal(call.fault_code, 0);
	for (char *tok = strtok(copy, " "); tok != NULL;
	     tok = strtok(NULL, " ")) {
		assert_string_equal(
		    xr_string_get(xr_array_at(call.result, i++), NULL), tok);
	}
	assert_int_equal(xr_array_len(call.result), i);
	rpc_call_fini(&call);
	free(copy);
}

static void
expect_fault(struct rpc_testfx *fx, const char *method, struct xr_value *params,
    int code, const char *text)
{
	struct rpc_call call;

	rpc_testfx_call(fx, &call, method, params);
	assert_null(call.result);
	assert_int_equal(call.fault_code, code);
	assert_string_equal(call.fault_string, text);
	rpc_call_fini(&call);
}

static void
test_signature_and_help(void **state)
{
	struct rpc_testfx *fx = rpc_testfx_new(conf);
	struct rpc_call call;

	(void)state;
	/* Recorded from 4.2.5's system.methodSignature. */
	expect_signature(
	    fx, "supervisor.startProcess", "boolean string boolean");
	expect_signature(
	    fx, "supervisor.readProcessLog", "string string int int");
	expect_signature(
	    fx, "supervisor.tailProcessStdoutLog", "array string int int");
	expect_signature(fx, "supervisor.getState", "struct");
	expect_signature(fx, "supervisor.getPID", "int");
	expect_signature(
	    fx, "supervisor.signalProcessGroup", "array string string");
	expect_signature(fx, "system.multicall", "array array");
	expect_signature(fx, "system.methodHelp", "string string");
	rpc_testfx_call(fx, &call, "system.methodHelp",
	    rpc_testfx_args(1, xr_string_new("supervisor.getVersion")));
	assert_non_null(strstr(xr_string_get(call.result, NULL), "getVersion"));
	rpc_call_fini(&call);
	/* Base64 is a string to 4.2.5's unmarshaller. */
	rpc_testfx_call(fx, &call, "system.methodHelp",
	    rpc_testfx_args(1, xr_base64_new("system.multicall", 16)));
	assert_int_equal(call.fault_code, 0);
	rpc_call_fini(&call);
	expect_fault(fx, "system.methodHelp",
	    rpc_testfx_args(1, xr_string_new("nope")),
	    RPC_FAULT_SIGNATURE_UNSUPPORTED, "SIGNATURE_UNSUPPORTED");
	expect_fault(fx, "system.methodSignature",
	    rpc_testfx_args(1, xr_int_new(5)), RPC_FAULT_SIGNATURE_UNSUPPORTED,
	    "SIGNATURE_UNSUPPORTED");
	expect_fault(fx, "system.methodSignature",
	    rpc_testfx_args(1, xr_string_new("supervisor._update")),
	    RPC_FAULT_SIGNATURE_UNSUPPORTED, "SIGNATURE_UNSUPPORTED");
	expect_fault(fx, "system.methodHelp",
	    rpc_testfx_args(1, xr_string_newn("system.listMethods\0x", 20)),
	    RPC_FAULT_SIGNATURE_UNSUPPORTED, "SIGNATURE_UNSUPPORTED");
	rpc_testfx_free(fx);
}

/* One {methodName, params} item; either may be NULL (left out). */
static struct xr_value *
item(struct xr_value *name, struct xr_value *params)
{
	struct xr_value *s = xr_struct_new();

	if (name != NULL) {
		xr_struct_set_take(s, "methodName", name);
	}
	if (params != NULL) {
		xr_struct_set_take(s, "params", params);
	}
	return s;
}

static void
expect_item_fault(const struct xr_value *v, int code, const char *text)
{
	int32_t c;

	assert_int_equal(xr_value_type(v), XR_STRUCT);
	assert_true(xr_int_get(xr_struct_get(v, "faultCode"), &c));
	assert_int_equal(c, code);
	assert_string_equal(
	    xr_string_get(xr_struct_get(v, "faultString"), NULL), text);
}

static void
test_multicall(void **state)
{
	struct rpc_testfx *fx = rpc_testfx_new(conf);
	struct xr_value *calls = xr_array_new();
	struct rpc_call call;
	const struct xr_value *r;
	struct xr_value *st;

	(void)state;
	xr_array_add_take(calls,
	    item(xr_string_new("supervisor.getAPIVersion"), xr_array_new()));
	xr_array_add_take(calls, item(xr_string_new("supervisor.nope"), NULL));
	xr_array_add_take(calls, item(NULL, xr_array_new()));
	xr_array_add_take(calls,
	    item(xr_string_new("system.multicall"),
	        rpc_testfx_args(1, xr_array_new())));
	xr_array_add_take(calls, item(xr_int_new(5), NULL));
	xr_array_add_take(calls, item(xr_array_new(), NULL));
	/* params: a string spreads into its characters, a struct into its
	 * keys, as func(*params) does; missing params are none. */
	xr_array_add_take(calls,
	    item(xr_string_new("supervisor.getPID"), xr_string_new("ab")));
	xr_array_add_take(
	    calls, item(xr_string_new("supervisor.getPID"), xr_string_new("")));
	st = xr_struct_new();
	xr_struct_set_take(st, "supervisor.getPID", xr_int_new(1));
	xr_array_add_take(
	    calls, item(xr_string_new("system.methodSignature"), st));
	xr_array_add_take(
	    calls, item(xr_string_new("supervisor.getPID"), NULL));
	xr_array_add_take(
	    calls, item(xr_string_new("supervisor.getPID"), xr_int_new(5)));
	xr_array_add_take(calls,
	    item(
	        xr_string_new("system.methodHelp"), xr_string_new("\xc3\xa9")));
	xr_array_add_take(calls, item(xr_string_new(""), NULL));
	rpc_testfx_call(
	    fx, &call, "system.multicall", rpc_testfx_args(1, calls));
	assert_int_equal(call.fault_code, 0);
	assert_int_equal(xr_array_len(call.result), 13);
	/* 4.2.5 answers a bare value, not [value]. */
	r = xr_array_at(call.result, 0);
	assert_string_equal(xr_string_get(r, NULL), "3.0");
	expect_item_fault(xr_array_at(call.result, 1), 1, "UNKNOWN_METHOD");
	expect_item_fault(xr_array_at(call.result, 2), 2,
	    "INCORRECT_PARAMETERS: No methodName");
	expect_item_fault(xr_array_at(call.result, 3), 2,
	    "INCORRECT_PARAMETERS: Recursive system.multicall forbidden");
	expect_item_fault(xr_array_at(call.result, 4), 30,
	    "FAILED: <class 'AttributeError'>:'int' object has no attribute "
	    "'split'");
	expect_item_fault(xr_array_at(call.result, 5), 30,
	    "FAILED: <class 'AttributeError'>:'list' object has no attribute "
	    "'split'");
	expect_item_fault(
	    xr_array_at(call.result, 6), 2, "INCORRECT_PARAMETERS");
	assert_int_equal(xr_value_type(xr_array_at(call.result, 7)), XR_INT);
	r = xr_array_at(call.result, 8);
	assert_string_equal(xr_string_get(xr_array_at(r, 0), NULL), "int");
	assert_int_equal(xr_value_type(xr_array_at(call.result, 9)), XR_INT);
	expect_item_fault(
	    xr_array_at(call.result, 10), 2, "INCORRECT_PARAMETERS");
	/* One character, so one argument: a name that does not exist. */
	expect_item_fault(
	    xr_array_at(call.result, 11), 4, "SIGNATURE_UNSUPPORTED");
	expect_item_fault(xr_array_at(call.result, 12), 1, "UNKNOWN_METHOD");
	rpc_call_fini(&call);

	/* The inner calls see the shutdown state as 4.2.5's _update(). */
	fx->sv.mood = SV_SHUTDOWN;
	calls = xr_array_new();
	xr_array_add_take(
	    calls, item(xr_string_new("supervisor.getPID"), NULL));
	xr_array_add_take(calls,
	    item(xr_string_new("supervisor.sendRemoteCommEvent"),
	        rpc_testfx_args(2, xr_string_new("a"), xr_string_new("b"))));
	rpc_testfx_call(
	    fx, &call, "system.multicall", rpc_testfx_args(1, calls));
	expect_item_fault(xr_array_at(call.result, 0), 6, "SHUTDOWN_STATE");
	assert_int_equal(xr_value_type(xr_array_at(call.result, 1)), XR_BOOL);
	rpc_call_fini(&call);
	fx->sv.mood = SV_RUNNING;
	rpc_testfx_free(fx);
}

static void
test_multicall_refusals(void **state)
{
	struct rpc_testfx *fx = rpc_testfx_new(conf);
	struct xr_value *calls;
	struct rpc_call call;

	(void)state;
	rpc_testfx_call(
	    fx, &call, "system.multicall", rpc_testfx_args(1, xr_array_new()));
	assert_int_equal(xr_value_type(call.result), XR_ARRAY);
	assert_int_equal(xr_array_len(call.result), 0);
	rpc_call_fini(&call);
	expect_fault(fx, "system.multicall", rpc_testfx_args(1, xr_int_new(5)),
	    RPC_FAULT_INCORRECT_PARAMETERS, "INCORRECT_PARAMETERS");
	expect_fault(fx, "system.multicall",
	    rpc_testfx_args(1, xr_struct_new()), RPC_FAULT_INCORRECT_PARAMETERS,
	    "INCORRECT_PARAMETERS");
	expect_fault(fx, "system.multicall", NULL,
	    RPC_FAULT_INCORRECT_PARAMETERS, "INCORRECT_PARAMETERS");
	/* An item that is not a struct fails the whole call, before any
	 * call runs (4.2.5: HTTP 500 after the calls before it). */
	calls = xr_array_new();
	xr_array_add_take(
	    calls, item(xr_string_new("supervisor.shutdown"), NULL));
	xr_array_add_take(calls, xr_int_new(5));
	expect_fault(fx, "system.multicall", rpc_testfx_args(1, calls),
	    RPC_FAULT_INCORRECT_PARAMETERS,
	    "INCORRECT_PARAMETERS: call 1 is not a struct");
	assert_int_equal(fx->nshutdown, 0);
	/* A cap on the number of calls. */
	calls = xr_array_new();
	for (int i = 0; i < 10001; i++) {
		xr_array_add_take(
		    calls, item(xr_string_new("supervisor.getPID"), NULL));
	}
	expect_fault(fx, "system.multicall", rpc_testfx_args(1, calls),
	    RPC_FAULT_INCORRECT_PARAMETERS,
	    "INCORRECT_PARAMETERS: more than 10000 calls");
	calls = xr_array_new();
	for (int i = 0; i < 10000; i++) {
		xr_array_add_take(
		    calls, item(xr_string_new("supervisor.getPID"), NULL));
	}
	rpc_testfx_call(
	    fx, &call, "system.multicall", rpc_testfx_args(1, calls));
	assert_int_equal(xr_array_len(call.result), 10000);
	rpc_call_fini(&call);
	assert_int_equal(fx->ctx.npending, 0);
	rpc_testfx_free(fx);
}

struct multi_done {
	int n;
};

static void
multi_on_done(struct rpc_call *call, void *arg)
{
	struct multi_done *d = arg;

	assert_false(call->pending);
	d->n++;
}

static void
on_sigchld(uv_signal_t *h, int sig)
{
	supervisor_reap(h->data);
}

static void
on_tick(uv_timer_t *t)
{
}

/* run_until turns the loop until *counter reaches want or p's being
 * stopped is as asked, failing after 10 s. */
static void
run_until(struct rpc_testfx *fx, const int *counter, int want, struct proc *p,
    bool stopped)
{
	uint64_t deadline;

	uv_update_time(&fx->loop);
	deadline = uv_now(&fx->loop) + 10000;
	for (;;) {
		if (counter != NULL && *counter >= want) {
			return;
		}
		if (p != NULL &&
		    proc_state_is_stopped(proc_state(p)) == stopped) {
			return;
		}
		assert_true(uv_now(&fx->loop) < deadline);
		uv_run(&fx->loop, UV_RUN_ONCE);
		uv_update_time(&fx->loop);
	}
}

/*
 * Calls that wait inside a multicall are awaited one after another, and
 * cancelling the multicall cancels the one in progress.
 */
static void
test_multicall_waits(void **state)
{
	struct rpc_testfx *fx =
	    /* cat ignores SIGTERM (inherited through exec), so that a stop
	     * always waits for the SIGKILL after stopwaitsecs. */
	    rpc_testfx_new(
	        "[program:cat]\n"
	        "command=/bin/sh -c \"trap '' TERM; exec /bin/cat\"\n"
	        "autostart=false\nstartsecs=1\nstopwaitsecs=1\n");
	struct proc *cat = supervisor_find_group(&fx->sv, "cat")->procs[0];
	struct multi_done done = { 0 };
	struct rpc_call call = {
		.ctx = &fx->ctx, .on_done = multi_on_done, .on_done_arg = &done
	};
	struct xr_value *calls = xr_array_new(), *params;
	uv_signal_t sig;
	uv_timer_t tick;
	bool b;

	(void)state;
	uv_signal_init(&fx->loop, &sig);
	sig.data = &fx->sv;
	uv_signal_start(&sig, on_sigchld, SIGCHLD);
	uv_timer_init(&fx->loop, &tick);
	uv_timer_start(&tick, on_tick, 20, 20);

	xr_array_add_take(calls,
	    item(xr_string_new("supervisor.startProcess"),
	        rpc_testfx_args(2, xr_string_new("cat"), xr_bool_new(true))));
	xr_array_add_take(
	    calls, item(xr_string_new("supervisor.getPID"), NULL));
	xr_array_add_take(calls,
	    item(xr_string_new("supervisor.startProcess"),
	        rpc_testfx_args(1, xr_string_new("cat"))));
	params = rpc_testfx_args(1, calls);
	assert_int_equal(
	    rpc_dispatch(&call, "system.multicall", params), RPC_PENDING);
	assert_true(call.pending);
	/* The multicall and the start it waits for. */
	assert_int_equal(fx->ctx.npending, 2);
	run_until(fx, &done.n, 1, NULL, false);
	assert_int_equal(done.n, 1);
	assert_int_equal(fx->ctx.npending, 0);
	assert_int_equal(call.fault_code, 0);
	assert_int_equal(xr_array_len(call.result), 3);
	assert_true(xr_bool_get(xr_array_at(call.result, 0), &b));
	assert_true(b);
	assert_int_equal(xr_value_type(xr_array_at(call.result, 1)), XR_INT);
	expect_item_fault(
	    xr_array_at(call.result, 2), 60, "ALREADY_STARTED: cat");
	assert_int_equal(proc_state(cat), PROC_RUNNING);
	rpc_call_fini(&call);
	xr_value_free(params);

	/* Cancelled while the stop waits: no answer, nothing pending, and
	 * the process still stops. */
	calls = xr_array_new();
	xr_array_add_take(calls,
	    item(xr_string_new("supervisor.stopProcess"),
	        rpc_testfx_args(1, xr_string_new("cat"))));
	params = rpc_testfx_args(1, calls);
	memset(&call, 0, sizeof(call));
	call.ctx = &fx->ctx;
	call.on_done = multi_on_done;
	call.on_done_arg = &done;
	assert_int_equal(
	    rpc_dispatch(&call, "system.multicall", params), RPC_PENDING);
	assert_int_equal(fx->ctx.npending, 2);
	rpc_call_cancel(&call);
	assert_int_equal(fx->ctx.npending, 0);
	assert_false(call.pending);
	run_until(fx, NULL, 0, cat, true);
	assert_int_equal(done.n, 1);
	rpc_call_fini(&call);
	xr_value_free(params);

	uv_close((uv_handle_t *)&sig, NULL);
	uv_close((uv_handle_t *)&tick, NULL);
	rpc_testfx_free(fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_methods),
		cmocka_unit_test(test_reopen_logs_unlisted_but_callable),
		cmocka_unit_test(test_signature_and_help),
		cmocka_unit_test(test_multicall),
		cmocka_unit_test(test_multicall_refusals),
		cmocka_unit_test(test_multicall_waits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
