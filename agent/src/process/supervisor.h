#ifndef FV_PROCESS_SUPERVISOR_H
#define FV_PROCESS_SUPERVISOR_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "config/cfg.h"
#include "event/evbus.h"
#include "event/event.h"
#include "log/mainlog.h"
#include "process/proc.h"
#include "process/proc_soon.h"

/*
 * The process table of the agent: groups of processes built from a
 * configuration, the pid map the reaper uses, the supervisor's mood and
 * the ordered stop of 4.2.5's shutdown and restart. It lives on the loop
 * thread; everything else (signals, sockets, the daemon) is agent.c's.
 */

struct mainlog;
struct event_pool;

/* 4.2.5's SupervisorStates: the wire values of getState(). */
enum sv_mood {
	SV_FATAL = 2,
	SV_RUNNING = 1,
	SV_RESTARTING = 0,
	SV_SHUTDOWN = -1,
};

struct proc_group {
	struct supervisor *sv; /* borrowed */
	const struct cfg_group *cfg; /* borrowed */
	struct proc **procs; /* owned, in config order */
	size_t nprocs;
	int fcgi_fd; /* the shared FastCGI socket, or -1 */
	struct event_pool *pool; /* owned: eventlistener groups, else NULL */
	/* The model cfg points into when it is not sv->cfg (a group added
	 * by addProcessGroup): an owned reference, or NULL. */
	struct cfg *owner;
	/* When the group was added, counting from 0: 4.2.5 keeps its groups
	 * in a dict, and some answers follow its insertion order. */
	uint64_t seq;
};

struct sv_pid {
	pid_t pid;
	struct proc *proc; /* borrowed */
};

typedef void supervisor_stopped_fn(void *arg);

struct supervisor {
	uv_loop_t *loop; /* borrowed */
	struct mainlog *log; /* borrowed */
	const struct cfg *cfg; /* borrowed */
	char *const *environ; /* borrowed: supervisord's own environment */
	struct evbus bus;
	struct proc_soon soon; /* processes whose step is due now */
	/* Supervisor events, made from what bus reports. */
	struct event_hub events;
	struct proc_group **groups; /* owned, sorted by (priority, name) */
	size_t ngroups;
	enum sv_mood mood;
	bool stopping;
	struct proc_group **stop_groups; /* a stack: the top stops first */
	size_t nstop_groups;
	uint64_t last_shutdown_report_ms;
	bool reported_once;
	uv_timer_t report_timer;
	bool report_timer_open;
	struct sv_pid *pids;
	size_t npids, pidcap;
	supervisor_stopped_fn *on_stopped;
	void *on_stopped_arg;
	bool stopped_notified;
	unsigned stop_depth; /* re-entry guard of the stop logic */
	uint64_t next_group_seq;
};

/* supervisor_init prepares an empty table (mood RUNNING, no groups). */
void supervisor_init(struct supervisor *sv, uv_loop_t *loop,
    struct mainlog *log, const struct cfg *cfg, char *const *envp);

/*
 * supervisor_add_groups builds every group of sv->cfg: AUTO log names,
 * FastCGI sockets. On error nothing is left half-built and d says what.
 */
int supervisor_add_groups(struct supervisor *sv, struct fv_diag *d);

/*
 * supervisor_add_group builds one group from gc, which lives in owner (a
 * reference is taken; NULL when gc is sv->cfg's), keeps the groups sorted
 * by (priority, name), publishes EVBUS_GROUP_ADDED and lets its autostart
 * processes start, as 4.2.5's add_process_group. FV_ESTATE when a group of
 * that name exists; other errors (AUTO logs, FastCGI socket) in d.
 */
int supervisor_add_group(struct supervisor *sv, const struct cfg_group *gc,
    struct cfg *owner, struct fv_diag *d);

/*
 * supervisor_remove_group drops g, whose processes must all be stopped
 * (FV_ESTATE otherwise, nothing done), publishing EVBUS_GROUP_REMOVED
 * before g is freed: 4.2.5's remove_process_group.
 */
int supervisor_remove_group(struct supervisor *sv, struct proc_group *g);

/*
 * supervisor_events_backed_up is the gate of sv's due steps (sv->soon):
 * true while an event-listener pool that takes PROCESS_STATE events is
 * backed up (event_pool_backed_up); *progress counts the events its
 * listeners have taken. Whatever makes state changes in bulk holds them
 * while it is true, until sv->soon.hold_ns pass without progress, as the
 * due steps do (proc_hold). Tests may replace the gate
 * (proc_soon_set_gate).
 */
bool supervisor_events_backed_up(struct supervisor *sv, uint64_t *progress);

/* supervisor_start lets processes start (autostart) from now on. */
void supervisor_start(struct supervisor *sv);

/*
 * supervisor_stop_all begins 4.2.5's ordered stop (groups in reverse
 * priority, one group at a time) with mood SHUTDOWN or RESTARTING and
 * calls done(arg) once every process is stopped. A second call only
 * changes nothing but a RESTARTING to SHUTDOWN mood.
 */
void supervisor_stop_all(struct supervisor *sv, enum sv_mood mood,
    supervisor_stopped_fn *done, void *arg);

/* supervisor_reap collects every exited child (SIGCHLD), as the event
 * gate allows (proc_soon_reap). */
void supervisor_reap(struct supervisor *sv);
/* supervisor_reap_one collects one exited child, if there is one. */
bool supervisor_reap_one(void *sv);
/* supervisor_reap_proc collects p's child if it has exited, at once: a
 * client's start or stop learns of a child that died straight away, as
 * 4.2.5's reap() after it, without reaping the others in a burst. */
void supervisor_reap_proc(struct supervisor *sv, struct proc *p);

/* supervisor_reopen_logs reopens every child log (SIGUSR2). */
void supervisor_reopen_logs(struct supervisor *sv);

/* supervisor_flush_logs writes every pending child log byte now. */
void supervisor_flush_logs(struct supervisor *sv);

/* supervisor_find_group returns the running group named name, or NULL. */
struct proc_group *supervisor_find_group(
    const struct supervisor *sv, const char *name);

/*
 * supervisor_find resolves a namespec as 4.2.5's split_namespec and
 * _getGroupAndProcess: "name" (group and process of that name),
 * "group:name", or "group:*" / "group:" (the whole group: *pp = NULL).
 * Returns false when the group or the process does not exist.
 */
bool supervisor_find(const struct supervisor *sv, const char *namespec,
    struct proc_group **gp, struct proc **pp);

/* supervisor_fini frees the groups; every process must be stopped. */
void supervisor_fini(struct supervisor *sv);

/* supervisor_log writes a line to the main log. */
void supervisor_log(struct supervisor *sv, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* supervisor_log_enabled tells whether level would be written. */
bool supervisor_log_enabled(const struct supervisor *sv, int level);

/* supervisor_now_ms is the monotonic clock of every timer decision. */
uint64_t supervisor_now_ms(struct supervisor *sv);

/* For proc.c: the pid map and the state-change hook. */
void supervisor_pid_add(struct supervisor *sv, pid_t pid, struct proc *p);
void supervisor_pid_remove(struct supervisor *sv, pid_t pid);
void supervisor_on_state(struct supervisor *sv, struct proc *p);
bool supervisor_may_start(const struct supervisor *sv);
struct proc *supervisor_pid_find(struct supervisor *sv, pid_t pid);

#endif
