#ifndef FV_RPC_RPC_PARAM_H
#define FV_RPC_RPC_PARAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpc/rpc.h"

/*
 * Inside the RPC layer: reading params as 4.2.5's Python code sees the
 * values its unmarshaller makes (strings, truth values, int(), signal
 * names), and the lookups of a named process or group that fault the
 * call the way 4.2.5 does.
 */

struct proc;
struct proc_group;

/*
 * rpc_param_string returns the bytes of a string param and their count in
 * *lenp (when not NULL), or NULL for any other type. 4.2.5's unmarshaller
 * turns <base64> into a string, so a base64 value counts as one.
 */
const char *rpc_param_string(const struct xr_value *v, size_t *lenp);

/* rpc_param_wait is the wait flag at params[i] as `if wait` reads it:
 * true when absent. */
bool rpc_param_wait(const struct xr_value *params, size_t i);

/*
 * rpc_param_pyint converts a param as Python's int() would: ints, bools,
 * finite doubles (truncated; saturated past the range of long long) and
 * decimal strings (blanks, sign, '_' between digits). false for what
 * int() refuses.
 */
bool rpc_param_pyint(const struct xr_value *v, long long *out);

/* rpc_param_signal reads a signal as 4.2.5's signal_number(): a number
 * (int or string) or a name with or without "SIG", any case. Returns the
 * signal, or -1 for one 4.2.5 does not know. */
int rpc_param_signal(const struct xr_value *v);

/* rpc_capped_int is 4.2.5's capped_int(): XML-RPC ints are 32 bits. */
int32_t rpc_capped_int(long long v);

/*
 * rpc_param_proc resolves the name at params[0] to a process, or to a
 * whole group for "group:*" (*pp is then NULL). Returns the name, or NULL
 * with the call faulted: INCORRECT_PARAMETERS for a name that is not a
 * string, BAD_NAME for one nobody has (and for a group when want_proc).
 */
const char *rpc_param_proc(struct rpc_call *call, const struct xr_value *params,
    bool want_proc, struct proc_group **gp, struct proc **pp);

/* rpc_param_group resolves the group name at params[0], or returns NULL
 * with the call faulted as rpc_param_proc does. */
struct proc_group *rpc_param_group(
    struct rpc_call *call, const struct xr_value *params);

#endif
