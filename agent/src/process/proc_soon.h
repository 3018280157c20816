#ifndef FV_PROCESS_PROC_SOON_H
#define FV_PROCESS_PROC_SOON_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

/*
 * Processes whose next step is due now (a spawn at startup, an
 * autorestart): they take it in the next loop iteration, after I/O has
 * been polled, as 4.2.5's transition() runs once per loop. A process timer
 * re-armed with no delay from inside libuv's timer phase would run again
 * in the same phase (libuv 1.44): a program that exits at once and
 * restarts at once would then keep the loop in that phase forever, with
 * no I/O, no reaping and no RPC.
 */

struct proc;

struct proc_soon {
	uv_check_t check; /* runs the queue, once per iteration */
	uv_idle_t idle; /* while the queue is not empty: poll does not block */
	struct proc **q;
	size_t n, cap;
	struct proc **running; /* the batch being run, or NULL */
	size_t nrunning;
	bool open;
};

void proc_soon_init(struct proc_soon *s, uv_loop_t *loop);
/* proc_soon_add queues p (once) for the next iteration. */
void proc_soon_add(struct proc_soon *s, struct proc *p);
/* proc_soon_remove takes p off the queue, if it is there. */
void proc_soon_remove(struct proc_soon *s, struct proc *p);
/* proc_soon_fini closes the handles (run the loop) and frees the queue. */
void proc_soon_fini(struct proc_soon *s);

#endif
