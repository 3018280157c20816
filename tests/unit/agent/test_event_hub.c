/*
 * The event hub: the 4.2.5 type tree, what each bus report becomes, the
 * global serial (spent only on events someone takes), subscribers coming
 * and going during a delivery, and TICKs on wall-clock boundaries with an
 * injected clock. The hub runs inside a real supervisor (supervisor_init
 * wires it), fed by publishing on the supervisor's bus as proc.c does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "common/xalloc.h"
#include "config/cfg_keys.h"
#include "event/event.h"
#include "process/supervisor.h"

#define REC_MAX 64

struct rec_event {
	enum event_type type;
	uint64_t serial;
	char *payload;
	size_t len, chars;
};

struct fx;

/* A subscriber that records what it gets and may act during delivery. */
struct rec {
	struct fx *fx;
	struct rec_event ev[REC_MAX];
	size_t n;
	struct rec *subscribe_on_first; /* subscribes it to everything */
	struct rec *unsubscribe_on_first; /* may be itself */
	struct fv_event *kept; /* a reference taken on the first event */
	bool keep;
};

struct fx {
	uv_loop_t loop;
	struct supervisor sv;
	char gname[8], pname[8];
	struct cfg_group gcfg;
	struct proc_group g;
	struct cfg_process pcfg;
	struct proc p;
	int64_t now_ms; /* the fake wall clock */
	bool clock_follows_loop;
	uint64_t clock_origin;
};

static void
rec_on_event(void *arg, struct fv_event *ev)
{
	struct rec *r = arg;

	assert_true(r->n < REC_MAX);
	r->ev[r->n] = (struct rec_event){ ev->type, ev->serial,
		fv_xstrndup(ev->payload, ev->len), ev->len, ev->chars };
	if (r->n++ > 0) {
		return;
	}
	if (r->keep) {
		r->kept = fv_event_ref(ev);
	}
	if (r->subscribe_on_first != NULL) {
		event_hub_subscribe(&r->fx->sv.events,
		    event_typeset_of(EV_EVENT), rec_on_event,
		    r->subscribe_on_first);
	}
	if (r->unsubscribe_on_first != NULL) {
		event_hub_unsubscribe(
		    &r->fx->sv.events, rec_on_event, r->unsubscribe_on_first);
	}
}

static void
rec_clear(struct rec *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->ev[i].payload);
	}
	r->n = 0;
	fv_event_unref(r->kept);
	r->kept = NULL;
}

static int64_t
fx_clock(void *arg)
{
	struct fx *fx = arg;

	if (fx->clock_follows_loop) {
		return fx->now_ms +
		    (int64_t)((uv_hrtime() - fx->clock_origin) / 1000000);
	}
	return fx->now_ms;
}

static int
fx_setup(void **state)
{
	struct fx *fx = fv_xcalloc(1, sizeof(*fx));

	assert_int_equal(uv_loop_init(&fx->loop), 0);
	supervisor_init(&fx->sv, &fx->loop, NULL, NULL, NULL);
	event_hub_set_clock(&fx->sv.events, fx_clock, fx);
	memcpy(fx->gname, "grp", 4);
	memcpy(fx->pname, "web", 4);
	fx->gcfg.name = fx->gname;
	fx->g.cfg = &fx->gcfg;
	fx->g.sv = &fx->sv;
	fx->pcfg.name = fx->pname;
	fx->pcfg.out.events_enabled = true;
	fx->pcfg.err.events_enabled = false;
	fx->p.sv = &fx->sv;
	fx->p.group = &fx->g;
	fx->p.cfg = &fx->pcfg;
	fx->p.out.cfg = &fx->pcfg.out;
	fx->p.err.cfg = &fx->pcfg.err;
	*state = fx;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *fx = *state;

	supervisor_fini(&fx->sv);
	uv_run(&fx->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&fx->loop), 0);
	free(fx);
	return 0;
}

static void
fx_state(struct fx *fx, enum proc_state from, enum proc_state to, bool expected,
    int pid)
{
	struct evbus_event ev = { .kind = EVBUS_PROC_STATE,
		.proc = &fx->p,
		.group = &fx->g,
		.from = from,
		.to = to,
		.expected = expected,
		.pid = pid };

	fx->p.fsm.state = to;
	evbus_publish(&fx->sv.bus, &ev);
}

static void
fx_output(struct fx *fx, enum evbus_kind kind, enum evbus_channel ch,
    const char *data, size_t n)
{
	struct evbus_event ev = { .kind = kind,
		.proc = &fx->p,
		.group = &fx->g,
		.pid = 42,
		.channel = ch,
		.data = data,
		.len = n };

	evbus_publish(&fx->sv.bus, &ev);
}

static void
fx_simple(struct fx *fx, enum evbus_kind kind, int mood)
{
	struct evbus_event ev = {
		.kind = kind, .group = &fx->g, .supervisor_state = mood
	};

	evbus_publish(&fx->sv.bus, &ev);
}

static unsigned
popcount(event_typeset s)
{
	unsigned n = 0;

	for (; s != 0; s &= s - 1) {
		n++;
	}
	return n;
}

#define BIT(t) ((event_typeset)1 << (t))

static void
test_event_type_tree(void **state)
{
	event_typeset states = 0;
	enum event_type t;

	(void)state;
	for (size_t i = 0; i < EV_NTYPES; i++) {
		const char *name = event_type_name((enum event_type)i);

		/* Every name 4.2.5 accepts in events= is ours, and back. */
		assert_true(cfg_event_type_known(name));
		assert_true(event_type_lookup(name, &t));
		assert_int_equal(t, i);
		for (size_t j = 0; j < i; j++) {
			assert_string_not_equal(
			    name, event_type_name((enum event_type)j));
		}
	}
	assert_false(event_type_lookup("process_state", &t));
	assert_false(event_type_lookup("EventRejectedEvent", &t));
	assert_false(event_type_lookup("", &t));
	assert_string_equal(event_type_name(EV_PROCESS_COMMUNICATION_STDERR),
	    "PROCESS_COMMUNICATION_STDERR");

	/* 27 names, 7 abstract: EVENT covers the 20 concrete ones. */
	assert_int_equal(EV_NTYPES, 27);
	assert_int_equal(popcount(event_typeset_of(EV_EVENT)), 20);
	for (t = EV_PROCESS_STATE_STOPPED; t <= EV_PROCESS_STATE_UNKNOWN; t++) {
		states |= BIT(t);
		assert_int_equal(event_typeset_of(t), BIT(t));
		assert_true(event_type_is(t, EV_PROCESS_STATE));
		assert_true(event_type_is(t, EV_EVENT));
		assert_false(event_type_is(t, EV_PROCESS_LOG));
	}
	assert_int_equal(event_typeset_of(EV_PROCESS_STATE), states);
	assert_int_equal(event_typeset_of(EV_PROCESS_LOG),
	    BIT(EV_PROCESS_LOG_STDOUT) | BIT(EV_PROCESS_LOG_STDERR));
	assert_int_equal(event_typeset_of(EV_PROCESS_COMMUNICATION),
	    BIT(EV_PROCESS_COMMUNICATION_STDOUT) |
	        BIT(EV_PROCESS_COMMUNICATION_STDERR));
	assert_int_equal(event_typeset_of(EV_SUPERVISOR_STATE_CHANGE),
	    BIT(EV_SUPERVISOR_STATE_CHANGE_RUNNING) |
	        BIT(EV_SUPERVISOR_STATE_CHANGE_STOPPING));
	assert_int_equal(event_typeset_of(EV_TICK),
	    BIT(EV_TICK_5) | BIT(EV_TICK_60) | BIT(EV_TICK_3600));
	assert_int_equal(event_typeset_of(EV_PROCESS_GROUP),
	    BIT(EV_PROCESS_GROUP_ADDED) | BIT(EV_PROCESS_GROUP_REMOVED));
	assert_int_equal(event_typeset_of(EV_REMOTE_COMMUNICATION),
	    BIT(EV_REMOTE_COMMUNICATION));
	assert_false(event_type_is(EV_TICK_60, EV_PROCESS_STATE));
}

static void
test_event_hub_serials(void **state)
{
	struct fx *fx = *state;
	struct rec running = { .fx = fx }, all = { .fx = fx };

	/* Nobody listens: nothing is numbered. */
	fx_state(fx, PROC_STOPPED, PROC_STARTING, true, 0);
	fx_state(fx, PROC_STARTING, PROC_RUNNING, true, 42);
	assert_int_equal(fx->sv.events.serial, UINT64_MAX);

	event_hub_subscribe(&fx->sv.events,
	    event_typeset_of(EV_PROCESS_STATE_RUNNING), rec_on_event, &running);
	assert_true(event_hub_wants(&fx->sv.events, EV_PROCESS_STATE_RUNNING));
	assert_false(event_hub_wants(&fx->sv.events, EV_PROCESS_STATE_FATAL));
	/* Events of other types use no serial either. */
	fx_output(fx, EVBUS_PROC_LOG, EVBUS_STDOUT, "x", 1);
	fx_state(fx, PROC_RUNNING, PROC_EXITED, true, 42);
	fx_state(fx, PROC_EXITED, PROC_STARTING, true, 0);
	fx_state(fx, PROC_STARTING, PROC_RUNNING, true, 43);
	assert_int_equal(running.n, 1);
	assert_int_equal(running.ev[0].serial, 0);
	assert_int_equal(running.ev[0].type, EV_PROCESS_STATE_RUNNING);

	event_hub_subscribe(
	    &fx->sv.events, event_typeset_of(EV_EVENT), rec_on_event, &all);
	fx_state(fx, PROC_RUNNING, PROC_STOPPING, true, 43);
	fx_state(fx, PROC_STOPPING, PROC_STOPPED, true, 43);
	fx_state(fx, PROC_STOPPED, PROC_STARTING, true, 0);
	fx_state(fx, PROC_STARTING, PROC_RUNNING, true, 44);
	assert_int_equal(all.n, 4);
	for (size_t i = 0; i < all.n; i++) {
		assert_int_equal(all.ev[i].serial, 1 + i);
	}
	/* Both got the RUNNING event, with the same serial. */
	assert_int_equal(running.n, 2);
	assert_int_equal(running.ev[1].serial, 4);
	assert_string_equal(running.ev[1].payload, all.ev[3].payload);
	event_hub_unsubscribe(&fx->sv.events, rec_on_event, &running);
	event_hub_unsubscribe(&fx->sv.events, rec_on_event, &all);
	assert_int_equal(fx->sv.events.nsubs, 0);
	rec_clear(&running);
	rec_clear(&all);
}

static void
test_event_hub_state_events(void **state)
{
	struct fx *fx = *state;
	struct rec r = { .fx = fx };

	event_hub_subscribe(&fx->sv.events, event_typeset_of(EV_PROCESS_STATE),
	    rec_on_event, &r);
	/* tries is the backoff count when the change is published. */
	fx->p.fsm.backoff = 1;
	fx_state(fx, PROC_STARTING, PROC_BACKOFF, true, 0);
	fx->p.fsm.backoff = 1;
	fx_state(fx, PROC_BACKOFF, PROC_STARTING, true, 0);
	fx->p.fsm.backoff = 0;
	fx_state(fx, PROC_STARTING, PROC_RUNNING, true, 42);
	/* No change, no event (4.2.5's change_state). */
	fx_state(fx, PROC_RUNNING, PROC_RUNNING, true, 42);
	fx_state(fx, PROC_RUNNING, PROC_EXITED, false, 42);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.ev[0].type, EV_PROCESS_STATE_BACKOFF);
	assert_string_equal(r.ev[0].payload,
	    "processname:web groupname:grp from_state:STARTING tries:1");
	assert_int_equal(r.ev[1].type, EV_PROCESS_STATE_STARTING);
	assert_string_equal(r.ev[1].payload,
	    "processname:web groupname:grp from_state:BACKOFF tries:1");
	assert_int_equal(r.ev[2].type, EV_PROCESS_STATE_RUNNING);
	assert_string_equal(r.ev[2].payload,
	    "processname:web groupname:grp from_state:STARTING pid:42");
	assert_int_equal(r.ev[3].type, EV_PROCESS_STATE_EXITED);
	assert_string_equal(r.ev[3].payload,
	    "processname:web groupname:grp from_state:RUNNING expected:0 "
	    "pid:42");
	assert_int_equal(r.ev[3].chars, r.ev[3].len);
	rec_clear(&r);
}

static void
test_event_hub_output_events(void **state)
{
	struct fx *fx = *state;
	struct rec r = { .fx = fx };

	event_hub_subscribe(
	    &fx->sv.events, event_typeset_of(EV_EVENT), rec_on_event, &r);
	fx_output(fx, EVBUS_PROC_LOG, EVBUS_STDOUT, "h\xc3\xa9\n", 4);
	/* stderr_events_enabled is false: the chunk makes no event. */
	fx_output(fx, EVBUS_PROC_LOG, EVBUS_STDERR, "err\n", 4);
	/* Captured messages do not depend on *_events_enabled. */
	fx_output(fx, EVBUS_PROC_COMM, EVBUS_STDERR, "\xff", 1);
	fx_output(fx, EVBUS_PROC_COMM, EVBUS_STDOUT, "", 0);
	fx->pcfg.err.events_enabled = true;
	fx_output(fx, EVBUS_PROC_LOG, EVBUS_STDERR, "e\x80", 2);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.ev[0].type, EV_PROCESS_LOG_STDOUT);
	assert_string_equal(r.ev[0].payload,
	    "processname:web groupname:grp pid:42 channel:stdout\nh\xc3\xa9\n");
	/* Code points, as Python's len(): the é is one. */
	assert_int_equal(r.ev[0].len, 56);
	assert_int_equal(r.ev[0].chars, 55);
	assert_int_equal(r.ev[1].type, EV_PROCESS_COMMUNICATION_STDERR);
	assert_string_equal(r.ev[1].payload,
	    "processname:web groupname:grp pid:42\nUndecodable: b'\\xff'");
	assert_int_equal(r.ev[1].chars, r.ev[1].len);
	assert_int_equal(r.ev[2].type, EV_PROCESS_COMMUNICATION_STDOUT);
	assert_string_equal(
	    r.ev[2].payload, "processname:web groupname:grp pid:42\n");
	assert_int_equal(r.ev[3].type, EV_PROCESS_LOG_STDERR);
	assert_string_equal(r.ev[3].payload,
	    "processname:web groupname:grp pid:42 channel:stderr\n"
	    "Undecodable: b'e\\x80'");
	for (size_t i = 0; i < r.n; i++) {
		assert_int_equal(r.ev[i].serial, i);
	}
	rec_clear(&r);
}

static void
test_event_hub_supervisor_events(void **state)
{
	struct fx *fx = *state;
	struct rec r = { .fx = fx };
	struct evbus_event remote = { .kind = EVBUS_REMOTE_COMM,
		.type = "t\xc3\xbfpe",
		.type_len = 5,
		.data = "d\xc3\xa4t\xc3\xa4 'x'",
		.len = 10 };

	event_hub_subscribe(
	    &fx->sv.events, event_typeset_of(EV_EVENT), rec_on_event, &r);
	fx_simple(fx, EVBUS_GROUP_ADDED, 0);
	fx_simple(fx, EVBUS_SUPERVISOR_STATE, SV_RUNNING);
	evbus_publish(&fx->sv.bus, &remote);
	fx_simple(fx, EVBUS_SUPERVISOR_STATE, SV_FATAL);
	fx_simple(fx, EVBUS_SUPERVISOR_STATE, SV_RESTARTING);
	fx_simple(fx, EVBUS_SUPERVISOR_STATE, SV_SHUTDOWN);
	fx_simple(fx, EVBUS_GROUP_REMOVED, 0);
	assert_int_equal(r.n, 6);
	assert_int_equal(r.ev[0].type, EV_PROCESS_GROUP_ADDED);
	assert_string_equal(r.ev[0].payload, "groupname:grp\n");
	assert_int_equal(r.ev[1].type, EV_SUPERVISOR_STATE_CHANGE_RUNNING);
	assert_int_equal(r.ev[1].len, 0);
	assert_int_equal(r.ev[2].type, EV_REMOTE_COMMUNICATION);
	assert_string_equal(
	    r.ev[2].payload, "type:t\xc3\xbfpe\nd\xc3\xa4t\xc3\xa4 'x'");
	assert_int_equal(r.ev[2].chars, 18);
	assert_int_equal(r.ev[3].type, EV_SUPERVISOR_STATE_CHANGE_STOPPING);
	assert_int_equal(r.ev[4].type, EV_SUPERVISOR_STATE_CHANGE_STOPPING);
	assert_int_equal(r.ev[5].type, EV_PROCESS_GROUP_REMOVED);
	assert_string_equal(r.ev[5].payload, "groupname:grp\n");
	rec_clear(&r);
}

static void
test_event_hub_subscribers_change_during_delivery(void **state)
{
	struct fx *fx = *state;
	struct rec a = { .fx = fx }, b = { .fx = fx }, c = { .fx = fx },
	           d = { .fx = fx }, late = { .fx = fx };
	struct event_hub *h = &fx->sv.events;
	event_typeset all = event_typeset_of(EV_EVENT);

	a.subscribe_on_first = &late; /* sees the next event only */
	b.unsubscribe_on_first = &b; /* leaves after its first */
	c.unsubscribe_on_first = &d; /* d, later in line, gets nothing */
	a.keep = true;
	event_hub_subscribe(h, all, rec_on_event, &a);
	event_hub_subscribe(h, all, rec_on_event, &b);
	event_hub_subscribe(h, all, rec_on_event, &c);
	event_hub_subscribe(h, all, rec_on_event, &d);
	fx_simple(fx, EVBUS_GROUP_ADDED, 0);
	assert_int_equal(a.n, 1);
	assert_int_equal(b.n, 1);
	assert_int_equal(c.n, 1);
	assert_int_equal(d.n, 0);
	assert_int_equal(late.n, 0);
	assert_int_equal(h->nsubs, 3); /* swept once delivery ended */
	fx_simple(fx, EVBUS_GROUP_REMOVED, 0);
	assert_int_equal(a.n, 2);
	assert_int_equal(b.n, 1);
	assert_int_equal(c.n, 2);
	assert_int_equal(d.n, 0);
	assert_int_equal(late.n, 1);
	assert_int_equal(late.ev[0].serial, 1);
	/* a kept the first event: it outlives the delivery. */
	assert_non_null(a.kept);
	assert_int_equal(a.kept->refs, 1);
	assert_int_equal(a.kept->serial, 0);
	assert_string_equal(a.kept->payload, "groupname:grp\n");
	event_hub_unsubscribe(h, rec_on_event, &a);
	event_hub_unsubscribe(h, rec_on_event, &c);
	event_hub_unsubscribe(h, rec_on_event, &late);
	assert_int_equal(h->nsubs, 0);
	rec_clear(&a);
	rec_clear(&b);
	rec_clear(&c);
	rec_clear(&late);
}

static void
test_event_tick_arithmetic(void **state)
{
	int64_t last[EVENT_NTICKS];
	enum event_type types[EVENT_NTICKS];
	int64_t when[EVENT_NTICKS];
	/* 2023-11-14 22:13:20 UTC; 1699999200 is a whole hour. */
	const int64_t t0 = 1700000000;

	(void)state;
	assert_int_equal(event_tick_period(0), 5);
	assert_int_equal(event_tick_period(1), 60);
	assert_int_equal(event_tick_period(2), 3600);
	/* Python: timeslice(5, 1700000004.999) == 1700000000 etc. */
	assert_int_equal(event_tick_slice(5, t0 * 1000 + 4999), t0);
	assert_int_equal(event_tick_slice(5, t0 * 1000 + 5000), t0 + 5);
	assert_int_equal(event_tick_slice(60, t0 * 1000 + 4999), 1699999980);
	assert_int_equal(event_tick_slice(3600, t0 * 1000), 1699999200);
	assert_int_equal(event_tick_slice(5, -1), -5);

	for (size_t i = 0; i < EVENT_NTICKS; i++) {
		last[i] = event_tick_slice(event_tick_period(i), t0 * 1000);
	}
	assert_int_equal(
	    event_tick_check(last, t0 * 1000 + 4999, types, when), 0);
	assert_int_equal(
	    event_tick_check(last, t0 * 1000 + 5000, types, when), 1);
	assert_int_equal(types[0], EV_TICK_5);
	assert_int_equal(when[0], t0 + 5);
	/* Seen again in the same period: nothing. */
	assert_int_equal(
	    event_tick_check(last, t0 * 1000 + 9999, types, when), 0);
	/* A whole hour: all three, smallest period first, as 4.2.5. */
	assert_int_equal(
	    event_tick_check(last, (1699999200 + 3600) * 1000LL, types, when),
	    3);
	assert_int_equal(types[0], EV_TICK_5);
	assert_int_equal(types[1], EV_TICK_60);
	assert_int_equal(types[2], EV_TICK_3600);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(when[i], 1699999200 + 3600);
	}
	/* The clock set back two minutes: TICK_5 and TICK_60 again, with
	 * the earlier times (4.2.5 compares with !=). */
	assert_int_equal(event_tick_check(last,
	                     (1699999200 + 3600 - 120) * 1000LL, types, when),
	    3);
	assert_int_equal(when[0], 1699999200 + 3600 - 120);
	assert_int_equal(when[1], 1699999200 + 3600 - 120);
	assert_int_equal(when[2], 1699999200);

	assert_int_equal(event_tick_delay_ms(t0 * 1000), 5000);
	assert_int_equal(event_tick_delay_ms(t0 * 1000 + 1), 4999);
	assert_int_equal(event_tick_delay_ms(t0 * 1000 + 4999), 1);
	assert_int_equal(event_tick_delay_ms(t0 * 1000 + 2500), 2500);
}

static void
test_event_hub_ticks(void **state)
{
	struct fx *fx = *state;
	struct rec r = { .fx = fx }, t5 = { .fx = fx };
	struct event_hub *h = &fx->sv.events;
	const int64_t hour = 1699999200;

	fx->now_ms = (hour + 3600 - 7) * 1000 + 250; /* 7 s before the hour */
	event_hub_subscribe(h,
	    event_typeset_of(EV_TICK) |
	        event_typeset_of(EV_SUPERVISOR_STATE_CHANGE),
	    rec_on_event, &r);
	/* Before RUNNING there is no baseline: checks do nothing. */
	event_hub_tick(h);
	assert_false(uv_is_active((uv_handle_t *)&h->tick));
	fx_simple(fx, EVBUS_SUPERVISOR_STATE, SV_RUNNING);
	assert_int_equal(r.n, 1);
	assert_true(uv_is_active((uv_handle_t *)&h->tick));
	assert_int_equal(uv_timer_get_due_in(&h->tick), 1750);
	/* The first check only set the baseline. */
	event_hub_tick(h);
	assert_int_equal(r.n, 1);

	fx->now_ms = (hour + 3600 - 5) * 1000 + 3;
	event_hub_tick(h);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ev[1].type, EV_TICK_5);
	assert_string_equal(r.ev[1].payload, "when:1700002795");
	assert_int_equal(uv_timer_get_due_in(&h->tick), 4997);

	event_hub_unsubscribe(h, rec_on_event, &r);
	event_hub_subscribe(h, event_typeset_of(EV_TICK_5), rec_on_event, &t5);
	event_hub_subscribe(h, event_typeset_of(EV_TICK), rec_on_event, &r);
	fx->now_ms = (hour + 3600) * 1000 + 20;
	event_hub_tick(h);
	assert_int_equal(r.n, 5);
	assert_int_equal(r.ev[2].type, EV_TICK_5);
	assert_int_equal(r.ev[3].type, EV_TICK_60);
	assert_int_equal(r.ev[4].type, EV_TICK_3600);
	for (size_t i = 2; i < 5; i++) {
		assert_string_equal(r.ev[i].payload, "when:1700002800");
		assert_int_equal(r.ev[i].serial, i);
	}
	assert_int_equal(t5.n, 1);
	assert_int_equal(t5.ev[0].serial, 2);

	/* Nobody wants TICK_60 any more: it uses no serial. */
	event_hub_unsubscribe(h, rec_on_event, &r);
	fx->now_ms = (hour + 3600 + 60) * 1000;
	event_hub_tick(h);
	assert_int_equal(t5.n, 2);
	assert_int_equal(t5.ev[1].serial, 5);
	assert_int_equal(h->serial, 5);
	event_hub_unsubscribe(h, rec_on_event, &t5);
	rec_clear(&r);
	rec_clear(&t5);
}

static void
test_event_hub_tick_timer_fires(void **state)
{
	struct fx *fx = *state;
	struct rec r = { .fx = fx };
	struct event_hub *h = &fx->sv.events;
	uint64_t deadline;

	/* A clock that runs with real time from 30 ms before a boundary. */
	fx->clock_origin = uv_hrtime();
	fx->clock_follows_loop = true;
	fx->now_ms = 1700000005LL * 1000 - 30;
	event_hub_subscribe(h, event_typeset_of(EV_TICK), rec_on_event, &r);
	fx_simple(fx, EVBUS_SUPERVISOR_STATE, SV_RUNNING);
	assert_int_equal(r.n, 0);
	uv_ref((uv_handle_t *)&h->tick);
	deadline = uv_hrtime() + 3000000000ULL;
	while (r.n == 0 && uv_hrtime() < deadline) {
		uv_run(&fx->loop, UV_RUN_ONCE);
	}
	assert_int_equal(r.n, 1);
	assert_int_equal(r.ev[0].type, EV_TICK_5);
	assert_string_equal(r.ev[0].payload, "when:1700000005");
	/* Armed again for the next boundary, about 5 s on. */
	assert_true(uv_is_active((uv_handle_t *)&h->tick));
	assert_true(uv_timer_get_due_in(&h->tick) > 4000);
	uv_unref((uv_handle_t *)&h->tick);
	event_hub_unsubscribe(h, rec_on_event, &r);
	rec_clear(&r);
}

static void
test_event_hub_fini(void **state)
{
	struct fx *fx = *state;
	struct rec r = { .fx = fx };

	event_hub_subscribe(
	    &fx->sv.events, event_typeset_of(EV_EVENT), rec_on_event, &r);
	fx_simple(fx, EVBUS_SUPERVISOR_STATE, SV_RUNNING);
	assert_int_equal(r.n, 1);
	event_hub_fini(&fx->sv.events);
	/* What supervisor_fini publishes afterwards makes no event: 4.2.5
	 * sends no PROCESS_GROUP_REMOVED when it exits. */
	fx_simple(fx, EVBUS_GROUP_REMOVED, 0);
	assert_int_equal(r.n, 1);
	/* A pool freed later may still unsubscribe. */
	event_hub_unsubscribe(&fx->sv.events, rec_on_event, &r);
	rec_clear(&r);
	/* The teardown's supervisor_fini runs event_hub_fini again. */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_type_tree),
		cmocka_unit_test(test_event_tick_arithmetic),
		cmocka_unit_test_setup_teardown(
		    test_event_hub_serials, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_event_hub_state_events, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_event_hub_output_events, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_event_hub_supervisor_events, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_event_hub_subscribers_change_during_delivery, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_event_hub_ticks, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_event_hub_tick_timer_fires, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_event_hub_fini, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
