/*
 * The reaper: the agent's only caller of waitpid(). On SIGCHLD the due
 * steps' queue (proc_soon) collects every exited child, one at a time
 * with waitpid(-1, WNOHANG) so that strays (orphans adopted when the agent
 * runs as PID 1) are reaped too, as the event gate allows; each managed
 * child's status goes to its process exactly once.
 */
#include <sys/wait.h>

#include <errno.h>
#include <stdlib.h>

#include "process/supervisor.h"

/* Hands pid's status to its process, or logs a stray. */
static void
supervisor_reaped(struct supervisor *sv, pid_t pid, int status)
{
	struct proc *p = supervisor_pid_find(sv, pid);
	int es;
	char *desc;

	if (p != NULL) {
		proc_on_reaped(p, status);
		return;
	}
	desc = proc_exit_desc(status, &es);
	supervisor_log(
	    sv, MAINLOG_INFO, "reaped unknown pid %d (%s)", (int)pid, desc);
	free(desc);
}

/* proc_soon's reaper: collects one exited child, false when none is. */
bool
supervisor_reap_one(void *arg)
{
	struct supervisor *sv = arg;
	int status;
	pid_t pid;

	do {
		pid = waitpid(-1, &status, WNOHANG);
	} while (pid < 0 && errno == EINTR);
	if (pid < 0 && errno != ECHILD) {
		supervisor_log(sv, MAINLOG_CRIT,
		    "waitpid error %d; a process may not be cleaned up "
		    "properly",
		    errno);
	}
	if (pid <= 0) {
		return false;
	}
	supervisor_reaped(sv, pid, status);
	return true;
}

void
supervisor_reap(struct supervisor *sv)
{
	proc_soon_reap(&sv->soon);
}

void
supervisor_reap_proc(struct supervisor *sv, struct proc *p)
{
	int status;
	pid_t pid;

	if (p->pid <= 0) {
		return;
	}
	do {
		pid = waitpid(p->pid, &status, WNOHANG);
	} while (pid < 0 && errno == EINTR);
	if (pid == p->pid) {
		proc_on_reaped(p, status);
	}
}
