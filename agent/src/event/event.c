/*
 * Supervisor's events: the 4.2.5 type tree, the reference-counted events
 * listeners receive, their envelope, and the hub. The hub is the only
 * producer of Supervisor events: it turns what the supervisor publishes on
 * its internal bus (and the wall clock, for TICKs) into numbered events
 * and hands them to its subscribers. It never queues or writes to a
 * listener; that is the pools' work. Rendering and the serial are spent
 * only on events some subscriber takes, as 4.2.5 numbers an event only
 * when a pool accepts it.
 */
#include "event/event.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/xalloc.h"
#include "event/event_payload.h"
#include "process/supervisor.h"

struct event_type_row {
	const char *name;
	enum event_type parent; /* EV_NTYPES: the root */
	bool abstract;
};

/* events.py's EventTypes and the class hierarchy behind them. */
static const struct event_type_row event_types[EV_NTYPES] = {
	[EV_EVENT] = { "EVENT", EV_NTYPES, true },
	[EV_PROCESS_STATE] = { "PROCESS_STATE", EV_EVENT, true },
	[EV_PROCESS_STATE_STOPPED] = { "PROCESS_STATE_STOPPED",
	    EV_PROCESS_STATE, false },
	[EV_PROCESS_STATE_EXITED] = { "PROCESS_STATE_EXITED", EV_PROCESS_STATE,
	    false },
	[EV_PROCESS_STATE_STARTING] = { "PROCESS_STATE_STARTING",
	    EV_PROCESS_STATE, false },
	[EV_PROCESS_STATE_STOPPING] = { "PROCESS_STATE_STOPPING",
	    EV_PROCESS_STATE, false },
	[EV_PROCESS_STATE_BACKOFF] = { "PROCESS_STATE_BACKOFF",
	    EV_PROCESS_STATE, false },
	[EV_PROCESS_STATE_FATAL] = { "PROCESS_STATE_FATAL", EV_PROCESS_STATE,
	    false },
	[EV_PROCESS_STATE_RUNNING] = { "PROCESS_STATE_RUNNING",
	    EV_PROCESS_STATE, false },
	[EV_PROCESS_STATE_UNKNOWN] = { "PROCESS_STATE_UNKNOWN",
	    EV_PROCESS_STATE, false },
	[EV_PROCESS_COMMUNICATION] = { "PROCESS_COMMUNICATION", EV_EVENT,
	    true },
	[EV_PROCESS_COMMUNICATION_STDOUT] = { "PROCESS_COMMUNICATION_STDOUT",
	    EV_PROCESS_COMMUNICATION, false },
	[EV_PROCESS_COMMUNICATION_STDERR] = { "PROCESS_COMMUNICATION_STDERR",
	    EV_PROCESS_COMMUNICATION, false },
	[EV_PROCESS_LOG] = { "PROCESS_LOG", EV_EVENT, true },
	[EV_PROCESS_LOG_STDOUT] = { "PROCESS_LOG_STDOUT", EV_PROCESS_LOG,
	    false },
	[EV_PROCESS_LOG_STDERR] = { "PROCESS_LOG_STDERR", EV_PROCESS_LOG,
	    false },
	[EV_REMOTE_COMMUNICATION] = { "REMOTE_COMMUNICATION", EV_EVENT, false },
	[EV_SUPERVISOR_STATE_CHANGE] = { "SUPERVISOR_STATE_CHANGE", EV_EVENT,
	    true },
	[EV_SUPERVISOR_STATE_CHANGE_RUNNING] = { "SUPERVISOR_STATE_CHANGE_"
	                                         "RUNNING",
	    EV_SUPERVISOR_STATE_CHANGE, false },
	[EV_SUPERVISOR_STATE_CHANGE_STOPPING] = { "SUPERVISOR_STATE_CHANGE_"
	                                          "STOPPING",
	    EV_SUPERVISOR_STATE_CHANGE, false },
	[EV_TICK] = { "TICK", EV_EVENT, true },
	[EV_TICK_5] = { "TICK_5", EV_TICK, false },
	[EV_TICK_60] = { "TICK_60", EV_TICK, false },
	[EV_TICK_3600] = { "TICK_3600", EV_TICK, false },
	[EV_PROCESS_GROUP] = { "PROCESS_GROUP", EV_EVENT, true },
	[EV_PROCESS_GROUP_ADDED] = { "PROCESS_GROUP_ADDED", EV_PROCESS_GROUP,
	    false },
	[EV_PROCESS_GROUP_REMOVED] = { "PROCESS_GROUP_REMOVED",
	    EV_PROCESS_GROUP, false },
};

const char *
event_type_name(enum event_type t)
{
	return (unsigned)t < EV_NTYPES ? event_types[t].name : "UNKNOWN";
}

bool
event_type_lookup(const char *name, enum event_type *out)
{
	for (size_t i = 0; i < EV_NTYPES; i++) {
		if (strcmp(event_types[i].name, name) == 0) {
			*out = (enum event_type)i;
			return true;
		}
	}
	return false;
}

bool
event_type_is(enum event_type t, enum event_type ancestor)
{
	while ((unsigned)t < EV_NTYPES) {
		if (t == ancestor) {
			return true;
		}
		t = event_types[t].parent;
	}
	return false;
}

event_typeset
event_typeset_of(enum event_type t)
{
	event_typeset set = 0;

	for (size_t i = 0; i < EV_NTYPES; i++) {
		if (!event_types[i].abstract &&
		    event_type_is((enum event_type)i, t)) {
			set |= (event_typeset)1 << i;
		}
	}
	return set;
}

/* --- Events ---------------------------------------------------------- */

struct fv_event *
fv_event_ref(struct fv_event *ev)
{
	ev->refs++;
	return ev;
}

void
fv_event_unref(struct fv_event *ev)
{
	if (ev == NULL || --ev->refs > 0) {
		return;
	}
	free(ev->payload);
	free(ev);
}

/* event_new_take makes an event of type t whose payload is b's contents
 * (b is left empty). */
static struct fv_event *
event_new_take(enum event_type t, struct fv_buf *b)
{
	struct fv_event *ev = fv_xcalloc(1, sizeof(*ev));

	ev->refs = 1;
	ev->type = t;
	ev->len = b->len;
	ev->payload = fv_buf_take(b);
	ev->chars = event_utf8_chars(ev->payload, ev->len);
	return ev;
}

int
event_envelope(struct fv_buf *b, const char *server, const char *pool,
    uint64_t pool_serial, const struct fv_event *ev)
{
	int rv;

	if ((rv = fv_buf_printf(b,
	         "ver:3.0 server:%s serial:%llu pool:%s poolserial:%llu "
	         "eventname:%s len:%zu\n",
	         server, (unsigned long long)ev->serial, pool,
	         (unsigned long long)pool_serial, event_type_name(ev->type),
	         ev->chars)) != 0) {
		return rv;
	}
	return fv_buf_append(b, ev->payload, ev->len);
}

/* --- The hub: subscribers ---------------------------------------------- */

void
event_hub_subscribe(
    struct event_hub *h, event_typeset types, event_fn *fn, void *arg)
{
	if (h->nsubs == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 8;
		h->subs = fv_xreallocarray(h->subs, h->cap, sizeof(*h->subs));
	}
	h->subs[h->nsubs++] = (struct event_sub){ types, fn, arg, false };
}

static void
event_hub_sweep(struct event_hub *h)
{
	size_t j = 0;

	for (size_t i = 0; i < h->nsubs; i++) {
		if (!h->subs[i].dead) {
			h->subs[j++] = h->subs[i];
		}
	}
	h->nsubs = j;
}

void
event_hub_unsubscribe(struct event_hub *h, event_fn *fn, void *arg)
{
	for (size_t i = 0; i < h->nsubs; i++) {
		if (h->subs[i].fn == fn && h->subs[i].arg == arg) {
			h->subs[i].dead = true;
		}
	}
	if (h->publishing == 0) {
		event_hub_sweep(h);
	}
}

bool
event_hub_wants(const struct event_hub *h, enum event_type t)
{
	event_typeset bit = (event_typeset)1 << t;

	for (size_t i = 0; i < h->nsubs; i++) {
		if (!h->subs[i].dead && (h->subs[i].types & bit) != 0) {
			return true;
		}
	}
	return false;
}

/* 4.2.5's new_serial(GlobalSerial): from 0, back to 0 after sys.maxsize. */
static uint64_t
event_hub_next_serial(struct event_hub *h)
{
	if (h->serial == UINT64_MAX || h->serial >= (uint64_t)INT64_MAX) {
		h->serial = 0;
	} else {
		h->serial++;
	}
	return h->serial;
}

/*
 * event_hub_emit numbers the event of type t whose payload is in b and
 * delivers it. The caller checked event_hub_wants() just before, with no
 * callback in between, so the serial goes to an event someone takes.
 */
static void
event_hub_emit(struct event_hub *h, enum event_type t, struct fv_buf *b)
{
	event_typeset bit = (event_typeset)1 << t;
	struct fv_event *ev = event_new_take(t, b);
	size_t n = h->nsubs; /* later subscribers: from the next event */

	ev->serial = event_hub_next_serial(h);
	h->publishing++;
	for (size_t i = 0; i < n; i++) {
		struct event_sub s = h->subs[i];

		if (!s.dead && (s.types & bit) != 0) {
			s.fn(s.arg, ev);
		}
	}
	if (--h->publishing == 0) {
		event_hub_sweep(h);
	}
	fv_event_unref(ev);
}

/* --- The hub: what the bus reports ------------------------------------- */

/*
 * The payload buffer's cap: data may grow fourfold as a bytes repr
 * ("\xNN"), and the rest is names from the configuration. A render that
 * still fails is a broken invariant, not an input to handle.
 */
static void
event_payload_init(struct fv_buf *b, size_t data_len, size_t names_len)
{
	fv_buf_init(b, 4 * data_len + names_len + 4096);
}

static void
event_rendered(int rv)
{
	if (rv != 0) {
		abort();
	}
}

static const char *
event_group_name(const struct proc *p)
{
	return p->group != NULL && p->group->cfg != NULL ? p->group->cfg->name
	                                                 : "";
}

static enum event_type
event_state_type(enum proc_state to)
{
	switch (to) {
	case PROC_STOPPED:
		return EV_PROCESS_STATE_STOPPED;
	case PROC_STARTING:
		return EV_PROCESS_STATE_STARTING;
	case PROC_RUNNING:
		return EV_PROCESS_STATE_RUNNING;
	case PROC_BACKOFF:
		return EV_PROCESS_STATE_BACKOFF;
	case PROC_STOPPING:
		return EV_PROCESS_STATE_STOPPING;
	case PROC_EXITED:
		return EV_PROCESS_STATE_EXITED;
	case PROC_FATAL:
		return EV_PROCESS_STATE_FATAL;
	case PROC_UNKNOWN:
		break;
	}
	return EV_PROCESS_STATE_UNKNOWN;
}

static void
event_hub_on_state(struct event_hub *h, const struct evbus_event *bev)
{
	const struct proc *p = bev->proc;
	enum event_type t = event_state_type(bev->to);
	const char *name, *group;
	struct fv_buf b;

	/* 4.2.5's change_state() notifies only real changes. */
	if (bev->from == bev->to || p == NULL || !event_hub_wants(h, t)) {
		return;
	}
	name = proc_name(p);
	group = event_group_name(p);
	event_payload_init(&b, 0, strlen(name) + strlen(group));
	/* tries is the backoff count right now: the bus is synchronous,
	 * so this is the moment of the change, as 4.2.5's eager extras. */
	event_rendered(event_render_state(&b, name, group, bev->from, bev->to,
	    bev->expected, p->fsm.backoff, bev->pid));
	event_hub_emit(h, t, &b);
}

static void
event_hub_on_output(struct event_hub *h, const struct evbus_event *bev)
{
	const struct proc *p = bev->proc;
	bool out = bev->channel == EVBUS_STDOUT;
	const char *name, *group;
	enum event_type t;
	struct fv_buf b;

	if (p == NULL) {
		return;
	}
	if (bev->kind == EVBUS_PROC_LOG) {
		const struct proc_chan *c = out ? &p->out : &p->err;

		/* The bus carries every chunk; 4.2.5's dispatcher makes an
		 * event only when the channel has events_enabled. */
		if (c->cfg == NULL || !c->cfg->events_enabled) {
			return;
		}
		t = out ? EV_PROCESS_LOG_STDOUT : EV_PROCESS_LOG_STDERR;
	} else {
		t = out ? EV_PROCESS_COMMUNICATION_STDOUT
		        : EV_PROCESS_COMMUNICATION_STDERR;
	}
	if (!event_hub_wants(h, t)) {
		return;
	}
	name = proc_name(p);
	group = event_group_name(p);
	event_payload_init(&b, bev->len, strlen(name) + strlen(group));
	if (bev->kind == EVBUS_PROC_LOG) {
		event_rendered(event_render_log(&b, name, group, bev->pid,
		    out ? "stdout" : "stderr", bev->data, bev->len));
	} else {
		event_rendered(event_render_comm(
		    &b, name, group, bev->pid, bev->data, bev->len));
	}
	event_hub_emit(h, t, &b);
}

static void event_hub_ticks_start(struct event_hub *h);

static void
event_hub_on_mood(struct event_hub *h, const struct evbus_event *bev)
{
	enum event_type t;
	struct fv_buf b;

	if (bev->supervisor_state == SV_RUNNING) {
		t = EV_SUPERVISOR_STATE_CHANGE_RUNNING;
	} else if (bev->supervisor_state == SV_SHUTDOWN ||
	    bev->supervisor_state == SV_RESTARTING) {
		t = EV_SUPERVISOR_STATE_CHANGE_STOPPING;
	} else {
		return; /* 4.2.5 has no event for FATAL */
	}
	if (event_hub_wants(h, t)) {
		event_payload_init(&b, 0, 0);
		event_hub_emit(h, t, &b);
	}
	if (t == EV_SUPERVISOR_STATE_CHANGE_RUNNING) {
		event_hub_ticks_start(h);
	}
}

static void
event_hub_on_group(struct event_hub *h, const struct evbus_event *bev)
{
	enum event_type t = bev->kind == EVBUS_GROUP_ADDED
	    ? EV_PROCESS_GROUP_ADDED
	    : EV_PROCESS_GROUP_REMOVED;
	const char *name;
	struct fv_buf b;

	if (bev->group == NULL || !event_hub_wants(h, t)) {
		return;
	}
	name = bev->group->cfg->name;
	event_payload_init(&b, 0, strlen(name));
	event_rendered(event_render_group(&b, name));
	event_hub_emit(h, t, &b);
}

static void
event_hub_on_remote(struct event_hub *h, const struct evbus_event *bev)
{
	struct fv_buf b;

	if (!event_hub_wants(h, EV_REMOTE_COMMUNICATION)) {
		return;
	}
	event_payload_init(&b, bev->len + bev->type_len, 0);
	event_rendered(event_render_remote(
	    &b, bev->type, bev->type_len, bev->data, bev->len));
	event_hub_emit(h, EV_REMOTE_COMMUNICATION, &b);
}

static void
event_hub_on_bus(void *arg, const struct evbus_event *bev)
{
	struct event_hub *h = arg;

	switch (bev->kind) {
	case EVBUS_PROC_STATE:
		event_hub_on_state(h, bev);
		break;
	case EVBUS_PROC_LOG:
	case EVBUS_PROC_COMM:
		event_hub_on_output(h, bev);
		break;
	case EVBUS_SUPERVISOR_STATE:
		event_hub_on_mood(h, bev);
		break;
	case EVBUS_GROUP_ADDED:
	case EVBUS_GROUP_REMOVED:
		event_hub_on_group(h, bev);
		break;
	case EVBUS_REMOTE_COMM:
		event_hub_on_remote(h, bev);
		break;
	}
}

/* --- The hub: ticks ----------------------------------------------------- */

static int64_t
event_hub_now_ms(struct event_hub *h)
{
	struct timespec ts;

	if (h->clock != NULL) {
		return h->clock(h->clock_arg);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
event_hub_on_tick(uv_timer_t *t)
{
	event_hub_tick(t->data);
}

/*
 * The timer counts on the monotonic clock, the boundary is on the wall
 * clock: each arming measures afresh, so a clock set back or forward is
 * seen at the next expiry, and an expiry that comes early finds nothing
 * due and arms again for the rest.
 */
static void
event_hub_arm(struct event_hub *h)
{
	uv_update_time(h->tick.loop);
	uv_timer_start(&h->tick, event_hub_on_tick,
	    event_tick_delay_ms(event_hub_now_ms(h)), 0);
}

static void
event_hub_ticks_start(struct event_hub *h)
{
	int64_t now;

	if (h->ticking || !h->tick_open) {
		return;
	}
	now = event_hub_now_ms(h);
	for (size_t i = 0; i < EVENT_NTICKS; i++) {
		h->last_tick[i] = event_tick_slice(event_tick_period(i), now);
	}
	h->ticking = true;
	event_hub_arm(h);
}

void
event_hub_tick(struct event_hub *h)
{
	enum event_type types[EVENT_NTICKS];
	int64_t when[EVENT_NTICKS];
	size_t n;

	if (!h->ticking) {
		return;
	}
	n = event_tick_check(h->last_tick, event_hub_now_ms(h), types, when);
	for (size_t i = 0; i < n; i++) {
		struct fv_buf b;

		if (!event_hub_wants(h, types[i])) {
			continue;
		}
		event_payload_init(&b, 0, 0);
		event_rendered(event_render_tick(&b, when[i]));
		event_hub_emit(h, types[i], &b);
	}
	if (h->ticking) {
		event_hub_arm(h);
	}
}

void
event_hub_set_clock(struct event_hub *h, event_clock_fn *fn, void *arg)
{
	h->clock = fn;
	h->clock_arg = arg;
}

/* --- The hub: life ------------------------------------------------------ */

void
event_hub_init(struct event_hub *h, struct supervisor *sv)
{
	*h = (struct event_hub){ .sv = sv, .serial = UINT64_MAX };
	evbus_subscribe(&sv->bus,
	    EVBUS_PROC_STATE | EVBUS_PROC_LOG | EVBUS_PROC_COMM |
	        EVBUS_SUPERVISOR_STATE | EVBUS_GROUP_ADDED |
	        EVBUS_GROUP_REMOVED | EVBUS_REMOTE_COMM,
	    event_hub_on_bus, h);
	if (sv->loop != NULL && uv_timer_init(sv->loop, &h->tick) == 0) {
		h->tick.data = h;
		/* Ticks alone never keep a loop running. */
		uv_unref((uv_handle_t *)&h->tick);
		h->tick_open = true;
	}
}

void
event_hub_fini(struct event_hub *h)
{
	if (h->sv != NULL) {
		evbus_unsubscribe(&h->sv->bus, event_hub_on_bus, h);
	}
	if (h->tick_open) {
		uv_timer_stop(&h->tick);
		uv_close((uv_handle_t *)&h->tick, NULL);
		h->tick_open = false;
	}
	h->ticking = false;
	free(h->subs);
	h->subs = NULL;
	h->nsubs = h->cap = 0;
}
