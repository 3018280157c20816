/*
 * The paced start and stop fan-outs (see rpc_pace.h). A walk owns its
 * refs, its wait until it hands it to rpc_pwait_begin, and, once it has
 * parked, a check and a hold timer; it is freed in their last close
 * callback. It borrows the processes only while their group exists (it
 * follows EVBUS_GROUP_REMOVED while parked) and its call only until the
 * call is answered or cancelled. It never parks while the gate is open:
 * a client that no listener slows down is answered as before, in the
 * same loop iteration.
 */
#include "rpc/rpc_pace.h"

#include <stdlib.h>

#include "common/xalloc.h"
#include "process/supervisor.h"
#include "rpc/rpc_methods.h"

struct rpc_pace {
	struct rpc_call *call; /* borrowed; NULL once cancelled or done */
	struct supervisor *sv; /* borrowed */
	const struct rpc_pace_ops *ops; /* borrowed (static) */
	struct rpc_pwait *w; /* owned until rpc_pwait_begin */
	bool wait;
	/* startProcess or stopProcess of one process: answered with its
	 * outcome (out, unless it waits) rather than with result structs. */
	bool single;
	char *name; /* owned: the name the client gave */
	struct rpc_pout out;
	struct rpc_proc_ref *refs; /* owned; proc NULL: its group is gone */
	struct xr_value **gone; /* owned, n slots or NULL: answers of those */
	size_t n, next;
	/* The hold of one backlog, as proc_soon's, and what is left of it
	 * at the last look. */
	struct proc_hold hold;
	uint64_t hold_left_ns;
	/* From the first park on. */
	bool parked;
	bool subscribed;
	uv_check_t check; /* looks at the gate after each poll */
	uv_timer_t hold_timer; /* ends the poll when the hold runs out */
	int open_handles;
};

static void
rpc_pace_free_refs(struct rpc_pace *pc)
{
	if (pc->gone != NULL) {
		for (size_t i = 0; i < pc->n; i++) {
			xr_value_free(pc->gone[i]);
		}
		free(pc->gone);
		pc->gone = NULL;
	}
	free(pc->refs);
	pc->refs = NULL;
	free(pc->name);
	pc->name = NULL;
	free(pc->out.detail);
	pc->out.detail = NULL;
}

static void
rpc_pace_on_close(uv_handle_t *h)
{
	struct rpc_pace *pc = h->data;

	if (--pc->open_handles == 0) {
		free(pc);
	}
}

static void rpc_pace_on_event(void *arg, const struct evbus_event *ev);

/* Detaches pc from everything and frees it (once its handles closed). */
static void
rpc_pace_free(struct rpc_pace *pc)
{
	pc->call = NULL;
	if (pc->w != NULL) {
		rpc_pwait_free(pc->w);
		pc->w = NULL;
	}
	rpc_pace_free_refs(pc);
	if (pc->subscribed) {
		evbus_unsubscribe(&pc->sv->bus, rpc_pace_on_event, pc);
		pc->subscribed = false;
	}
	if (!pc->parked) {
		free(pc);
		return;
	}
	proc_soon_yield(&pc->sv->soon, false);
	uv_close((uv_handle_t *)&pc->check, rpc_pace_on_close);
	uv_close((uv_handle_t *)&pc->hold_timer, rpc_pace_on_close);
}

/* True while the gate holds the walk (see rpc_pace.h). */
static bool
rpc_pace_held(struct rpc_pace *pc)
{
	const struct proc_soon *soon = &pc->sv->soon;
	uint64_t progress;
	bool closed = supervisor_events_backed_up(pc->sv, &progress);

	pc->hold_left_ns = proc_hold_left(
	    &pc->hold, closed, progress, soon->ops.now_ns, soon->hold_ns);
	return pc->hold_left_ns > 0;
}

static bool
rpc_pace_shutting_down(const struct supervisor *sv)
{
	return sv->mood == SV_RESTARTING || sv->mood == SV_SHUTDOWN;
}

/* startProcess or stopProcess of refs[0], as rpc_process.c's one. */
static void
rpc_pace_take_single(struct rpc_pace *pc)
{
	struct rpc_proc_ref *r = &pc->refs[0];
	struct rpc_pout *o = &pc->out;

	if (r->proc == NULL) {
		/* Its group was removed while the call was parked: gone, as
		 * 4.2.5 finds a name that is no longer there. */
		o->code = RPC_FAULT_BAD_NAME;
		o->detail = fv_xstrdup(pc->name);
	} else if (rpc_pace_shutting_down(pc->sv)) {
		o->code = RPC_FAULT_SHUTDOWN_STATE;
	} else {
		pc->ops->one(pc->sv, r->proc, pc->name, pc->wait, o);
	}
	if (o->code == RPC_PACE_WAIT) {
		rpc_pwait_add(
		    pc->w, r->group, r->proc, pc->ops->stop, pc->name);
	}
}

/* make_allfunc's first pass for refs[i]. */
static void
rpc_pace_take(struct rpc_pace *pc, size_t i)
{
	struct rpc_proc_ref *r = &pc->refs[i];
	struct rpc_pout o = { 0 };
	char *ns;

	if (pc->single) {
		rpc_pace_take_single(pc);
		return;
	}
	if (r->proc == NULL) {
		if (pc->gone != NULL && pc->gone[i] != NULL) {
			rpc_pwait_result(pc->w, pc->gone[i]);
			pc->gone[i] = NULL;
		}
		return;
	}
	if (!pc->ops->admits(r->proc)) {
		return;
	}
	ns = rpc_proc_namespec(r->group, r->proc);
	if (rpc_pace_shutting_down(pc->sv)) {
		o.code = RPC_FAULT_SHUTDOWN_STATE;
	} else {
		pc->ops->one(pc->sv, r->proc, ns, pc->wait, &o);
	}
	if (o.code == RPC_PACE_WAIT) {
		rpc_pwait_add(pc->w, r->group, r->proc, pc->ops->stop, NULL);
	} else {
		rpc_pwait_result(pc->w,
		    rpc_proc_result_struct(
		        r->group, r->proc, o.code, o.detail));
	}
	free(o.detail);
	free(ns);
}

/* Whether refs[i] would start or stop something (and so make events). */
static bool
rpc_pace_acts(const struct rpc_pace *pc, size_t i)
{
	const struct proc *p = pc->refs[i].proc;

	return p != NULL && pc->ops->admits(p);
}

/*
 * Takes refs in order while the gate lets it; true once all are taken.
 * The gate is asked only before a process that is started or stopped:
 * one passed by makes no event, and must not park the call.
 */
static bool
rpc_pace_walk(struct rpc_pace *pc)
{
	while (pc->next < pc->n) {
		size_t i = pc->next;

		if (rpc_pace_acts(pc, i) && rpc_pace_held(pc)) {
			return false;
		}
		pc->next++;
		rpc_pace_take(pc, i);
		if (pc->call == NULL) {
			return false; /* cancelled under the step */
		}
	}
	return true;
}

static void
rpc_pace_on_hold_timer(uv_timer_t *t)
{
	(void)t; /* its only job: end the poll; the check looks again */
}

/* Arms the hold timer for what was left of the hold at the last look. */
static void
rpc_pace_arm(struct rpc_pace *pc)
{
	uv_timer_start(&pc->hold_timer, rpc_pace_on_hold_timer,
	    (pc->hold_left_ns + 999999) / 1000000, 0);
}

static void rpc_pace_on_check(uv_check_t *h);
static void rpc_pace_cancel(struct rpc_call *call);

/* The walk stops until a later iteration; the call waits meanwhile. */
static enum rpc_status
rpc_pace_park(struct rpc_pace *pc)
{
	uv_loop_t *loop = pc->sv->loop;

	pc->parked = true;
	/* Restarts wait behind us: they would take every opening. */
	proc_soon_yield(&pc->sv->soon, true);
	uv_check_init(loop, &pc->check);
	uv_timer_init(loop, &pc->hold_timer);
	pc->check.data = pc;
	pc->hold_timer.data = pc;
	pc->open_handles = 2;
	uv_check_start(&pc->check, rpc_pace_on_check);
	rpc_pace_arm(pc);
	evbus_subscribe(
	    &pc->sv->bus, EVBUS_GROUP_REMOVED, rpc_pace_on_event, pc);
	pc->subscribed = true;
	return rpc_wait(pc->call, rpc_pace_cancel, pc);
}

/* Answers a single call whose outcome was known at once. */
static void
rpc_pace_answer_single(struct rpc_pace *pc, struct rpc_call *call)
{
	if (pc->out.code == 0) {
		rpc_result(call, xr_bool_new(true));
	} else if (pc->out.detail == NULL) {
		rpc_fault(call, pc->out.code, NULL);
	} else {
		rpc_fault(call, pc->out.code, "%s", pc->out.detail);
	}
}

/* Hands the wait to rpc_wait.c, which answers now or when settled. */
static enum rpc_status
rpc_pace_end(struct rpc_pace *pc)
{
	struct rpc_call *call = pc->call;
	struct rpc_pwait *w = pc->w;
	bool parked = pc->parked;
	enum rpc_status st;

	pc->w = NULL;
	if (pc->single && pc->out.code != RPC_PACE_WAIT) {
		rpc_pace_answer_single(pc, call);
		rpc_pwait_free(w);
		rpc_pace_free(pc);
		if (parked) {
			rpc_finish(call);
		}
		return RPC_DONE;
	}
	rpc_pace_free(pc);
	/* A parked call is pending already: rpc_pwait_begin takes it over,
	 * or answers, and then on_done is ours to run. */
	st = rpc_pwait_begin(w);
	if (parked && st == RPC_DONE) {
		rpc_finish(call);
	}
	return st;
}

static void
rpc_pace_on_check(uv_check_t *h)
{
	struct rpc_pace *pc = h->data;

	if (pc->call == NULL) {
		return; /* closing */
	}
	if (!rpc_pace_walk(pc)) {
		if (pc->call != NULL) {
			rpc_pace_arm(pc);
		}
		return;
	}
	rpc_pace_end(pc);
}

static void
rpc_pace_cancel(struct rpc_call *call)
{
	rpc_pace_free(call->wait);
}

/* The refs of a group about to be freed: answered now, or passed by. */
static void
rpc_pace_on_event(void *arg, const struct evbus_event *ev)
{
	struct rpc_pace *pc = arg;

	for (size_t i = pc->next; i < pc->n; i++) {
		struct rpc_proc_ref *r = &pc->refs[i];
		char *ns;

		if (r->proc == NULL || r->group != ev->group) {
			continue;
		}
		if (!pc->single && pc->ops->admits(r->proc)) {
			if (pc->gone == NULL) {
				pc->gone = fv_xcalloc(pc->n, sizeof(*pc->gone));
			}
			ns = rpc_proc_namespec(r->group, r->proc);
			pc->gone[i] = rpc_proc_result_struct(
			    r->group, r->proc, RPC_FAULT_BAD_NAME, ns);
			free(ns);
		}
		r->proc = NULL;
		r->group = NULL;
	}
}

static enum rpc_status
rpc_pace_run(struct rpc_call *call, const struct rpc_pace_ops *ops,
    struct rpc_proc_ref *refs, size_t n, bool wait, const char *single)
{
	struct rpc_pace *pc = fv_xcalloc(1, sizeof(*pc));

	pc->call = call;
	pc->sv = call->ctx->sv;
	pc->ops = ops;
	pc->single = single != NULL;
	pc->name = single != NULL ? fv_xstrdup(single) : NULL;
	pc->w = rpc_pwait_new(call, pc->single);
	pc->wait = wait;
	pc->refs = refs;
	pc->n = n;
	if (!rpc_pace_walk(pc)) {
		return rpc_pace_park(pc);
	}
	return rpc_pace_end(pc);
}

enum rpc_status
rpc_pace_all_take(struct rpc_call *call, const struct rpc_pace_ops *ops,
    struct rpc_proc_ref *refs, size_t n, bool wait)
{
	return rpc_pace_run(call, ops, refs, n, wait, NULL);
}

enum rpc_status
rpc_pace_one(struct rpc_call *call, const struct rpc_pace_ops *ops,
    struct proc_group *g, struct proc *p, const char *name, bool wait)
{
	struct rpc_proc_ref *ref = fv_xcalloc(1, sizeof(*ref));

	ref->group = g;
	ref->proc = p;
	return rpc_pace_run(call, ops, ref, 1, wait, name);
}
