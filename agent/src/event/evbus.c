/*
 * The internal event bus. It owns the subscriber table and delivers events
 * synchronously; it never queues, copies or frees a payload, so a publisher
 * may pass pointers to its own buffers. Subscribers may subscribe or
 * unsubscribe while an event is being delivered.
 */
#include "event/evbus.h"

#include <stdlib.h>

#include "common/xalloc.h"

void
evbus_init(struct evbus *b)
{
	*b = (struct evbus){ 0 };
}

void
evbus_fini(struct evbus *b)
{
	free(b->subs);
	*b = (struct evbus){ 0 };
}

void
evbus_subscribe(struct evbus *b, unsigned mask, evbus_fn *fn, void *arg)
{
	if (b->nsubs == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 8;
		b->subs = fv_xreallocarray(b->subs, b->cap, sizeof(*b->subs));
	}
	b->subs[b->nsubs++] = (struct evbus_sub){ mask, fn, arg, false };
}

static void
evbus_sweep(struct evbus *b)
{
	size_t j = 0;

	for (size_t i = 0; i < b->nsubs; i++) {
		if (!b->subs[i].dead) {
			b->subs[j++] = b->subs[i];
		}
	}
	b->nsubs = j;
}

void
evbus_unsubscribe(struct evbus *b, evbus_fn *fn, void *arg)
{
	for (size_t i = 0; i < b->nsubs; i++) {
		if (b->subs[i].fn == fn && b->subs[i].arg == arg) {
			b->subs[i].dead = true;
		}
	}
	if (b->publishing == 0) {
		evbus_sweep(b);
	}
}

void
evbus_publish(struct evbus *b, const struct evbus_event *ev)
{
	/* Subscribers added during delivery see the next event only. */
	size_t n = b->nsubs;

	b->publishing++;
	for (size_t i = 0; i < n; i++) {
		struct evbus_sub s = b->subs[i];

		if (!s.dead && (s.mask & ev->kind) != 0) {
			s.fn(s.arg, ev);
		}
	}
	if (--b->publishing == 0) {
		evbus_sweep(b);
	}
}
