/*
 * bench_pipe2file: the machine's limit for capturing a child's output into
 * a rotated log file. It runs COMMAND with stdout on a pipe and copies
 * what it reads into FILE with the same size rotation as a supervisor's
 * child log (FILE -> FILE.1 -> ... -> FILE.BACKUPS once FILE would grow
 * past MAXBYTES), with one read and one write per chunk and no per-line
 * work, on one thread, as the agent must.
 *
 * usage: bench_pipe2file FILE MAXBYTES BACKUPS COMMAND [ARGS...]
 *   MAXBYTES 0 never rotates. K, M and G suffixes are binary.
 * Prints "bytes=B seconds=S mib_s=R cpu_s=C" (C: this copier's user+system
 * CPU, the child's excluded). Exit status 0, or 2 on any failure.
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench_util.h"

#define PIPE2FILE_CHUNK (128 * 1024)

struct pipe2file_log {
	const char *path; /* borrowed from argv */
	uint64_t maxbytes;
	unsigned backups;
	uint64_t size;
	int fd;
};

static void
pipe2file_open(struct pipe2file_log *lg)
{
	lg->fd = open(lg->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (lg->fd < 0) {
		bench_die(errno, "open %s", lg->path);
	}
	lg->size = 0;
}

static void
pipe2file_rotate(struct pipe2file_log *lg)
{
	char from[4096], to[4096];

	close(lg->fd);
	for (unsigned i = lg->backups; i > 0; i--) {
		if (i == 1) {
			snprintf(from, sizeof(from), "%s", lg->path);
		} else {
			snprintf(from, sizeof(from), "%s.%u", lg->path, i - 1);
		}
		snprintf(to, sizeof(to), "%s.%u", lg->path, i);
		if (rename(from, to) != 0 && errno != ENOENT) {
			bench_die(errno, "rename %s", from);
		}
	}
	if (lg->backups == 0 && unlink(lg->path) != 0) {
		bench_die(errno, "unlink %s", lg->path);
	}
	pipe2file_open(lg);
}

static void
pipe2file_put(struct pipe2file_log *lg, const char *p, size_t n)
{
	if (lg->maxbytes > 0 && lg->size > 0 && lg->size + n > lg->maxbytes) {
		pipe2file_rotate(lg);
	}
	if (bench_write_all(lg->fd, p, n) != 0) {
		bench_die(errno, "write %s", lg->path);
	}
	lg->size += n;
}

static pid_t
pipe2file_spawn(char **argv, int *rfd)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0) {
		bench_die(errno, "pipe2");
	}
	pid = fork();
	if (pid < 0) {
		bench_die(errno, "fork");
	}
	if (pid == 0) {
		dup2(fds[1], 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	*rfd = fds[0];
	return pid;
}

int
main(int argc, char **argv)
{
	static char buf[PIPE2FILE_CHUNK];
	struct pipe2file_log lg = { 0 };
	struct rusage ru;
	uint64_t total = 0;
	double t0, secs, cpu;
	pid_t pid;
	int rfd, ws;

	bench_prog(argv[0]);
	if (argc < 5) {
		bench_die(0,
		    "usage: bench_pipe2file FILE MAXBYTES BACKUPS "
		    "COMMAND [ARGS...]");
	}
	lg.path = argv[1];
	lg.maxbytes = bench_parse_size(argv[2], "MAXBYTES");
	lg.backups = (unsigned)bench_parse_size(argv[3], "BACKUPS");
	pipe2file_open(&lg);
	t0 = bench_now();
	pid = pipe2file_spawn(argv + 4, &rfd);
	for (;;) {
		ssize_t n = read(rfd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			bench_die(errno, "read");
		}
		if (n == 0) {
			break;
		}
		pipe2file_put(&lg, buf, (size_t)n);
		total += (uint64_t)n;
	}
	if (waitpid(pid, &ws, 0) != pid) {
		bench_die(errno, "waitpid");
	}
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
		bench_die(0, "%s failed (wait status %d)", argv[4], ws);
	}
	close(lg.fd);
	secs = bench_now() - t0;
	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	printf("bytes=%llu seconds=%.6f mib_s=%.2f cpu_s=%.6f\n",
	    (unsigned long long)total, secs,
	    (double)total / (1024.0 * 1024.0) / secs, cpu);
	return 0;
}
