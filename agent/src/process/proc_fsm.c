/*
 * The process state machine of supervisord 4.2.5, as an edge table read by
 * a pure step function (s6's way). This module owns the meaning of every
 * state, event and timer of a supervised process and nothing else: it never
 * touches a clock, a file descriptor or the heap, so every transition 4.2.5
 * makes (and every one it refuses) is unit tested without a loop.
 *
 * Times are monotonic milliseconds handed in by the caller; 4.2.5 compares
 * wall-clock floats, which is why it needs its clock-rollback fix-ups and
 * we do not.
 */
#include "process/proc_fsm.h"

#include "common/xalloc.h"

/* A state as one bit of a set (a constant expression, for the table). */
#define S(x)                                \
	(1u << ((x) == PROC_STOPPED     ? 0 \
	         : (x) == PROC_STARTING ? 1 \
	         : (x) == PROC_RUNNING  ? 2 \
	         : (x) == PROC_BACKOFF  ? 3 \
	         : (x) == PROC_STOPPING ? 4 \
	         : (x) == PROC_EXITED   ? 5 \
	         : (x) == PROC_FATAL    ? 6 \
	                                : 7))

/* A guard: may this edge be taken? */
typedef bool proc_guard_fn(const struct proc_fsm *f,
    const struct proc_policy *pol, const struct proc_env *env,
    const struct proc_exit *ex, uint64_t now_ms);

/* An effect on the counters, applied when the edge is taken. */
enum proc_effect {
	PEF_NONE,
	PEF_SPAWN, /* 4.2.5 spawn(): reset flags, laststart = now */
	PEF_SPAWNED, /* _spawn_as_parent: delay = now + startsecs */
	PEF_RUNNING, /* STARTING -> RUNNING: backoff = delay = 0 */
	PEF_GIVE_UP, /* backoff = delay = 0, system_stop */
	PEF_STOP, /* kill(stopsignal): killing, delay = now + wait */
	PEF_KILL, /* kill(SIGKILL) after stopwaitsecs */
	PEF_STOPPED, /* finish() after a stop: killing = false */
	PEF_TOO_QUICK, /* finish() before startsecs */
	PEF_EXITED, /* finish() after RUNNING */
	PEF_UNKNOWN, /* kill failed */
	PEF_ADMIN_STOP, /* BACKOFF -> STOPPED by a stop request */
};

struct proc_edge {
	unsigned from; /* a set of states, S(x) | S(y) */
	enum proc_event ev;
	proc_guard_fn *guard; /* NULL: always */
	enum proc_state to;
	unsigned actions;
	enum proc_effect effect;
	enum proc_msg msg;
};

bool
proc_fsm_exit_expected(const struct proc_policy *pol, int status)
{
	for (size_t i = 0; i < pol->nexitcodes; i++) {
		if (pol->exitcodes[i] == status) {
			return true;
		}
	}
	return false;
}

static bool
proc_guard_killing(const struct proc_fsm *f, const struct proc_policy *pol,
    const struct proc_env *env, const struct proc_exit *ex, uint64_t now_ms)
{
	return f->killing;
}

/* 4.2.5 finish(): too_quickly = now - laststart < startsecs. */
static bool
proc_guard_too_quickly(const struct proc_fsm *f, const struct proc_policy *pol,
    const struct proc_env *env, const struct proc_exit *ex, uint64_t now_ms)
{
	return now_ms - f->laststart_ms < pol->startsecs_ms;
}

static bool
proc_guard_exit_expected(const struct proc_fsm *f,
    const struct proc_policy *pol, const struct proc_env *env,
    const struct proc_exit *ex, uint64_t now_ms)
{
	return proc_fsm_exit_expected(pol, ex->exitstatus);
}

static bool
proc_guard_has_pid(const struct proc_fsm *f, const struct proc_policy *pol,
    const struct proc_env *env, const struct proc_exit *ex, uint64_t now_ms)
{
	return f->has_pid;
}

/* transition(): STARTING -> RUNNING once startsecs have passed. */
static bool
proc_guard_started_long_enough(const struct proc_fsm *f,
    const struct proc_policy *pol, const struct proc_env *env,
    const struct proc_exit *ex, uint64_t now_ms)
{
	return now_ms - f->laststart_ms > pol->startsecs_ms;
}

static bool
proc_guard_retries_exhausted(const struct proc_fsm *f,
    const struct proc_policy *pol, const struct proc_env *env,
    const struct proc_exit *ex, uint64_t now_ms)
{
	return f->backoff > pol->startretries;
}

static bool
proc_guard_retry_due(const struct proc_fsm *f, const struct proc_policy *pol,
    const struct proc_env *env, const struct proc_exit *ex, uint64_t now_ms)
{
	return env->may_start && f->backoff <= pol->startretries &&
	    now_ms > f->delay_ms;
}

static bool
proc_guard_stopwait_over(const struct proc_fsm *f,
    const struct proc_policy *pol, const struct proc_env *env,
    const struct proc_exit *ex, uint64_t now_ms)
{
	return f->has_pid && now_ms >= f->delay_ms;
}

static bool
proc_guard_autorestart(const struct proc_fsm *f, const struct proc_policy *pol,
    const struct proc_env *env, const struct proc_exit *ex, uint64_t now_ms)
{
	if (!env->may_start) {
		return false;
	}
	switch (pol->autorestart) {
	case PROC_RESTART_ALWAYS:
		return true;
	case PROC_RESTART_UNEXPECTED:
		/* 4.2.5 tests exitstatus, which is None after a BACKOFF. */
		return !f->has_exitstatus ||
		    !proc_fsm_exit_expected(pol, f->exitstatus);
	case PROC_RESTART_NEVER:
		break;
	}
	return false;
}

static bool
proc_guard_autostart(const struct proc_fsm *f, const struct proc_policy *pol,
    const struct proc_env *env, const struct proc_exit *ex, uint64_t now_ms)
{
	return env->may_start && !f->started && pol->autostart;
}

/*
 * The edges, first match wins. Each row cites the 4.2.5 code it mirrors.
 * States a row does not list refuse the event (PACT_REFUSED), as 4.2.5's
 * _assertInState would, except PEV_TICK which is simply ignored.
 */
static const struct proc_edge proc_edges[] = {
	/* spawn(): _assertInState(EXITED, FATAL, BACKOFF, STOPPED) */
	{ S(PROC_STOPPED) | S(PROC_EXITED) | S(PROC_FATAL) | S(PROC_BACKOFF),
	    PEV_START, NULL, PROC_STARTING, PACT_SPAWN, PEF_SPAWN, PMSG_NONE },
	{ S(PROC_STARTING), PEV_SPAWNED, NULL, PROC_STARTING, 0, PEF_SPAWNED,
	    PMSG_NONE },
	{ S(PROC_STARTING), PEV_SPAWN_FAILED, NULL, PROC_BACKOFF, 0, PEF_NONE,
	    PMSG_NONE },

	/* finish() */
	{ S(PROC_STOPPING), PEV_EXITED, proc_guard_killing, PROC_STOPPED,
	    PACT_LOG, PEF_STOPPED, PMSG_STOPPED },
	{ S(PROC_STARTING), PEV_EXITED, proc_guard_too_quickly, PROC_BACKOFF,
	    PACT_LOG, PEF_TOO_QUICK, PMSG_EXITED_UNEXPECTED },
	{ S(PROC_STARTING) | S(PROC_RUNNING), PEV_EXITED,
	    proc_guard_exit_expected, PROC_EXITED, PACT_LOG, PEF_EXITED,
	    PMSG_EXITED_EXPECTED },
	{ S(PROC_STARTING) | S(PROC_RUNNING), PEV_EXITED, NULL, PROC_EXITED,
	    PACT_LOG, PEF_EXITED, PMSG_EXITED_UNEXPECTED },
	/* The child of an UNKNOWN process (kill failed) exits: 4.2.5 trips
	 * an assertion in finish() here; we record the exit instead. */
	{ S(PROC_UNKNOWN), PEV_EXITED, proc_guard_exit_expected, PROC_EXITED,
	    PACT_LOG, PEF_EXITED, PMSG_EXITED_EXPECTED },
	{ S(PROC_UNKNOWN), PEV_EXITED, NULL, PROC_EXITED, PACT_LOG, PEF_EXITED,
	    PMSG_EXITED_UNEXPECTED },

	/* kill(stopsignal) via stop() */
	{ S(PROC_BACKOFF), PEV_STOP, NULL, PROC_STOPPED, PACT_LOG,
	    PEF_ADMIN_STOP, PMSG_STOP_BACKOFF },
	{ S(PROC_STARTING) | S(PROC_RUNNING) | S(PROC_STOPPING), PEV_STOP,
	    proc_guard_has_pid, PROC_STOPPING, PACT_SIGNAL_STOP, PEF_STOP,
	    PMSG_NONE },

	/* stop_all() on a BACKOFF process: give_up() */
	{ S(PROC_BACKOFF), PEV_GIVE_UP, NULL, PROC_FATAL, 0, PEF_GIVE_UP,
	    PMSG_NONE },

	/* kill() raised: UNKNOWN */
	{ S(PROC_STARTING) | S(PROC_RUNNING) | S(PROC_STOPPING),
	    PEV_KILL_FAILED, NULL, PROC_UNKNOWN, 0, PEF_UNKNOWN, PMSG_NONE },

	/* transition() */
	{ S(PROC_EXITED), PEV_TICK, proc_guard_autorestart, PROC_STARTING,
	    PACT_SPAWN, PEF_SPAWN, PMSG_NONE },
	{ S(PROC_STOPPED), PEV_TICK, proc_guard_autostart, PROC_STARTING,
	    PACT_SPAWN, PEF_SPAWN, PMSG_NONE },
	{ S(PROC_BACKOFF), PEV_TICK, proc_guard_retry_due, PROC_STARTING,
	    PACT_SPAWN, PEF_SPAWN, PMSG_NONE },
	{ S(PROC_STARTING), PEV_TICK, proc_guard_started_long_enough,
	    PROC_RUNNING, PACT_LOG, PEF_RUNNING, PMSG_SUCCESS },
	{ S(PROC_BACKOFF), PEV_TICK, proc_guard_retries_exhausted, PROC_FATAL,
	    PACT_LOG, PEF_GIVE_UP, PMSG_GAVE_UP },
	{ S(PROC_STOPPING), PEV_TICK, proc_guard_stopwait_over, PROC_STOPPING,
	    PACT_SIGKILL | PACT_LOG, PEF_KILL, PMSG_KILLING },
};

static void
proc_fsm_apply(struct proc_fsm *f, const struct proc_edge *e,
    const struct proc_policy *pol, const struct proc_exit *ex, uint64_t now_ms,
    struct proc_step *st)
{
	switch (e->effect) {
	case PEF_NONE:
		break;
	case PEF_SPAWN:
		f->killing = false;
		f->has_exitstatus = false;
		f->system_stop = false;
		f->administrative_stop = false;
		f->started = true;
		f->laststart_ms = now_ms;
		break;
	case PEF_SPAWNED:
		/* startsecs count from the fork's return, not from the
		 * request: the "spawned" line is logged then, and a slow fork
		 * must not shorten the window. */
		f->has_pid = true;
		f->laststart_ms = now_ms;
		f->delay_ms = now_ms + pol->startsecs_ms;
		break;
	case PEF_RUNNING:
		f->delay_ms = 0;
		f->backoff = 0;
		break;
	case PEF_GIVE_UP:
		f->delay_ms = 0;
		f->backoff = 0;
		f->system_stop = true;
		break;
	case PEF_STOP:
		/* stop() sets administrative_stop; kill() the rest. In
		 * STOPPING the stop signal is re-sent with killasgroup. */
		f->administrative_stop = true;
		st->as_group = f->state == PROC_STOPPING ? pol->killasgroup
		                                         : pol->stopasgroup;
		f->killing = true;
		f->delay_ms = now_ms + pol->stopwaitsecs_ms;
		break;
	case PEF_KILL:
		st->as_group = pol->killasgroup;
		f->killing = true;
		f->delay_ms = now_ms + pol->stopwaitsecs_ms;
		break;
	case PEF_STOPPED:
		f->killing = false;
		f->delay_ms = 0;
		f->has_pid = false;
		f->has_exitstatus = true;
		f->exitstatus = ex->exitstatus;
		st->info_level = proc_fsm_exit_expected(pol, ex->exitstatus);
		break;
	case PEF_TOO_QUICK:
		f->has_pid = false;
		f->has_exitstatus = false;
		break;
	case PEF_EXITED:
		f->has_pid = false;
		f->delay_ms = 0;
		f->backoff = 0;
		f->has_exitstatus = true;
		f->exitstatus = ex->exitstatus;
		st->expected = proc_fsm_exit_expected(pol, ex->exitstatus);
		st->info_level = st->expected;
		if (f->state == PROC_STARTING) {
			st->via = PROC_RUNNING;
		}
		break;
	case PEF_UNKNOWN:
		f->killing = false;
		f->delay_ms = 0;
		break;
	case PEF_ADMIN_STOP:
		f->administrative_stop = true;
		break;
	}
	/* change_state(BACKOFF): every entry grows the delay by a second. */
	if (e->to == PROC_BACKOFF) {
		f->backoff++;
		f->delay_ms = now_ms + (uint64_t)f->backoff * 1000;
	}
	if (e->msg == PMSG_SUCCESS || e->msg == PMSG_GAVE_UP ||
	    e->msg == PMSG_STOP_BACKOFF) {
		st->info_level = true;
	}
}

void
proc_fsm_init(struct proc_fsm *f)
{
	*f = (struct proc_fsm){ .state = PROC_STOPPED };
}

struct proc_step
proc_fsm_step(struct proc_fsm *f, enum proc_event ev,
    const struct proc_policy *pol, const struct proc_env *env,
    const struct proc_exit *ex, uint64_t now_ms)
{
	struct proc_step st = { .prev = f->state, .via = f->state };

	for (size_t i = 0; i < nitems(proc_edges); i++) {
		const struct proc_edge *e = &proc_edges[i];

		if ((e->from & S(f->state)) == 0 || e->ev != ev) {
			continue;
		}
		if (e->guard != NULL && !e->guard(f, pol, env, ex, now_ms)) {
			continue;
		}
		proc_fsm_apply(f, e, pol, ex, now_ms, &st);
		f->state = e->to;
		st.actions = e->actions;
		st.msg = e->msg;
		if (st.prev != f->state || st.via != st.prev) {
			st.actions |= PACT_NOTIFY;
		}
		return st;
	}
	/* 4.2.5's reap of a process it no longer tracks as running. */
	if (ev == PEV_EXITED) {
		f->has_pid = false;
	}
	if (ev != PEV_TICK) {
		st.actions = PACT_REFUSED;
	}
	return st;
}

uint64_t
proc_fsm_deadline(const struct proc_fsm *f, const struct proc_policy *pol,
    const struct proc_env *env, uint64_t now_ms)
{
	struct proc_fsm copy;

	switch (f->state) {
	case PROC_STARTING:
		if (!f->has_pid) {
			return UINT64_MAX;
		}
		return f->laststart_ms + pol->startsecs_ms + 1;
	case PROC_BACKOFF:
		if (f->backoff > pol->startretries) {
			return now_ms;
		}
		return env->may_start ? f->delay_ms + 1 : UINT64_MAX;
	case PROC_STOPPING:
		return f->has_pid ? f->delay_ms : UINT64_MAX;
	case PROC_EXITED:
	case PROC_STOPPED:
		/* Due at once when a tick would start the process. */
		copy = *f;
		if (proc_fsm_step(&copy, PEV_TICK, pol, env, NULL, now_ms)
		        .actions &
		    PACT_SPAWN) {
			return now_ms;
		}
		return UINT64_MAX;
	case PROC_RUNNING:
	case PROC_FATAL:
	case PROC_UNKNOWN:
		break;
	}
	return UINT64_MAX;
}

const char *
proc_state_name(enum proc_state s)
{
	switch (s) {
	case PROC_STOPPED:
		return "STOPPED";
	case PROC_STARTING:
		return "STARTING";
	case PROC_RUNNING:
		return "RUNNING";
	case PROC_BACKOFF:
		return "BACKOFF";
	case PROC_STOPPING:
		return "STOPPING";
	case PROC_EXITED:
		return "EXITED";
	case PROC_FATAL:
		return "FATAL";
	case PROC_UNKNOWN:
		return "UNKNOWN";
	}
	return "UNKNOWN";
}

bool
proc_state_is_stopped(enum proc_state s)
{
	return s == PROC_STOPPED || s == PROC_EXITED || s == PROC_FATAL ||
	    s == PROC_UNKNOWN;
}
