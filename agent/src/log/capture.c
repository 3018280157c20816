/*
 * The PROCESS_COMMUNICATION splitter. It owns one channel's held-back bytes,
 * its capture buffer and two scratch buffers, all sized by capture_maxbytes
 * plus the largest read it was fed. It is pure: it never does I/O, never
 * looks at the clock and never decides policy (where pieces go, whether an
 * abandoned capture is logged) -- that is the caller's. It must never lose
 * or reorder a byte other than the two tokens and what BoundIO truncates,
 * which it counts.
 */
#include "log/capture.h"

#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

#define CAPTURE_SHRINK 65536 /* free an idle buffer bigger than this */

/* capture_reserve grows *bufp to hold at least n bytes. */
static void
capture_reserve(char **bufp, size_t *capp, size_t n)
{
	size_t ncap;

	if (n <= *capp) {
		return;
	}
	ncap = *capp < 256 ? 256 : *capp;
	while (ncap < n) {
		ncap = ncap > SIZE_MAX / 2 ? n : ncap * 2;
	}
	*bufp = fv_xrealloc(*bufp, ncap);
	*capp = ncap;
}

void
capture_init(struct capture *c, size_t maxbytes, bool strip)
{
	memset(c, 0, sizeof(*c));
	c->maxbytes = maxbytes;
	c->strip = strip;
	ansi_init(&c->ansi);
}

void
capture_fini(struct capture *c)
{
	free(c->work);
	free(c->strip_out);
	free(c->buf);
	c->work = c->strip_out = c->buf = NULL;
	c->workcap = c->strip_cap = c->cap = c->len = c->nhold = 0;
}

/*
 * capture_bound_write appends a captured piece the way 4.2.5's BoundIO.write
 * does: `if len(buf) + len(b) > maxbytes: buf = buf[len(b):]`, then append.
 */
static void
capture_bound_write(struct capture *c, const char *p, size_t n)
{
	size_t drop;

	if (c->len + n > c->maxbytes && c->len > 0) {
		drop = n < c->len ? n : c->len;
		memmove(c->buf, c->buf + drop, c->len - drop);
		c->len -= drop;
		c->truncated += drop;
	}
	capture_reserve(&c->buf, &c->cap, c->len + n);
	if (n > 0) {
		memcpy(c->buf + c->len, p, n);
	}
	c->len += n;
}

/* capture_mode_kind is where _log sends bytes in the current mode. */
static enum capture_kind
capture_mode_kind(const struct capture *c)
{
	return c->capturing ? CAPTURE_CAPTURED : CAPTURE_LOG;
}

/* capture_pass hands one (already filtered) piece on and feeds BoundIO. */
static void
capture_pass(struct capture *c, enum capture_kind kind, const char *p, size_t n,
    capture_emit_fn *fn, void *arg)
{
	if (kind == CAPTURE_CAPTURED) {
		capture_bound_write(c, p, n);
	}
	fn(arg, kind, p, n);
}

/*
 * capture_log is 4.2.5's _log: an empty piece is ignored, otherwise it is
 * filtered (strip_ansi) and passed on. final ends the ANSI stream with this
 * piece, because a token follows and the other side of a token is stripped
 * on its own, as in 4.2.5.
 */
static void
capture_log(struct capture *c, const char *p, size_t n, bool final,
    capture_emit_fn *fn, void *arg)
{
	size_t m;

	if (n == 0) {
		return;
	}
	if (!c->strip) {
		capture_pass(c, capture_mode_kind(c), p, n, fn, arg);
		return;
	}
	capture_reserve(&c->strip_out, &c->strip_cap, n + 2);
	m = ansi_strip(&c->ansi, p, n, c->strip_out);
	if (final) {
		m += ansi_finish(&c->ansi, c->strip_out + m);
	}
	capture_pass(c, capture_mode_kind(c), c->strip_out, m, fn, arg);
}

/*
 * capture_ansi_flush ends the ANSI stream of the current mode when no piece
 * did: an ESC held back at the end of the previous read is passed on alone.
 */
static void
capture_ansi_flush(struct capture *c, capture_emit_fn *fn, void *arg)
{
	char esc;

	if (c->strip && ansi_finish(&c->ansi, &esc) == 1) {
		capture_pass(c, capture_mode_kind(c), &esc, 1, fn, arg);
	}
}

/* capture_toggle is toggle_capturemode. */
static void
capture_toggle(struct capture *c, capture_emit_fn *fn, void *arg)
{
	capture_ansi_flush(c, fn, arg);
	c->capturing = !c->capturing;
	if (c->capturing) {
		return;
	}
	fn(arg, CAPTURE_EVENT, c->buf != NULL ? c->buf : "", c->len);
	c->len = 0;
	if (c->cap > CAPTURE_SHRINK) {
		free(c->buf);
		c->buf = NULL;
		c->cap = 0;
	}
}

/*
 * capture_prefix_at_end is medusa's find_prefix_at_end: the length of the
 * longest proper prefix of tok that ends the n bytes at p, or 0.
 */
static size_t
capture_prefix_at_end(const char *p, size_t n, const char *tok, size_t toklen)
{
	size_t l;

	for (l = toklen - 1; l > 0; l--) {
		if (l <= n && memcmp(p + n - l, tok, l) == 0) {
			return l;
		}
	}
	return 0;
}

/* capture_hold keeps the n bytes at p as the new output_buffer. */
static void
capture_hold(struct capture *c, const char *p, size_t n)
{
	memmove(c->hold, p, n);
	c->nhold = n;
}

void
capture_feed(
    struct capture *c, const void *p, size_t n, capture_emit_fn *fn, void *arg)
{
	const char *s, *e, *tok, *found;
	size_t toklen, total, k;

	if (c->maxbytes == 0) {
		/* 4.2.5's shortcut: no capture log, log every read whole. */
		capture_log(c, p, n, false, fn, arg);
		return;
	}
	total = c->nhold + n;
	if (total == 0) {
		return; /* nothing held, nothing new: nothing to look at */
	}
	capture_reserve(&c->work, &c->workcap, total);
	memcpy(c->work, c->hold, c->nhold);
	if (n > 0) {
		memcpy(c->work + c->nhold, p, n);
	}
	c->nhold = 0;
	s = c->work;
	e = c->work + total;
	for (;;) {
		tok = c->capturing ? CAPTURE_END_TOKEN : CAPTURE_BEGIN_TOKEN;
		toklen = strlen(tok);
		if ((size_t)(e - s) <= toklen) {
			/* "not enough data": 4.2.5 waits even for a token. */
			capture_hold(c, s, (size_t)(e - s));
			return;
		}
		found = memmem(s, (size_t)(e - s), tok, toklen);
		if (found == NULL) {
			k = capture_prefix_at_end(
			    s, (size_t)(e - s), tok, toklen);
			capture_log(c, s, (size_t)(e - s) - k, false, fn, arg);
			capture_hold(c, e - k, k);
			return;
		}
		capture_log(c, s, (size_t)(found - s), true, fn, arg);
		capture_toggle(c, fn, arg);
		s = found + toklen;
		if (s == e) {
			return;
		}
	}
}

void
capture_finish(struct capture *c, capture_emit_fn *fn, void *arg)
{
	size_t n = c->nhold;

	/*
	 * 4.2.5 never logs these bytes: its record_output keeps waiting for
	 * more than a token's worth, and at end of file there is no more. We
	 * pass them on so that a child's last words are not lost.
	 */
	c->nhold = 0;
	if (n > 0) {
		capture_log(c, c->hold, n, true, fn, arg);
	} else {
		capture_ansi_flush(c, fn, arg);
	}
	if (c->capturing) {
		fn(arg, CAPTURE_ABANDONED, c->buf != NULL ? c->buf : "",
		    c->len);
		c->len = 0;
		c->capturing = false;
	}
	ansi_init(&c->ansi);
}
