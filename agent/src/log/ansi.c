/*
 * The strip_ansi filter. This module owns nothing but the caller's small
 * state struct: it does no I/O and no allocation, and it must never reorder,
 * invent or drop bytes other than the escape sequences 4.2.5's stripEscapes
 * removes (the one addition is holding a trailing ESC back until the next
 * chunk, which ansi_finish releases).
 */
#include "log/ansi.h"

#include <stdbool.h>
#include <string.h>

#define ANSI_ESC_BYTE 0x1b

/* ansi_is_terminator tells whether c ends an escape (ANSI_TERMINATORS). */
static bool
ansi_is_terminator(unsigned char c)
{
	return c != '\0' && strchr("HfABCDRsuJKhlpm", c) != NULL;
}

void
ansi_init(struct ansi_state *st)
{
	st->mode = ANSI_TEXT;
}

size_t
ansi_strip(struct ansi_state *st, const void *in, size_t n, void *out)
{
	const unsigned char *p = in;
	unsigned char *o = out;
	size_t i = 0;

	while (i < n) {
		switch (st->mode) {
		case ANSI_SEQ:
			/*
			 * Like stripEscapes with show == 0: skip to the
			 * terminator and drop it too.
			 */
			for (; i < n; i++) {
				if (ansi_is_terminator(p[i])) {
					st->mode = ANSI_TEXT;
					i++;
					break;
				}
			}
			break;
		case ANSI_ESC:
			/*
			 * The held ESC starts an escape only if '[' follows;
			 * otherwise it is ordinary text and the current byte
			 * is looked at again in text mode.
			 */
			if (p[i] == '[') {
				st->mode = ANSI_SEQ;
				i++;
			} else {
				*o++ = ANSI_ESC_BYTE;
				st->mode = ANSI_TEXT;
			}
			break;
		case ANSI_TEXT:
			for (; i < n; i++) {
				if (p[i] != ANSI_ESC_BYTE) {
					*o++ = p[i];
					continue;
				}
				if (i + 1 == n) {
					st->mode = ANSI_ESC;
				} else if (p[i + 1] == '[') {
					st->mode = ANSI_SEQ;
				} else {
					*o++ = p[i];
					continue;
				}
				/* '[' cannot terminate, so skip it as well. */
				i += st->mode == ANSI_SEQ ? 2 : 1;
				break;
			}
			break;
		}
	}
	return (size_t)(o - (unsigned char *)out);
}

size_t
ansi_finish(struct ansi_state *st, void *out)
{
	size_t n = 0;

	if (st->mode == ANSI_ESC) {
		*(unsigned char *)out = ANSI_ESC_BYTE;
		n = 1;
	}
	st->mode = ANSI_TEXT;
	return n;
}
