/*
 * Unit tests for the activity log (agent/src/log/mainlog.c). The format
 * vectors come from supervisor 4.2.5's loggers.LogRecord.asdict with
 * time.time pinned and TZ set (/usr/bin/python3):
 *   '%(asctime)s %(levelname)s %(message)s\n' % record.asdict()
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/xalloc.h"
#include "log/mainlog.h"
#include "tests/support/testsupport.h"

#define LINE_RE                                                            \
	"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]{3} " \
	"(CRIT|ERRO|WARN|INFO|DEBG|TRAC|BLAT) "

struct fx {
	uv_loop_t loop;
	char *dir;
	char *path;
};

static int
fx_setup(void **state)
{
	struct fx *fx = fv_xcalloc(1, sizeof(*fx));
	struct sigaction sa = { .sa_handler = SIG_IGN };

	sigaction(SIGPIPE, &sa, NULL);
	assert_int_equal(uv_loop_init(&fx->loop), 0);
	fx->dir = fv_test_mkdtemp();
	fx->path = fv_xasprintf("%s/supervisord.log", fx->dir);
	*state = fx;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *fx = *state;

	uv_run(&fx->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&fx->loop), 0);
	fv_test_rmtree(fx->dir);
	free(fx->dir);
	free(fx->path);
	free(fx);
	return 0;
}

/* fx_close closes ml and runs the loop until everything is released. */
static void
fx_close(struct fx *fx, struct mainlog *ml)
{
	mainlog_close(ml);
	uv_run(&fx->loop, UV_RUN_DEFAULT);
}

static struct mainlog *
fx_open(struct fx *fx, int level, bool to_stdout, long long maxbytes,
    long long backups)
{
	struct mainlog *ml = mainlog_new(level, to_stdout);
	struct fv_diag d = { "" };

	if (mainlog_open_file(ml, &fx->loop, fx->path, maxbytes, backups, &d) !=
	    0) {
		fail_msg("mainlog_open_file: %s", d.msg);
	}
	return ml;
}

static char *
read_all(const char *path, size_t *lenp)
{
	struct fv_buf b;
	char chunk[8192];
	ssize_t n;
	int fd;

	fv_buf_init(&b, SIZE_MAX / 2);
	if ((fd = open(path, O_RDONLY)) < 0) {
		fail_msg("%s: %s", path, strerror(errno));
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		assert_int_equal(fv_buf_append(&b, chunk, (size_t)n), 0);
	}
	close(fd);
	*lenp = b.len;
	return b.data != NULL ? fv_buf_take(&b) : fv_xstrdup("");
}

/*
 * check_lines splits text into lines and checks that there are n, each
 * in 4.2.5's format with the given level and message.
 */
static void
check_lines(const char *text, const char *const *levels,
    const char *const *msgs, size_t n)
{
	regex_t re;
	regmatch_t m;
	const char *p = text;
	size_t i = 0;

	assert_int_equal(regcomp(&re, LINE_RE, REG_EXTENDED), 0);
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		char *line;

		assert_non_null(nl);
		line = fv_xstrndup(p, (size_t)(nl - p));
		if (i >= n) {
			fail_msg("unexpected line \"%s\"", line);
		}
		if (regexec(&re, line, 1, &m, 0) != 0) {
			fail_msg("line \"%s\" is not in 4.2.5's format", line);
		}
		assert_memory_equal(line + m.rm_eo - 5, levels[i], 4);
		assert_string_equal(line + m.rm_eo, msgs[i]);
		free(line);
		p = nl + 1;
		i++;
	}
	assert_int_equal(i, n);
	regfree(&re);
}

static void
check_format(const char *tz, time_t sec, long nsec, int level, const char *msg,
    const char *want)
{
	struct timespec ts = { sec, nsec };
	struct fv_buf b;

	setenv("TZ", tz, 1);
	tzset();
	fv_buf_init(&b, 1 << 16);
	assert_int_equal(mainlog_format(&b, level, &ts, msg, strlen(msg)), 0);
	assert_string_equal(b.data, want);
	fv_buf_fini(&b);
}

static void
test_mainlog_format_vs_425(void **state)
{
	const time_t t1 = 86400 * 365 + 3600 * 3 + 4 * 60 + 5;

	(void)state;
	check_format("UTC", t1, 678901000, MAINLOG_WARN, "hello world",
	    "1971-01-01 03:04:05,678 WARN hello world\n");
	check_format("UTC", 1700000000, 900000, MAINLOG_BLAT, "multi\nline\n",
	    "2023-11-14 22:13:20,000 BLAT multi\nline\n\n");
	check_format("ABC-2", t1, 678901000, MAINLOG_WARN, "hello world",
	    "1971-01-01 05:04:05,678 WARN hello world\n");
	check_format("ABC-2", 1700000000, 900000, MAINLOG_BLAT, "multi\nline\n",
	    "2023-11-15 00:13:20,000 BLAT multi\nline\n\n");
	check_format("XYZ+5:30", t1, 678901000, MAINLOG_WARN, "hello world",
	    "1970-12-31 21:34:05,678 WARN hello world\n");
	check_format("XYZ+5:30", 1700000000, 900000, MAINLOG_BLAT,
	    "multi\nline\n", "2023-11-14 16:43:20,000 BLAT multi\nline\n\n");
	/* Not a 4.2.5 level (it would raise): the number is shown. */
	check_format(
	    "UTC", 0, 999999999, 15, "x", "1970-01-01 00:00:00,999 15 x\n");
	unsetenv("TZ");
	tzset();
}

static void
test_mainlog_level_names(void **state)
{
	(void)state;
	assert_string_equal(mainlog_level_name(50), "CRIT");
	assert_string_equal(mainlog_level_name(40), "ERRO");
	assert_string_equal(mainlog_level_name(30), "WARN");
	assert_string_equal(mainlog_level_name(20), "INFO");
	assert_string_equal(mainlog_level_name(10), "DEBG");
	assert_string_equal(mainlog_level_name(5), "TRAC");
	assert_string_equal(mainlog_level_name(3), "BLAT");
	assert_null(mainlog_level_name(0));
	assert_null(mainlog_level_name(15));
	assert_null(mainlog_level_name(60));
}

/* test_mainlog_filter: a message goes out when level >= the configured. */
static void
test_mainlog_filter(void **state)
{
	static const char *const levels[] = { "WARN", "CRIT", "ERRO", "BLAT",
		"DEBG" };
	static const char *const msgs[] = { "warn 2", "crit x=3", "erro",
		"blather", "debug" };
	struct fx *fx = *state;
	struct mainlog *ml = fx_open(fx, MAINLOG_WARN, false, 0, 0);
	size_t len;
	char *text;

	assert_false(mainlog_enabled(ml, MAINLOG_INFO));
	assert_true(mainlog_enabled(ml, MAINLOG_WARN));
	assert_true(mainlog_enabled(ml, MAINLOG_CRIT));
	mainlog_info(ml, "info %d", 1);
	mainlog_warn(ml, "warn %d", 2);
	mainlog_critical(ml, "crit x=%s", "3");
	mainlog_error(ml, "erro");
	mainlog_debug(ml, "no");
	mainlog_trace(ml, "no");
	mainlog_blather(ml, "no");
	mainlog_set_level(ml, MAINLOG_BLAT);
	assert_int_equal(mainlog_get_level(ml), MAINLOG_BLAT);
	mainlog_blather(ml, "blather");
	mainlog_log(ml, MAINLOG_DEBG, "%s", "debug");
	assert_int_equal(mainlog_flush_sync(ml), 0);
	text = read_all(fx->path, &len);
	check_lines(text, levels, msgs, 5);
	free(text);
	fx_close(fx, ml);
}

/*
 * test_mainlog_early: messages logged before the file opens are written
 * when it does, in order and with their own time, then the new ones.
 */
static void
test_mainlog_early(void **state)
{
	static const char *const levels[] = { "CRIT", "WARN", "INFO", "INFO" };
	static const char *const msgs[] = { "Supervisor is running as root.",
		"w", "Set uid to user 0 succeeded", "after open" };
	struct fx *fx = *state;
	struct mainlog *ml = mainlog_new(MAINLOG_INFO, false);
	struct fv_diag d = { "" };
	size_t len;
	char *text;

	mainlog_critical(ml, "Supervisor is running as root.");
	mainlog_warn(ml, "w");
	mainlog_debug(ml, "filtered");
	mainlog_info(ml, "Set uid to user %d succeeded", 0);
	assert_int_equal(
	    mainlog_open_file(ml, &fx->loop, fx->path, 0, 0, &d), 0);
	mainlog_info(ml, "after open");
	assert_int_equal(mainlog_flush_sync(ml), 0);
	text = read_all(fx->path, &len);
	check_lines(text, levels, msgs, 4);
	free(text);
	fx_close(fx, ml);
}

/* capture_fd points fd at a new file in dir; undo with restore_fd. */
static int
capture_fd(int fd, const char *file)
{
	int saved = dup(fd), t;

	assert_true(saved >= 0);
	fflush(stdout);
	fflush(stderr);
	t = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(t >= 0);
	assert_int_equal(dup2(t, fd), fd);
	close(t);
	return saved;
}

static void
restore_fd(int fd, int saved)
{
	fflush(stdout);
	fflush(stderr);
	assert_int_equal(dup2(saved, fd), fd);
	close(saved);
}

/*
 * test_mainlog_exit_before_open: a daemon that must exit before its log
 * could open writes the buffered messages to stderr, and a failed open
 * keeps them; close spills whatever is left.
 */
static void
test_mainlog_exit_before_open(void **state)
{
	static const char *const levels[] = { "CRIT", "INFO", "WARN" };
	static const char *const msgs[] = { "early crit", "early info",
		"spilled at close" };
	struct fx *fx = *state;
	struct mainlog *ml = mainlog_new(MAINLOG_INFO, false);
	char *errfile = fv_xasprintf("%s/stderr", fx->dir);
	char *bad = fv_xasprintf("%s/missing/dir/x.log", fx->dir);
	struct fv_diag d = { "" };
	size_t len;
	char *text;
	int saved;

	mainlog_critical(ml, "early crit");
	mainlog_info(ml, "early info");
	assert_int_equal(
	    mainlog_open_file(ml, &fx->loop, bad, 0, 0, &d), -ENOENT);
	assert_non_null(strstr(d.msg, bad));
	assert_non_null(strstr(d.msg, "No such file or directory"));
	saved = capture_fd(STDERR_FILENO, errfile);
	assert_int_equal(mainlog_flush_early(ml, STDERR_FILENO), 0);
	mainlog_warn(ml, "spilled at close");
	mainlog_close(ml); /* never opened: freed now, the rest on stderr */
	restore_fd(STDERR_FILENO, saved);
	text = read_all(errfile, &len);
	check_lines(text, levels, msgs, 3);
	free(text);
	free(errfile);
	free(bad);
}

/* test_mainlog_stdout_copy: nodaemon and not silent: both get the line. */
static void
test_mainlog_stdout_copy(void **state)
{
	static const char *const levels[] = { "INFO", "INFO" };
	static const char *const msgs[] = { "before", "to both" };
	struct fx *fx = *state;
	char *outfile = fv_xasprintf("%s/stdout", fx->dir);
	struct mainlog *ml;
	size_t len;
	char *text;
	int saved;

	saved = capture_fd(STDOUT_FILENO, outfile);
	ml = mainlog_new(MAINLOG_INFO, true);
	mainlog_info(ml, "before");
	{
		struct fv_diag d = { "" };

		assert_int_equal(
		    mainlog_open_file(ml, &fx->loop, fx->path, 0, 0, &d), 0);
	}
	mainlog_info(ml, "to both");
	assert_int_equal(mainlog_flush_sync(ml), 0);
	fx_close(fx, ml);
	restore_fd(STDOUT_FILENO, saved);
	text = read_all(fx->path, &len);
	check_lines(text, levels, msgs, 2);
	free(text);
	text = read_all(outfile, &len);
	check_lines(text, levels, msgs, 2);
	free(text);
	free(outfile);
}

/* test_mainlog_stdout_only: no logfile, just the copy on stdout. */
static void
test_mainlog_stdout_only(void **state)
{
	static const char *const levels[] = { "ERRO" };
	static const char *const msgs[] = { "only stdout" };
	struct fx *fx = *state;
	char *outfile = fv_xasprintf("%s/stdout", fx->dir);
	struct fv_diag d = { "" };
	struct mainlog *ml;
	size_t len;
	char *text;
	int saved;

	saved = capture_fd(STDOUT_FILENO, outfile);
	ml = mainlog_new(MAINLOG_INFO, true);
	assert_int_equal(mainlog_open_file(ml, &fx->loop, NULL, 0, 0, &d), 0);
	mainlog_error(ml, "only stdout");
	fx_close(fx, ml);
	restore_fd(STDOUT_FILENO, saved);
	text = read_all(outfile, &len);
	check_lines(text, levels, msgs, 1);
	free(text);
	free(outfile);
}

/*
 * test_mainlog_reports_into_itself: a writer's loss report lands in the
 * main log: here the stdout copy goes to /dev/full.
 */
static void
test_mainlog_reports_into_itself(void **state)
{
	struct fx *fx = *state;
	struct mainlog *ml;
	size_t len;
	char *text;
	int saved;

	saved = capture_fd(STDOUT_FILENO, "/dev/full");
	ml = fx_open(fx, MAINLOG_INFO, true, 0, 0);
	mainlog_info(ml, "hello");
	assert_int_equal(mainlog_flush_sync(ml), 0);
	assert_int_equal(mainlog_flush_sync(ml), 0);
	fx_close(fx, ml);
	restore_fd(STDOUT_FILENO, saved);
	text = read_all(fx->path, &len);
	if (strstr(text, " WARN <stdout>: ") == NULL ||
	    strstr(text, "bytes dropped") == NULL ||
	    strstr(text, "No space left on device") == NULL) {
		fail_msg("no loss report in:\n%s", text);
	}
	free(text);
}

/* test_mainlog_rotation: whole records per file, as 4.2.5 rotates. */
static void
test_mainlog_rotation(void **state)
{
	struct fx *fx = *state;
	struct mainlog *ml = fx_open(fx, MAINLOG_INFO, false, 300, 2);
	char name[PATH_MAX];
	regex_t re;

	for (int i = 0; i < 60; i++) {
		mainlog_info(ml, "line number %d", i);
		if (i % 7 == 0) {
			uv_run(&fx->loop, UV_RUN_NOWAIT);
		}
	}
	fx_close(fx, ml);
	assert_int_equal(regcomp(&re, LINE_RE "line number [0-9]+$",
	                     REG_EXTENDED | REG_NEWLINE),
	    0);
	for (int i = 0; i <= 2; i++) {
		size_t len;
		char *text, *p;

		if (i == 0) {
			snprintf(name, sizeof(name), "%s", fx->path);
		} else {
			snprintf(name, sizeof(name), "%s.%d", fx->path, i);
		}
		text = read_all(name, &len);
		if (i > 0) {
			assert_true(len >= 300);
		}
		for (p = text; *p != '\0'; p = strchr(p, '\n') + 1) {
			regmatch_t m;

			assert_int_equal(regexec(&re, p, 1, &m, 0), 0);
			assert_int_equal(m.rm_so, 0);
		}
		free(text);
	}
	snprintf(name, sizeof(name), "%s.3", fx->path);
	assert_int_equal(access(name, F_OK), -1);
	regfree(&re);
}

/* test_mainlog_reopen: SIGUSR2 after logrotate moved the file. */
static void
test_mainlog_reopen(void **state)
{
	static const char *const l1[] = { "INFO" };
	static const char *const m1[] = { "one" };
	static const char *const m2[] = { "two" };
	struct fx *fx = *state;
	struct mainlog *ml = fx_open(fx, MAINLOG_INFO, false, 0, 0);
	char *old = fv_xasprintf("%s.old", fx->path);
	size_t len;
	char *text;

	mainlog_info(ml, "one");
	assert_int_equal(mainlog_flush_sync(ml), 0);
	assert_int_equal(rename(fx->path, old), 0);
	mainlog_reopen(ml);
	mainlog_info(ml, "two");
	assert_int_equal(mainlog_flush_sync(ml), 0);
	text = read_all(old, &len);
	check_lines(text, l1, m1, 1);
	free(text);
	text = read_all(fx->path, &len);
	check_lines(text, l1, m2, 1);
	free(text);
	fx_close(fx, ml);
	free(old);
}

/* test_mainlog_syslog: "syslog" sends each line; nothing on disk. */
static void
test_mainlog_syslog(void **state)
{
	struct fx *fx = *state;
	struct mainlog *ml = mainlog_new(MAINLOG_INFO, false);
	struct fv_diag d = { "" };

	assert_int_equal(
	    mainlog_open_file(ml, &fx->loop, "syslog", 1000, 3, &d), 0);
	mainlog_info(ml, "fleetvisor unit test: two\nlines\n\n");
	assert_int_equal(mainlog_flush_sync(ml), 0);
	fx_close(fx, ml);
	assert_int_equal(access("syslog", F_OK), -1);
}

/* test_mainlog_huge_message: cut at MAINLOG_MSG_MAX, and said so. */
static void
test_mainlog_huge_message(void **state)
{
	struct fx *fx = *state;
	struct mainlog *ml = fx_open(fx, MAINLOG_INFO, false, 0, 0);
	char *big = fv_xmalloc(2 * MAINLOG_MSG_MAX);
	size_t len;
	char *text;

	memset(big, 'z', 2 * MAINLOG_MSG_MAX - 1);
	big[2 * MAINLOG_MSG_MAX - 1] = '\0';
	mainlog_info(ml, "%s", big);
	assert_int_equal(mainlog_flush_sync(ml), 0);
	text = read_all(fx->path, &len);
	assert_true(len > MAINLOG_MSG_MAX && len < MAINLOG_MSG_MAX + 100);
	assert_non_null(strstr(text, "zzz [message truncated]\n"));
	free(text);
	free(big);
	fx_close(fx, ml);
}

/*
 * test_mainlog_fork: the daemon's start-up: log, flush, fork before the
 * loop ever ran (nothing is on the thread pool), and the child goes on
 * logging into the same file after uv_loop_fork.
 */
static void
test_mainlog_fork(void **state)
{
	static const char *const levels[] = { "INFO", "INFO", "INFO" };
	static const char *const msgs[] = { "before fork",
		"daemonizing the supervisord process", "child done" };
	struct fx *fx = *state;
	struct mainlog *ml = fx_open(fx, MAINLOG_INFO, false, 0, 0);
	siginfo_t si = { 0 };
	size_t len;
	char *text;
	pid_t pid;

	mainlog_info(ml, "before fork");
	assert_int_equal(mainlog_flush_sync(ml), 0);
	if ((pid = fork()) == 0) {
		int rv = uv_loop_fork(&fx->loop);

		mainlog_info(ml, "daemonizing the supervisord process");
		uv_run(&fx->loop, UV_RUN_NOWAIT); /* a batch on the pool */
		mainlog_info(ml, "child done");
		mainlog_close(ml);
		uv_run(&fx->loop, UV_RUN_DEFAULT);
		_exit(rv == 0 && uv_loop_close(&fx->loop) == 0 ? 0 : 1);
	}
	assert_true(pid > 0);
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED), 0);
	assert_int_equal(si.si_code, CLD_EXITED);
	assert_int_equal(si.si_status, 0);
	text = read_all(fx->path, &len);
	check_lines(text, levels, msgs, 3);
	free(text);
	fx_close(fx, ml);
}

static void
test_mainlog_null(void **state)
{
	(void)state;
	assert_false(mainlog_enabled(NULL, MAINLOG_CRIT));
	mainlog_log(NULL, MAINLOG_CRIT, "nothing %d", 1);
	mainlog_critical(NULL, "nothing");
	mainlog_close(NULL);
}

#define FX_TEST(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mainlog_format_vs_425),
		cmocka_unit_test(test_mainlog_level_names),
		FX_TEST(test_mainlog_filter),
		FX_TEST(test_mainlog_early),
		FX_TEST(test_mainlog_exit_before_open),
		FX_TEST(test_mainlog_stdout_copy),
		FX_TEST(test_mainlog_stdout_only),
		FX_TEST(test_mainlog_reports_into_itself),
		FX_TEST(test_mainlog_rotation),
		FX_TEST(test_mainlog_reopen),
		FX_TEST(test_mainlog_syslog),
		FX_TEST(test_mainlog_huge_message),
		FX_TEST(test_mainlog_fork),
		cmocka_unit_test(test_mainlog_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
