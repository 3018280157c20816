/*
 * fleetvisor-controller: command line, daemonizing, signals and the
 * shutdown watchdog. Everything else is controller_core.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/pidfile.h"
#include "common/xalloc.h"
#include "ctr.h"
#include "ctr_config.h"
#include "ctr_daemon.h"
#include "ctr_log.h"
#include "proto/fleet_net.h"

/* How long an orderly stop may take before the watchdog ends the
 * process: nng_close has been seen to hang after abusive TLS peers. */
#define CTR_STOP_WATCHDOG_S 10

static const char ctr_usage[] =
    "usage: fleetvisor-controller [-c FILE] [-n] [--check-config] [-v] [-h]\n"
    "  -c, --configuration FILE  the configuration file\n"
    "                            (default ./fleetvisor-controller.conf, then\n"
    "                            /etc/fleetvisor/controller.conf)\n"
    "  -n, --nodaemon            stay in the foreground, log to stdout too\n"
    "      --check-config        check the file, say what would be listened\n"
    "                            on, and exit\n"
    "  -v, --version             print the version and exit\n"
    "  -h, --help                print this and exit\n";

static char *
ctr_absolute(const char *path)
{
	char cwd[PATH_MAX];

	if (path == NULL || path[0] == '/' || strcmp(path, "syslog") == 0 ||
	    getcwd(cwd, sizeof(cwd)) == NULL) {
		return path ? fv_xstrdup(path) : NULL;
	}
	return fv_xasprintf("%s/%s", cwd, path);
}

static void
ctr_print_listen(const char *what, const struct fv_strv *urls)
{
	for (size_t i = 0; i < urls->n; i++) {
		char ev[600];

		if (fv_fleet_events_url(urls->v[i], ev, sizeof(ev), NULL) !=
		    0) {
			ev[0] = '\0';
		}
		printf("%s: %s (events %s)\n", what, urls->v[i], ev);
	}
}

/* EX_SOFTWARE: stopped because nng is stuck (ctr_on_wedged), for the
 * service manager to restart the controller. */
#define CTR_EXIT_WEDGED 70

/* From an nng thread: wakes the sigwait loop, which stops. */
static void
ctr_main_on_wedged(void *arg)
{
	(void)arg;
	kill(getpid(), SIGUSR1);
}

static void *
ctr_watchdog(void *arg)
{
	struct ctr_log *log = arg;

	sleep(CTR_STOP_WATCHDOG_S);
	ctr_log_msg(log, CTR_LOG_CRIT,
	    "shutdown did not finish in %d s: exiting now",
	    CTR_STOP_WATCHDOG_S);
	_exit(1);
	return NULL;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "configuration", required_argument, NULL, 'c' },
		{ "nodaemon", no_argument, NULL, 'n' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctr_config cfg;
	struct ctr_log *log;
	struct ctr *c;
	struct fv_diag d;
	const char *path = NULL;
	bool check = false, nodaemon = false;
	int opt, ready = -1, sig, rv, pidfd = -1, code = 0;
	char holder[32];
	sigset_t set;
	struct sigaction sa;
	pthread_t wd;

	while ((opt = getopt_long(argc, argv, "c:nvh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			nodaemon = true;
			break;
		case 'C':
			check = true;
			break;
		case 'v':
			printf("%s\n", FV_VERSION);
			return 0;
		case 'h':
			fputs(ctr_usage, stdout);
			return 0;
		default:
			fputs(ctr_usage, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "Error: unexpected argument '%s'\n%s",
		    argv[optind], ctr_usage);
		return 2;
	}
	if (path == NULL) {
		path = access("fleetvisor-controller.conf", F_OK) == 0
		    ? "fleetvisor-controller.conf"
		    : "/etc/fleetvisor/controller.conf";
	}
	ctr_config_init(&cfg);
	if (ctr_config_load(&cfg, path, &d) != 0) {
		fprintf(stderr, "Error: %s\n", d.msg);
		ctr_config_fini(&cfg);
		return 2;
	}
	if (nodaemon) {
		cfg.nodaemon = true;
	}
	if (check) {
		printf("%s: ok\n", path);
		ctr_print_listen("agents", &cfg.agents);
		ctr_print_listen("clients", &cfg.clients);
		ctr_config_fini(&cfg);
		return 0;
	}
	{
		char *lf = ctr_absolute(cfg.logfile),
		     *pf = ctr_absolute(cfg.pidfile);

		free(cfg.logfile);
		free(cfg.pidfile);
		cfg.logfile = lf;
		cfg.pidfile = pf;
	}
	/* Locked before the fork: the lock goes with the descriptor to the
	 * daemon, and the parent can still say why it cannot start. */
	if ((rv = fv_pidfile_lock(
	         cfg.pidfile, &pidfd, holder, sizeof(holder), &d)) != 0) {
		if (rv == FV_ESTATE) {
			fv_diagf(&d, rv,
			    "another controller is running (pid %s, pidfile "
			    "%s)",
			    holder, cfg.pidfile);
		}
		fprintf(stderr, "Error: %s\n", d.msg);
		ctr_config_fini(&cfg);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (!cfg.nodaemon && ctr_daemonize(&ready, &d) != 0) {
		fprintf(stderr, "Error: %s\n", d.msg);
		ctr_config_fini(&cfg);
		return 2;
	}
	/* Signals are taken by sigwait in this thread only: block them
	 * before nng starts its threads, which inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGUSR1); /* ctr_main_on_wedged */
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	log = ctr_log_new(cfg.loglevel, cfg.nodaemon);
	if ((rv = ctr_log_open(log, cfg.logfile, cfg.logfile_maxbytes,
	         cfg.logfile_backups, &d)) == 0 &&
	    (rv = fv_pidfile_write(pidfd, getpid())) != 0) {
		fv_diagf(&d, rv, "pidfile %s: %s", cfg.pidfile, strerror(-rv));
	}
	if (rv != 0) {
		fprintf(stderr, "Error: %s\n", d.msg);
		ctr_daemon_ready(ready, d.msg);
		ctr_log_free(log);
		ctr_config_fini(&cfg);
		return 2;
	}
	c = ctr_new(&cfg, log);
	if ((rv = ctr_start(c, &d)) != 0) {
		ctr_log_msg(log, CTR_LOG_CRIT, "cannot start: %s", d.msg);
		if (cfg.nodaemon) {
			fprintf(stderr, "Error: %s\n", d.msg);
		}
		ctr_daemon_ready(ready, d.msg);
		ctr_stop(c);
		ctr_free(c);
		ctr_pidfile_remove(cfg.pidfile);
		ctr_log_free(log);
		ctr_config_fini(&cfg);
		return 2;
	}
	ctr_daemon_ready(ready, NULL);
	ctr_on_wedged(c, ctr_main_on_wedged, NULL);
	for (;;) {
		if (sigwait(&set, &sig) != 0) {
			continue;
		}
		if (sig == SIGUSR1) {
			if (ctr_wedged(c)) {
				code = CTR_EXIT_WEDGED; /* logged by ctr */
				break;
			}
			ctr_log_info(log, "received SIGUSR1: ignored");
			continue;
		}
		if (sig == SIGHUP || sig == SIGUSR2) {
			ctr_log_reopen(log);
			ctr_log_info(log, "received %s: log reopened",
			    sig == SIGHUP ? "SIGHUP" : "SIGUSR2");
			continue;
		}
		ctr_log_warn(log, "received %s indicating exit request",
		    sig == SIGTERM ? "SIGTERM" : "SIGINT");
		break;
	}
	if (pthread_create(&wd, NULL, ctr_watchdog, log) == 0) {
		pthread_detach(wd);
	}
	ctr_stop(c);
	ctr_free(c);
	ctr_pidfile_remove(cfg.pidfile);
	ctr_log_info(log, "stopped");
	ctr_log_free(log);
	ctr_config_fini(&cfg);
	return code;
}
