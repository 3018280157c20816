#ifndef FV_RPC_RPC_METHODS_H
#define FV_RPC_RPC_METHODS_H

#include "rpc/rpc.h"
#include "rpc/rpc_param.h"

/*
 * Inside the RPC layer: the row type of the method table (rpc.c) and the
 * handlers the table points at, one module per area. A handler has had
 * its param count checked against the row; it checks the types itself.
 */

typedef enum rpc_status rpc_method_fn(
    struct rpc_call *call, const struct xr_value *params);

enum {
	RPC_F_CHECKS_STATE = 1u << 0, /* SHUTDOWN_STATE fault while stopping */
	/* Ours, not 4.2.5's: callable, and described by methodHelp and
	 * methodSignature, but left out of listMethods so that what a client
	 * of 4.2.5 lists is exactly 4.2.5's. */
	RPC_F_UNLISTED = 1u << 1,
	/* Starts, stops or signals processes: the spawns and restarts that
	 * are due run first (proc_soon_flush), as 4.2.5 runs them before it
	 * reads a request; reads are answered while they are pending. */
	RPC_F_DUE_FIRST = 1u << 2,
};

struct rpc_method {
	const char *name; /* "supervisor.startProcess" */
	rpc_method_fn *fn;
	unsigned min_args, max_args;
	unsigned flags;
	/* methodSignature: return type then param types, space-separated,
	 * as 4.2.5 reads them from @return/@param ("boolean string
	 * boolean"). */
	const char *signature;
	const char *help; /* methodHelp */
};

/* rpc_methods and rpc_nmethods: the table, sorted by name (rpc.c). */
extern const struct rpc_method rpc_methods[];
extern const size_t rpc_nmethods;

/* rpc_method_find returns the row of a callable name ("namespace.method",
 * no '_' method), or NULL. */
const struct rpc_method *rpc_method_find(const char *name);

/*
 * rpc_pystr renders v as 4.2.5's '%s' would render the Python value its
 * unmarshaller makes ("5", "True", "[1, 'a']"), for fault details and
 * event text. Returns a new string (it may hold NUL); *lenp its length.
 */
char *rpc_pystr(const struct xr_value *v, size_t *lenp);

/* rpc_process.c: process control and information. */
rpc_method_fn rpc_start_process, rpc_start_process_group,
    rpc_start_all_processes, rpc_stop_process, rpc_stop_process_group,
    rpc_stop_all_processes, rpc_signal_process, rpc_signal_process_group,
    rpc_signal_all_processes, rpc_get_process_info, rpc_get_all_process_info,
    rpc_send_process_stdin;

/* rpc_log.c: the main log and the process logs. */
rpc_method_fn rpc_read_log, rpc_clear_log, rpc_read_process_stdout_log,
    rpc_read_process_stderr_log, rpc_tail_process_stdout_log,
    rpc_tail_process_stderr_log, rpc_clear_process_logs,
    rpc_clear_all_process_logs;

/* rpc_supervisor.c: the daemon itself. */
rpc_method_fn rpc_get_api_version, rpc_get_supervisor_version,
    rpc_get_identification, rpc_get_state, rpc_get_pid, rpc_reopen_logs,
    rpc_shutdown, rpc_restart, rpc_send_remote_comm_event;

/* rpc_config.c: configuration and groups. */
rpc_method_fn rpc_reload_config, rpc_add_process_group,
    rpc_remove_process_group, rpc_get_all_config_info;

/* rpc_events.c: the event-listener pools (fleetvisor.getEventPoolStats). */
rpc_method_fn rpc_get_event_pool_stats;

/* rpc_system.c: the system namespace. */
rpc_method_fn rpc_list_methods, rpc_method_help, rpc_method_signature,
    rpc_multicall;

#endif
