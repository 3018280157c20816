/*
 * proc_soon: due steps run in order, each exactly once, a bounded number
 * per loop iteration, with I/O polled between the batches. The clock is
 * fake (each step costs a set time), so no assertion depends on the
 * machine's speed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <uv.h>

#include "common/xalloc.h"
#include "process/proc.h"
#include "process/proc_soon.h"

#define NPROCS 10
#define MS     (1000u * 1000u)

struct fx {
	uv_loop_t loop;
	uv_prepare_t prepare; /* counts iterations, before each poll */
	uv_async_t async; /* an I/O event, sent by the first step */
	struct proc_soon soon;
	struct proc *procs;
	uint64_t now_ns;
	uint64_t step_cost_ns;
	unsigned iter;
	unsigned nsteps;
	int order[4 * NPROCS]; /* index of each step's process */
	unsigned iter_of[4 * NPROCS]; /* the iteration it ran in */
	int steps_at_io; /* steps run when the async was seen; -1: not yet */
	void (*hook)(struct fx *f, int idx); /* extra work of a step */
	int requeue_left;
	uint64_t tick_ns; /* the clock moves this much per iteration */
	int gate_closed_left; /* the gate holds for this many calls */
	bool gate_always; /* ... or for ever */
	unsigned gate_calls;
	unsigned unyield_at; /* proc_soon_yield(false) at this iteration */
	uv_idle_t spin; /* the paced call's own handles, until then */
	int progress_moves_left; /* the gate reports progress this often */
	uint64_t progress;
	int zombies; /* children left to reap */
	int nreaped;
	unsigned reap_iter[NPROCS]; /* the iteration each was reaped in */
	bool reap_closes_gate; /* each reap's event closes the gate once */
};

static struct fx *fx_cur; /* the seams take no context */

static uint64_t
fx_now_ns(void)
{
	return fx_cur->now_ns;
}

static void
fx_step(struct proc *p)
{
	struct fx *f = fx_cur;
	int idx = (int)(p - f->procs);

	assert_true(f->nsteps < 4 * NPROCS);
	assert_false(p->soon_queued);
	f->order[f->nsteps] = idx;
	f->iter_of[f->nsteps] = f->iter;
	f->nsteps++;
	f->now_ns += f->step_cost_ns;
	if (f->nsteps == 1) {
		assert_int_equal(uv_async_send(&f->async), 0);
	}
	if (f->hook != NULL) {
		f->hook(f, idx);
	}
}

static const struct proc_soon_ops fx_ops = {
	.step = fx_step,
	.now_ns = fx_now_ns,
};

static void
fx_on_prepare(uv_prepare_t *h)
{
	struct fx *f = h->data;

	f->iter++;
	f->now_ns += f->tick_ns;
	if (f->unyield_at != 0 && f->iter == f->unyield_at) {
		proc_soon_yield(&f->soon, false);
		uv_close((uv_handle_t *)&f->spin, NULL);
	}
}

static bool
fx_gate(void *arg, uint64_t *progress)
{
	struct fx *f = arg;

	f->gate_calls++;
	if (f->progress_moves_left > 0) {
		f->progress_moves_left--;
		f->progress++;
	}
	*progress = f->progress;
	if (f->gate_always) {
		return true;
	}
	if (f->gate_closed_left > 0) {
		f->gate_closed_left--;
		return true;
	}
	return false;
}

static bool
fx_reap(void *arg)
{
	struct fx *f = arg;

	if (f->zombies == 0) {
		return false;
	}
	assert_true(f->nreaped < NPROCS);
	f->zombies--;
	f->reap_iter[f->nreaped++] = f->iter;
	if (f->reap_closes_gate) {
		f->gate_closed_left = 1;
	}
	return true;
}

static void
fx_on_async(uv_async_t *h)
{
	struct fx *f = h->data;

	f->steps_at_io = (int)f->nsteps;
	uv_close((uv_handle_t *)&f->async, NULL);
}

static struct fx *
fx_new(uint64_t step_cost_ns, uint64_t budget_ns)
{
	struct fx *f = fv_xcalloc(1, sizeof(*f));

	fx_cur = f;
	f->step_cost_ns = step_cost_ns;
	f->steps_at_io = -1;
	f->procs = fv_xcalloc(NPROCS, sizeof(*f->procs));
	assert_int_equal(uv_loop_init(&f->loop), 0);
	uv_prepare_init(&f->loop, &f->prepare);
	f->prepare.data = f;
	uv_prepare_start(&f->prepare, fx_on_prepare);
	uv_unref((uv_handle_t *)&f->prepare);
	uv_async_init(&f->loop, &f->async, fx_on_async);
	f->async.data = f;
	uv_unref((uv_handle_t *)&f->async);
	proc_soon_init_ops(&f->soon, &f->loop, &fx_ops, budget_ns);
	proc_soon_set_reaper(&f->soon, fx_reap, f);
	return f;
}

static void
fx_free(struct fx *f)
{
	proc_soon_fini(&f->soon);
	if (!uv_is_closing((uv_handle_t *)&f->async)) {
		uv_close((uv_handle_t *)&f->async, NULL);
	}
	uv_close((uv_handle_t *)&f->prepare, NULL);
	assert_int_equal(uv_run(&f->loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	free(f->procs);
	free(f);
	fx_cur = NULL;
}

static void
fx_add_all(struct fx *f)
{
	for (int i = 0; i < NPROCS; i++) {
		proc_soon_add(&f->soon, &f->procs[i]);
	}
}

/* The loop must end by itself: the queue stops its handles once empty. */
static void
fx_run(struct fx *f)
{
	assert_int_equal(uv_run(&f->loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(f->soon.live, 0);
}

static void
test_soon_budget_bounds_each_iteration(void **state)
{
	/* 1 ms a step, 3 ms a check: three steps, then I/O. */
	struct fx *f = fx_new(1 * MS, 3 * MS);

	(void)state;
	fx_add_all(f);
	proc_soon_add(&f->soon, &f->procs[4]); /* queued once only */
	fx_run(f);
	assert_int_equal(f->nsteps, NPROCS);
	for (int i = 0; i < NPROCS; i++) {
		assert_int_equal(f->order[i], i);
		/* Iteration 1 runs 0..2, iteration 2 runs 3..5, ... */
		assert_int_equal(f->iter_of[i], 1 + (unsigned)i / 3);
		assert_false(f->procs[i].soon_queued);
	}
	/* The async sent by the first step was polled before step 4. */
	assert_int_equal(f->steps_at_io, 3);
	fx_free(f);
}

static void
test_soon_slow_step_runs_alone(void **state)
{
	/* A step longer than the budget: one per iteration, none lost. */
	struct fx *f = fx_new(10 * MS, 3 * MS);

	(void)state;
	fx_add_all(f);
	fx_run(f);
	assert_int_equal(f->nsteps, NPROCS);
	for (int i = 0; i < NPROCS; i++) {
		assert_int_equal(f->order[i], i);
		assert_int_equal(f->iter_of[i], 1 + (unsigned)i);
	}
	assert_int_equal(f->steps_at_io, 1);
	fx_free(f);
}

static void
fx_hook_requeue(struct fx *f, int idx)
{
	/* Process 0 is due again at once, three times. */
	if (idx == 0 && f->requeue_left > 0) {
		f->requeue_left--;
		proc_soon_add(&f->soon, &f->procs[0]);
	}
}

static void
test_soon_requeued_waits_for_next_iteration(void **state)
{
	/* A budget never spent: only queueing during a check defers. */
	struct fx *f = fx_new(0, 1000 * MS);

	(void)state;
	f->hook = fx_hook_requeue;
	f->requeue_left = 3;
	proc_soon_add(&f->soon, &f->procs[0]);
	proc_soon_add(&f->soon, &f->procs[1]);
	fx_run(f);
	assert_int_equal(f->nsteps, 5);
	assert_int_equal(f->order[0], 0);
	assert_int_equal(f->iter_of[0], 1);
	assert_int_equal(f->order[1], 1);
	assert_int_equal(f->iter_of[1], 1);
	for (unsigned i = 2; i < 5; i++) {
		assert_int_equal(f->order[i], 0);
		assert_int_equal(f->iter_of[i], i);
	}
	fx_free(f);
}

static void
fx_hook_remove(struct fx *f, int idx)
{
	if (idx == 0) {
		/* Later in this check, and in a later check. */
		proc_soon_remove(&f->soon, &f->procs[1]);
		proc_soon_remove(&f->soon, &f->procs[5]);
		/* Re-armed: it goes behind everything queued. */
		proc_soon_remove(&f->soon, &f->procs[7]);
		proc_soon_add(&f->soon, &f->procs[7]);
		/* Removed and queued again before its turn came. */
		proc_soon_remove(&f->soon, &f->procs[2]);
		proc_soon_add(&f->soon, &f->procs[2]);
	}
}

static void
test_soon_remove_keeps_order(void **state)
{
	static const int want[] = { 0, 3, 4, 6, 8, 9, 7, 2 };
	struct fx *f = fx_new(1 * MS, 3 * MS);

	(void)state;
	f->hook = fx_hook_remove;
	fx_add_all(f);
	fx_run(f);
	assert_int_equal(f->nsteps, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(f->order[i], want[i]);
	}
	assert_false(f->procs[1].soon_queued);
	assert_false(f->procs[5].soon_queued);
	fx_free(f);
}

static void
test_soon_remove_all_stops_the_loop(void **state)
{
	struct fx *f = fx_new(1 * MS, 3 * MS);

	(void)state;
	fx_add_all(f);
	for (int i = NPROCS - 1; i >= 0; i--) {
		proc_soon_remove(&f->soon, &f->procs[i]);
		assert_false(f->procs[i].soon_queued);
	}
	proc_soon_remove(&f->soon, &f->procs[0]); /* not queued: no-op */
	fx_run(f);
	assert_int_equal(f->nsteps, 0);
	/* Usable again afterwards. */
	proc_soon_add(&f->soon, &f->procs[3]);
	fx_run(f);
	assert_int_equal(f->nsteps, 1);
	assert_int_equal(f->order[0], 3);
	fx_free(f);
}

static void
fx_hook_flush(struct fx *f, int idx)
{
	/* Queued during the flush: waits for a check. Nested: ignored. */
	if (idx == 2) {
		proc_soon_add(&f->soon, &f->procs[0]);
		proc_soon_flush(&f->soon);
	}
}

static void
test_soon_flush_runs_all_due_at_once(void **state)
{
	struct fx *f = fx_new(1 * MS, 3 * MS);

	(void)state;
	f->hook = fx_hook_flush;
	fx_add_all(f);
	proc_soon_remove(&f->soon, &f->procs[4]);
	proc_soon_flush(&f->soon); /* past the budget, outside the loop */
	assert_int_equal(f->nsteps, NPROCS - 1);
	for (int i = 0, k = 0; i < NPROCS; i++) {
		if (i != 4) {
			assert_int_equal(f->order[k++], i);
		}
	}
	assert_int_equal(f->iter, 0);
	assert_true(f->procs[0].soon_queued);
	fx_run(f);
	assert_int_equal(f->nsteps, NPROCS);
	assert_int_equal(f->order[NPROCS - 1], 0);
	assert_int_equal(f->iter_of[NPROCS - 1], 1);
	proc_soon_flush(&f->soon); /* empty: no-op */
	assert_int_equal(f->nsteps, NPROCS);
	fx_free(f);
}

static void
test_soon_fini_drops_the_queue(void **state)
{
	struct fx *f = fx_new(1 * MS, 3 * MS);

	(void)state;
	for (int i = 0; i < NPROCS - 1; i++) {
		proc_soon_add(&f->soon, &f->procs[i]);
	}
	proc_soon_fini(&f->soon);
	proc_soon_add(&f->soon, &f->procs[NPROCS - 1]); /* closed: ignored */
	assert_false(f->procs[NPROCS - 1].soon_queued);
	/* The loop closes the handles and runs no step. */
	fx_run(f);
	assert_int_equal(f->nsteps, 0);
	fx_free(f);
}

static void
test_soon_gate_holds_until_it_opens(void **state)
{
	/* A hold longer than the fake clock gets: only the gate ends it. */
	struct fx *f = fx_new(1 * MS, 3 * MS);

	(void)state;
	f->tick_ns = 1 * MS;
	proc_soon_set_gate(&f->soon, fx_gate, f, 50 * MS);
	f->gate_closed_left = 3;
	fx_add_all(f);
	fx_run(f);
	assert_int_equal(f->nsteps, NPROCS);
	/* Checks 1-3 were held; the first step ran in the fourth. */
	assert_int_equal(f->iter_of[0], 4);
	for (int i = 0; i < NPROCS; i++) {
		assert_int_equal(f->order[i], i);
	}
	fx_free(f);
}

static void
test_soon_gate_hold_runs_out(void **state)
{
	/* The gate never opens: after 5 ms the steps run regardless, and
	 * the gate is not asked between them any more. */
	struct fx *f = fx_new(1 * MS, 3 * MS);

	(void)state;
	f->tick_ns = 2 * MS;
	proc_soon_set_gate(&f->soon, fx_gate, f, 5 * MS);
	f->gate_always = true;
	fx_add_all(f);
	fx_run(f);
	assert_int_equal(f->nsteps, NPROCS);
	/* Held from iteration 1 (t = 2 ms) until t >= 7 ms: iteration 4
	 * (t = 8 ms) runs the first batch, of three steps. */
	assert_int_equal(f->iter_of[0], 4);
	assert_int_equal(f->iter_of[3], 5);
	assert_int_equal(f->gate_calls, 4 + 3); /* 4 checks, then 1 each */
	fx_free(f);
}

static void
test_soon_gate_hold_lasts_while_listeners_progress(void **state)
{
	/* The gate never opens, but what it waits for moves on at its
	 * first four checks (t = 2..8 ms): each move starts the 5 ms again,
	 * so the hold runs out at t >= 13 ms, in iteration 7 (t = 14 ms),
	 * not 4 as without progress. */
	struct fx *f = fx_new(1 * MS, 3 * MS);

	(void)state;
	f->tick_ns = 2 * MS;
	proc_soon_set_gate(&f->soon, fx_gate, f, 5 * MS);
	f->gate_always = true;
	f->progress_moves_left = 4;
	fx_add_all(f);
	fx_run(f);
	assert_int_equal(f->nsteps, NPROCS);
	assert_int_equal(f->iter_of[0], 7);
	fx_free(f);
}

static void
fx_on_spin(uv_idle_t *h)
{
	(void)h; /* keeps the loop turning, as a parked call's check does */
}

static void
test_soon_yields_to_a_paced_call(void **state)
{
	/* While a paced call waits on the gate, the steps wait behind it,
	 * gate or no gate; they run once it is done, without a new event
	 * to wake the loop. */
	struct fx *f = fx_new(1 * MS, 3 * MS);

	(void)state;
	f->tick_ns = 1 * MS;
	proc_soon_yield(&f->soon, true);
	f->unyield_at = 5;
	uv_idle_init(&f->loop, &f->spin);
	uv_idle_start(&f->spin, fx_on_spin);
	fx_add_all(f);
	fx_run(f);
	assert_int_equal(f->nsteps, NPROCS);
	assert_int_equal(f->iter_of[0], 5);
	fx_free(f);
}

static void
test_soon_spent_hold_rearms_on_progress(void **state)
{
	/* A hold ran out (no progress): the steps run. Then the listeners
	 * take an event: the next check holds again, for a new 5 ms. */
	struct proc_hold h = { 0 };

	(void)state;
	fx_cur = &(struct fx){ .now_ns = 0 };
	assert_int_equal(
	    proc_hold_left(&h, true, 7, fx_now_ns, 5 * MS), 5 * MS);
	fx_cur->now_ns = 5 * MS;
	assert_int_equal(proc_hold_left(&h, true, 7, fx_now_ns, 5 * MS), 0);
	assert_true(h.spent);
	fx_cur->now_ns = 6 * MS;
	assert_int_equal(proc_hold_left(&h, true, 7, fx_now_ns, 5 * MS), 0);
	assert_int_equal(
	    proc_hold_left(&h, true, 8, fx_now_ns, 5 * MS), 5 * MS);
	assert_false(h.spent);
	/* The gate opening ends the hold at once. */
	assert_int_equal(proc_hold_left(&h, false, 8, fx_now_ns, 5 * MS), 0);
	assert_false(h.holding);
	fx_cur = NULL;
}

static void
fx_hook_close_gate(struct fx *f, int idx)
{
	if (idx == 1) {
		f->gate_closed_left = 1;
	}
}

static void
test_soon_gate_closing_ends_the_batch(void **state)
{
	struct fx *f = fx_new(1 * MS, 3 * MS);

	(void)state;
	proc_soon_set_gate(&f->soon, fx_gate, f, 50 * MS);
	f->hook = fx_hook_close_gate;
	fx_add_all(f);
	fx_run(f);
	assert_int_equal(f->nsteps, NPROCS);
	/* The budget allows three; the gate closed after the second. The
	 * next check finds it open again and runs three. */
	assert_int_equal(f->iter_of[1], 1);
	assert_int_equal(f->iter_of[2], 2);
	assert_int_equal(f->iter_of[4], 2);
	assert_int_equal(f->iter_of[5], 3);
	fx_free(f);
}

/* A client's flush stops where the gate closes, as a check does; the
 * rest runs in later checks, once the gate opens. */
static void
test_soon_flush_stops_at_the_gate(void **state)
{
	struct fx *f = fx_new(1 * MS, 3 * MS);

	(void)state;
	proc_soon_set_gate(&f->soon, fx_gate, f, 50 * MS);
	f->hook = fx_hook_close_gate;
	fx_add_all(f);
	proc_soon_flush(&f->soon);
	assert_int_equal(f->nsteps, 2);
	assert_int_equal(f->iter, 0);
	/* Closed at the start: nothing runs. */
	f->gate_closed_left = 1;
	proc_soon_flush(&f->soon);
	assert_int_equal(f->nsteps, 2);
	fx_run(f);
	assert_int_equal(f->nsteps, NPROCS);
	for (int i = 0; i < NPROCS; i++) {
		assert_int_equal(f->order[i], i);
	}
	fx_free(f);
}

static void
test_soon_reaps_at_once_when_open(void **state)
{
	struct fx *f = fx_new(1 * MS, 3 * MS);

	(void)state;
	proc_soon_set_gate(&f->soon, fx_gate, f, 1 * MS);
	f->zombies = 5;
	proc_soon_reap(&f->soon);
	assert_int_equal(f->nreaped, 5);
	assert_int_equal(f->reap_iter[4], 0);
	fx_run(f); /* nothing left: no handle keeps the loop */
	assert_int_equal(f->nreaped, 5);
	fx_free(f);
}

static void
test_soon_reaps_one_per_opening(void **state)
{
	/* Each exit's event backs the pool up until the next iteration:
	 * one child is reaped per opening, not the burst at once. */
	struct fx *f = fx_new(1 * MS, 3 * MS);

	(void)state;
	proc_soon_set_gate(&f->soon, fx_gate, f, 1 * MS);
	f->reap_closes_gate = true;
	f->zombies = 4;
	proc_soon_reap(&f->soon);
	assert_int_equal(f->nreaped, 1);
	fx_run(f);
	assert_int_equal(f->nreaped, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(f->reap_iter[i], (unsigned)i);
	}
	fx_free(f);
}

static void
test_soon_reap_waits_at_most_the_cap(void **state)
{
	/* Listeners that keep taking events but never empty the buffer
	 * would hold the exits for ever: the cap ends that, 250 ms after
	 * the gate closed on them (iteration 5, 50 ms each). */
	struct fx *f = fx_new(1 * MS, 3 * MS);

	(void)state;
	proc_soon_set_gate(&f->soon, fx_gate, f, 1 * MS);
	f->tick_ns = 50 * MS;
	f->gate_always = true;
	f->progress_moves_left = 1000;
	f->zombies = 3;
	proc_soon_reap(&f->soon);
	assert_int_equal(f->nreaped, 0);
	fx_run(f);
	assert_int_equal(f->nreaped, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(f->reap_iter[i], 5);
	}
	fx_free(f);
}

static void
test_soon_reaps_while_a_paced_call_waits(void **state)
{
	/* A paced call holds the steps, not the exits. */
	struct fx *f = fx_new(1 * MS, 3 * MS);

	(void)state;
	proc_soon_yield(&f->soon, true);
	f->zombies = 3;
	proc_soon_reap(&f->soon);
	assert_int_equal(f->nreaped, 3);
	proc_soon_yield(&f->soon, false);
	fx_run(f);
	fx_free(f);
}

static void
fx_hook_exit(struct fx *f, int idx)
{
	/* Step 0 spawns a child that dies at once (proc_tick reaps). */
	if (idx == 0) {
		f->zombies = 1;
		proc_soon_reap(&f->soon);
	}
}

static void
test_soon_step_reaps_in_its_check(void **state)
{
	struct fx *f = fx_new(1 * MS, 3 * MS);

	(void)state;
	f->hook = fx_hook_exit;
	proc_soon_add(&f->soon, &f->procs[0]);
	fx_run(f);
	assert_int_equal(f->nsteps, 1);
	assert_int_equal(f->nreaped, 1);
	assert_int_equal(f->reap_iter[0], f->iter_of[0]);
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_soon_budget_bounds_each_iteration),
		cmocka_unit_test(test_soon_slow_step_runs_alone),
		cmocka_unit_test(test_soon_requeued_waits_for_next_iteration),
		cmocka_unit_test(test_soon_remove_keeps_order),
		cmocka_unit_test(test_soon_remove_all_stops_the_loop),
		cmocka_unit_test(test_soon_flush_runs_all_due_at_once),
		cmocka_unit_test(test_soon_flush_stops_at_the_gate),
		cmocka_unit_test(test_soon_fini_drops_the_queue),
		cmocka_unit_test(test_soon_gate_holds_until_it_opens),
		cmocka_unit_test(test_soon_gate_hold_runs_out),
		cmocka_unit_test(
		    test_soon_gate_hold_lasts_while_listeners_progress),
		cmocka_unit_test(test_soon_spent_hold_rearms_on_progress),
		cmocka_unit_test(test_soon_yields_to_a_paced_call),
		cmocka_unit_test(test_soon_gate_closing_ends_the_batch),
		cmocka_unit_test(test_soon_reaps_at_once_when_open),
		cmocka_unit_test(test_soon_reaps_one_per_opening),
		cmocka_unit_test(test_soon_reap_waits_at_most_the_cap),
		cmocka_unit_test(test_soon_reaps_while_a_paced_call_waits),
		cmocka_unit_test(test_soon_step_reaps_in_its_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
