#ifndef FV_PROCESS_PROC_SPAWN_H
#define FV_PROCESS_PROC_SPAWN_H

#include <sys/types.h>

#include <stdbool.h>

#include "config/cfg.h"
#include "ident.h"

/*
 * Starting a child the way supervisord 4.2.5 does (process.py spawn and
 * _spawn_as_child): everything that can allocate, look up a name or fail
 * politely is done in the parent by proc_spawn_prepare(); the forked child
 * only makes system calls, so forking from a process that also runs libuv's
 * thread pool is safe.
 */

struct proc_spawn_req {
	char *filename; /* resolved with supervisord's PATH */
	char **argv; /* NULL-terminated, owned */
	char **envp; /* NULL-terminated, owned */
	char *directory; /* NULL: stay */
	int umask; /* -1: inherit */
	/* The identity to take (IDENT_FAIL: report fail_msg on fd 2 and
	 * exit 127, as 4.2.5's child does). */
	struct ident ident;
	long cfg_uid; /* as 4.2.5 prints it in "couldn't setuid to" */
	/* The child's stdio: fd_in is the read end of the stdin pipe or the
	 * fcgi socket; fd_err -1 means stderr goes to fd_out. */
	int fd_in, fd_out, fd_err;
	pid_t parent; /* the agent: the child dies with it */
};

/* The supervisor-wide inputs of a spawn. */
struct proc_spawn_ctx {
	const char *group_name;
	const char *serverurl; /* [supervisord]'s, or NULL */
	char *const *environ; /* supervisord's own environment */
	const char *mark; /* the FLEETVISORD_PIDFILE value, or NULL */
};

/*
 * proc_spawn_prepare resolves the command (shlex split, PATH search, the
 * same checks as 4.2.5's check_execv_args) and builds argv, the
 * environment and the identity switch. On failure returns -1 with *errmsg
 * set to 4.2.5's spawnerr text ("can't find command 'x'"), to be freed.
 */
int proc_spawn_prepare(const struct cfg_process *pc,
    const struct proc_spawn_ctx *ctx, struct proc_spawn_req *req,
    char **errmsg);

/* proc_spawn_req_fini frees what prepare built (not the stdio fds). */
void proc_spawn_req_fini(struct proc_spawn_req *req);

/*
 * proc_spawn_fork forks and execs req without waiting for the exec.
 * Returns the child's pid, or a negated errno when fork failed. When the
 * child could not exec, it writes 4.2.5's "supervisor: couldn't ..." lines
 * on its stderr and exits 127; the reason also goes down a close-on-exec
 * pipe whose non-blocking read end is *status_fd (the caller's; EOF
 * without bytes once execve succeeded; see proc_execwatch.h).
 */
pid_t proc_spawn_fork(const struct proc_spawn_req *req, int *status_fd);

/* proc_errno_name returns "ENOENT" for ENOENT (4.2.5 errno.errorcode). */
const char *proc_errno_name(int err);

#endif
