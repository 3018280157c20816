/*
 * Unit tests for the eventlistener protocol (event/listener.c) and the
 * pool's buffer and dispatch (event/pool.c), with fake processes: writes
 * to a listener's stdin are recorded, RUNNING is a flag, log lines are
 * kept. The expected transitions and log texts are 4.2.5's
 * (dispatchers.py PEventListenerDispatcher, process.py EventListenerPool).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/xalloc.h"
#include "event/event.h"
#include "event/listener.h"
#include "event/pool.h"
#include "log/mainlog.h"

#define FAKE_MAX 4

struct fake {
	bool running[FAKE_MAX];
	int write_rv[FAKE_MAX]; /* what write returns */
	char *written[FAKE_MAX]; /* everything sent, concatenated */
	size_t nwritten[FAKE_MAX];
	unsigned writes[FAKE_MAX];
	char **lines;
	int *levels;
	size_t nlines;
};

static int
fake_write(void *arg, size_t index, const void *buf, size_t n)
{
	struct fake *f = arg;

	if (f->write_rv[index] != 0) {
		return f->write_rv[index];
	}
	f->written[index] =
	    fv_xrealloc(f->written[index], f->nwritten[index] + n + 1);
	memcpy(f->written[index] + f->nwritten[index], buf, n);
	f->nwritten[index] += n;
	f->written[index][f->nwritten[index]] = '\0';
	f->writes[index]++;
	return 0;
}

static bool
fake_running(void *arg, size_t index)
{
	struct fake *f = arg;

	return f->running[index];
}

static void fake_log(void *arg, int level, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
fake_log(void *arg, int level, const char *fmt, va_list ap)
{
	struct fake *f = arg;
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	f->lines = fv_xreallocarray(f->lines, f->nlines + 1, sizeof(char *));
	f->levels = fv_xreallocarray(f->levels, f->nlines + 1, sizeof(int));
	f->levels[f->nlines] = level;
	f->lines[f->nlines++] = fv_xstrdup(buf);
}

static const struct event_pool_ops fake_ops = {
	.write = fake_write,
	.running = fake_running,
	.log = fake_log,
};

static void
fake_clear(struct fake *f)
{
	for (size_t i = 0; i < f->nlines; i++) {
		free(f->lines[i]);
	}
	free(f->lines);
	free(f->levels);
	f->lines = NULL;
	f->levels = NULL;
	f->nlines = 0;
	for (size_t i = 0; i < FAKE_MAX; i++) {
		free(f->written[i]);
		f->written[i] = NULL;
		f->nwritten[i] = 0;
		f->writes[i] = 0;
	}
}

/* The index of the first line equal to text at level, or -1. */
static int
fake_find(const struct fake *f, int level, const char *text)
{
	for (size_t i = 0; i < f->nlines; i++) {
		if (f->levels[i] == level && strcmp(f->lines[i], text) == 0) {
			return (int)i;
		}
	}
	return -1;
}

static void
fake_expect(const struct fake *f, int level, const char *text)
{
	if (fake_find(f, level, text) < 0) {
		for (size_t i = 0; i < f->nlines; i++) {
			print_message("  [%d] %s\n", f->levels[i], f->lines[i]);
		}
		fail_msg("no log line '%s' at level %d", text, level);
	}
}

static struct fv_event *
ev_make(enum event_type t, uint64_t serial, const char *payload)
{
	struct fv_event *ev = fv_xcalloc(1, sizeof(*ev));

	ev->refs = 1;
	ev->type = t;
	ev->serial = serial;
	ev->payload = fv_xstrdup(payload);
	ev->len = strlen(payload);
	ev->chars = ev->len;
	return ev;
}

static const char *const names3[] = { "l0", "l1", "l2" };

static struct event_pool *
pool_make(struct fake *f, const char *name, size_t bufsize, size_t n)
{
	struct event_pool_params pp = {
		.name = name,
		.server = "supervisor",
		.buffer_size = bufsize,
		.nlisteners = n,
		.listener_names = names3,
		.ops = &fake_ops,
		.arg = f,
	};

	return event_pool_new(&pp);
}

/* Listener i spawned, RUNNING and READY (BUSY at once if events wait). */
static struct event_listener *
ready(struct fake *f, struct event_pool *pool, size_t i)
{
	struct event_listener *l = event_pool_listener(pool, i);

	f->running[i] = true;
	event_listener_on_spawn(l);
	event_listener_feed(l, "READY\n", 6);
	assert_int_equal(l->state,
	    event_pool_buffered(pool) > 0 || l->event != NULL
	        ? EVENT_LISTENER_BUSY
	        : EVENT_LISTENER_READY);
	return l;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++) {
		n++;
	}
	return n;
}

static void
feed_str(struct event_listener *l, const char *s)
{
	event_listener_feed(l, s, strlen(s));
}

static void
feed_bytewise(struct event_listener *l, const char *s)
{
	for (; *s != '\0'; s++) {
		event_listener_feed(l, s, 1);
	}
}

static void
test_ready_bytewise_and_in_chunks(void **state)
{
	struct fake f = { 0 };
	struct event_pool *pool = pool_make(&f, "p", 10, 2);
	struct event_listener *a = event_pool_listener(pool, 0);
	struct event_listener *b = event_pool_listener(pool, 1);

	(void)state;
	assert_int_equal(a->state, EVENT_LISTENER_ACKNOWLEDGED);
	event_listener_on_spawn(a);
	event_listener_on_spawn(b);
	feed_bytewise(a, "READ");
	assert_int_equal(a->state, EVENT_LISTENER_ACKNOWLEDGED);
	feed_bytewise(a, "Y\n");
	assert_int_equal(a->state, EVENT_LISTENER_READY);
	fake_expect(&f, MAINLOG_DEBG, "l0: ACKNOWLEDGED -> READY");
	feed_str(b, "RE");
	feed_str(b, "ADY\n");
	assert_int_equal(b->state, EVENT_LISTENER_READY);
	event_pool_free(pool);
	fake_clear(&f);
}

static void
test_garbage_instead_of_ready(void **state)
{
	struct fake f = { 0 };
	struct event_pool *pool = pool_make(&f, "p", 10, 2);
	struct event_listener *a = event_pool_listener(pool, 0);
	struct event_listener *b = event_pool_listener(pool, 1);

	(void)state;
	event_listener_on_spawn(a);
	event_listener_on_spawn(b);
	/* Fewer than 6 bytes: 4.2.5 cannot decide yet and waits. */
	feed_str(a, "OK\n");
	assert_int_equal(a->state, EVENT_LISTENER_ACKNOWLEDGED);
	feed_str(a, "xyz");
	assert_int_equal(a->state, EVENT_LISTENER_UNKNOWN);
	fake_expect(&f, MAINLOG_DEBG, "l0: ACKNOWLEDGED -> UNKNOWN");
	fake_expect(&f, MAINLOG_WARN,
	    "l0: has entered the UNKNOWN state and will no longer receive "
	    "events, this usually indicates the process violated the "
	    "eventlistener protocol");
	/* UNKNOWN is final until the next spawn: READY does nothing. */
	feed_str(a, "READY\n");
	assert_int_equal(a->state, EVENT_LISTENER_UNKNOWN);
	event_listener_on_spawn(a);
	assert_int_equal(a->state, EVENT_LISTENER_ACKNOWLEDGED);
	feed_str(a, "READY\n");
	assert_int_equal(a->state, EVENT_LISTENER_READY);
	/* READY followed by anything in the same read: UNKNOWN. */
	feed_str(b, "READY\nX");
	assert_int_equal(b->state, EVENT_LISTENER_UNKNOWN);
	fake_expect(&f, MAINLOG_DEBG, "l1: READY -> UNKNOWN");
	event_pool_free(pool);
	fake_clear(&f);
}

static void
test_dispatch_envelope_and_ok(void **state)
{
	struct fake f = { 0 };
	struct event_pool *pool = pool_make(&f, "pool1", 10, 1);
	struct fv_event *ev = ev_make(
	    EV_PROCESS_STATE_RUNNING, 7, "processname:x groupname:x pid:3");
	struct event_listener *l;

	(void)state;
	l = ready(&f, pool, 0);
	event_pool_accept(pool, ev);
	assert_int_equal(l->state, EVENT_LISTENER_BUSY);
	assert_int_equal(event_pool_buffered(pool), 0);
	assert_string_equal(f.written[0],
	    "ver:3.0 server:supervisor serial:7 pool:pool1 poolserial:0 "
	    "eventname:PROCESS_STATE_RUNNING len:31\n"
	    "processname:x groupname:x pid:3");
	fake_expect(&f, MAINLOG_DEBG, "event 7 sent to listener l0");
	/* No transition line for READY -> BUSY: 4.2.5 sets it directly. */
	assert_int_equal(fake_find(&f, MAINLOG_DEBG, "l0: READY -> BUSY"), -1);
	assert_int_equal(ev->refs, 2);
	feed_str(l, "RESULT 2\nOK");
	assert_int_equal(l->state, EVENT_LISTENER_ACKNOWLEDGED);
	assert_null(l->event);
	assert_int_equal(ev->refs, 1);
	assert_int_equal(event_pool_buffered(pool), 0);
	fake_expect(&f, MAINLOG_DEBG, "l0: event was processed");
	fake_expect(&f, MAINLOG_DEBG, "l0: BUSY -> ACKNOWLEDGED");
	assert_true(fake_find(&f, MAINLOG_DEBG, "l0: event was processed") <
	    fake_find(&f, MAINLOG_DEBG, "l0: BUSY -> ACKNOWLEDGED"));
	fv_event_unref(ev);
	event_pool_free(pool);
	fake_clear(&f);
}

static void
test_result_split_bytewise(void **state)
{
	struct fake f = { 0 };
	struct event_pool *pool = pool_make(&f, "p", 10, 1);
	struct fv_event *e1 = ev_make(EV_TICK_5, 1, "when:5");
	struct fv_event *e2 = ev_make(EV_TICK_5, 2, "when:10");
	struct event_listener *l;

	(void)state;
	l = ready(&f, pool, 0);
	event_pool_accept(pool, e1);
	event_pool_accept(pool, e2);
	assert_int_equal(event_pool_buffered(pool), 1);
	feed_bytewise(l, "RESULT 2\nO");
	assert_int_equal(l->state, EVENT_LISTENER_BUSY);
	feed_bytewise(l, "K");
	assert_int_equal(l->state, EVENT_LISTENER_ACKNOWLEDGED);
	assert_int_equal(e1->refs, 1);
	/* The answer and the next READY in one read: the next event goes
	 * out once the read was parsed. */
	feed_str(l, "READY\n");
	assert_int_equal(l->state, EVENT_LISTENER_BUSY);
	assert_ptr_equal(l->event, e2);
	assert_int_equal(l->event_poolserial, 1);
	feed_str(l, "RESULT 2\nOKREADY\n");
	assert_int_equal(l->state, EVENT_LISTENER_READY);
	assert_int_equal(f.writes[0], 2);
	fv_event_unref(e1);
	fv_event_unref(e2);
	event_pool_free(pool);
	fake_clear(&f);
}

static void
test_fail_rebuffers_at_head(void **state)
{
	struct fake f = { 0 };
	struct event_pool *pool = pool_make(&f, "p", 10, 1);
	struct fv_event *e1 = ev_make(EV_TICK_5, 10, "when:5");
	struct fv_event *e2 = ev_make(EV_TICK_5, 11, "when:10");
	struct event_listener *l;
	uint64_t ps;

	(void)state;
	l = ready(&f, pool, 0);
	event_pool_accept(pool, e1);
	event_pool_accept(pool, e2);
	feed_str(l, "RESULT 4\nFA");
	feed_str(l, "IL");
	assert_int_equal(l->state, EVENT_LISTENER_ACKNOWLEDGED);
	fake_expect(&f, MAINLOG_WARN, "l0: event was rejected");
	fake_expect(&f, MAINLOG_DEBG,
	    "rebuffering event 10 for pool p (buf size=1, max=10)");
	/* e1 is back in front of e2, with its pool serial. */
	assert_int_equal(event_pool_buffered(pool), 2);
	assert_ptr_equal(event_pool_peek(pool, 0, &ps), e1);
	assert_int_equal(ps, 0);
	assert_ptr_equal(event_pool_peek(pool, 1, &ps), e2);
	assert_int_equal(ps, 1);
	/* Sent again, poolserial unchanged. */
	feed_str(l, "READY\n");
	assert_ptr_equal(l->event, e1);
	assert_int_equal(f.writes[0], 2);
	assert_int_equal(
	    count(f.written[0], "serial:10 pool:p poolserial:0 "), 2);
	/* Anything but exactly OK rejects: "ok", "OK " */
	feed_str(l, "RESULT 2\nok");
	assert_int_equal(event_pool_buffered(pool), 2);
	event_pool_free(pool);
	assert_int_equal(e1->refs, 1);
	assert_int_equal(e2->refs, 1);
	fv_event_unref(e1);
	fv_event_unref(e2);
	fake_clear(&f);
}

static void
test_backed_up_while_an_event_waits(void **state)
{
	struct fake f = { 0 };
	struct event_pool_params pp = {
		.name = "p",
		.server = "supervisor",
		.buffer_size = 8,
		.nlisteners = 1,
		.listener_names = names3,
		.ops = &fake_ops,
		.arg = &f,
		.takes_states = true,
	};
	struct event_pool *pool = event_pool_new(&pp);
	struct event_pool *ticks = pool_make(&f, "t", 8, 1);
	struct fv_event *ev[3];
	struct event_listener *l;

	(void)state;
	for (int i = 0; i < 3; i++) {
		ev[i] = ev_make(EV_PROCESS_STATE_RUNNING, (uint64_t)i, "x");
	}
	/* No listener alive: nobody would drain it, so no holding. */
	for (int i = 0; i < 2; i++) {
		event_pool_accept(pool, ev[i]);
		event_pool_accept(ticks, ev[i]);
	}
	assert_false(event_pool_backed_up(pool));
	assert_int_equal(event_pool_taken(pool), 0);
	l = ready(&f, pool, 0); /* takes one: 1 of 8 left */
	assert_int_equal(l->state, EVENT_LISTENER_BUSY);
	assert_int_equal(event_pool_taken(pool), 1);
	/* One event waits while the listener is busy: backed up. */
	assert_true(event_pool_backed_up(pool));
	event_pool_accept(pool, ev[2]); /* 2 of 8 */
	assert_true(event_pool_backed_up(pool));
	assert_int_equal(event_pool_taken(pool), 1);
	/* A pool without state events never holds restarts. */
	ready(&f, ticks, 0);
	event_pool_accept(ticks, ev[2]);
	assert_int_equal(event_pool_buffered(ticks), 2);
	assert_false(event_pool_backed_up(ticks));
	/* Nor does one whose listener is not RUNNING (startsecs). */
	f.running[0] = false;
	assert_false(event_pool_backed_up(pool));
	event_pool_free(pool);
	event_pool_free(ticks);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(ev[i]->refs, 1);
		fv_event_unref(ev[i]);
	}
	fake_clear(&f);
}

/* A listener BUSY with one event, from a fresh pool. */
static struct event_listener *
busy(struct fake *f, struct event_pool *pool, struct fv_event *ev)
{
	struct event_listener *l = ready(f, pool, 0);

	event_pool_accept(pool, ev);
	assert_int_equal(l->state, EVENT_LISTENER_BUSY);
	return l;
}

static void
test_bad_result_lines(void **state)
{
	static const struct {
		const char *in;
		const char *log;
	} cases[] = {
		{ "RESULT abc\n", "l0: bad result line: 'RESULT abc'" },
		{ "OK\n", "l0: bad result line: 'OK'" },
		{ "RESULT -1\n", "l0: bad result line: 'RESULT -1'" },
		{ "RESULT 1__0\n", "l0: bad result line: 'RESULT 1__0'" },
		{ "RESULT \xff\n",
		    "l0: bad result line: 'Undecodable: b'RESULT \\xff''" },
		{ "RESULT 999999999\n",
		    "l0: result length '999999999' is over the limit of "
		    "65536 bytes" },
		{ "RESULT 65537\n",
		    "l0: result length '65537' is over the limit of 65536 "
		    "bytes" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake f = { 0 };
		struct event_pool *pool = pool_make(&f, "p", 10, 1);
		struct fv_event *ev = ev_make(EV_TICK_5, 3, "when:5");
		struct event_listener *l = busy(&f, pool, ev);

		feed_bytewise(l, cases[i].in);
		assert_int_equal(l->state, EVENT_LISTENER_UNKNOWN);
		fake_expect(&f, MAINLOG_WARN, cases[i].log);
		fake_expect(&f, MAINLOG_DEBG, "l0: BUSY -> UNKNOWN");
		/* The event is back in the pool, nobody holds it. */
		assert_null(l->event);
		assert_int_equal(event_pool_buffered(pool), 1);
		assert_int_equal(ev->refs, 2);
		event_pool_free(pool);
		fv_event_unref(ev);
		fake_clear(&f);
	}
}

static void
test_python_int_lengths(void **state)
{
	static const char *const ok[] = { "RESULT 2\nOK", "RESULT  +2 \nOK",
		"RESULT\t2\r\nOK", "XXXXXXX2\nOK", "RESULT 0_2\nOK",
		"RESULT 002\nOK" };

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct fake f = { 0 };
		struct event_pool *pool = pool_make(&f, "p", 10, 1);
		struct fv_event *ev = ev_make(EV_TICK_5, 3, "when:5");
		struct event_listener *l = busy(&f, pool, ev);

		feed_str(l, ok[i]);
		assert_int_equal(l->state, EVENT_LISTENER_ACKNOWLEDGED);
		fake_expect(&f, MAINLOG_DEBG, "l0: event was processed");
		assert_int_equal(ev->refs, 1);
		event_pool_free(pool);
		fv_event_unref(ev);
		fake_clear(&f);
	}
}

static void
test_result_line_cap(void **state)
{
	struct fake f = { 0 };
	struct event_pool *pool = pool_make(&f, "p", 10, 1);
	struct fv_event *ev = ev_make(EV_TICK_5, 3, "when:5");
	struct event_listener *l = busy(&f, pool, ev);
	char junk[EVENT_RESULT_LINE_MAX];

	(void)state;
	memset(junk, ' ', sizeof(junk));
	event_listener_feed(l, "RESULT", 6);
	assert_int_equal(l->state, EVENT_LISTENER_BUSY);
	event_listener_feed(l, junk, sizeof(junk));
	assert_int_equal(l->state, EVENT_LISTENER_UNKNOWN);
	fake_expect(&f, MAINLOG_WARN, "l0: result line longer than 256 bytes");
	assert_int_equal(event_pool_buffered(pool), 1);
	event_pool_free(pool);
	fv_event_unref(ev);
	fake_clear(&f);
}

static void
test_overflow_drops_oldest(void **state)
{
	struct fake f = { 0 };
	struct event_pool *pool = pool_make(&f, "slow", 3, 1);
	struct fv_event *ev[6];
	uint64_t ps;

	(void)state;
	for (size_t i = 0; i < 6; i++) {
		ev[i] = ev_make(EV_TICK_5, 100 + i, "when:5");
		event_pool_accept(pool, ev[i]);
	}
	assert_int_equal(event_pool_buffered(pool), 3);
	assert_int_equal(event_pool_dropped(pool), 3);
	fake_expect(&f, MAINLOG_ERRO,
	    "pool slow event buffer overflowed, discarding event 100");
	fake_expect(&f, MAINLOG_ERRO,
	    "pool slow event buffer overflowed, discarding event 102");
	assert_ptr_equal(event_pool_peek(pool, 0, &ps), ev[3]);
	assert_int_equal(ps, 3);
	assert_ptr_equal(event_pool_peek(pool, 2, &ps), ev[5]);
	assert_int_equal(ps, 5);
	assert_int_equal(ev[0]->refs, 1);
	assert_int_equal(ev[3]->refs, 2);
	/* A rebuffer into a full pool drops the oldest too (4.2.5). */
	event_pool_rebuffer(pool, fv_event_ref(ev[0]), 0);
	assert_int_equal(event_pool_dropped(pool), 4);
	fake_expect(&f, MAINLOG_ERRO,
	    "pool slow event buffer overflowed, discarding event 103");
	assert_ptr_equal(event_pool_peek(pool, 0, NULL), ev[0]);
	assert_ptr_equal(event_pool_peek(pool, 1, NULL), ev[4]);
	assert_null(event_pool_peek(pool, 3, NULL));
	event_pool_free(pool);
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(ev[i]->refs, 1);
		fv_event_unref(ev[i]);
	}
	fake_clear(&f);
}

/* The ring wraps and grows many times with a large buffer_size. */
static void
test_ring_order_large(void **state)
{
	struct fake f = { 0 };
	struct event_pool *pool = pool_make(&f, "p", 1000, 1);
	struct event_listener *l;
	uint64_t ps;

	(void)state;
	for (uint64_t i = 0; i < 300; i++) {
		struct fv_event *ev = ev_make(EV_TICK_5, i, "when:5");

		event_pool_accept(pool, ev);
		fv_event_unref(ev);
	}
	l = ready(&f, pool, 0);
	for (uint64_t i = 0; i < 300; i++) {
		assert_int_equal(l->state, EVENT_LISTENER_BUSY);
		assert_int_equal(l->event->serial, i);
		assert_int_equal(l->event_poolserial, i);
		if (i % 7 == 3) {
			/* A rejection sends the same one again. */
			feed_str(l, "RESULT 4\nFAILREADY\n");
			assert_int_equal(l->event->serial, i);
		}
		feed_str(l, "RESULT 2\nOKREADY\n");
	}
	assert_int_equal(l->state, EVENT_LISTENER_READY);
	assert_null(event_pool_peek(pool, 0, &ps));
	assert_int_equal(event_pool_dropped(pool), 0);
	event_pool_free(pool);
	fake_clear(&f);
}

static void
test_dispatch_order_and_skips(void **state)
{
	struct fake f = { 0 };
	struct event_pool *pool = pool_make(&f, "p", 10, 3);
	struct event_listener *l0, *l1, *l2;
	struct fv_event *ev[4];

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		ev[i] = ev_make(EV_TICK_5, i, "when:5");
	}
	l0 = ready(&f, pool, 0);
	l1 = ready(&f, pool, 1);
	l2 = ready(&f, pool, 2);
	/* Config order: l0 first. A READY one that is not RUNNING (still
	 * STARTING) is passed over. */
	f.running[0] = false;
	event_pool_accept(pool, ev[0]);
	assert_int_equal(l0->state, EVENT_LISTENER_READY);
	assert_ptr_equal(l1->event, ev[0]);
	/* EPIPE: state unchanged, the next one gets it. */
	f.running[0] = true;
	f.write_rv[0] = -EPIPE;
	event_pool_accept(pool, ev[1]);
	assert_int_equal(l0->state, EVENT_LISTENER_READY);
	assert_ptr_equal(l2->event, ev[1]);
	fake_expect(&f, MAINLOG_DEBG,
	    "epipe occurred while sending event 1 to listener l0, listener "
	    "state unchanged");
	/* Nobody can take it: it waits in the buffer. */
	event_pool_accept(pool, ev[2]);
	assert_int_equal(event_pool_buffered(pool), 1);
	assert_int_equal(l0->state, EVENT_LISTENER_READY);
	/* A listener whose stdin backlog is full does not read: UNKNOWN. */
	f.write_rv[0] = FV_ETOOBIG;
	event_pool_dispatch(pool);
	assert_int_equal(l0->state, EVENT_LISTENER_UNKNOWN);
	fake_expect(&f, MAINLOG_WARN,
	    "l0: does not read its stdin, cannot send event 2");
	assert_int_equal(event_pool_buffered(pool), 1);
	/* l1 answers and is READY again: it gets the waiting one. */
	feed_str(l1, "RESULT 2\nOKREADY\n");
	assert_ptr_equal(l1->event, ev[2]);
	assert_int_equal(event_pool_buffered(pool), 0);
	event_pool_free(pool);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(ev[i]->refs, 1);
		fv_event_unref(ev[i]);
	}
	fake_clear(&f);
}

/*
 * Fix over 4.2.5: a listener that dies BUSY gives its event back to its
 * own pool only. In 4.2.5 every pool whose processes compare equal (same
 * priority) rebuffers it, so listeners of other pools see it again.
 */
static void
test_death_while_busy_own_pool_only(void **state)
{
	struct fake fa = { 0 }, fb = { 0 };
	struct event_pool *a = pool_make(&fa, "a", 10, 2);
	struct event_pool *b = pool_make(&fb, "b", 10, 1);
	struct fv_event *ev = ev_make(EV_TICK_5, 42, "when:5");
	struct fv_event *later = ev_make(EV_TICK_5, 43, "when:10");
	struct fv_event *third = ev_make(EV_TICK_5, 44, "when:15");
	struct event_listener *la0, *la1, *lb;
	uint64_t ps;

	(void)state;
	la0 = ready(&fa, a, 0);
	lb = ready(&fb, b, 0);
	event_pool_accept(a, ev);
	event_pool_accept(b, ev);
	event_pool_accept(a, later);
	assert_ptr_equal(la0->event, ev);
	assert_ptr_equal(lb->event, ev);
	feed_str(lb, "RESULT 2\nOK");
	/* la0 dies while BUSY. */
	event_listener_on_exit(la0);
	assert_null(la0->event);
	assert_false(la0->alive);
	assert_int_equal(event_pool_buffered(a), 2);
	assert_ptr_equal(event_pool_peek(a, 0, &ps), ev);
	assert_int_equal(ps, 0);
	assert_ptr_equal(event_pool_peek(a, 1, NULL), later);
	assert_int_equal(event_pool_buffered(b), 0);
	fake_expect(&fa, MAINLOG_DEBG,
	    "rebuffering event 42 for pool a (buf size=1, max=10)");
	/* The other listener of a gets it next, b's never again. */
	la1 = ready(&fa, a, 1);
	assert_ptr_equal(la1->event, ev);
	assert_int_equal(lb->state, EVENT_LISTENER_ACKNOWLEDGED);
	assert_int_equal(fb.writes[0], 1);
	/* la0 comes back and takes the next one. */
	feed_str(la1, "RESULT 2\nOK");
	event_listener_on_spawn(la0);
	feed_str(la0, "READY\n");
	assert_ptr_equal(la0->event, later);
	assert_int_equal(fa.writes[0], 2);
	/* A dead listener that was READY gets nothing, even while its
	 * process is still RUNNING (the exit is handled after the reap). */
	feed_str(la0, "RESULT 2\nOKREADY\n");
	assert_int_equal(la0->state, EVENT_LISTENER_READY);
	event_listener_on_exit(la0);
	event_pool_accept(a, third);
	assert_int_equal(fa.writes[0], 2);
	assert_int_equal(event_pool_buffered(a), 1);
	feed_str(la1, "READY\n");
	assert_ptr_equal(la1->event, third);
	event_pool_free(a);
	event_pool_free(b);
	assert_int_equal(ev->refs, 1);
	fv_event_unref(ev);
	fv_event_unref(later);
	fv_event_unref(third);
	fake_clear(&fa);
	fake_clear(&fb);
}

/* The drain after the reap still counts: a last RESULT OK accepts the
 * event, and the READY behind it gets the dead listener nothing. */
static void
test_last_words_in_drain(void **state)
{
	struct fake f = { 0 };
	struct event_pool *pool = pool_make(&f, "p", 10, 1);
	struct fv_event *e1 = ev_make(EV_TICK_5, 1, "when:5");
	struct fv_event *e2 = ev_make(EV_TICK_5, 2, "when:10");
	struct event_listener *l = busy(&f, pool, e1);

	(void)state;
	event_pool_accept(pool, e2);
	event_listener_on_reaped(l);
	feed_str(l, "RESULT 2\nOKREADY\n");
	event_listener_on_exit(l);
	assert_int_equal(f.writes[0], 1);
	assert_int_equal(e1->refs, 1);
	assert_int_equal(event_pool_buffered(pool), 1);
	assert_ptr_equal(event_pool_peek(pool, 0, NULL), e2);
	assert_int_equal(fake_find(&f, MAINLOG_DEBG,
	                     "rebuffering event 1 for pool p (buf size=1, "
	                     "max=10)"),
	    -1);
	event_pool_free(pool);
	fv_event_unref(e1);
	fv_event_unref(e2);
	fake_clear(&f);
}

static void
test_spawn_resets(void **state)
{
	struct fake f = { 0 };
	struct event_pool *pool = pool_make(&f, "p", 10, 1);
	struct fv_event *ev = ev_make(EV_TICK_5, 3, "when:5");
	struct event_listener *l = busy(&f, pool, ev);

	(void)state;
	/* Half a RESULT line, then the child dies and a new one starts. */
	feed_str(l, "RESUL");
	event_listener_on_exit(l);
	event_listener_on_spawn(l);
	assert_int_equal(l->state, EVENT_LISTENER_ACKNOWLEDGED);
	assert_true(l->alive);
	feed_str(l, "READY\n");
	assert_int_equal(l->state, EVENT_LISTENER_BUSY);
	assert_ptr_equal(l->event, ev);
	event_pool_free(pool);
	assert_int_equal(ev->refs, 1);
	fv_event_unref(ev);
	fake_clear(&f);
}

static void
test_zero_length_result_rejects(void **state)
{
	struct fake f = { 0 };
	struct event_pool *pool = pool_make(&f, "p", 10, 1);
	struct fv_event *ev = ev_make(EV_TICK_5, 3, "when:5");
	struct event_listener *l = busy(&f, pool, ev);

	(void)state;
	feed_str(l, "RESULT 0\n");
	assert_int_equal(l->state, EVENT_LISTENER_ACKNOWLEDGED);
	fake_expect(&f, MAINLOG_WARN, "l0: event was rejected");
	assert_int_equal(event_pool_buffered(pool), 1);
	event_pool_free(pool);
	fv_event_unref(ev);
	fake_clear(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ready_bytewise_and_in_chunks),
		cmocka_unit_test(test_garbage_instead_of_ready),
		cmocka_unit_test(test_dispatch_envelope_and_ok),
		cmocka_unit_test(test_result_split_bytewise),
		cmocka_unit_test(test_fail_rebuffers_at_head),
		cmocka_unit_test(test_backed_up_while_an_event_waits),
		cmocka_unit_test(test_bad_result_lines),
		cmocka_unit_test(test_python_int_lengths),
		cmocka_unit_test(test_result_line_cap),
		cmocka_unit_test(test_overflow_drops_oldest),
		cmocka_unit_test(test_ring_order_large),
		cmocka_unit_test(test_dispatch_order_and_skips),
		cmocka_unit_test(test_death_while_busy_own_pool_only),
		cmocka_unit_test(test_last_words_in_drain),
		cmocka_unit_test(test_spawn_resets),
		cmocka_unit_test(test_zero_length_result_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
