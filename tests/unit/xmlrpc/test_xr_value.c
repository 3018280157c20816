/*
 * The XML-RPC value model: constructors, typed accessors that refuse the
 * wrong type instead of aborting, struct semantics (a Python dict's), deep
 * copy and comparison, and calendar validation.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/xalloc.h"
#include "proto/xmlrpc/xr_value.h"

static void
test_scalars_read_back(void **state)
{
	struct xr_datetime dt = { 2024, 2, 29, 23, 59, 59 }, got_dt;
	struct xr_value *v;
	int32_t i;
	double d;
	bool b;
	size_t n;

	(void)state;
	v = xr_int_new(INT32_MIN);
	assert_int_equal(xr_value_type(v), XR_INT);
	assert_true(xr_int_get(v, &i));
	assert_int_equal(i, INT32_MIN);
	xr_value_free(v);

	v = xr_bool_new(true);
	assert_true(xr_bool_get(v, &b));
	assert_true(b);
	xr_value_free(v);

	v = xr_double_new(-0.0);
	assert_true(xr_double_get(v, &d));
	assert_true(d == 0.0 && signbit(d));
	xr_value_free(v);

	v = xr_datetime_new(&dt);
	assert_true(xr_datetime_get(v, &got_dt));
	assert_memory_equal(&got_dt, &dt, sizeof(dt));
	xr_value_free(v);

	/* Strings hold any byte, NUL included, and stay NUL-terminated. */
	v = xr_string_newn("a\0b\xff", 4);
	assert_memory_equal(xr_string_get(v, &n), "a\0b\xff", 4);
	assert_int_equal(n, 4);
	assert_int_equal(xr_string_get(v, NULL)[4], '\0');
	xr_value_free(v);

	v = xr_base64_new("", 0);
	assert_non_null(xr_base64_get(v, &n));
	assert_int_equal(n, 0);
	xr_value_free(v);
}

static void
test_wrong_type_is_an_answer(void **state)
{
	struct xr_value *s = xr_string_new("5");
	struct xr_datetime dt;
	int32_t i = 7;
	double d;
	bool b;

	(void)state;
	/* A handler checks and reads its argument in one call. */
	assert_false(xr_int_get(s, &i));
	assert_int_equal(i, 7);
	assert_false(xr_bool_get(s, &b));
	assert_false(xr_double_get(s, &d));
	assert_false(xr_datetime_get(s, &dt));
	assert_null(xr_base64_get(s, NULL));
	assert_int_equal(xr_array_len(s), 0);
	assert_null(xr_array_at(s, 0));
	assert_int_equal(xr_struct_len(s), 0);
	assert_null(xr_struct_get(s, "x"));
	assert_null(xr_struct_name(s, 0));
	assert_null(xr_struct_at(s, 0));
	/* NULL (a missing argument) answers the same way. */
	assert_false(xr_int_get(NULL, &i));
	assert_null(xr_string_get(NULL, NULL));
	assert_int_equal(xr_array_len(NULL), 0);
	assert_int_equal(xr_value_type(NULL), 0);
	xr_value_free(s);
	xr_value_free(NULL);
}

static void
test_array_order_and_bounds(void **state)
{
	struct xr_value *a = xr_array_new();
	int32_t i;

	(void)state;
	for (int k = 0; k < 100; k++) {
		xr_array_add_take(a, xr_int_new(k));
	}
	assert_int_equal(xr_array_len(a), 100);
	assert_true(xr_int_get(xr_array_at(a, 99), &i));
	assert_int_equal(i, 99);
	assert_null(xr_array_at(a, 100));
	xr_value_free(a);
}

static void
test_struct_is_a_python_dict(void **state)
{
	struct xr_value *s = xr_struct_new();
	int32_t i;

	(void)state;
	xr_struct_set_take(s, "b", xr_int_new(1));
	xr_struct_set_take(s, "a", xr_int_new(2));
	/* Setting an existing name keeps its place and replaces the value. */
	xr_struct_set_take(s, "b", xr_int_new(3));
	assert_int_equal(xr_struct_len(s), 2);
	assert_string_equal(xr_struct_name(s, 0), "b");
	assert_true(xr_int_get(xr_struct_at(s, 0), &i));
	assert_int_equal(i, 3);
	assert_string_equal(xr_struct_name(s, 1), "a");
	assert_true(xr_int_get(xr_struct_get(s, "a"), &i));
	assert_int_equal(i, 2);
	assert_null(xr_struct_get(s, "c"));
	assert_null(xr_struct_at(s, 2));
	xr_value_free(s);
}

static struct xr_value *
sample_tree(void)
{
	struct xr_datetime dt = { 1, 1, 1, 0, 0, 0 };
	struct xr_value *root = xr_struct_new(), *a = xr_array_new();

	xr_array_add_take(a, xr_int_new(1));
	xr_array_add_take(a, xr_bool_new(false));
	xr_array_add_take(a, xr_double_new(0.1));
	xr_array_add_take(a, xr_string_newn("x\0y", 3));
	xr_array_add_take(a, xr_datetime_new(&dt));
	xr_array_add_take(a, xr_base64_new("\xff", 1));
	xr_array_add_take(a, xr_array_new());
	xr_array_add_take(a, xr_struct_new());
	xr_struct_set_take(root, "list", a);
	xr_struct_set_take(root, "name", xr_string_new("cat"));
	return root;
}

static void
test_dup_and_equal(void **state)
{
	struct xr_value *t = sample_tree(), *c = xr_value_dup(t);
	struct xr_value *z, *nz, *s1, *s2;

	(void)state;
	assert_true(xr_value_equal(t, c));
	assert_true(xr_value_equal(c, t));
	xr_struct_set_take(c, "name", xr_string_new("dog"));
	assert_false(xr_value_equal(t, c));
	xr_value_free(c);
	assert_null(xr_value_dup(NULL));
	assert_true(xr_value_equal(NULL, NULL));
	assert_false(xr_value_equal(t, NULL));
	xr_value_free(t);

	/* Doubles compare bit for bit; -0.0 is its own value on the wire. */
	z = xr_double_new(0.0);
	nz = xr_double_new(-0.0);
	assert_false(xr_value_equal(z, nz));
	xr_value_free(z);
	xr_value_free(nz);
	/* Same bytes, different types: different values. */
	s1 = xr_string_new("a");
	s2 = xr_base64_new("a", 1);
	assert_false(xr_value_equal(s1, s2));
	xr_value_free(s1);
	xr_value_free(s2);
}

/*
 * Literal member names are kept by pointer and never freed; reserve
 * changes nothing visible; a dup of a tree holding both kinds of names is
 * equal and outlives its source (ASan checks the frees).
 */
static void
test_static_names_and_reserve(void **state)
{
	struct xr_value *s = xr_struct_new(), *a = xr_array_new(), *c;
	static const char lit[] = "statename";
	int32_t i;

	(void)state;
	xr_struct_reserve(s, 3);
	xr_struct_reserve(s, 0);
	xr_struct_add_static_take(s, lit, xr_string_new("RUNNING"));
	xr_struct_set_take(s, "pid", xr_int_new(7));
	/* set_take finds a literal-named member like any other. */
	xr_struct_set_take(s, lit, xr_string_new("STOPPED"));
	assert_int_equal(xr_struct_len(s), 2);
	assert_ptr_equal(xr_struct_name(s, 0), lit);
	assert_string_equal(
	    xr_string_get(xr_struct_get(s, lit), NULL), "STOPPED");
	xr_array_reserve(a, 100);
	assert_int_equal(xr_array_len(a), 0);
	for (int k = 0; k < 100; k++) {
		xr_array_add_take(a, xr_int_new(k));
	}
	xr_array_add_take(a, xr_string_newn("", 0));
	assert_int_equal(xr_array_len(a), 101);
	assert_true(xr_int_get(xr_array_at(a, 99), &i));
	assert_int_equal(i, 99);
	xr_struct_add_static_take(s, "list", a);
	c = xr_value_dup(s);
	assert_true(xr_value_equal(s, c));
	xr_value_free(s);
	assert_string_equal(xr_struct_name(c, 1), "pid");
	assert_true(xr_int_get(xr_struct_get(c, "pid"), &i));
	assert_int_equal(i, 7);
	assert_string_equal(
	    xr_string_get(xr_array_at(xr_struct_get(c, "list"), 100), NULL),
	    "");
	xr_value_free(c);
}

/*
 * A struct made in one allocation is an ordinary struct: it reads, equals
 * and duplicates like one built member by member, and it can still be
 * changed (an embedded value replaced, members added past its size);
 * ASan checks that nothing embedded is freed on its own.
 */
static void
test_fields_struct_is_ordinary(void **state)
{
	const struct xr_field f[] = {
		{ "name", XR_STRING, 0, "cat" },
		{ "pid", XR_INT, -7, NULL },
		{ "ok", XR_BOOL, 2, NULL },
		{ "empty", XR_STRING, 0, "" },
	};
	struct xr_value *s = xr_struct_new_fields(f, nitems(f));
	struct xr_value *ref = xr_struct_new(), *c;
	size_t len;
	int32_t i;
	bool b;

	(void)state;
	xr_struct_set_take(ref, "name", xr_string_new("cat"));
	xr_struct_set_take(ref, "pid", xr_int_new(-7));
	xr_struct_set_take(ref, "ok", xr_bool_new(true));
	xr_struct_set_take(ref, "empty", xr_string_new(""));
	assert_true(xr_value_equal(s, ref));
	assert_int_equal(xr_struct_len(s), 4);
	assert_string_equal(
	    xr_string_get(xr_struct_get(s, "name"), &len), "cat");
	assert_int_equal(len, 3);
	assert_true(xr_int_get(xr_struct_get(s, "pid"), &i));
	assert_int_equal(i, -7);
	assert_true(xr_bool_get(xr_struct_at(s, 2), &b));
	assert_true(b);
	c = xr_value_dup(s);
	assert_true(xr_value_equal(c, ref));
	/* Replace an embedded value, then grow past the embedded members. */
	xr_struct_set_take(s, "name", xr_string_new("dog"));
	for (int k = 0; k < 20; k++) {
		char name[16];

		snprintf(name, sizeof(name), "m%d", k);
		xr_struct_set_take(s, name, xr_int_new(k));
	}
	assert_int_equal(xr_struct_len(s), 24);
	assert_string_equal(
	    xr_string_get(xr_struct_get(s, "name"), NULL), "dog");
	assert_true(xr_int_get(xr_struct_get(s, "pid"), &i));
	assert_int_equal(i, -7);
	assert_true(xr_int_get(xr_struct_get(s, "m19"), &i));
	assert_int_equal(i, 19);
	assert_false(xr_value_equal(s, ref));
	xr_value_free(s);
	assert_true(xr_value_equal(c, ref));
	xr_value_free(c);
	xr_value_free(ref);
	s = xr_struct_new_fields(f, 0);
	assert_int_equal(xr_struct_len(s), 0);
	xr_value_free(s);
}

static void
test_datetime_validity(void **state)
{
	static const struct {
		struct xr_datetime dt;
		bool ok;
	} rows[] = {
		{ { 2024, 2, 29, 0, 0, 0 }, true },
		{ { 2023, 2, 29, 0, 0, 0 }, false },
		{ { 2000, 2, 29, 0, 0, 0 }, true },
		{ { 1900, 2, 29, 0, 0, 0 }, false },
		{ { 1, 1, 1, 0, 0, 0 }, true },
		{ { 0, 1, 1, 0, 0, 0 }, false },
		{ { 9999, 12, 31, 23, 59, 59 }, true },
		{ { 10000, 1, 1, 0, 0, 0 }, false },
		{ { 2024, 4, 31, 0, 0, 0 }, false },
		{ { 2024, 13, 1, 0, 0, 0 }, false },
		{ { 2024, 1, 0, 0, 0, 0 }, false },
		{ { 2024, 1, 1, 24, 0, 0 }, false },
		{ { 2024, 1, 1, 0, 60, 0 }, false },
		/* Python's datetime refuses leap seconds: so do we. */
		{ { 2024, 1, 1, 0, 0, 60 }, false },
		{ { 2024, 1, 1, -1, 0, 0 }, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (xr_datetime_valid(&rows[i].dt) != rows[i].ok) {
			fail_msg("row %zu: expected %d", i, rows[i].ok);
		}
	}
}

static void
test_type_names(void **state)
{
	(void)state;
	/* The element names, as the writer and the parser use them. */
	assert_string_equal(xr_type_name(XR_INT), "int");
	assert_string_equal(xr_type_name(XR_BOOL), "boolean");
	assert_string_equal(xr_type_name(XR_STRING), "string");
	assert_string_equal(xr_type_name(XR_DOUBLE), "double");
	assert_string_equal(xr_type_name(XR_DATETIME), "dateTime.iso8601");
	assert_string_equal(xr_type_name(XR_BASE64), "base64");
	assert_string_equal(xr_type_name(XR_ARRAY), "array");
	assert_string_equal(xr_type_name(XR_STRUCT), "struct");
	assert_string_equal(xr_type_name((enum xr_type)0), "none");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars_read_back),
		cmocka_unit_test(test_wrong_type_is_an_answer),
		cmocka_unit_test(test_array_order_and_bounds),
		cmocka_unit_test(test_struct_is_a_python_dict),
		cmocka_unit_test(test_dup_and_equal),
		cmocka_unit_test(test_static_names_and_reserve),
		cmocka_unit_test(test_fields_struct_is_ordinary),
		cmocka_unit_test(test_datetime_validity),
		cmocka_unit_test(test_type_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
