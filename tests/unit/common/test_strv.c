/*
 * fv_strv (common/str.c): pushes keep their order and the NULL after the
 * last, the vector grows by doubling (so n pushes cost O(n), which the
 * config loader's arena relies on at numprocs in the thousands), and a
 * freed vector can be used again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "common/str.h"

static void
test_strv_push_order_and_growth(void **state)
{
	struct fv_strv sv = { 0 };
	size_t grows = 0, cap = 0;
	char buf[32];

	(void)state;
	for (int i = 0; i < 10000; i++) {
		snprintf(buf, sizeof(buf), "s%d", i);
		fv_strv_push(&sv, buf);
		assert_null(sv.v[sv.n]);
		assert_true(sv.cap >= sv.n + 1);
		if (sv.cap != cap) {
			grows++;
			cap = sv.cap;
		}
	}
	assert_int_equal(sv.n, 10000);
	for (int i = 0; i < 10000; i++) {
		snprintf(buf, sizeof(buf), "s%d", i);
		assert_string_equal(sv.v[i], buf);
	}
	/* 8, 16, ... 16384: a dozen reallocations, not ten thousand. */
	assert_true(grows <= 12);
	fv_strv_free(&sv);
	assert_null(sv.v);
	assert_int_equal(sv.n, 0);
	assert_int_equal(sv.cap, 0);
	fv_strv_push_take(&sv, NULL); /* a NULL entry is the caller's */
	fv_strv_push(&sv, "again");
	assert_string_equal(sv.v[1], "again");
	assert_null(sv.v[2]);
	fv_strv_free(&sv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strv_push_order_and_growth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
