/*
 * The methods about configuration and groups: reloadConfig (read the file
 * again and compare it with the running groups), addProcessGroup and
 * removeProcessGroup (one group at a time, from the last configuration
 * read), getAllConfigInfo. ctx->parsed is the configuration they read;
 * the running groups keep their own model alive by reference. Starting
 * and stopping processes is not done here.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "process/supervisor.h"
#include "rpc/rpc_methods.h"

/* 4.2.5's capped_int: what the XML-RPC int can carry. */
static struct xr_value *
rpc_config_int(long long v)
{
	if (v > INT32_MAX) {
		v = INT32_MAX;
	} else if (v < INT32_MIN) {
		v = INT32_MIN;
	}
	return xr_int_new((int32_t)v);
}

static struct xr_value *
rpc_config_names(struct xr_value *list, const char *name)
{
	xr_array_add_take(list, xr_string_new(name));
	return list;
}

static int
rpc_config_seq_cmp(const void *a, const void *b)
{
	const struct proc_group *x = *(struct proc_group *const *)a;
	const struct proc_group *y = *(struct proc_group *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const struct cfg_group *
rpc_config_find(const struct cfg *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->ngroups; i++) {
		if (strcmp(cfg->groups[i].name, name) == 0) {
			return &cfg->groups[i];
		}
	}
	return NULL;
}

/*
 * reloadConfig compares as 4.2.5's diff_to_active: added and changed in
 * the new file's group order, removed in the order the running groups
 * were added (its process_groups dict).
 */
enum rpc_status
rpc_reload_config(struct rpc_call *call, const struct xr_value *params)
{
	struct rpc_ctx *ctx = call->ctx;
	struct supervisor *sv = ctx->sv;
	struct xr_value *added, *changed, *removed, *outer, *inner;
	struct proc_group **gone;
	struct fv_diag d = { 0 };
	struct cfg *nw = NULL;
	size_t ngone = 0;

	if (ctx->ops == NULL || ctx->ops->reread == NULL ||
	    ctx->ops->reread(ctx->ops_arg, &nw, &d) != 0) {
		cfg_free(nw);
		return rpc_fault(call, RPC_FAULT_CANT_REREAD, "%s", d.msg);
	}
	added = xr_array_new();
	changed = xr_array_new();
	removed = xr_array_new();
	for (size_t i = 0; i < nw->ngroups; i++) {
		const struct cfg_group *gc = &nw->groups[i];
		const struct proc_group *g =
		    supervisor_find_group(sv, gc->name);

		if (g == NULL) {
			rpc_config_names(added, gc->name);
		} else if (!cfg_group_equal(gc, g->cfg)) {
			rpc_config_names(changed, gc->name);
		}
	}
	gone = fv_xcalloc(sv->ngroups ? sv->ngroups : 1, sizeof(*gone));
	for (size_t i = 0; i < sv->ngroups; i++) {
		if (rpc_config_find(nw, sv->groups[i]->cfg->name) == NULL) {
			gone[ngone++] = sv->groups[i];
		}
	}
	qsort(gone, ngone, sizeof(*gone), rpc_config_seq_cmp);
	for (size_t i = 0; i < ngone; i++) {
		rpc_config_names(removed, gone[i]->cfg->name);
	}
	free(gone);
	cfg_free(ctx->parsed);
	ctx->parsed = nw;
	inner = xr_array_new();
	xr_array_add_take(inner, added);
	xr_array_add_take(inner, changed);
	xr_array_add_take(inner, removed);
	outer = xr_array_new();
	xr_array_add_take(outer, inner);
	return rpc_result(call, outer);
}

/*
 * rpc_config_name reads a group name param. NULL with the fault set when
 * it cannot be one: 4.2.5 compares whatever it got and reports it with
 * '%s' (BAD_NAME: 5); containers are a TypeError (INCORRECT_PARAMETERS)
 * where the name is used as a dict key.
 */
static const char *
rpc_config_name(struct rpc_call *call, const struct xr_value *v, bool hashed,
    enum rpc_status *st)
{
	size_t len;
	const char *name = rpc_param_string(v, &len);
	char *text;
	enum xr_type t = xr_value_type(v);

	if (name != NULL && strlen(name) == len) {
		return name;
	}
	if (hashed && (t == XR_ARRAY || t == XR_STRUCT)) {
		*st = rpc_fault(call, RPC_FAULT_INCORRECT_PARAMETERS, NULL);
		return NULL;
	}
	text = rpc_pystr(v, &len);
	*st = rpc_fault(call, RPC_FAULT_BAD_NAME, "%s", text);
	free(text);
	return NULL;
}

enum rpc_status
rpc_add_process_group(struct rpc_call *call, const struct xr_value *params)
{
	struct rpc_ctx *ctx = call->ctx;
	const struct cfg_group *gc;
	struct fv_diag d = { 0 };
	enum rpc_status st;
	const char *name;

	if ((name = rpc_config_name(
	         call, xr_array_at(params, 0), false, &st)) == NULL) {
		return st;
	}
	if ((gc = rpc_config_find(ctx->parsed, name)) == NULL) {
		return rpc_fault(call, RPC_FAULT_BAD_NAME, "%s", name);
	}
	if (supervisor_find_group(ctx->sv, name) != NULL) {
		return rpc_fault(call, RPC_FAULT_ALREADY_ADDED, "%s", name);
	}
	if (supervisor_add_group(ctx->sv, gc, ctx->parsed, &d) != 0) {
		return rpc_fault(call, RPC_FAULT_FAILED, "%s", d.msg);
	}
	return rpc_result(call, xr_bool_new(true));
}

enum rpc_status
rpc_remove_process_group(struct rpc_call *call, const struct xr_value *params)
{
	struct rpc_ctx *ctx = call->ctx;
	struct proc_group *g;
	enum rpc_status st;
	const char *name;

	if ((name = rpc_config_name(call, xr_array_at(params, 0), true, &st)) ==
	    NULL) {
		return st;
	}
	if ((g = supervisor_find_group(ctx->sv, name)) == NULL) {
		return rpc_fault(call, RPC_FAULT_BAD_NAME, "%s", name);
	}
	if (supervisor_remove_group(ctx->sv, g) != 0) {
		return rpc_fault(call, RPC_FAULT_STILL_RUNNING, "%s", name);
	}
	return rpc_result(call, xr_bool_new(true));
}

/*
 * A log file as 4.2.5 shows it: "none", "auto", or a path. A running
 * group built from this very model made its AUTO logs concrete (4.2.5's
 * after_setuid rewrites the config object), so their paths show.
 */
static struct xr_value *
rpc_config_logfile(const struct cfg_logcfg *lc, const struct proc_chan *ch)
{
	switch (lc->kind) {
	case CFG_LOGFILE_PATH:
		return xr_string_new(lc->path);
	case CFG_LOGFILE_AUTO:
		return xr_string_new(
		    ch != NULL && ch->logpath != NULL ? ch->logpath : "auto");
	default:
		return xr_string_new("none");
	}
}

static struct xr_value *
rpc_config_info(const struct cfg_group *gc, const struct cfg_process *pc,
    bool inuse, const struct proc *p)
{
	struct xr_value *s = xr_struct_new();
	struct xr_value *codes = xr_array_new();

	for (size_t i = 0; i < pc->nexitcodes; i++) {
		xr_array_add_take(codes, rpc_config_int(pc->exitcodes[i]));
	}
	xr_struct_set_take(s, "autostart", xr_bool_new(pc->autostart));
	xr_struct_set_take(s, "directory",
	    xr_string_new(pc->directory != NULL ? pc->directory : "none"));
	xr_struct_set_take(s, "uid",
	    pc->uid < 0 ? xr_string_new("none") : rpc_config_int(pc->uid));
	xr_struct_set_take(s, "command", xr_string_new(pc->command));
	xr_struct_set_take(s, "exitcodes", codes);
	xr_struct_set_take(s, "group", xr_string_new(gc->name));
	xr_struct_set_take(s, "group_prio", rpc_config_int(gc->priority));
	xr_struct_set_take(s, "inuse", xr_bool_new(inuse));
	xr_struct_set_take(s, "killasgroup", xr_bool_new(pc->killasgroup));
	xr_struct_set_take(s, "name", xr_string_new(pc->name));
	xr_struct_set_take(s, "process_prio", rpc_config_int(pc->priority));
	xr_struct_set_take(
	    s, "redirect_stderr", xr_bool_new(pc->redirect_stderr));
	xr_struct_set_take(s, "startretries", rpc_config_int(pc->startretries));
	xr_struct_set_take(s, "startsecs", rpc_config_int(pc->startsecs));
	xr_struct_set_take(s, "stdout_capture_maxbytes",
	    rpc_config_int(pc->out.capture_maxbytes));
	xr_struct_set_take(
	    s, "stdout_events_enabled", xr_bool_new(pc->out.events_enabled));
	xr_struct_set_take(s, "stdout_logfile",
	    rpc_config_logfile(&pc->out, p != NULL ? &p->out : NULL));
	xr_struct_set_take(
	    s, "stdout_logfile_backups", rpc_config_int(pc->out.backups));
	xr_struct_set_take(
	    s, "stdout_logfile_maxbytes", rpc_config_int(pc->out.maxbytes));
	xr_struct_set_take(s, "stdout_syslog", xr_bool_new(pc->out.syslog));
	xr_struct_set_take(s, "stopsignal", rpc_config_int(pc->stopsignal));
	xr_struct_set_take(s, "stopwaitsecs", rpc_config_int(pc->stopwaitsecs));
	xr_struct_set_take(s, "stderr_capture_maxbytes",
	    rpc_config_int(pc->err.capture_maxbytes));
	xr_struct_set_take(
	    s, "stderr_events_enabled", xr_bool_new(pc->err.events_enabled));
	xr_struct_set_take(s, "stderr_logfile",
	    rpc_config_logfile(&pc->err, p != NULL ? &p->err : NULL));
	xr_struct_set_take(
	    s, "stderr_logfile_backups", rpc_config_int(pc->err.backups));
	xr_struct_set_take(
	    s, "stderr_logfile_maxbytes", rpc_config_int(pc->err.maxbytes));
	xr_struct_set_take(s, "stderr_syslog", xr_bool_new(pc->err.syslog));
	xr_struct_set_take(s, "serverurl",
	    xr_string_new(pc->serverurl != NULL ? pc->serverurl : "none"));
	return s;
}

struct rpc_config_row {
	const char *name; /* borrowed */
	size_t index;
	struct xr_value *info; /* owned until moved to the answer */
};

/* 4.2.5 sorts by process name with a stable sort. */
static int
rpc_config_row_cmp(const void *a, const void *b)
{
	const struct rpc_config_row *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0) {
		return c;
	}
	return x->index < y->index ? -1 : x->index > y->index;
}

enum rpc_status
rpc_get_all_config_info(struct rpc_call *call, const struct xr_value *params)
{
	const struct cfg *cfg = call->ctx->parsed;
	struct rpc_config_row *rows = NULL;
	size_t nrows = 0, cap = 0;
	struct xr_value *a = xr_array_new();

	for (size_t i = 0; i < cfg->ngroups; i++) {
		const struct cfg_group *gc = &cfg->groups[i];
		const struct proc_group *g =
		    supervisor_find_group(call->ctx->sv, gc->name);

		for (size_t k = 0; k < gc->nprocs; k++) {
			const struct proc *p = NULL;

			if (g != NULL && g->cfg == gc && k < g->nprocs) {
				p = g->procs[k];
			}
			if (nrows == cap) {
				cap = cap ? cap * 2 : 16;
				rows =
				    fv_xreallocarray(rows, cap, sizeof(*rows));
			}
			rows[nrows] = (struct rpc_config_row){
				gc->procs[k].name, nrows,
				rpc_config_info(gc, &gc->procs[k], g != NULL, p)
			};
			nrows++;
		}
	}
	if (nrows > 0) {
		qsort(rows, nrows, sizeof(*rows), rpc_config_row_cmp);
	}
	for (size_t i = 0; i < nrows; i++) {
		xr_array_add_take(a, rows[i].info);
	}
	free(rows);
	return rpc_result(call, a);
}
