/*
 * The eventlistener protocol on a listener's stdout, byte for byte as
 * 4.2.5's PEventListenerDispatcher reads it: READY\n takes an
 * ACKNOWLEDGED listener to READY, anything else makes it UNKNOWN, as does
 * any byte while READY; a BUSY listener answers with a RESULT line (its
 * length is what follows the first 7 bytes, read as Python's int() reads
 * it) and that many bytes, which the default result handler accepts when
 * they are exactly OK. Each state change is logged with 4.2.5's lines.
 *
 * Where 4.2.5 waits without bound, this module does not: a RESULT line
 * longer than EVENT_RESULT_LINE_MAX, or a length over EVENT_RESULT_MAX (or
 * negative), is a violation at once. Nothing here allocates per byte: a
 * result body is only counted and its first two bytes kept.
 */
#include "event/listener.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "event/event.h"
#include "event/event_payload.h"
#include "event/pool.h"
#include "log/mainlog.h"

#define EVENT_READY_TOKEN "READY\n"
#define EVENT_READY_LEN   6
/* 4.2.5 takes the length after len("RESULT "), whatever those bytes are. */
#define EVENT_RESULT_PREFIX_LEN 7

const char *
event_listener_state_name(enum event_listener_state s)
{
	switch (s) {
	case EVENT_LISTENER_READY:
		return "READY";
	case EVENT_LISTENER_BUSY:
		return "BUSY";
	case EVENT_LISTENER_ACKNOWLEDGED:
		return "ACKNOWLEDGED";
	case EVENT_LISTENER_UNKNOWN:
		return "UNKNOWN";
	}
	return "UNKNOWN";
}

static void
event_listener_forget(struct event_listener *l)
{
	l->linelen = 0;
	l->have_len = false;
	l->resultlen = 0;
	l->got = 0;
}

/* 4.2.5 _change_listener_state: a debug line, and a warning for UNKNOWN. */
static void
event_listener_change(struct event_listener *l, enum event_listener_state to)
{
	event_pool_log(l->pool, MAINLOG_DEBG, "%s: %s -> %s", l->name,
	    event_listener_state_name(l->state), event_listener_state_name(to));
	l->state = to;
	if (to == EVENT_LISTENER_UNKNOWN) {
		event_pool_log(l->pool, MAINLOG_WARN,
		    "%s: has entered the UNKNOWN state and will no longer "
		    "receive events, this usually indicates the process "
		    "violated the eventlistener protocol",
		    l->name);
	}
}

/* 4.2.5's EventRejectedEvent, handled by this listener's pool only. */
static void
event_listener_reject(struct event_listener *l)
{
	struct fv_event *ev = l->event;

	if (ev == NULL) {
		return;
	}
	l->event = NULL;
	event_pool_rebuffer(l->pool, ev, l->event_poolserial);
}

void
event_listener_set_unknown(struct event_listener *l)
{
	event_listener_change(l, EVENT_LISTENER_UNKNOWN);
	event_listener_forget(l);
	event_listener_reject(l);
}

static bool
event_listener_isspace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	    c == '\r';
}

enum event_len_parse {
	EVENT_LEN_OK,
	EVENT_LEN_BAD, /* int() would raise ValueError */
	EVENT_LEN_NEGATIVE, /* int() takes it; 4.2.5 then hangs */
	EVENT_LEN_TOO_BIG,
};

/*
 * Python's int(bytes) in base 10: ASCII whitespace around, an optional
 * sign, digits with single underscores between them. Values past
 * EVENT_RESULT_MAX saturate: only the bound matters then.
 */
static enum event_len_parse
event_listener_parse_len(const char *s, size_t n, size_t *out)
{
	size_t i = 0, v = 0, ndig = 0;
	bool neg = false, big = false;

	while (n > 0 && event_listener_isspace(s[n - 1])) {
		n--;
	}
	while (i < n && event_listener_isspace(s[i])) {
		i++;
	}
	if (i < n && (s[i] == '+' || s[i] == '-')) {
		neg = s[i] == '-';
		i++;
	}
	for (; i < n; i++) {
		if (s[i] == '_') {
			/* Only between two digits. */
			if (ndig == 0 || i + 1 >= n || s[i + 1] < '0' ||
			    s[i + 1] > '9') {
				return EVENT_LEN_BAD;
			}
			continue;
		}
		if (s[i] < '0' || s[i] > '9') {
			return EVENT_LEN_BAD;
		}
		ndig++;
		if (!big) {
			v = v * 10 + (size_t)(s[i] - '0');
			big = v > EVENT_RESULT_MAX;
		}
	}
	if (ndig == 0) {
		return EVENT_LEN_BAD;
	}
	if (neg && (v != 0 || big)) {
		return EVENT_LEN_NEGATIVE;
	}
	if (big) {
		return EVENT_LEN_TOO_BIG;
	}
	*out = v;
	return EVENT_LEN_OK;
}

/* 4.2.5's warning for a RESULT line whose length int() refused. */
static void
event_listener_bad_line(struct event_listener *l)
{
	struct fv_buf b;

	fv_buf_init(&b, 4 * EVENT_RESULT_LINE_MAX + 64);
	if (event_utf8_valid(l->line, l->linelen)) {
		fv_buf_append(&b, l->line, l->linelen);
	} else {
		fv_buf_puts(&b, "Undecodable: ");
		event_bytes_repr(&b, l->line, l->linelen);
	}
	event_pool_log(l->pool, MAINLOG_WARN, "%s: bad result line: '%s'",
	    l->name, fv_buf_cstr(&b));
	fv_buf_fini(&b);
}

/* The RESULT line is complete in l->line: false if it was a violation. */
static bool
event_listener_result_line(struct event_listener *l)
{
	const char *num = l->line + EVENT_RESULT_PREFIX_LEN;
	size_t numlen = l->linelen > EVENT_RESULT_PREFIX_LEN
	    ? l->linelen - EVENT_RESULT_PREFIX_LEN
	    : 0;

	switch (event_listener_parse_len(num, numlen, &l->resultlen)) {
	case EVENT_LEN_OK:
		l->have_len = true;
		l->got = 0;
		l->linelen = 0;
		return true;
	case EVENT_LEN_BAD:
	case EVENT_LEN_NEGATIVE:
		event_listener_bad_line(l);
		break;
	case EVENT_LEN_TOO_BIG:
		event_pool_log(l->pool, MAINLOG_WARN,
		    "%s: result length '%.*s' is over the limit of %d bytes",
		    l->name, (int)numlen, num, EVENT_RESULT_MAX);
		break;
	}
	event_listener_set_unknown(l);
	return false;
}

/* 4.2.5 handle_result with default_handler: OK accepts, all else rejects. */
static void
event_listener_result(struct event_listener *l)
{
	bool ok = l->resultlen == 2 && memcmp(l->head, "OK", 2) == 0;

	event_listener_forget(l);
	if (ok) {
		event_pool_log(
		    l->pool, MAINLOG_DEBG, "%s: event was processed", l->name);
		event_listener_change(l, EVENT_LISTENER_ACKNOWLEDGED);
		if (l->event != NULL) {
			fv_event_unref(l->event);
			l->event = NULL;
		}
		return;
	}
	event_pool_log(
	    l->pool, MAINLOG_WARN, "%s: event was rejected", l->name);
	event_listener_change(l, EVENT_LISTENER_ACKNOWLEDGED);
	event_listener_reject(l);
}

/* BUSY: the RESULT line, then its body. Returns the bytes used, or n when
 * the rest is to be discarded. */
static size_t
event_listener_busy(struct event_listener *l, const char *p, size_t n)
{
	size_t used = 0;

	if (!l->have_len) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl != NULL ? (size_t)(nl - p) : n;

		if (take > EVENT_RESULT_LINE_MAX - l->linelen) {
			event_pool_log(l->pool, MAINLOG_WARN,
			    "%s: result line longer than %d bytes", l->name,
			    EVENT_RESULT_LINE_MAX);
			event_listener_set_unknown(l);
			return n;
		}
		memcpy(l->line + l->linelen, p, take);
		l->linelen += take;
		if (nl == NULL) {
			return n;
		}
		used = take + 1;
		if (!event_listener_result_line(l)) {
			return n;
		}
	}
	while (used < n && l->got < l->resultlen) {
		if (l->got < sizeof(l->head)) {
			l->head[l->got] = p[used];
		}
		l->got++;
		used++;
	}
	if (l->got == l->resultlen) {
		event_listener_result(l);
	}
	return used;
}

void
event_listener_feed(struct event_listener *l, const void *data, size_t n)
{
	const char *p = data;

	while (n > 0) {
		size_t used = n;

		switch (l->state) {
		case EVENT_LISTENER_UNKNOWN:
			/* Fatal until the next spawn: ignore everything. */
			break;
		case EVENT_LISTENER_ACKNOWLEDGED: {
			size_t take = EVENT_READY_LEN - l->linelen;

			used = take < n ? take : n;
			memcpy(l->line + l->linelen, p, used);
			l->linelen += used;
			if (l->linelen < EVENT_READY_LEN) {
				break;
			}
			if (memcmp(l->line, EVENT_READY_TOKEN,
			        EVENT_READY_LEN) == 0) {
				l->linelen = 0;
				event_listener_change(l, EVENT_LISTENER_READY);
			} else {
				event_listener_set_unknown(l);
				used = n;
			}
			break;
		}
		case EVENT_LISTENER_READY:
			/* Nothing may come before an event was sent. */
			event_listener_set_unknown(l);
			break;
		case EVENT_LISTENER_BUSY:
			used = event_listener_busy(l, p, n);
			break;
		}
		p += used;
		n -= used;
	}
	event_pool_dispatch(l->pool);
}

void
event_listener_on_spawn(struct event_listener *l)
{
	if (l->event != NULL) {
		/* Cannot happen: the exit gave it back. Do not leak it. */
		event_listener_reject(l);
	}
	l->state = EVENT_LISTENER_ACKNOWLEDGED;
	l->alive = true;
	event_listener_forget(l);
}

void
event_listener_on_reaped(struct event_listener *l)
{
	l->alive = false;
}

void
event_listener_on_exit(struct event_listener *l)
{
	l->alive = false;
	event_listener_forget(l);
	if (l->event != NULL) {
		event_listener_reject(l);
		event_pool_dispatch(l->pool);
	}
}
