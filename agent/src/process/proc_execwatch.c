/*
 * The loop side of a child's exec-status pipe (see proc_execwatch.h).
 * 4.2.5 learns an exec failure only from the exit status 127 and the
 * stderr log; the child's own "couldn't ..." lines still go there, so
 * this watcher only adds the debug line and never changes a state.
 */
#include "process/proc_execwatch.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <uv.h>

#include "common/xalloc.h"
#include "process/proc.h"
#include "process/proc_io.h"
#include "process/supervisor.h"

struct proc_execwatch {
	uv_poll_t h;
	struct proc *proc; /* borrowed: waits for this handle to close */
	int fd;
	pid_t pid;
	size_t len;
	char buf[1024];
};

static void
proc_execwatch_on_close(uv_handle_t *h)
{
	struct proc_execwatch *w = h->data;
	struct proc *p = w->proc;

	free(w);
	proc_handle_closed(p);
}

static void
proc_execwatch_end(struct proc_execwatch *w)
{
	if (w->len > 0) {
		size_t n = w->len;

		while (n > 0 && w->buf[n - 1] == '\n') {
			n--;
		}
		supervisor_log(w->proc->sv, MAINLOG_DEBG,
		    "'%s' (pid %d) did not exec: %.*s", w->proc->cfg->name,
		    (int)w->pid, (int)n, w->buf);
	}
	uv_poll_stop(&w->h);
	uv_close((uv_handle_t *)&w->h, proc_execwatch_on_close);
	close(w->fd);
	w->fd = -1;
}

static void
proc_execwatch_on_poll(uv_poll_t *h, int status, int events)
{
	struct proc_execwatch *w = h->data;

	(void)events;
	if (status < 0) {
		proc_execwatch_end(w);
		return;
	}
	for (;;) {
		ssize_t n;

		if (w->len == sizeof(w->buf)) {
			proc_execwatch_end(w); /* the child writes far less */
			return;
		}
		n = read(w->fd, w->buf + w->len, sizeof(w->buf) - w->len);
		if (n > 0) {
			w->len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0 && errno == EAGAIN) {
			return; /* the rest comes with the next event */
		}
		proc_execwatch_end(w); /* EOF: exec'd or exited */
		return;
	}
}

void
proc_execwatch_start(struct proc *p, int fd)
{
	struct proc_execwatch *w = fv_xcalloc(1, sizeof(*w));

	w->proc = p;
	w->fd = fd;
	w->pid = p->pid;
	if (uv_poll_init(p->sv->loop, &w->h, fd) != 0) {
		/* Cannot happen for a pipe; without a watcher the only
		 * loss is the debug line. */
		close(fd);
		free(w);
		return;
	}
	w->h.data = w;
	p->open_handles++;
	uv_poll_start(
	    &w->h, UV_READABLE | UV_DISCONNECT, proc_execwatch_on_poll);
}
