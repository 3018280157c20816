/*
 * What sendProcessStdin writes to a child: our end of its stdin pipe,
 * wrapped in a libuv pipe on first use, so that a child that reads slowly
 * or never costs the loop nothing. Bytes the pipe cannot take at once are
 * queued, and the queue is bounded: a child that never reads cannot make
 * the agent's memory grow past PROC_STDIN_BACKLOG_MAX (plus the one write
 * that found the queue empty, which the request size already bounds).
 *
 * It never blocks, never writes to a pipe the child closed (EPIPE makes
 * the channel closed for good, as 4.2.5's input dispatcher does), and it
 * owns the descriptor once wrapped: proc.c closes it through
 * proc_stdin_close().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "process/proc.h"
#include "process/proc_io.h"
#include "process/supervisor.h"

struct proc_stdin {
	uv_pipe_t h;
	struct proc *proc; /* borrowed: outlives its handles */
	size_t queued; /* accepted, not yet taken by the pipe */
	bool broken; /* EPIPE or another write error: closed for writes */
	bool wrapped; /* the handle owns the descriptor */
};

struct proc_stdin_req {
	uv_write_t req;
	struct proc_stdin *in; /* borrowed */
	size_t len;
	char data[];
};

static void
proc_stdin_on_close(uv_handle_t *h)
{
	struct proc_stdin *in = h->data;
	struct proc *p = in->proc;

	free(in);
	proc_handle_closed(p);
}

void
proc_stdin_close(struct proc *p)
{
	struct proc_stdin *in = p->in;

	if (in != NULL) {
		p->in = NULL;
		/* Queued writes are cancelled (UV_ECANCELED) before the close
		 * callback runs, and the handle closes the descriptor. */
		uv_close((uv_handle_t *)&in->h, proc_stdin_on_close);
		if (in->wrapped) {
			p->stdin_fd = -1;
		}
	}
	if (p->stdin_fd >= 0) {
		close(p->stdin_fd);
		p->stdin_fd = -1;
	}
}

static void
proc_stdin_on_write(uv_write_t *w, int status)
{
	struct proc_stdin_req *r = (struct proc_stdin_req *)w;
	struct proc_stdin *in = r->in;

	in->queued -= r->len;
	if (status < 0 && status != UV_ECANCELED && !in->broken) {
		in->broken = true;
		supervisor_log(in->proc->sv, MAINLOG_DEBG,
		    "stdin of '%s' is closed: %s", proc_name(in->proc),
		    uv_strerror(status));
	}
	free(r);
}

/* Wraps the child's stdin descriptor once; false if there is none. */
static bool
proc_stdin_open(struct proc *p)
{
	struct proc_stdin *in;

	if (p->in != NULL) {
		return true;
	}
	if (p->stdin_fd < 0) {
		return false;
	}
	in = fv_xcalloc(1, sizeof(*in));
	in->proc = p;
	uv_pipe_init(p->sv->loop, &in->h, 0);
	in->h.data = in;
	p->open_handles++;
	p->in = in;
	if (uv_pipe_open(&in->h, p->stdin_fd) != 0) {
		/* Cannot happen for our own pipe; should it, the descriptor
		 * stays ours to close and the channel counts as closed. */
		in->broken = true;
		return true;
	}
	in->wrapped = true;
	return true;
}

int
proc_stdin_write(struct proc *p, const void *buf, size_t n)
{
	struct proc_stdin *in;
	struct proc_stdin_req *r;
	uv_buf_t b;
	int rv;

	if (p->pid == 0 || p->fsm.killing) {
		return FV_ESTATE;
	}
	if (!proc_stdin_open(p)) {
		return -EPIPE;
	}
	in = p->in;
	if (in->broken) {
		return -EPIPE;
	}
	if (n == 0) {
		return 0;
	}
	if (n > UINT32_MAX ||
	    (in->queued > 0 && n > PROC_STDIN_BACKLOG_MAX - in->queued)) {
		return FV_ETOOBIG;
	}
	b = uv_buf_init((char *)(uintptr_t)buf, (unsigned)n);
	if (in->queued == 0) {
		rv = uv_try_write((uv_stream_t *)&in->h, &b, 1);
		if (rv == (int)n) {
			return 0;
		}
		if (rv < 0 && rv != UV_EAGAIN) {
			in->broken = true;
			return rv == UV_EPIPE ? -EPIPE : rv;
		}
		if (rv > 0) {
			buf = (const char *)buf + rv;
			n -= (size_t)rv;
		}
	}
	r = fv_xmalloc(sizeof(*r) + n);
	r->in = in;
	r->len = n;
	memcpy(r->data, buf, n);
	b = uv_buf_init(r->data, (unsigned)n);
	if ((rv = uv_write(&r->req, (uv_stream_t *)&in->h, &b, 1,
	         proc_stdin_on_write)) != 0) {
		free(r);
		in->broken = true;
		return rv == UV_EPIPE ? -EPIPE : rv;
	}
	in->queued += n;
	return 0;
}

size_t
proc_stdin_backlog(const struct proc *p)
{
	return p->in != NULL ? p->in->queued : 0;
}
