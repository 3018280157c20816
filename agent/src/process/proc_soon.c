/* See proc_soon.h. */
#include "process/proc_soon.h"

#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "process/proc.h"

static void
proc_soon_on_check(uv_check_t *h)
{
	struct proc_soon *s = h->data;
	struct proc **batch = s->q;
	size_t n = s->n;

	/* What the batch queues again waits for the next iteration. */
	s->q = NULL;
	s->n = s->cap = 0;
	uv_idle_stop(&s->idle);
	uv_check_stop(&s->check);
	for (size_t i = 0; i < n; i++) {
		struct proc *p = batch[i];

		if (p == NULL) {
			continue; /* removed while the batch ran */
		}
		p->soon_queued = false;
		/* Later entries of the batch may be removed by this step
		 * (a group closed): proc_soon_remove clears them in the
		 * batch through s->running. */
		s->running = batch;
		s->nrunning = n;
		proc_tick(p);
	}
	s->running = NULL;
	s->nrunning = 0;
	free(batch);
}

static void
proc_soon_on_idle(uv_idle_t *h)
{
	(void)h; /* its only job: a zero poll timeout */
}

void
proc_soon_init(struct proc_soon *s, uv_loop_t *loop)
{
	*s = (struct proc_soon){ .open = true };
	uv_check_init(loop, &s->check);
	uv_idle_init(loop, &s->idle);
	s->check.data = s;
	s->idle.data = s;
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
	if (s->n == 1) {
		uv_check_start(&s->check, proc_soon_on_check);
		uv_idle_start(&s->idle, proc_soon_on_idle);
	}
}

void
proc_soon_remove(struct proc_soon *s, struct proc *p)
{
	for (size_t i = 0; i < s->nrunning; i++) {
		if (s->running[i] == p) {
			s->running[i] = NULL;
		}
	}
	if (!p->soon_queued) {
		return;
	}
	p->soon_queued = false;
	for (size_t i = 0; i < s->n; i++) {
		if (s->q[i] == p) {
			memmove(&s->q[i], &s->q[i + 1],
			    (s->n - i - 1) * sizeof(*s->q));
			s->n--;
			break;
		}
	}
	if (s->n == 0) {
		uv_idle_stop(&s->idle);
		uv_check_stop(&s->check);
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
	free(s->q);
	s->q = NULL;
	s->n = s->cap = 0;
}
