/*
 * fvt-exit: a configurable child for supervisor integration tests.  It runs
 * for a while, optionally reacting to signals, then exits with a chosen
 * status or kills itself with a chosen signal.
 *
 * usage: fvt-exit [options]
 *   --sleep MS        run MS milliseconds, then exit ("inf" = forever);
 *                     default 0
 *   --code N          exit status (default 0)
 *   --signal SIG      at the end, kill itself with SIG instead of exiting
 *   --hello TEXT      print TEXT and a newline on stdout at start
 *   --hello-err TEXT  print TEXT and a newline on stderr at start
 *   --bye TEXT        print TEXT and a newline on stdout just before exiting
 *                     (also when a signal makes it exit)
 *   --on SIG:ACTION   ACTION is "ignore", "log" (print "got SIGxxx" and keep
 *                     running) or "exit:N" (print "got SIGxxx", exit N);
 *                     repeatable
 *   --tick MS         print "tick N pid P late L" every MS milliseconds;
 *                     L is how many ms after its schedule the line was made
 *                     (a child blocked on a full pipe shows it)
 *   --tick-bytes N    pad every tick line with dots to N bytes
 *   --pwd             print "cwd=DIR" at start
 *   --env NAME        print "NAME=VALUE" (or "NAME unset") at start;
 *                     repeatable
 *   --umask           print "umask=0NNN" at start
 *   --pidfile PATH    write the pid to PATH at start
 * TEXT understands \n \t \r \e \0 \\ and \xHH.  Every message goes out
 * unbuffered; the exit status for a bad command line is 98.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fvt_util.h"

#define PROG   "fvt-exit"
#define MAXSIG 65

enum sig_action { ACT_DEFAULT, ACT_IGNORE, ACT_LOG, ACT_EXIT };

static volatile sig_atomic_t got_signal[MAXSIG];

static void
on_signal(int sig)
{
	if (sig > 0 && sig < MAXSIG) {
		got_signal[sig] = 1;
	}
}

static void
say(int fd, const char *text)
{
	char *copy;
	size_t len;

	copy = strdup(text);
	if (copy == NULL) {
		return;
	}
	len = fvt_unescape(copy);
	(void)fvt_write_all(fd, copy, len);
	(void)fvt_write_all(fd, "\n", 1);
	free(copy);
}

static void
finish(const char *bye, int code, int killsig)
{
	struct sigaction sa;
	sigset_t set;

	if (bye != NULL) {
		say(STDOUT_FILENO, bye);
	}
	if (killsig > 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigemptyset(&sa.sa_mask);
		sigaction(killsig, &sa, NULL);
		sigemptyset(&set);
		sigaddset(&set, killsig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		kill(getpid(), killsig);
		/* Only reached for signals whose default is to be ignored. */
		fvt_sleep_ms(100);
	}
	exit(code);
}

static void
print_tick(long n, long pad, long long late)
{
	char line[4096];
	int len;

	len = snprintf(line, sizeof(line), "tick %ld pid %ld late %lld", n,
	    (long)getpid(), late);
	if (len < 0 || len >= (int)sizeof(line) - 1) {
		return;
	}
	if (pad > (long)sizeof(line)) {
		pad = (long)sizeof(line);
	}
	while (len < pad - 1) {
		line[len++] = '.';
	}
	line[len++] = '\n';
	(void)fvt_write_all(STDOUT_FILENO, line, (size_t)len);
}

int
main(int argc, char **argv)
{
	enum sig_action action[MAXSIG] = { ACT_DEFAULT };
	int action_code[MAXSIG] = { 0 };
	long long sleep_ms = 0, tick_ms = -1, now, deadline, next_tick, wait;
	long code = 0, tick_pad = 0, ticks = 0, v;
	int killsig = 0, sig, i;
	const char *bye = NULL, *pidfile = NULL;
	struct sigaction sa;
	sigset_t handled, orig;
	struct timespec ts;
	char *colon, buf[PATH_MAX];
	mode_t um;
	FILE *f;

	setvbuf(stdout, NULL, _IONBF, 0);
	setvbuf(stderr, NULL, _IONBF, 0);
	sigemptyset(&handled);

	/* First pass: options that configure; printing happens in order. */
	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *a = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--pwd") == 0 || strcmp(o, "--umask") == 0) {
			continue;
		}
		if (a == NULL) {
			fvt_die(PROG, "%s needs an argument", o);
		}
		i++;
		if (strcmp(o, "--sleep") == 0) {
			if (fvt_parse_ms(a, &sleep_ms) != 0) {
				fvt_die(PROG, "bad --sleep %s", a);
			}
		} else if (strcmp(o, "--code") == 0) {
			if (fvt_parse_long(a, 0, 255, &code) != 0) {
				fvt_die(PROG, "bad --code %s", a);
			}
		} else if (strcmp(o, "--signal") == 0) {
			killsig = fvt_signum(a);
			if (killsig < 0) {
				fvt_die(PROG, "bad --signal %s", a);
			}
		} else if (strcmp(o, "--bye") == 0) {
			bye = a;
		} else if (strcmp(o, "--tick") == 0) {
			if (fvt_parse_ms(a, &tick_ms) != 0 || tick_ms <= 0) {
				fvt_die(PROG, "bad --tick %s", a);
			}
		} else if (strcmp(o, "--tick-bytes") == 0) {
			if (fvt_parse_long(a, 0, 4096, &tick_pad) != 0) {
				fvt_die(PROG, "bad --tick-bytes %s", a);
			}
		} else if (strcmp(o, "--pidfile") == 0) {
			pidfile = a;
		} else if (strcmp(o, "--on") == 0) {
			char name[32];

			colon = strchr(a, ':');
			if (colon == NULL ||
			    (size_t)(colon - a) >= sizeof(name)) {
				fvt_die(PROG, "bad --on %s", a);
			}
			memcpy(name, a, (size_t)(colon - a));
			name[colon - a] = '\0';
			sig = fvt_signum(name);
			if (sig <= 0 || sig >= MAXSIG) {
				fvt_die(PROG, "bad signal in --on %s", a);
			}
			if (strcmp(colon + 1, "ignore") == 0) {
				action[sig] = ACT_IGNORE;
			} else if (strcmp(colon + 1, "log") == 0) {
				action[sig] = ACT_LOG;
			} else if (strncmp(colon + 1, "exit:", 5) == 0 &&
			    fvt_parse_long(colon + 6, 0, 255, &v) == 0) {
				action[sig] = ACT_EXIT;
				action_code[sig] = (int)v;
			} else {
				fvt_die(PROG, "bad action in --on %s", a);
			}
		} else if (strcmp(o, "--hello") != 0 &&
		    strcmp(o, "--hello-err") != 0 && strcmp(o, "--env") != 0) {
			fvt_die(PROG, "unknown option %s", o);
		}
	}

	for (sig = 1; sig < MAXSIG; sig++) {
		if (action[sig] == ACT_DEFAULT) {
			continue;
		}
		memset(&sa, 0, sizeof(sa));
		sigemptyset(&sa.sa_mask);
		sa.sa_handler = action[sig] == ACT_IGNORE ? SIG_IGN : on_signal;
		if (sigaction(sig, &sa, NULL) != 0) {
			fvt_die(PROG, "cannot handle signal %d", sig);
		}
		if (action[sig] != ACT_IGNORE) {
			sigaddset(&handled, sig);
		}
	}
	/* Handled signals are only delivered inside ppoll() below. */
	sigprocmask(SIG_BLOCK, &handled, &orig);

	if (pidfile != NULL) {
		f = fopen(pidfile, "w");
		if (f == NULL) {
			fvt_die(PROG, "cannot write %s", pidfile);
		}
		fprintf(f, "%ld\n", (long)getpid());
		fclose(f);
	}

	/* Second pass: the start-up messages, in command-line order. */
	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *a = i + 1 < argc ? argv[i + 1] : "";

		if (strcmp(o, "--pwd") == 0) {
			if (getcwd(buf, sizeof(buf)) == NULL) {
				snprintf(buf, sizeof(buf), "?");
			}
			printf("cwd=%s\n", buf);
			continue;
		}
		if (strcmp(o, "--umask") == 0) {
			um = umask(022);
			umask(um);
			printf("umask=%04o\n", (unsigned)um);
			continue;
		}
		if (strcmp(o, "--hello") == 0) {
			say(STDOUT_FILENO, a);
		} else if (strcmp(o, "--hello-err") == 0) {
			say(STDERR_FILENO, a);
		} else if (strcmp(o, "--env") == 0) {
			const char *val = getenv(a);

			if (val == NULL) {
				printf("%s unset\n", a);
			} else {
				printf("%s=%s\n", a, val);
			}
		}
		i++;
	}

	now = fvt_now_ms();
	deadline = sleep_ms < 0 ? -1 : now + sleep_ms;
	next_tick = tick_ms > 0 ? now + tick_ms : -1;
	if (tick_ms > 0) {
		print_tick(ticks++, tick_pad, 0);
	}
	for (;;) {
		now = fvt_now_ms();
		if (deadline >= 0 && now >= deadline) {
			break;
		}
		if (next_tick >= 0 && now >= next_tick) {
			print_tick(ticks++, tick_pad, now - next_tick);
			next_tick += tick_ms;
			continue;
		}
		wait = -1;
		if (deadline >= 0) {
			wait = deadline - now;
		}
		if (next_tick >= 0 && (wait < 0 || next_tick - now < wait)) {
			wait = next_tick - now;
		}
		ts.tv_sec = (time_t)(wait / 1000);
		ts.tv_nsec = (long)(wait % 1000) * 1000000L;
		(void)ppoll(NULL, 0, wait >= 0 ? &ts : NULL, &orig);
		for (sig = 1; sig < MAXSIG; sig++) {
			if (!got_signal[sig]) {
				continue;
			}
			got_signal[sig] = 0;
			printf("got %s\n", fvt_signame(sig));
			if (action[sig] == ACT_EXIT) {
				finish(bye, action_code[sig], 0);
			}
		}
	}
	finish(bye, (int)code, killsig);
	return 0;
}
