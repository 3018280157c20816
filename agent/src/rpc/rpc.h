#ifndef FV_RPC_RPC_H
#define FV_RPC_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/cfg.h"
#include "proto/xmlrpc/xr_value.h"

struct xr_parser;

/*
 * The XML-RPC methods of Supervisor 4.2.5's "supervisor" and "system"
 * namespaces, transport-free: a method gets its params as an xr_value
 * array and answers with a value or a fault, at once or later (a start
 * with wait=true, a group stop, a multicall of those). The HTTP glue
 * (rpc_http.c) and the web page both call rpc_dispatch.
 */

struct supervisor;
struct rpc_call;

/* 4.2.5's xmlrpc.Faults. */
enum rpc_fault {
	RPC_FAULT_UNKNOWN_METHOD = 1,
	RPC_FAULT_INCORRECT_PARAMETERS = 2,
	RPC_FAULT_BAD_ARGUMENTS = 3,
	RPC_FAULT_SIGNATURE_UNSUPPORTED = 4,
	RPC_FAULT_SHUTDOWN_STATE = 6,
	RPC_FAULT_BAD_NAME = 10,
	RPC_FAULT_BAD_SIGNAL = 11,
	RPC_FAULT_NO_FILE = 20,
	RPC_FAULT_NOT_EXECUTABLE = 21,
	RPC_FAULT_FAILED = 30,
	RPC_FAULT_ABNORMAL_TERMINATION = 40,
	RPC_FAULT_SPAWN_ERROR = 50,
	RPC_FAULT_ALREADY_STARTED = 60,
	RPC_FAULT_NOT_RUNNING = 70,
	RPC_FAULT_SUCCESS = 80,
	RPC_FAULT_ALREADY_ADDED = 90,
	RPC_FAULT_STILL_RUNNING = 91,
	RPC_FAULT_CANT_REREAD = 92,
};

/* rpc_fault_name is "BAD_NAME" for RPC_FAULT_BAD_NAME; NULL if unknown. */
const char *rpc_fault_name(int code);

/*
 * What the methods may ask of the daemon around the process table. The
 * agent fills this in; each function runs on the loop thread.
 */
struct rpc_agent_ops {
	/* shutdown() and restart(): begin the ordered stop with that mood;
	 * the response is sent before the agent leaves its loop. */
	void (*shutdown)(void *arg);
	void (*restart)(void *arg);
	/* reread loads the configuration file anew (reloadConfig): a new
	 * model in *out, or FV_EBADCONF with the parse error in d. */
	int (*reread)(void *arg, struct cfg **out, struct fv_diag *d);
	/* The main log's path, or NULL (syslog, or none). Without
	 * mainlog_when_written, it must first write out every line logged
	 * so far (so that a read sees it); with it, it need not. */
	const char *(*mainlog_path)(void *arg);
	/* mainlog_when_written(arg, cb, cbarg) as mainlog_when_written of
	 * log/mainlog.h: true when cb(cbarg) will run on the loop once the
	 * lines logged so far are in the file (or the log closes), false
	 * when there is nothing to wait for (cb never runs). The cancel
	 * forgets a registration whose cb has not run. Both may be NULL. */
	bool (*mainlog_when_written)(
	    void *arg, void (*cb)(void *cbarg), void *cbarg);
	void (*mainlog_when_written_cancel)(
	    void *arg, void (*cb)(void *cbarg), void *cbarg);
	/* clearLog as 4.2.5: removes the main log file (not its backups)
	 * and reopens it. 0, -ENOENT when there is no file (NO_FILE), or
	 * another negative errno (FAILED). */
	int (*mainlog_clear)(void *arg);
	/* reopen_logs reopens the main log and every process log, as
	 * SIGUSR2 does (fleetvisor.reopenLogs). */
	void (*reopen_logs)(void *arg);
};

/* Everything methods work on; one per agent run. */
struct rpc_ctx {
	struct supervisor *sv; /* borrowed */
	const struct rpc_agent_ops *ops; /* borrowed */
	void *ops_arg;
	/* The configuration that addProcessGroup and getAllConfigInfo read:
	 * the one the agent started with until reloadConfig replaces it. */
	struct cfg *parsed; /* owned reference */
	/* Calls not finished yet, so that a closing agent can cancel them. */
	struct rpc_call **pending;
	size_t npending, pendcap;
	/* The last encoded info struct of each process (rpc_process.c): an
	 * open-addressed table, so that a process unchanged since the last
	 * call is not encoded again. */
	struct rpc_info_memo *info_memo;
	size_t ninfo_memo, info_memo_cap;
	/* The parser of XML-RPC requests (rpc_http.c), kept between them. */
	struct xr_parser *xml; /* owned; NULL until the first */
};

/* rpc_info_memo_clear empties ctx's table of encoded info structs. */
void rpc_info_memo_clear(struct rpc_ctx *ctx);

/* rpc_ctx_init prepares ctx for sv; cfg is the configuration in force
 * (the context takes a reference). */
void rpc_ctx_init(struct rpc_ctx *ctx, struct supervisor *sv,
    const struct rpc_agent_ops *ops, void *ops_arg, struct cfg *cfg);
/* rpc_ctx_fini cancels every pending call and drops the references. */
void rpc_ctx_fini(struct rpc_ctx *ctx);

/* rpc_mainlog_path is ops->mainlog_path, or NULL when there is no such
 * op or no main log file (syslog, or none). */
const char *rpc_mainlog_path(const struct rpc_ctx *ctx);

enum rpc_status {
	RPC_DONE, /* call->result or call->fault_* is set */
	RPC_PENDING, /* call->on_done will run later, once */
};

typedef void rpc_done_fn(struct rpc_call *call, void *arg);

/*
 * One method call. The caller zeroes it, sets ctx (and on_done/arg for a
 * call that may wait), calls rpc_dispatch, and reads the outcome when it
 * is RPC_DONE or when on_done runs. rpc_call_fini releases the outcome.
 */
struct rpc_call {
	struct rpc_ctx *ctx;
	rpc_done_fn *on_done;
	void *on_done_arg;
	/* The outcome: a value, or a fault (fault_code != 0). */
	struct xr_value *result; /* owned */
	int fault_code;
	char *fault_string; /* owned: "BAD_NAME: foo" */
	/* A waiting method's state and how to abandon it. */
	void *wait; /* the method's own */
	void (*cancel)(struct rpc_call *call);
	bool pending;
};

/*
 * rpc_dispatch runs method with params (an XR_ARRAY, borrowed for the
 * call's whole life: keep it until the call is done). Unknown or hidden
 * names (anything but "namespace.method" of the table; a method part
 * starting with '_', CVE-2017-11610) are Fault 1, a wrong count of params
 * Fault 2, the names never echoed beyond 256 bytes.
 */
enum rpc_status rpc_dispatch(
    struct rpc_call *call, const char *method, const struct xr_value *params);

/* rpc_call_cancel abandons a pending call (its client went away):
 * on_done will not run. A no-op for a call that is done. */
void rpc_call_cancel(struct rpc_call *call);

/* rpc_call_fini releases the outcome; the call may be reused. */
void rpc_call_fini(struct rpc_call *call);

/* --- For method implementations (rpc_*.c) ----------------------------- */

/* rpc_fault sets call's fault: "NAME" or "NAME: " + fmt. Returns
 * RPC_DONE. */
enum rpc_status rpc_fault(struct rpc_call *call, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* rpc_result sets call's result (taken). Returns RPC_DONE. */
enum rpc_status rpc_result(struct rpc_call *call, struct xr_value *v);

/* rpc_wait marks call pending with a cancel function and its state; on
 * a call already pending it replaces them (a waiter hands the call on). */
enum rpc_status rpc_wait(
    struct rpc_call *call, void (*cancel)(struct rpc_call *), void *wait);

/* rpc_finish completes a pending call: its outcome must be set; runs
 * on_done. */
void rpc_finish(struct rpc_call *call);

#endif
