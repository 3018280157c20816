/*
 * The pidfile lock: a second instance is refused with the first one's
 * pid; the lock goes with the holder's death, even while it is a zombie
 * that kill(pid, 0) still finds (what a restart right after a SIGKILL
 * meets before the killed instance is reaped).
 */
#include <sys/wait.h>

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/pidfile.h"
#include "common/xalloc.h"
#include "tests/support/testsupport.h"

static void
test_pidfile_second_is_refused(void **state)
{
	char *dir = fv_test_mkdtemp();
	char *path = fv_xasprintf("%s/x.pid", dir);
	struct fv_diag d = { "" };
	char holder[32] = "";
	int fd1 = -1, fd2 = -1;

	(void)state;
	assert_int_equal(
	    fv_pidfile_lock(path, &fd1, holder, sizeof(holder), &d), 0);
	/* Locked but not written yet: the holder is "unknown". */
	assert_int_equal(
	    fv_pidfile_lock(path, &fd2, holder, sizeof(holder), &d), FV_ESTATE);
	assert_string_equal(holder, "unknown");
	assert_int_equal(fv_pidfile_write(fd1, 4242), 0);
	assert_int_equal(
	    fv_pidfile_lock(path, &fd2, holder, sizeof(holder), &d), FV_ESTATE);
	assert_string_equal(holder, "4242");
	close(fd1);
	assert_int_equal(
	    fv_pidfile_lock(path, &fd2, holder, sizeof(holder), &d), 0);
	close(fd2);
	fv_test_rmtree(dir);
	free(path);
	free(dir);
}

static void
test_pidfile_lock_dies_with_its_zombie(void **state)
{
	char *dir = fv_test_mkdtemp();
	char *path = fv_xasprintf("%s/x.pid", dir);
	struct fv_diag d = { "" };
	char holder[32] = "";
	int go[2], fd = -1;
	siginfo_t si;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (fv_pidfile_lock(path, &fd, holder, sizeof(holder), &d) !=
		        0 ||
		    fv_pidfile_write(fd, getpid()) != 0) {
			_exit(1);
		}
		(void)!write(go[1], "", 1);
		for (;;) {
			pause(); /* until killed */
		}
	}
	{
		char c;

		assert_int_equal(read(go[0], &c, 1), 1);
	}
	assert_int_equal(
	    fv_pidfile_lock(path, &fd, holder, sizeof(holder), &d), FV_ESTATE);
	assert_int_equal(kill(pid, SIGKILL), 0);
	/* Dead, not reaped: WNOWAIT leaves it a zombie. */
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	assert_int_equal(kill(pid, 0), 0);
	assert_int_equal(
	    fv_pidfile_lock(path, &fd, holder, sizeof(holder), &d), 0);
	close(fd);
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED), 0);
	close(go[0]);
	close(go[1]);
	fv_test_rmtree(dir);
	free(path);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pidfile_second_is_refused),
		cmocka_unit_test(test_pidfile_lock_dies_with_its_zombie),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
