/*
 * The RPC framework: the method table, name resolution, the arity and
 * shutdown-state checks every method shares, how an outcome (value or
 * fault) is recorded, and the bookkeeping of calls that wait. It knows
 * nothing of HTTP or of what a method does; the handlers live in
 * rpc_process.c, rpc_log.c, rpc_supervisor.c, rpc_config.c and
 * rpc_system.c, on top of rpc_param.c, rpc_proc.c and rpc_wait.c. It
 * must never echo more than RPC_ECHO_MAX bytes of a peer's string in a
 * fault.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/str.h"
#include "common/xalloc.h"
#include "process/supervisor.h"
#include "proto/xmlrpc/xr_codec.h"
#include "rpc/rpc_methods.h"

/* A fault's detail (a name, a parse error) is cut to this many bytes. */
#define RPC_ECHO_MAX 256

/*
 * Every public method of 4.2.5's supervisor and system namespaces,
 * aliases included, sorted by name (strcmp) for bsearch. RPC_F_CHECKS_STATE
 * marks the methods whose 4.2.5 body calls _update() before doing
 * anything: sendRemoteCommEvent and the system namespace never check, and
 * signalAllProcesses checks only after signalling (its handler does it).
 */
const struct rpc_method rpc_methods[] = {
	/* Any state: the counts matter most while stopping. */
	{ "fleetvisor.getEventPoolStats", rpc_get_event_pool_stats, 0, 0,
	    RPC_F_UNLISTED, "array",
	    "getEventPoolStats(): one struct {name, buffer_size, buffered, "
	    "dropped, accepted} per event listener pool, by name: accepted "
	    "counts the events it numbered, dropped those its full buffer "
	    "discarded. fleetvisord only: 4.2.5 has no such method." },
	/* Any state, as SIGUSR2 is. */
	{ "fleetvisor.reopenLogs", rpc_reopen_logs, 0, 0, RPC_F_UNLISTED,
	    "boolean",
	    "reopenLogs(): close and reopen the main log and every process "
	    "log, as SIGUSR2 does (after logrotate moved them). fleetvisord "
	    "only: 4.2.5 has no such method." },
	{ "supervisor.addProcessGroup", rpc_add_process_group, 1, 1,
	    RPC_F_CHECKS_STATE, "boolean string",
	    "addProcessGroup(name): build the group `name` of the loaded "
	    "configuration and let its autostart processes start. Faults: "
	    "BAD_NAME, ALREADY_ADDED." },
	{ "supervisor.clearAllProcessLogs", rpc_clear_all_process_logs, 0, 0,
	    RPC_F_CHECKS_STATE, "array",
	    "clearAllProcessLogs(): empty the logs of every process; one "
	    "result struct per process." },
	{ "supervisor.clearLog", rpc_clear_log, 0, 0, RPC_F_CHECKS_STATE,
	    "boolean",
	    "clearLog(): remove the main log file (its backups stay) and "
	    "start a new one. Faults: "
	    "NO_FILE, FAILED." },
	{ "supervisor.clearProcessLog", rpc_clear_process_logs, 1, 1,
	    RPC_F_CHECKS_STATE, "boolean string",
	    "clearProcessLog(name): older name of clearProcessLogs." },
	{ "supervisor.clearProcessLogs", rpc_clear_process_logs, 1, 1,
	    RPC_F_CHECKS_STATE, "boolean string",
	    "clearProcessLogs(name): empty the stdout and stderr logs of one "
	    "process. Faults: BAD_NAME, FAILED." },
	{ "supervisor.getAPIVersion", rpc_get_api_version, 0, 0,
	    RPC_F_CHECKS_STATE, "string",
	    "getAPIVersion(): the version of this XML-RPC API, \"3.0\"." },
	{ "supervisor.getAllConfigInfo", rpc_get_all_config_info, 0, 0,
	    RPC_F_CHECKS_STATE, "array",
	    "getAllConfigInfo(): one struct per configured process, whether "
	    "its group is in use or not, sorted by process name." },
	{ "supervisor.getAllProcessInfo", rpc_get_all_process_info, 0, 0,
	    RPC_F_CHECKS_STATE, "array",
	    "getAllProcessInfo(): the getProcessInfo struct of every "
	    "process." },
	{ "supervisor.getIdentification", rpc_get_identification, 0, 0,
	    RPC_F_CHECKS_STATE, "string",
	    "getIdentification(): the identifier string of this daemon." },
	{ "supervisor.getPID", rpc_get_pid, 0, 0, RPC_F_CHECKS_STATE, "int",
	    "getPID(): the process id of the daemon." },
	{ "supervisor.getProcessInfo", rpc_get_process_info, 1, 1,
	    RPC_F_CHECKS_STATE, "struct string",
	    "getProcessInfo(name): state, pid, times and log files of one "
	    "process. Fault: BAD_NAME." },
	{ "supervisor.getState", rpc_get_state, 0, 0, RPC_F_CHECKS_STATE,
	    "struct",
	    "getState(): the daemon's state as {statecode, statename}." },
	{ "supervisor.getSupervisorVersion", rpc_get_supervisor_version, 0, 0,
	    RPC_F_CHECKS_STATE, "string",
	    "getSupervisorVersion(): the version of the daemon itself." },
	{ "supervisor.getVersion", rpc_get_api_version, 0, 0,
	    RPC_F_CHECKS_STATE, "string",
	    "getVersion(): older name of getAPIVersion." },
	{ "supervisor.readLog", rpc_read_log, 2, 2, RPC_F_CHECKS_STATE,
	    "string int int",
	    "readLog(offset, length): bytes of the main log; a negative "
	    "offset with length 0 reads the tail. Faults: NO_FILE, "
	    "BAD_ARGUMENTS, FAILED." },
	{ "supervisor.readMainLog", rpc_read_log, 2, 2, RPC_F_CHECKS_STATE,
	    "string int int",
	    "readMainLog(offset, length): older name of readLog." },
	{ "supervisor.readProcessLog", rpc_read_process_stdout_log, 3, 3,
	    RPC_F_CHECKS_STATE, "string string int int",
	    "readProcessLog(name, offset, length): older name of "
	    "readProcessStdoutLog." },
	{ "supervisor.readProcessStderrLog", rpc_read_process_stderr_log, 3, 3,
	    RPC_F_CHECKS_STATE, "string string int int",
	    "readProcessStderrLog(name, offset, length): bytes of a process's "
	    "stderr log, as readLog reads the main log." },
	{ "supervisor.readProcessStdoutLog", rpc_read_process_stdout_log, 3, 3,
	    RPC_F_CHECKS_STATE, "string string int int",
	    "readProcessStdoutLog(name, offset, length): bytes of a process's "
	    "stdout log, as readLog reads the main log." },
	{ "supervisor.reloadConfig", rpc_reload_config, 0, 0,
	    RPC_F_CHECKS_STATE, "array",
	    "reloadConfig(): read the configuration file again and report "
	    "[[added, changed, removed]] group names against the running "
	    "groups; nothing is started or stopped. Fault: CANT_REREAD." },
	{ "supervisor.removeProcessGroup", rpc_remove_process_group, 1, 1,
	    RPC_F_CHECKS_STATE | RPC_F_DUE_FIRST, "boolean string",
	    "removeProcessGroup(name): drop a group whose processes are all "
	    "stopped. Faults: BAD_NAME, STILL_RUNNING." },
	{ "supervisor.restart", rpc_restart, 0, 0, RPC_F_CHECKS_STATE,
	    "boolean",
	    "restart(): stop every process, read the configuration again and "
	    "start over." },
	{ "supervisor.sendProcessStdin", rpc_send_process_stdin, 2, 2,
	    RPC_F_CHECKS_STATE | RPC_F_DUE_FIRST, "boolean string string",
	    "sendProcessStdin(name, chars): write chars to a running "
	    "process's stdin. Faults: BAD_NAME, NOT_RUNNING, NO_FILE, "
	    "INCORRECT_PARAMETERS." },
	{ "supervisor.sendRemoteCommEvent", rpc_send_remote_comm_event, 2, 2, 0,
	    "boolean string string",
	    "sendRemoteCommEvent(type, data): publish a REMOTE_COMMUNICATION "
	    "event to the event listeners." },
	{ "supervisor.shutdown", rpc_shutdown, 0, 0, RPC_F_CHECKS_STATE,
	    "boolean", "shutdown(): stop every process, then the daemon." },
	{ "supervisor.signalAllProcesses", rpc_signal_all_processes, 1, 1,
	    RPC_F_DUE_FIRST, "array string",
	    "signalAllProcesses(signal): signal every signallable process; "
	    "one result struct per process." },
	{ "supervisor.signalProcess", rpc_signal_process, 2, 2,
	    RPC_F_CHECKS_STATE | RPC_F_DUE_FIRST, "boolean string string",
	    "signalProcess(name, signal): send a signal, by name or number, "
	    "to one process. Faults: BAD_NAME, BAD_SIGNAL, NOT_RUNNING, "
	    "FAILED." },
	{ "supervisor.signalProcessGroup", rpc_signal_process_group, 2, 2,
	    RPC_F_CHECKS_STATE | RPC_F_DUE_FIRST, "array string string",
	    "signalProcessGroup(name, signal): signal every signallable "
	    "process of a group. Fault: BAD_NAME." },
	{ "supervisor.startAllProcesses", rpc_start_all_processes, 0, 1,
	    RPC_F_CHECKS_STATE | RPC_F_DUE_FIRST, "array boolean",
	    "startAllProcesses(wait=true): start every process not running, "
	    "in priority order; one result struct per process." },
	{ "supervisor.startProcess", rpc_start_process, 1, 2,
	    RPC_F_CHECKS_STATE | RPC_F_DUE_FIRST, "boolean string boolean",
	    "startProcess(name, wait=true): start one process (or a group "
	    "with 'group:*'); with wait, answer once it is RUNNING. Faults: "
	    "BAD_NAME, NO_FILE, NOT_EXECUTABLE, ALREADY_STARTED, SPAWN_ERROR, "
	    "ABNORMAL_TERMINATION." },
	{ "supervisor.startProcessGroup", rpc_start_process_group, 1, 2,
	    RPC_F_CHECKS_STATE | RPC_F_DUE_FIRST, "array string boolean",
	    "startProcessGroup(name, wait=true): start every process of a "
	    "group; one result struct per process. Fault: BAD_NAME." },
	{ "supervisor.stopAllProcesses", rpc_stop_all_processes, 0, 1,
	    RPC_F_CHECKS_STATE | RPC_F_DUE_FIRST, "array boolean",
	    "stopAllProcesses(wait=true): stop every running process, in "
	    "reverse priority order; one result struct per process." },
	{ "supervisor.stopProcess", rpc_stop_process, 1, 2,
	    RPC_F_CHECKS_STATE | RPC_F_DUE_FIRST, "boolean string boolean",
	    "stopProcess(name, wait=true): stop one process (or a group with "
	    "'group:*'); with wait, answer once it is stopped. Faults: "
	    "BAD_NAME, NOT_RUNNING, FAILED." },
	{ "supervisor.stopProcessGroup", rpc_stop_process_group, 1, 2,
	    RPC_F_CHECKS_STATE | RPC_F_DUE_FIRST, "array string boolean",
	    "stopProcessGroup(name, wait=true): stop every process of a "
	    "group; one result struct per process. Fault: BAD_NAME." },
	{ "supervisor.tailProcessLog", rpc_tail_process_stdout_log, 3, 3,
	    RPC_F_CHECKS_STATE, "array string int int",
	    "tailProcessLog(name, offset, length): older name of "
	    "tailProcessStdoutLog." },
	{ "supervisor.tailProcessStderrLog", rpc_tail_process_stderr_log, 3, 3,
	    RPC_F_CHECKS_STATE, "array string int int",
	    "tailProcessStderrLog(name, offset, length): like "
	    "tailProcessStdoutLog for stderr." },
	{ "supervisor.tailProcessStdoutLog", rpc_tail_process_stdout_log, 3, 3,
	    RPC_F_CHECKS_STATE, "array string int int",
	    "tailProcessStdoutLog(name, offset, length): up to length bytes "
	    "of the stdout log ending at its end, as [bytes, new offset, "
	    "overflow]. Fault: BAD_NAME." },
	{ "system.listMethods", rpc_list_methods, 0, 0, 0, "array",
	    "listMethods(): the names of every method, sorted." },
	{ "system.methodHelp", rpc_method_help, 1, 1, 0, "string string",
	    "methodHelp(name): a short description of a method. Fault: "
	    "SIGNATURE_UNSUPPORTED." },
	{ "system.methodSignature", rpc_method_signature, 1, 1, 0,
	    "array string",
	    "methodSignature(name): [return type, parameter types...] of a "
	    "method. Fault: SIGNATURE_UNSUPPORTED." },
	{ "system.multicall", rpc_multicall, 1, 1, 0, "array array",
	    "multicall(calls): run [{methodName, params}, ...] in order; each "
	    "answer is [value] or {faultCode, faultString}." },
};

const size_t rpc_nmethods = nitems(rpc_methods);

/* 4.2.5's xmlrpc.Faults, by code. */
static const struct {
	int code;
	const char *name;
} rpc_fault_names[] = {
	{ RPC_FAULT_UNKNOWN_METHOD, "UNKNOWN_METHOD" },
	{ RPC_FAULT_INCORRECT_PARAMETERS, "INCORRECT_PARAMETERS" },
	{ RPC_FAULT_BAD_ARGUMENTS, "BAD_ARGUMENTS" },
	{ RPC_FAULT_SIGNATURE_UNSUPPORTED, "SIGNATURE_UNSUPPORTED" },
	{ RPC_FAULT_SHUTDOWN_STATE, "SHUTDOWN_STATE" },
	{ RPC_FAULT_BAD_NAME, "BAD_NAME" },
	{ RPC_FAULT_BAD_SIGNAL, "BAD_SIGNAL" },
	{ RPC_FAULT_NO_FILE, "NO_FILE" },
	{ RPC_FAULT_NOT_EXECUTABLE, "NOT_EXECUTABLE" },
	{ RPC_FAULT_FAILED, "FAILED" },
	{ RPC_FAULT_ABNORMAL_TERMINATION, "ABNORMAL_TERMINATION" },
	{ RPC_FAULT_SPAWN_ERROR, "SPAWN_ERROR" },
	{ RPC_FAULT_ALREADY_STARTED, "ALREADY_STARTED" },
	{ RPC_FAULT_NOT_RUNNING, "NOT_RUNNING" },
	{ RPC_FAULT_SUCCESS, "SUCCESS" },
	{ RPC_FAULT_ALREADY_ADDED, "ALREADY_ADDED" },
	{ RPC_FAULT_STILL_RUNNING, "STILL_RUNNING" },
	{ RPC_FAULT_CANT_REREAD, "CANT_REREAD" },
};

const char *
rpc_fault_name(int code)
{
	for (size_t i = 0; i < nitems(rpc_fault_names); i++) {
		if (rpc_fault_names[i].code == code) {
			return rpc_fault_names[i].name;
		}
	}
	return NULL;
}

void
rpc_ctx_init(struct rpc_ctx *ctx, struct supervisor *sv,
    const struct rpc_agent_ops *ops, void *ops_arg, struct cfg *cfg)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->sv = sv;
	ctx->ops = ops;
	ctx->ops_arg = ops_arg;
	ctx->parsed = cfg_ref(cfg);
}

void
rpc_ctx_fini(struct rpc_ctx *ctx)
{
	/*
	 * Any order is safe. A multicall and the inner call it waits on are
	 * both listed, in either order: an inner call that waits while the
	 * multicall starts registers before it, one started later (from the
	 * previous one's answer) after it. Cancelling the inner call first
	 * leaves the multicall pending (on_done does not run), and its own
	 * cancel then finds the inner call done; cancelling the multicall
	 * first cancels and unregisters the inner call. Each pass takes what
	 * is listed now, so nothing cancelled is visited again.
	 */
	while (ctx->npending > 0) {
		rpc_call_cancel(ctx->pending[0]);
	}
	free(ctx->pending);
	ctx->pending = NULL;
	ctx->pendcap = 0;
	rpc_info_memo_clear(ctx);
	xr_parser_free(ctx->xml);
	ctx->xml = NULL;
	cfg_free(ctx->parsed);
	ctx->parsed = NULL;
}

const char *
rpc_mainlog_path(const struct rpc_ctx *ctx)
{
	if (ctx->ops == NULL || ctx->ops->mainlog_path == NULL) {
		return NULL;
	}
	return ctx->ops->mainlog_path(ctx->ops_arg);
}

static int
rpc_method_cmp(const void *key, const void *elem)
{
	const struct rpc_method *m = elem;

	return strcmp(key, m->name);
}

const struct rpc_method *
rpc_method_find(const char *name)
{
	const char *dot = strchr(name, '.');

	/* xmlrpc.py's traverse: exactly two dotted parts (CVE-2017-11610),
	 * and nothing starting with '_' is reachable. */
	if (dot == NULL || strchr(dot + 1, '.') != NULL || dot[1] == '_') {
		return NULL;
	}
	return bsearch(name, rpc_methods, rpc_nmethods, sizeof(rpc_methods[0]),
	    rpc_method_cmp);
}

enum rpc_status
rpc_dispatch(
    struct rpc_call *call, const char *method, const struct xr_value *params)
{
	const struct rpc_method *m;
	size_t n = xr_array_len(params);
	enum sv_mood mood;

	if ((m = rpc_method_find(method)) == NULL) {
		/* 4.2.5 raises RPCError(UNKNOWN_METHOD) with no detail, so
		 * the name is never echoed. */
		return rpc_fault(call, RPC_FAULT_UNKNOWN_METHOD, NULL);
	}
	if (params != NULL && xr_value_type(params) != XR_ARRAY) {
		return rpc_fault(call, RPC_FAULT_INCORRECT_PARAMETERS, NULL);
	}
	if (n < m->min_args || n > m->max_args) {
		return rpc_fault(call, RPC_FAULT_INCORRECT_PARAMETERS, NULL);
	}
	if ((m->flags & RPC_F_CHECKS_STATE) && call->ctx->sv != NULL) {
		mood = call->ctx->sv->mood;
		if (mood == SV_RESTARTING || mood == SV_SHUTDOWN) {
			return rpc_fault(call, RPC_FAULT_SHUTDOWN_STATE, NULL);
		}
	}
	if ((m->flags & RPC_F_DUE_FIRST) && call->ctx->sv != NULL) {
		proc_soon_flush(&call->ctx->sv->soon);
	}
	return m->fn(call, params);
}

enum rpc_status
rpc_fault(struct rpc_call *call, int code, const char *fmt, ...)
{
	const char *name = rpc_fault_name(code);
	char detail[RPC_ECHO_MAX + 1];
	size_t len;
	va_list ap;

	if (name == NULL) {
		name = "UNKNOWN"; /* getFaultDescription's fallback */
	}
	xr_value_free(call->result);
	call->result = NULL;
	free(call->fault_string);
	call->fault_code = code;
	if (fmt == NULL) {
		call->fault_string = fv_xstrdup(name);
		return RPC_DONE;
	}
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	/* A cut must not leave half a UTF-8 character behind. */
	len = strlen(detail);
	if (len == RPC_ECHO_MAX) {
		len = fv_str_utf8_prefix(detail, len);
		if (len + 3 < RPC_ECHO_MAX) {
			len =
			    RPC_ECHO_MAX; /* not UTF-8 anyway: keep the bytes */
		}
		detail[len] = '\0';
	}
	call->fault_string = fv_xasprintf("%s: %s", name, detail);
	return RPC_DONE;
}

enum rpc_status
rpc_result(struct rpc_call *call, struct xr_value *v)
{
	xr_value_free(call->result);
	call->result = v;
	call->fault_code = 0;
	free(call->fault_string);
	call->fault_string = NULL;
	return RPC_DONE;
}

static void
rpc_pending_remove(struct rpc_ctx *ctx, struct rpc_call *call)
{
	for (size_t i = 0; i < ctx->npending; i++) {
		if (ctx->pending[i] == call) {
			memmove(&ctx->pending[i], &ctx->pending[i + 1],
			    (ctx->npending - i - 1) * sizeof(ctx->pending[0]));
			ctx->npending--;
			return;
		}
	}
}

enum rpc_status
rpc_wait(struct rpc_call *call, void (*cancel)(struct rpc_call *), void *wait)
{
	struct rpc_ctx *ctx = call->ctx;

	/* A call already pending is handed from one waiter to the next (a
	 * paced fan-out to its wait): it keeps its place in the list. */
	if (!call->pending) {
		if (ctx->npending == ctx->pendcap) {
			ctx->pendcap = ctx->pendcap ? ctx->pendcap * 2 : 8;
			ctx->pending = fv_xreallocarray(ctx->pending,
			    ctx->pendcap, sizeof(ctx->pending[0]));
		}
		ctx->pending[ctx->npending++] = call;
	}
	call->cancel = cancel;
	call->wait = wait;
	call->pending = true;
	return RPC_PENDING;
}

void
rpc_finish(struct rpc_call *call)
{
	if (!call->pending) {
		return;
	}
	rpc_pending_remove(call->ctx, call);
	call->pending = false;
	call->cancel = NULL;
	call->wait = NULL;
	if (call->on_done != NULL) {
		call->on_done(call, call->on_done_arg);
	}
}

void
rpc_call_cancel(struct rpc_call *call)
{
	void (*cancel)(struct rpc_call *) = call->cancel;

	if (!call->pending) {
		return;
	}
	/* Unregister first, so a cancel function that finishes nested
	 * calls sees a consistent pending list. */
	rpc_pending_remove(call->ctx, call);
	call->pending = false;
	call->cancel = NULL;
	if (cancel != NULL) {
		cancel(call);
	}
	call->wait = NULL;
}

void
rpc_call_fini(struct rpc_call *call)
{
	rpc_call_cancel(call);
	xr_value_free(call->result);
	call->result = NULL;
	free(call->fault_string);
	call->fault_string = NULL;
	call->fault_code = 0;
}
