/*
 * Unit tests for cfg_env_parse and cfg_command_split. Every expected value
 * in the tables was produced by the real Python 3.11: supervisor 4.2.5's
 * datatypes.dict_of_key_value_pairs() (a non-posix shlex) and
 * shlex.split(), and pasted here as a literal. For a success the row lists
 * the pairs (or the words) and ends in NULL; for a failure it holds the
 * ValueError text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/str.h"
#include "common/xalloc.h"
#include "config/cfg_shlex.h"

struct test_cfg_shlex_case {
	const char *in;
	int rv; /* 0, or -1 for a ValueError */
	const char *want[10];
};

static const struct test_cfg_shlex_case test_cfg_shlex_env_cases[] = {
	{ "", 0, { NULL } },
	{ "A=1", 0, { "A", "1", NULL } },
	{ "A=1,B=2", 0, { "A", "1", "B", "2", NULL } },
	{ "A=1, B=2", 0, { "A", "1", "B", "2", NULL } },
	{ "A = 1", 0, { "A", "1", NULL } },
	{ "A=1,", 0, { "A", "1", NULL } },
	{ "A=1,B=2,", 0, { "A", "1", "B", "2", NULL } },
	{ "A=\"x,y\"", 0, { "A", "x,y", NULL } },
	{ "A='x,y'", 0, { "A", "x,y", NULL } },
	{ "A=\"x y\",B=2", 0, { "A", "x y", "B", "2", NULL } },
	{ "A=\"\",B=''", 0, { "A", "", "B", "", NULL } },
	{ "A=x\"y\"z", 0, { "A", "x\"y\"z", NULL } },
	{ "A=\"x'y\"", 0, { "A", "x'y", NULL } },
	{ "PATH=/usr/bin:/bin", 0, { "PATH", "/usr/bin:/bin", NULL } },
	{ "A=-1.5+2", 0, { "A", "-1.5+2", NULL } },
	{ "A=(x)", 0, { "A", "(x)", NULL } },
	{ "A=1,A=2", 0, { "A", "2", NULL } },
	{ "B=1,A=2,B=3", 0, { "B", "3", "A", "2", NULL } },
	{ "URL=http://h/p\?a=b", 0, { "URL", "http://h/p", "a", "b", NULL } },
	{ "A=a=b", -1,
	    { "Unexpected end of key/value pairs in value 'A=a=b'" } },
	{ "A=1 B=2", -1,
	    { "Unexpected end of key/value pairs in value 'A=1 B=2'" } },
	{ "A=1,B", -1,
	    { "Unexpected end of key/value pairs in value 'A=1,B'" } },
	{ "A", -1, { "Unexpected end of key/value pairs in value 'A'" } },
	{ "=", -1, { "Unexpected end of key/value pairs in value '='" } },
	{ "A=", -1, { "Unexpected end of key/value pairs in value 'A='" } },
	{ "A=1,,B=2", -1,
	    { "Unexpected end of key/value pairs in value 'A=1,,B=2'" } },
	{ "A=1;B=2", 0, { "A", "1", "B", "2", NULL } },
	{ "A=\303\251", 0, { "A", "\303\251", NULL } },
	{ "\303\251=1", 0, { "\303\251", "1", NULL } },
	{ "A=x\303\251", 0, { "A", "x", NULL } },
	{ "A=x#c\ny", 0, { "A", "xy", NULL } },
	{ "A=1 #c\n,B=2", 0, { "A", "1", "B", "2", NULL } },
	{ "#c\nA=1", 0, { "A", "1", NULL } },
	{ "A=1#c", 0, { "A", "1", NULL } },
	{ "A=\"unclosed", -1, { "No closing quotation" } },
	{ "A='x", -1, { "No closing quotation" } },
	{ "A=\"x\"y", 0, { "A", "x", NULL } },
	{ "A=x\\y", -1,
	    { "Unexpected end of key/value pairs in value 'A=x\\y'" } },
	{ "\"K\"=v", 0, { "\"K\"", "v", NULL } },
	{ "A=$HOME", 0, { "A", "$", NULL } },
	{ "A=x\ty", 0, { "A", "x", NULL } },
	{ "A='\"x\"'", 0, { "A", "x", NULL } },
	{ "A=*", 0, { "A", "*", NULL } },
	{ "a_B9=z", 0, { "a_B9", "z", NULL } },
	{ "A=1,B=2 C=3", -1,
	    { "Unexpected end of key/value pairs in value 'A=1,B=2 C=3'" } },
};

static const struct test_cfg_shlex_case test_cfg_shlex_cmd_cases[] = {
	{ "", 0, { NULL } },
	{ "   ", 0, { NULL } },
	{ "/bin/cat", 0, { "/bin/cat", NULL } },
	{ "cat -n  file", 0, { "cat", "-n", "file", NULL } },
	{ "a\tb\nc", 0, { "a", "b", "c", NULL } },
	{ "a 'b c' d", 0, { "a", "b c", "d", NULL } },
	{ "a \"b c\" d", 0, { "a", "b c", "d", NULL } },
	{ "''", 0, { "", NULL } },
	{ "a \"\" b", 0, { "a", "", "b", NULL } },
	{ "a\"b\"c", 0, { "abc", NULL } },
	{ "a'b'c", 0, { "abc", NULL } },
	{ "a\\ b", 0, { "a b", NULL } },
	{ "a\\\\b", 0, { "a\\b", NULL } },
	{ "\"a\\\"b\"", 0, { "a\"b", NULL } },
	{ "\"a\\\\b\"", 0, { "a\\b", NULL } },
	{ "\"a\\$b\"", 0, { "a\\$b", NULL } },
	{ "\"a\\nb\"", 0, { "a\\nb", NULL } },
	{ "'a\\b'", 0, { "a\\b", NULL } },
	{ "x#y #z", 0, { "x#y", "#z", NULL } },
	{ "sh -c \"echo $HOME; ls\"", 0,
	    { "sh", "-c", "echo $HOME; ls", NULL } },
	{ "\303\251 \"\342\202\254 x\"", 0,
	    { "\303\251", "\342\202\254 x", NULL } },
	{ "a\\", -1, { "No escaped character" } },
	{ "\"abc", -1, { "No closing quotation" } },
	{ "'abc", -1, { "No closing quotation" } },
	{ "a \"b\\", -1, { "No escaped character" } },
	{ "\"\\\\\"", 0, { "\\", NULL } },
	{ "\\'", 0, { "'", NULL } },
	{ "a\\\nb", 0, { "a\nb", NULL } },
	{ "\"'\"", 0, { "'", NULL } },
	{ "'\"'", 0, { "\"", NULL } },
};

static void
test_cfg_shlex_env_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < nitems(test_cfg_shlex_env_cases); i++) {
		const struct test_cfg_shlex_case *t =
		    &test_cfg_shlex_env_cases[i];
		struct fv_kvmap m = { 0 };
		struct fv_diag d;
		size_t k;
		int rv;

		rv = cfg_env_parse(t->in, &m, &d);
		if (t->rv != 0) {
			if (rv == 0) {
				print_error("env \"%s\" was accepted\n", t->in);
			}
			assert_int_equal(rv, FV_EBADCONF);
			assert_string_equal(d.msg, t->want[0]);
			assert_int_equal(m.n, 0);
			continue;
		}
		if (rv != 0) {
			print_error("env \"%s\": %s\n", t->in, d.msg);
		}
		assert_int_equal(rv, 0);
		for (k = 0; t->want[2 * k] != NULL; k++) {
			assert_true(k < m.n);
			assert_string_equal(m.v[k].key, t->want[2 * k]);
			assert_string_equal(m.v[k].val, t->want[2 * k + 1]);
		}
		assert_int_equal(m.n, k);
		fv_kvmap_free(&m);
	}
}

static void
test_cfg_shlex_env_into_existing_map(void **state)
{
	struct fv_kvmap m = { 0 };
	struct fv_diag d;

	(void)state;
	fv_kvmap_set(&m, "B", "old");
	fv_kvmap_set(&m, "Z", "z");
	/* Pairs are set in order: B keeps its place, A is appended. */
	assert_int_equal(cfg_env_parse("A=1,B=2", &m, &d), 0);
	assert_int_equal(m.n, 3);
	assert_string_equal(m.v[0].key, "B");
	assert_string_equal(m.v[0].val, "2");
	assert_string_equal(m.v[1].key, "Z");
	assert_string_equal(m.v[2].key, "A");
	assert_string_equal(m.v[2].val, "1");
	/* A refused value sets nothing, not even its valid first pair. */
	assert_int_equal(cfg_env_parse("C=3,D", &m, &d), FV_EBADCONF);
	assert_string_equal(
	    d.msg, "Unexpected end of key/value pairs in value 'C=3,D'");
	assert_int_equal(cfg_env_parse("C=3,D='x", &m, NULL), FV_EBADCONF);
	assert_int_equal(m.n, 3);
	assert_null(fv_kvmap_get(&m, "C"));
	fv_kvmap_free(&m);
}

static void
test_cfg_shlex_cmd_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < nitems(test_cfg_shlex_cmd_cases); i++) {
		const struct test_cfg_shlex_case *t =
		    &test_cfg_shlex_cmd_cases[i];
		struct fv_strv argv = { 0 };
		struct fv_diag d;
		size_t k;
		int rv;

		rv = cfg_command_split(t->in, &argv, &d);
		if (t->rv != 0) {
			if (rv == 0) {
				print_error(
				    "command \"%s\" was accepted\n", t->in);
			}
			assert_int_equal(rv, FV_EBADCONF);
			assert_string_equal(d.msg, t->want[0]);
			assert_int_equal(argv.n, 0);
			continue;
		}
		if (rv != 0) {
			print_error("command \"%s\": %s\n", t->in, d.msg);
		}
		assert_int_equal(rv, 0);
		for (k = 0; t->want[k] != NULL; k++) {
			assert_true(k < argv.n);
			assert_string_equal(argv.v[k], t->want[k]);
		}
		assert_int_equal(argv.n, k);
		if (argv.n > 0) {
			assert_null(argv.v[argv.n]);
		}
		fv_strv_free(&argv);
	}
}

static void
test_cfg_shlex_cmd_appends(void **state)
{
	struct fv_strv argv = { 0 };
	struct fv_diag d;

	(void)state;
	fv_strv_push(&argv, "first");
	assert_int_equal(cfg_command_split("a 'b c'", &argv, &d), 0);
	assert_int_equal(argv.n, 3);
	assert_string_equal(argv.v[0], "first");
	assert_string_equal(argv.v[1], "a");
	assert_string_equal(argv.v[2], "b c");
	assert_null(argv.v[3]);
	/* A refused command adds nothing, not even its complete words. */
	assert_int_equal(cfg_command_split("x y \"z", &argv, &d), FV_EBADCONF);
	assert_string_equal(d.msg, "No closing quotation");
	assert_int_equal(cfg_command_split("x\\", &argv, NULL), FV_EBADCONF);
	assert_int_equal(argv.n, 3);
	fv_strv_free(&argv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfg_shlex_env_table),
		cmocka_unit_test(test_cfg_shlex_env_into_existing_map),
		cmocka_unit_test(test_cfg_shlex_cmd_table),
		cmocka_unit_test(test_cfg_shlex_cmd_appends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
