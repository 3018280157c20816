/*
 * The shell's completion word lists against 4.2.5's Controller.complete:
 * which words a line offers, in which order, and that process info is
 * asked for only when a word needs it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/str.h"
#include "ctl.h"
#include "shell.h"

struct infos {
	struct xr_value *v;
	int asked;
};

static void
add_info(struct xr_value *a, const char *group, const char *name)
{
	struct xr_value *s = xr_struct_new();

	xr_struct_set_take(s, "name", xr_string_new(name));
	xr_struct_set_take(s, "group", xr_string_new(group));
	xr_array_add_take(a, s);
}

static const struct xr_value *
get_infos(void *arg)
{
	struct infos *in = arg;

	in->asked++;
	return in->v;
}

static int
setup(void **state)
{
	struct infos *in = calloc(1, sizeof(*in));

	in->v = xr_array_new();
	add_info(in->v, "grp", "cat");
	add_info(in->v, "grp", "dog");
	add_info(in->v, "nolog", "nolog");
	add_info(in->v, "ticker", "ticker");
	*state = in;
	return 0;
}

static int
teardown(void **state)
{
	struct infos *in = *state;

	xr_value_free(in->v);
	free(in);
	return 0;
}

/* words returns the completions joined by '|'. */
static char *
words(struct infos *in, const char *line, const char *text)
{
	struct fv_strv out = { 0 };
	struct fv_buf b;

	fv_buf_init(&b, 1 << 20);
	ctl_complete_words(line, text, get_infos, in, &out);
	for (size_t i = 0; i < out.n; i++) {
		fv_buf_printf(&b, "%s%s", i > 0 ? "|" : "", out.v[i]);
	}
	fv_strv_free(&out);
	/* An empty buffer may hold no storage yet. */
	return b.len > 0 ? fv_buf_take(&b) : calloc(1, 1);
}

static void
check(struct infos *in, const char *line, const char *text, const char *want)
{
	char *got = words(in, line, text);

	assert_string_equal(got, want);
	free(got);
}

static void
test_complete_actions(void **state)
{
	struct infos *in = *state;
	struct fv_strv out = { 0 };
	size_t ours = 0;

	check(in, "st", "st", "start |status |stop ");
	check(in, "  re", "re", "reload |remove |reread |restart ");
	/* "help" comes first and again in its place, as in 4.2.5. */
	check(in, "h", "h", "help |help ");
	/* A blank line offers every 4.2.5 command but EOF: not ours
	 * (mtail, reopen), so that the list is 4.2.5's. */
	ctl_complete_words("", "", get_infos, in, &out);
	for (size_t i = 0; i < ctl_ncmds; i++) {
		ours += ctl_cmds[i]->ours;
	}
	/* mtail, reopen, hosts, events */
	assert_int_equal(ours, 4);
	assert_int_equal(out.n, ctl_ncmds - ours);
	for (size_t i = 0; i < out.n; i++) {
		assert_string_not_equal(out.v[i], "mtail ");
		assert_string_not_equal(out.v[i], "reopen ");
	}
	assert_string_equal(out.v[0], "help ");
	for (size_t i = 0; i < out.n; i++) {
		assert_string_not_equal(out.v[i], "EOF ");
	}
	fv_strv_free(&out);
	assert_int_equal(in->asked, 0);
}

static void
test_complete_help_is_a_substring_test(void **state)
{
	struct infos *in = *state;

	char *all = words(in, "", "");

	check(in, "help ", "", all);
	free(all);
	check(in, "help ta", "ta", "tail ");
	/* 4.2.5 writes `action in ('help')`: any piece of "help". */
	check(in, "el sh", "sh", "shutdown ");
	check(in, "hx sh", "sh", "");
	assert_int_equal(in->asked, 0);
}

static void
test_complete_processes(void **state)
{
	struct infos *in = *state;

	check(in, "status ", "", "grp:cat |grp:* |grp:dog |nolog |ticker ");
	check(in, "tail -f t", "t", "ticker ");
	check(in, "stop grp:", "grp:", "grp:cat |grp:* |grp:dog ");
	/* A ':' in the word names lone processes group:name too. */
	check(in, "start ticker:", "ticker:", "ticker:ticker |ticker:* ");
	check(in, "signal HUP n", "n", "nolog ");
	assert_true(in->asked > 0);
}

static void
test_complete_groups(void **state)
{
	struct infos *in = *state;

	check(in, "update ", "", "grp |nolog |ticker ");
	check(in, "remove g", "g", "grp ");
	check(in, "add x", "x", "");
}

static void
test_complete_nothing(void **state)
{
	struct infos *in = *state;

	check(in, "version ", "", "");
	check(in, "maintail ", "", "");
	check(in, "stat ", "", "");
	assert_int_equal(in->asked, 0);
}

static void
test_complete_without_server(void **state)
{
	struct infos *in = *state;

	xr_value_free(in->v);
	in->v = NULL;
	check(in, "status ", "", "");
	check(in, "add ", "", "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_complete_actions, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_complete_help_is_a_substring_test, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_complete_processes, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_complete_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_complete_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_complete_without_server, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
