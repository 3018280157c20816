/*
 * rpc_events.c: fleetvisor.getEventPoolStats, with events sent through
 * sendRemoteCommEvent to pools whose listeners never run, so that every
 * event stays buffered until the buffer overflows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rpc_testfx.h"

/* "small" sorts after "big" by name but comes first by priority: the
 * answer must follow the names. */
static const char conf[] = "[eventlistener:small]\n"
                           "command=/bin/cat\n"
                           "events=REMOTE_COMMUNICATION\n"
                           "buffer_size=3\n"
                           "priority=1\n"
                           "autostart=false\n"
                           "[eventlistener:big]\n"
                           "command=/bin/cat\n"
                           "events=REMOTE_COMMUNICATION,TICK_60\n"
                           "buffer_size=50\n"
                           "autostart=false\n"
                           "[eventlistener:ticks]\n"
                           "command=/bin/cat\n"
                           "events=TICK_3600\n"
                           "autostart=false\n"
                           "[program:cat]\n"
                           "command=/bin/cat\n"
                           "autostart=false\n";

static int32_t
field(const struct xr_value *s, const char *name)
{
	const struct xr_value *v = xr_struct_get(s, name);
	int32_t i = -1;

	assert_non_null(v);
	assert_true(xr_int_get(v, &i));
	return i;
}

static void
expect_pool(const struct xr_value *s, const char *name, int32_t size,
    int32_t buffered, int32_t dropped, int32_t accepted)
{
	assert_int_equal(xr_struct_len(s), 5);
	assert_string_equal(
	    xr_string_get(xr_struct_get(s, "name"), NULL), name);
	assert_int_equal(field(s, "buffer_size"), size);
	assert_int_equal(field(s, "buffered"), buffered);
	assert_int_equal(field(s, "dropped"), dropped);
	assert_int_equal(field(s, "accepted"), accepted);
}

static void
send_events(struct rpc_testfx *fx, int n)
{
	struct rpc_call call;

	for (int i = 0; i < n; i++) {
		rpc_testfx_call(fx, &call, "supervisor.sendRemoteCommEvent",
		    rpc_testfx_args(
		        2, xr_string_new("t"), xr_string_new("data")));
		assert_int_equal(call.fault_code, 0);
		rpc_call_fini(&call);
	}
}

static void
test_stats_before_any_event(void **state)
{
	struct rpc_testfx *fx = rpc_testfx_new(conf);
	struct rpc_call call;

	(void)state;
	rpc_testfx_call(fx, &call, "fleetvisor.getEventPoolStats", NULL);
	assert_int_equal(call.fault_code, 0);
	/* The plain program has no pool. */
	assert_int_equal(xr_array_len(call.result), 3);
	expect_pool(xr_array_at(call.result, 0), "big", 50, 0, 0, 0);
	expect_pool(xr_array_at(call.result, 1), "small", 3, 0, 0, 0);
	expect_pool(xr_array_at(call.result, 2), "ticks", 10, 0, 0, 0);
	rpc_call_fini(&call);
	rpc_testfx_free(fx);
}

/* Every event is either still buffered or counted as dropped. */
static void
test_stats_count_overflow(void **state)
{
	struct rpc_testfx *fx = rpc_testfx_new(conf);
	struct rpc_call call;

	(void)state;
	send_events(fx, 7);
	rpc_testfx_call(fx, &call, "fleetvisor.getEventPoolStats", NULL);
	assert_int_equal(call.fault_code, 0);
	assert_int_equal(xr_array_len(call.result), 3);
	expect_pool(xr_array_at(call.result, 0), "big", 50, 7, 0, 7);
	expect_pool(xr_array_at(call.result, 1), "small", 3, 3, 4, 7);
	expect_pool(xr_array_at(call.result, 2), "ticks", 10, 0, 0, 0);
	rpc_call_fini(&call);
	rpc_testfx_free(fx);
}

static void
test_stats_without_pools(void **state)
{
	struct rpc_testfx *fx = rpc_testfx_new("[program:cat]\n"
	                                       "command=/bin/cat\n"
	                                       "autostart=false\n");
	struct rpc_call call;

	(void)state;
	rpc_testfx_call(fx, &call, "fleetvisor.getEventPoolStats", NULL);
	assert_int_equal(call.fault_code, 0);
	assert_int_equal(xr_array_len(call.result), 0);
	rpc_call_fini(&call);
	rpc_testfx_free(fx);
}

/* Unlisted, as fleetvisor.reopenLogs, but described and arity-checked. */
static void
test_stats_unlisted_but_described(void **state)
{
	struct rpc_testfx *fx = rpc_testfx_new(conf);
	struct rpc_call call;
	const char *help;

	(void)state;
	rpc_testfx_call(fx, &call, "system.listMethods", NULL);
	for (size_t i = 0; i < xr_array_len(call.result); i++) {
		assert_string_not_equal(
		    xr_string_get(xr_array_at(call.result, i), NULL),
		    "fleetvisor.getEventPoolStats");
	}
	rpc_call_fini(&call);
	rpc_testfx_call(fx, &call, "system.methodHelp",
	    rpc_testfx_args(1, xr_string_new("fleetvisor.getEventPoolStats")));
	assert_int_equal(call.fault_code, 0);
	help = xr_string_get(call.result, NULL);
	assert_non_null(strstr(help, "dropped"));
	rpc_call_fini(&call);
	rpc_testfx_call(fx, &call, "system.methodSignature",
	    rpc_testfx_args(1, xr_string_new("fleetvisor.getEventPoolStats")));
	assert_int_equal(call.fault_code, 0);
	assert_int_equal(xr_array_len(call.result), 1);
	assert_string_equal(
	    xr_string_get(xr_array_at(call.result, 0), NULL), "array");
	rpc_call_fini(&call);
	rpc_testfx_call(fx, &call, "fleetvisor.getEventPoolStats",
	    rpc_testfx_args(1, xr_int_new(1)));
	assert_int_equal(call.fault_code, RPC_FAULT_INCORRECT_PARAMETERS);
	rpc_call_fini(&call);
	rpc_testfx_free(fx);
}

/* While stopping, the counts still answer (no SHUTDOWN_STATE). */
static void
test_stats_while_stopping(void **state)
{
	struct rpc_testfx *fx = rpc_testfx_new(conf);
	struct rpc_call call;

	(void)state;
	fx->sv.mood = SV_SHUTDOWN;
	rpc_testfx_call(fx, &call, "supervisor.getState", NULL);
	assert_int_equal(call.fault_code, RPC_FAULT_SHUTDOWN_STATE);
	rpc_call_fini(&call);
	rpc_testfx_call(fx, &call, "fleetvisor.getEventPoolStats", NULL);
	assert_int_equal(call.fault_code, 0);
	assert_int_equal(xr_array_len(call.result), 3);
	rpc_call_fini(&call);
	fx->sv.mood = SV_RUNNING;
	rpc_testfx_free(fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_before_any_event),
		cmocka_unit_test(test_stats_count_overflow),
		cmocka_unit_test(test_stats_without_pools),
		cmocka_unit_test(test_stats_unlisted_but_described),
		cmocka_unit_test(test_stats_while_stopping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
