/*
 * The reaper: the agent's only caller of waitpid(). On SIGCHLD it collects
 * every exited child with waitpid(-1, WNOHANG), so that strays (orphans
 * adopted when the agent runs as PID 1) are reaped too, and hands each
 * managed child's status to its process exactly once.
 */
#include <sys/wait.h>

#include <errno.h>
#include <stdlib.h>

#include "process/supervisor.h"

void
supervisor_reap(struct supervisor *sv)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		struct proc *p;

		if (pid < 0 && errno == EINTR) {
			continue;
		}
		if (pid < 0) {
			if (errno != ECHILD) {
				supervisor_log(sv, MAINLOG_CRIT,
				    "waitpid error %d; a process may not be "
				    "cleaned up properly",
				    errno);
			}
			return;
		}
		if (pid == 0) {
			return;
		}
		if ((p = supervisor_pid_find(sv, pid)) == NULL) {
			int es;
			char *desc = proc_exit_desc(status, &es);

			supervisor_log(sv, MAINLOG_INFO,
			    "reaped unknown pid %d (%s)", (int)pid, desc);
			free(desc);
			continue;
		}
		proc_on_reaped(p, status);
	}
}
