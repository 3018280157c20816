/*
 * The /logtail/<namespec>[/stdout|/stderr] and /mainlogtail streams: 4.2.5's
 * logtail handlers. The file is named by the configuration (a process's
 * channel, the main log), never by the URL: the URL only selects a
 * configured process and one of two channel words. Each stream polls its
 * file with a timer, reads at most WEB_STREAM_CHUNK bytes per tick (so a
 * big backlog never holds the loop), and stops reading while the
 * connection's output is full. The log writer is asynchronous, but the
 * poll simply sees its bytes once they reach the file, like any reader.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "common/err.h"
#include "common/xalloc.h"
#include "process/supervisor.h"
#include "rpc/rpc.h"
#include "web/web_follow.h"
#include "web/web_form.h"
#include "web/web_int.h"

/* The most one tick reads and queues. */
#define WEB_STREAM_CHUNK (64 * 1024)
/* How often a stream looks at its file: often while it is being written,
 * less after WEB_STREAM_IDLE_TICKS quiet ticks, so that many idle
 * streams cost little. */
#define WEB_STREAM_POLL_MS   250
#define WEB_STREAM_IDLE_MS   1000
#define WEB_STREAM_IDLE_TICK 8

struct web_stream {
	struct web *web; /* borrowed; NULL once unlisted */
	struct http_exchange *ex; /* NULL once ended or aborted */
	struct web_follow f;
	uv_timer_t timer;
	unsigned idle; /* ticks in a row with nothing new */
	/* Inside a call into the server, an abort only marks the stream;
	 * the caller frees it once the call has returned. */
	bool in_server, aborted;
	LIST_ENTRY(web_stream) link;
};

static void
web_stream_unlink(struct web_stream *s)
{
	if (s->web != NULL) {
		LIST_REMOVE(s, link);
		s->web = NULL;
	}
}

void
web_streams_forget(struct web *w)
{
	while (!LIST_EMPTY(&w->streams)) {
		web_stream_unlink(LIST_FIRST(&w->streams));
	}
}

static void
web_stream_on_close(uv_handle_t *h)
{
	free(h->data);
}

/* web_stream_free releases s once its timer is closed; s->ex is already
 * the server's again. */
static void
web_stream_free(struct web_stream *s)
{
	s->ex = NULL;
	web_stream_unlink(s);
	web_follow_close(&s->f);
	uv_timer_stop(&s->timer);
	uv_close((uv_handle_t *)&s->timer, web_stream_on_close);
}

static void
web_stream_on_abort(void *arg)
{
	struct web_stream *s = arg;

	if (s->in_server) {
		s->aborted = true;
		s->ex = NULL;
		return;
	}
	web_stream_free(s);
}

/*
 * web_stream_enter and web_stream_leave bracket a call into the server
 * that writes to s->ex. web_stream_leave returns false when the exchange
 * was aborted meanwhile: s is then freed and must not be used.
 */
static void
web_stream_enter(struct web_stream *s)
{
	s->in_server = true;
}

static bool
web_stream_leave(struct web_stream *s)
{
	s->in_server = false;
	if (s->aborted) {
		web_stream_free(s);
		return false;
	}
	return true;
}

/* web_stream_end finishes the response (the file became unreadable or
 * something we will not follow) and frees s first: the server may end
 * the exchange inside http_stream_end. */
static void
web_stream_end(struct web_stream *s)
{
	struct http_exchange *ex = s->ex;

	http_exchange_on_abort(ex, NULL, NULL);
	web_stream_free(s);
	http_stream_end(ex);
}

static void web_stream_pump(struct web_stream *s);

static void
web_stream_on_timer(uv_timer_t *t)
{
	web_stream_pump(t->data);
}

static void
web_stream_on_drain(void *arg)
{
	struct web_stream *s = arg;

	/* Pump from the loop, never from inside the server's call. */
	if (s->ex != NULL) {
		uv_timer_start(&s->timer, web_stream_on_timer, 0, 0);
	}
}

static void
web_stream_pump(struct web_stream *s)
{
	char *buf = fv_xmalloc(WEB_STREAM_CHUNK);
	uint64_t next_ms;
	size_t n;
	int rv;

	rv = web_follow_next(&s->f, buf, WEB_STREAM_CHUNK, &n);
	if (rv < 0) {
		free(buf);
		web_stream_end(s);
		return;
	}
	if (n > 0) {
		web_stream_enter(s);
		rv = http_stream_write(s->ex, buf, n);
		if (!web_stream_leave(s)) {
			free(buf);
			return;
		}
	}
	free(buf);
	if (rv == FV_ETOOBIG) {
		/* Nothing was queued and nothing committed: the same bytes
		 * go out once the peer has read what it has. */
		web_stream_enter(s);
		http_stream_on_drain(s->ex, web_stream_on_drain, s);
		web_stream_leave(s);
		return;
	}
	if (rv < 0) {
		web_stream_end(s);
		return;
	}
	if (n > 0) {
		web_follow_commit(&s->f);
		s->idle = 0;
		/* A full chunk means more is likely waiting: come back on
		 * the next loop iteration, after other work. */
		next_ms = n == WEB_STREAM_CHUNK ? 0 : WEB_STREAM_POLL_MS;
	} else {
		s->idle++;
		next_ms = s->idle < WEB_STREAM_IDLE_TICK ? WEB_STREAM_POLL_MS
		                                         : WEB_STREAM_IDLE_MS;
	}
	uv_timer_start(&s->timer, web_stream_on_timer, next_ms, 0);
}

/*
 * web_stream_begin answers ex with a stream of the file at path (from the
 * configuration), or 404 when there is no file we may serve, as 4.2.5
 * answers a log that does not exist (yet).
 */
static void
web_stream_begin(struct web *w, struct http_exchange *ex, const char *path,
    bool accel_header)
{
	struct web_stream *s;
	char date[WEB_DATE_MAX];
	time_t mtime = 0;

	s = fv_xcalloc(1, sizeof(*s));
	if (path == NULL ||
	    web_follow_open(&s->f, path, WEB_FOLLOW_HEAD, &mtime) != 0) {
		free(s);
		http_respond_error(ex, 404, false);
		return;
	}
	uv_timer_init(w->sv->loop, &s->timer);
	s->timer.data = s;
	s->ex = ex;
	s->web = w;
	LIST_INSERT_HEAD(&w->streams, s, link);

	web_http_date(mtime, date);
	http_add_header(ex, "Last-Modified", date);
	if (accel_header) {
		/* Tell a reverse proxy (nginx) not to buffer the stream. */
		http_add_header(ex, "X-Accel-Buffering", "no");
	}
	http_exchange_on_abort(ex, web_stream_on_abort, s);
	web_stream_enter(s);
	http_stream_begin(ex, 200, "text/plain;charset=utf-8");
	if (web_stream_leave(s)) {
		uv_timer_start(&s->timer, web_stream_on_timer, 0, 0);
	}
}

/* web_method_get answers 405 to anything but GET; true for GET. */
static bool
web_method_get(struct http_exchange *ex, const struct http_request *req)
{
	if (strcmp(req->method, "GET") == 0) {
		return true;
	}
	http_add_header(ex, "Allow", "GET");
	http_respond_error(ex, 405, false);
	return false;
}

void
web_handle_logtail(
    void *arg, struct http_exchange *ex, const struct http_request *req)
{
	static const char prefix[] = "/logtail/";
	struct web *w = arg;
	struct proc_group *g;
	struct proc *p;
	const char *rest, *slash, *channel = "stdout";
	const struct proc_chan *c;
	char *ns;
	bool found;

	if (!web_method_get(ex, req)) {
		return;
	}
	/* The decoded path: "%3a" is ':' and "%2f" is '/', as 4.2.5
	 * decodes them; a "%00" can only make a name nobody has. */
	if (memchr(req->path, '\0', req->path_len) != NULL ||
	    strncmp(req->path, prefix, strlen(prefix)) != 0) {
		http_respond_error(ex, 404, false);
		return;
	}
	rest = req->path + strlen(prefix);
	if ((slash = strchr(rest, '/')) != NULL) {
		ns = fv_xstrndup(rest, (size_t)(slash - rest));
		channel = slash + 1;
	} else {
		ns = fv_xstrdup(rest);
	}
	found = supervisor_find(w->sv, ns, &g, &p) && p != NULL;
	free(ns);
	if (!found ||
	    (strcmp(channel, "stdout") != 0 &&
	        strcmp(channel, "stderr") != 0)) {
		http_respond_error(ex, 404, false);
		return;
	}
	c = strcmp(channel, "stdout") == 0 ? &p->out : &p->err;
	web_stream_begin(w, ex, c->logpath, true);
}

void
web_handle_mainlogtail(
    void *arg, struct http_exchange *ex, const struct http_request *req)
{
	struct web *w = arg;

	if (!web_method_get(ex, req)) {
		return;
	}
	web_stream_begin(w, ex, rpc_mainlog_path(w->rpc), false);
}
