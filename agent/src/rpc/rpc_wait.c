/*
 * Waiting for starts and stops, as 4.2.5's deferred onwait callbacks do:
 * a waiter follows the processes' state changes on the supervisor's bus
 * and settles each process with 4.2.5's onwait rule, evaluated on the
 * current state (as 4.2.5's polling would see it). Answers go out from a
 * zero-delay timer, never from inside a state change, so a client that
 * reacts to the answer (a multicall's next call) finds the process table
 * consistent. A waiter never outlives its call: the call's cancel detaches
 * it, and it forgets a process as soon as its group goes away. It starts
 * and stops nothing itself.
 */
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "process/supervisor.h"
#include "rpc/rpc_methods.h"
#include "rpc/rpc_proc.h"

/* 4.2.5 repeats "waiting for NAME to stop" every 2 seconds. */
#define RPC_STOP_REPORT_MS 2000

struct rpc_pitem {
	struct proc *proc; /* borrowed; NULL once settled */
	char *name, *group, *namespec;
	bool stop; /* a stop, else a start */
	bool settled; /* the outcome is known */
	bool answered; /* its result struct was added */
	int code; /* 0: success, else a fault */
	char *detail;
	uint64_t last_report_ms;
	bool reported;
};

struct rpc_pwait {
	struct rpc_call *call; /* borrowed; NULL once detached */
	struct supervisor *sv; /* borrowed */
	bool single; /* answer with the one item's outcome */
	struct rpc_pitem *items;
	size_t nitems, cap;
	struct xr_value *results; /* owned: result structs so far */
	uv_timer_t timer;
	bool subscribed;
	/* rpc_pwait_begin ran: until then a fan-out that spans loop
	 * iterations (rpc_pace.c) is still adding, and nothing answers. */
	bool begun;
};

static void
rpc_pitem_fini(struct rpc_pitem *it)
{
	free(it->name);
	free(it->group);
	free(it->namespec);
	free(it->detail);
}

static void
rpc_pwait_on_close(uv_handle_t *h)
{
	struct rpc_pwait *w = h->data;

	for (size_t i = 0; i < w->nitems; i++) {
		rpc_pitem_fini(&w->items[i]);
	}
	free(w->items);
	xr_value_free(w->results);
	free(w);
}

struct rpc_pwait *
rpc_pwait_new(struct rpc_call *call, bool single)
{
	struct rpc_pwait *w = fv_xcalloc(1, sizeof(*w));

	w->call = call;
	w->sv = call->ctx->sv;
	w->single = single;
	w->results = xr_array_new();
	uv_timer_init(w->sv->loop, &w->timer);
	w->timer.data = w;
	return w;
}

static void rpc_pwait_on_event(void *arg, const struct evbus_event *ev);

void
rpc_pwait_free(struct rpc_pwait *w)
{
	if (w->subscribed) {
		evbus_unsubscribe(&w->sv->bus, rpc_pwait_on_event, w);
		w->subscribed = false;
	}
	w->call = NULL;
	uv_close((uv_handle_t *)&w->timer, rpc_pwait_on_close);
}

void
rpc_pwait_add(struct rpc_pwait *w, struct proc_group *g, struct proc *p,
    bool stop, const char *namespec)
{
	struct rpc_pitem *it;

	if (w->nitems == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 4;
		w->items =
		    fv_xreallocarray(w->items, w->cap, sizeof(*w->items));
	}
	it = &w->items[w->nitems++];
	*it = (struct rpc_pitem){
		.proc = p,
		.name = fv_xstrdup(proc_name(p)),
		.group = fv_xstrdup(g->cfg->name),
		.namespec = namespec != NULL ? fv_xstrdup(namespec)
		                             : rpc_proc_namespec(g, p),
		.stop = stop,
	};
	/* From the first item on: a stop reached before rpc_pwait_begin
	 * counts, and a group removed meanwhile is forgotten in time. */
	if (!w->subscribed) {
		evbus_subscribe(&w->sv->bus,
		    EVBUS_PROC_STATE | EVBUS_GROUP_REMOVED, rpc_pwait_on_event,
		    w);
		w->subscribed = true;
	}
}

void
rpc_pwait_result(struct rpc_pwait *w, struct xr_value *result)
{
	xr_array_add_take(w->results, result);
}

static void
rpc_pitem_settle(struct rpc_pitem *it, int code)
{
	it->settled = true;
	it->code = code;
	if (code != 0) {
		it->detail = fv_xstrdup(it->namespec);
	}
	it->proc = NULL;
}

/* 4.2.5's onwait of startProcess and stopProcess, on the state now. */
static void
rpc_pitem_eval(struct rpc_pitem *it)
{
	struct proc *p = it->proc;
	enum proc_state st;

	if (it->settled) {
		return;
	}
	st = proc_state(p);
	if (it->stop) {
		if (proc_state_is_stopped(st)) {
			rpc_pitem_settle(it, 0);
		}
		return;
	}
	if (p->spawnerr != NULL) {
		rpc_pitem_settle(it, RPC_FAULT_SPAWN_ERROR);
	} else if (st != PROC_STARTING && st != PROC_RUNNING) {
		rpc_pitem_settle(it, RPC_FAULT_ABNORMAL_TERMINATION);
	} else if (st == PROC_RUNNING) {
		rpc_pitem_settle(it, 0);
	}
}

/* stop_report(): "waiting for NAME to stop", at most every 2 seconds. */
static void
rpc_pwait_report(struct rpc_pwait *w)
{
	uint64_t now = 0;

	for (size_t i = 0; i < w->nitems; i++) {
		struct rpc_pitem *it = &w->items[i];

		if (it->settled || !it->stop ||
		    proc_state(it->proc) != PROC_STOPPING) {
			continue;
		}
		if (now == 0) {
			now = supervisor_now_ms(w->sv);
		}
		if (it->reported &&
		    now - it->last_report_ms <= RPC_STOP_REPORT_MS) {
			continue;
		}
		it->reported = true;
		it->last_report_ms = now;
		supervisor_log(
		    w->sv, MAINLOG_INFO, "waiting for %s to stop", it->name);
	}
}

/*
 * One poll: settle what can be settled, add result structs in process
 * order, as make_allfunc's pass over its callbacks does. Returns true
 * when every item is settled.
 */
static bool
rpc_pwait_poll(struct rpc_pwait *w)
{
	bool done = true;

	for (size_t i = 0; i < w->nitems; i++) {
		rpc_pitem_eval(&w->items[i]);
	}
	rpc_pwait_report(w);
	for (size_t i = 0; i < w->nitems; i++) {
		struct rpc_pitem *it = &w->items[i];

		if (!it->settled) {
			done = false;
			continue;
		}
		if (!it->answered && !w->single) {
			xr_array_add_take(w->results,
			    rpc_proc_result_names(
			        it->name, it->group, it->code, it->detail));
		}
		it->answered = true;
	}
	return done;
}

/* Puts w's outcome into call. */
static void
rpc_pwait_answer(struct rpc_pwait *w, struct rpc_call *call)
{
	if (!w->single) {
		rpc_result(call, w->results);
		w->results = NULL;
		return;
	}
	if (w->items[0].code == 0) {
		rpc_result(call, xr_bool_new(true));
	} else {
		rpc_fault(call, w->items[0].code, "%s", w->items[0].detail);
	}
}

static bool
rpc_pwait_has_stops(const struct rpc_pwait *w)
{
	for (size_t i = 0; i < w->nitems; i++) {
		if (!w->items[i].settled && w->items[i].stop) {
			return true;
		}
	}
	return false;
}

static void
rpc_pwait_on_timer(uv_timer_t *t)
{
	struct rpc_pwait *w = t->data;
	struct rpc_call *call = w->call;

	if (call == NULL || !w->begun) {
		return; /* rpc_pwait_begin polls first */
	}
	if (!rpc_pwait_poll(w)) {
		if (rpc_pwait_has_stops(w)) {
			uv_timer_start(&w->timer, rpc_pwait_on_timer,
			    RPC_STOP_REPORT_MS + 1, 0);
		}
		return;
	}
	rpc_pwait_answer(w, call);
	rpc_pwait_free(w);
	rpc_finish(call);
}

/* The poll runs from the loop, never inside the state change. */
static void
rpc_pwait_on_event(void *arg, const struct evbus_event *ev)
{
	struct rpc_pwait *w = arg;
	bool touched = false;

	for (size_t i = 0; i < w->nitems; i++) {
		struct rpc_pitem *it = &w->items[i];

		if (it->settled) {
			continue;
		}
		if (ev->kind == EVBUS_PROC_STATE && ev->proc == it->proc) {
			/* A stop is settled by reaching a stopped state, not
			 * by still being in one when the poll runs: another
			 * client's start in the same loop turn (concurrent
			 * restarts) would otherwise leave it waiting for a
			 * stop that already happened, for ever. */
			if (it->stop && proc_state_is_stopped(ev->to)) {
				rpc_pitem_settle(it, 0);
			}
			touched = true;
		} else if (ev->kind == EVBUS_GROUP_REMOVED &&
		    it->proc->group == ev->group) {
			/* Settle now, while the process still exists: a
			 * removed group's processes are all stopped. */
			rpc_pitem_eval(it);
			if (!it->settled) {
				rpc_pitem_settle(it,
				    it->stop ? 0
				             : RPC_FAULT_ABNORMAL_TERMINATION);
			}
			touched = true;
		}
	}
	if (touched) {
		uv_timer_start(&w->timer, rpc_pwait_on_timer, 0, 0);
	}
}

static void
rpc_pwait_cancel(struct rpc_call *call)
{
	struct rpc_pwait *w = call->wait;

	if (w != NULL) {
		rpc_pwait_free(w);
	}
}

/* Answers at once when the first poll settles everything, else waits. */
enum rpc_status
rpc_pwait_begin(struct rpc_pwait *w)
{
	struct rpc_call *call = w->call;

	w->begun = true;
	if (rpc_pwait_poll(w)) {
		rpc_pwait_answer(w, call);
		rpc_pwait_free(w);
		return RPC_DONE;
	}
	if (rpc_pwait_has_stops(w)) {
		uv_timer_start(
		    &w->timer, rpc_pwait_on_timer, RPC_STOP_REPORT_MS + 1, 0);
	}
	return rpc_wait(call, rpc_pwait_cancel, w);
}
