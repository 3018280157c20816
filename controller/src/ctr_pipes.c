/*
 * The table of agent-side pipes (ctr_pipes.h): a linear-probing hash on
 * nng's pipe id with backward-shift deletion, so there are no tombstones
 * and a lookup stays O(1) however many pipes came and went. It owns the
 * records and the join and rate rules; it never touches nng, the clock or
 * a lock, so it can be tested without sockets.
 */
#include "ctr_pipes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

#define CTR_PIPES_MIN 64

void
ctr_pipes_init(struct ctr_pipes *t, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
}

void
ctr_pipes_fini(struct ctr_pipes *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static size_t
ctr_pipes_slot(size_t size, uint32_t id)
{
	/* Ids come from a counter with a random start: mix them. */
	return (size_t)((id * 2654435761u) ^ (id >> 16)) & (size - 1);
}

static struct ctr_pipe *
ctr_pipes_lookup(const struct ctr_pipes *t, uint32_t id)
{
	if (t->size == 0 || id == 0) {
		return NULL;
	}
	for (size_t i = ctr_pipes_slot(t->size, id);;
	     i = (i + 1) & (t->size - 1)) {
		if (t->v[i].id == id) {
			return &t->v[i];
		}
		if (t->v[i].id == 0) {
			return NULL;
		}
	}
}

static void
ctr_pipes_place(struct ctr_pipe *v, size_t size, const struct ctr_pipe *p)
{
	size_t i = ctr_pipes_slot(size, p->id);

	while (v[i].id != 0) {
		i = (i + 1) & (size - 1);
	}
	v[i] = *p;
}

/* ctr_pipes_grow keeps the load at or under one half. */
static void
ctr_pipes_grow(struct ctr_pipes *t)
{
	size_t size = t->size == 0 ? CTR_PIPES_MIN : t->size * 2;
	struct ctr_pipe *v;

	if (t->n + 1 <= t->size / 2) {
		return;
	}
	v = fv_xcalloc(size, sizeof(*v));
	for (size_t i = 0; i < t->size; i++) {
		if (t->v[i].id != 0) {
			ctr_pipes_place(v, size, &t->v[i]);
		}
	}
	free(t->v);
	t->v = v;
	t->size = size;
}

int
ctr_pipes_add(struct ctr_pipes *t, uint32_t id, enum ctr_pipe_kind kind,
    const char *addr, uint64_t now_ms)
{
	struct ctr_pipe p;

	if (id == 0 || ctr_pipes_lookup(t, id) != NULL) {
		return FV_ESTATE;
	}
	if (t->n >= t->max) {
		return FV_ETOOBIG;
	}
	ctr_pipes_grow(t);
	memset(&p, 0, sizeof(p));
	p.id = id;
	p.kind = (uint8_t)kind;
	p.added_ms = now_ms;
	p.win_start_ms = now_ms;
	snprintf(p.addr, sizeof(p.addr), "%s", addr != NULL ? addr : "");
	ctr_pipes_place(t->v, t->size, &p);
	t->n++;
	return 0;
}

bool
ctr_pipes_remove(struct ctr_pipes *t, uint32_t id)
{
	struct ctr_pipe *p = ctr_pipes_lookup(t, id);
	size_t hole, i, mask;

	if (p == NULL) {
		return false;
	}
	mask = t->size - 1;
	hole = (size_t)(p - t->v);
	memset(p, 0, sizeof(*p));
	t->n--;
	/* Backward shift: move up every later entry of the run whose home
	 * slot does not lie between the hole and itself. */
	for (i = (hole + 1) & mask; t->v[i].id != 0; i = (i + 1) & mask) {
		size_t home = ctr_pipes_slot(t->size, t->v[i].id);

		if (((i - home) & mask) >= ((i - hole) & mask)) {
			t->v[hole] = t->v[i];
			memset(&t->v[i], 0, sizeof(t->v[i]));
			hole = i;
		}
	}
	return true;
}

struct ctr_pipe *
ctr_pipes_find(const struct ctr_pipes *t, uint32_t id)
{
	return ctr_pipes_lookup(t, id);
}

void
ctr_pipes_joined(struct ctr_pipes *t, uint32_t id)
{
	struct ctr_pipe *p = ctr_pipes_lookup(t, id);

	if (p != NULL) {
		p->joined = true;
	}
}

enum ctr_rate
ctr_pipe_rate(struct ctr_pipe *p, uint64_t now_ms, uint32_t limit)
{
	if (now_ms >= p->win_start_ms + 1000) {
		uint64_t k = (now_ms - p->win_start_ms) / 1000;

		/* Only back-to-back windows make a flood: a quiet second
		 * in between starts the count again. */
		if (p->win_count > limit && k == 1) {
			p->over_streak++;
		} else {
			p->over_streak = 0;
		}
		p->win_start_ms += k * 1000;
		p->win_count = 0;
	}
	if (p->win_count < UINT32_MAX) {
		p->win_count++;
	}
	if (p->flooded) {
		return CTR_RATE_DROP;
	}
	if (p->win_count <= limit) {
		return CTR_RATE_OK;
	}
	if (p->over_streak + 1 >= CTR_FLOOD_WINDOWS) {
		p->flooded = true;
		return CTR_RATE_CLOSE;
	}
	return CTR_RATE_DROP;
}

size_t
ctr_pipes_expired(struct ctr_pipes *t, uint64_t now_ms, uint64_t timeout_ms,
    uint64_t retry_ms, struct ctr_pipe *out, size_t max, uint64_t *next_ms)
{
	uint64_t next = UINT64_MAX;
	size_t k = 0;

	for (size_t i = 0; i < t->size; i++) {
		struct ctr_pipe *p = &t->v[i];
		uint64_t due;

		if (p->id == 0 || p->joined) {
			continue;
		}
		due = p->closing ? p->closing_ms + retry_ms
		                 : p->added_ms + timeout_ms;
		if (due > now_ms) {
			next = due < next ? due : next;
			continue;
		}
		if (k == max) {
			next = now_ms;
			break;
		}
		/* The copy keeps the old flag: the caller counts only
		 * first closes, not retries. */
		out[k++] = *p;
		ctr_pipe_close_asked(p, now_ms);
		next = now_ms + retry_ms < next ? now_ms + retry_ms : next;
	}
	*next_ms = next;
	return k;
}

void
ctr_pipe_close_asked(struct ctr_pipe *p, uint64_t now_ms)
{
	if (!p->closing) {
		p->closed_first_ms = now_ms;
	}
	p->closing = true;
	p->closing_ms = now_ms;
}

const struct ctr_pipe *
ctr_pipes_stuck(const struct ctr_pipes *t, uint64_t now_ms, uint64_t stuck_ms)
{
	for (size_t i = 0; i < t->size; i++) {
		const struct ctr_pipe *p = &t->v[i];

		if (p->id != 0 && p->closing &&
		    now_ms - p->closed_first_ms >= stuck_ms) {
			return p;
		}
	}
	return NULL;
}
