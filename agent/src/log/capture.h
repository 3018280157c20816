#ifndef FV_LOG_CAPTURE_H
#define FV_LOG_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log/ansi.h"

/*
 * The PROCESS_COMMUNICATION splitter of one output channel (stdout or
 * stderr) of one process: 4.2.5's POutputDispatcher.record_output,
 * toggle_capturemode and the data path of _log, without the I/O.
 *
 * Feed it every read of the child's pipe; it calls back with what 4.2.5
 * would hand to _log and to notify(), in the same order and with the same
 * byte boundaries:
 *
 *  CAPTURE_LOG       bytes for the normal child log (and, as 4.2.5 does,
 *                    for the main log's DEBG copy and PROCESS_LOG events).
 *  CAPTURE_CAPTURED  bytes that 4.2.5 sends to the capture log instead of
 *                    the child log while between the tokens; they still
 *                    count for the main-log copy and PROCESS_LOG events.
 *  CAPTURE_EVENT     a complete message: the capture buffer's contents when
 *                    the END token arrives (ProcessCommunicationEvent.data).
 *  CAPTURE_ABANDONED only from capture_finish: a capture that the child
 *                    never ended (4.2.5 silently forgets it).
 *
 * The tokens themselves are never passed on. When strip_ansi is on, LOG and
 * CAPTURED pieces are filtered as 4.2.5's _log does before they reach a log
 * (so the capture buffer holds stripped bytes too); a piece can then become
 * empty, and is still passed on with n == 0 because 4.2.5 still logs and
 * publishes it.
 *
 * Faithful quirks of 4.2.5, kept on purpose so that events and log contents
 * match byte for byte:
 *  - With capture on, output is held back while the unexamined bytes are no
 *    longer than the token being looked for (24 or 22 bytes), and a trailing
 *    partial token is held back until the next read.
 *  - The capture buffer is 4.2.5's BoundIO: when a piece would make it longer
 *    than capture_maxbytes, it first drops as many bytes from its front as
 *    the piece is long (more than needed), and a piece longer than
 *    capture_maxbytes is kept whole. Memory is thus bounded by
 *    capture_maxbytes plus one read plus 24 bytes. Bytes dropped this way
 *    are counted in `truncated`.
 *
 * Divergences from 4.2.5 (all documented at the functions):
 *  - capture_finish passes on the held-back bytes at end of file; 4.2.5
 *    loses up to 24 bytes of a child's last output when capture is on.
 *  - strip_ansi is streaming-safe across reads (see ansi.h); across a token
 *    it behaves as 4.2.5 (each side is stripped on its own).
 */

enum capture_kind {
	CAPTURE_LOG = 0,
	CAPTURE_CAPTURED,
	CAPTURE_EVENT,
	CAPTURE_ABANDONED,
};

/* capture_emit_fn receives one piece; p is valid only during the call. */
typedef void capture_emit_fn(
    void *arg, enum capture_kind kind, const char *p, size_t n);

#define CAPTURE_BEGIN_TOKEN "<!--XSUPERVISOR:BEGIN-->"
#define CAPTURE_END_TOKEN   "<!--XSUPERVISOR:END-->"
#define CAPTURE_HOLD_MAX    24 /* strlen(CAPTURE_BEGIN_TOKEN) */

/* One channel's splitter state; embed it in the owner. */
struct capture {
	size_t maxbytes; /* capture_maxbytes; 0: capture disabled */
	bool strip; /* strip_ansi */
	bool capturing; /* between BEGIN and END */
	struct ansi_state ansi;
	char hold[CAPTURE_HOLD_MAX]; /* 4.2.5's output_buffer between reads */
	size_t nhold;
	char *work; /* scratch: hold + one read (owned) */
	size_t workcap;
	char *strip_out; /* scratch for ansi_strip (owned) */
	size_t strip_cap;
	char *buf; /* the BoundIO capture buffer (owned) */
	size_t len, cap;
	uint64_t truncated; /* bytes BoundIO dropped, over the lifetime */
};

/*
 * capture_init prepares c for a new child. maxbytes is the channel's
 * capture_maxbytes (0 disables capture, as in 4.2.5: every read is then
 * passed on at once as CAPTURE_LOG); strip is strip_ansi.
 */
void capture_init(struct capture *c, size_t maxbytes, bool strip);

/* capture_fini releases c's buffers; c may be initialised again. */
void capture_fini(struct capture *c);

/*
 * capture_feed takes one read of n bytes (copied as needed) and calls fn
 * with the pieces it completes, in order. n == 0 is allowed and, as in
 * 4.2.5, only re-examines what is held back. Never fails.
 */
void capture_feed(
    struct capture *c, const void *p, size_t n, capture_emit_fn *fn, void *arg);

/*
 * capture_finish is called at end of file. It passes on the bytes held back
 * (as LOG or CAPTURED, in the current mode), ends the ANSI stream, and if a
 * capture is open passes its buffer on as CAPTURE_ABANDONED (4.2.5 loses
 * both). c is then back in normal mode, ready for more input.
 */
void capture_finish(struct capture *c, capture_emit_fn *fn, void *arg);

#endif
