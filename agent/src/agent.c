/*
 * The daemon's life: supervisord 4.2.5's main() loop and Supervisor.run()
 * on one libuv loop. It owns the loop, the signal handles, the pidfile
 * lock, the main log and the process table, and the order in which they
 * are set up and torn down. It never blocks the loop and never lets a
 * reload apply a configuration that does not load: the new one is read
 * and checked before anything is stopped.
 */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/pidfile.h"
#include "common/xalloc.h"
#include "daemon.h"
#include "log/mainlog.h"
#include "process/proc.h"
#include "web/web.h"

extern char **environ;

static const int agent_signals[] = { SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR2,
	SIGCHLD };

static int
agent_usage_error(const struct agent *a, const char *msg)
{
	fprintf(stderr, "Error: %s\nFor help, use %s -h\n", msg, a->prog);
	return 2;
}

static void
agent_on_stopped(void *arg)
{
	struct agent *a = arg;

	/* Every process is down: leave uv_run() (4.2.5 ExitNow). */
	uv_stop(&a->loop);
}

static void agent_begin_restart(struct agent *a);

static void
agent_request_reload(struct agent *a)
{
	char sb[32];

	if (a->sv.mood == SV_SHUTDOWN) {
		mainlog_log(a->log, MAINLOG_WARN,
		    "ignored %s indicating restart request (shutdown in "
		    "progress)",
		    proc_signame(SIGHUP, sb, sizeof(sb)));
		return;
	}
	if (a->sv.stopping) {
		return; /* a restart is already under way */
	}
	mainlog_log(a->log, MAINLOG_WARN,
	    "received %s indicating restart request",
	    proc_signame(SIGHUP, sb, sizeof(sb)));
	agent_begin_restart(a);
}

/*
 * agent_begin_restart stops everything and runs again on the file as it
 * is now (SIGHUP, supervisor.restart). 4.2.5 stops everything, then dies
 * if the new file is bad. We read it first and keep running on the old
 * one if it does not load.
 */
static void
agent_begin_restart(struct agent *a)
{
	struct fv_diag d = { "" };
	struct cfg *next = NULL;

	if (cfg_load(a->cli, &next, &d) != 0) {
		mainlog_log(a->log, MAINLOG_ERRO,
		    "restart refused, still running the previous "
		    "configuration: %s",
		    d.msg);
		return;
	}
	cfg_free(a->next_cfg);
	a->next_cfg = next;
	supervisor_stop_all(&a->sv, SV_RESTARTING, agent_on_stopped, a);
}

/* agent_reopen_logs reopens the main log and every child's (SIGUSR2,
 * fleetvisor.reopenLogs). */
static void
agent_reopen_logs(struct agent *a)
{
	mainlog_log(a->log, MAINLOG_INFO, "supervisord logreopen");
	mainlog_reopen(a->log);
	supervisor_reopen_logs(&a->sv);
}

static void
agent_on_signal(uv_signal_t *h, int signum)
{
	struct agent *a = h->data;
	char sb[32];

	switch (signum) {
	case SIGTERM:
	case SIGINT:
	case SIGQUIT:
		mainlog_log(a->log, MAINLOG_WARN,
		    "received %s indicating exit request",
		    proc_signame(signum, sb, sizeof(sb)));
		supervisor_stop_all(&a->sv, SV_SHUTDOWN, agent_on_stopped, a);
		break;
	case SIGHUP:
		agent_request_reload(a);
		break;
	case SIGUSR2:
		mainlog_log(a->log, MAINLOG_INFO,
		    "received %s indicating log reopen request",
		    proc_signame(signum, sb, sizeof(sb)));
		agent_reopen_logs(a);
		break;
	case SIGCHLD:
		mainlog_log(a->log, MAINLOG_DEBG,
		    "received %s indicating a child quit",
		    proc_signame(signum, sb, sizeof(sb)));
		supervisor_reap(&a->sv);
		break;
	default:
		break;
	}
}

/* --- What the XML-RPC methods may ask of the daemon (rpc.h) ---------- */

static void
agent_rpc_shutdown(void *arg)
{
	struct agent *a = arg;

	supervisor_stop_all(&a->sv, SV_SHUTDOWN, agent_on_stopped, a);
}

static void
agent_rpc_restart(void *arg)
{
	struct agent *a = arg;

	if (!a->sv.stopping) {
		agent_begin_restart(a);
	}
}

static int
agent_rpc_reread(void *arg, struct cfg **out, struct fv_diag *d)
{
	struct agent *a = arg;

	return cfg_load(a->cli, out, d);
}

static const char *
agent_rpc_mainlog_path(void *arg)
{
	struct agent *a = arg;

	if (strcmp(a->cfg->sd.logfile, "syslog") == 0) {
		return NULL;
	}
	return a->cfg->sd.logfile;
}

static bool
agent_rpc_mainlog_when_written(void *arg, void (*cb)(void *), void *cbarg)
{
	struct agent *a = arg;

	return mainlog_when_written(a->log, cb, cbarg);
}

static void
agent_rpc_mainlog_when_written_cancel(
    void *arg, void (*cb)(void *), void *cbarg)
{
	struct agent *a = arg;

	mainlog_when_written_cancel(a->log, cb, cbarg);
}

static int
agent_rpc_mainlog_clear(void *arg)
{
	struct agent *a = arg;
	const char *path = agent_rpc_mainlog_path(a);
	int fd;

	if (path == NULL || access(path, F_OK) != 0) {
		return -ENOENT;
	}
	if (unlink(path) != 0) {
		return -errno;
	}
	/* 4.2.5 reopens at once, so a readLog right after finds an empty
	 * file; our writer reopens on its own time: make the file now. */
	fd = open(
	    path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0666);
	if (fd >= 0) {
		close(fd);
	}
	mainlog_log(a->log, MAINLOG_INFO, "reopening log file");
	mainlog_reopen(a->log);
	return 0;
}

/* agent_rpc_reopen_logs is fleetvisor.reopenLogs: what SIGUSR2 does. */
static void
agent_rpc_reopen_logs(void *arg)
{
	struct agent *a = arg;

	mainlog_log(a->log, MAINLOG_INFO,
	    "received fleetvisor.reopenLogs indicating log reopen request");
	agent_reopen_logs(a);
}

static const struct rpc_agent_ops agent_rpc_ops = {
	.shutdown = agent_rpc_shutdown,
	.restart = agent_rpc_restart,
	.reread = agent_rpc_reread,
	.mainlog_path = agent_rpc_mainlog_path,
	.mainlog_when_written = agent_rpc_mainlog_when_written,
	.mainlog_when_written_cancel = agent_rpc_mainlog_when_written_cancel,
	.mainlog_clear = agent_rpc_mainlog_clear,
	.reopen_logs = agent_rpc_reopen_logs,
};

/*
 * agent_http_open starts the control plane of this run: the RPC context
 * and every configured HTTP server, as 4.2.5's openhttpservers (before
 * daemonizing, so that a port in use is reported on the terminal).
 */
static int
agent_http_open(struct agent *a, struct fv_diag *d)
{
	const struct http_server_limits *lim = &http_server_limits_default;

	rpc_ctx_init(&a->rpc, &a->sv, &agent_rpc_ops, a, a->cfg);
	a->rpc_open = true;
	rpc_http_init(&a->rpc_http, &a->rpc, a->cfg, lim->req.max_body);
	web_init(&a->web, &a->rpc, &a->sv);
	/* First match wins: "/" takes whatever the others do not. */
	a->routes[0] =
	    (struct http_route){ "/RPC2", true, rpc_http_handle, &a->rpc_http };
	a->routes[1] = (struct http_route){ "/logtail/", true,
		web_handle_logtail, &a->web };
	a->routes[2] = (struct http_route){ "/mainlogtail", true,
		web_handle_mainlogtail, &a->web };
	a->routes[3] = (struct http_route){ "/", true, web_handle_ui, &a->web };
	a->nroutes = 4;
	return http_server_open(
	    &a->loop, a->log, a->cfg, a->routes, a->nroutes, lim, &a->http, d);
}

static void
agent_http_close(struct agent *a)
{
	http_server_close(a->http);
	a->http = NULL;
	if (a->rpc_open) {
		/* An aborted page action cancels its call in the context:
		 * the pages go first. */
		web_fini(&a->web);
		rpc_ctx_fini(&a->rpc);
		a->rpc_open = false;
	}
}

static void
agent_signals_start(struct agent *a)
{
	for (size_t i = 0; i < nitems(agent_signals); i++) {
		uv_signal_init(&a->loop, &a->sigs[i]);
		a->sigs[i].data = a;
		uv_signal_start(&a->sigs[i], agent_on_signal, agent_signals[i]);
	}
	a->nsigs = (int)nitems(agent_signals);
}

static void
agent_signals_stop(struct agent *a)
{
	for (int i = 0; i < a->nsigs; i++) {
		uv_close((uv_handle_t *)&a->sigs[i], NULL);
	}
	a->nsigs = 0;
}

static void
agent_log_lines(struct agent *a, int level, const struct fv_strv *v)
{
	for (size_t i = 0; i < v->n; i++) {
		mainlog_log(a->log, level, "%s", v->v[i]);
	}
}

/* Before the main log exists, what 4.2.5 calls usage(): stderr, exit 2. */
static int
agent_prepare_process(
    struct agent *a, struct fv_strv *crit, struct fv_strv *infos)
{
	const struct cfg_supervisord *sd = &a->cfg->sd;
	struct fv_diag d = { "" };

	if (daemon_set_uid(sd->uid, crit, infos, &d) != 0) {
		return agent_usage_error(a, d.msg);
	}
	if (a->first &&
	    daemon_set_rlimits(sd->minfds, sd->minprocs, infos, &d) != 0) {
		return agent_usage_error(a, d.msg);
	}
	if (a->lock_fd < 0 || strcmp(a->lock_path, sd->pidfile) != 0) {
		int fd;

		if (daemon_lock_pidfile(sd->pidfile, &fd, &d) != 0) {
			return agent_usage_error(a, d.msg);
		}
		if (a->lock_fd >= 0) {
			unlink(a->lock_path);
			close(a->lock_fd);
		}
		free(a->lock_path);
		a->lock_fd = fd;
		a->lock_path = fv_xstrdup(sd->pidfile);
	}
	return 0;
}

static int
agent_open_log(struct agent *a)
{
	const struct cfg_supervisord *sd = &a->cfg->sd;
	struct fv_diag d = { "" };

	a->log = mainlog_new(sd->loglevel, sd->nodaemon && !sd->silent);
	if (mainlog_open_file(a->log, &a->loop, sd->logfile,
	        sd->logfile_maxbytes, sd->logfile_backups, &d) != 0) {
		mainlog_close(a->log);
		a->log = NULL;
		return agent_usage_error(a, d.msg);
	}
	return 0;
}

/* One run: 4.2.5's Supervisor.main() and run(), until stopped. */
static int
agent_run_once(struct agent *a)
{
	const struct cfg_supervisord *sd = &a->cfg->sd;
	struct fv_strv crit = { 0 }, infos = { 0 }, warns = { 0 };
	struct fv_diag d = { "" };
	int status;

	if ((status = agent_prepare_process(a, &crit, &infos)) != 0) {
		goto out;
	}
	uv_loop_init(&a->loop);
	if ((status = agent_open_log(a)) != 0) {
		goto out_loop;
	}
	agent_log_lines(a, MAINLOG_CRIT, &crit);
	agent_log_lines(a, MAINLOG_WARN, &a->cfg->warnings);
	agent_log_lines(a, MAINLOG_INFO, &a->cfg->infos);
	agent_log_lines(a, MAINLOG_INFO, &infos);
	if (a->first) {
		/* Children of a killed agent died with it (PDEATHSIG); their
		 * descendants did not. They carry our mark: none may survive
		 * to run beside the new copies (RELIABILITY C12). */
		size_t n = daemon_sweep_leftovers(sd->pidfile);

		if (n > 0) {
			mainlog_log(a->log, MAINLOG_WARN,
			    "killed %zu processes left running by a previous "
			    "fleetvisord with pidfile %s",
			    n, sd->pidfile);
		}
	}
	if (!sd->nocleanup) {
		daemon_clear_autochildlogs(
		    sd->childlogdir, sd->identifier, &warns);
		agent_log_lines(a, MAINLOG_WARN, &warns);
	}
	supervisor_init(&a->sv, &a->loop, a->log, a->cfg, environ);
	/* 4.2.5's global event serial carries on across a restart (pool
	 * serials start again with the pools). */
	a->sv.events.serial = a->event_serial;
	if (a->fallback_msg != NULL) {
		mainlog_log(a->log, MAINLOG_ERRO,
		    "restart failed, running the previous configuration "
		    "again: %s",
		    a->fallback_msg);
		free(a->fallback_msg);
		a->fallback_msg = NULL;
	}
	if (supervisor_add_groups(&a->sv, &d) != 0 ||
	    agent_http_open(a, &d) != 0) {
		if (a->prev_cfg != NULL || a->daemonized) {
			/* On a first start the terminal gets it (usage);
			 * the log may be another running agent's. */
			mainlog_log(a->log, MAINLOG_CRIT, "%s", d.msg);
		}
		if (a->prev_cfg != NULL) {
			/* A reload: the caller goes back to what ran. */
			a->fallback_msg = fv_xstrdup(d.msg);
			status = 2;
		} else {
			status =
			    a->daemonized ? 2 : agent_usage_error(a, d.msg);
		}
		goto out_sv;
	}
	/* The configuration is in force: no way back is needed any more. */
	cfg_free(a->prev_cfg);
	a->prev_cfg = NULL;
	if (!sd->nodaemon && a->first) {
		char *dir_msg = NULL;
		bool dir_ok;

		mainlog_flush_sync(a->log);
		if (daemon_fork(
		        sd->directory, sd->umask, &dir_msg, &dir_ok, &d) != 0) {
			mainlog_log(a->log, MAINLOG_CRIT, "%s", d.msg);
			status = 2;
			goto out_sv;
		}
		/* The child: libuv's kernel state must be made anew. */
		uv_loop_fork(&a->loop);
		a->daemonized = true;
		mainlog_log(a->log, MAINLOG_INFO,
		    "daemonizing the supervisord "
		    "process");
		if (dir_msg != NULL) {
			mainlog_log(a->log,
			    dir_ok ? MAINLOG_INFO : MAINLOG_CRIT, "%s",
			    dir_msg);
			free(dir_msg);
		}
	}
	agent_signals_start(a);
	/* Whoever sees the pidfile must find this line in the log already:
	 * scripts wait for one, then grep the other. So the line is on disk
	 * before the pid is written (4.2.5 writes both synchronously). */
	mainlog_log(a->log, MAINLOG_INFO, "supervisord started with pid %d",
	    (int)getpid());
	mainlog_flush_sync(a->log);
	if (fv_pidfile_write(a->lock_fd, getpid()) != 0) {
		mainlog_log(a->log, MAINLOG_CRIT, "could not write pidfile %s",
		    sd->pidfile);
	}
	supervisor_start(&a->sv);
	if (a->ext != NULL) {
		a->ext_state = a->ext->open(a);
	}
	uv_run(&a->loop, UV_RUN_DEFAULT);
	if (a->ext_state != NULL) {
		a->ext->close(a->ext_state);
		a->ext_state = NULL;
	}
	status = 0;
	if (a->sv.mood == SV_SHUTDOWN) {
		/* A shutdown request overrides a restart under way. */
		cfg_free(a->next_cfg);
		a->next_cfg = NULL;
	}
	agent_signals_stop(a);
out_sv:
	agent_http_close(a);
	supervisor_flush_logs(&a->sv);
	a->event_serial = a->sv.events.serial;
	supervisor_fini(&a->sv);
	if (a->log != NULL) {
		mainlog_flush_sync(a->log);
		mainlog_close(a->log);
		a->log = NULL;
	}
out_loop:
	/* Let every close callback run, then release the loop. */
	uv_run(&a->loop, UV_RUN_DEFAULT);
	uv_loop_close(&a->loop);
out:
	fv_strv_free(&crit);
	fv_strv_free(&infos);
	fv_strv_free(&warns);
	return status;
}

int
agent_main(const char *prog, const struct cfg_cli *cli, struct cfg *cfg,
    const struct agent_ext *ext)
{
	struct agent a = { .prog = prog,
		.cli = cli,
		.cfg = cfg,
		.ext = ext,
		.lock_fd = -1,
		.first = true,
		.event_serial = UINT64_MAX };
	struct sigaction ign = { .sa_handler = SIG_IGN };
	int status;

	daemon_ensure_stdio();
	/* A write to a closed pipe or past a file-size limit must fail
	 * (EPIPE, EFBIG) and be counted, not kill the agent; Python
	 * ignores both as well. */
	sigaction(SIGPIPE, &ign, NULL);
	sigaction(SIGXFSZ, &ign, NULL);
	for (;;) {
		status = agent_run_once(&a);
		if (status != 0 && a.prev_cfg != NULL) {
			/* The new configuration loaded but could not be put
			 * in force (a port or socket in use): run the one
			 * that worked rather than exit. */
			cfg_free(a.cfg);
			a.cfg = a.prev_cfg;
			a.prev_cfg = NULL;
			continue;
		}
		if (status != 0 || a.next_cfg == NULL) {
			break;
		}
		a.prev_cfg = a.cfg;
		a.cfg = a.next_cfg;
		a.next_cfg = NULL;
		a.first = false;
	}
	free(a.fallback_msg);
	cfg_free(a.prev_cfg);
	if (a.lock_fd >= 0) {
		/* Unlink while still holding the lock: a new agent can
		 * only lock the file a new path entry names. */
		unlink(a.lock_path);
		close(a.lock_fd);
	}
	free(a.lock_path);
	cfg_free(a.cfg);
	cfg_free(a.next_cfg);
	return status;
}
