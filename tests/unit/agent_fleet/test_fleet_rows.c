/*
 * The agent's fleet rows and checks (agent/src/fleet): text the codec
 * accepts whatever the bytes, XML-RPC structs as rows that pass the
 * codec's rules, and words a command line can carry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/str.h"
#include "fleet/fleet_exec.h"
#include "fleet/fleet_rows.h"
#include "proto/fleet_codec.h"

static void
test_text_clean(void **state)
{
	char *s;
	char big[3 * FV_PROTO_TEXT_MAX];

	(void)state;
	s = fleet_text("plain", 5);
	assert_string_equal(s, "plain");
	free(s);
	/* An invalid byte and a NUL each become U+FFFD. */
	s = fleet_text("a\xff"
	               "b\0c",
	    5);
	assert_string_equal(s,
	    "a\xef\xbf\xbd"
	    "b\xef\xbf\xbd"
	    "c");
	free(s);
	/* Too long: cut to the bound, on a character boundary. */
	for (size_t i = 0; i < sizeof(big); i += 2) {
		big[i] = (char)0xc3;
		big[i + 1] = (char)0xa9; /* é */
	}
	s = fleet_text(big, sizeof(big));
	assert_true(strlen(s) <= FV_PROTO_TEXT_MAX);
	assert_true(strlen(s) >= FV_PROTO_TEXT_MAX - 1);
	assert_true(fv_str_utf8_valid(s, strlen(s)));
	free(s);
	s = fleet_str(NULL);
	assert_string_equal(s, "");
	free(s);
}

/* A process info struct as the agent's methods make it becomes a row
 * the codec accepts, inside a result. */
static void
test_procinfo_row(void **state)
{
	struct xr_value *info = xr_struct_new();
	Fleetvisor__V1__CommandResult *res;
	Fleetvisor__V1__Envelope env;
	struct fv_diag d = { "" };

	(void)state;
	xr_struct_set_take(info, "name", xr_string_new("web_0"));
	xr_struct_set_take(info, "group", xr_string_new("web"));
	xr_struct_set_take(
	    info, "description", xr_string_new("pid 42, uptime 0:00:01"));
	xr_struct_set_take(info, "state", xr_int_new(20));
	xr_struct_set_take(info, "statename", xr_string_new("RUNNING"));
	xr_struct_set_take(info, "pid", xr_int_new(42));
	xr_struct_set_take(info, "start", xr_int_new(1700000000));
	xr_struct_set_take(info, "spawnerr", xr_string_new("bad\xff"));

	res = fleet_result_new("host-1",
	    FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_OK, 0, NULL);
	res->processes = malloc(sizeof(*res->processes));
	res->processes[res->n_processes++] = fleet_procinfo_new(info);
	assert_string_equal(res->processes[0]->group, "web");
	assert_int_equal(res->processes[0]->pid, 42);
	assert_int_equal(res->processes[0]->start, 1700000000);
	assert_string_equal(res->processes[0]->spawnerr, "bad\xef\xbf\xbd");

	fleetvisor__v1__envelope__init(&env);
	env.version = FV_PROTO_VERSION;
	env.request_id = 1;
	uint8_t session[32];

	memset(session, 7, sizeof(session));
	env.session.data = session;
	env.session.len = sizeof(session);
	env.body_case = FLEETVISOR__V1__ENVELOPE__BODY_COMMAND_RESULT;
	env.command_result = res;
	assert_int_equal(fv_pb_envelope_check(&env, &d), 0);

	/* Summary counts. */
	Fleetvisor__V1__ProcessSummary sum;
	fleetvisor__v1__process_summary__init(&sum);
	fleet_summary_add(&sum, res->processes[0]);
	assert_int_equal(sum.running, 1);
	fleet_result_free(res);
	xr_value_free(info);
}

static void
test_configinfo_row(void **state)
{
	struct xr_value *ci = xr_struct_new();
	Fleetvisor__V1__ConfigInfo *c;

	(void)state;
	xr_struct_set_take(ci, "name", xr_string_new("cat"));
	xr_struct_set_take(ci, "group", xr_string_new("cat"));
	xr_struct_set_take(ci, "inuse", xr_bool_new(true));
	xr_struct_set_take(ci, "autostart", xr_bool_new(false));
	xr_struct_set_take(ci, "group_prio", xr_int_new(999));
	xr_struct_set_take(ci, "process_prio", xr_int_new(5));
	c = fleet_configinfo_new(ci);
	assert_string_equal(c->name, "cat");
	assert_true(c->inuse);
	assert_false(c->autostart);
	assert_int_equal(c->group_prio, 999);
	assert_int_equal(c->process_prio, 5);
	fleet_configinfo_free(c);
	xr_value_free(ci);
}

/* Words that would make another command of a line are refused. */
static void
test_exec_check(void **state)
{
	Fleetvisor__V1__Command cmd;
	char w_web[] = "web:*", w_tail[] = "-100", w_all[] = "all";
	char w_semi[] = "web;shutdown", w_blank[] = "a b", w_ctrl[] = "a\nb";
	char w_empty[] = "";
	char *ok[] = { w_web, w_tail, w_all };
	char *semi[] = { w_semi };
	char *blank[] = { w_blank };
	char *ctrl[] = { w_ctrl };
	char *empty[] = { w_empty };

	(void)state;
	fleetvisor__v1__command__init(&cmd);
	cmd.action = FLEETVISOR__V1__COMMAND__ACTION__ACTION_RESTART;
	cmd.args = ok;
	cmd.n_args = 3;
	assert_null(fleet_exec_check(&cmd));
	cmd.n_args = 1;
	cmd.args = semi;
	assert_non_null(fleet_exec_check(&cmd));
	cmd.args = blank;
	assert_non_null(fleet_exec_check(&cmd));
	cmd.args = ctrl;
	assert_non_null(fleet_exec_check(&cmd));
	cmd.args = empty;
	assert_non_null(fleet_exec_check(&cmd));
	cmd.n_args = 0;
	cmd.action = FLEETVISOR__V1__COMMAND__ACTION__ACTION_UNSPECIFIED;
	assert_non_null(fleet_exec_check(&cmd));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_clean),
		cmocka_unit_test(test_procinfo_row),
		cmocka_unit_test(test_configinfo_row),
		cmocka_unit_test(test_exec_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
