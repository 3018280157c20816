/*
 * TICK arithmetic: 4.2.5's supervisord tick() and timeslice() over a
 * wall-clock reading in milliseconds. Pure: the hub owns the timer and the
 * clock and asks here which ticks are due and when to look again.
 */
#include "event/event.h"

static const int64_t event_tick_periods[EVENT_NTICKS] = { 5, 60, 3600 };
static const enum event_type event_tick_types[EVENT_NTICKS] = { EV_TICK_5,
	EV_TICK_60, EV_TICK_3600 };

int64_t
event_tick_period(size_t i)
{
	return i < EVENT_NTICKS ? event_tick_periods[i] : 0;
}

/* Floor division: a clock before the epoch still lands in its period. */
static int64_t
event_tick_floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0))) {
		q--;
	}
	return q;
}

int64_t
event_tick_slice(int64_t period, int64_t now_ms)
{
	/* int(when - when % period) of a float when equals this on whole
	 * seconds, since every period is a whole number of seconds. */
	int64_t sec = event_tick_floordiv(now_ms, 1000);

	return event_tick_floordiv(sec, period) * period;
}

size_t
event_tick_check(int64_t last[EVENT_NTICKS], int64_t now_ms,
    enum event_type types[EVENT_NTICKS], int64_t when[EVENT_NTICKS])
{
	size_t n = 0;

	for (size_t i = 0; i < EVENT_NTICKS; i++) {
		int64_t slice = event_tick_slice(event_tick_periods[i], now_ms);

		/* Any change counts, backwards too: 4.2.5 compares with !=,
		 * so a clock set back ticks with the earlier time. */
		if (slice != last[i]) {
			last[i] = slice;
			types[n] = event_tick_types[i];
			when[n] = slice;
			n++;
		}
	}
	return n;
}

uint64_t
event_tick_delay_ms(int64_t now_ms)
{
	int64_t next = (event_tick_slice(event_tick_periods[0], now_ms) +
	                   event_tick_periods[0]) *
	    1000;

	return (uint64_t)(next - now_ms);
}
