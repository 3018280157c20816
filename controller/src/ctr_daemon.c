/*
 * The pidfile and daemonizing (ctr_daemon.h). Called before nng starts
 * any thread: fork is only safe then.
 */
#include "ctr_daemon.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long
ctr_pidfile_read(const char *path)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char *end;
	long pid;

	if (fd < 0) {
		return 0;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		return 0;
	}
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	return pid > 0 && (*end == '\0' || *end == '\n') ? pid : 0;
}

void
ctr_pidfile_remove(const char *path)
{
	if (ctr_pidfile_read(path) == (long)getpid()) {
		unlink(path);
	}
}

int
ctr_daemonize(int *fd, struct fv_diag *d)
{
	int p[2], null;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0) {
		return fv_diagf(d, -errno, "pipe: %s", strerror(errno));
	}
	if ((pid = fork()) < 0) {
		return fv_diagf(d, -errno, "fork: %s", strerror(errno));
	}
	if (pid > 0) {
		char msg[1100];
		ssize_t n, got = 0;

		close(p[1]);
		while ((n = read(p[0], msg + got,
		            sizeof(msg) - 1 - (size_t)got)) > 0 ||
		    (n < 0 && errno == EINTR)) {
			got += n > 0 ? n : 0;
		}
		msg[got] = '\0';
		if (got == 0 || strcmp(msg, "ok") != 0) {
			fprintf(stderr, "Error: %s\n",
			    got > 0 ? msg : "the controller exited at start");
			_exit(2);
		}
		_exit(0);
	}
	close(p[0]);
	setsid();
	umask(022);
	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO) {
			close(null);
		}
	}
	*fd = p[1];
	return 0;
}

void
ctr_daemon_ready(int fd, const char *msg)
{
	const char *s = msg != NULL ? msg : "ok";

	if (fd < 0) {
		return;
	}
	if (write(fd, s, strlen(s)) < 0) {
		/* The parent is gone: nobody to tell. */
	}
	close(fd);
}
