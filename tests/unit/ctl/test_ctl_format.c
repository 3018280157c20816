/*
 * fleetvisorctl's commands against scripted server answers (the ctl's
 * call seam): 4.2.5's status table with its growing name column, the
 * result messages of start/stop/signal/clear, reread/avail wording, the
 * exit-code mapping, help texts and what onecmd prints for errors that
 * escape a command. Expected bytes were recorded from Debian's
 * supervisorctl 4.2.5.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd.h"
#include "common/xalloc.h"
#include "ctl.h"
#include "options.h"

/* One process as getAllProcessInfo describes it. */
struct fake_proc {
	const char *group, *name, *statename, *description;
	int state, pid;
};

/* The scripted server: answers by method name. */
struct fake {
	const struct fake_proc *procs;
	size_t nprocs;
	const char *version; /* getVersion's answer */
	enum ctl_outcome outcome; /* for every call but the defaults */
	int fault_code, err, http_status;
	const char *fault_string;
	int calls;
};

struct fx {
	struct ctl ctl;
	char *buf;
	size_t len;
	struct fake fake;
};

static struct fx *fx_current;

static struct xr_value *
fake_info(const struct fake_proc *p)
{
	struct xr_value *s = xr_struct_new();

	xr_struct_set_take(s, "name", xr_string_new(p->name));
	xr_struct_set_take(s, "group", xr_string_new(p->group));
	xr_struct_set_take(s, "statename", xr_string_new(p->statename));
	xr_struct_set_take(s, "state", xr_int_new(p->state));
	xr_struct_set_take(s, "description", xr_string_new(p->description));
	xr_struct_set_take(s, "pid", xr_int_new(p->pid));
	return s;
}

static void
fake_call(struct ctl *ctl, const char *method, struct xr_value *params,
    struct ctl_result *out)
{
	struct fake *f = &fx_current->fake;

	(void)ctl;
	xr_value_free(params);
	f->calls++;
	memset(out, 0, sizeof(*out));
	if (f->outcome != CTL_OK) {
		out->outcome = f->outcome;
		out->fault_code = f->fault_code;
		out->err = f->err;
		out->http_status = f->http_status;
		if (f->outcome == CTL_FAULT) {
			out->fault_string = fv_xstrdup(f->fault_string);
		}
		out->msg = fv_xstrdup("scripted failure");
		return;
	}
	out->outcome = CTL_OK;
	if (strcmp(method, "supervisor.getVersion") == 0) {
		out->value = xr_string_new(f->version);
	} else if (strcmp(method, "supervisor.getAllProcessInfo") == 0) {
		out->value = xr_array_new();
		for (size_t i = 0; i < f->nprocs; i++) {
			xr_array_add_take(out->value, fake_info(&f->procs[i]));
		}
	} else {
		out->value = xr_bool_new(true);
	}
}

static struct fx *
fx_new(void)
{
	struct fx *fx = fv_xcalloc(1, sizeof(*fx));

	fx->ctl.out = open_memstream(&fx->buf, &fx->len);
	fx->ctl.err = fx->ctl.out;
	fx->ctl.opt.serverurl = fv_xstrdup("unix:///tmp/x.sock");
	fx->ctl.call = fake_call;
	fx->fake.version = "3.0";
	fx_current = fx;
	return fx;
}

/* fx_output returns what the commands printed so far and resets it. */
static const char *
fx_output(struct fx *fx)
{
	static char copy[8192];

	fclose(fx->ctl.out);
	snprintf(copy, sizeof(copy), "%s", fx->buf != NULL ? fx->buf : "");
	free(fx->buf);
	fx->buf = NULL;
	fx->ctl.out = open_memstream(&fx->buf, &fx->len);
	fx->ctl.err = fx->ctl.out;
	return copy;
}

static void
fx_free(struct fx *fx)
{
	fclose(fx->ctl.out);
	free(fx->buf);
	free(fx->ctl.opt.serverurl);
	free(fx->ctl.raised);
	free(fx);
}

static const struct fake_proc procs[] = {
	{ "a_very_long_program_name_exceeding_thirty",
	    "a_very_long_program_name_exceeding_thirty", "RUNNING",
	    "pid 10, uptime 0:00:01", 20, 10 },
	{ "grp", "g1", "RUNNING", "pid 11, uptime 0:00:01", 20, 11 },
	{ "grp", "g2", "STOPPED", "Not started", 0, 0 },
	{ "sleeper", "sleeper", "RUNNING", "pid 12, uptime 0:00:01", 20, 12 },
};

static void
test_status_columns_grow(void **state)
{
	struct fx *fx = fx_new();

	(void)state;
	fx->fake.procs = procs;
	fx->fake.nprocs = 4;
	assert_int_equal(ctl_onecmd(&fx->ctl, "status"), 3);
	assert_string_equal(fx_output(fx),
	    "a_very_long_program_name_exceeding_thirty   RUNNING   pid 10, "
	    "uptime 0:00:01\n"
	    "grp:g1                                      RUNNING   pid 11, "
	    "uptime 0:00:01\n"
	    "grp:g2                                      STOPPED   Not "
	    "started\n"
	    "sleeper                                     RUNNING   pid 12, "
	    "uptime 0:00:01\n");
	fx_free(fx);
}

static void
test_status_minimum_width_and_codes(void **state)
{
	struct fx *fx = fx_new();

	(void)state;
	fx->fake.procs = procs + 1;
	fx->fake.nprocs = 3;
	/* Running only: 0; the name column is 30 + 3 wide. */
	assert_int_equal(ctl_onecmd(&fx->ctl, "status sleeper"), 0);
	assert_string_equal(fx_output(fx),
	    "sleeper                          RUNNING   pid 12, uptime "
	    "0:00:01\n");
	/* An unknown name is 4 unless a stopped one comes after it. */
	assert_int_equal(ctl_onecmd(&fx->ctl, "status sleeper grp:zz"), 4);
	assert_string_equal(fx_output(fx),
	    "grp:zz: ERROR (no such process)\n"
	    "sleeper                          RUNNING   pid 12, uptime "
	    "0:00:01\n");
	assert_int_equal(ctl_onecmd(&fx->ctl, "status nogroup:* grp:"), 3);
	assert_string_equal(fx_output(fx),
	    "nogroup: ERROR (no such group)\n"
	    "grp:g1                           RUNNING   pid 11, uptime "
	    "0:00:01\n"
	    "grp:g2                           STOPPED   Not started\n");
	fx_free(fx);
}

static void
test_status_pads_code_points(void **state)
{
	static const struct fake_proc p[] = {
		{ "caf\xc3\xa9", "caf\xc3\xa9", "RUNNING", "x", 20, 1 },
	};
	FILE *f;
	char *buf = NULL;
	size_t len = 0;
	const struct xr_value *infos[1];
	struct xr_value *v = fake_info(&p[0]);

	(void)state;
	infos[0] = v;
	f = open_memstream(&buf, &len);
	ctl_print_statuses(f, infos, 1);
	fclose(f);
	/* Four characters, five bytes: 29 spaces follow. */
	assert_string_equal(buf,
	    "caf\xc3\xa9"
	    "                             RUNNING   x\n");
	free(buf);
	xr_value_free(v);
}

static void
test_result_messages(void **state)
{
	static const struct {
		int code;
		const char *start, *stop, *clear;
	} rows[] = {
		{ CTL_F_SUCCESS, "n: started", "n: stopped", "n: cleared" },
		{ CTL_F_BAD_NAME, "n: ERROR (no such process)",
		    "n: ERROR (no such process)",
		    "n: ERROR (no such process)" },
		{ CTL_F_NO_FILE, "n: ERROR (no such file)", NULL, NULL },
		{ CTL_F_NOT_EXECUTABLE, "n: ERROR (file is not executable)",
		    NULL, NULL },
		{ CTL_F_ALREADY_STARTED, "n: ERROR (already started)", NULL,
		    NULL },
		{ CTL_F_SPAWN_ERROR, "n: ERROR (spawn error)", NULL, NULL },
		{ CTL_F_ABNORMAL_TERMINATION, "n: ERROR (abnormal termination)",
		    NULL, NULL },
		{ CTL_F_NOT_RUNNING, NULL, "n: ERROR (not running)", NULL },
		{ CTL_F_BAD_SIGNAL, NULL, "n: ERROR (bad signal name)", NULL },
		{ CTL_F_FAILED, NULL, "the description", "n: ERROR (failed)" },
	};

	(void)state;
	for (size_t i = 0; i < nitems(rows); i++) {
		char *s = ctl_fmt_startresult("n", rows[i].code);
		char *t = ctl_fmt_signalresult(
		    "n", rows[i].code, "the description", "stopped");
		char *c = ctl_fmt_clearresult("n", rows[i].code);

		if (rows[i].start == NULL) {
			assert_null(s);
		} else {
			assert_string_equal(s, rows[i].start);
		}
		if (rows[i].stop == NULL) {
			assert_null(t);
		} else {
			assert_string_equal(t, rows[i].stop);
		}
		if (rows[i].clear == NULL) {
			assert_null(c);
		} else {
			assert_string_equal(c, rows[i].clear);
		}
		free(s);
		free(t);
		free(c);
	}
}

static void
test_exit_from_fault(void **state)
{
	(void)state;
	assert_int_equal(ctl_exit_from_fault(CTL_F_SUCCESS, 0, 4), 4);
	assert_int_equal(ctl_exit_from_fault(
	                     CTL_F_ALREADY_STARTED, CTL_F_ALREADY_STARTED, 0),
	    0);
	assert_int_equal(ctl_exit_from_fault(CTL_F_ALREADY_STARTED, 0, 0), 1);
	assert_int_equal(ctl_exit_from_fault(CTL_F_SPAWN_ERROR, 0, 0), 7);
	assert_int_equal(
	    ctl_exit_from_fault(CTL_F_ABNORMAL_TERMINATION, 0, 0), 7);
	assert_int_equal(ctl_exit_from_fault(CTL_F_NOT_RUNNING, 0, 1), 7);
	assert_int_equal(
	    ctl_exit_from_fault(CTL_F_NOT_RUNNING, CTL_F_NOT_RUNNING, 0), 0);
	assert_int_equal(ctl_exit_from_fault(CTL_F_BAD_NAME, 0, 7), 1);
}

static void
test_upcheck_failures(void **state)
{
	struct fx *fx = fx_new();

	(void)state;
	fx->fake.outcome = CTL_NET_ERROR;
	fx->fake.err = -ENOENT;
	assert_int_equal(ctl_onecmd(&fx->ctl, "start x"), 7);
	assert_string_equal(fx_output(fx), "unix:///tmp/x.sock no such file\n");
	/* status turns every upcheck failure into 4. */
	assert_int_equal(ctl_onecmd(&fx->ctl, "status"), 4);
	fx_output(fx);
	fx->fake.err = -ECONNREFUSED;
	assert_int_equal(ctl_onecmd(&fx->ctl, "pid"), 4);
	assert_string_equal(
	    fx_output(fx), "unix:///tmp/x.sock refused connection\n");
	/* Commands without upcheck show the escaped socket error. */
	assert_int_equal(ctl_onecmd(&fx->ctl, "avail"), 1);
	assert_string_equal(fx_output(fx),
	    "error: <class 'ConnectionRefusedError'>, [Errno 111] Connection "
	    "refused: file: /usr/lib/python3/dist-packages/supervisor/"
	    "xmlrpc.py line: 557\n");
	assert_int_equal(ctl_onecmd(&fx->ctl, "shutdown"), 1);
	assert_string_equal(fx_output(fx),
	    "ERROR: unix:///tmp/x.sock refused connection (already shut "
	    "down?)\n");
	fx->fake.outcome = CTL_FAULT;
	fx->fake.fault_code = 1;
	fx->fake.fault_string = "UNKNOWN_METHOD";
	assert_int_equal(ctl_onecmd(&fx->ctl, "version"), 3);
	assert_true(
	    strncmp(fx_output(fx),
	        "Sorry, supervisord responded but did not recognize", 50) == 0);
	assert_int_equal(ctl_onecmd(&fx->ctl, "reread"), 1);
	assert_string_equal(fx_output(fx),
	    "error: <class 'xmlrpc.client.Fault'>, <Fault 1: "
	    "'UNKNOWN_METHOD'>: file: /usr/lib/python3.11/xmlrpc/client.py "
	    "line: 668\n");
	fx->fake.outcome = CTL_OK;
	fx->fake.version = "2.0";
	assert_int_equal(ctl_onecmd(&fx->ctl, "start x"), 5);
	assert_string_equal(fx_output(fx),
	    "Sorry, this version of supervisorctl expects to talk to a server "
	    "with API version 3.0, but the remote version is 2.0.\n");
	fx_free(fx);
}

static void
test_401_runs_twice_then_raises(void **state)
{
	struct fx *fx = fx_new();

	(void)state;
	fx->fake.outcome = CTL_HTTP_ERROR;
	fx->fake.http_status = 401;
	assert_int_equal(ctl_onecmd(&fx->ctl, "status"), 1);
	assert_string_equal(fx_output(fx),
	    "Server requires authentication\n"
	    "error: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError for "
	    "127.0.0.1/RPC2: 401 Unauthorized>: file: "
	    "/usr/lib/python3/dist-packages/supervisor/xmlrpc.py line: 539\n");
	assert_int_equal(fx->fake.calls, 2);
	assert_int_equal(fx->ctl.exit_status, 1);
	fx_free(fx);
}

static void
test_syntax_and_help(void **state)
{
	struct fx *fx = fx_new();

	(void)state;
	assert_int_equal(ctl_onecmd(&fx->ctl, "  "), 0);
	assert_string_equal(fx_output(fx), "");
	assert_int_equal(ctl_onecmd(&fx->ctl, "Status"), 1);
	assert_string_equal(fx_output(fx), "*** Unknown syntax: Status\n");
	assert_int_equal(ctl_onecmd(&fx->ctl, "!ls"), 1);
	assert_string_equal(fx_output(fx), "*** Unknown syntax: !ls\n");
	assert_int_equal(ctl_onecmd(&fx->ctl, "help"), 0);
	assert_string_equal(fx_output(fx),
	    "\n"
	    "default commands (type help <topic>):\n"
	    "=====================================\n"
	    "add    exit      open  reload  restart   start   tail   \n"
	    "avail  fg        pid   remove  shutdown  status  update \n"
	    "clear  maintail  quit  reread  signal    stop    version\n"
	    "\n");
	assert_int_equal(ctl_onecmd(&fx->ctl, "? status"), 0);
	assert_string_equal(fx_output(fx),
	    "status <name>\t\tGet status for a single process\n"
	    "status <gname>:*\tGet status for all processes in a group\n"
	    "status <name> <name>\tGet status for multiple named processes\n"
	    "status\t\t\tGet all process status info\n");
	assert_int_equal(ctl_onecmd(&fx->ctl, "help EOF"), 0);
	assert_string_equal(fx_output(fx), "*** No help on EOF\n");
	assert_int_equal(ctl_onecmd(&fx->ctl, "help status  extra"), 0);
	assert_string_equal(fx_output(fx), "*** No help on status  extra\n");
	assert_int_equal(ctl_onecmd(&fx->ctl, "version x"), 1);
	assert_string_equal(fx_output(fx),
	    "Error: version accepts no arguments\n"
	    "version\t\t\tShow the version of the remote supervisord "
	    "process\n");
	/* ';' separates commands (4.2.5 would read "quit;help exit" as
	 * the argument of help). */
	assert_int_equal(ctl_onecmd(&fx->ctl, "help quit;help exit ; "), 0);
	assert_string_equal(fx_output(fx),
	    "quit\tExit the supervisor shell.\n"
	    "exit\tExit the supervisor shell.\n");
	assert_int_equal(ctl_onecmd(&fx->ctl, "quit"), 0);
	assert_string_equal(fx_output(fx), "\n");
	assert_true(fx->ctl.stop);
	fx_free(fx);
}

static void
test_reread_and_avail_wording(void **state)
{
	struct xr_value *changes = xr_array_new();
	struct xr_value *added = xr_array_new(), *changed = xr_array_new();
	struct xr_value *ci = xr_struct_new();
	char *buf = NULL, *line;
	size_t len = 0;
	FILE *f;

	(void)state;
	xr_array_add_take(added, xr_string_new("zeta"));
	xr_array_add_take(changed, xr_string_new("alpha"));
	xr_array_add_take(changes, added);
	xr_array_add_take(changes, changed);
	xr_array_add_take(changes, xr_array_new());
	f = open_memstream(&buf, &len);
	ctl_print_changes(f, changes);
	fclose(f);
	assert_string_equal(buf, "alpha: changed\nzeta: available\n");
	free(buf);
	xr_value_free(changes);

	changes = xr_array_new();
	for (int i = 0; i < 3; i++) {
		xr_array_add_take(changes, xr_array_new());
	}
	f = open_memstream(&buf, &len);
	ctl_print_changes(f, changes);
	fclose(f);
	assert_string_equal(buf, "No config updates to processes\n");
	free(buf);
	xr_value_free(changes);

	xr_struct_set_take(ci, "group", xr_string_new("grp"));
	xr_struct_set_take(ci, "name", xr_string_new("g1"));
	xr_struct_set_take(ci, "inuse", xr_bool_new(true));
	xr_struct_set_take(ci, "autostart", xr_bool_new(false));
	xr_struct_set_take(ci, "group_prio", xr_int_new(999));
	xr_struct_set_take(ci, "process_prio", xr_int_new(50));
	line = ctl_fmt_configinfo(ci);
	assert_string_equal(line,
	    "grp:g1                           in use    "
	    "manual    999:50");
	free(line);
	xr_value_free(ci);
}

static void
test_table_sorted(void **state)
{
	(void)state;
	for (size_t i = 0; i < ctl_ncmds; i++) {
		assert_non_null(ctl_cmds[i]->exec);
		assert_ptr_equal(ctl_cmd_find(ctl_cmds[i]->name), ctl_cmds[i]);
		if (i > 0) {
			assert_true(strcmp(ctl_cmds[i - 1]->name,
			                ctl_cmds[i]->name) < 0);
		}
	}
	assert_null(ctl_cmd_find("stat"));
}

static void
test_url_checks(void **state)
{
	char scheme[16];

	(void)state;
	assert_true(ctl_url_valid("http://127.0.0.1:9001"));
	assert_true(ctl_url_valid("unix:///tmp/s"));
	assert_true(ctl_url_valid("localhost:9001"));
	assert_false(ctl_url_valid("foo"));
	assert_false(ctl_url_valid("http://"));
	ctl_url_scheme("HTTP://x", scheme, sizeof(scheme));
	assert_string_equal(scheme, "http");
	ctl_url_scheme("/tmp/x", scheme, sizeof(scheme));
	assert_string_equal(scheme, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_columns_grow),
		cmocka_unit_test(test_status_minimum_width_and_codes),
		cmocka_unit_test(test_status_pads_code_points),
		cmocka_unit_test(test_result_messages),
		cmocka_unit_test(test_exit_from_fault),
		cmocka_unit_test(test_upcheck_failures),
		cmocka_unit_test(test_401_runs_twice_then_raises),
		cmocka_unit_test(test_syntax_and_help),
		cmocka_unit_test(test_reread_and_avail_wording),
		cmocka_unit_test(test_table_sorted),
		cmocka_unit_test(test_url_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
