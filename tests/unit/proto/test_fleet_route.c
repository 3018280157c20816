/*
 * fv_fleet_route: the multi-server routing rule shared by the ctl and the
 * controller.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proto/fleet_route.h"

static const char *const hosts[] = { "web-1", "web-2", "db-1" };

static void
test_no_prefix_addresses_all(void **state)
{
	const char *const w[] = { "start", "all" };
	struct fv_fleet_route r;

	(void)state;
	fv_fleet_route(hosts, 3, w, 2, &r);
	assert_int_equal(r.nselected, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_true(r.selected[i]);
		assert_int_equal(r.words[i].n, 2);
		assert_string_equal(r.words[i].v[1], "all");
	}
	assert_true(fv_fleet_route_same(&r, 0, 2));
	fv_fleet_route_fini(&r);
}

static void
test_prefixes_and_globs(void **state)
{
	const char *const w[] = { "web-*/app", "db-1/pg", "common", "nope/x" };
	struct fv_fleet_route r;

	(void)state;
	fv_fleet_route(hosts, 3, w, 4, &r);
	assert_int_equal(r.nselected, 3);
	assert_int_equal(r.words[0].n, 2);
	assert_string_equal(r.words[0].v[0], "app");
	assert_string_equal(r.words[0].v[1], "common");
	assert_string_equal(r.words[2].v[0], "pg");
	assert_true(fv_fleet_route_same(&r, 0, 1));
	assert_false(fv_fleet_route_same(&r, 0, 2));
	assert_int_equal(r.unmatched.n, 1);
	assert_string_equal(r.unmatched.v[0], "nope");
	fv_fleet_route_fini(&r);
}

static void
test_prefix_selects_only_matches(void **state)
{
	const char *const w[] = { "db-1/pg" };
	struct fv_fleet_route r;

	(void)state;
	fv_fleet_route(hosts, 3, w, 1, &r);
	assert_int_equal(r.nselected, 1);
	assert_false(r.selected[0]);
	assert_true(r.selected[2]);
	assert_int_equal(r.words[0].n, 0);
	fv_fleet_route_fini(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_prefix_addresses_all),
		cmocka_unit_test(test_prefixes_and_globs),
		cmocka_unit_test(test_prefix_selects_only_matches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
