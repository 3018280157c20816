/*
 * The runtime of one supervised process: it feeds the pure state machine
 * (proc_fsm.c) with events and carries out what it returns: spawning,
 * signalling, logging 4.2.5's lifecycle lines, publishing state changes
 * and re-arming the process's one timer. It also owns the pipes of the
 * child's stdout and stderr and moves their bytes to the log files.
 *
 * It must never signal a pid it has already reaped (the zombie pins the
 * pid until then, so a signal cannot reach a stranger), never block on a
 * pipe, and never drop a byte the child wrote: at exit the pipes are
 * drained before the exit is handled.
 */
#include "process/proc.h"

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "event/listener.h"
#include "process/proc_execwatch.h"
#include "process/proc_io.h"
#include "process/proc_spawn.h"
#include "process/supervisor.h"

static void proc_on_timer(uv_timer_t *t);

const char *
proc_signame(int sig, char *buf, size_t bufsz)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev != NULL) {
		snprintf(buf, bufsz, "SIG%s", abbrev);
	} else {
		snprintf(buf, bufsz, "signal %d", sig);
	}
	return buf;
}

char *
proc_exit_desc(int wstatus, int *es)
{
	char sb[32];

	if (WIFEXITED(wstatus)) {
		*es = WEXITSTATUS(wstatus);
		return fv_xasprintf("exit status %d", *es);
	}
	*es = -1;
	if (WIFSIGNALED(wstatus)) {
		return fv_xasprintf("terminated by %s%s",
		    proc_signame(WTERMSIG(wstatus), sb, sizeof(sb)),
		    WCOREDUMP(wstatus) ? " (core dumped)" : "");
	}
	return fv_xasprintf("unknown termination cause 0x%04x", wstatus);
}

enum proc_state
proc_state(const struct proc *p)
{
	return p->fsm.state;
}

const char *
proc_name(const struct proc *p)
{
	return p->cfg->name;
}

static void
proc_set_spawnerr(struct proc *p, char *msg_take)
{
	free(p->spawnerr);
	p->spawnerr = msg_take;
}

static void
proc_policy_init(struct proc_policy *pol, const struct cfg_process *pc)
{
	*pol = (struct proc_policy){
		.startsecs_ms = (uint64_t)pc->startsecs * 1000,
		.startretries = pc->startretries,
		.autostart = pc->autostart,
		.autorestart = pc->autorestart == CFG_AUTORESTART_TRUE
		    ? PROC_RESTART_ALWAYS
		    : pc->autorestart == CFG_AUTORESTART_UNEXPECTED
		    ? PROC_RESTART_UNEXPECTED
		    : PROC_RESTART_NEVER,
		.exitcodes = pc->exitcodes,
		.nexitcodes = pc->nexitcodes,
		.stopwaitsecs_ms = (uint64_t)pc->stopwaitsecs * 1000,
		/* 4.2.5: stopasgroup implies killasgroup (options.py). */
		.stopasgroup = pc->stopasgroup,
		.killasgroup = pc->killasgroup || pc->stopasgroup,
	};
}

struct proc *
proc_new(struct supervisor *sv, struct proc_group *group,
    const struct cfg_process *pc)
{
	struct proc *p = fv_xcalloc(1, sizeof(*p));

	p->sv = sv;
	p->group = group;
	p->cfg = pc;
	p->stdin_fd = -1;
	proc_policy_init(&p->pol, pc);
	proc_fsm_init(&p->fsm);
	uv_timer_init(sv->loop, &p->timer);
	p->timer.data = p;
	p->open_handles = 1;
	proc_io_chan_init(&p->out, p, EVBUS_STDOUT, &pc->out);
	proc_io_chan_init(&p->err, p, EVBUS_STDERR, &pc->err);
	return p;
}

static void
proc_maybe_free(struct proc *p)
{
	if (!p->closing || p->open_handles > 0) {
		return;
	}
	proc_io_chan_fini(&p->out);
	proc_io_chan_fini(&p->err);
	proc_tree_clear(&p->tree);
	free(p->spawnerr);
	free(p);
}

static void
proc_on_timer_close(uv_handle_t *h)
{
	struct proc *p = h->data;

	p->open_handles--;
	proc_maybe_free(p);
}

/* proc_io.c reports each pipe it closed. */
void
proc_handle_closed(struct proc *p)
{
	p->open_handles--;
	proc_maybe_free(p);
}

void
proc_close(struct proc *p)
{
	if (p == NULL || p->closing) {
		return;
	}
	p->closing = true;
	proc_soon_remove(&p->sv->soon, p);
	proc_stdin_close(p);
	proc_io_chan_stop(&p->out);
	proc_io_chan_stop(&p->err);
	uv_close((uv_handle_t *)&p->timer, proc_on_timer_close);
}

static void
proc_arm(struct proc *p)
{
	struct proc_env env = { supervisor_may_start(p->sv) };
	uint64_t now = supervisor_now_ms(p->sv);
	uint64_t due;

	if (p->closing) {
		return;
	}
	due = proc_fsm_deadline(&p->fsm, &p->pol, &env, now);
	proc_soon_remove(&p->sv->soon, p);
	if (due == UINT64_MAX) {
		uv_timer_stop(&p->timer);
		return;
	}
	if (due <= now) {
		/* Due now: in the next loop iteration (proc_soon.h). */
		uv_timer_stop(&p->timer);
		proc_soon_add(&p->sv->soon, p);
		return;
	}
	uv_timer_start(&p->timer, proc_on_timer, due - now, 0);
}

static void
proc_publish(
    struct proc *p, enum proc_state from, enum proc_state to, bool expected)
{
	struct evbus_event ev = {
		.kind = EVBUS_PROC_STATE,
		.proc = p,
		.group = p->group,
		.from = from,
		.to = to,
		.expected = expected,
		.pid = p->pid,
	};

	evbus_publish(&p->sv->bus, &ev);
}

static bool proc_run(struct proc *p, enum proc_event ev,
    const struct proc_exit *ex, const char *exitdesc);

/* kill(2) for the stop or SIGKILL actions; the pid is not reaped yet. */
static void
proc_send(struct proc *p, int sig, bool as_group)
{
	char sb[32];
	pid_t target;

	supervisor_log(p->sv, MAINLOG_DEBG,
	    "killing %s (pid %d) %swith signal %s", p->cfg->name, (int)p->pid,
	    as_group ? "process group " : "",
	    proc_signame(sig, sb, sizeof(sb)));
	if (p->pid <= 0) {
		return;
	}
	/* Remember the tree now: once the main process is gone, its
	 * children are re-parented and can no longer be found. */
	proc_tree_snapshot(p->pid, &p->tree);
	target = as_group ? -p->pid : p->pid;
	if (kill(target, sig) == 0) {
		return;
	}
	if (errno == ESRCH) {
		supervisor_log(p->sv, MAINLOG_DEBG,
		    "unable to signal %s (pid %d), it probably just exited on "
		    "its own: %s",
		    p->cfg->name, (int)p->pid, strerror(errno));
		return;
	}
	supervisor_log(p->sv, MAINLOG_CRIT,
	    "unknown problem killing %s (%d):%s", p->cfg->name, (int)p->pid,
	    strerror(errno));
	proc_run(p, PEV_KILL_FAILED, NULL, NULL);
}

/* The spawnerr message and BACKOFF of a spawn that made no child. */
static void
proc_spawn_failed(struct proc *p, char *msg_take)
{
	supervisor_log(p->sv, MAINLOG_INFO, "spawnerr: %s", msg_take);
	proc_set_spawnerr(p, msg_take);
	proc_run(p, PEV_SPAWN_FAILED, NULL, NULL);
}

static void
proc_spawn_now(struct proc *p)
{
	struct proc_spawn_ctx ctx = {
		.group_name = p->group != NULL ? p->group->cfg->name : NULL,
		.serverurl = p->sv->cfg->sd.serverurl,
		.environ = p->sv->environ,
		.mark = p->sv->cfg->sd.pidfile,
	};
	struct proc_spawn_req req;
	struct proc_io_fds fds;
	char *msg = NULL;
	pid_t pid;
	int rv, status_fd;

	proc_set_spawnerr(p, NULL);
	p->laststart_wall = (int64_t)time(NULL);
	if (proc_spawn_prepare(p->cfg, &ctx, &req, &msg) != 0) {
		proc_spawn_failed(p, msg);
		return;
	}
	if ((rv = proc_io_prepare(p, &fds)) != 0) {
		if (rv == -EMFILE || rv == -ENFILE) {
			msg = fv_xasprintf(
			    "too many open files to spawn '%s'", p->cfg->name);
		} else {
			msg = fv_xasprintf("unknown error making dispatchers "
			                   "for '%s': %s",
			    p->cfg->name, proc_errno_name(-rv));
		}
		proc_spawn_req_fini(&req);
		proc_spawn_failed(p, msg);
		return;
	}
	req.fd_in = p->group != NULL && p->group->fcgi_fd >= 0
	    ? p->group->fcgi_fd
	    : fds.child_in;
	req.fd_out = fds.child_out;
	req.fd_err = fds.child_err;
	pid = proc_spawn_fork(&req, &status_fd);
	proc_spawn_req_fini(&req);
	if (pid < 0) {
		proc_io_abort(p, &fds);
		if (pid == -EAGAIN) {
			msg = fv_xasprintf("Too many processes in process "
			                   "table to spawn '%s'",
			    p->cfg->name);
		} else if (pid == -EMFILE || pid == -ENFILE) {
			/* The spawner's own error pipe found no fd. */
			msg = fv_xasprintf(
			    "too many open files to spawn '%s'", p->cfg->name);
		} else {
			msg = fv_xasprintf("unknown error during fork for "
			                   "'%s': %s",
			    p->cfg->name, proc_errno_name((int)-pid));
		}
		proc_spawn_failed(p, msg);
		return;
	}
	p->pid = pid;
	supervisor_pid_add(p->sv, pid, p);
	proc_io_start(p, &fds);
	supervisor_log(p->sv, MAINLOG_INFO, "spawned: '%s' with pid %d",
	    p->cfg->name, (int)pid);
	proc_execwatch_start(p, status_fd);
	proc_run(p, PEV_SPAWNED, NULL, NULL);
}

static void
proc_log_step(struct proc *p, const struct proc_step *st, const char *exitdesc)
{
	int level = st->info_level ? MAINLOG_INFO : MAINLOG_WARN;

	switch (st->msg) {
	case PMSG_NONE:
	case PMSG_KILLING:
		break;
	case PMSG_SUCCESS:
		supervisor_log(p->sv, MAINLOG_INFO,
		    "success: %s entered RUNNING state, process has stayed up "
		    "for > than %lld seconds (startsecs)",
		    p->cfg->name, p->cfg->startsecs);
		break;
	case PMSG_GAVE_UP:
		supervisor_log(p->sv, MAINLOG_INFO,
		    "gave up: %s entered FATAL state, too many start retries "
		    "too quickly",
		    p->cfg->name);
		break;
	case PMSG_STOPPED:
		supervisor_log(
		    p->sv, level, "stopped: %s (%s)", p->cfg->name, exitdesc);
		break;
	case PMSG_EXITED_EXPECTED:
		supervisor_log(p->sv, level, "exited: %s (%s; expected)",
		    p->cfg->name, exitdesc);
		break;
	case PMSG_EXITED_UNEXPECTED:
		supervisor_log(p->sv, level, "exited: %s (%s; not expected)",
		    p->cfg->name, exitdesc);
		break;
	case PMSG_STOP_BACKOFF:
		supervisor_log(p->sv, MAINLOG_DEBG,
		    "Attempted to kill %s, which is in BACKOFF state.",
		    p->cfg->name);
		break;
	}
}

/* One step of the state machine and its actions; false if refused. */
static bool
proc_run(struct proc *p, enum proc_event ev, const struct proc_exit *ex,
    const char *exitdesc)
{
	struct proc_env env = { supervisor_may_start(p->sv) };
	uint64_t now = supervisor_now_ms(p->sv);
	struct proc_step st;

	st = proc_fsm_step(&p->fsm, ev, &p->pol, &env, ex, now);
	if (st.actions & PACT_REFUSED) {
		return false;
	}
	/* finish()'s spawnerr texts, which getProcessInfo shows. */
	if (ev == PEV_EXITED && st.msg == PMSG_EXITED_UNEXPECTED) {
		proc_set_spawnerr(p,
		    st.prev == PROC_STARTING && p->fsm.state == PROC_BACKOFF
		        ? fv_xstrdup("Exited too quickly (process log may have "
		                     "details)")
		        : fv_xasprintf("Bad exit code %d", ex->exitstatus));
	}
	if (st.msg == PMSG_KILLING) {
		supervisor_log(p->sv, MAINLOG_WARN,
		    "killing '%s' (%d) with SIGKILL", p->cfg->name,
		    (int)p->pid);
	}
	if (st.actions & PACT_NOTIFY) {
		if (st.via != st.prev) {
			proc_publish(p, st.prev, st.via, true);
			proc_publish(p, st.via, p->fsm.state, st.expected);
		} else {
			proc_publish(p, st.prev, p->fsm.state, st.expected);
		}
	}
	if (st.actions & PACT_LOG) {
		proc_log_step(p, &st, exitdesc);
	}
	if (st.actions & PACT_SIGNAL_STOP) {
		proc_send(p, p->cfg->stopsignal, st.as_group);
	}
	if (st.actions & PACT_SIGKILL) {
		proc_send(p, SIGKILL, st.as_group);
	}
	if (st.actions & PACT_SPAWN) {
		proc_spawn_now(p);
		return true; /* the spawn's own step re-armed and notified */
	}
	proc_arm(p);
	if (st.actions & PACT_NOTIFY) {
		supervisor_on_state(p->sv, p);
	}
	return true;
}

/* A deadline came: the step waits its turn with the others, under the
 * event gate and the budget (proc_soon.h), as a due-now step does. */
static void
proc_on_timer(uv_timer_t *t)
{
	struct proc *p = t->data;

	proc_soon_add(&p->sv->soon, p);
}

void
proc_tick(struct proc *p)
{
	pid_t before = p->pid;

	proc_run(p, PEV_TICK, NULL, NULL);
	/* A batch of spawns (a storm of restarts) can take milliseconds
	 * (a fork of a large RSS, sanitizers): reap between spawns, as far
	 * as the event gate allows, so that no zombie waits for the whole
	 * batch (RELIABILITY G2). Safe here: every state is consistent
	 * again. */
	if (p->pid != before) {
		supervisor_reap(p->sv);
	}
}

/* The state machine decides what is allowed: it refuses what 4.2.5's
 * _assertInState would, and we pass that on as FV_ESTATE. */
int
proc_start(struct proc *p)
{
	if (p->closing || p->pid != 0) {
		return FV_ESTATE;
	}
	return proc_run(p, PEV_START, NULL, NULL) ? 0 : FV_ESTATE;
}

int
proc_stop(struct proc *p)
{
	return proc_run(p, PEV_STOP, NULL, NULL) ? 0 : FV_ESTATE;
}

void
proc_give_up(struct proc *p)
{
	proc_run(p, PEV_GIVE_UP, NULL, NULL);
}

int
proc_signal(struct proc *p, int sig, char **msg)
{
	char sb[32];
	int err;

	*msg = NULL;
	proc_signame(sig, sb, sizeof(sb));
	if (p->pid <= 0) {
		*msg = fv_xasprintf("attempted to send %s sig %s but it wasn't "
		                    "running",
		    p->cfg->name, sb);
		supervisor_log(p->sv, MAINLOG_DEBG, "%s", *msg);
		return FV_ESTATE;
	}
	supervisor_log(p->sv, MAINLOG_DEBG, "sending %s (pid %d) sig %s",
	    p->cfg->name, (int)p->pid, sb);
	if (kill(p->pid, sig) == 0) {
		return 0;
	}
	err = errno;
	if (err == ESRCH) {
		/* The reaper will see the exit; the state changes then. */
		supervisor_log(p->sv, MAINLOG_DEBG,
		    "unable to signal %s (pid %d), it probably just now exited "
		    "on its own: %s",
		    p->cfg->name, (int)p->pid, strerror(err));
		return 0;
	}
	/* 4.2.5's words, the name where it means the signal included. */
	*msg = fv_xasprintf("unknown problem sending sig %s (%d):%s",
	    p->cfg->name, (int)p->pid, strerror(err));
	supervisor_log(p->sv, MAINLOG_CRIT, "%s", *msg);
	proc_run(p, PEV_KILL_FAILED, NULL, NULL);
	return -err;
}

int
proc_check_exec(const struct proc *p, char **msg)
{
	struct proc_spawn_ctx ctx = { .environ = p->sv->environ };
	struct proc_spawn_req req;

	if (proc_spawn_prepare(p->cfg, &ctx, &req, msg) == 0) {
		proc_spawn_req_fini(&req);
		return 0;
	}
	/* check_execv_args' NotFound is the one "can't find" message. */
	return strncmp(*msg, "can't find command ", 19) == 0 ? -ENOENT
	                                                     : -EACCES;
}

void
proc_reevaluate(struct proc *p)
{
	proc_arm(p);
}

/*
 * A stop is over when the main process is gone, but what it started may
 * live on: its process group (stopasgroup=false) and descendants that
 * called setsid(). 4.2.5 leaves them running; we promise that a stop
 * leaves nothing of the program's tree (RELIABILITY G3). The group id is
 * still the dead child's pid, which cannot be reused while the group has
 * members, so signalling -pid reaches only them.
 */
static void
proc_kill_leftovers(struct proc *p)
{
	size_t n = proc_tree_kill(&p->tree, SIGKILL);

	if (kill(-p->pid, SIGKILL) == 0) {
		n++;
	}
	if (n > 0) {
		supervisor_log(p->sv, MAINLOG_DEBG,
		    "killed what was left of '%s' (pid %d) with SIGKILL",
		    p->cfg->name, (int)p->pid);
	}
}

void
proc_on_reaped(struct proc *p, int wstatus)
{
	struct proc_exit ex;
	bool stopping;
	char *desc;

	/* A dead listener gets no event, not even one its last words
	 * (READY) would let the drain below send it. */
	if (p->listener != NULL) {
		event_listener_on_reaped(p->listener);
	}
	/* Everything the child wrote before it died is in the pipes now:
	 * read it all before the exit is handled (4.2.5 drain()). */
	proc_io_drain(p);
	supervisor_pid_remove(p->sv, p->pid);
	desc = proc_exit_desc(wstatus, &ex.exitstatus);
	p->laststop_wall = (int64_t)time(NULL);
	stopping = p->fsm.killing;
	/* An event a listener died with goes back to the head of its pool
	 * now, so that it is in front of the events this exit makes (4.2.5
	 * rebuffers after the change, but dispatches both later). */
	if (p->listener != NULL) {
		event_listener_on_exit(p->listener);
	}
	proc_run(p, PEV_EXITED, &ex, desc);
	free(desc);
	if (stopping) {
		proc_kill_leftovers(p);
	}
	proc_tree_clear(&p->tree);
	p->pid = 0;
	proc_stdin_close(p);
	proc_io_chan_stop(&p->out);
	proc_io_chan_stop(&p->err);
}

void
proc_reopen_logs(struct proc *p)
{
	proc_io_chan_reopen(&p->out);
	proc_io_chan_reopen(&p->err);
}

void
proc_flush_logs(struct proc *p)
{
	proc_io_chan_flush(&p->out);
	proc_io_chan_flush(&p->err);
}
