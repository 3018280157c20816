/*
 * fvt-forker: a child that makes grandchildren, for tests of process-group
 * stops (stopasgroup/killasgroup), orphan reaping and PID 1 behaviour.
 *
 * usage: fvt-forker [options]
 *   -n, --children N    grandchildren to make (default 1)
 *   --child-sleep MS    each grandchild runs MS ms, then exits 0 ("inf",
 *                       the default, means forever)
 *   --child-term ACT    ACT is "default" or "ignore": grandchildren ignore
 *                       SIGTERM (and SIGINT, SIGHUP) with "ignore"
 *   --child-close       grandchildren point stdin/stdout/stderr at /dev/null
 *                       once they have reported themselves
 *   --setsid            each grandchild calls setsid() (new session, group)
 *   --setpgid           each grandchild calls setpgid(0, 0) (new group)
 *   --double            make each grandchild through an intermediate process
 *                       that exits at once, so the grandchild is orphaned and
 *                       reparented (to PID 1 or the nearest subreaper)
 *   --no-reap           never reap exited grandchildren (they stay zombies
 *                       of the forker until it exits)
 *   --sleep MS          the forker runs MS ms after forking, then exits
 *                       (default "inf")
 *   --code N            the forker's exit status (default 0)
 *   --term ACT          "default" or "ignore": the forker ignores SIGTERM
 *   --pids FILE         every process appends "ROLE PID PPID PGID SID" to
 *                       FILE (ROLE is forker or grandchild); one write each
 *   --repeat MS         with --double and a finite --child-sleep: make a new
 *                       batch of orphans every MS ms
 * Each process also prints its "ROLE pid=.. ppid=.. pgid=.. sid=.." line on
 * stdout.  The forker prints "forker done" after the first batch.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fvt_util.h"

#define PROG "fvt-forker"

struct forker_opts {
	long children;
	long long child_sleep;
	int child_ignore_term;
	int child_close;
	int setsid;
	int setpgid;
	int dbl;
	int no_reap;
	long long sleep_ms;
	long code;
	int ignore_term;
	const char *pids;
	long long repeat_ms;
};

static void
report(const struct forker_opts *o, const char *role)
{
	char line[160];
	int len, fd;

	len = snprintf(line, sizeof(line), "%s %ld %ld %ld %ld\n", role,
	    (long)getpid(), (long)getppid(), (long)getpgid(0), (long)getsid(0));
	if (len <= 0) {
		return;
	}
	if (o->pids != NULL) {
		fd = open(
		    o->pids, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd >= 0) {
			(void)fvt_write_all(fd, line, (size_t)len);
			close(fd);
		}
	}
	printf("%s pid=%ld ppid=%ld pgid=%ld sid=%ld\n", role, (long)getpid(),
	    (long)getppid(), (long)getpgid(0), (long)getsid(0));
}

static void
ignore_signal(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(sig, &sa, NULL);
}

static void
default_signal(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_DFL;
	sigaction(sig, &sa, NULL);
}

static void
grandchild(const struct forker_opts *o)
{
	int fd;

	default_signal(SIGCHLD);
	if (o->setsid) {
		(void)setsid();
	} else if (o->setpgid) {
		(void)setpgid(0, 0);
	}
	if (o->child_ignore_term) {
		ignore_signal(SIGTERM);
		ignore_signal(SIGINT);
		ignore_signal(SIGHUP);
	} else {
		default_signal(SIGTERM);
	}
	report(o, "grandchild");
	if (o->child_close) {
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2) {
				close(fd);
			}
		}
	}
	fvt_sleep_ms(o->child_sleep);
	_exit(0);
}

static void
make_batch(const struct forker_opts *o)
{
	siginfo_t si;
	pid_t pid, gpid;
	long i;

	for (i = 0; i < o->children; i++) {
		pid = fork();
		if (pid < 0) {
			fprintf(
			    stderr, "%s: fork: %s\n", PROG, strerror(errno));
			continue;
		}
		if (pid == 0) {
			if (!o->dbl) {
				grandchild(o);
			}
			gpid = fork();
			if (gpid == 0) {
				grandchild(o);
			}
			_exit(gpid < 0 ? 1 : 0);
		}
		if (o->dbl) {
			/* Reap the intermediate at once: that orphans. */
			memset(&si, 0, sizeof(si));
			while (waitid(P_PID, (id_t)pid, &si, WEXITED) < 0 &&
			    errno == EINTR) {
				continue;
			}
		}
	}
}

static void
reap_some(void)
{
	siginfo_t si;

	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG) < 0 ||
		    si.si_pid == 0) {
			return;
		}
	}
}

int
main(int argc, char **argv)
{
	struct forker_opts o = { .children = 1,
		.child_sleep = -1,
		.sleep_ms = -1,
		.repeat_ms = -1 };
	long long now, deadline, next_batch, step;
	int i;

	setvbuf(stdout, NULL, _IONBF, 0);
	setvbuf(stderr, NULL, _IONBF, 0);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--setsid") == 0) {
			o.setsid = 1;
			continue;
		} else if (strcmp(a, "--setpgid") == 0) {
			o.setpgid = 1;
			continue;
		} else if (strcmp(a, "--double") == 0) {
			o.dbl = 1;
			continue;
		} else if (strcmp(a, "--no-reap") == 0) {
			o.no_reap = 1;
			continue;
		} else if (strcmp(a, "--child-close") == 0) {
			o.child_close = 1;
			continue;
		}
		if (v == NULL) {
			fvt_die(
			    PROG, "%s needs an argument (or is unknown)", a);
		}
		i++;
		if (strcmp(a, "-n") == 0 || strcmp(a, "--children") == 0) {
			if (fvt_parse_long(v, 0, 10000, &o.children) != 0) {
				fvt_die(PROG, "bad %s %s", a, v);
			}
		} else if (strcmp(a, "--child-sleep") == 0) {
			if (fvt_parse_ms(v, &o.child_sleep) != 0) {
				fvt_die(PROG, "bad %s %s", a, v);
			}
		} else if (strcmp(a, "--child-term") == 0) {
			o.child_ignore_term = strcmp(v, "ignore") == 0;
		} else if (strcmp(a, "--sleep") == 0) {
			if (fvt_parse_ms(v, &o.sleep_ms) != 0) {
				fvt_die(PROG, "bad %s %s", a, v);
			}
		} else if (strcmp(a, "--code") == 0) {
			if (fvt_parse_long(v, 0, 255, &o.code) != 0) {
				fvt_die(PROG, "bad %s %s", a, v);
			}
		} else if (strcmp(a, "--term") == 0) {
			o.ignore_term = strcmp(v, "ignore") == 0;
		} else if (strcmp(a, "--pids") == 0) {
			o.pids = v;
		} else if (strcmp(a, "--repeat") == 0) {
			if (fvt_parse_ms(v, &o.repeat_ms) != 0 ||
			    o.repeat_ms <= 0) {
				fvt_die(PROG, "bad %s %s", a, v);
			}
		} else {
			fvt_die(PROG, "unknown option %s", a);
		}
	}
	if (o.ignore_term) {
		ignore_signal(SIGTERM);
	}
	if (o.no_reap) {
		default_signal(SIGCHLD);
	}

	report(&o, "forker");
	make_batch(&o);
	printf("forker done\n");

	now = fvt_now_ms();
	deadline = o.sleep_ms < 0 ? -1 : now + o.sleep_ms;
	next_batch = o.repeat_ms > 0 ? now + o.repeat_ms : -1;
	for (;;) {
		if (!o.no_reap) {
			reap_some();
		}
		now = fvt_now_ms();
		if (deadline >= 0 && now >= deadline) {
			break;
		}
		if (next_batch >= 0 && now >= next_batch) {
			make_batch(&o);
			next_batch += o.repeat_ms;
			continue;
		}
		/* Poll every 50 ms: simple, and reaping needs no handler. */
		step = 50;
		if (deadline >= 0 && deadline - now < step) {
			step = deadline - now;
		}
		fvt_sleep_ms(step);
	}
	return (int)o.code;
}
