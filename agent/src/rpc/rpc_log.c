/*
 * The log methods of 4.2.5's rpcinterface: reading and tailing the main
 * log and the process logs (readFile and tailFile semantics, offsets and
 * lengths as Python's int() reads them), and clearing them.
 *
 * A log file is read only if it is a regular file reached without a
 * symbolic link at its last component (fv_file_open_log): a child that
 * swaps its log for a link to /etc/shadow gets nothing served
 * (RELIABILITY C5). No answer carries more than RPC_LOG_READ_MAX bytes,
 * whatever length a client asks for.
 *
 * A read sees every byte logged before it, as with 4.2.5's synchronous
 * writes, without blocking the loop behind a slow disk: when the log
 * writer still holds bytes, the call waits (RPC_PENDING) until the writer
 * reports them written, then reads. A writer stuck on a stalled disk does
 * not hold the call longer than RPC_LOG_WAIT_MS: it then answers with what
 * the file holds.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "common/file.h"
#include "common/xalloc.h"
#include "log/logfile.h"
#include "process/supervisor.h"
#include "rpc/rpc_methods.h"
#include "rpc/rpc_proc.h"

/* The most bytes one read or tail returns (4.2.5 has no bound). */
#define RPC_LOG_READ_MAX (16 * 1024 * 1024)

/* The longest a read waits for the log writer. */
#define RPC_LOG_WAIT_MS 2000

/* Offsets and lengths are clamped here, which changes nothing for a
 * real file and keeps every sum below below 2^63. */
#define RPC_LOG_CLAMP (1LL << 60)

static long long
rpc_log_clamp(long long v)
{
	return v > RPC_LOG_CLAMP ? RPC_LOG_CLAMP
	    : v < -RPC_LOG_CLAMP ? -RPC_LOG_CLAMP
	                         : v;
}

/* Opens path for reading if it is a regular file; -errno otherwise. */
static int
rpc_log_open(const char *path, off_t *sizep)
{
	struct stat st;
	int fd;

	if ((fd = fv_file_open_log(path, &st)) >= 0) {
		*sizep = st.st_size;
	}
	return fd;
}

/* Reads up to n bytes at pos into a new string value. */
static int
rpc_log_pread(int fd, long long pos, long long n, struct xr_value **out)
{
	char *buf = fv_xmalloc(n > 0 ? (size_t)n : 1);
	size_t got = 0;

	while ((long long)got < n) {
		ssize_t r = pread(fd, buf + got, (size_t)n - got,
		    (off_t)(pos + (long long)got));

		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r < 0) {
			int err = -errno;

			free(buf);
			return err;
		}
		if (r == 0) {
			break;
		}
		got += (size_t)r;
	}
	*out = xr_string_newn(buf, got);
	free(buf);
	return 0;
}

/*
 * 4.2.5 readFile(): FV_OK with *out, or the fault code (BAD_ARGUMENTS,
 * FAILED). Beyond RPC_LOG_READ_MAX, a tail read (offset < 0) keeps the
 * last bytes and a forward read the first ones.
 */
static int
rpc_log_read_file(
    const char *path, long long offset, long long length, struct xr_value **out)
{
	off_t size;
	long long sz, pos, n;
	int fd, code = 0;

	if ((fd = rpc_log_open(path, &size)) < 0) {
		return RPC_FAULT_FAILED;
	}
	sz = (long long)size;
	offset = rpc_log_clamp(offset);
	length = rpc_log_clamp(length);
	if (offset < 0) {
		if (length != 0) {
			code = RPC_FAULT_BAD_ARGUMENTS;
			goto out;
		}
		n = -offset;
		pos = sz - n < 0 ? 0 : sz - n;
		if (n > sz - pos) {
			n = sz - pos;
		}
		if (n > RPC_LOG_READ_MAX) {
			pos += n - RPC_LOG_READ_MAX;
			n = RPC_LOG_READ_MAX;
		}
	} else {
		if (length < 0) {
			code = RPC_FAULT_BAD_ARGUMENTS;
			goto out;
		}
		pos = offset;
		n = pos >= sz ? 0 : sz - pos;
		if (length != 0 && length < n) {
			n = length;
		}
		if (n > RPC_LOG_READ_MAX) {
			n = RPC_LOG_READ_MAX;
		}
	}
	if (rpc_log_pread(fd, pos, n, out) != 0) {
		code = RPC_FAULT_FAILED;
	}
out:
	close(fd);
	return code;
}

static struct xr_value *
rpc_log_tail_value(struct xr_value *data, long long offset, bool overflow)
{
	struct xr_value *a = xr_array_new();

	xr_array_add_take(a, data);
	xr_array_add_take(a, xr_int_new(rpc_capped_int(offset)));
	xr_array_add_take(a, xr_bool_new(overflow));
	return a;
}

/* 4.2.5 tailFile(): [bytes, size, overflow]; a file that cannot be read
 * gives ["", offset, false]. */
static struct xr_value *
rpc_log_tail_file(const char *path, long long offset, long long length)
{
	struct xr_value *data = NULL;
	bool overflow = false;
	off_t size;
	long long sz;
	int fd;

	if ((fd = rpc_log_open(path, &size)) < 0) {
		return rpc_log_tail_value(xr_string_new(""), offset, false);
	}
	sz = (long long)size;
	offset = rpc_log_clamp(offset);
	length = rpc_log_clamp(length);
	if (sz > offset + length) {
		overflow = true;
		offset = sz - 1;
	}
	if (offset + length > sz) {
		if (offset > sz - 1) {
			length = 0;
		}
		offset = sz - length;
	}
	if (offset < 0) {
		offset = 0;
	}
	if (length < 0) {
		length = 0;
	}
	/* Only bytes before the end exist; when more than the cap remain,
	 * keep the newest, which is what a tail is for. */
	if (length > sz - offset) {
		length = sz - offset > 0 ? sz - offset : 0;
	}
	if (length > RPC_LOG_READ_MAX) {
		offset += length - RPC_LOG_READ_MAX;
		length = RPC_LOG_READ_MAX;
	}
	if (length == 0 || rpc_log_pread(fd, offset, length, &data) != 0) {
		data = xr_string_new("");
	}
	close(fd);
	return rpc_log_tail_value(data, sz, overflow);
}

static bool
rpc_log_exists(const char *path)
{
	struct stat st;

	/* os.path.exists: follows links, so a dangling one is missing. */
	return stat(path, &st) == 0;
}

/* The offset and length params through Python's int(). */
static bool
rpc_log_range(const struct xr_value *params, size_t first, long long *offset,
    long long *length)
{
	return rpc_param_pyint(xr_array_at(params, first), offset) &&
	    rpc_param_pyint(xr_array_at(params, first + 1), length);
}

/* What a read answers once the file holds what it must see. */
struct rpc_log_req {
	bool tail; /* tailFile, else readFile */
	char *path; /* owned */
	long long offset, length;
};

/* rpc_log_answer reads the file now and sets call's outcome. */
static enum rpc_status
rpc_log_answer(struct rpc_call *call, const struct rpc_log_req *rq)
{
	struct xr_value *data = NULL;
	int code;

	if (rq->tail) {
		return rpc_result(
		    call, rpc_log_tail_file(rq->path, rq->offset, rq->length));
	}
	code = rpc_log_read_file(rq->path, rq->offset, rq->length, &data);
	if (code != 0) {
		return rpc_fault(call, code, NULL);
	}
	return rpc_result(call, data);
}

/*
 * A read waiting for a log writer: a process's (lf) or the main log's
 * (lf NULL, through the agent's ops). The registration with the writer
 * and the timer are the wait's; the call is answered from the timer, so
 * never from inside the writer's callback (a client's reaction to the
 * answer then finds the writer consistent).
 */
struct rpc_log_wait {
	struct rpc_call *call; /* borrowed */
	struct logfile *lf; /* borrowed while registered */
	bool registered; /* the writer will call rpc_log_on_written */
	struct rpc_log_req rq;
	uv_timer_t timer;
};

static void rpc_log_on_written(void *arg);

static void
rpc_log_wait_on_close(uv_handle_t *h)
{
	struct rpc_log_wait *w = h->data;

	free(w->rq.path);
	free(w);
}

/* Forgets the registration (if any) and frees w once its timer closes. */
static void
rpc_log_wait_free(struct rpc_log_wait *w)
{
	const struct rpc_ctx *ctx = w->call->ctx;

	if (w->registered && w->lf != NULL) {
		logfile_when_written_cancel(w->lf, rpc_log_on_written, w);
	} else if (w->registered) {
		ctx->ops->mainlog_when_written_cancel(
		    ctx->ops_arg, rpc_log_on_written, w);
	}
	w->registered = false;
	uv_close((uv_handle_t *)&w->timer, rpc_log_wait_on_close);
}

static void
rpc_log_wait_on_timer(uv_timer_t *t)
{
	struct rpc_log_wait *w = t->data;
	struct rpc_call *call = w->call;

	/* Written, or the writer is stuck (RPC_LOG_WAIT_MS): read now. */
	rpc_log_answer(call, &w->rq);
	rpc_log_wait_free(w);
	rpc_finish(call);
}

static void
rpc_log_on_written(void *arg)
{
	struct rpc_log_wait *w = arg;

	w->registered = false;
	uv_timer_start(&w->timer, rpc_log_wait_on_timer, 0, 0);
}

static void
rpc_log_wait_cancel(struct rpc_call *call)
{
	rpc_log_wait_free(call->wait);
}

/*
 * rpc_log_when_written answers rq once what the writer lf (NULL: the main
 * log's) holds now is in the file: at once when it holds nothing, or when
 * there is no writer to ask.
 */
static enum rpc_status
rpc_log_when_written(
    struct rpc_call *call, struct logfile *lf, struct rpc_log_req *rq)
{
	const struct rpc_ctx *ctx = call->ctx;
	struct rpc_log_wait *w;
	struct logfile_stats st;
	enum rpc_status rv;

	if (ctx->sv == NULL) {
		goto now;
	}
	if (lf != NULL) {
		logfile_stats(lf, &st);
		/* A pipe or device is not read back, and could stall. */
		if (st.special || st.pending == 0) {
			goto now;
		}
	} else if (ctx->ops == NULL || ctx->ops->mainlog_when_written == NULL ||
	    ctx->ops->mainlog_when_written_cancel == NULL) {
		/* The agent's mainlog_path wrote the lines out itself. */
		goto now;
	}
	w = fv_xcalloc(1, sizeof(*w));
	w->call = call;
	w->lf = lf;
	w->registered = lf != NULL
	    ? logfile_when_written(lf, rpc_log_on_written, w)
	    : ctx->ops->mainlog_when_written(
	          ctx->ops_arg, rpc_log_on_written, w);
	if (!w->registered) {
		free(w);
		goto now;
	}
	w->rq = *rq;
	rq->path = NULL;
	uv_timer_init(ctx->sv->loop, &w->timer);
	w->timer.data = w;
	uv_timer_start(&w->timer, rpc_log_wait_on_timer, RPC_LOG_WAIT_MS, 0);
	return rpc_wait(call, rpc_log_wait_cancel, w);
now:
	rv = rpc_log_answer(call, rq);
	free(rq->path);
	rq->path = NULL;
	return rv;
}

/* readFile of path once lf has written what it holds, with the offset
 * and length at params[first], params[first + 1]. */
static enum rpc_status
rpc_log_read_later(struct rpc_call *call, const struct xr_value *params,
    size_t first, struct logfile *lf, const char *path)
{
	struct rpc_log_req rq = { .tail = false };

	if (!rpc_log_range(params, first, &rq.offset, &rq.length)) {
		return rpc_fault(call, RPC_FAULT_INCORRECT_PARAMETERS, NULL);
	}
	rq.path = fv_xstrdup(path);
	return rpc_log_when_written(call, lf, &rq);
}

enum rpc_status
rpc_read_log(struct rpc_call *call, const struct xr_value *params)
{
	const char *path = rpc_mainlog_path(call->ctx);

	if (path == NULL) {
		return rpc_fault(call, RPC_FAULT_NO_FILE, NULL);
	}
	if (!rpc_log_exists(path)) {
		return rpc_fault(call, RPC_FAULT_NO_FILE, "%s", path);
	}
	return rpc_log_read_later(call, params, 0, NULL, path);
}

enum rpc_status
rpc_clear_log(struct rpc_call *call, const struct xr_value *params)
{
	struct rpc_ctx *ctx = call->ctx;
	const char *path = rpc_mainlog_path(ctx);

	if (path == NULL || !rpc_log_exists(path)) {
		return rpc_fault(call, RPC_FAULT_NO_FILE, NULL);
	}
	if (ctx->ops->mainlog_clear == NULL ||
	    ctx->ops->mainlog_clear(ctx->ops_arg) != 0) {
		return rpc_fault(call, RPC_FAULT_FAILED, NULL);
	}
	return rpc_result(call, xr_bool_new(true));
}

/* The process named by params[0], or NULL with a fault set. */
static struct proc *
rpc_log_proc(struct rpc_call *call, const struct xr_value *params)
{
	struct proc_group *g;
	struct proc *p;

	if (rpc_param_proc(call, params, true, &g, &p) == NULL) {
		return NULL;
	}
	return p;
}

static enum rpc_status
rpc_log_read_proc(
    struct rpc_call *call, const struct xr_value *params, enum evbus_channel ch)
{
	struct proc *p = rpc_log_proc(call, params);
	const char *path;

	if (p == NULL) {
		return RPC_DONE;
	}
	if ((path = proc_log_path(p, ch)) == NULL) {
		return rpc_fault(call, RPC_FAULT_NO_FILE, NULL);
	}
	if (!rpc_log_exists(path)) {
		return rpc_fault(call, RPC_FAULT_NO_FILE, "%s", path);
	}
	return rpc_log_read_later(
	    call, params, 1, proc_log_writer(p, ch), path);
}

static enum rpc_status
rpc_log_tail_proc(
    struct rpc_call *call, const struct xr_value *params, enum evbus_channel ch)
{
	struct proc *p = rpc_log_proc(call, params);
	struct rpc_log_req rq = { .tail = true };
	const char *path;

	if (p == NULL) {
		return RPC_DONE;
	}
	path = proc_log_path(p, ch);
	if (path == NULL || !rpc_log_exists(path)) {
		return rpc_result(
		    call, rpc_log_tail_value(xr_string_new(""), 0, false));
	}
	if (!rpc_log_range(params, 1, &rq.offset, &rq.length)) {
		return rpc_fault(call, RPC_FAULT_INCORRECT_PARAMETERS, NULL);
	}
	rq.path = fv_xstrdup(path);
	return rpc_log_when_written(call, proc_log_writer(p, ch), &rq);
}

enum rpc_status
rpc_read_process_stdout_log(
    struct rpc_call *call, const struct xr_value *params)
{
	return rpc_log_read_proc(call, params, EVBUS_STDOUT);
}

enum rpc_status
rpc_read_process_stderr_log(
    struct rpc_call *call, const struct xr_value *params)
{
	return rpc_log_read_proc(call, params, EVBUS_STDERR);
}

enum rpc_status
rpc_tail_process_stdout_log(
    struct rpc_call *call, const struct xr_value *params)
{
	return rpc_log_tail_proc(call, params, EVBUS_STDOUT);
}

enum rpc_status
rpc_tail_process_stderr_log(
    struct rpc_call *call, const struct xr_value *params)
{
	return rpc_log_tail_proc(call, params, EVBUS_STDERR);
}

enum rpc_status
rpc_clear_process_logs(struct rpc_call *call, const struct xr_value *params)
{
	struct proc_group *g;
	struct proc *p;
	const char *name;

	if ((name = rpc_param_proc(call, params, true, &g, &p)) == NULL) {
		return RPC_DONE;
	}
	if (proc_clear_logs(p) != 0) {
		return rpc_fault(call, RPC_FAULT_FAILED, "%s", name);
	}
	return rpc_result(call, xr_bool_new(true));
}

enum rpc_status
rpc_clear_all_process_logs(struct rpc_call *call, const struct xr_value *params)
{
	size_t n;
	struct rpc_proc_ref *refs = rpc_proc_list(call->ctx->sv, false, &n);
	struct xr_value *out = xr_array_new();

	/* 4.2.5 clears one process per poll; nothing can happen in
	 * between that changes the outcome, so all at once here. */
	for (size_t i = 0; i < n; i++) {
		char *ns = rpc_proc_namespec(refs[i].group, refs[i].proc);
		bool ok = proc_clear_logs(refs[i].proc) == 0;

		xr_array_add_take(out,
		    rpc_proc_result_struct(refs[i].group, refs[i].proc,
		        ok ? 0 : RPC_FAULT_FAILED, ok ? NULL : ns));
		free(ns);
	}
	free(refs);
	return rpc_result(call, out);
}
