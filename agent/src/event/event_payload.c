/*
 * Event payload text as Supervisor 4.2.5 (events.py) renders it under
 * Python 3: its str formatting, its strict UTF-8 decoding of child output
 * and the repr() it falls back to. Pure functions over plain values: no
 * process table, no clock, no allocation beyond the caller's buffer.
 */
#include "event/event_payload.h"

#include <string.h>

#include "common/err.h"

bool
event_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];
		unsigned char lo = 0x80, hi = 0xbf;
		size_t need;

		if (c < 0x80) {
			i++;
			continue;
		}
		/* The well-formed table of Unicode 3.9 (D92), which is what
		 * CPython's decoder enforces: the second byte's range rules
		 * out overlongs, surrogates and values past U+10FFFF. */
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0) {
				lo = 0xa0;
			} else if (c == 0xed) {
				hi = 0x9f;
			}
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0) {
				lo = 0x90;
			} else if (c == 0xf4) {
				hi = 0x8f;
			}
		} else {
			return false;
		}
		if (n - i - 1 < need) {
			return false;
		}
		if (p[i + 1] < lo || p[i + 1] > hi) {
			return false;
		}
		for (size_t k = 2; k <= need; k++) {
			if (p[i + k] < 0x80 || p[i + k] > 0xbf) {
				return false;
			}
		}
		i += need + 1;
	}
	return true;
}

size_t
event_utf8_chars(const char *s, size_t n)
{
	size_t chars = 0;

	for (size_t i = 0; i < n; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			chars++;
		}
	}
	return chars;
}

int
event_bytes_repr(struct fv_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char q = '\'';
	int rv;

	/* CPython picks double quotes only when that avoids escaping. */
	if (n > 0 && memchr(s, '\'', n) != NULL && memchr(s, '"', n) == NULL) {
		q = '"';
	}
	if ((rv = fv_buf_putc(b, 'b')) != 0 || (rv = fv_buf_putc(b, q)) != 0) {
		return rv;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[4];
		size_t len = 2;

		esc[0] = '\\';
		if (c == (unsigned char)q || c == '\\') {
			esc[1] = (char)c;
		} else if (c == '\t') {
			esc[1] = 't';
		} else if (c == '\n') {
			esc[1] = 'n';
		} else if (c == '\r') {
			esc[1] = 'r';
		} else if (c < 0x20 || c >= 0x7f) {
			esc[1] = 'x';
			esc[2] = hex[c >> 4];
			esc[3] = hex[c & 0xf];
			len = 4;
		} else {
			esc[0] = (char)c;
			len = 1;
		}
		if ((rv = fv_buf_append(b, esc, len)) != 0) {
			return rv;
		}
	}
	return fv_buf_putc(b, q);
}

int
event_data_put(struct fv_buf *b, const char *s, size_t n)
{
	int rv;

	if (event_utf8_valid(s, n)) {
		return fv_buf_append(b, s, n);
	}
	if ((rv = fv_buf_puts(b, "Undecodable: ")) != 0) {
		return rv;
	}
	return event_bytes_repr(b, s, n);
}

int
event_render_state(struct fv_buf *b, const char *proc, const char *group,
    enum proc_state from, enum proc_state to, bool expected, long long tries,
    long long pid)
{
	int rv;

	if ((rv = fv_buf_printf(b, "processname:%s groupname:%s from_state:%s",
	         proc, group, proc_state_name(from))) != 0) {
		return rv;
	}
	switch (to) {
	case PROC_STARTING:
	case PROC_BACKOFF:
		return fv_buf_printf(b, " tries:%lld", tries);
	case PROC_EXITED:
		return fv_buf_printf(
		    b, " expected:%d pid:%lld", expected ? 1 : 0, pid);
	case PROC_RUNNING:
	case PROC_STOPPING:
	case PROC_STOPPED:
		return fv_buf_printf(b, " pid:%lld", pid);
	case PROC_FATAL:
	case PROC_UNKNOWN:
		break;
	}
	return 0;
}

int
event_render_log(struct fv_buf *b, const char *proc, const char *group,
    long long pid, const char *channel, const char *data, size_t n)
{
	int rv;

	if ((rv = fv_buf_printf(b,
	         "processname:%s groupname:%s pid:%lld channel:%s\n", proc,
	         group, pid, channel)) != 0) {
		return rv;
	}
	return event_data_put(b, data, n);
}

int
event_render_comm(struct fv_buf *b, const char *proc, const char *group,
    long long pid, const char *data, size_t n)
{
	int rv;

	if ((rv = fv_buf_printf(b, "processname:%s groupname:%s pid:%lld\n",
	         proc, group, pid)) != 0) {
		return rv;
	}
	return event_data_put(b, data, n);
}

int
event_render_remote(struct fv_buf *b, const char *type, size_t type_len,
    const char *data, size_t n)
{
	int rv;

	if ((rv = fv_buf_puts(b, "type:")) != 0 ||
	    (rv = fv_buf_append(b, type, type_len)) != 0 ||
	    (rv = fv_buf_putc(b, '\n')) != 0) {
		return rv;
	}
	return fv_buf_append(b, data, n);
}

int
event_render_group(struct fv_buf *b, const char *group)
{
	return fv_buf_printf(b, "groupname:%s\n", group);
}

int
event_render_tick(struct fv_buf *b, int64_t when)
{
	return fv_buf_printf(b, "when:%lld", (long long)when);
}
