/*
 * bench_forkexec: the machine's limit for starting and stopping programs
 * the way a supervisor must. Each child gets stdin, stdout and stderr
 * pipes, its own process group and a close-on-exec status pipe that
 * proves execve() succeeded (EOF) or says why not; the parent keeps its
 * three pipe ends open while the child runs, as a supervisor does. Stopping
 * is SIGTERM to every child, then reaping them all and closing their pipes.
 *
 * usage: bench_forkexec [-n N] [-r ROUNDS] [-s] [-- COMMAND ARGS...]
 *   -n N       children per round (default 100)
 *   -r ROUNDS  start/stop rounds (default 1)
 *   -s         confirm each exec before the next fork (fleetvisord's
 *              order); the default forks all, then confirms all, which is
 *              the faster of the two on several cores
 *   COMMAND    what the children run (default: /bin/sleep 100000); it must
 *              keep running until SIGTERM
 * Prints one line per round: "round=R n=N spawn_s=S stop_s=T".
 * Exit status 0, or 2 on any failure (a failed exec included).
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "common/xalloc.h"

struct forkexec_child {
	pid_t pid;
	int in, out, err; /* the parent's ends */
	int status; /* read end of the exec status pipe, or -1 */
};

static void
forkexec_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) != 0) {
		bench_die(errno, "pipe2");
	}
}

static void
forkexec_confirm(struct forkexec_child *c)
{
	int e = 0;
	ssize_t n;

	do {
		n = read(c->status, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		bench_die(errno, "read exec status");
	}
	if (n > 0) {
		bench_die(e, "child exec");
	}
	close(c->status);
	c->status = -1;
}

static void
forkexec_spawn(struct forkexec_child *c, char **argv)
{
	int in[2], out[2], err[2], st[2];

	forkexec_pipe(in);
	forkexec_pipe(out);
	forkexec_pipe(err);
	forkexec_pipe(st);
	c->pid = fork();
	if (c->pid < 0) {
		bench_die(errno, "fork");
	}
	if (c->pid == 0) {
		int e;

		setpgid(0, 0);
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		execvp(argv[0], argv);
		e = errno;
		bench_write_all(st[1], &e, sizeof(e));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	close(st[1]);
	c->in = in[1];
	c->out = out[0];
	c->err = err[0];
	c->status = st[0];
}

static double
forkexec_start_all(
    struct forkexec_child *kids, size_t n, char **argv, int sequential)
{
	double t0 = bench_now();

	for (size_t i = 0; i < n; i++) {
		forkexec_spawn(&kids[i], argv);
		if (sequential) {
			forkexec_confirm(&kids[i]);
		}
	}
	for (size_t i = 0; i < n && !sequential; i++) {
		forkexec_confirm(&kids[i]);
	}
	return bench_now() - t0;
}

static double
forkexec_stop_all(struct forkexec_child *kids, size_t n)
{
	double t0 = bench_now();
	size_t reaped = 0;

	for (size_t i = 0; i < n; i++) {
		if (kill(kids[i].pid, SIGTERM) != 0) {
			bench_die(errno, "kill %d", (int)kids[i].pid);
		}
	}
	while (reaped < n) {
		int ws;
		pid_t pid = waitpid(-1, &ws, 0);

		if (pid < 0) {
			if (errno == EINTR) {
				continue;
			}
			bench_die(errno, "waitpid");
		}
		reaped++;
	}
	for (size_t i = 0; i < n; i++) {
		close(kids[i].in);
		close(kids[i].out);
		close(kids[i].err);
	}
	return bench_now() - t0;
}

static void
forkexec_raise_nofile(size_t n)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)n * 4 + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		bench_die(errno, "getrlimit");
	}
	if (rl.rlim_cur >= need) {
		return;
	}
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		bench_die(0,
		    "%zu children need %llu fds; the hard limit is %llu", n,
		    (unsigned long long)need, (unsigned long long)rl.rlim_max);
	}
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
		bench_die(errno, "setrlimit");
	}
}

int
main(int argc, char **argv)
{
	static char sleep_path[] = "/bin/sleep", sleep_arg[] = "100000";
	char *dflt[] = { sleep_path, sleep_arg, NULL };
	struct forkexec_child *kids;
	char **cmd = dflt;
	size_t n = 100, rounds = 1;
	int sequential = 0, opt;

	bench_prog(argv[0]);
	while ((opt = getopt(argc, argv, "n:r:s")) != -1) {
		switch (opt) {
		case 'n':
			n = (size_t)bench_parse_size(optarg, "-n");
			break;
		case 'r':
			rounds = (size_t)bench_parse_size(optarg, "-r");
			break;
		case 's':
			sequential = 1;
			break;
		default:
			bench_die(0,
			    "usage: bench_forkexec [-n N] [-r ROUNDS] "
			    "[-s] [-- COMMAND ARGS...]");
		}
	}
	if (optind < argc) {
		cmd = argv + optind;
	}
	if (n == 0 || rounds == 0) {
		bench_die(0, "-n and -r must be at least 1");
	}
	forkexec_raise_nofile(n);
	kids = fv_xcalloc(n, sizeof(*kids));
	for (size_t r = 1; r <= rounds; r++) {
		double spawn_s = forkexec_start_all(kids, n, cmd, sequential);
		double stop_s = forkexec_stop_all(kids, n);

		printf("round=%zu n=%zu spawn_s=%.6f stop_s=%.6f\n", r, n,
		    spawn_s, stop_s);
		fflush(stdout);
	}
	free(kids);
	return 0;
}
