/*
 * The methods about the daemon itself: versions, identity, state, pid,
 * shutdown and restart, and sendRemoteCommEvent. Shutting down is the
 * agent's business (ctx->ops); this file only asks for it and answers.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "process/supervisor.h"
#include "rpc/rpc_methods.h"

/* 4.2.5's API_VERSION; supervisorctl refuses any other. */
#define RPC_API_VERSION "3.0"

enum rpc_status
rpc_get_api_version(struct rpc_call *call, const struct xr_value *params)
{
	return rpc_result(call, xr_string_new(RPC_API_VERSION));
}

/*
 * Our own version, not "4.2.5": `supervisorctl version` prints it, and
 * nothing in 4.2.5's clients compares it.
 */
enum rpc_status
rpc_get_supervisor_version(struct rpc_call *call, const struct xr_value *params)
{
	return rpc_result(call, xr_string_new(FV_VERSION));
}

enum rpc_status
rpc_get_identification(struct rpc_call *call, const struct xr_value *params)
{
	const struct cfg *cfg = call->ctx->sv->cfg;
	const char *id = cfg != NULL && cfg->sd.identifier != NULL
	    ? cfg->sd.identifier
	    : "supervisor";

	return rpc_result(call, xr_string_new(id));
}

/* 4.2.5's getSupervisorStateDescription. */
static const char *
rpc_mood_name(enum sv_mood mood)
{
	switch (mood) {
	case SV_FATAL:
		return "FATAL";
	case SV_RUNNING:
		return "RUNNING";
	case SV_RESTARTING:
		return "RESTARTING";
	case SV_SHUTDOWN:
		return "SHUTDOWN";
	}
	return "UNKNOWN";
}

enum rpc_status
rpc_get_state(struct rpc_call *call, const struct xr_value *params)
{
	enum sv_mood mood = call->ctx->sv->mood;
	struct xr_value *s = xr_struct_new();

	xr_struct_set_take(s, "statecode", xr_int_new((int32_t)mood));
	xr_struct_set_take(s, "statename", xr_string_new(rpc_mood_name(mood)));
	return rpc_result(call, s);
}

enum rpc_status
rpc_get_pid(struct rpc_call *call, const struct xr_value *params)
{
	return rpc_result(call, xr_int_new((int32_t)getpid()));
}

enum rpc_status
rpc_reopen_logs(struct rpc_call *call, const struct xr_value *params)
{
	struct rpc_ctx *ctx = call->ctx;

	if (ctx->ops == NULL || ctx->ops->reopen_logs == NULL) {
		return rpc_fault(call, RPC_FAULT_FAILED, "no logs to reopen");
	}
	ctx->ops->reopen_logs(ctx->ops_arg);
	return rpc_result(call, xr_bool_new(true));
}

enum rpc_status
rpc_shutdown(struct rpc_call *call, const struct xr_value *params)
{
	struct rpc_ctx *ctx = call->ctx;

	if (ctx->ops != NULL && ctx->ops->shutdown != NULL) {
		ctx->ops->shutdown(ctx->ops_arg);
	}
	return rpc_result(call, xr_bool_new(true));
}

enum rpc_status
rpc_restart(struct rpc_call *call, const struct xr_value *params)
{
	struct rpc_ctx *ctx = call->ctx;

	if (ctx->ops != NULL && ctx->ops->restart != NULL) {
		ctx->ops->restart(ctx->ops_arg);
	}
	return rpc_result(call, xr_bool_new(true));
}

/*
 * sendRemoteCommEvent takes any two values and never checks the state,
 * as 4.2.5 (which formats them with '%s' into the event).
 */
enum rpc_status
rpc_send_remote_comm_event(struct rpc_call *call, const struct xr_value *params)
{
	struct evbus_event ev = { .kind = EVBUS_REMOTE_COMM };
	char *type, *data;

	type = rpc_pystr(xr_array_at(params, 0), &ev.type_len);
	data = rpc_pystr(xr_array_at(params, 1), &ev.len);
	ev.type = type;
	ev.data = data;
	evbus_publish(&call->ctx->sv->bus, &ev);
	free(type);
	free(data);
	return rpc_result(call, xr_bool_new(true));
}
