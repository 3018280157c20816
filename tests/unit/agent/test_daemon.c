/*
 * The daemon's own set-up helpers: the AUTO child log name matcher against
 * 4.2.5's regular expression (cases checked with Python's re), the pidfile
 * lock that keeps a second agent out, and the AUTO log cleanup.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/pidfile.h"
#include "common/str.h"
#include "common/xalloc.h"
#include "daemon.h"
#include "tests/support/testsupport.h"

static void
test_autolog_name_matches_like_python(void **state)
{
	static const struct {
		const char *name;
		bool match;
	} cases[] = {
		{ "a-stdout---supervisor-abc123.log", true },
		{ "a-stdout---supervisor-abc123.log.1", true },
		{ "---supervisor-x.log", false },
		{ "----supervisor-x.log", true },
		{ "a---supervisor-.log", false },
		{ "a---supervisor-x.log", true },
		{ "a---supervisor-x y.log", false },
		{ "a---supervisord-x.log", false },
		{ "a---supervisor-x.lo", false },
		{ "x.log", false },
		{ "foo---supervisor-a.logfoo", true },
		{ "a b---supervisor-c.log", true },
		{ "a---supervisor---supervisor-c.log", true },
		{ "a---supervisor- x.log", false },
		{ "", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (daemon_autolog_name_matches(cases[i].name, "supervisor") !=
		    cases[i].match) {
			fail_msg(
			    "%s: expected %d", cases[i].name, cases[i].match);
		}
	}
}

static void
test_pidfile_lock_refuses_second(void **state)
{
	char *dir = fv_test_mkdtemp();
	char *path = fv_xasprintf("%s/x.pid", dir);
	struct fv_diag d = { "" };
	int fd1 = -1, fd2 = -1;
	char buf[64] = "";

	(void)state;
	assert_int_equal(daemon_lock_pidfile(path, &fd1, &d), 0);
	assert_int_equal(fv_pidfile_write(fd1, 4242), 0);
	assert_int_equal(daemon_lock_pidfile(path, &fd2, &d), FV_ESTATE);
	assert_non_null(strstr(d.msg, "already running"));
	assert_non_null(strstr(d.msg, "(pid 4242)"));
	/* The first instance's pidfile is untouched. */
	assert_int_equal(pread(fd1, buf, sizeof(buf) - 1, 0), 5);
	assert_string_equal(buf, "4242\n");
	close(fd1);
	assert_int_equal(daemon_lock_pidfile(path, &fd2, &d), 0);
	close(fd2);
	fv_test_rmtree(dir);
	free(path);
	free(dir);
}

static void
test_clear_autochildlogs(void **state)
{
	char *dir = fv_test_mkdtemp();
	struct fv_strv warns = { 0 };
	char *keep, *gone, *gone1;

	(void)state;
	keep = fv_test_write(dir, "a-stdout---other-x.log", "k");
	gone = fv_test_write(dir, "a-stdout---supervisor-x.log", "g");
	gone1 = fv_test_write(dir, "a-stderr---supervisor-y.log.3", "g");
	daemon_clear_autochildlogs(dir, "supervisor", &warns);
	assert_int_equal(warns.n, 0);
	assert_int_equal(access(keep, F_OK), 0);
	assert_int_not_equal(access(gone, F_OK), 0);
	assert_int_not_equal(access(gone1, F_OK), 0);
	daemon_clear_autochildlogs("/nonexistent/dir", "supervisor", &warns);
	assert_int_equal(warns.n, 1);
	assert_string_equal(warns.v[0], "Could not clear childlog dir");
	fv_strv_free(&warns);
	fv_test_rmtree(dir);
	free(keep);
	free(gone);
	free(gone1);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_autolog_name_matches_like_python),
		cmocka_unit_test(test_pidfile_lock_refuses_second),
		cmocka_unit_test(test_clear_autochildlogs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
