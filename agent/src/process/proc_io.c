/*
 * The child's output path: pipes read on the loop, bytes handed to the
 * log writer (which writes them off the loop, in order), to the main log
 * at debug level and to the bus, as 4.2.5's POutputDispatcher does. This
 * module owns the pipe handles of a process; it never blocks on a pipe and
 * never discards a byte: when a log falls behind, it stops reading (the
 * child then blocks on its own write), and at exit it drains what is left.
 *
 * Reads are coalesced: a read that finds only a little (a program writing
 * line by line) means the pipe is read again only PROC_GATHER_MS later, in
 * big reads of what gathered meanwhile, instead of once per write. Waking
 * per write costs a read, a hand-off to the log writer and a context
 * switch for every line, and steals the writer's CPU. A pipe that fills
 * in that time is enlarged so the writer does not block while we wait.
 * The delay bounds how late output can be seen (tail -f, PROCESS_LOG,
 * capture); an event listener's stdout, its protocol, is never delayed;
 * a dead child's output is drained at once; a quiet pipe goes back to
 * waiting for readability, so idle programs cost nothing.
 */
#include "process/proc_io.h"

#include <sys/random.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "event/event_payload.h"
#include "event/listener.h"
#include "log/ansi.h"
#include "log/capture.h"
#include "log/logfile.h"
#include "process/proc_spawn.h"
#include "process/supervisor.h"

/* At most this many chunks are drained at an exit (8 MiB). */
#define PROC_DRAIN_CHUNKS 64

/*
 * A pipe is its channel's current one while chan->pipe points to it; once
 * detached it only waits for its handles to close. The channel lives in
 * the proc, which is freed only after its pipes closed.
 */
struct proc_pipe {
	uv_pipe_t h;
	uv_timer_t *gather; /* armed while bytes gather; made when first used */
	struct proc_chan *chan; /* borrowed: outlives its pipes */
	int closing; /* handles whose close callback is still due */
	int size; /* the pipe's size; 0: not asked yet, -1: unknown */
	int size0; /* its size before we enlarged it; 0: not enlarged */
	bool gathering; /* not reading: the gather timer is armed */
	bool grow_tried; /* enlarging was tried in this busy spell */
};

struct proc_chan_state {
	struct capture cap; /* also strips ANSI and passes plain output on */
};

static void proc_io_start_reading(struct proc_chan *c);
static void proc_io_on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);
static void proc_io_on_gather(uv_timer_t *t);

/*
 * proc_io_chan_reset gives c a fresh splitter for a new child, or none:
 * with capture mode off and strip_ansi off the splitter would pass every
 * read on whole, so most channels go without its state (and its memory).
 * strip_ansi is read from the running config at each spawn.
 */
static void
proc_io_chan_reset(struct proc_chan *c)
{
	bool strip = c->proc->sv->cfg->sd.strip_ansi;

	if (c->state != NULL) {
		capture_fini(&c->state->cap);
	}
	if (c->cfg->capture_maxbytes <= 0 && !strip) {
		free(c->state);
		c->state = NULL;
		return;
	}
	if (c->state == NULL) {
		c->state = fv_xmalloc(sizeof(*c->state));
	}
	capture_init(&c->state->cap, (size_t)c->cfg->capture_maxbytes, strip);
}

void
proc_io_chan_init(struct proc_chan *c, struct proc *p,
    enum evbus_channel channel, const struct cfg_logcfg *cfg)
{
	*c = (struct proc_chan){ .proc = p, .channel = channel, .cfg = cfg };
	proc_io_chan_reset(c);
	if (cfg->kind == CFG_LOGFILE_PATH) {
		c->logpath = fv_xstrdup(cfg->path);
	}
}

static void
proc_io_on_log_closed(void *arg)
{
	(void)arg;
}

void
proc_io_chan_fini(struct proc_chan *c)
{
	if (c->log != NULL) {
		logfile_flush_sync(c->log);
		logfile_close(c->log, proc_io_on_log_closed, NULL);
		c->log = NULL;
	}
	if (c->state != NULL) {
		capture_fini(&c->state->cap);
	}
	free(c->state);
	free(c->logpath);
	free(c->rbuf);
	*c = (struct proc_chan){ 0 };
}

const char *proc_io_channel_name(enum evbus_channel ch);

const char *
proc_io_channel_name(enum evbus_channel ch)
{
	return ch == EVBUS_STDOUT ? "stdout" : "stderr";
}

/*
 * 4.2.5 names AUTO logs with tempfile.mkstemp(): PREFIX + 8 characters
 * from [a-z0-9_] + ".log", created exclusively. Same alphabet and length
 * here, so scripts that match the names keep working.
 */
static int
proc_io_mkstemp(const char *dir, const char *prefix, char **pathp)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789_";

	for (int attempt = 0; attempt < 100; attempt++) {
		unsigned char rnd[8];
		char tag[9];
		char *path;
		int fd;

		if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
			return -EIO;
		}
		for (size_t i = 0; i < sizeof(rnd); i++) {
			tag[i] = alpha[rnd[i] % (sizeof(alpha) - 1)];
		}
		tag[8] = '\0';
		path = fv_xasprintf("%s/%s%s.log", dir, prefix, tag);
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0) {
			close(fd);
			*pathp = path;
			return 0;
		}
		free(path);
		if (errno != EEXIST) {
			return -errno;
		}
	}
	return -EEXIST;
}

int
proc_io_make_autolog(struct proc_chan *c, const char *childlogdir,
    const char *identifier, struct fv_diag *d)
{
	char *prefix, *path = NULL;
	int rv;

	if (c->cfg->kind != CFG_LOGFILE_AUTO) {
		return 0;
	}
	prefix = fv_xasprintf("%s-%s---%s-", c->proc->cfg->name,
	    proc_io_channel_name(c->channel), identifier);
	rv = proc_io_mkstemp(childlogdir, prefix, &path);
	free(prefix);
	if (rv != 0) {
		return fv_diagf(d, rv,
		    "could not create the AUTO %s log of '%s' in %s: %s",
		    proc_io_channel_name(c->channel), c->proc->cfg->name,
		    childlogdir, strerror(-rv));
	}
	free(c->logpath);
	c->logpath = path;
	return 0;
}

/* 4.2.5's SyslogHandler: one syslog record per line, "NAME line". */
static void
proc_io_syslog(const char *name, const char *data, size_t n)
{
	while (n > 0 && data[n - 1] == '\n') {
		n--;
	}
	for (;;) {
		const char *nl = memchr(data, '\n', n);
		size_t len = nl != NULL ? (size_t)(nl - data) : n;

		syslog(LOG_INFO, "%s %.*s", name, (int)len, data);
		if (nl == NULL) {
			break;
		}
		n -= len + 1;
		data = nl + 1;
	}
}

static void
proc_io_publish(
    struct proc_chan *c, enum evbus_kind kind, const char *data, size_t n)
{
	struct proc *p = c->proc;
	struct evbus_event ev = {
		.kind = kind,
		.proc = p,
		.group = p->group,
		.pid = p->pid,
		.channel = c->channel,
		.data = data,
		.len = n,
	};

	evbus_publish(&p->sv->bus, &ev);
}

/* 4.2.5 _log(): the child log (not while capturing), the main log's
 * debug copy and the PROCESS_LOG event. ANSI was stripped by capture. */
static void
proc_io_log(struct proc_chan *c, const char *data, size_t n, bool capturing)
{
	struct proc *p = c->proc;
	struct supervisor *sv = p->sv;

	if (n == 0) {
		return;
	}
	if (!capturing) {
		if (c->log != NULL) {
			logfile_write(c->log, data, n);
		}
		if (c->cfg->syslog) {
			proc_io_syslog(p->cfg->name, data, n);
		}
	}
	if (supervisor_log_enabled(sv, MAINLOG_DEBG)) {
		supervisor_log(sv, MAINLOG_DEBG, "'%s' %s output:\n%.*s",
		    p->cfg->name, proc_io_channel_name(c->channel), (int)n,
		    data);
	}
	proc_io_publish(c, EVBUS_PROC_LOG, data, n);
}

/* A complete <!--XSUPERVISOR:BEGIN-->...END--> message: the event. */
static void
proc_io_comm(struct proc_chan *c, const char *data, size_t n)
{
	struct proc *p = c->proc;

	proc_io_publish(c, EVBUS_PROC_COMM, data, n);
	supervisor_log(p->sv, MAINLOG_DEBG, "'%s' %s emitted a comm event",
	    p->cfg->name, proc_io_channel_name(c->channel));
}

static void
proc_io_on_piece(void *arg, enum capture_kind kind, const char *data, size_t n)
{
	struct proc_chan *c = arg;

	switch (kind) {
	case CAPTURE_LOG:
		proc_io_log(c, data, n, false);
		break;
	case CAPTURE_CAPTURED:
		proc_io_log(c, data, n, true);
		break;
	case CAPTURE_EVENT:
		proc_io_comm(c, data, n);
		break;
	case CAPTURE_ABANDONED:
		supervisor_log(c->proc->sv, MAINLOG_DEBG,
		    "'%s' %s ended inside a capture (%zu bytes not sent)",
		    c->proc->cfg->name, proc_io_channel_name(c->channel), n);
		break;
	}
}

/*
 * An eventlistener's stdout is its protocol channel (4.2.5's
 * PEventListenerDispatcher): no capture, no PROCESS_LOG event, no
 * syslog; the debug line shows the read as Python bytes, the log file
 * gets it with escapes stripped per read, as 4.2.5 strips them.
 */
static void
proc_io_listener_output(struct proc_chan *c, const char *data, size_t n)
{
	struct proc *p = c->proc;
	struct supervisor *sv = p->sv;

	if (supervisor_log_enabled(sv, MAINLOG_DEBG)) {
		struct fv_buf b;

		fv_buf_init(&b, 4 * n + 8);
		event_bytes_repr(&b, data, n);
		supervisor_log(sv, MAINLOG_DEBG, "'%s' %s output:\n%s",
		    p->cfg->name, proc_io_channel_name(c->channel),
		    fv_buf_cstr(&b));
		fv_buf_fini(&b);
	}
	if (c->log != NULL && sv->cfg->sd.strip_ansi) {
		struct ansi_state st;
		char *out = fv_xmalloc(n + 1);
		size_t m;

		ansi_init(&st);
		m = ansi_strip(&st, data, n, out);
		m += ansi_finish(&st, out + m);
		logfile_write(c->log, out, m);
		free(out);
	} else if (c->log != NULL) {
		logfile_write(c->log, data, n);
	}
	event_listener_feed(p->listener, data, n);
}

static void
proc_io_output(struct proc_chan *c, const char *data, size_t n)
{
	if (c->channel == EVBUS_STDOUT && c->proc->listener != NULL) {
		proc_io_listener_output(c, data, n);
		return;
	}
	if (c->state == NULL) {
		proc_io_log(c, data, n, false); /* what the splitter would do */
		return;
	}
	capture_feed(&c->state->cap, data, n, proc_io_on_piece, c);
}

/* End of a child's stream: pass on what the splitter held back. */
static void
proc_io_finish(struct proc_chan *c)
{
	if (c->state != NULL) {
		capture_finish(&c->state->cap, proc_io_on_piece, c);
	}
}

/* The handles of a pipe share pp: it goes with the last close. */
static void
proc_io_on_close(uv_handle_t *h)
{
	struct proc_pipe *pp = h->data;
	struct proc *p = pp->chan->proc;

	if (h != (uv_handle_t *)&pp->h) {
		free(h); /* the gather timer */
	}
	if (--pp->closing > 0) {
		return;
	}
	free(pp);
	proc_handle_closed(p);
}

void
proc_io_chan_stop(struct proc_chan *c)
{
	struct proc_pipe *pp = c->pipe;

	if (pp == NULL) {
		return;
	}
	proc_io_finish(c);
	c->pipe = NULL;
	pp->gathering = false;
	pp->closing = 1;
	if (pp->gather != NULL) {
		pp->closing++;
		uv_close((uv_handle_t *)pp->gather, proc_io_on_close);
	}
	uv_close((uv_handle_t *)&pp->h, proc_io_on_close);
}

static void
proc_io_on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct proc_pipe *pp = h->data;
	struct proc_chan *c = pp->chan;

	if (c->pipe != pp) {
		*buf = uv_buf_init(NULL, 0);
		return;
	}
	if (c->rbuf == NULL) {
		c->rbuf = fv_xmalloc(PROC_READ_CHUNK);
	}
	*buf = uv_buf_init(c->rbuf, PROC_READ_CHUNK);
}

/* Whether c's pipe may be read late: not a listener's protocol channel. */
static bool
proc_io_may_gather(const struct proc_chan *c)
{
	return !(c->channel == EVBUS_STDOUT && c->proc->listener != NULL);
}

/*
 * proc_io_gather_later stops reading pp and reads it again after delay.
 * The timer is made the first time: most pipes (idle programs) never
 * need one.
 */
static void
proc_io_gather_later(struct proc_pipe *pp, uint64_t delay)
{
	if (pp->gather == NULL) {
		pp->gather = fv_xmalloc(sizeof(*pp->gather));
		uv_timer_init(pp->chan->proc->sv->loop, pp->gather);
		pp->gather->data = pp;
	}
	if (!pp->gathering) {
		uv_read_stop((uv_stream_t *)&pp->h);
		pp->gathering = true;
	}
	uv_timer_start(pp->gather, proc_io_on_gather, delay, 0);
}

/*
 * proc_io_grow enlarges a pipe that filled half its size within one
 * gather delay: at that rate the writer would soon block on it while we
 * wait. Only such hot pipes, since the size counts towards the user's
 * pipe-user-pages-soft, past which the kernel gives new pipes one page;
 * a refusal (EPERM past the limits) only means smaller reads.
 */
static void
proc_io_grow(struct proc_pipe *pp, int fd, size_t gathered)
{
	int rv;

	if (pp->size == 0) {
		pp->size = fcntl(fd, F_GETPIPE_SZ);
	}
	if (pp->grow_tried || pp->size <= 0 || pp->size >= PROC_PIPE_BIG ||
	    gathered < (size_t)pp->size / 2) {
		return;
	}
	pp->grow_tried = true;
	if ((rv = fcntl(fd, F_SETPIPE_SZ, PROC_PIPE_BIG)) > 0) {
		pp->size0 = pp->size;
		pp->size = rv;
	}
}

/* proc_io_shrink gives a quiet pipe its old size (and pages) back. An
 * EBUSY (bytes arrived meanwhile) leaves it big until the next time. */
static void
proc_io_shrink(struct proc_pipe *pp, int fd)
{
	int rv;

	pp->grow_tried = false;
	if (pp->size0 > 0 && (rv = fcntl(fd, F_SETPIPE_SZ, pp->size0)) > 0) {
		pp->size = rv;
		pp->size0 = 0;
	}
}

/*
 * The gather delay is over: read what gathered, in big reads, until a
 * read comes back short. A pipe that had something is looked at again
 * after the next delay; an empty one is watched for readability again,
 * and so is one we could not empty (the writer is faster than the delay:
 * libuv reads it at once, and a short read starts gathering again).
 */
static void
proc_io_on_gather(uv_timer_t *t)
{
	struct proc_pipe *pp = t->data;
	struct proc_chan *c = pp->chan;
	size_t total = 0;
	bool full = false;
	uv_os_fd_t fd;

	pp->gathering = false;
	if (c->pipe != pp || c->paused ||
	    uv_fileno((uv_handle_t *)&pp->h, &fd) != 0) {
		return;
	}
	if (c->rbuf == NULL) {
		c->rbuf = fv_xmalloc(PROC_READ_CHUNK);
	}
	for (int i = 0; i < PROC_GATHER_CHUNKS; i++) {
		ssize_t n = read(fd, c->rbuf, PROC_READ_CHUNK);

		if (n < 0 && errno == EINTR) {
			i--;
			continue;
		}
		if (n < 0 && errno == EAGAIN) {
			break;
		}
		if (n <= 0) {
			/* EOF or an error: as proc_io_on_read. */
			proc_io_chan_stop(c);
			return;
		}
		total += (size_t)n;
		proc_io_output(c, c->rbuf, (size_t)n);
		if (c->pipe != pp || c->paused) {
			return; /* stopped, or the log asked us to wait */
		}
		full = (size_t)n == PROC_READ_CHUNK;
		if (!full) {
			break;
		}
	}
	if (total == 0) {
		proc_io_shrink(pp, fd);
		proc_io_start_reading(c);
		return;
	}
	proc_io_grow(pp, fd, total);
	if (full) {
		proc_io_start_reading(c);
		return;
	}
	proc_io_gather_later(pp, PROC_GATHER_MS);
}

static void
proc_io_on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct proc_pipe *pp = s->data;
	struct proc_chan *c = pp->chan;

	if (c->pipe != pp) {
		return;
	}
	if (nread > 0) {
		proc_io_output(c, buf->base, (size_t)nread);
		/* A small read: the writer writes little at a time. */
		if (c->pipe == pp && !c->paused &&
		    (size_t)nread < PROC_GATHER_SMALL &&
		    proc_io_may_gather(c)) {
			proc_io_gather_later(pp, PROC_GATHER_MS);
		}
		return;
	}
	if (nread < 0) {
		/* EOF (every writer closed it) or an error: 4.2.5 closes
		 * the dispatcher; the exit is handled by the reaper. */
		proc_io_chan_stop(c);
	}
}

static void
proc_io_start_reading(struct proc_chan *c)
{
	if (c->pipe != NULL && !c->paused && !c->pipe->gathering) {
		uv_read_start((uv_stream_t *)&c->pipe->h, proc_io_on_alloc,
		    proc_io_on_read);
	}
}

/* The log writer's back-pressure: stop or resume reading this pipe. */
static void
proc_io_on_pressure(void *arg, bool paused)
{
	struct proc_chan *c = arg;

	c->paused = paused;
	if (c->pipe == NULL) {
		return;
	}
	if (paused) {
		uv_read_stop((uv_stream_t *)&c->pipe->h);
		if (c->pipe->gather != NULL) {
			uv_timer_stop(c->pipe->gather);
		}
		c->pipe->gathering = false;
	} else {
		proc_io_start_reading(c);
	}
}

static void
proc_io_on_report(void *arg, const char *msg)
{
	struct proc_chan *c = arg;

	supervisor_log(c->proc->sv, MAINLOG_WARN, "%s %s log: %s",
	    c->proc->cfg->name, proc_io_channel_name(c->channel), msg);
}

static int
proc_io_open_log(struct proc_chan *c)
{
	struct logfile_opts o = {
		.path = c->logpath,
		.maxbytes = c->cfg->maxbytes,
		.backups = c->cfg->backups,
		.on_pressure = proc_io_on_pressure,
		.on_report = proc_io_on_report,
		.arg = c,
	};
	struct fv_diag d = { "" };

	if (c->log != NULL || c->logpath == NULL) {
		return 0;
	}
	return logfile_open(c->proc->sv->loop, &o, &c->log, &d);
}

static void
proc_io_close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

void
proc_io_abort(struct proc *p, struct proc_io_fds *fds)
{
	proc_io_close_fd(&fds->child_in);
	proc_io_close_fd(&fds->child_out);
	proc_io_close_fd(&fds->child_err);
	proc_io_close_fd(&fds->parent_in);
	proc_io_close_fd(&fds->parent_out);
	proc_io_close_fd(&fds->parent_err);
}

static int
proc_io_pipe(int *rd, int *wr)
{
	int fd[2];

	if (pipe2(fd, O_CLOEXEC) != 0) {
		return -errno;
	}
	*rd = fd[0];
	*wr = fd[1];
	return 0;
}

int
proc_io_prepare(struct proc *p, struct proc_io_fds *fds)
{
	bool fcgi = p->group != NULL && p->group->fcgi_fd >= 0;
	int rv;

	*fds = (struct proc_io_fds){ -1, -1, -1, -1, -1, -1 };
	if ((rv = proc_io_open_log(&p->out)) != 0) {
		return rv;
	}
	if (!p->cfg->redirect_stderr && (rv = proc_io_open_log(&p->err)) != 0) {
		return rv;
	}
	if (!fcgi &&
	    (rv = proc_io_pipe(&fds->child_in, &fds->parent_in)) != 0) {
		goto fail;
	}
	if ((rv = proc_io_pipe(&fds->parent_out, &fds->child_out)) != 0) {
		goto fail;
	}
	if (!p->cfg->redirect_stderr &&
	    (rv = proc_io_pipe(&fds->parent_err, &fds->child_err)) != 0) {
		goto fail;
	}
	return 0;
fail:
	proc_io_abort(p, fds);
	return rv;
}

static void
proc_io_attach(struct proc_chan *c, int *fd)
{
	struct proc_pipe *pp;

	if (*fd < 0) {
		return;
	}
	pp = fv_xcalloc(1, sizeof(*pp));
	pp->chan = c;
	uv_pipe_init(c->proc->sv->loop, &pp->h, 0);
	pp->h.data = pp;
	if (uv_pipe_open(&pp->h, *fd) != 0) {
		/* Cannot happen for a fresh pipe; keep the fd owned. */
		close(*fd);
	}
	*fd = -1;
	c->proc->open_handles++;
	c->pipe = pp;
	proc_io_start_reading(c);
}

void
proc_io_start(struct proc *p, struct proc_io_fds *fds)
{
	proc_io_close_fd(&fds->child_in);
	proc_io_close_fd(&fds->child_out);
	proc_io_close_fd(&fds->child_err);
	if (fds->parent_in >= 0) {
		int fl = fcntl(fds->parent_in, F_GETFL);

		fcntl(fds->parent_in, F_SETFL, fl | O_NONBLOCK);
	}
	p->stdin_fd = fds->parent_in;
	fds->parent_in = -1;
	/* A new child starts outside any capture (4.2.5 makes new
	 * dispatchers at each spawn). */
	proc_io_chan_reset(&p->out);
	proc_io_chan_reset(&p->err);
	if (p->listener != NULL) {
		event_listener_on_spawn(p->listener);
	}
	proc_io_attach(&p->out, &fds->parent_out);
	proc_io_attach(&p->err, &fds->parent_err);
}

static void
proc_io_chan_drain(struct proc_chan *c)
{
	uv_os_fd_t fd;

	if (c->pipe == NULL ||
	    uv_fileno((uv_handle_t *)&c->pipe->h, &fd) != 0) {
		return;
	}
	if (c->rbuf == NULL) {
		c->rbuf = fv_xmalloc(PROC_READ_CHUNK);
	}
	/* The dead child's own bytes fit in the pipe buffer; the bound
	 * stops a grandchild that keeps writing from holding the loop. */
	for (int i = 0; i < PROC_DRAIN_CHUNKS; i++) {
		ssize_t n = read(fd, c->rbuf, PROC_READ_CHUNK);

		if (n > 0) {
			proc_io_output(c, c->rbuf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n == 0) {
			proc_io_chan_stop(c);
		}
		return; /* EAGAIN: nothing more now */
	}
}

void
proc_io_drain(struct proc *p)
{
	proc_io_chan_drain(&p->out);
	proc_io_chan_drain(&p->err);
}

void
proc_io_chan_reopen(struct proc_chan *c)
{
	if (c->log != NULL) {
		logfile_reopen(c->log);
	}
}

void
proc_io_chan_flush(struct proc_chan *c)
{
	if (c->log != NULL) {
		logfile_flush_sync(c->log);
	}
}
