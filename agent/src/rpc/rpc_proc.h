#ifndef FV_RPC_RPC_PROC_H
#define FV_RPC_RPC_PROC_H

#include <stdbool.h>
#include <stddef.h>

#include "rpc/rpc.h"

/*
 * Inside the RPC layer: walking the process table the way 4.2.5's
 * rpcinterface does and the result structs it answers with (rpc_proc.c),
 * and waiting for starts and stops to settle (rpc_wait.c). Shared by
 * rpc_process.c and rpc_log.c.
 */

struct proc;
struct proc_group;

struct rpc_proc_ref {
	struct proc_group *group; /* borrowed */
	struct proc *proc; /* borrowed */
};

/*
 * rpc_proc_list returns every process of sv in 4.2.5's _getAllProcesses
 * order: groups by (priority, name), processes by priority (stable), or
 * both by name when lexical. A new array of *np refs, to be freed.
 */
struct rpc_proc_ref *rpc_proc_list(
    const struct supervisor *sv, bool lexical, size_t *np);

/* rpc_proc_group_list is rpc_proc_list for one group (priority order). */
struct rpc_proc_ref *rpc_proc_group_list(struct proc_group *g, size_t *np);

/* rpc_proc_namespec returns 4.2.5's make_namespec: "name" when the group
 * has the process's name, else "group:name". A new string. */
char *rpc_proc_namespec(const struct proc_group *g, const struct proc *p);

/*
 * rpc_proc_result_names makes a result struct {name, group, status,
 * description}: status 80 and "OK" for code 0, else the fault code and
 * its text ("NAME: detail", or "NAME" when detail is NULL).
 * rpc_proc_result_struct takes the names from g and p.
 */
struct xr_value *rpc_proc_result_names(
    const char *name, const char *group, int code, const char *detail);
struct xr_value *rpc_proc_result_struct(const struct proc_group *g,
    const struct proc *p, int code, const char *detail);

/* --- rpc_wait.c ------------------------------------------------------- */

/*
 * A wait for starts and stops to settle, as 4.2.5's deferred onwait
 * callbacks: one item per process, settled by 4.2.5's rule on the
 * current state, answered as one value (single) or as result structs in
 * process order after those already in results.
 */
struct rpc_pwait;

/* rpc_pwait_new makes a wait for call (not yet pending). */
struct rpc_pwait *rpc_pwait_new(struct rpc_call *call, bool single);

/*
 * rpc_pwait_add adds p (of g) as a start or a stop to wait for. namespec
 * names the process in fault texts; NULL means g:p's own namespec.
 */
void rpc_pwait_add(struct rpc_pwait *w, struct proc_group *g, struct proc *p,
    bool stop, const char *namespec);

/* rpc_pwait_free abandons w before rpc_pwait_begin (its call went away):
 * nothing is answered; w is freed once its timer has closed. */
void rpc_pwait_free(struct rpc_pwait *w);

/* rpc_pwait_result appends an outcome known at once (taken). */
void rpc_pwait_result(struct rpc_pwait *w, struct xr_value *result);

/*
 * rpc_pwait_begin answers the call at once (RPC_DONE, w freed) when every
 * item is settled, else makes it pending (RPC_PENDING): the answer then
 * goes out from the loop, never from inside a state change, and the
 * call's cancel frees w.
 */
enum rpc_status rpc_pwait_begin(struct rpc_pwait *w);

#endif
