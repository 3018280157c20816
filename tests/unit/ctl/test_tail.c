/*
 * tail, maintail and fg up to the point where a stream would start: their
 * argument checks, the calls they make and the text and codes 4.2.5
 * gives, with the ctl's call seam playing the server. The expected texts
 * were taken from Debian's supervisorctl 4.2.5 against supervisord 4.2.5.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd_tail.h"
#include "common/xalloc.h"
#include "ctl.h"

#define MAXCALLS 8

/* A scripted server: what each method answers, and what it was asked. */
struct fake {
	const char *version; /* getVersion's answer */
	int fault; /* the log/info method's fault, or 0 */
	const char *fault_string;
	const char *text; /* the log methods' answer */
	int state; /* getProcessInfo's state */
	char *methods[MAXCALLS];
	struct xr_value *params[MAXCALLS];
	size_t ncalls;
};

struct harness {
	struct ctl ctl;
	struct fake fake;
	char *out;
	size_t outlen;
};

/* The seam has no argument of its own: the ctl is the first member of the
 * harness, which holds the script. */
static void
fake_call(struct ctl *ctl, const char *method, struct xr_value *params,
    struct ctl_result *r)
{
	struct harness *h = (struct harness *)ctl;
	struct fake *f = &h->fake;

	memset(r, 0, sizeof(*r));
	assert_true(f->ncalls < MAXCALLS);
	f->methods[f->ncalls] = fv_xstrdup(method);
	f->params[f->ncalls++] = params;
	if (strcmp(method, "supervisor.getVersion") == 0) {
		r->outcome = CTL_OK;
		r->value = xr_string_new(f->version);
		return;
	}
	if (f->fault != 0) {
		r->outcome = CTL_FAULT;
		r->fault_code = f->fault;
		r->fault_string = fv_xstrdup(f->fault_string);
		return;
	}
	r->outcome = CTL_OK;
	if (strcmp(method, "supervisor.getProcessInfo") == 0) {
		r->value = xr_struct_new();
		xr_struct_set_take(r->value, "state", xr_int_new(f->state));
	} else if (strcmp(method, "supervisor.sendProcessStdin") == 0) {
		r->value = xr_bool_new(true);
	} else {
		r->value = xr_string_new(f->text);
	}
}

static int
setup(void **state)
{
	struct harness *h = fv_xcalloc(1, sizeof(*h));

	h->ctl.out = open_memstream(&h->out, &h->outlen);
	h->ctl.err = h->ctl.out;
	h->ctl.call = fake_call;
	h->fake.version = "3.0";
	h->fake.text = "tick 1\ntick 2\n";
	*state = h;
	return 0;
}

static int
teardown(void **state)
{
	struct harness *h = *state;

	fclose(h->ctl.out);
	free(h->out);
	free(h->ctl.raised);
	for (size_t i = 0; i < h->fake.ncalls; i++) {
		free(h->fake.methods[i]);
		xr_value_free(h->fake.params[i]);
	}
	free(h);
	return 0;
}

/* run runs exec with the words of args (space-separated) and returns its
 * code; the output is in h->out. */
static int
run(struct harness *h, int (*exec)(struct ctl *, int, char **),
    const char *args)
{
	char *copy = fv_xstrdup(args), *argv[8], *save = NULL, *w;
	int argc = 0, code;

	for (w = strtok_r(copy, " ", &save); w != NULL;
	     w = strtok_r(NULL, " ", &save)) {
		assert_true(argc < 8);
		argv[argc++] = w;
	}
	code = exec(&h->ctl, argc, argv);
	fflush(h->ctl.out);
	free(copy);
	return code;
}

/* assert_call checks call i: method, then its int arguments after an
 * optional name. */
static void
assert_log_call(struct harness *h, size_t i, const char *method,
    const char *name, int32_t offset)
{
	const struct xr_value *p;
	size_t k = 0;
	int32_t v;

	assert_true(i < h->fake.ncalls);
	assert_string_equal(h->fake.methods[i], method);
	p = h->fake.params[i];
	if (name != NULL) {
		assert_string_equal(
		    xr_string_get(xr_array_at(p, k++), NULL), name);
	}
	assert_int_equal(xr_array_len(p), k + 2);
	assert_true(xr_int_get(xr_array_at(p, k), &v));
	assert_int_equal(v, offset);
	assert_true(xr_int_get(xr_array_at(p, k + 1), &v));
	assert_int_equal(v, 0);
}

static const char tail_help[] =
    "tail [-f] <name> [stdout|stderr] (default stdout)\n"
    "Ex:\n"
    "tail -f <name>\t\tContinuous tail of named process stdout\n"
    "\t\t\tCtrl-C to exit.\n"
    "tail -100 <name>\tlast 100 *bytes* of process stdout\n"
    "tail <name> stderr\tlast 1600 *bytes* of process stderr\n";

static void
test_tail_argument_errors(void **state)
{
	struct harness *h = *state;
	char *want;

	assert_int_equal(run(h, ctl_tail_exec, ""), CTL_EXIT_GENERIC);
	want = fv_xasprintf("Error: too few arguments\n%s", tail_help);
	assert_string_equal(h->out, want);
	free(want);
	/* Only the upcheck reached the server. */
	assert_int_equal(h->fake.ncalls, 1);
	assert_string_equal(h->fake.methods[0], "supervisor.getVersion");
}

static void
test_tail_too_many(void **state)
{
	struct harness *h = *state;
	char *want;

	assert_int_equal(
	    run(h, ctl_tail_exec, "-f ticker stdout stderr"), CTL_EXIT_GENERIC);
	want = fv_xasprintf("Error: too many arguments\n%s", tail_help);
	assert_string_equal(h->out, want);
	free(want);
}

static void
test_tail_follow_needs_name(void **state)
{
	struct harness *h = *state;

	assert_int_equal(run(h, ctl_tail_exec, "-f"), CTL_EXIT_GENERIC);
	assert_string_equal(h->out, "Error: tail requires process name\n");
}

static void
test_tail_bad_channel(void **state)
{
	struct harness *h = *state;

	assert_int_equal(run(h, ctl_tail_exec, "ticker FOO"), CTL_EXIT_GENERIC);
	assert_string_equal(h->out, "Error: bad channel 'foo'\n");
	assert_int_equal(h->fake.ncalls, 1);
}

static void
test_tail_bad_channel_quote(void **state)
{
	struct harness *h = *state;

	assert_int_equal(
	    run(h, ctl_tail_exec, "-5 ticker it's"), CTL_EXIT_GENERIC);
	assert_string_equal(h->out, "Error: bad channel \"it's\"\n");
}

static void
test_tail_bad_modifier(void **state)
{
	struct harness *h = *state;

	assert_int_equal(run(h, ctl_tail_exec, "-x ticker"), CTL_EXIT_GENERIC);
	assert_int_equal(run(h, ctl_tail_exec, "- ticker"), CTL_EXIT_GENERIC);
	assert_int_equal(
	    run(h, ctl_tail_exec, "-1__0 ticker"), CTL_EXIT_GENERIC);
	assert_int_equal(run(h, ctl_tail_exec, "-5_ ticker"), CTL_EXIT_GENERIC);
	assert_string_equal(h->out,
	    "Error: bad argument -x\n"
	    "Error: bad argument -\n"
	    "Error: bad argument -1__0\n"
	    "Error: bad argument -5_\n");
}

static void
test_tail_default(void **state)
{
	struct harness *h = *state;

	assert_int_equal(run(h, ctl_tail_exec, "ticker"), CTL_EXIT_OK);
	/* The text, and the newline 4.2.5's output() adds. */
	assert_string_equal(h->out, "tick 1\ntick 2\n\n");
	assert_log_call(
	    h, 1, "supervisor.readProcessStdoutLog", "ticker", -1600);
}

static void
test_tail_bytes_and_channel(void **state)
{
	struct harness *h = *state;

	/* Python's int() takes '_' between digits and a second sign. */
	assert_int_equal(
	    run(h, ctl_tail_exec, "-1_0 grp:cat STDERR"), CTL_EXIT_OK);
	assert_log_call(
	    h, 1, "supervisor.readProcessStderrLog", "grp:cat", -10);
	assert_int_equal(run(h, ctl_tail_exec, "--5 x"), CTL_EXIT_OK);
	assert_log_call(h, 3, "supervisor.readProcessStdoutLog", "x", 5);
	assert_int_equal(run(h, ctl_tail_exec, "-+7 x"), CTL_EXIT_OK);
	assert_log_call(h, 5, "supervisor.readProcessStdoutLog", "x", -7);
	assert_int_equal(run(h, ctl_tail_exec, "-2147483648 x"), CTL_EXIT_OK);
	assert_log_call(
	    h, 7, "supervisor.readProcessStdoutLog", "x", INT32_MIN);
}

static void
test_tail_overflow_escapes(void **state)
{
	struct harness *h = *state;
	const char *tails[] = { "-2147483649 x", "--2147483648 x",
		"-99999999999999999999999 x" };

	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(run(h, ctl_tail_exec, tails[i]), CTL_RAISED);
		assert_string_equal(h->ctl.raised,
		    "error: <class 'OverflowError'>, int exceeds XML-RPC "
		    "limits: file: /usr/lib/python3.11/xmlrpc/client.py "
		    "line: 552");
	}
	/* Nothing but the upchecks was sent. */
	assert_int_equal(h->fake.ncalls, 3);
}

static void
test_tail_faults(void **state)
{
	struct harness *h = *state;

	h->fake.fault = 10;
	h->fake.fault_string = "BAD_NAME: cat";
	assert_int_equal(run(h, ctl_tail_exec, "-5 cat"), CTL_EXIT_GENERIC);
	h->fake.fault = 20;
	h->fake.fault_string = "NO_FILE: nolog";
	assert_int_equal(run(h, ctl_tail_exec, "nolog"), CTL_EXIT_GENERIC);
	h->fake.fault = 30;
	h->fake.fault_string = "FAILED";
	assert_int_equal(run(h, ctl_tail_exec, "x stderr"), CTL_EXIT_GENERIC);
	assert_string_equal(h->out,
	    "cat: ERROR (no such process name)\n"
	    "nolog: ERROR (no log file)\n"
	    "x: ERROR (unknown error reading log)\n");
	h->fake.fault = 3;
	h->fake.fault_string = "BAD_ARGUMENTS";
	assert_int_equal(run(h, ctl_tail_exec, "x"), CTL_RAISED);
	assert_string_equal(h->ctl.raised,
	    "error: <class 'xmlrpc.client.Fault'>, <Fault 3: "
	    "'BAD_ARGUMENTS'>: file: /usr/lib/python3.11/xmlrpc/client.py "
	    "line: 668");
}

static void
test_tail_upcheck_first(void **state)
{
	struct harness *h = *state;

	h->fake.version = "2.0";
	assert_int_equal(run(h, ctl_tail_exec, ""), CTL_EXIT_NOT_INSTALLED);
	assert_int_equal(
	    run(h, ctl_maintail_exec, "-x"), CTL_EXIT_NOT_INSTALLED);
	assert_int_equal(run(h, ctl_fg_exec, ""), CTL_EXIT_NOT_INSTALLED);
	assert_int_equal(h->fake.ncalls, 3);
	assert_null(strstr(h->out, "Error"));
	assert_null(strstr(h->out, "ERROR"));
}

static const char maintail_help[] =
    "maintail -f \tContinuous tail of supervisor main log file "
    "(Ctrl-C to exit)\n"
    "maintail -100\tlast 100 *bytes* of supervisord main log file\n"
    "maintail\tlast 1600 *bytes* of supervisor main log file\n\n";

static void
test_maintail_arguments(void **state)
{
	struct harness *h = *state;
	char *want;

	assert_int_equal(run(h, ctl_maintail_exec, "-f -f"), CTL_EXIT_GENERIC);
	assert_int_equal(run(h, ctl_maintail_exec, "-x"), CTL_EXIT_GENERIC);
	assert_int_equal(run(h, ctl_maintail_exec, "a"), CTL_EXIT_GENERIC);
	want = fv_xasprintf("Error: too many arguments\n%s"
	                    "Error: bad argument -x\n"
	                    "Error: bad argument a\n",
	    maintail_help);
	assert_string_equal(h->out, want);
	free(want);
	assert_int_equal(h->fake.ncalls, 3);
}

static void
test_maintail_reads(void **state)
{
	struct harness *h = *state;

	h->fake.text = "main";
	assert_int_equal(run(h, ctl_maintail_exec, ""), CTL_EXIT_OK);
	assert_log_call(h, 1, "supervisor.readLog", NULL, -1600);
	assert_int_equal(run(h, ctl_maintail_exec, "-100"), CTL_EXIT_OK);
	assert_log_call(h, 3, "supervisor.readLog", NULL, -100);
	assert_string_equal(h->out, "main\nmain\n");
	h->fake.fault = 20;
	h->fake.fault_string = "NO_FILE";
	assert_int_equal(run(h, ctl_maintail_exec, ""), CTL_EXIT_GENERIC);
	assert_string_equal(
	    h->out, "main\nmain\nsupervisord: ERROR (no log file)\n");
	/* BAD_NAME means nothing for the main log: it escapes. */
	h->fake.fault = 10;
	assert_int_equal(run(h, ctl_maintail_exec, ""), CTL_RAISED);
}

static void
test_fg_argument_errors(void **state)
{
	struct harness *h = *state;

	assert_int_equal(run(h, ctl_fg_exec, ""), CTL_EXIT_GENERIC);
	assert_int_equal(run(h, ctl_fg_exec, "a b"), CTL_EXIT_GENERIC);
	assert_string_equal(h->out,
	    "ERROR: no process name supplied\n"
	    "fg <process>\tConnect to a process in foreground mode\n"
	    "\t\tCtrl-C to exit\n"
	    "ERROR: too many process names supplied\n");
	assert_int_equal(h->fake.ncalls, 2);
}

static void
test_fg_process_checks(void **state)
{
	struct harness *h = *state;

	h->fake.fault = 10;
	h->fake.fault_string = "BAD_NAME: bad";
	assert_int_equal(run(h, ctl_fg_exec, "bad"), CTL_EXIT_GENERIC);
	/* Any other fault is printed and leaves the exit status alone. */
	h->fake.fault = 3;
	h->fake.fault_string = "it's";
	assert_int_equal(run(h, ctl_fg_exec, "x"), CTL_EXIT_OK);
	h->fake.fault = 0;
	h->fake.state = 0;
	assert_int_equal(run(h, ctl_fg_exec, "nolog"), CTL_EXIT_GENERIC);
	assert_string_equal(h->out,
	    "ERROR: bad process name supplied\n"
	    "ERROR: <Fault 3: \"it's\">\n"
	    "ERROR: process not running\n");
	assert_string_equal(h->fake.methods[5], "supervisor.getProcessInfo");
	assert_string_equal(
	    xr_string_get(xr_array_at(h->fake.params[5], 0), NULL), "nolog");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_tail_argument_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_tail_too_many, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_tail_follow_needs_name, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_tail_bad_channel, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_tail_bad_channel_quote, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_tail_bad_modifier, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_tail_default, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_tail_bytes_and_channel, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_tail_overflow_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_tail_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_tail_upcheck_first, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_maintail_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_maintail_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_fg_argument_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_fg_process_checks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
