#ifndef FV_PROCESS_PROC_SOON_H
#define FV_PROCESS_PROC_SOON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

/*
 * Processes whose next step is due (a spawn at startup, an autorestart,
 * the end of startsecs, a backoff or stopwaitsecs timer): they take it in
 * a later loop iteration, after I/O has been polled, as 4.2.5's
 * transition() runs once per loop. A process timer re-armed with no delay
 * from inside libuv's timer phase would run again in the same phase
 * (libuv 1.44): a program that exits at once and restarts at once would
 * then keep the loop in that phase forever, with no I/O, no reaping and
 * no RPC. A process timer that fires only queues its process here.
 *
 * One iteration runs steps, oldest first, only until a time budget is
 * spent (at least one step), so that a thousand spawns at startup or a
 * storm of restarts cannot keep the socket, the listeners' pipes and the
 * reaper waiting: the rest stays queued, in order, ahead of anything
 * queued later, and poll does not block while any is left.
 *
 * A gate may hold the queue: while it says so, no step runs and poll
 * blocks, as long as what it waits for makes progress: a hold runs out
 * after PROC_SOON_HOLD_NS without progress, and then the steps run
 * whatever the gate says, until it opens or progress is made again. The
 * supervisor holds steps while an event-listener pool is backed up, with
 * the events its listeners take as the progress, so that listeners that
 * keep up get every state change instead of the oldest being dropped;
 * listeners that take nothing delay steps once, by that bound, and then
 * lose events as in 4.2.5. Progress, not only the gate opening, ends a
 * spent hold: otherwise one hiccup of the listeners lets restarts run
 * free for good, making events faster than the listeners (slowed by the
 * loop's spawning) take them, and the gate never opens. Whatever the
 * progress, nothing waits longer than PROC_SOON_WAIT_MAX_NS of a gate
 * closed all along: events that come from elsewhere faster than the
 * listeners take them keep a pool backed up for good, and a stop's
 * SIGKILL or a zombie (RELIABILITY G2) must not wait for ever on that.
 */

struct proc;

/* Budget of one iteration: a few forks of a large agent. */
#define PROC_SOON_BUDGET_NS (3 * 1000 * 1000)

/* How long a gate holds the queue without progress (see above). */
#define PROC_SOON_HOLD_NS (20 * 1000 * 1000)

/*
 * The hold of one backlog, shared with whatever else waits on the same
 * gate (rpc/rpc_pace.c): a closed gate is obeyed until hold_ns pass with
 * no progress, then ignored until it opens or progress is made.
 */
struct proc_hold {
	uint64_t since; /* when the hold began or last saw progress */
	uint64_t progress; /* the gate's progress count then */
	bool holding;
	bool spent; /* ran out; no new hold until the gate opens or moves */
};

/* proc_hold_left tells how long h still holds, in ns (0: go on), given
 * whether the gate is closed now and its progress count (any change is
 * progress); now() is called only when it is closed. */
uint64_t proc_hold_left(struct proc_hold *h, bool closed, uint64_t progress,
    uint64_t (*now)(void), uint64_t hold_ns);

/* A gate: true to hold, with *progress a count that changes whenever
 * what the hold waits for moves on. */
typedef bool proc_gate_fn(void *arg, uint64_t *progress);

/*
 * Exits are state changes too, and they come in bursts: after any stall
 * of the loop, every program that exited meanwhile would be reaped at
 * once, and listeners that keep up would lose the oldest of that burst.
 * So the queue also reaps, one child at a time, as the gate allows:
 * reap(arg) collects one exited child and says whether there was one.
 */
typedef bool proc_reap_fn(void *arg);

/* The longest a closed gate holds anything (see above). */
#define PROC_SOON_WAIT_MAX_NS (250 * 1000 * 1000)

/* The seams of the queue (tests give their own). */
struct proc_soon_ops {
	void (*step)(struct proc *p); /* runs p's due step */
	uint64_t (*now_ns)(void); /* a monotonic clock */
};

struct proc_soon {
	uv_check_t check; /* runs due steps, once per iteration */
	uv_idle_t idle; /* while steps are queued: poll does not block */
	uv_timer_t hold_timer; /* wakes poll when a hold runs out */
	struct proc_soon_ops ops;
	uint64_t budget_ns;
	proc_gate_fn *gate; /* NULL: never holds */
	void *gate_arg;
	uint64_t hold_ns;
	struct proc_hold hold;
	unsigned yielding; /* paced calls waiting on the gate: they go first */
	proc_reap_fn *reap; /* NULL: nothing to reap */
	void *reap_arg;
	uint64_t closed_since; /* the gate closed on the work then */
	bool closed_on_work; /* ... and has not been seen open since */
	bool reap_due; /* SIGCHLD came; children may be left to reap */
	bool reaping; /* in proc_soon_reap_run */
	/* q[head..n) in order; a NULL slot was removed and is dropped by
	 * the next check. */
	struct proc **q;
	size_t head, n, cap;
	size_t live; /* non-NULL slots */
	bool in_check;
	bool open;
};

/* proc_soon_init readies s to run proc_tick within PROC_SOON_BUDGET_NS. */
void proc_soon_init(struct proc_soon *s, uv_loop_t *loop);
/* proc_soon_init_ops is proc_soon_init with other seams and budget. */
void proc_soon_init_ops(struct proc_soon *s, uv_loop_t *loop,
    const struct proc_soon_ops *ops, uint64_t budget_ns);
/* proc_soon_set_gate makes gate(arg) hold the queue, until hold_ns pass
 * without progress (PROC_SOON_HOLD_NS in the agent); NULL removes it. */
void proc_soon_set_gate(
    struct proc_soon *s, proc_gate_fn *gate, void *arg, uint64_t hold_ns);
/* proc_soon_gate asks s's gate (false, progress 0, when there is none). */
bool proc_soon_gate(const struct proc_soon *s, uint64_t *progress);
/*
 * proc_soon_yield(s, true) makes s hold its steps, whatever the gate
 * says, until a matching proc_soon_yield(s, false): a client's paced
 * fan-out (rpc/rpc_pace.c) waiting on the same gate goes first. Without
 * it, restarts of the programs that call had already started took every
 * opening of the gate, and the call never ended.
 */
void proc_soon_yield(struct proc_soon *s, bool yield);
/* proc_soon_set_reaper makes reap(arg) collect s's exited children. */
void proc_soon_set_reaper(struct proc_soon *s, proc_reap_fn *reap, void *arg);
/*
 * proc_soon_reap has s collect every child that has exited (SIGCHLD):
 * at once as far as the gate lets it, the rest one by one in later
 * iterations, ahead of the due steps, as the gate opens or its hold runs
 * out. A paced call does not hold them (proc_soon_yield): exits end
 * programs, they start none.
 */
void proc_soon_reap(struct proc_soon *s);
/* proc_soon_add queues p (once, borrowed) behind every step already
 * queued; it runs in a later iteration, never in the current check. */
void proc_soon_add(struct proc_soon *s, struct proc *p);
/* proc_soon_remove takes p off the queue, if it is there. */
void proc_soon_remove(struct proc_soon *s, struct proc *p);
/* proc_soon_flush runs, in order and at once, the steps queued before
 * the call (not those they queue) as far as the gate lets it: a command
 * from a client then finds each process as 4.2.5 would, which runs every
 * due step of a loop pass before it reads a request. A gate that is
 * closed, or closes during the flush, leaves the rest to later checks,
 * so that a client's commands cannot release a backlog the listeners
 * have not taken (each restart makes events). No-op inside a step. */
void proc_soon_flush(struct proc_soon *s);
/* proc_soon_fini closes the handles (run the loop) and frees the queue. */
void proc_soon_fini(struct proc_soon *s);

#endif
