/*
 * Unit tests for the web pages (agent/src/web/web_page.c): the status
 * table built from process info rows (order, classes, the actions each
 * state allows, escaping of hostile names), the tail page, and 4.2.5's
 * action messages (web.py's exact words).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/str.h"
#include "common/xalloc.h"
#include "process/proc_fsm.h"
#include "rpc/rpc.h"
#include "web/web_page.h"

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++) {
		n++;
	}
	return n;
}

/* row_of returns the <tr> of the process whose tail link names q. */
static char *
row_of(const char *page, const char *q)
{
	char key[256];
	const char *p, *start, *end;

	snprintf(key, sizeof(key), "tail.html?processname=%s\"", q);
	p = strstr(page, key);
	assert_non_null(p);
	for (start = p; start > page && strncmp(start, "<tr>", 4) != 0;
	     start--) {
	}
	end = strstr(p, "</tr>");
	assert_non_null(end);
	return fv_xstrndup(start, (size_t)(end - start));
}

static void
test_status_rows(void **state)
{
	struct web_row rows[] = {
		{ "zeta", "zeta", PROC_RUNNING, "RUNNING",
		    "pid 12, uptime 0:01:00" },
		{ "grp", "b", PROC_FATAL, "FATAL", "Exited too quickly" },
		{ "grp", "a", PROC_STOPPED, "STOPPED", "Not started" },
		{ "alpha", "alpha", PROC_STARTING, "STARTING", "" },
		{ "grp", "c", PROC_BACKOFF, "BACKOFF", "Exited too quickly" },
	};
	struct web_status_page pg = { "supervisor", "4.2.5", NULL };
	struct fv_buf b;
	const char *page;
	char *r;

	(void)state;
	fv_buf_init(&b, WEB_PAGE_MAX);
	assert_int_equal(web_render_status(&b, &pg, rows, 5), 0);
	page = fv_buf_cstr(&b);
	assert_true(fv_str_utf8_valid(b.data, b.len));
	assert_non_null(strstr(page, "<title>Supervisor Status</title>"));
	assert_non_null(strstr(page, ">supervisor</span>"));
	assert_non_null(strstr(page, ">4.2.5</span>"));
	assert_null(strstr(page, "status_msg"));
	assert_int_equal(count(page, "<tr>"), 6); /* header + 5 */
	/* Sorted by (group, name), as 4.2.5 lists them. */
	assert_true(strstr(page, "processname=alpha\"") <
	    strstr(page, "processname=grp%3Aa\""));
	assert_true(strstr(page, "processname=grp%3Aa\"") <
	    strstr(page, "processname=grp%3Ab\""));
	assert_true(strstr(page, "processname=grp%3Ac\"") <
	    strstr(page, "processname=zeta\""));

	r = row_of(page, "zeta");
	assert_non_null(strstr(r, "class=\"statusrunning\">running<"));
	assert_non_null(strstr(r, "pid 12, uptime 0:01:00"));
	assert_non_null(strstr(r, "value=\"restart\""));
	assert_non_null(strstr(r, "value=\"stop\""));
	assert_null(strstr(r, "value=\"start\""));
	assert_non_null(strstr(r, "value=\"clearlog\""));
	assert_non_null(strstr(r, "href=\"logtail/zeta\""));
	assert_non_null(strstr(r, "href=\"logtail/zeta/stderr\""));
	assert_non_null(strstr(r, "name=\"processname\" value=\"zeta\""));
	free(r);

	r = row_of(page, "grp%3Aa");
	assert_non_null(strstr(r, "class=\"statusnominal\">stopped<"));
	assert_non_null(strstr(r, "value=\"start\""));
	assert_null(strstr(r, "value=\"stop\""));
	assert_non_null(strstr(r, ">grp:a</a>"));
	assert_non_null(strstr(r, "value=\"grp:a\""));
	free(r);

	r = row_of(page, "grp%3Ab");
	assert_non_null(strstr(r, "class=\"statuserror\">fatal<"));
	assert_non_null(strstr(r, "value=\"start\""));
	free(r);

	/* Neither running nor stopped: only Clear Log and the tails. */
	r = row_of(page, "grp%3Ac");
	assert_non_null(strstr(r, "class=\"statuserror\">backoff<"));
	assert_null(strstr(r, "value=\"start\""));
	assert_null(strstr(r, "value=\"stop\""));
	assert_null(strstr(r, "value=\"restart\""));
	assert_non_null(strstr(r, "value=\"clearlog\""));
	free(r);
	r = row_of(page, "alpha");
	assert_non_null(strstr(r, "class=\"statusnominal\">starting<"));
	free(r);

	/* The page's own buttons post; no GET action link is rendered. */
	assert_non_null(strstr(page, "value=\"refresh\""));
	assert_non_null(strstr(page, "value=\"restartall\""));
	assert_non_null(strstr(page, "value=\"stopall\""));
	assert_int_equal(count(page, "method=\"post\""), 6);
	assert_null(strstr(page, "action=start"));
	fv_buf_fini(&b);
}

static void
test_status_escapes_everything(void **state)
{
	struct web_row rows[] = {
		{ "g<&\"'>", "n<b>\xff", PROC_EXITED, "EXITED",
		    "<img src=x onerror=alert(1)>" },
	};
	struct web_status_page pg = { "id<x>", "v\"1", "hi <script>&" };
	struct fv_buf b;
	const char *page;

	(void)state;
	fv_buf_init(&b, WEB_PAGE_MAX);
	assert_int_equal(web_render_status(&b, &pg, rows, 1), 0);
	page = fv_buf_cstr(&b);
	assert_true(fv_str_utf8_valid(b.data, b.len));
	assert_null(strstr(page, "<script"));
	assert_null(strstr(page, "<img"));
	assert_null(strstr(page, "<b>"));
	assert_null(strstr(page, "id<x>"));
	assert_non_null(strstr(page,
	    "class=\"status_msg\">hi &lt;script&gt;"
	    "&amp;</div>"));
	assert_non_null(strstr(page,
	    ">g&lt;&amp;&quot;&#39;&gt;:n&lt;b&gt;"
	    "\xef\xbf\xbd</a>"));
	/* Links carry the name percent-encoded, bytes and all. */
	assert_non_null(
	    strstr(page, "href=\"logtail/g%3C%26%22%27%3E%3An%3Cb%3E%FF\""));
	fv_buf_fini(&b);
}

static void
test_status_empty_and_big(void **state)
{
	struct web_status_page pg = { "supervisor", "4.2.5", NULL };
	struct web_row *rows;
	char(*names)[16];
	struct fv_buf b;

	(void)state;
	fv_buf_init(&b, WEB_PAGE_MAX);
	assert_int_equal(web_render_status(&b, &pg, NULL, 0), 0);
	assert_non_null(strstr(fv_buf_cstr(&b), "No programs to manage"));
	assert_null(strstr(fv_buf_cstr(&b), "<table"));
	fv_buf_reset(&b);

	/* 1000 processes: one page, well under the cap (speed is bench/'s
	 * business, not a test's). */
	rows = fv_xcalloc(1000, sizeof(*rows));
	names = fv_xcalloc(1000, sizeof(*names));
	for (int i = 0; i < 1000; i++) {
		snprintf(names[i], sizeof(names[i]), "p%04d", 999 - i);
		rows[i] = (struct web_row){ "g", names[i], PROC_RUNNING,
			"RUNNING", "pid 1, uptime 1 day, 0:00:00" };
	}
	assert_int_equal(web_render_status(&b, &pg, rows, 1000), 0);
	assert_int_equal(count(fv_buf_cstr(&b), "<tr>"), 1001);
	assert_true(b.len < 1024 * 1024);
	assert_string_equal(rows[0].name, "p0000");
	free(names);
	free(rows);

	/* At the cap the page fails as a whole. */
	fv_buf_fini(&b);
	fv_buf_init(&b, 600);
	assert_int_equal(web_render_status(&b, &pg, NULL, 0), FV_ETOOBIG);
	fv_buf_fini(&b);
}

static void
test_tail_page(void **state)
{
	static const char log[] = "line <1>\n\x1b[31mred\xff\n";
	struct fv_buf b;
	const char *page;

	(void)state;
	fv_buf_init(&b, WEB_PAGE_MAX);
	assert_int_equal(
	    web_render_tail(&b, "grp:x", log, sizeof(log) - 1, 2048), 0);
	page = fv_buf_cstr(&b);
	assert_true(fv_str_utf8_valid(b.data, b.len));
	assert_non_null(
	    strstr(page, "<title>Supervisor tail of process grp:x</title>"));
	assert_non_null(strstr(page,
	    "line &lt;1&gt;\n\xef\xbf\xbd[31mred"
	    "\xef\xbf\xbd\n</pre>"));
	assert_non_null(strstr(
	    page, "href=\"tail.html?processname=grp%3Ax&amp;limit=2048\""));
	fv_buf_reset(&b);

	assert_int_equal(
	    web_render_tail(&b, NULL, "No process name found", 21, 1024), 0);
	page = fv_buf_cstr(&b);
	assert_non_null(strstr(page, "tail of process None</title>"));
	assert_non_null(strstr(page, ">No process name found</pre>"));
	assert_null(strstr(page, "tail.html?"));
	fv_buf_fini(&b);
}

static void
test_act_parse(void **state)
{
	(void)state;
	assert_int_equal(web_act_parse("start"), WEB_ACT_START);
	assert_int_equal(web_act_parse("stop"), WEB_ACT_STOP);
	assert_int_equal(web_act_parse("restart"), WEB_ACT_RESTART);
	assert_int_equal(web_act_parse("clearlog"), WEB_ACT_CLEARLOG);
	assert_int_equal(web_act_parse("refresh"), WEB_ACT_REFRESH);
	assert_int_equal(web_act_parse("stopall"), WEB_ACT_STOPALL);
	assert_int_equal(web_act_parse("restartall"), WEB_ACT_RESTARTALL);
	assert_int_equal(web_act_parse("Start"), -1);
	assert_int_equal(web_act_parse(""), -1);
	assert_true(web_act_per_process(WEB_ACT_CLEARLOG));
	assert_false(web_act_per_process(WEB_ACT_STOPALL));
}

static void
expect_msg(enum web_act act, int code, const char *fs, const char *want)
{
	char *m = web_act_message(act, "grp:x", code, fs, 0);

	assert_string_equal(m, want);
	free(m);
}

static void
test_act_messages(void **state)
{
	char *m;

	(void)state;
	expect_msg(WEB_ACT_START, 0, NULL, "Process grp:x started");
	expect_msg(WEB_ACT_STOP, 0, NULL, "Process grp:x stopped");
	expect_msg(WEB_ACT_RESTART, 0, NULL, "Process grp:x restarted");
	expect_msg(WEB_ACT_RESTART, 0, NULL, "Process grp:x restarted");
	expect_msg(WEB_ACT_CLEARLOG, 0, NULL, "Log for grp:x cleared");
	expect_msg(WEB_ACT_START, RPC_FAULT_SPAWN_ERROR, "SPAWN_ERROR: grp:x",
	    "ERROR: Process grp:x: spawn error");
	expect_msg(WEB_ACT_START, RPC_FAULT_ALREADY_STARTED,
	    "ALREADY_STARTED: grp:x", "ERROR: Process grp:x: already started");
	expect_msg(WEB_ACT_START, RPC_FAULT_ABNORMAL_TERMINATION, "x",
	    "ERROR: Process grp:x: abnormal termination");
	expect_msg(WEB_ACT_START, RPC_FAULT_NO_FILE, "x",
	    "ERROR: Process grp:x: no such file");
	expect_msg(WEB_ACT_START, RPC_FAULT_NOT_EXECUTABLE, "x",
	    "ERROR: Process grp:x: file not executable");
	expect_msg(WEB_ACT_START, RPC_FAULT_SHUTDOWN_STATE, "SHUTDOWN_STATE",
	    "ERROR: Process grp:x: unexpected rpc fault [6] SHUTDOWN_STATE");
	/* 4.2.5 (measured): stopping a stopped process. */
	expect_msg(WEB_ACT_STOP, RPC_FAULT_NOT_RUNNING, "NOT_RUNNING: grp:x",
	    "unexpected rpc fault [70] NOT_RUNNING: grp:x");
	expect_msg(WEB_ACT_CLEARLOG, RPC_FAULT_FAILED, "FAILED: x",
	    "unexpected rpc fault [30] FAILED: x");

	setenv("TZ", "UTC", 1);
	tzset();
	m = web_act_message(WEB_ACT_STOPALL, "", 0, NULL, 784111777);
	assert_string_equal(m, "All stopped at Sun Nov  6 08:49:37 1994");
	free(m);
	m = web_act_message(WEB_ACT_RESTARTALL, "", 0, NULL, 784111777);
	assert_string_equal(m, "All restarted at Sun Nov  6 08:49:37 1994");
	free(m);
	m = web_act_message(WEB_ACT_REFRESH, "", 0, NULL, 784111777);
	assert_string_equal(m, "Page refreshed at Sun Nov  6 08:49:37 1994");
	free(m);
	m = web_msg_no_such_process("grp:*");
	assert_string_equal(m, "No such process named grp:*");
	free(m);
}

static void
test_state_class(void **state)
{
	(void)state;
	assert_string_equal(web_state_class(PROC_RUNNING), "statusrunning");
	assert_string_equal(web_state_class(PROC_FATAL), "statuserror");
	assert_string_equal(web_state_class(PROC_BACKOFF), "statuserror");
	assert_string_equal(web_state_class(PROC_STOPPING), "statusnominal");
	assert_string_equal(web_state_class(PROC_UNKNOWN), "statusnominal");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_rows),
		cmocka_unit_test(test_status_escapes_everything),
		cmocka_unit_test(test_status_empty_and_big),
		cmocka_unit_test(test_tail_page),
		cmocka_unit_test(test_act_parse),
		cmocka_unit_test(test_act_messages),
		cmocka_unit_test(test_state_class),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
