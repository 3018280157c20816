/*
 * Who a selector or a subscription is for: the rules the agent, the
 * controller and the ctl share (proto/fleet_match.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fleet_fx.h"
#include "proto/fleet_match.h"

static void
test_selector(void **state)
{
	Fleetvisor__V1__KeyValue *none[1] = { NULL };
	struct fx f;

	(void)state;
	fx_build(&f, FLEETVISOR__V1__ENVELOPE__BODY_COMMAND);
	/* The fixture: names ["web-*"], labels [role=web]. */
	fx_kv(&f, 2, "role", "web");
	fx_kv(&f, 3, "dc", "paris");
	assert_true(fv_pb_selector_match(&f.sel, "web-1", &f.kvs[2], 2));
	/* Both must hold: the name, and every label with its value. */
	assert_false(fv_pb_selector_match(&f.sel, "db-1", &f.kvs[2], 2));
	assert_false(fv_pb_selector_match(&f.sel, "web-1", &f.kvs[3], 1));
	assert_false(fv_pb_selector_match(&f.sel, "web-1", none, 0));
	f.kv[2].value = fx_s(&f, "webx");
	assert_false(fv_pb_selector_match(&f.sel, "web-1", &f.kvs[2], 2));
	/* Names alone: any one of them, exact or glob. */
	f.sel.n_labels = 0;
	f.words[1] = fx_s(&f, "db-[0-9]");
	f.sel.n_names = 2;
	assert_true(fv_pb_selector_match(&f.sel, "db-3", none, 0));
	assert_true(fv_pb_selector_match(&f.sel, "web-", none, 0));
	assert_false(fv_pb_selector_match(&f.sel, "db-10", none, 0));
	assert_false(fv_pb_selector_match(&f.sel, "xweb-1", none, 0));
	/* Labels alone. */
	f.sel.n_names = 0;
	f.sel.n_labels = 1;
	f.kv[2].value = fx_s(&f, "web");
	assert_true(fv_pb_selector_match(&f.sel, "anything", &f.kvs[2], 2));
	/* all, nothing, and no selector at all. */
	f.sel.n_labels = 0;
	assert_false(fv_pb_selector_match(&f.sel, "web-1", none, 0));
	f.sel.all = 1;
	assert_true(fv_pb_selector_match(&f.sel, "web-1", none, 0));
	assert_true(fv_pb_selector_match(NULL, "web-1", none, 0));
	fx_fini(&f);
}

static void
test_event_filter(void **state)
{
	Fleetvisor__V1__Subscribe sub;
	char *hosts[1], *types[2], *procs[1];
	struct fx f;

	(void)state;
	fx_build(&f, FLEETVISOR__V1__ENVELOPE__BODY_EVENT);
	fleetvisor__v1__subscribe__init(&sub);
	/* Empty lists match everything. */
	assert_true(fv_pb_event_match(&sub, &f.ev));
	/* Types: a name covers itself and its subtypes, EVENT all. */
	sub.types = types;
	sub.n_types = 1;
	types[0] = fx_s(&f, "PROCESS_STATE");
	assert_true(fv_pb_event_match(&sub, &f.ev));
	types[0] = fx_s(&f, "PROCESS_STATE_RUNNING");
	assert_true(fv_pb_event_match(&sub, &f.ev));
	types[0] = fx_s(&f, "PROCESS_STATE_RUN");
	assert_false(fv_pb_event_match(&sub, &f.ev));
	types[0] = fx_s(&f, "PROCESS_LOG");
	assert_false(fv_pb_event_match(&sub, &f.ev));
	types[1] = fx_s(&f, "EVENT");
	sub.n_types = 2;
	assert_true(fv_pb_event_match(&sub, &f.ev));
	/* Hosts: globs over the event's host. */
	sub.hosts = hosts;
	sub.n_hosts = 1;
	hosts[0] = fx_s(&f, "db-*");
	assert_false(fv_pb_event_match(&sub, &f.ev));
	hosts[0] = fx_s(&f, "web-?");
	assert_true(fv_pb_event_match(&sub, &f.ev));
	/* Processes: "group:name" or "name". */
	sub.processes = procs;
	sub.n_processes = 1;
	procs[0] = fx_s(&f, "web:*");
	assert_true(fv_pb_event_match(&sub, &f.ev));
	procs[0] = fx_s(&f, "web_0");
	assert_true(fv_pb_event_match(&sub, &f.ev));
	procs[0] = fx_s(&f, "db:*");
	assert_false(fv_pb_event_match(&sub, &f.ev));
	/* An event that names no process does not match a process list. */
	f.ev.n_headers = 0;
	f.ev.type = fx_s(&f, "TICK_5");
	procs[0] = fx_s(&f, "*");
	assert_false(fv_pb_event_match(&sub, &f.ev));
	sub.n_processes = 0;
	assert_true(fv_pb_event_match(&sub, &f.ev));
	fx_fini(&f);
}

static void
test_controller_event_filter(void **state)
{
	Fleetvisor__V1__Subscribe sub;
	char *hosts[1];
	struct fx f;

	(void)state;
	fx_build(&f, FLEETVISOR__V1__ENVELOPE__BODY_CONTROLLER_EVENT);
	fleetvisor__v1__subscribe__init(&sub);
	assert_false(fv_pb_controller_event_match(&sub, &f.cev));
	sub.controller_events = 1;
	assert_true(fv_pb_controller_event_match(&sub, &f.cev));
	sub.hosts = hosts;
	sub.n_hosts = 1;
	hosts[0] = fx_s(&f, "db-*");
	assert_false(fv_pb_controller_event_match(&sub, &f.cev));
	hosts[0] = fx_s(&f, "web-1");
	assert_true(fv_pb_controller_event_match(&sub, &f.cev));
	fx_fini(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selector),
		cmocka_unit_test(test_event_filter),
		cmocka_unit_test(test_controller_event_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
