#ifndef FV_PROCESS_PROC_EXECWATCH_H
#define FV_PROCESS_PROC_EXECWATCH_H

struct proc;

/*
 * proc_execwatch_start watches the read end of a child's close-on-exec
 * status pipe (proc_spawn_fork) on the loop, so that spawning does not
 * wait for the child's execve: EOF means it exec'd, bytes are the reason
 * it did not ("couldn't exec ...: ENOENT"), logged at debug level as soon
 * as the pipe ends. Takes fd (non-blocking); counts as one of p's open
 * handles until the pipe has ended, which it does at the child's exec or
 * exit at the latest.
 */
void proc_execwatch_start(struct proc *p, int fd);

#endif
