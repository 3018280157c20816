#ifndef FV_RPC_RPC_PACE_H
#define FV_RPC_RPC_PACE_H

#include <stdbool.h>
#include <stddef.h>

#include "rpc/rpc_proc.h"

/*
 * The start and stop fan-outs of startProcessGroup, startAllProcesses,
 * stopProcessGroup and stopAllProcesses (make_allfunc's first pass), and
 * startProcess and stopProcess of one process, paced
 * by the supervisor's event gate (supervisor_events_backed_up): the
 * processes are taken in order while the gate is open; when it closes,
 * the call parks and goes on in a later loop iteration, once listeners
 * have taken events. A backlog holds a call until sv->soon.hold_ns pass
 * without the listeners taking an event (proc_hold); then the rest goes
 * at once, until the gate opens or they take one again, so that
 * listeners that are stuck lose events (as in 4.2.5) rather than stall
 * the client. With the gate open the walk runs to its end inside
 * the call, as it always did.
 *
 * The answer is what the walk in one piece gives: the outcomes known at
 * once in process order, then the waits (rpc_wait.c) as they settle.
 */

struct supervisor;

/* An outcome of one process: 0 (true), a fault, or RPC_PACE_WAIT. */
#define RPC_PACE_WAIT (-1)

struct rpc_pout {
	int code;
	char *detail; /* owned */
};

/* Starts or stops p (named ns in faults), up to where it would wait. */
typedef int rpc_pace_one_fn(struct supervisor *sv, struct proc *p,
    const char *ns, bool wait, struct rpc_pout *o);

/* One kind of fan-out: a start or a stop. */
struct rpc_pace_ops {
	bool stop;
	bool (*admits)(const struct proc *p); /* make_allfunc's predicate */
	rpc_pace_one_fn *one;
};

/*
 * rpc_pace_all_take runs ops over refs (n of them, taken) in order, those
 * ops->admits, for call, waiting for each (wait) as 4.2.5 does. RPC_DONE
 * with the result array, or RPC_PENDING: parked, or waiting. A parked
 * call that is cancelled drops what is left. Processes not reached yet
 * whose group is removed meanwhile are stopped, so a stop passes them
 * by and a start answers BAD_NAME, as 4.2.5's startProcess does for a
 * name that is gone; once a shutdown or a restart has begun, those
 * reached answer SHUTDOWN_STATE, as its _update does.
 */
enum rpc_status rpc_pace_all_take(struct rpc_call *call,
    const struct rpc_pace_ops *ops, struct rpc_proc_ref *refs, size_t n,
    bool wait);

/*
 * rpc_pace_one is startProcess or stopProcess of p (of g), named name in
 * faults, through the same gate: answered with true or a fault, as
 * 4.2.5's, once the gate lets it act (at once while it is open). A
 * process that would not be started or stopped (ALREADY_STARTED,
 * NOT_RUNNING) is answered at once: it makes no event. Once parked, a
 * group removed answers BAD_NAME, and a shutdown SHUTDOWN_STATE.
 */
enum rpc_status rpc_pace_one(struct rpc_call *call,
    const struct rpc_pace_ops *ops, struct proc_group *g, struct proc *p,
    const char *name, bool wait);

#endif
