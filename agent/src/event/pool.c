/*
 * An eventlistener pool (4.2.5's EventListenerPool): the buffer of events
 * its group subscribed to, each with the pool serial it got when it came
 * in, and the hand-over of the oldest one to the first listener, in config
 * order, that is RUNNING and READY. The envelope goes to the listener's
 * stdin through the non-blocking writer, so a pool never blocks the loop.
 *
 * What it must never do: hold more than buffer_size events (the oldest is
 * dropped, logged and counted), take an event that another pool's listener
 * gave back (4.2.5 does, through its priority-based process equality), or
 * take the same event twice when its events= overlap (4.2.5 does, once per
 * matching subscription): it subscribes once, with the union of the types.
 */
#include "event/pool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/xalloc.h"
#include "event/evbus.h"
#include "event/event.h"
#include "log/mainlog.h"
#include "process/proc.h"
#include "process/supervisor.h"

/* The only result handler there is: 4.2.5's default. */
#define EVENT_POOL_DEFAULT_HANDLER "supervisor.dispatchers:default_handler"

/* Room for the envelope's header besides the payload. */
#define EVENT_POOL_HEADER_MAX 4096

struct event_pool_item {
	struct fv_event *ev; /* a reference */
	uint64_t poolserial;
};

struct event_pool {
	char *name;
	char *server;
	size_t max; /* buffer_size */
	struct event_pool_item *ring;
	size_t cap, head, n;
	uint64_t next_serial; /* 4.2.5 new_serial: the first is 0 */
	uint64_t dropped;
	struct event_listener *listeners;
	size_t nlisteners;
	const struct event_pool_ops *ops; /* borrowed */
	void *arg;
	bool dispatching;
	bool subscribed; /* to the hub and the bus */
	bool takes_states; /* event_pool_params */
	/* Bound to a group (event_pool_new_group), else NULL. */
	struct supervisor *sv; /* borrowed */
	struct event_hub *hub; /* borrowed */
	struct proc_group *group; /* borrowed */
};

void
event_pool_log(struct event_pool *pool, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pool->ops->log(pool->arg, level, fmt, ap);
	va_end(ap);
}

struct event_pool *
event_pool_new(const struct event_pool_params *pp)
{
	struct event_pool *pool = fv_xcalloc(1, sizeof(*pool));

	pool->name = fv_xstrdup(pp->name);
	pool->server = fv_xstrdup(pp->server);
	pool->max = pp->buffer_size > 0 ? pp->buffer_size : 1;
	pool->ops = pp->ops;
	pool->arg = pp->arg;
	pool->nlisteners = pp->nlisteners;
	pool->takes_states = pp->takes_states;
	pool->listeners = fv_xcalloc(
	    pp->nlisteners ? pp->nlisteners : 1, sizeof(*pool->listeners));
	for (size_t i = 0; i < pp->nlisteners; i++) {
		struct event_listener *l = &pool->listeners[i];

		l->pool = pool;
		l->index = i;
		l->name = fv_xstrdup(pp->listener_names[i]);
		l->state = EVENT_LISTENER_ACKNOWLEDGED;
	}
	return pool;
}

const char *
event_pool_name(const struct event_pool *pool)
{
	return pool->name;
}

struct event_listener *
event_pool_listener(struct event_pool *pool, size_t i)
{
	return i < pool->nlisteners ? &pool->listeners[i] : NULL;
}

size_t
event_pool_buffered(const struct event_pool *pool)
{
	return pool->n;
}

size_t
event_pool_buffer_size(const struct event_pool *pool)
{
	return pool->max;
}

uint64_t
event_pool_accepted(const struct event_pool *pool)
{
	return pool->next_serial;
}

bool
event_pool_backed_up(const struct event_pool *pool)
{
	if (!pool->takes_states || pool->n == 0) {
		return false;
	}
	for (size_t i = 0; i < pool->nlisteners; i++) {
		if (pool->listeners[i].alive &&
		    pool->ops->running(pool->arg, i)) {
			return true;
		}
	}
	return false;
}

uint64_t
event_pool_taken(const struct event_pool *pool)
{
	return event_pool_accepted(pool) - pool->dropped -
	    (uint64_t)event_pool_buffered(pool);
}

uint64_t
event_pool_dropped(const struct event_pool *pool)
{
	return pool->dropped;
}

static struct event_pool_item *
event_pool_at(const struct event_pool *pool, size_t i)
{
	return &pool->ring[(pool->head + i) % pool->cap];
}

struct fv_event *
event_pool_peek(const struct event_pool *pool, size_t i, uint64_t *poolserial)
{
	struct event_pool_item *it;

	if (i >= pool->n) {
		return NULL;
	}
	it = event_pool_at(pool, i);
	if (poolserial != NULL) {
		*poolserial = it->poolserial;
	}
	return it->ev;
}

/* The ring grows by doubling up to buffer_size, which may be large. */
static void
event_pool_grow(struct event_pool *pool)
{
	size_t ncap;
	struct event_pool_item *ring;

	if (pool->n < pool->cap) {
		return;
	}
	ncap = pool->cap ? pool->cap * 2 : 8;
	if (ncap > pool->max) {
		ncap = pool->max;
	}
	ring = fv_xcalloc(ncap, sizeof(*ring));
	for (size_t i = 0; i < pool->n; i++) {
		ring[i] = *event_pool_at(pool, i);
	}
	free(pool->ring);
	pool->ring = ring;
	pool->cap = ncap;
	pool->head = 0;
}

static struct event_pool_item
event_pool_pop(struct event_pool *pool)
{
	struct event_pool_item it = pool->ring[pool->head];

	pool->head = (pool->head + 1) % pool->cap;
	pool->n--;
	return it;
}

/* 4.2.5 _acceptEvent's overflow: the oldest goes, whatever comes in. */
static void
event_pool_make_room(struct event_pool *pool)
{
	struct event_pool_item old;

	if (pool->n < pool->max) {
		event_pool_grow(pool);
		return;
	}
	old = event_pool_pop(pool);
	pool->dropped++;
	event_pool_log(pool, MAINLOG_ERRO,
	    "pool %s event buffer overflowed, discarding event %llu",
	    pool->name, (unsigned long long)old.ev->serial);
	fv_event_unref(old.ev);
}

void
event_pool_accept(void *arg, struct fv_event *ev)
{
	struct event_pool *pool = arg;
	struct event_pool_item it = { fv_event_ref(ev), pool->next_serial++ };

	event_pool_make_room(pool);
	*event_pool_at(pool, pool->n) = it;
	pool->n++;
	event_pool_dispatch(pool);
}

void
event_pool_rebuffer(
    struct event_pool *pool, struct fv_event *ev, uint64_t poolserial)
{
	event_pool_log(pool, MAINLOG_DEBG,
	    "rebuffering event %llu for pool %s (buf size=%zu, max=%zu)",
	    (unsigned long long)ev->serial, pool->name, pool->n, pool->max);
	event_pool_make_room(pool);
	pool->head = (pool->head + pool->cap - 1) % pool->cap;
	pool->ring[pool->head] = (struct event_pool_item){ ev, poolserial };
	pool->n++;
}

/* 4.2.5 _dispatchEvent for the head: true if a listener took it. */
static bool
event_pool_send_head(struct event_pool *pool)
{
	struct event_pool_item *it = event_pool_at(pool, 0);
	struct fv_buf env = { 0 };
	bool built = false, sent = false;

	for (size_t i = 0; i < pool->nlisteners && !sent; i++) {
		struct event_listener *l = &pool->listeners[i];
		struct event_pool_item taken;
		int rv;

		if (!l->alive || l->state != EVENT_LISTENER_READY ||
		    !pool->ops->running(pool->arg, i)) {
			continue;
		}
		if (!built) {
			fv_buf_init(&env, it->ev->len + EVENT_POOL_HEADER_MAX);
			if (event_envelope(&env, pool->server, pool->name,
			        it->poolserial, it->ev) != 0) {
				/* The cap holds any header: cannot happen. */
				break;
			}
			built = true;
		}
		rv = pool->ops->write(pool->arg, i, env.data, env.len);
		if (rv == FV_ETOOBIG) {
			event_pool_log(pool, MAINLOG_WARN,
			    "%s: does not read its stdin, cannot send event "
			    "%llu",
			    l->name, (unsigned long long)it->ev->serial);
			event_listener_set_unknown(l);
			continue;
		}
		if (rv != 0) {
			/* A listener that lost its stdin stays as it is,
			 * as in 4.2.5; its exit will reset it. */
			event_pool_log(pool, MAINLOG_DEBG,
			    "epipe occurred while sending event %llu to "
			    "listener %s, listener state unchanged",
			    (unsigned long long)it->ev->serial, l->name);
			continue;
		}
		taken = event_pool_pop(pool);
		l->state = EVENT_LISTENER_BUSY;
		l->event = taken.ev;
		l->event_poolserial = taken.poolserial;
		event_pool_log(pool, MAINLOG_DEBG,
		    "event %llu sent to listener %s",
		    (unsigned long long)taken.ev->serial, l->name);
		sent = true;
	}
	fv_buf_fini(&env);
	return sent;
}

void
event_pool_dispatch(struct event_pool *pool)
{
	/* A listener made UNKNOWN while sending gives its event back, which
	 * may lead back here: the outer loop carries on. */
	if (pool->dispatching) {
		return;
	}
	pool->dispatching = true;
	while (pool->n > 0 && event_pool_send_head(pool)) {
	}
	pool->dispatching = false;
}

static void
event_pool_drop_all(struct event_pool *pool)
{
	while (pool->n > 0) {
		fv_event_unref(event_pool_pop(pool).ev);
	}
	for (size_t i = 0; i < pool->nlisteners; i++) {
		struct event_listener *l = &pool->listeners[i];

		if (l->event != NULL) {
			fv_event_unref(l->event);
			l->event = NULL;
		}
	}
}

/* The group binding: the processes, the hub, the bus. */

static int
event_pool_proc_write(void *arg, size_t index, const void *buf, size_t n)
{
	struct event_pool *pool = arg;

	return proc_stdin_write(pool->group->procs[index], buf, n);
}

static bool
event_pool_proc_running(void *arg, size_t index)
{
	struct event_pool *pool = arg;

	return proc_state(pool->group->procs[index]) == PROC_RUNNING;
}

static void event_pool_proc_log(void *arg, int level, const char *fmt,
    va_list ap) __attribute__((format(printf, 3, 0)));

static void
event_pool_proc_log(void *arg, int level, const char *fmt, va_list ap)
{
	struct event_pool *pool = arg;

	mainlog_vlog(pool->sv->log, level, fmt, ap);
}

static const struct event_pool_ops event_pool_proc_ops = {
	.write = event_pool_proc_write,
	.running = event_pool_proc_running,
	.log = event_pool_proc_log,
};

/* A READY listener may have been waiting for RUNNING (startsecs). */
static void
event_pool_on_bus(void *arg, const struct evbus_event *ev)
{
	struct event_pool *pool = arg;

	if (ev->group == pool->group && ev->to == PROC_RUNNING) {
		event_pool_dispatch(pool);
	}
}

static event_typeset
event_pool_typeset(const struct cfg_group *gc)
{
	event_typeset types = 0;

	for (size_t i = 0; i < gc->events.n; i++) {
		enum event_type t;

		/* The config loader let only known names through. */
		if (event_type_lookup(gc->events.v[i], &t)) {
			types |= event_typeset_of(t);
		}
	}
	return types;
}

struct event_pool *
event_pool_new_group(
    struct supervisor *sv, struct event_hub *hub, struct proc_group *g)
{
	const char **names = fv_xcalloc(g->nprocs + 1, sizeof(*names));
	struct event_pool_params pp = {
		.name = g->cfg->name,
		.server = sv->cfg->sd.identifier,
		.buffer_size =
		    g->cfg->buffer_size > 0 ? (size_t)g->cfg->buffer_size : 1,
		.nlisteners = g->nprocs,
		.listener_names = names,
		.ops = &event_pool_proc_ops,
		.takes_states = (event_pool_typeset(g->cfg) &
		                    event_typeset_of(EV_PROCESS_STATE)) != 0,
	};
	struct event_pool *pool;

	for (size_t i = 0; i < g->nprocs; i++) {
		names[i] = proc_name(g->procs[i]);
	}
	pool = event_pool_new(&pp);
	free(names);
	pool->arg = pool;
	pool->sv = sv;
	pool->hub = hub;
	pool->group = g;
	for (size_t i = 0; i < g->nprocs; i++) {
		g->procs[i]->listener = &pool->listeners[i];
	}
	/* The config loader keeps other handlers (4.2.5 imports them) with a
	 * notice on stderr; say it where the operator looks too. */
	if (g->cfg->result_handler != NULL &&
	    strcmp(g->cfg->result_handler, EVENT_POOL_DEFAULT_HANDLER) != 0) {
		supervisor_log(sv, MAINLOG_WARN,
		    "pool %s: result_handler %s is Python code and cannot run "
		    "here; using %s (OK accepts, anything else rejects)",
		    pool->name, g->cfg->result_handler,
		    EVENT_POOL_DEFAULT_HANDLER);
	}
	return pool;
}

void
event_pool_subscribe(struct event_pool *pool)
{
	event_typeset types;

	if (pool == NULL || pool->group == NULL || pool->subscribed) {
		return;
	}
	types = event_pool_typeset(pool->group->cfg);
	pool->subscribed = true;
	event_hub_subscribe(pool->hub, types, event_pool_accept, pool);
	evbus_subscribe(
	    &pool->sv->bus, EVBUS_PROC_STATE, event_pool_on_bus, pool);
}

void
event_pool_free(struct event_pool *pool)
{
	if (pool == NULL) {
		return;
	}
	if (pool->subscribed) {
		event_hub_unsubscribe(pool->hub, event_pool_accept, pool);
		evbus_unsubscribe(&pool->sv->bus, event_pool_on_bus, pool);
	}
	if (pool->group != NULL) {
		for (size_t i = 0; i < pool->group->nprocs; i++) {
			pool->group->procs[i]->listener = NULL;
		}
	}
	event_pool_drop_all(pool);
	for (size_t i = 0; i < pool->nlisteners; i++) {
		free(pool->listeners[i].name);
	}
	free(pool->listeners);
	free(pool->ring);
	free(pool->name);
	free(pool->server);
	free(pool);
}
