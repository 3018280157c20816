/*
 * rpc_log.c: 4.2.5's readFile and tailFile at every offset and length
 * edge, the read cap, logs that are links or not files, bytes still in
 * the log writer, and clearing.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log/logfile.h"
#include "process/proc.h"
#include "rpc_fixture.h"

static const char progs[] =
    "[program:w]\n"
    "command=/bin/sh -c \"echo hello; exec sleep 1000\"\n"
    "autostart=false\n"
    "startsecs=0\n"
    "stdout_logfile=%(here)s/w.log\n"
    "stdout_logfile_backups=2\n"
    "[program:cat]\n"
    "command=/bin/cat\n"
    "autostart=false\n"
    "startsecs=0\n"
    "stdout_logfile=%(here)s/cat.log\n"
    "[program:nolog]\n"
    "command=/bin/cat\n"
    "autostart=false\n"
    "stdout_logfile=NONE\n"
    "stderr_logfile=NONE\n";

static char *
path_in(struct fx *f, const char *name)
{
	return fv_xasprintf("%s/%s", f->dir, name);
}

static void
put_file(struct fx *f, const char *name, const char *content)
{
	free(fv_test_write(f->dir, name, content));
}

static void
check_fault(struct fx_call *c, int code, const char *text)
{
	assert_int_equal(c->call.fault_code, code);
	assert_string_equal(c->call.fault_string, text);
}

static void
check_string(struct fx_call *c, const char *want)
{
	size_t n;
	const char *s;

	assert_int_equal(c->call.fault_code, 0);
	s = xr_string_get(c->call.result, &n);
	assert_non_null(s);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(s, want, n);
}

static void
check_tail(struct fx_call *c, const char *data, int32_t off, bool ovf)
{
	const struct xr_value *r = c->call.result;
	int32_t o = -1;
	bool b = !ovf;

	assert_int_equal(c->call.fault_code, 0);
	assert_int_equal(xr_array_len(r), 3);
	assert_string_equal(xr_string_get(xr_array_at(r, 0), NULL), data);
	assert_true(xr_int_get(xr_array_at(r, 1), &o));
	assert_int_equal(o, off);
	assert_true(xr_bool_get(xr_array_at(r, 2), &b));
	assert_int_equal(b, ovf);
}

/* A read with two int args after the optional name; one that waits for
 * the log writer is run to its answer. */
static void
read_ii(struct fx *f, struct fx_call *c, const char *method, const char *name,
    int off, int len)
{
	enum rpc_status st;

	if (name != NULL) {
		st = fx_start(f, c, method, "sii", name, off, len);
	} else {
		st = fx_start(f, c, method, "ii", off, len);
	}
	if (st == RPC_PENDING) {
		assert_true(fx_call_wait(f, c, 5000));
	}
}

struct read_case {
	int off, len;
	const char *want; /* NULL: BAD_ARGUMENTS */
};

static const struct read_case read_cases[] = {
	{ 0, 0, "0123456789" },
	{ 2, 3, "234" },
	{ -3, 0, "789" },
	{ -3, 1, NULL },
	{ -100, 0, "0123456789" },
	{ 100, 0, "" },
	{ 100, 5, "" },
	{ 10, 0, "" },
	{ 0, -1, NULL },
	{ 5, INT_MAX, "56789" },
	{ INT_MAX, INT_MAX, "" },
	{ INT_MIN, 0, "0123456789" },
	{ INT_MIN, INT_MIN, NULL },
	{ 0, INT_MIN, NULL },
};

static void
run_read_cases(struct fx *f, const char *method, const char *name)
{
	struct fx_call c;

	for (size_t i = 0; i < sizeof(read_cases) / sizeof(read_cases[0]);
	     i++) {
		const struct read_case *rc = &read_cases[i];

		read_ii(f, &c, method, name, rc->off, rc->len);
		if (rc->want == NULL) {
			check_fault(&c, 3, "BAD_ARGUMENTS");
		} else {
			check_string(&c, rc->want);
		}
		fx_call_fini(&c);
	}
}

static void
test_read_edges(void **state)
{
	struct fx *f = fx_open(progs);
	struct fx_call c;

	(void)state;
	put_file(f, "w.log", "0123456789");
	run_read_cases(f, "supervisor.readProcessStdoutLog", "w");
	run_read_cases(f, "supervisor.readProcessLog", "w");
	put_file(f, "m.log", "0123456789");
	f->mainlog_path = path_in(f, "m.log");
	run_read_cases(f, "supervisor.readLog", NULL);
	run_read_cases(f, "supervisor.readMainLog", NULL);

	/* Offsets and lengths as Python's int() reads them. */
	fx_start(
	    f, &c, "supervisor.readProcessStdoutLog", "ssi", "w", " 1 ", 2);
	check_string(&c, "12");
	fx_call_fini(&c);
	fx_start(f, &c, "supervisor.readProcessStdoutLog", "sdi", "w", 1.9, 2);
	check_string(&c, "12");
	fx_call_fini(&c);
	fx_start(f, &c, "supervisor.readProcessStdoutLog", "sbi", "w", 1, 2);
	check_string(&c, "12");
	fx_call_fini(&c);
	fx_start(f, &c, "supervisor.readProcessStdoutLog", "ssi", "w",
	    "99999999999999999999999", 2);
	check_string(&c, "");
	fx_call_fini(&c);
	fx_start(f, &c, "supervisor.readProcessStdoutLog", "ssi", "w", "x", 2);
	check_fault(&c, 2, "INCORRECT_PARAMETERS");
	fx_call_fini(&c);
	fx_close(f);
}

static void
test_read_faults(void **state)
{
	struct fx *f = fx_open(progs);
	struct fx_call c;
	char *want;

	(void)state;
	read_ii(f, &c, "supervisor.readProcessStdoutLog", "bogus", 0, 0);
	check_fault(&c, 10, "BAD_NAME: bogus");
	fx_call_fini(&c);
	read_ii(f, &c, "supervisor.readProcessStderrLog", "w:*", 0, 0);
	check_fault(&c, 10, "BAD_NAME: w:*");
	fx_call_fini(&c);
	read_ii(f, &c, "supervisor.tailProcessStdoutLog", "bogus", 0, 0);
	check_fault(&c, 10, "BAD_NAME: bogus");
	fx_call_fini(&c);
	/* No log configured: NO_FILE without a path; tail is empty. */
	read_ii(f, &c, "supervisor.readProcessStdoutLog", "nolog", 0, 0);
	check_fault(&c, 20, "NO_FILE");
	fx_call_fini(&c);
	read_ii(f, &c, "supervisor.tailProcessStderrLog", "nolog", 0, 10);
	check_tail(&c, "", 0, false);
	fx_call_fini(&c);
	/* A log not written yet: NO_FILE with its path. */
	unlink(fx_proc(f, "w")->out.logpath);
	read_ii(f, &c, "supervisor.readProcessStdoutLog", "w", 0, 0);
	want = fv_xasprintf("NO_FILE: %s/w.log", f->dir);
	check_fault(&c, 20, want);
	free(want);
	fx_call_fini(&c);
	read_ii(f, &c, "supervisor.tailProcessLog", "w", 5, 10);
	check_tail(&c, "", 0, false);
	fx_call_fini(&c);
	/* The main log: none, then missing. */
	read_ii(f, &c, "supervisor.readLog", NULL, 0, 0);
	check_fault(&c, 20, "NO_FILE");
	fx_call_fini(&c);
	f->mainlog_path = path_in(f, "gone.log");
	read_ii(f, &c, "supervisor.readLog", NULL, 0, 0);
	want = fv_xasprintf("NO_FILE: %s/gone.log", f->dir);
	check_fault(&c, 20, want);
	free(want);
	fx_call_fini(&c);
	fx_close(f);
}

/* 4.2.5's answers for a log holding "abc\n", checked on 4.2.5. */
static void
test_tail_edges(void **state)
{
	static const struct {
		int off, len;
		const char *data;
		int32_t newoff;
		bool overflow;
	} cases[] = {
		{ 0, 2, "c\n", 4, true },
		{ 0, 100, "abc\n", 4, false },
		{ 2, 1, "\n", 4, true },
		{ 10, 1, "", 4, false },
		{ -5, 3, "bc\n", 4, true },
		{ 3, -5, "", 4, true },
		{ 4, 0, "", 4, false },
		{ 0, 0, "", 4, true },
		{ INT_MAX, INT_MAX, "", 4, false },
		{ INT_MIN, INT_MIN, "", 4, true },
		{ INT_MIN, INT_MAX, "abc\n", 4, true },
	};
	struct fx *f = fx_open(progs);
	struct fx_call c;

	(void)state;
	put_file(f, "w.log", "abc\n");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		read_ii(f, &c, "supervisor.tailProcessStdoutLog", "w",
		    cases[i].off, cases[i].len);
		check_tail(
		    &c, cases[i].data, cases[i].newoff, cases[i].overflow);
		fx_call_fini(&c);
	}
	fx_close(f);
}

/* RELIABILITY C5: a log swapped for a link (or a non-file) is not read. */
static void
test_symlink_and_special(void **state)
{
	struct fx *f = fx_open(progs);
	struct fx_call c;
	char *log = path_in(f, "w.log"), *secret = path_in(f, "secret");
	uint64_t t0;

	(void)state;
	put_file(f, "secret", "s3cr3t\n");
	unlink(log);
	assert_int_equal(symlink(secret, log), 0);
	read_ii(f, &c, "supervisor.readProcessStdoutLog", "w", 0, 0);
	check_fault(&c, 30, "FAILED");
	fx_call_fini(&c);
	read_ii(f, &c, "supervisor.tailProcessStdoutLog", "w", 7, 100);
	check_tail(&c, "", 7, false);
	fx_call_fini(&c);
	f->mainlog_path = fv_xstrdup(log);
	read_ii(f, &c, "supervisor.readLog", NULL, -100, 0);
	check_fault(&c, 30, "FAILED");
	fx_call_fini(&c);
	/* A dangling link is a missing file, as os.path.exists says. */
	unlink(secret);
	read_ii(f, &c, "supervisor.readProcessStdoutLog", "w", 0, 0);
	assert_int_equal(c.call.fault_code, 20);
	fx_call_fini(&c);

	/* A directory, and a FIFO without a writer (must not block). */
	unlink(log);
	assert_int_equal(mkdir(log, 0700), 0);
	read_ii(f, &c, "supervisor.readProcessStdoutLog", "w", 0, 0);
	check_fault(&c, 30, "FAILED");
	fx_call_fini(&c);
	rmdir(log);
	assert_int_equal(mkfifo(log, 0600), 0);
	uv_update_time(&f->loop);
	t0 = uv_now(&f->loop);
	read_ii(f, &c, "supervisor.readProcessStdoutLog", "w", 0, 0);
	check_fault(&c, 30, "FAILED");
	fx_call_fini(&c);
	uv_update_time(&f->loop);
	assert_true(uv_now(&f->loop) - t0 < 1000);
	unlink(log);
	free(log);
	free(secret);
	fx_close(f);
}

/* No answer beyond 16 MiB: the first bytes forward, the last in a tail. */
static void
test_read_cap(void **state)
{
	const long long cap = 16 * 1024 * 1024;
	struct fx *f = fx_open(progs);
	struct fx_call c;
	char *log = path_in(f, "w.log");
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	const char *s;
	size_t n;
	int32_t off = 0;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "BEGIN", 5, 0), 5);
	assert_int_equal(pwrite(fd, "END", 3, cap + 97), 3);
	close(fd);
	read_ii(f, &c, "supervisor.readProcessStdoutLog", "w", 0, 0);
	s = xr_string_get(c.call.result, &n);
	assert_int_equal(n, cap);
	assert_memory_equal(s, "BEGIN", 5);
	fx_call_fini(&c);
	read_ii(f, &c, "supervisor.readProcessStdoutLog", "w", INT_MIN, 0);
	s = xr_string_get(c.call.result, &n);
	assert_int_equal(n, cap);
	assert_memory_equal(s + n - 3, "END", 3);
	fx_call_fini(&c);
	read_ii(f, &c, "supervisor.tailProcessStdoutLog", "w", 0, INT_MAX);
	s = xr_string_get(xr_array_at(c.call.result, 0), &n);
	assert_int_equal(n, cap);
	assert_memory_equal(s + n - 3, "END", 3);
	assert_true(xr_int_get(xr_array_at(c.call.result, 1), &off));
	assert_int_equal(off, cap + 100);
	fx_call_fini(&c);
	free(log);
	fx_close(f);
}

/* What the child wrote and the log writer still holds is read back. */
static void
test_read_sees_queued_bytes(void **state)
{
	struct fx *f = fx_open(progs);
	struct fx_call c;
	struct proc *p = fx_proc(f, "cat");
	struct logfile_stats st = { 0 };
	int k;

	(void)state;
	fx_start(f, &c, "supervisor.startProcess", "sb", "cat", 0);
	fx_call_fini(&c);
	assert_true(fx_wait_state(f, "cat", PROC_RUNNING, 5000));
	fx_start(f, &c, "supervisor.sendProcessStdin", "ss", "cat", "abc\n");
	fx_call_fini(&c);
	/* Until the writer has accepted the bytes, written or not. */
	for (k = 0; k < 2500; k++) {
		uv_run(&f->loop, UV_RUN_NOWAIT);
		if (p->out.log != NULL) {
			logfile_stats(p->out.log, &st);
			if (st.bytes_written + st.pending >= 4) {
				break;
			}
		}
		uv_sleep(2);
	}
	assert_true(k < 2500);
	read_ii(f, &c, "supervisor.readProcessStdoutLog", "cat", 0, 0);
	check_string(&c, "abc\n");
	fx_call_fini(&c);
	read_ii(f, &c, "supervisor.tailProcessStdoutLog", "cat", 0, 100);
	check_tail(&c, "abc\n", 4, false);
	fx_call_fini(&c);
	fx_close(f);
}

/*
 * A read never writes the log on the loop thread: with bytes queued in the
 * writer it waits (RPC_PENDING) and leaves them to the writer's thread,
 * then answers with them. A read cancelled while it waits is forgotten by
 * the writer (ASan checks that nothing touches it afterwards).
 */
static void
test_read_waits_for_writer(void **state)
{
	struct fx *f = fx_open(progs);
	struct fx_call c, c2;
	struct proc *p = fx_proc(f, "cat");
	struct logfile_stats st = { 0 };

	(void)state;
	fx_start(f, &c, "supervisor.startProcess", "sb", "cat", 0);
	fx_call_fini(&c);
	assert_true(fx_wait_state(f, "cat", PROC_RUNNING, 5000));
	assert_non_null(p->out.log);
	/* Batches start from the loop, so these bytes stay queued until
	 * the loop runs. */
	logfile_write(p->out.log, "queued\n", 7);
	assert_int_equal(fx_start(f, &c, "supervisor.readProcessStdoutLog",
	                     "sii", "cat", 0, 0),
	    RPC_PENDING);
	assert_int_equal(fx_start(f, &c2, "supervisor.tailProcessStdoutLog",
	                     "sii", "cat", 0, 100),
	    RPC_PENDING);
	logfile_stats(p->out.log, &st);
	assert_true(st.pending >= 7);
	assert_int_equal(c.done, 0);
	assert_true(fx_call_wait(f, &c, 5000));
	check_string(&c, "queued\n");
	fx_call_fini(&c);
	assert_true(fx_call_wait(f, &c2, 5000));
	check_tail(&c2, "queued\n", 7, false);
	fx_call_fini(&c2);

	/* Cancelled while waiting: never answered, nothing left behind. */
	logfile_write(p->out.log, "more\n", 5);
	assert_int_equal(fx_start(f, &c, "supervisor.readProcessStdoutLog",
	                     "sii", "cat", 0, 0),
	    RPC_PENDING);
	fx_call_fini(&c);
	fx_run_ms(f, 50);
	assert_int_equal(c.done, 0);
	read_ii(f, &c, "supervisor.readProcessStdoutLog", "cat", 0, 0);
	check_string(&c, "queued\nmore\n");
	fx_call_fini(&c);
	fx_close(f);
}

static bool
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void
test_clear(void **state)
{
	struct fx *f = fx_open(progs);
	struct fx_call c;
	char *log = path_in(f, "w.log"), *bak = path_in(f, "w.log.1");
	const struct xr_value *r;
	bool b = false;
	struct stat st;

	(void)state;
	fx_start(f, &c, "supervisor.clearProcessLogs", "s", "bogus");
	check_fault(&c, 10, "BAD_NAME: bogus");
	fx_call_fini(&c);
	fx_start(f, &c, "supervisor.clearProcessLog", "s", "w:*");
	check_fault(&c, 10, "BAD_NAME: w:*");
	fx_call_fini(&c);

	put_file(f, "w.log.1", "old\n");
	fx_start(f, &c, "supervisor.startProcess", "sb", "w", 0);
	fx_call_fini(&c);
	for (int k = 0; k < 2500; k++) {
		fx_run_ms(f, 2);
		if (stat(log, &st) == 0 && st.st_size == 6) {
			break;
		}
	}
	read_ii(f, &c, "supervisor.readProcessStdoutLog", "w", 0, 0);
	check_string(&c, "hello\n");
	fx_call_fini(&c);
	fx_start(f, &c, "supervisor.clearProcessLogs", "s", "w");
	assert_int_equal(c.call.fault_code, 0);
	assert_true(xr_bool_get(c.call.result, &b) && b);
	fx_call_fini(&c);
	/* Removed and reopened at once: there and empty; backups kept. */
	assert_int_equal(stat(log, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_true(exists(bak));
	read_ii(f, &c, "supervisor.readProcessStdoutLog", "w", 0, 0);
	check_string(&c, "");
	fx_call_fini(&c);

	fx_start(f, &c, "supervisor.clearAllProcessLogs", "");
	r = c.call.result;
	assert_int_equal(xr_array_len(r), 3);
	assert_string_equal(fx_member_str(xr_array_at(r, 0), "name"), "cat");
	assert_string_equal(fx_member_str(xr_array_at(r, 1), "name"), "nolog");
	assert_string_equal(fx_member_str(xr_array_at(r, 2), "name"), "w");
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(
		    fx_member_int(xr_array_at(r, i), "status"), 80);
		assert_string_equal(
		    fx_member_str(xr_array_at(r, i), "description"), "OK");
	}
	fx_call_fini(&c);

	/* clearLog through the agent's ops. */
	fx_start(f, &c, "supervisor.clearLog", "");
	check_fault(&c, 20, "NO_FILE");
	fx_call_fini(&c);
	f->mainlog_path = path_in(f, "gone.log");
	fx_start(f, &c, "supervisor.clearLog", "");
	check_fault(&c, 20, "NO_FILE");
	fx_call_fini(&c);
	assert_int_equal(f->clears, 0);
	free(f->mainlog_path);
	f->mainlog_path = fv_xstrdup(log);
	fx_start(f, &c, "supervisor.clearLog", "");
	assert_true(xr_bool_get(c.call.result, &b) && b);
	fx_call_fini(&c);
	f->clear_rv = -EIO;
	fx_start(f, &c, "supervisor.clearLog", "");
	check_fault(&c, 30, "FAILED");
	fx_call_fini(&c);
	assert_int_equal(f->clears, 2);
	free(log);
	free(bak);
	fx_close(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_edges),
		cmocka_unit_test(test_read_faults),
		cmocka_unit_test(test_tail_edges),
		cmocka_unit_test(test_symlink_and_special),
		cmocka_unit_test(test_read_cap),
		cmocka_unit_test(test_read_sees_queued_bytes),
		cmocka_unit_test(test_read_waits_for_writer),
		cmocka_unit_test(test_clear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
