#ifndef FV_RPC_RPC_PROC_H
#define FV_RPC_RPC_PROC_H

#include <stdbool.h>
#include <stddef.h>

#include "rpc/rpc.h"

/*
 * Inside the RPC layer: what rpc_process.c and rpc_log.c share about
 * walking the process table the way 4.2.5's rpcinterface does.
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
 * rpc_proc_result_struct makes a result struct {name, group, status,
 * description}: status 80 and "OK" for code 0, else the fault code and
 * its text ("NAME: detail", or "NAME" when detail is NULL).
 */
struct xr_value *rpc_proc_result_struct(const struct proc_group *g,
    const struct proc *p, int code, const char *detail);

/*
 * rpc_proc_pyint converts a param as Python's int() would: ints, bools,
 * finite doubles (truncated; saturated past the range of long long) and
 * decimal strings (blanks, sign, '_' between digits). false for what
 * int() refuses.
 */
bool rpc_proc_pyint(const struct xr_value *v, long long *out);

#endif
