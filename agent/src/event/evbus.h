#ifndef FV_EVENT_EVBUS_H
#define FV_EVENT_EVBUS_H

#include <stdbool.h>
#include <stddef.h>

#include "process/proc_fsm.h"

/*
 * The agent's internal bus: the supervisor publishes what happens (state
 * changes, child output, captured messages, groups coming and going) and
 * any number of subscribers (event listeners, RPC waiters, the fleet link)
 * receive it synchronously, in subscription order, on the loop thread.
 * Payloads are borrowed for the duration of the callback only.
 */

struct proc;
struct proc_group;

enum evbus_kind {
	EVBUS_PROC_STATE = 1u << 0, /* a process changed state */
	EVBUS_PROC_LOG = 1u << 1, /* child output (stdout/stderr) */
	EVBUS_PROC_COMM = 1u << 2, /* a captured message was complete */
	EVBUS_SUPERVISOR_STATE = 1u << 3, /* running, stopping */
	EVBUS_GROUP_ADDED = 1u << 4,
	EVBUS_GROUP_REMOVED = 1u << 5,
	EVBUS_REMOTE_COMM = 1u << 6, /* sendRemoteCommEvent(type, data) */
};

enum evbus_channel {
	EVBUS_STDOUT,
	EVBUS_STDERR,
};

struct evbus_event {
	enum evbus_kind kind;
	const struct proc *proc; /* PROC_*; borrowed */
	const struct proc_group *group; /* GROUP_*; borrowed */
	enum proc_state from, to; /* PROC_STATE */
	bool expected; /* PROC_STATE to EXITED */
	int pid; /* PROC_STATE: the child, or 0 */
	enum evbus_channel channel; /* PROC_LOG, PROC_COMM */
	const char *data; /* PROC_LOG, PROC_COMM, REMOTE_COMM; borrowed */
	size_t len;
	const char *type; /* REMOTE_COMM; borrowed */
	size_t type_len;
	int supervisor_state; /* SUPERVISOR_STATE: 4.2.5's mood */
};

typedef void evbus_fn(void *arg, const struct evbus_event *ev);

struct evbus_sub {
	unsigned mask;
	evbus_fn *fn;
	void *arg;
	bool dead; /* unsubscribed during a publish; swept afterwards */
};

struct evbus {
	struct evbus_sub *subs;
	size_t nsubs, cap;
	unsigned publishing; /* nesting depth */
};

/* evbus_init prepares an empty bus. */
void evbus_init(struct evbus *b);
/* evbus_fini releases the subscriber table. */
void evbus_fini(struct evbus *b);
/* evbus_subscribe calls fn(arg, ev) for every event whose kind is in mask. */
void evbus_subscribe(struct evbus *b, unsigned mask, evbus_fn *fn, void *arg);
/* evbus_unsubscribe removes (fn, arg); safe from inside a callback. */
void evbus_unsubscribe(struct evbus *b, evbus_fn *fn, void *arg);
/* evbus_publish delivers ev to the current subscribers. */
void evbus_publish(struct evbus *b, const struct evbus_event *ev);

#endif
