/*
 * The queue of due-now process steps (see proc_soon.h). It owns its array
 * and its two handles, borrows the processes, and never runs a step in the
 * iteration that queued it, nor keeps the loop from polling I/O for longer
 * than its budget and one step.
 */
#include "process/proc_soon.h"

#include <stdlib.h>

#include "common/xalloc.h"
#include "process/proc.h"

static const struct proc_soon_ops proc_soon_default_ops = {
	.step = proc_tick,
	.now_ns = uv_hrtime,
};

static void
proc_soon_stop_handles(struct proc_soon *s)
{
	uv_idle_stop(&s->idle);
	uv_check_stop(&s->check);
	uv_timer_stop(&s->hold_timer);
	s->hold = (struct proc_hold){ 0 };
	s->closed_on_work = false;
}

/* Drops the slots already run or removed; what is left keeps its order. */
static void
proc_soon_compact(struct proc_soon *s)
{
	size_t k = 0;

	for (size_t i = s->head; i < s->n; i++) {
		if (s->q[i] != NULL) {
			s->q[k++] = s->q[i];
		}
	}
	s->head = 0;
	s->n = k;
	if (k == 0 && !s->reap_due) {
		proc_soon_stop_handles(s);
	}
}

static bool proc_soon_waited_max(const struct proc_soon *s);

/* Runs the steps queued before the call, oldest first, until budget_ns
 * is spent (at least one). Steps they queue wait for the next check, or a
 * restart that is due at once would never let the loop poll. */
static void
proc_soon_run(struct proc_soon *s, uint64_t budget_ns)
{
	size_t end = s->n;
	uint64_t t0 = s->ops.now_ns(), progress;

	s->in_check = true;
	while (s->head < end) {
		struct proc *p = s->q[s->head];

		/* Taken off before it runs: a step that removes or queues
		 * p again finds no slot of p left in this part. */
		s->q[s->head++] = NULL;
		if (p == NULL) {
			continue;
		}
		p->soon_queued = false;
		s->live--;
		s->ops.step(p);
		if (!s->open) {
			return; /* the supervisor went away under the step */
		}
		if (s->ops.now_ns() - t0 >= budget_ns) {
			break;
		}
		/* A gate that closed during the batch ends it, a flush's
		 * too: the next check decides whether to hold. */
		if (!s->hold.spent && !proc_soon_waited_max(s) &&
		    proc_soon_gate(s, &progress)) {
			break;
		}
	}
	s->in_check = false;
	proc_soon_compact(s);
}

static void proc_soon_on_idle(uv_idle_t *h);
static void proc_soon_on_check(uv_check_t *h);

static void
proc_soon_on_hold_timer(uv_timer_t *h)
{
	(void)h; /* its only job: end the poll; the check looks again */
}

uint64_t
proc_hold_left(struct proc_hold *h, bool closed, uint64_t progress,
    uint64_t (*now)(void), uint64_t hold_ns)
{
	uint64_t t;

	if (!closed) {
		h->holding = false;
		h->spent = false;
		return 0;
	}
	if (h->spent && progress == h->progress) {
		return 0;
	}
	t = now();
	if (!h->holding || progress != h->progress) {
		/* A new hold, or one whose listeners moved on: from now. */
		h->holding = true;
		h->spent = false;
		h->since = t;
		h->progress = progress;
	}
	if (t - h->since >= hold_ns) {
		h->holding = false;
		h->spent = true;
		return 0;
	}
	return hold_ns - (t - h->since);
}

/* How long the work queued must still wait, in ns (0: go on): the
 * gate's hold, but no longer than PROC_SOON_WAIT_MAX_NS after the gate
 * closed on it. */
static uint64_t
proc_soon_wait(struct proc_soon *s)
{
	uint64_t progress, left, t, age;
	bool closed = proc_soon_gate(s, &progress);

	left = proc_hold_left(
	    &s->hold, closed, progress, s->ops.now_ns, s->hold_ns);
	if (!closed) {
		s->closed_on_work = false;
		return 0;
	}
	t = s->ops.now_ns();
	if (!s->closed_on_work) {
		s->closed_on_work = true;
		s->closed_since = t;
	}
	age = t - s->closed_since;
	if (left == 0 || age >= PROC_SOON_WAIT_MAX_NS) {
		return 0;
	}
	return left < PROC_SOON_WAIT_MAX_NS - age ? left
	                                          : PROC_SOON_WAIT_MAX_NS - age;
}

/* True once the gate has been closed on the work for the longest wait. */
static bool
proc_soon_waited_max(const struct proc_soon *s)
{
	return s->closed_on_work &&
	    s->ops.now_ns() - s->closed_since >= PROC_SOON_WAIT_MAX_NS;
}

/* How long the due steps must still wait, in ns (0: run them now;
 * UINT64_MAX: until a paced call is done, proc_soon_yield wakes us). */
static uint64_t
proc_soon_step_wait(struct proc_soon *s)
{
	return s->yielding > 0 ? UINT64_MAX : proc_soon_wait(s);
}

/* Reaps one child at a time while the wait allows; returns how long the
 * ones left must still wait (0: none is left). */
static uint64_t
proc_soon_reap_run(struct proc_soon *s)
{
	uint64_t wait = 0;

	if (s->reaping) {
		return 0; /* a reap's own consequences: the outer run goes on */
	}
	s->reaping = true;
	while (s->open && s->reap_due) {
		if ((wait = proc_soon_wait(s)) > 0) {
			break;
		}
		if (!s->reap(s->reap_arg)) {
			s->reap_due = false;
		}
	}
	s->reaping = false;
	return wait;
}

/* Leaves the handles as what is left needs: idle while something may go
 * at once, else the hold timer for the shortest wait, or nothing. */
static void
proc_soon_arm(struct proc_soon *s, uint64_t wait)
{
	if (s->live == 0 && !s->reap_due) {
		proc_soon_stop_handles(s);
		return;
	}
	uv_check_start(&s->check, proc_soon_on_check);
	if (wait == 0) {
		uv_timer_stop(&s->hold_timer);
		uv_idle_start(&s->idle, proc_soon_on_idle);
		return;
	}
	uv_idle_stop(&s->idle);
	if (wait == UINT64_MAX) {
		uv_timer_stop(&s->hold_timer);
		return;
	}
	uv_timer_start(&s->hold_timer, proc_soon_on_hold_timer,
	    (wait + 999999) / 1000000, 0);
}

static uint64_t
proc_soon_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Once per iteration, after poll: exits first, then the due steps. */
static void
proc_soon_on_check(uv_check_t *h)
{
	struct proc_soon *s = h->data;
	uint64_t wait = UINT64_MAX, step_wait = UINT64_MAX;

	if (s->reap_due) {
		uint64_t w = proc_soon_reap_run(s);

		if (!s->open) {
			return;
		}
		if (s->reap_due) {
			wait = w;
		}
	}
	if (s->live > 0 && (step_wait = proc_soon_step_wait(s)) == 0) {
		proc_soon_run(s, s->budget_ns);
		if (!s->open) {
			return;
		}
		/* Steps left over from the budget go on next iteration;
		 * exits a spawn found waiting (proc_tick) wait as before. */
		if (s->live > 0) {
			step_wait = 0;
		} else if (s->reap_due) {
			wait = proc_soon_wait(s);
		}
	}
	if (s->live > 0) {
		wait = proc_soon_min(wait, step_wait);
	}
	proc_soon_arm(s, wait);
}

void
proc_soon_set_reaper(struct proc_soon *s, proc_reap_fn *reap, void *arg)
{
	s->reap = reap;
	s->reap_arg = arg;
}

void
proc_soon_reap(struct proc_soon *s)
{
	uint64_t wait;

	if (!s->open || s->reap == NULL) {
		return;
	}
	s->reap_due = true;
	wait = proc_soon_reap_run(s);
	if (s->in_check || s->reaping) {
		return; /* the check arms the handles once its run is over */
	}
	if (s->reap_due) {
		/* Before poll blocks, the check must be due to look again,
		 * and the hold timer must end that poll in time. */
		uv_check_start(&s->check, proc_soon_on_check);
		if (!uv_is_active((uv_handle_t *)&s->idle)) {
			uv_timer_start(&s->hold_timer, proc_soon_on_hold_timer,
			    (wait + 999999) / 1000000, 0);
		}
	}
}

void
proc_soon_yield(struct proc_soon *s, bool yield)
{
	if (yield) {
		s->yielding++;
		return;
	}
	if (--s->yielding == 0 && s->open && s->live > 0) {
		/* Poll must not block: the steps held meanwhile are due. */
		uv_idle_start(&s->idle, proc_soon_on_idle);
	}
}

void
proc_soon_flush(struct proc_soon *s)
{
	if (!s->open || s->in_check || s->live == 0 ||
	    proc_soon_step_wait(s) > 0) {
		return;
	}
	proc_soon_run(s, UINT64_MAX);
}

static void
proc_soon_on_idle(uv_idle_t *h)
{
	(void)h; /* its only job: a zero poll timeout */
}

void
proc_soon_init_ops(struct proc_soon *s, uv_loop_t *loop,
    const struct proc_soon_ops *ops, uint64_t budget_ns)
{
	*s = (struct proc_soon){
		.ops = *ops, .budget_ns = budget_ns, .open = true
	};
	uv_check_init(loop, &s->check);
	uv_idle_init(loop, &s->idle);
	uv_timer_init(loop, &s->hold_timer);
	s->check.data = s;
	s->idle.data = s;
	s->hold_timer.data = s;
}

void
proc_soon_set_gate(
    struct proc_soon *s, proc_gate_fn *gate, void *arg, uint64_t hold_ns)
{
	s->gate = gate;
	s->gate_arg = arg;
	s->hold_ns = hold_ns;
}

bool
proc_soon_gate(const struct proc_soon *s, uint64_t *progress)
{
	*progress = 0;
	return s->gate != NULL && s->gate(s->gate_arg, progress);
}

void
proc_soon_init(struct proc_soon *s, uv_loop_t *loop)
{
	proc_soon_init_ops(
	    s, loop, &proc_soon_default_ops, PROC_SOON_BUDGET_NS);
}

void
proc_soon_add(struct proc_soon *s, struct proc *p)
{
	if (p->soon_queued || !s->open) {
		return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->q = fv_xreallocarray(s->q, s->cap, sizeof(*s->q));
	}
	s->q[s->n++] = p;
	p->soon_queued = true;
	if (s->live++ == 0) {
		uv_check_start(&s->check, proc_soon_on_check);
		uv_idle_start(&s->idle, proc_soon_on_idle);
	}
}

void
proc_soon_remove(struct proc_soon *s, struct proc *p)
{
	if (!p->soon_queued) {
		return;
	}
	p->soon_queued = false;
	/* A NULL slot, not a shift: the running check keeps its indices. */
	for (size_t i = s->head; i < s->n; i++) {
		if (s->q[i] == p) {
			s->q[i] = NULL;
			break;
		}
	}
	if (--s->live == 0 && !s->in_check) {
		s->head = s->n = 0;
		if (!s->reap_due) {
			proc_soon_stop_handles(s);
		}
	}
}

void
proc_soon_fini(struct proc_soon *s)
{
	if (!s->open) {
		return;
	}
	s->open = false;
	uv_close((uv_handle_t *)&s->check, NULL);
	uv_close((uv_handle_t *)&s->idle, NULL);
	uv_close((uv_handle_t *)&s->hold_timer, NULL);
	free(s->q);
	s->q = NULL;
	s->head = s->n = s->cap = s->live = 0;
	s->in_check = false;
}
