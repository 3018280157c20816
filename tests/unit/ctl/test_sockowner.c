/*
 * reopen's safety check (sockowner.h): a process is signalled only when
 * the kernel shows it listening on the socket, bound to the path or to
 * supervisord's "path.<digits>" name, never on a look-alike name (one
 * with a newline, which could forge a /proc/net/unix line) and never
 * when another process holds the socket.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/xalloc.h"
#include "sockowner.h"
#include "tests/support/testsupport.h"

/* listen_on binds a listening UNIX socket to name (n bytes). */
static int
listen_on(const char *name, size_t n)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_true(n < sizeof(a.sun_path));
	memcpy(a.sun_path, name, n);
	assert_int_equal(
	    bind(fd, (struct sockaddr *)&a,
	        (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)),
	    0);
	assert_int_equal(listen(fd, 1), 0);
	return fd;
}

static void
test_signals_only_the_listener(void **state)
{
	char *dir = fv_test_mkdtemp();
	char *path = fv_xasprintf("%s/s.sock", dir);
	char *temp = fv_xasprintf("%s/t.sock.4242", dir);
	char *tpath = fv_xasprintf("%s/t.sock", dir);
	char *forged = fv_xasprintf("%s/f.sock\nX", dir);
	char *fpath = fv_xasprintf("%s/f.sock", dir);
	int a = listen_on(path, strlen(path));
	int b = listen_on(temp, strlen(temp) + 1); /* NUL counted */
	int c = listen_on(forged, strlen(forged));
	pid_t child;
	siginfo_t si;
	int ready[2];
	char byte;

	(void)state;
	/* Signal 0: only the check. */
	assert_int_equal(ctl_sock_signal_owner(path, getpid(), 0), 0);
	assert_int_equal(ctl_sock_signal_owner(tpath, getpid(), 0), 0);
	assert_int_equal(ctl_sock_signal_owner(fpath, getpid(), 0), -ESRCH);
	assert_int_equal(ctl_sock_signal_owner(dir, getpid(), 0), -ESRCH);
	assert_int_equal(ctl_sock_signal_owner(path, 0, 0), -ESRCH);
	/* A process that does not hold the socket is not its owner. */
	assert_int_equal(pipe(ready), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		close(a);
		close(b);
		close(c);
		(void)!write(ready[1], "x", 1);
		pause();
		_exit(0);
	}
	/* Once the child has closed its copies of the sockets. */
	assert_int_equal(read(ready[0], &byte, 1), 1);
	close(ready[0]);
	close(ready[1]);
	assert_int_equal(ctl_sock_signal_owner(path, child, SIGTERM), -ESRCH);
	kill(child, SIGKILL);
	assert_int_equal(waitid(P_PID, (id_t)child, &si, WEXITED), 0);
	assert_int_equal(si.si_code, CLD_KILLED);
	close(a);
	close(b);
	close(c);
	/* Nobody listens any more. */
	assert_int_equal(ctl_sock_signal_owner(path, getpid(), 0), -ESRCH);
	free(path);
	free(temp);
	free(tpath);
	free(forged);
	free(fpath);
	fv_test_rmtree(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signals_only_the_listener),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
