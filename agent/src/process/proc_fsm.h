#ifndef FV_PROCESS_PROC_FSM_H
#define FV_PROCESS_PROC_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The process state machine of supervisord 4.2.5 (process.py), as data and
 * a pure step function: no I/O, no clock, no allocation. The caller feeds
 * events with the current monotonic time and carries out the actions the
 * step returns (spawn, signal, log a message, re-arm the timer).
 */

/* The wire values of 4.2.5's ProcessStates: clients depend on them. */
enum proc_state {
	PROC_STOPPED = 0,
	PROC_STARTING = 10,
	PROC_RUNNING = 20,
	PROC_BACKOFF = 30,
	PROC_STOPPING = 40,
	PROC_EXITED = 100,
	PROC_FATAL = 200,
	PROC_UNKNOWN = 1000,
};

enum proc_restart {
	PROC_RESTART_NEVER,
	PROC_RESTART_UNEXPECTED,
	PROC_RESTART_ALWAYS,
};

/* What the configuration says; borrowed by the machine, never changed. */
/* Both structs are in every struct proc: fields in order of alignment,
 * so that none is padded. */
struct proc_policy {
	uint64_t startsecs_ms;
	long long startretries;
	const int *exitcodes; /* borrowed */
	size_t nexitcodes;
	uint64_t stopwaitsecs_ms;
	enum proc_restart autorestart;
	bool autostart;
	bool stopasgroup;
	bool killasgroup;
};

struct proc_fsm {
	long long backoff; /* failed starts since the last RUNNING */
	uint64_t laststart_ms; /* when the last spawn was attempted */
	uint64_t delay_ms; /* deadline: retry (BACKOFF) or SIGKILL */
	enum proc_state state;
	int exitstatus; /* -1: terminated by a signal */
	bool started; /* laststart is set: spawned at least once */
	bool killing; /* a stop signal was sent */
	bool has_pid; /* a child is alive and not yet reaped */
	bool administrative_stop;
	bool system_stop;
	bool has_exitstatus;
};

enum proc_event {
	PEV_START, /* spawn requested (admin start or autostart) */
	PEV_SPAWNED, /* fork succeeded; the child is alive */
	PEV_SPAWN_FAILED, /* no child: bad command, no fds, fork failed */
	PEV_EXITED, /* the child was reaped; see proc_exit */
	PEV_STOP, /* administrative stop */
	PEV_GIVE_UP, /* stop-all while in BACKOFF */
	PEV_TICK, /* a deadline passed: evaluate timed transitions */
	PEV_KILL_FAILED, /* kill(2) failed with something else than ESRCH */
};

/* Actions for the caller, a bit set. */
enum proc_action {
	PACT_SPAWN = 1u << 0, /* fork and exec now, then PEV_SPAWNED */
	PACT_SIGNAL_STOP = 1u << 1, /* send the stop signal (see as_group) */
	PACT_SIGKILL = 1u << 2, /* send SIGKILL (see as_group) */
	PACT_NOTIFY = 1u << 3, /* the state changed (see via/prev) */
	PACT_REFUSED = 1u << 4, /* the event is not allowed now */
	PACT_LOG = 1u << 5, /* log the message in msg */
};

/* The lifecycle lines of 4.2.5's main log, worded by the caller. */
enum proc_msg {
	PMSG_NONE,
	PMSG_SUCCESS, /* success: NAME entered RUNNING state, ... */
	PMSG_GAVE_UP, /* gave up: NAME entered FATAL state, ... */
	PMSG_STOPPED, /* stopped: NAME (DESC) */
	PMSG_EXITED_EXPECTED, /* exited: NAME (DESC; expected) */
	PMSG_EXITED_UNEXPECTED, /* exited: NAME (DESC; not expected) */
	PMSG_KILLING, /* killing 'NAME' (PID) with SIGKILL */
	PMSG_STOP_BACKOFF, /* Attempted to kill NAME, which is in BACKOFF */
};

/* How a child ended, as waitpid(2) said. */
struct proc_exit {
	int exitstatus; /* WEXITSTATUS, or -1 when killed by a signal */
};

/* The result of one step. */
struct proc_step {
	unsigned actions;
	enum proc_state prev; /* the state before the step */
	enum proc_state via; /* an intermediate state that was entered, or
	                      * prev when none (4.2.5's STARTING -> RUNNING
	                      * -> EXITED when startsecs had not passed) */
	bool expected; /* for the EXITED notification */
	bool as_group; /* signal the process group */
	bool info_level; /* the message is INFO (else WARN) */
	enum proc_msg msg;
};

/* Whether the supervisor may start processes (4.2.5: mood RUNNING). */
struct proc_env {
	bool may_start;
};

/* proc_fsm_init puts f in STOPPED, never started. */
void proc_fsm_init(struct proc_fsm *f);

/*
 * proc_fsm_step applies ev at monotonic time now_ms and is the only writer
 * of f. For PEV_EXITED, ex must be given. Returns what to do.
 */
struct proc_step proc_fsm_step(struct proc_fsm *f, enum proc_event ev,
    const struct proc_policy *pol, const struct proc_env *env,
    const struct proc_exit *ex, uint64_t now_ms);

/*
 * proc_fsm_deadline says when PEV_TICK should next be fed: a monotonic time
 * (now_ms or earlier: at once), or UINT64_MAX for never.
 */
uint64_t proc_fsm_deadline(const struct proc_fsm *f,
    const struct proc_policy *pol, const struct proc_env *env, uint64_t now_ms);

/* proc_fsm_exit_expected tells whether status is one of the exitcodes. */
bool proc_fsm_exit_expected(const struct proc_policy *pol, int status);

/* proc_state_name returns 4.2.5's name of s ("RUNNING"), never NULL. */
const char *proc_state_name(enum proc_state s);

/* proc_state_is_stopped: STOPPED, EXITED, FATAL, UNKNOWN (STOPPED_STATES). */
bool proc_state_is_stopped(enum proc_state s);

#endif
