/*
 * rpc.c: the method table, name and arity rules, the shutdown-state
 * check, fault strings, and the life of calls that wait.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rpc_testfx.h"

static const char conf_two[] = "[program:cat]\n"
                               "command=/bin/cat\n"
                               "autostart=false\n";

/* system.listMethods of the running 4.2.5, recorded. */
static const char *const names_425[] = { "supervisor.addProcessGroup",
	"supervisor.clearAllProcessLogs", "supervisor.clearLog",
	"supervisor.clearProcessLog", "supervisor.clearProcessLogs",
	"supervisor.getAPIVersion", "supervisor.getAllConfigInfo",
	"supervisor.getAllProcessInfo", "supervisor.getIdentification",
	"supervisor.getPID", "supervisor.getProcessInfo", "supervisor.getState",
	"supervisor.getSupervisorVersion", "supervisor.getVersion",
	"supervisor.readLog", "supervisor.readMainLog",
	"supervisor.readProcessLog", "supervisor.readProcessStderrLog",
	"supervisor.readProcessStdoutLog", "supervisor.reloadConfig",
	"supervisor.removeProcessGroup", "supervisor.restart",
	"supervisor.sendProcessStdin", "supervisor.sendRemoteCommEvent",
	"supervisor.shutdown", "supervisor.signalAllProcesses",
	"supervisor.signalProcess", "supervisor.signalProcessGroup",
	"supervisor.startAllProcesses", "supervisor.startProcess",
	"supervisor.startProcessGroup", "supervisor.stopAllProcesses",
	"supervisor.stopProcess", "supervisor.stopProcessGroup",
	"supervisor.tailProcessLog", "supervisor.tailProcessStderrLog",
	"supervisor.tailProcessStdoutLog", "system.listMethods",
	"system.methodHelp", "system.methodSignature", "system.multicall" };

static void
test_table_invariants(void **state)
{
	size_t k = 0;

	(void)state;
	for (size_t i = 0; i < rpc_nmethods; i++) {
		const struct rpc_method *m = &rpc_methods[i];
		const char *dot = strchr(m->name, '.');
		unsigned nsig = 0;

		/* 4.2.5's names, and ours unlisted in their own namespace. */
		if (m->flags & RPC_F_UNLISTED) {
			assert_true(strncmp(m->name, "fleetvisor.", 11) == 0);
		} else {
			assert_true(k < nitems(names_425));
			assert_string_equal(m->name, names_425[k++]);
		}
		if (i > 0) {
			assert_true(
			    strcmp(rpc_methods[i - 1].name, m->name) < 0);
		}
		assert_non_null(dot);
		assert_null(strchr(dot + 1, '.'));
		assert_true(dot[1] != '_');
		assert_non_null(m->fn);
		assert_true(m->min_args <= m->max_args);
		assert_non_null(m->help);
		assert_true(strlen(m->help) > 10);
		/* One return type and one type per parameter. */
		assert_non_null(m->signature);
		for (const char *p = m->signature; p != NULL;
		     p = strchr(p, ' ') ? strchr(p, ' ') + 1 : NULL) {
			nsig++;
		}
		assert_int_equal(nsig, m->max_args + 1);
		assert_ptr_equal(rpc_method_find(m->name), m);
	}
	assert_int_equal(k, nitems(names_425));
}

static void
test_shutdown_state_flags(void **state)
{
	(void)state;
	/* 4.2.5 calls _update() first everywhere in its supervisor
	 * namespace except these. */
	for (size_t i = 0; i < rpc_nmethods; i++) {
		const struct rpc_method *m = &rpc_methods[i];
		bool exempt = strncmp(m->name, "system.", 7) == 0 ||
		    (m->flags & RPC_F_UNLISTED) != 0 ||
		    strcmp(m->name, "supervisor.sendRemoteCommEvent") == 0 ||
		    strcmp(m->name, "supervisor.signalAllProcesses") == 0;

		assert_int_equal((m->flags & RPC_F_CHECKS_STATE) != 0, !exempt);
	}
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
test_name_rules(void **state)
{
	struct rpc_testfx *fx = rpc_testfx_new(conf_two);
	static const char *const bad[] = { "", "supervisor", "supervisor.",
		".getPID", "a.b.c", "supervisor._update",
		"supervisor.supervisord.options.execve", "nope.getPID",
		"supervisor.nope", "supervisor.getpid", "system.multicall.x",
		"supervisor..getPID" };
	char *huge;

	(void)state;
	for (size_t i = 0; i < nitems(bad); i++) {
		expect_fault(fx, bad[i], NULL, RPC_FAULT_UNKNOWN_METHOD,
		    "UNKNOWN_METHOD");
	}
	huge = fv_xmalloc(100001);
	memset(huge, 'x', 100000);
	memcpy(huge, "supervisor.", 11);
	huge[100000] = '\0';
	expect_fault(
	    fx, huge, NULL, RPC_FAULT_UNKNOWN_METHOD, "UNKNOWN_METHOD");
	free(huge);
	rpc_testfx_free(fx);
}

static void
test_arity(void **state)
{
	struct rpc_testfx *fx = rpc_testfx_new(conf_two);
	struct rpc_call call;

	(void)state;
	expect_fault(fx, "supervisor.getPID", rpc_testfx_args(1, xr_int_new(1)),
	    RPC_FAULT_INCORRECT_PARAMETERS, "INCORRECT_PARAMETERS");
	expect_fault(fx, "supervisor.startProcess", NULL,
	    RPC_FAULT_INCORRECT_PARAMETERS, "INCORRECT_PARAMETERS");
	expect_fault(fx, "supervisor.startProcess",
	    rpc_testfx_args(
	        3, xr_string_new("cat"), xr_bool_new(true), xr_int_new(1)),
	    RPC_FAULT_INCORRECT_PARAMETERS, "INCORRECT_PARAMETERS");
	/* A request without <params> is no params. */
	memset(&call, 0, sizeof(call));
	call.ctx = &fx->ctx;
	assert_int_equal(
	    rpc_dispatch(&call, "supervisor.getAPIVersion", NULL), RPC_DONE);
	assert_string_equal(xr_string_get(call.result, NULL), "3.0");
	rpc_call_fini(&call);
	rpc_testfx_free(fx);
}

static void
test_shutdown_state(void **state)
{
	struct rpc_testfx *fx = rpc_testfx_new(conf_two);
	static const enum sv_mood moods[] = { SV_SHUTDOWN, SV_RESTARTING };
	struct rpc_call call;

	(void)state;
	for (size_t i = 0; i < nitems(moods); i++) {
		fx->sv.mood = moods[i];
		expect_fault(fx, "supervisor.getPID", NULL,
		    RPC_FAULT_SHUTDOWN_STATE, "SHUTDOWN_STATE");
		expect_fault(fx, "supervisor.shutdown", NULL,
		    RPC_FAULT_SHUTDOWN_STATE, "SHUTDOWN_STATE");
		/* The arity check comes first, as Python binds args first. */
		expect_fault(fx, "supervisor.getPID",
		    rpc_testfx_args(1, xr_int_new(1)),
		    RPC_FAULT_INCORRECT_PARAMETERS, "INCORRECT_PARAMETERS");
		rpc_testfx_call(fx, &call, "supervisor.sendRemoteCommEvent",
		    rpc_testfx_args(2, xr_string_new("t"), xr_string_new("d")));
		assert_int_equal(call.fault_code, 0);
		rpc_call_fini(&call);
		rpc_testfx_call(fx, &call, "system.listMethods", NULL);
		assert_int_equal(call.fault_code, 0);
		rpc_call_fini(&call);
	}
	assert_int_equal(fx->nshutdown, 0);
	fx->sv.mood = SV_FATAL;
	rpc_testfx_call(fx, &call, "supervisor.getState", NULL);
	assert_int_equal(call.fault_code, 0);
	rpc_call_fini(&call);
	fx->sv.mood = SV_RUNNING;
	rpc_testfx_free(fx);
}

static void
test_fault_strings(void **state)
{
	struct rpc_call call = { 0 };
	char name[400];

	(void)state;
	assert_string_equal(rpc_fault_name(RPC_FAULT_BAD_NAME), "BAD_NAME");
	assert_string_equal(
	    rpc_fault_name(RPC_FAULT_CANT_REREAD), "CANT_REREAD");
	assert_null(rpc_fault_name(5));
	assert_int_equal(
	    rpc_fault(&call, RPC_FAULT_BAD_NAME, "%s", "foo"), RPC_DONE);
	assert_int_equal(call.fault_code, 10);
	assert_string_equal(call.fault_string, "BAD_NAME: foo");
	rpc_fault(&call, RPC_FAULT_FAILED, NULL);
	assert_string_equal(call.fault_string, "FAILED");
	rpc_fault(&call, 5, NULL);
	assert_string_equal(call.fault_string, "UNKNOWN");
	/* A long name is cut at 256 bytes, on a character boundary. */
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	rpc_fault(&call, RPC_FAULT_BAD_NAME, "%s", name);
	assert_int_equal(strlen(call.fault_string), strlen("BAD_NAME: ") + 256);
	memcpy(name + 255, "\xc3\xa9", 2);
	rpc_fault(&call, RPC_FAULT_BAD_NAME, "%s", name);
	assert_int_equal(strlen(call.fault_string), strlen("BAD_NAME: ") + 255);
	/* A result replaces a fault and the other way round. */
	rpc_result(&call, xr_bool_new(true));
	assert_int_equal(call.fault_code, 0);
	assert_null(call.fault_string);
	rpc_fault(&call, RPC_FAULT_FAILED, NULL);
	assert_null(call.result);
	rpc_call_fini(&call);
	assert_null(call.fault_string);
}

struct waiter {
	int ncancel;
	int ndone;
};

static void
on_cancel(struct rpc_call *call)
{
	struct waiter *w = call->wait;

	w->ncancel++;
}

static void
on_done(struct rpc_call *call, void *arg)
{
	struct waiter *w = arg;

	assert_false(call->pending);
	w->ndone++;
}

static void
test_wait_finish_cancel(void **state)
{
	struct rpc_testfx *fx = rpc_testfx_new(conf_two);
	struct waiter w = { 0 };
	struct rpc_call a = {
		.ctx = &fx->ctx, .on_done = on_done, .on_done_arg = &w
	};
	struct rpc_call b = a, c = a;

	(void)state;
	assert_int_equal(rpc_wait(&a, on_cancel, &w), RPC_PENDING);
	assert_int_equal(rpc_wait(&b, on_cancel, &w), RPC_PENDING);
	assert_int_equal(rpc_wait(&c, on_cancel, &w), RPC_PENDING);
	assert_int_equal(fx->ctx.npending, 3);
	assert_true(b.pending);

	/* Finishing runs on_done once and unregisters. */
	rpc_result(&b, xr_int_new(7));
	rpc_finish(&b);
	assert_int_equal(w.ndone, 1);
	assert_int_equal(w.ncancel, 0);
	assert_int_equal(fx->ctx.npending, 2);
	assert_ptr_equal(fx->ctx.pending[0], &a);
	assert_ptr_equal(fx->ctx.pending[1], &c);
	rpc_finish(&b);
	assert_int_equal(w.ndone, 1);
	rpc_call_fini(&b);

	/* Cancelling runs the cancel function, never on_done. */
	rpc_call_cancel(&a);
	assert_int_equal(w.ncancel, 1);
	assert_int_equal(w.ndone, 1);
	assert_false(a.pending);
	assert_null(a.wait);
	assert_int_equal(fx->ctx.npending, 1);
	rpc_call_cancel(&a);
	assert_int_equal(w.ncancel, 1);

	/* The context cancels what is left when it goes. */
	rpc_testfx_free(fx);
	assert_int_equal(w.ncancel, 2);
	assert_int_equal(w.ndone, 1);
	assert_false(c.pending);
}

static void
test_supervisor_methods(void **state)
{
	struct rpc_testfx *fx = rpc_testfx_new(conf_two);
	struct rpc_call call;
	int32_t i;

	(void)state;
	rpc_testfx_call(fx, &call, "supervisor.getVersion", NULL);
	assert_string_equal(xr_string_get(call.result, NULL), "3.0");
	rpc_call_fini(&call);
	rpc_testfx_call(fx, &call, "supervisor.getSupervisorVersion", NULL);
	assert_string_equal(xr_string_get(call.result, NULL), FV_VERSION);
	rpc_call_fini(&call);
	rpc_testfx_call(fx, &call, "supervisor.getIdentification", NULL);
	assert_string_equal(xr_string_get(call.result, NULL), "fxident");
	rpc_call_fini(&call);
	rpc_testfx_call(fx, &call, "supervisor.getPID", NULL);
	assert_true(xr_int_get(call.result, &i));
	assert_int_equal(i, getpid());
	rpc_call_fini(&call);
	rpc_testfx_call(fx, &call, "supervisor.getState", NULL);
	assert_true(xr_int_get(xr_struct_get(call.result, "statecode"), &i));
	assert_int_equal(i, 1);
	assert_string_equal(
	    xr_string_get(xr_struct_get(call.result, "statename"), NULL),
	    "RUNNING");
	rpc_call_fini(&call);
	rpc_testfx_call(fx, &call, "supervisor.shutdown", NULL);
	assert_int_equal(xr_value_type(call.result), XR_BOOL);
	assert_int_equal(fx->nshutdown, 1);
	rpc_call_fini(&call);
	rpc_testfx_call(fx, &call, "supervisor.restart", NULL);
	assert_int_equal(fx->nrestart, 1);
	rpc_call_fini(&call);
	rpc_testfx_free(fx);
}

struct remote_seen {
	int n;
	char type[64];
	char data[64];
	size_t data_len;
};

static void
on_remote(void *arg, const struct evbus_event *ev)
{
	struct remote_seen *s = arg;

	assert_int_equal(ev->kind, EVBUS_REMOTE_COMM);
	s->n++;
	assert_true(ev->type_len < sizeof(s->type));
	assert_true(ev->len < sizeof(s->data));
	memcpy(s->type, ev->type, ev->type_len);
	s->type[ev->type_len] = '\0';
	memcpy(s->data, ev->data, ev->len);
	s->data_len = ev->len;
}

static void
test_remote_comm_event(void **state)
{
	struct rpc_testfx *fx = rpc_testfx_new(conf_two);
	struct remote_seen seen = { 0 };
	struct rpc_call call;

	(void)state;
	evbus_subscribe(&fx->sv.bus, EVBUS_REMOTE_COMM, on_remote, &seen);
	rpc_testfx_call(fx, &call, "supervisor.sendRemoteCommEvent",
	    rpc_testfx_args(
	        2, xr_string_new("mytype"), xr_string_newn("a\0b", 3)));
	assert_int_equal(call.fault_code, 0);
	rpc_call_fini(&call);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.type, "mytype");
	assert_int_equal(seen.data_len, 3);
	assert_memory_equal(seen.data, "a\0b", 3);
	/* Any types, rendered as 4.2.5's '%s' does. */
	rpc_testfx_call(fx, &call, "supervisor.sendRemoteCommEvent",
	    rpc_testfx_args(2, xr_int_new(1), xr_double_new(0.5)));
	assert_int_equal(call.fault_code, 0);
	rpc_call_fini(&call);
	assert_string_equal(seen.type, "1");
	assert_int_equal(seen.data_len, 3);
	assert_memory_equal(seen.data, "0.5", 3);
	rpc_testfx_call(fx, &call, "supervisor.sendRemoteCommEvent",
	    rpc_testfx_args(2, xr_bool_new(true), xr_double_new(1e16)));
	rpc_call_fini(&call);
	assert_string_equal(seen.type, "True");
	assert_memory_equal(seen.data, "1e+16", 5);
	rpc_testfx_call(fx, &call, "supervisor.sendRemoteCommEvent",
	    rpc_testfx_args(2, xr_double_new(3.0), xr_double_new(0.1)));
	rpc_call_fini(&call);
	assert_string_equal(seen.type, "3.0");
	assert_memory_equal(seen.data, "0.1", 3);
	assert_int_equal(seen.n, 4);
	evbus_unsubscribe(&fx->sv.bus, on_remote, &seen);
	rpc_testfx_free(fx);
}

static void
test_pystr(void **state)
{
	struct xr_value *v = xr_array_new();
	struct xr_value *s = xr_struct_new();
	struct xr_datetime dt = { 2024, 1, 2, 3, 4, 0 };
	size_t len;
	char *t;

	(void)state;
	xr_array_add_take(v, xr_int_new(1));
	xr_array_add_take(v, xr_string_new("a"));
	xr_array_add_take(v, xr_string_new("it's"));
	xr_array_add_take(v, xr_bool_new(false));
	xr_array_add_take(v, xr_datetime_new(&dt));
	xr_struct_set_take(s, "k", xr_double_new(1.5));
	xr_array_add_take(v, s);
	t = rpc_pystr(v, &len);
	assert_string_equal(t,
	    "[1, 'a', \"it's\", False, datetime.datetime(2024, 1, 2, 3, 4), "
	    "{'k': 1.5}]");
	assert_int_equal(len, strlen(t));
	free(t);
	xr_value_free(v);
	v = xr_datetime_new(&dt);
	t = rpc_pystr(v, &len);
	assert_string_equal(t, "2024-01-02 03:04:00");
	free(t);
	xr_value_free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_invariants),
		cmocka_unit_test(test_shutdown_state_flags),
		cmocka_unit_test(test_name_rules),
		cmocka_unit_test(test_arity),
		cmocka_unit_test(test_shutdown_state),
		cmocka_unit_test(test_fault_strings),
		cmocka_unit_test(test_wait_finish_cancel),
		cmocka_unit_test(test_supervisor_methods),
		cmocka_unit_test(test_remote_comm_event),
		cmocka_unit_test(test_pystr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
