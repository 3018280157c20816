/*
 * bench_pipe2file: the machine's limit for capturing a child's output into
 * a rotated log file. It runs COMMAND with stdout on a pipe and copies
 * what it reads into FILE with the same size rotation as a supervisor's
 * child log (FILE -> FILE.1 -> ... -> FILE.BACKUPS once FILE would grow
 * past MAXBYTES), with one read and one write per chunk and no per-line
 * work, on one thread, as the agent must.
 *
 * Eagerly (the default), each read takes what the pipe holds as soon as
 * it holds anything: one read per write of a line-by-line writer. With
 * -g MS, a read that returns little (under a quarter of the chunk) is
 * followed by a pause of MS milliseconds before the next, so that bytes
 * gather in the pipe and are read in big chunks, and a pipe that filled
 * half its size in a pause is enlarged to 1 MiB (the agent's coalescing,
 * done the simplest way). The harness runs both and takes the better.
 *
 * -p polls the pipe once before reading, as any reader that watches many
 * pipes (an event loop) must: from then on the kernel wakes the pipe's
 * wait queue on every write (pipe->poll_usage), which costs the writer a
 * lock round trip per write even when nobody waits. Not a limit, a figure
 * for what an event loop cannot avoid.
 *
 * usage: bench_pipe2file [-g MS] [-p] FILE MAXBYTES BACKUPS COMMAND [ARGS...]
 *   MAXBYTES 0 never rotates. K, M and G suffixes are binary.
 * Prints "bytes=B seconds=S mib_s=R cpu_s=C reads=N" (C: this copier's
 * user+system CPU, the child's excluded; N: read calls). Exit status 0, or
 * 2 on any failure.
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

#define PIPE2FILE_CHUNK (128 * 1024)
#define PIPE2FILE_SMALL (PIPE2FILE_CHUNK / 4)
#define PIPE2FILE_BIG   (1024 * 1024)

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

/* pipe2file_pause sleeps ms milliseconds (EINTR ends it early). */
static void
pipe2file_pause(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int
main(int argc, char **argv)
{
	static char buf[PIPE2FILE_CHUNK];
	struct pipe2file_log lg = { 0 };
	struct rusage ru;
	uint64_t total = 0, reads = 0;
	double t0, secs, cpu;
	unsigned gather_ms = 0;
	bool paused = false, grown = false, polled = false;
	pid_t pid;
	int rfd, ws, opt;

	bench_prog(argv[0]);
	while ((opt = getopt(argc, argv, "+g:p")) != -1) {
		if (opt == 'g') {
			gather_ms = (unsigned)bench_parse_size(optarg, "-g");
		} else if (opt == 'p') {
			polled = true;
		} else {
			bench_die(0, "unknown option");
		}
	}
	argc -= optind - 1;
	argv += optind - 1;
	if (argc < 5) {
		bench_die(0,
		    "usage: bench_pipe2file [-g MS] [-p] FILE MAXBYTES BACKUPS "
		    "COMMAND [ARGS...]");
	}
	lg.path = argv[1];
	lg.maxbytes = bench_parse_size(argv[2], "MAXBYTES");
	lg.backups = (unsigned)bench_parse_size(argv[3], "BACKUPS");
	pipe2file_open(&lg);
	t0 = bench_now();
	pid = pipe2file_spawn(argv + 4, &rfd);
	if (polled) {
		struct pollfd pfd = { .fd = rfd, .events = POLLIN };

		(void)poll(&pfd, 1, 0);
	}
	for (;;) {
		ssize_t n = read(rfd, buf, sizeof(buf));

		reads++;
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
		if (gather_ms == 0) {
			continue;
		}
		if (paused && !grown && n >= PIPE2FILE_SMALL) {
			/* Half the default 64 KiB in one pause: a hot pipe.
			 * A refusal (EPERM) only means smaller reads. */
			grown = true;
			(void)fcntl(rfd, F_SETPIPE_SZ, PIPE2FILE_BIG);
		}
		paused = n < PIPE2FILE_SMALL;
		if (paused) {
			pipe2file_pause(gather_ms);
		}
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
	printf("bytes=%llu seconds=%.6f mib_s=%.2f cpu_s=%.6f reads=%llu\n",
	    (unsigned long long)total, secs,
	    (double)total / (1024.0 * 1024.0) / secs, cpu,
	    (unsigned long long)reads);
	return 0;
}
