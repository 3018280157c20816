#ifndef FV_PROCESS_PROC_H
#define FV_PROCESS_PROC_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "config/cfg.h"
#include "event/evbus.h"
#include "process/proc_fsm.h"
#include "process/proc_tree.h"

/*
 * One supervised process: its state machine, its child, the pipes of its
 * stdout and stderr and where they go. A proc belongs to a proc_group,
 * which belongs to the supervisor.
 */

struct supervisor;
struct proc_group;
struct proc;
struct logfile;
struct proc_pipe;
struct proc_chan_state; /* ANSI stripping and capture, per channel */
struct proc_stdin;
struct event_listener;

/*
 * One output channel of a process; lives as long as the proc. Fields of
 * proc_chan and proc are ordered by alignment, so that none is padded:
 * there is one proc per program, a thousand of them is common.
 */
struct proc_chan {
	struct proc *proc; /* borrowed: the owner */
	const struct cfg_logcfg *cfg; /* borrowed */
	struct proc_pipe *pipe; /* the current child's, or NULL */
	struct logfile *log; /* NULL: not open, or NONE */
	char *logpath; /* AUTO made concrete; NULL: none */
	/* NULL while neither capture mode nor strip_ansi is on. */
	struct proc_chan_state *state;
	char *rbuf; /* read buffer, PROC_READ_CHUNK bytes */
	enum evbus_channel channel;
	bool paused; /* the log asked us to stop reading */
};

struct proc {
	struct supervisor *sv; /* borrowed */
	struct proc_group *group; /* borrowed: the owner */
	const struct cfg_process *cfg; /* borrowed from the group's config */
	struct proc_policy pol;
	struct proc_fsm fsm;
	uv_timer_t timer;
	struct proc_chan out, err;
	struct proc_stdin *in; /* its writer once used, or NULL */
	char *spawnerr; /* the last spawn error, or NULL */
	struct proc_tree tree; /* descendants seen while stopping */
	int64_t laststart_wall; /* seconds since the epoch, 0: never */
	int64_t laststop_wall;
	/* Its protocol state in its pool (eventlistener groups): borrowed
	 * from the pool, or NULL. */
	struct event_listener *listener;
	pid_t pid; /* 0: no child */
	int stdin_fd; /* our end of the child's stdin, or -1 */
	unsigned open_handles; /* the timer and live pipes */
	bool closing; /* proc_close() was called */
	bool soon_queued; /* waits in the supervisor's proc_soon queue */
};

/* proc_new makes a STOPPED process for pc (borrowed; must outlive it). */
struct proc *proc_new(struct supervisor *sv, struct proc_group *group,
    const struct cfg_process *pc);

/* proc_close stops the timer and pipes and frees p once they are closed.
 * The child, if any, must already be gone. */
void proc_close(struct proc *p);

/* proc_start requests a start (STOPPED/EXITED/FATAL/BACKOFF -> STARTING).
 * Returns FV_ESTATE when the state does not allow it. */
int proc_start(struct proc *p);

/* proc_stop requests an administrative stop. FV_ESTATE when not running. */
int proc_stop(struct proc *p);

/* proc_give_up moves a BACKOFF process to FATAL (stop-all). */
void proc_give_up(struct proc *p);

/* proc_on_reaped hands p its child's wait status: drains the pipes first,
 * so no byte the child wrote is lost, then runs the state machine. */
void proc_on_reaped(struct proc *p, int wstatus);

/* proc_tick runs the step that is due now (proc_soon calls it). */
void proc_tick(struct proc *p);

/* proc_reevaluate re-arms the timer after the supervisor's mood changed. */
void proc_reevaluate(struct proc *p);

/* proc_reopen_logs reopens both channels' log files (SIGUSR2). */
void proc_reopen_logs(struct proc *p);

/* proc_flush_logs writes pending log bytes now (at exit). */
void proc_flush_logs(struct proc *p);

/* proc_state returns the current state. */
enum proc_state proc_state(const struct proc *p);

/* proc_name returns the process name (borrowed). */
const char *proc_name(const struct proc *p);

/* proc_exit_desc describes a wait status as 4.2.5's decode_wait_status:
 * "exit status 1", "terminated by SIGTERM (core dumped)". *es gets the
 * exit status or -1. Returns a new string. */
char *proc_exit_desc(int wstatus, int *es);

/*
 * proc_signal sends sig to the child without meaning to stop it (4.2.5
 * signal()). A child that just exited on its own counts as signalled.
 * Returns 0, FV_ESTATE when there is no child, or a negative errno when
 * kill(2) failed otherwise (the process is then UNKNOWN); *msg gets
 * 4.2.5's text for the failures (to be freed).
 */
int proc_signal(struct proc *p, int sig, char **msg);

/*
 * proc_check_exec resolves the command as a spawn would (4.2.5
 * get_execv_args), without spawning. Returns 0, -ENOENT (not found) or
 * -EACCES (unparsable, a directory, not executable, no permission) with
 * 4.2.5's message in *msg (to be freed).
 */
int proc_check_exec(const struct proc *p, char **msg);

/* How many bytes the child's stdin may hold queued in the agent. */
#define PROC_STDIN_BACKLOG_MAX (1024 * 1024)

/*
 * proc_stdin_write queues n bytes for the child's stdin without blocking.
 * Returns 0; FV_ESTATE when there is no child or it is being stopped;
 * -EPIPE when the child has no stdin or closed it; FV_ETOOBIG when the
 * bytes would take the backlog past PROC_STDIN_BACKLOG_MAX (nothing is
 * written then).
 */
int proc_stdin_write(struct proc *p, const void *buf, size_t n);

/* proc_stdin_backlog is the count of bytes queued for the child's stdin. */
size_t proc_stdin_backlog(const struct proc *p);

/* proc_stdin_close closes our end of the child's stdin (proc.c). */
void proc_stdin_close(struct proc *p);

/* proc_log_path is the channel's log file (AUTO made concrete), or NULL
 * when it has none (NONE, syslog only, stderr redirected). */
const char *proc_log_path(const struct proc *p, enum evbus_channel ch);

/*
 * proc_log_settle writes the bytes the channel's log writer holds now, so
 * that a read of the file sees everything the child wrote so far, as with
 * 4.2.5's synchronous logging. Special targets (pipes, devices) are left
 * alone: they are not read back and could block.
 */
void proc_log_settle(struct proc *p, enum evbus_channel ch);

/*
 * proc_log_writer is the channel's log writer (borrowed; it lives while
 * the channel's log is open), or NULL when the channel has none. For a
 * reader that waits with logfile_when_written instead of settling.
 */
struct logfile *proc_log_writer(struct proc *p, enum evbus_channel ch);

/*
 * proc_clear_logs empties the process's logs as 4.2.5 removelogs(): each
 * log file is removed (its backups are kept) and reopened. Returns 0 or
 * the first negative errno.
 */
int proc_clear_logs(struct proc *p);

/* proc_signame returns "SIGTERM" or "signal 77" (4.2.5 signame) in buf. */
const char *proc_signame(int sig, char *buf, size_t bufsz);

#endif
