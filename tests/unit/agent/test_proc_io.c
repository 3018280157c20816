/*
 * proc_io.c's read coalescing, through a real supervisor on a private
 * loop: a burst of line writes is read in far fewer reads than lines, a
 * line is passed on while the program runs (also after a quiet spell), a
 * burst followed by an exit is drained whole, and a quiet program leaves
 * no timer running. A channel has capture state only with capture mode or
 * strip_ansi on (decided at each spawn); without it output still reaches
 * the log and the main log, and a last partial line is drained at exit.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "log/mainlog.h"
#include "process/proc.h"
#include "rpc_fixture.h"

#define BURST_LINES 3000

/*
 * burst writes a line about every 30 us, each with its own write(2)
 * (fflush), for about 0.1 s: slower than an eager reader wakes up, so
 * that one would read about once per line. burstexit writes as fast as
 * dash's builtin echo goes (a write per line) and exits at once.
 */
static const char progs[] =
    "[program:burst]\n"
    "command=/usr/bin/awk "
    "BEGIN{for(i=0;i<3000;i++){print(i);fflush();for(j=0;j<3000;j++);}}\n"
    "autostart=false\n"
    "autorestart=false\n"
    "startsecs=0\n"
    "stdout_logfile=%(here)s/burst.log\n"
    "[program:burstexit]\n"
    "command=/bin/sh -c \"i=0; while [ $i -lt 3000 ]; do "
    "echo line$i; i=$((i+1)); done\"\n"
    "autostart=false\n"
    "autorestart=false\n"
    "startsecs=0\n"
    "stdout_logfile=%(here)s/burstexit.log\n"
    "[program:twice]\n"
    "command=/bin/sh -c \"echo first; sleep 0.3; echo second; "
    "exec sleep 1000\"\n"
    "autostart=false\n"
    "startsecs=0\n"
    "stdout_logfile=%(here)s/twice.log\n"
    "[program:plain]\n"
    "command=/bin/sh -c \"echo out; echo err >&2; printf tail\"\n"
    "autostart=false\n"
    "autorestart=false\n"
    "startsecs=0\n"
    "stdout_logfile=%(here)s/plain.log\n"
    "stderr_logfile=%(here)s/plain.err\n"
    "[program:capt]\n"
    "command=/bin/sh -c \"printf 'before\\\\n<!--XSUPERVISOR:BEGIN-->"
    "inside<!--XSUPERVISOR:END-->after\\\\n'\"\n"
    "autostart=false\n"
    "autorestart=false\n"
    "startsecs=0\n"
    "stdout_capture_maxbytes=1KB\n"
    "stdout_logfile=%(here)s/capt.log\n"
    "[program:color]\n"
    "command=/usr/bin/printf \"\\033[31mred\\033[0m\\n\"\n"
    "autostart=false\n"
    "autorestart=false\n"
    "startsecs=0\n"
    "stdout_logfile=%(here)s/color.log\n";

static int
setup(void **state)
{
	*state = fx_open(progs);
	return 0;
}

static int
teardown(void **state)
{
	fx_close(*state);
	return 0;
}

/* read_all returns the file's content (NUL-terminated) or NULL. */
static char *
read_all(struct fx *f, const char *name, size_t *lenp)
{
	char *path = fv_xasprintf("%s/%s", f->dir, name);
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	free(path);
	if (fp == NULL) {
		return NULL;
	}
	do {
		if (cap - len < 65536) {
			cap = cap == 0 ? 65536 : cap * 2;
			buf = fv_xrealloc(buf, cap + 1);
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
	} while (n > 0);
	fclose(fp);
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

/* count_of counts the occurrences of needle in hay. */
static size_t
count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *s = hay; (s = strstr(s, needle)) != NULL;
	     s += strlen(needle)) {
		n++;
	}
	return n;
}

/* The lines PREFIX0 .. PREFIX(n-1), each ending in a newline. */
static char *
burst_text(const char *prefix, int n)
{
	struct fv_buf b;
	char *out;

	fv_buf_init(&b, 1 << 20);
	for (int i = 0; i < n; i++) {
		fv_buf_printf(&b, "%s%d\n", prefix, i);
	}
	out = fv_xstrdup(fv_buf_cstr(&b));
	fv_buf_fini(&b);
	return out;
}

static void
on_watch(uv_timer_t *t)
{
	(void)t; /* only wakes the loop up */
}

/*
 * wait_log runs the loop until name holds want bytes (or ms), blocking in
 * it as the daemon does (the fixture's polling passes would coalesce
 * reads by themselves).
 */
static bool
wait_log(struct fx *f, const char *name, size_t want, int ms)
{
	char *path = fv_xasprintf("%s/%s", f->dir, name);
	struct stat st;
	uv_timer_t watch;
	uint64_t end;
	bool ok = false;

	uv_timer_init(&f->loop, &watch);
	uv_timer_start(&watch, on_watch, 5, 5);
	uv_update_time(&f->loop);
	end = uv_now(&f->loop) + (uint64_t)ms;
	while (!ok && uv_now(&f->loop) < end) {
		uv_run(&f->loop, UV_RUN_ONCE);
		uv_update_time(&f->loop);
		ok = stat(path, &st) == 0 && (size_t)st.st_size >= want;
	}
	uv_close((uv_handle_t *)&watch, NULL);
	uv_run(&f->loop, UV_RUN_NOWAIT);
	free(path);
	return ok;
}

static void
test_burst_is_coalesced(void **state)
{
	struct fx *f = *state;
	char *want = burst_text("", BURST_LINES), *got, *mainlog;
	struct fx_call c;
	size_t len, reads;

	fx_start(f, &c, "supervisor.startProcess", "sb", "burst", 0);
	fx_call_fini(&c);
	assert_true(wait_log(f, "burst.log", strlen(want), 20000));
	got = read_all(f, "burst.log", &len);
	assert_non_null(got);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(got, want, len);
	/* One debug record per read: an eager reader makes about one per
	 * line here, a coalescing one at most about one per millisecond. */
	assert_int_equal(mainlog_flush_sync(f->log), 0);
	mainlog = read_all(f, "main.log", &len);
	assert_non_null(mainlog);
	reads = count_of(mainlog, "'burst' stdout output:\n");
	assert_true(reads >= 1);
	assert_true(reads < BURST_LINES / 4);
	free(mainlog);
	free(got);
	free(want);
}

static void
test_burst_then_exit_is_drained(void **state)
{
	struct fx *f = *state;
	char *want = burst_text("line", BURST_LINES), *got;
	struct fx_call c;
	size_t len;

	fx_start(f, &c, "supervisor.startProcess", "sb", "burstexit", 0);
	fx_call_fini(&c);
	assert_true(fx_wait_state(f, "burstexit", PROC_EXITED, 10000));
	assert_true(wait_log(f, "burstexit.log", strlen(want), 10000));
	got = read_all(f, "burstexit.log", &len);
	assert_non_null(got);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(got, want, len);
	free(got);
	free(want);
}

static void
test_lines_pass_and_quiet_pipe_idles(void **state)
{
	struct fx *f = *state;
	struct fx_call c;
	int iterations = 0;
	uv_timer_t watch;
	uint64_t end;
	size_t len;
	char *got;

	fx_start(f, &c, "supervisor.startProcess", "sb", "twice", 0);
	fx_call_fini(&c);
	assert_true(fx_wait_state(f, "twice", PROC_RUNNING, 5000));
	/* The first line is passed on at once, not held for more. */
	assert_true(wait_log(f, "twice.log", 6, 5000));
	/* After a quiet spell the pipe is watched again, not polled. */
	assert_true(wait_log(f, "twice.log", 13, 5000));
	assert_int_equal(proc_state(fx_proc(f, "twice")), PROC_RUNNING);
	got = read_all(f, "twice.log", &len);
	assert_non_null(got);
	assert_string_equal(got, "first\nsecond\n");
	free(got);
	/* Let every delay run out (the log writer's one-shot timers too),
	 * then count loop iterations over 300 ms of silence: a polling
	 * timer would make hundreds. */
	fx_run_ms(f, 1500);
	uv_timer_init(&f->loop, &watch);
	uv_timer_start(&watch, on_watch, 300, 0);
	uv_update_time(&f->loop);
	end = uv_now(&f->loop) + 300;
	while (uv_now(&f->loop) < end && iterations < 1000) {
		uv_run(&f->loop, UV_RUN_ONCE);
		iterations++;
		uv_update_time(&f->loop);
	}
	uv_close((uv_handle_t *)&watch, NULL);
	uv_run(&f->loop, UV_RUN_NOWAIT);
	assert_true(iterations < 20);
}

/* run_to_exit starts ns and waits until it has exited and its stdout log
 * (name) holds want bytes. */
static void
run_to_exit(struct fx *f, const char *ns, const char *name, size_t want)
{
	struct fx_call c;

	fx_start(f, &c, "supervisor.startProcess", "sb", ns, 0);
	fx_call_fini(&c);
	assert_true(fx_wait_state(f, ns, PROC_EXITED, 10000));
	assert_true(wait_log(f, name, want, 10000));
}

static void
test_plain_channel_has_no_state(void **state)
{
	struct fx *f = *state;
	struct proc *p = fx_proc(f, "plain");
	char *got, *mainlog;
	size_t len;

	assert_null(p->out.state);
	assert_null(p->err.state);
	run_to_exit(f, "plain", "plain.log", 8);
	assert_true(wait_log(f, "plain.err", 4, 10000));
	assert_null(p->out.state);
	assert_null(p->err.state);
	/* The last line has no newline: drained at exit, not held back. */
	got = read_all(f, "plain.log", &len);
	assert_non_null(got);
	assert_string_equal(got, "out\ntail");
	free(got);
	got = read_all(f, "plain.err", &len);
	assert_non_null(got);
	assert_string_equal(got, "err\n");
	free(got);
	assert_int_equal(mainlog_flush_sync(f->log), 0);
	mainlog = read_all(f, "main.log", &len);
	assert_non_null(mainlog);
	assert_non_null(strstr(mainlog, "'plain' stderr output:\nerr\n"));
	free(mainlog);
}

static void
test_capture_mode_has_state(void **state)
{
	struct fx *f = *state;
	struct proc *p = fx_proc(f, "capt");
	char *got, *mainlog;
	size_t len;

	assert_non_null(p->out.state);
	assert_null(p->err.state);
	run_to_exit(f, "capt", "capt.log", 13);
	got = read_all(f, "capt.log", &len);
	assert_non_null(got);
	assert_string_equal(got, "before\nafter\n");
	free(got);
	assert_int_equal(mainlog_flush_sync(f->log), 0);
	mainlog = read_all(f, "main.log", &len);
	assert_non_null(mainlog);
	assert_non_null(strstr(mainlog, "'capt' stdout emitted a comm event"));
	free(mainlog);
}

/* strip_ansi is read at each spawn: the state comes and goes with it. */
static void
test_strip_ansi_state_follows_config(void **state)
{
	static const char raw[] = "\033[31mred\033[0m\n";
	struct fx *f = *state;
	struct proc *p = fx_proc(f, "color");
	char *got, *want;
	size_t len;

	run_to_exit(f, "color", "color.log", strlen(raw));
	assert_null(p->out.state);
	f->cfg->sd.strip_ansi = true;
	run_to_exit(f, "color", "color.log", strlen(raw) + 4);
	assert_non_null(p->out.state);
	assert_non_null(p->err.state);
	f->cfg->sd.strip_ansi = false;
	run_to_exit(f, "color", "color.log", 2 * strlen(raw) + 4);
	assert_null(p->out.state);
	assert_null(p->err.state);
	got = read_all(f, "color.log", &len);
	assert_non_null(got);
	want = fv_xasprintf("%sred\n%s", raw, raw);
	assert_string_equal(got, want);
	free(want);
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_burst_is_coalesced, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_burst_then_exit_is_drained, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_lines_pass_and_quiet_pipe_idles, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_plain_channel_has_no_state, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_capture_mode_has_state, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_strip_ansi_state_follows_config, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
