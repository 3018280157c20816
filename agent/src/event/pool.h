#ifndef FV_EVENT_POOL_H
#define FV_EVENT_POOL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/listener.h"

/*
 * The event buffer of one [eventlistener:x] group (4.2.5's
 * EventListenerPool): events of the types it subscribed to, numbered per
 * pool, held up to buffer_size (the oldest dropped and counted beyond),
 * handed one at a time to its listeners that are RUNNING and READY.
 */

struct event_hub;
struct fv_event;
struct proc_group;
struct supervisor;

/*
 * How a pool reaches its listeners' processes. The agent binds them to
 * the group's processes; the unit tests to fakes. write queues bytes for
 * the listener's stdin without blocking: 0, -EPIPE or FV_ESTATE (the child
 * is gone, being stopped, or closed its stdin), FV_ETOOBIG (its stdin
 * backlog is full: it does not read), another negative errno.
 */
typedef int event_pool_write_fn(
    void *arg, size_t index, const void *buf, size_t n);
/* Whether listener index is RUNNING (only those get events). */
typedef bool event_pool_running_fn(void *arg, size_t index);
/* A main-log line at a MAINLOG_* level. */
typedef void event_pool_log_fn(void *arg, int level, const char *fmt,
    va_list ap) __attribute__((format(printf, 3, 0)));

struct event_pool_ops {
	event_pool_write_fn *write;
	event_pool_running_fn *running;
	event_pool_log_fn *log;
};

struct event_pool_params {
	const char *name; /* the pool (group) name */
	const char *server; /* the envelope's server: (identifier) */
	size_t buffer_size; /* >= 1 */
	size_t nlisteners;
	const char *const *listener_names; /* nlisteners, config order */
	const struct event_pool_ops *ops; /* borrowed: must outlive it */
	void *arg;
	bool takes_states; /* subscribes to PROCESS_STATE events */
};

/* event_pool_new makes an empty pool whose listeners are ACKNOWLEDGED and
 * not alive. Strings are copied. */
struct event_pool *event_pool_new(const struct event_pool_params *pp);

/*
 * event_pool_new_group makes the pool of eventlistener group g: its
 * listeners are g's processes (each proc's listener pointer is set). It
 * takes no event before event_pool_subscribe. Freed with event_pool_free.
 */
struct event_pool *event_pool_new_group(
    struct supervisor *sv, struct event_hub *hub, struct proc_group *g);

/*
 * event_pool_subscribe subscribes a group's pool to the hub, for the types
 * of its events= (once, their union), and to the bus, to hear when a
 * listener reaches RUNNING. Call it right before the group's
 * PROCESS_GROUP_ADDED: 4.2.5 subscribes a pool when it makes it, so it
 * sees the ADDED of its own group and of later ones only. NULL, or a
 * second call, does nothing.
 */
void event_pool_subscribe(struct event_pool *pool);

/* event_pool_free unsubscribes, detaches the processes and drops every
 * event held. NULL is a no-op. */
void event_pool_free(struct event_pool *pool);

/*
 * event_pool_accept buffers ev (a reference is taken) at the tail with the
 * next pool serial, dropping the oldest when full, then dispatches. It is
 * an event_fn: the hub calls it with the pool as arg.
 */
void event_pool_accept(void *pool, struct fv_event *ev);

/*
 * event_pool_rebuffer puts ev back at the head with the pool serial it
 * already had (ev's reference is taken over), dropping the oldest when
 * full. For listener.c: no dispatch here.
 */
void event_pool_rebuffer(
    struct event_pool *pool, struct fv_event *ev, uint64_t poolserial);

/* event_pool_dispatch hands buffered events, oldest first, to the first
 * RUNNING, READY, alive listener in config order, while there are both. */
void event_pool_dispatch(struct event_pool *pool);

/* event_pool_listener returns listener i (borrowed), or NULL. */
struct event_listener *event_pool_listener(struct event_pool *pool, size_t i);

/* event_pool_name returns the pool's name (borrowed). */
const char *event_pool_name(const struct event_pool *pool);

/* event_pool_buffered is how many events wait in the buffer. */
size_t event_pool_buffered(const struct event_pool *pool);

/* event_pool_peek returns the i-th buffered event, oldest first (borrowed),
 * and its pool serial in *poolserial; NULL past the end. */
struct fv_event *event_pool_peek(
    const struct event_pool *pool, size_t i, uint64_t *poolserial);

/* event_pool_buffer_size is the pool's buffer_size: the most it holds. */
size_t event_pool_buffer_size(const struct event_pool *pool);

/* event_pool_accepted is how many events the pool took in (pool serials
 * given), dropped ones included, since it was made. */
uint64_t event_pool_accepted(const struct event_pool *pool);

/*
 * event_pool_backed_up is true when the pool takes state changes, has an
 * event waiting in its buffer, and has a listener that can take it (alive
 * and RUNNING): more restarts now would only fill the buffer, while
 * waiting a little lets the listeners catch up (see proc_soon.h). Any
 * event, not a fraction of the buffer: the programs already started
 * still add their RUNNING and EXITED events after the gate closes, and
 * with 50 programs in flight a quarter of a buffer of 10 left too little
 * room for them.
 */
bool event_pool_backed_up(const struct event_pool *pool);

/* event_pool_taken counts the events handed to listeners (accepted, less
 * those dropped and those still buffered): it grows as they keep up. */
uint64_t event_pool_taken(const struct event_pool *pool);

/* event_pool_dropped counts the events dropped because the buffer was
 * full, since the pool was made. */
uint64_t event_pool_dropped(const struct event_pool *pool);

/* event_pool_log writes a main-log line through the pool's ops. */
void event_pool_log(struct event_pool *pool, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
