#ifndef FV_EVENT_LISTENER_H
#define FV_EVENT_LISTENER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One event listener of a pool, as its pool sees it: the protocol state
 * 4.2.5 keeps on a listener Subprocess (listener_state, event) and what
 * its PEventListenerDispatcher parses from the listener's stdout.
 */

struct event_pool;
struct fv_event;

/* 4.2.5's EventListenerStates, with their codes. */
enum event_listener_state {
	EVENT_LISTENER_READY = 10,
	EVENT_LISTENER_BUSY = 20,
	EVENT_LISTENER_ACKNOWLEDGED = 30,
	EVENT_LISTENER_UNKNOWN = 40,
};

/* A RESULT body longer than this is a protocol violation (4.2.5 waits for
 * it, however long, and the listener stays BUSY). */
#define EVENT_RESULT_MAX (64 * 1024)
/* The most bytes of a RESULT line kept while its newline has not come. */
#define EVENT_RESULT_LINE_MAX 256

struct event_listener {
	struct event_pool *pool; /* borrowed: the owner */
	size_t index; /* in the pool, config order */
	char *name; /* the process name, for log lines */
	enum event_listener_state state;
	bool alive; /* a child is running (spawned, not yet reaped) */
	/* The event sent while BUSY: a reference, or NULL. */
	struct fv_event *event;
	uint64_t event_poolserial;
	/* What came in and is not decided yet: the start of READY\n while
	 * ACKNOWLEDGED, the RESULT line while BUSY. */
	char line[EVENT_RESULT_LINE_MAX];
	size_t linelen;
	bool have_len; /* the RESULT line was read; body follows */
	size_t resultlen, got;
	char head[2]; /* the first bytes of the body: all OK needs */
};

/* event_listener_state_name returns the state's 4.2.5 name ("READY"). */
const char *event_listener_state_name(enum event_listener_state s);

/*
 * event_listener_feed parses n bytes the listener wrote to its stdout, as
 * 4.2.5's handle_listener_state_change does, and acts on them: state
 * changes, the result handler, rebuffering in its own pool. The pool is
 * asked to dispatch once the whole chunk was parsed, as 4.2.5 dispatches
 * only after reading. Never fails; violations make the listener UNKNOWN.
 */
void event_listener_feed(struct event_listener *l, const void *data, size_t n);

/* event_listener_on_spawn: a new child starts in ACKNOWLEDGED, with no
 * event and nothing parsed (4.2.5 makes a new dispatcher at each spawn). */
void event_listener_on_spawn(struct event_listener *l);

/* event_listener_on_reaped: the child is gone; what it wrote last is still
 * to be fed (the drain), but no event goes to it from now on. */
void event_listener_on_reaped(struct event_listener *l);

/*
 * event_listener_on_exit: the child was reaped and its output drained. An event
 * it held (it died BUSY) goes back to the head of this listener's own pool, and
 * the pool dispatches.
 */
void event_listener_on_exit(struct event_listener *l);

/* event_listener_set_unknown makes l UNKNOWN (logging as 4.2.5 does); an
 * event it held is rebuffered. */
void event_listener_set_unknown(struct event_listener *l);

#endif
