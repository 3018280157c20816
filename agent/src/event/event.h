#ifndef FV_EVENT_EVENT_H
#define FV_EVENT_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "common/buf.h"

/*
 * Supervisor's events: the 4.2.5 type tree (events.py), payloads rendered
 * exactly as 4.2.5 renders them, and the hub that turns what the agent's
 * internal bus (evbus) reports into numbered events for whoever subscribed
 * to their types: the listener pools now, the fleet link later. The hub is
 * the single path: nothing else makes Supervisor events.
 */

struct supervisor;

/* Every type, abstract ones included, with 4.2.5's names. */
enum event_type {
	EV_EVENT, /* abstract: every type below */
	EV_PROCESS_STATE, /* abstract */
	EV_PROCESS_STATE_STOPPED,
	EV_PROCESS_STATE_EXITED,
	EV_PROCESS_STATE_STARTING,
	EV_PROCESS_STATE_STOPPING,
	EV_PROCESS_STATE_BACKOFF,
	EV_PROCESS_STATE_FATAL,
	EV_PROCESS_STATE_RUNNING,
	EV_PROCESS_STATE_UNKNOWN,
	EV_PROCESS_COMMUNICATION, /* abstract */
	EV_PROCESS_COMMUNICATION_STDOUT,
	EV_PROCESS_COMMUNICATION_STDERR,
	EV_PROCESS_LOG, /* abstract */
	EV_PROCESS_LOG_STDOUT,
	EV_PROCESS_LOG_STDERR,
	EV_REMOTE_COMMUNICATION,
	EV_SUPERVISOR_STATE_CHANGE, /* abstract */
	EV_SUPERVISOR_STATE_CHANGE_RUNNING,
	EV_SUPERVISOR_STATE_CHANGE_STOPPING,
	EV_TICK, /* abstract */
	EV_TICK_5,
	EV_TICK_60,
	EV_TICK_3600,
	EV_PROCESS_GROUP, /* abstract */
	EV_PROCESS_GROUP_ADDED,
	EV_PROCESS_GROUP_REMOVED,
	EV_NTYPES
};

/* A set of concrete types: bit t for type t. */
typedef uint32_t event_typeset;

/* event_type_name is "PROCESS_STATE_RUNNING" for EV_PROCESS_STATE_RUNNING. */
const char *event_type_name(enum event_type t);
/* event_type_lookup finds a type by its exact name. */
bool event_type_lookup(const char *name, enum event_type *out);
/* event_type_is tells whether t is ancestor or one of its subtypes. */
bool event_type_is(enum event_type t, enum event_type ancestor);
/* event_typeset_of is every concrete type a subscription to t covers. */
event_typeset event_typeset_of(enum event_type t);

/*
 * One event as listeners see it: its concrete type, its global serial
 * (4.2.5's GlobalSerial: assigned when the first subscriber takes it, so
 * events nobody wants do not use serials) and its payload, rendered when
 * it happened. Shared by every pool that buffers it: reference counted.
 */
struct fv_event {
	unsigned refs;
	enum event_type type;
	uint64_t serial;
	char *payload; /* UTF-8, NUL-terminated */
	size_t len; /* bytes */
	size_t chars; /* code points: what the envelope's len: says (a Python
	               * listener reads that many characters) */
};

struct fv_event *fv_event_ref(struct fv_event *ev);
void fv_event_unref(struct fv_event *ev);

/*
 * event_envelope appends the header 4.2.5 writes before a payload
 * ("ver:3.0 server:ID serial:N pool:NAME poolserial:N eventname:NAME
 * len:N\n") and the payload to b.
 */
int event_envelope(struct fv_buf *b, const char *server, const char *pool,
    uint64_t pool_serial, const struct fv_event *ev);

typedef void event_fn(void *arg, struct fv_event *ev);

/* Wall-clock time in milliseconds since the epoch (CLOCK_REALTIME). */
typedef int64_t event_clock_fn(void *arg);

struct event_sub {
	event_typeset types;
	event_fn *fn;
	void *arg;
	bool dead;
};

/* The TICK periods in seconds, in the order 4.2.5 checks them. */
#define EVENT_NTICKS 3

struct event_hub {
	struct supervisor *sv; /* borrowed */
	uint64_t serial; /* the last one given, UINT64_MAX: none yet */
	struct event_sub *subs;
	size_t nsubs, cap;
	unsigned publishing;
	uv_timer_t tick; /* TICK_5/60/3600 at wall-clock boundaries */
	bool tick_open;
	bool ticking; /* the baseline is set: checks may fire */
	int64_t last_tick[EVENT_NTICKS]; /* the last period start seen */
	event_clock_fn *clock;
	void *clock_arg;
};

/*
 * event_hub_init subscribes the hub to sv's bus. The ticks start when the
 * supervisor says it is RUNNING: that first check only sets the baseline,
 * as 4.2.5's first tick() does.
 */
void event_hub_init(struct event_hub *h, struct supervisor *sv);
/* event_hub_fini unsubscribes from the bus, forgets every subscriber and
 * closes the tick timer (run the loop to finish closing it). Not from
 * inside a delivery; a second call does nothing more. */
void event_hub_fini(struct event_hub *h);
/*
 * event_hub_subscribe calls fn(arg, ev) for every event whose type is in
 * types, in subscription order; the callee takes a reference if it keeps
 * ev. A subscription made during a delivery sees the next event only.
 */
void event_hub_subscribe(
    struct event_hub *h, event_typeset types, event_fn *fn, void *arg);
/* event_hub_unsubscribe removes every (fn, arg) subscription; safe inside
 * a callback (the removed one gets nothing more). */
void event_hub_unsubscribe(struct event_hub *h, event_fn *fn, void *arg);
/* event_hub_wants tells whether any subscriber takes events of type t. */
bool event_hub_wants(const struct event_hub *h, enum event_type t);

/* event_hub_set_clock replaces the wall clock (for tests); NULL restores
 * CLOCK_REALTIME. */
void event_hub_set_clock(struct event_hub *h, event_clock_fn *fn, void *arg);
/* event_hub_tick reads the clock, emits the TICKs whose period changed
 * since the last check and re-arms the timer (the timer's callback). */
void event_hub_tick(struct event_hub *h);

/* event_tick_period is 5, 60, 3600 for i = 0, 1, 2. */
int64_t event_tick_period(size_t i);
/* event_tick_slice is 4.2.5's timeslice(): the start of the period that
 * holds now_ms, in whole seconds since the epoch. */
int64_t event_tick_slice(int64_t period, int64_t now_ms);
/*
 * event_tick_check compares the slices of now_ms with last[] (updated)
 * and writes the TICKs due, smallest period first as 4.2.5 emits them, to
 * types[] and when[]; returns how many (0 to EVENT_NTICKS).
 */
size_t event_tick_check(int64_t last[EVENT_NTICKS], int64_t now_ms,
    enum event_type types[EVENT_NTICKS], int64_t when[EVENT_NTICKS]);
/* event_tick_delay_ms is how long from now_ms to the next TICK_5
 * boundary (every larger period's boundary is one too): 1 to 5000. */
uint64_t event_tick_delay_ms(int64_t now_ms);

#endif
