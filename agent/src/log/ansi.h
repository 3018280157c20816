#ifndef FV_LOG_ANSI_H
#define FV_LOG_ANSI_H

#include <stddef.h>

/*
 * strip_ansi as supervisor 4.2.5 does it (dispatchers.py stripEscapes): an
 * escape starts at the two bytes ESC '[' and runs up to and including the
 * first of the bytes "HfABCDRsuJKhlpm" that follows the '['; everything else
 * is kept, including a lone ESC. An escape left open at the end of the input
 * is dropped.
 *
 * 4.2.5 strips every read on its own, so a sequence cut by a read boundary
 * leaks its tail into the log. This version keeps state between calls: for
 * any split of a stream into chunks, the concatenated output of ansi_strip
 * over the chunks followed by ansi_finish equals stripEscapes of the whole
 * stream. The price is that an ESC at the very end of a chunk is held back
 * until the next byte (or ansi_finish) says whether it starts an escape.
 */

enum ansi_mode {
	ANSI_TEXT = 0, /* copying bytes */
	ANSI_ESC, /* an ESC was held back at the end of the last chunk */
	ANSI_SEQ, /* inside an escape: dropping up to a terminator */
};

/* The whole state of one stream: embed it, zero it or ansi_init it. */
struct ansi_state {
	enum ansi_mode mode;
};

/* ansi_init starts a new stream. */
void ansi_init(struct ansi_state *st);

/*
 * ansi_strip filters the n bytes at in into out and returns how many bytes
 * it wrote. out must have room for n + 1 bytes (a held-back ESC may come out
 * in front of them) and must not overlap in. Never fails.
 */
size_t ansi_strip(struct ansi_state *st, const void *in, size_t n, void *out);

/*
 * ansi_finish ends the stream: it writes the held-back ESC, if any, to out
 * (room for one byte) and returns 0 or 1. The state is ready for a new
 * stream afterwards.
 */
size_t ansi_finish(struct ansi_state *st, void *out);

#endif
