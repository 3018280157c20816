/*
 * The process methods of 4.2.5's rpcinterface: start, stop and signal one
 * process, a group or all of them, process info, and stdin. Results,
 * fault codes and fault texts are 4.2.5's, and so is the order of the
 * result structs of the group and all variants. A start or stop with
 * wait=true hands its processes to a waiter (rpc_wait.c), and every
 * start and stop goes through the event gate (rpc_pace.c); params are
 * read by rpc_param.c.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/xalloc.h"
#include "process/supervisor.h"
#include "rpc/rpc_methods.h"
#include "rpc/rpc_pace.h"
#include "rpc/rpc_proc.h"

/* --- Start and stop --------------------------------------------------- */

static int
rpc_pout_set(struct rpc_pout *o, int code, char *detail_take)
{
	o->code = code;
	o->detail = detail_take;
	return code;
}

static bool
rpc_proc_is_running(enum proc_state st)
{
	return st == PROC_RUNNING || st == PROC_BACKOFF || st == PROC_STARTING;
}

/* startProcess for one process, up to the point where it would wait. */
static int
rpc_proc_start_one(struct supervisor *sv, struct proc *p, const char *ns,
    bool wait, struct rpc_pout *o)
{
	char *msg = NULL;
	int rv;

	/* 4.2.5 tests the command before anything else. */
	if ((rv = proc_check_exec(p, &msg)) != 0) {
		return rpc_pout_set(o,
		    rv == -ENOENT ? RPC_FAULT_NO_FILE
		                  : RPC_FAULT_NOT_EXECUTABLE,
		    msg);
	}
	if (rpc_proc_is_running(proc_state(p))) {
		return rpc_pout_set(
		    o, RPC_FAULT_ALREADY_STARTED, fv_xstrdup(ns));
	}
	if (proc_state(p) == PROC_UNKNOWN) {
		return rpc_pout_set(o, RPC_FAULT_FAILED,
		    fv_xasprintf("%s is in an unknown process state", ns));
	}
	if (p->pid != 0) {
		/* STOPPING: 4.2.5's spawn() only warns, and the wait below
		 * then ends in ABNORMAL_TERMINATION. */
		supervisor_log(sv, MAINLOG_WARN, "process '%s' already running",
		    proc_name(p));
	} else if (proc_start(p) != 0) {
		return rpc_pout_set(o, RPC_FAULT_FAILED,
		    fv_xasprintf("%s is in an unknown process state", ns));
	}
	/* Learn at once of a child that died straight away (4.2.5 reap()). */
	supervisor_reap_proc(sv, p);
	if (p->spawnerr != NULL) {
		return rpc_pout_set(o, RPC_FAULT_SPAWN_ERROR, fv_xstrdup(ns));
	}
	if (wait && proc_state(p) != PROC_RUNNING) {
		return rpc_pout_set(o, RPC_PACE_WAIT, NULL);
	}
	return rpc_pout_set(o, 0, NULL);
}

/* stopProcess for one process, up to the point where it would wait. */
static int
rpc_proc_stop_one(struct supervisor *sv, struct proc *p, const char *ns,
    bool wait, struct rpc_pout *o)
{
	if (!rpc_proc_is_running(proc_state(p))) {
		return rpc_pout_set(o, RPC_FAULT_NOT_RUNNING, fv_xstrdup(ns));
	}
	if (proc_stop(p) != 0 || proc_state(p) == PROC_UNKNOWN) {
		/* kill() failed in a way other than ESRCH; proc.c logged
		 * the reason. */
		return rpc_pout_set(o, RPC_FAULT_FAILED,
		    fv_xasprintf("unknown problem killing %s (%d)",
		        proc_name(p), (int)p->pid));
	}
	supervisor_reap_proc(sv, p);
	if (wait && !proc_state_is_stopped(proc_state(p))) {
		return rpc_pout_set(o, RPC_PACE_WAIT, NULL);
	}
	return rpc_pout_set(o, 0, NULL);
}

/* make_allfunc's predicates: isNotRunning and isRunning. */
static bool
rpc_proc_admits_start(const struct proc *p)
{
	return !rpc_proc_is_running(proc_state(p));
}

static bool
rpc_proc_admits_stop(const struct proc *p)
{
	return rpc_proc_is_running(proc_state(p));
}

static const struct rpc_pace_ops rpc_proc_start_ops = {
	.stop = false,
	.admits = rpc_proc_admits_start,
	.one = rpc_proc_start_one,
};

static const struct rpc_pace_ops rpc_proc_stop_ops = {
	.stop = true,
	.admits = rpc_proc_admits_stop,
	.one = rpc_proc_stop_one,
};

/* make_allfunc for start and stop: refs (taken) in order, paced. */
static enum rpc_status
rpc_proc_all(struct rpc_call *call, struct rpc_proc_ref *refs, size_t n,
    bool stop, bool wait)
{
	return rpc_pace_all_take(call,
	    stop ? &rpc_proc_stop_ops : &rpc_proc_start_ops, refs, n, wait);
}

static enum rpc_status
rpc_proc_one(struct rpc_call *call, const struct xr_value *params, bool stop)
{
	bool wait = rpc_param_wait(params, 1);
	const struct rpc_pace_ops *ops =
	    stop ? &rpc_proc_stop_ops : &rpc_proc_start_ops;
	struct proc_group *g;
	struct proc *p;
	const char *name;
	size_t n;

	if ((name = rpc_param_proc(call, params, false, &g, &p)) == NULL) {
		return RPC_DONE;
	}
	if (p == NULL) {
		struct rpc_proc_ref *refs = rpc_proc_group_list(g, &n);

		return rpc_proc_all(call, refs, n, stop, wait);
	}
	return rpc_pace_one(call, ops, g, p, name, wait);
}

enum rpc_status
rpc_start_process(struct rpc_call *call, const struct xr_value *params)
{
	return rpc_proc_one(call, params, false);
}

enum rpc_status
rpc_stop_process(struct rpc_call *call, const struct xr_value *params)
{
	return rpc_proc_one(call, params, true);
}

static enum rpc_status
rpc_proc_group(struct rpc_call *call, const struct xr_value *params, bool stop)
{
	struct proc_group *g;
	struct rpc_proc_ref *refs;
	size_t n;

	if ((g = rpc_param_group(call, params)) == NULL) {
		return RPC_DONE;
	}
	refs = rpc_proc_group_list(g, &n);
	return rpc_proc_all(call, refs, n, stop, rpc_param_wait(params, 1));
}

enum rpc_status
rpc_start_process_group(struct rpc_call *call, const struct xr_value *params)
{
	return rpc_proc_group(call, params, false);
}

enum rpc_status
rpc_stop_process_group(struct rpc_call *call, const struct xr_value *params)
{
	return rpc_proc_group(call, params, true);
}

enum rpc_status
rpc_start_all_processes(struct rpc_call *call, const struct xr_value *params)
{
	size_t n;
	struct rpc_proc_ref *refs = rpc_proc_list(call->ctx->sv, false, &n);

	return rpc_proc_all(call, refs, n, false, rpc_param_wait(params, 0));
}

enum rpc_status
rpc_stop_all_processes(struct rpc_call *call, const struct xr_value *params)
{
	size_t n;
	struct rpc_proc_ref *refs = rpc_proc_list(call->ctx->sv, false, &n);

	return rpc_proc_all(call, refs, n, true, rpc_param_wait(params, 0));
}

/* --- Signals ---------------------------------------------------------- */

static bool
rpc_proc_signallable(enum proc_state st)
{
	return st == PROC_RUNNING || st == PROC_STARTING || st == PROC_STOPPING;
}

/* signalProcess for one found process: 0 or a fault in *o. */
static int
rpc_proc_signal_one(struct proc *p, const char *ns, const struct xr_value *sigv,
    struct rpc_pout *o)
{
	int sig = rpc_param_signal(sigv);
	char *msg = NULL;
	size_t len; /* rpc_pystr wants it; the text is C-string safe here */

	if (sig < 0) {
		return rpc_pout_set(
		    o, RPC_FAULT_BAD_SIGNAL, rpc_pystr(sigv, &len));
	}
	if (!rpc_proc_signallable(proc_state(p))) {
		return rpc_pout_set(o, RPC_FAULT_NOT_RUNNING, fv_xstrdup(ns));
	}
	if (proc_signal(p, sig, &msg) != 0) {
		return rpc_pout_set(o, RPC_FAULT_FAILED, msg);
	}
	return rpc_pout_set(o, 0, NULL);
}

static enum rpc_status
rpc_proc_signal_refs(struct rpc_call *call, struct rpc_proc_ref *refs, size_t n,
    const struct xr_value *sigv)
{
	struct xr_value *out = xr_array_new();

	for (size_t i = 0; i < n; i++) {
		struct rpc_pout o = { 0 };
		char *ns;

		if (!rpc_proc_signallable(proc_state(refs[i].proc))) {
			continue;
		}
		ns = rpc_proc_namespec(refs[i].group, refs[i].proc);
		rpc_proc_signal_one(refs[i].proc, ns, sigv, &o);
		xr_array_add_take(out,
		    rpc_proc_result_struct(
		        refs[i].group, refs[i].proc, o.code, o.detail));
		free(o.detail);
		free(ns);
	}
	free(refs);
	return rpc_result(call, out);
}

enum rpc_status
rpc_signal_process(struct rpc_call *call, const struct xr_value *params)
{
	const struct xr_value *sigv = xr_array_at(params, 1);
	struct proc_group *g;
	struct proc *p;
	struct rpc_pout o = { 0 };
	const char *name;
	size_t n;

	if ((name = rpc_param_proc(call, params, false, &g, &p)) == NULL) {
		return RPC_DONE;
	}
	if (p == NULL) {
		struct rpc_proc_ref *refs = rpc_proc_group_list(g, &n);

		return rpc_proc_signal_refs(call, refs, n, sigv);
	}
	if (rpc_proc_signal_one(p, name, sigv, &o) == 0) {
		return rpc_result(call, xr_bool_new(true));
	}
	rpc_fault(call, o.code, "%s", o.detail);
	free(o.detail);
	return RPC_DONE;
}

enum rpc_status
rpc_signal_process_group(struct rpc_call *call, const struct xr_value *params)
{
	struct rpc_proc_ref *refs;
	struct proc_group *g;
	size_t n;

	if ((g = rpc_param_group(call, params)) == NULL) {
		return RPC_DONE;
	}
	refs = rpc_proc_group_list(g, &n);
	return rpc_proc_signal_refs(call, refs, n, xr_array_at(params, 1));
}

enum rpc_status
rpc_signal_all_processes(struct rpc_call *call, const struct xr_value *params)
{
	size_t n;
	struct rpc_proc_ref *refs = rpc_proc_list(call->ctx->sv, false, &n);
	enum sv_mood mood;

	rpc_proc_signal_refs(call, refs, n, xr_array_at(params, 0));
	/* 4.2.5 checks its mood after signalling (its _update comes last):
	 * the signals are sent, and the answer is SHUTDOWN_STATE. */
	mood = call->ctx->sv->mood;
	if (mood == SV_RESTARTING || mood == SV_SHUTDOWN) {
		rpc_call_fini(call);
		return rpc_fault(call, RPC_FAULT_SHUTDOWN_STATE, NULL);
	}
	return RPC_DONE;
}

/* --- Information ------------------------------------------------------ */

/*
 * rpc_fmt_num writes the decimal form of v at p and returns its length
 * (at most 20). getAllProcessInfo formats a description per process, and
 * printf was a large part of its cost.
 */
static size_t
rpc_fmt_num(char *p, long long v)
{
	char tmp[24];
	unsigned long long u =
	    v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	size_t k = 0, n = 0;

	do {
		tmp[k++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0) {
		p[n++] = '-';
	}
	while (k > 0) {
		p[n++] = tmp[--k];
	}
	return n;
}

/* rpc_fmt_02 writes v (0..99) as two digits at p and returns 2. */
static size_t
rpc_fmt_02(char *p, long long v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return 2;
}

/* The longest description rpc_proc_uptime and strftime write, plus NUL. */
#define RPC_DESC_MAX 96

/* "pid N, uptime [D day[s], ]H:MM:SS", as _interpretProcessInfo says. */
static const char *
rpc_proc_uptime(
    const struct proc *p, int32_t start, int32_t now, char buf[RPC_DESC_MAX])
{
	/* Whole seconds of UTC times, as its datetime arithmetic. */
	long long up = (long long)now - start;
	long long days;
	size_t n;

	if (up < 0) {
		up = 0;
	}
	days = up / 86400;
	up %= 86400;
	memcpy(buf, "pid ", 4);
	n = 4;
	n += rpc_fmt_num(buf + n, (long long)p->pid);
	memcpy(buf + n, ", uptime ", 9);
	n += 9;
	if (days > 0) {
		n += rpc_fmt_num(buf + n, days);
		memcpy(buf + n, days == 1 ? " day, " : " days, ",
		    days == 1 ? 6 : 7);
		n += days == 1 ? 6 : 7;
	}
	/* up < 86400, so the hours are 0..23, printed without padding. */
	n += rpc_fmt_num(buf + n, up / 3600);
	buf[n++] = ':';
	n += rpc_fmt_02(buf + n, up / 60 % 60);
	buf[n++] = ':';
	n += rpc_fmt_02(buf + n, up % 60);
	buf[n] = '\0';
	return buf;
}

/*
 * _interpretProcessInfo's description: a literal, spawnerr, text in buf,
 * or (rarely) a new string stored in *freep for the caller to free.
 */
static const char *
rpc_proc_description(const struct proc *p, int32_t start, int32_t stop,
    int32_t now, const char *spawnerr, char buf[RPC_DESC_MAX], char **freep)
{
	enum proc_state st = proc_state(p);

	*freep = NULL;
	if (st == PROC_RUNNING) {
		return rpc_proc_uptime(p, start, now, buf);
	}
	if (st == PROC_FATAL || st == PROC_BACKOFF) {
		if (*spawnerr != '\0') {
			return spawnerr;
		}
		*freep = fv_xasprintf(
		    "unknown error (try \"tail %s\")", proc_name(p));
		return *freep;
	}
	if (st == PROC_STOPPED || st == PROC_EXITED) {
		time_t t = stop;
		struct tm tm;

		if (start == 0) {
			return "Not started";
		}
		if (localtime_r(&t, &tm) == NULL ||
		    strftime(buf, RPC_DESC_MAX, "%b %d %I:%M %p", &tm) == 0) {
			buf[0] = '\0';
		}
		return buf;
	}
	return "";
}

/* --- Info structs and their encodings ------------------------------- */

struct rpc_info_memo {
	const struct proc *p; /* borrowed, only a key; NULL: a free slot */
	struct xr_memo *m; /* owned */
};

void
rpc_info_memo_clear(struct rpc_ctx *ctx)
{
	for (size_t i = 0; i < ctx->info_memo_cap; i++) {
		xr_memo_free(ctx->info_memo[i].m);
	}
	free(ctx->info_memo);
	ctx->info_memo = NULL;
	ctx->ninfo_memo = ctx->info_memo_cap = 0;
}

static size_t
rpc_info_memo_hash(const struct proc *p, size_t cap)
{
	uint64_t h = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15u;

	return (size_t)(h >> 32) & (cap - 1);
}

/*
 * rpc_info_memo_slot finds p's slot, making one if needed (*fresh tells
 * which). The table keeps
 * no more than half its slots in use; when it would, it starts again
 * empty, sized for the processes there are now, which also forgets the
 * processes that are gone (a slot's encoding is only ever used for a
 * struct equal to it, so a process at a freed one's address is safe).
 */
static struct rpc_info_memo *
rpc_info_memo_slot(struct rpc_ctx *ctx, const struct proc *p, bool *fresh)
{
	size_t i, cap = ctx->info_memo_cap;

	*fresh = false;
	if (cap > 0) {
		for (i = rpc_info_memo_hash(p, cap);
		     ctx->info_memo[i].p != NULL; i = (i + 1) & (cap - 1)) {
			if (ctx->info_memo[i].p == p) {
				return &ctx->info_memo[i];
			}
		}
	}
	if (ctx->ninfo_memo + 1 > cap / 2) {
		const struct supervisor *sv = ctx->sv;
		size_t n = 0;

		for (size_t k = 0; k < sv->ngroups; k++) {
			n += sv->groups[k]->nprocs;
		}
		for (cap = 64; cap < 4 * (n + 1); cap *= 2) {
		}
		rpc_info_memo_clear(ctx);
		ctx->info_memo = fv_xcalloc(cap, sizeof(*ctx->info_memo));
		ctx->info_memo_cap = cap;
	}
	for (i = rpc_info_memo_hash(p, cap); ctx->info_memo[i].p != NULL;
	     i = (i + 1) & (cap - 1)) {
	}
	ctx->info_memo[i].p = p;
	ctx->ninfo_memo++;
	*fresh = true;
	return &ctx->info_memo[i];
}

/*
 * rpc_proc_info_encoded gives s, p's info struct, the encoding p's last
 * one had when they are equal, or else makes one for p's next: most calls
 * see a process unchanged within the same second, and encoding is most
 * of what getAllProcessInfo costs. A process asked about for the first
 * time gets only a slot: a client that asks once (a status, a script)
 * leaves no encodings behind, one that polls has them from its second
 * call on (about 2.5 KiB a process).
 */
static void
rpc_proc_info_encoded(
    struct rpc_ctx *ctx, const struct proc *p, struct xr_value *s)
{
	bool fresh;
	struct rpc_info_memo *e = rpc_info_memo_slot(ctx, p, &fresh);

	if (fresh || xr_memo_attach(e->m, s)) {
		return;
	}
	xr_memo_free(e->m);
	e->m = xr_memo_new(s);
	xr_memo_attach(e->m, s);
}

/*
 * rpc_proc_info builds getProcessInfo's struct, with 4.2.5's members in
 * its order, as one allocation (xr_struct_new_fields): this runs once per
 * process for every getAllProcessInfo.
 */
static struct xr_value *
rpc_proc_info(
    struct rpc_ctx *ctx, const struct proc_group *g, const struct proc *p)
{
	int32_t start = rpc_capped_int(p->laststart_wall);
	int32_t stop = rpc_capped_int(p->laststop_wall);
	int32_t now = rpc_capped_int((long long)time(NULL));
	const char *spawnerr = p->spawnerr != NULL ? p->spawnerr : "";
	const char *out = proc_log_path(p, EVBUS_STDOUT);
	const char *err = proc_log_path(p, EVBUS_STDERR);
	char buf[RPC_DESC_MAX], *desc_own;
	const char *desc =
	    rpc_proc_description(p, start, stop, now, spawnerr, buf, &desc_own);
	const struct xr_field f[] = {
		{ "name", XR_STRING, 0, proc_name(p) },
		{ "group", XR_STRING, 0, g->cfg->name },
		{ "start", XR_INT, start, NULL },
		{ "stop", XR_INT, stop, NULL },
		{ "now", XR_INT, now, NULL },
		{ "state", XR_INT, (int32_t)proc_state(p), NULL },
		{ "statename", XR_STRING, 0, proc_state_name(proc_state(p)) },
		{ "spawnerr", XR_STRING, 0, spawnerr },
		{ "exitstatus", XR_INT,
		    p->fsm.has_exitstatus ? p->fsm.exitstatus : 0, NULL },
		{ "logfile", XR_STRING, 0, out ? out : "" },
		{ "stdout_logfile", XR_STRING, 0, out ? out : "" },
		{ "stderr_logfile", XR_STRING, 0, err ? err : "" },
		{ "pid", XR_INT, (int32_t)p->pid, NULL },
		{ "description", XR_STRING, 0, desc },
	};
	struct xr_value *s = xr_struct_new_fields(f, nitems(f));

	free(desc_own);
	rpc_proc_info_encoded(ctx, p, s);
	return s;
}

enum rpc_status
rpc_get_process_info(struct rpc_call *call, const struct xr_value *params)
{
	struct proc_group *g;
	struct proc *p;

	if (rpc_param_proc(call, params, true, &g, &p) == NULL) {
		return RPC_DONE;
	}
	return rpc_result(call, rpc_proc_info(call->ctx, g, p));
}

enum rpc_status
rpc_get_all_process_info(struct rpc_call *call, const struct xr_value *params)
{
	size_t n;
	struct rpc_proc_ref *refs = rpc_proc_list(call->ctx->sv, true, &n);
	struct xr_value *out = xr_array_new();

	xr_array_reserve(out, n);
	for (size_t i = 0; i < n; i++) {
		xr_array_add_take(
		    out, rpc_proc_info(call->ctx, refs[i].group, refs[i].proc));
	}
	free(refs);
	return rpc_result(call, out);
}

/* --- stdin ------------------------------------------------------------ */

enum rpc_status
rpc_send_process_stdin(struct rpc_call *call, const struct xr_value *params)
{
	const struct xr_value *cv = xr_array_at(params, 1);
	const char *chars, *name;
	struct proc_group *g;
	struct proc *p;
	size_t n;
	int rv;

	if ((chars = rpc_param_string(cv, &n)) == NULL) {
		char *s = rpc_pystr(cv, &n);

		rpc_fault(call, RPC_FAULT_INCORRECT_PARAMETERS, "%s", s);
		free(s);
		return RPC_DONE;
	}
	if ((name = rpc_param_proc(call, params, true, &g, &p)) == NULL) {
		return RPC_DONE;
	}
	rv = proc_stdin_write(p, chars, n);
	switch (rv) {
	case 0:
		return rpc_result(call, xr_bool_new(true));
	case FV_ESTATE:
		return rpc_fault(call, RPC_FAULT_NOT_RUNNING, "%s", name);
	case -EPIPE:
		return rpc_fault(call, RPC_FAULT_NO_FILE, "%s", name);
	case FV_ETOOBIG:
		/* Ours: 4.2.5 buffers without bound. Nothing was written,
		 * so the client may try again once the child reads. */
		return rpc_fault(call, RPC_FAULT_FAILED,
		    "%s: stdin backlog over %d bytes", name,
		    PROC_STDIN_BACKLOG_MAX);
	default:
		return rpc_fault(
		    call, RPC_FAULT_FAILED, "%s: %s", name, uv_strerror(rv));
	}
}
