/*
 * The log methods of 4.2.5's rpcinterface: reading and tailing the main
 * log and the process logs (readFile and tailFile semantics, offsets and
 * lengths as Python's int() reads them), and clearing them.
 *
 * A log file is read only if it is a regular file reached without a
 * symbolic link at its last component (O_NOFOLLOW, then fstat): a child
 * that swaps its log for a link to /etc/shadow gets nothing served
 * (RELIABILITY C5). No answer carries more than RPC_LOG_READ_MAX bytes,
 * whatever length a client asks for; what the log writer still queues is
 * written out first, so a read sees every byte logged before it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "log/mainlog.h"
#include "process/supervisor.h"
#include "rpc/rpc_methods.h"
#include "rpc/rpc_proc.h"

/* The most bytes one read or tail returns (4.2.5 has no bound). */
#define RPC_LOG_READ_MAX (16 * 1024 * 1024)

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

	/* O_NONBLOCK: a FIFO put in place of the log must not hold the
	 * loop in open(2); it is refused below anyway. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		return -errno;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	*sizep = st.st_size;
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

static int32_t
rpc_log_capped(long long v)
{
	return v > INT32_MAX ? INT32_MAX
	    : v < INT32_MIN  ? INT32_MIN
	                     : (int32_t)v;
}

static struct xr_value *
rpc_log_tail_value(struct xr_value *data, long long offset, bool overflow)
{
	struct xr_value *a = xr_array_new();

	xr_array_add_take(a, data);
	xr_array_add_take(a, xr_int_new(rpc_log_capped(offset)));
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
	return rpc_proc_pyint(xr_array_at(params, first), offset) &&
	    rpc_proc_pyint(xr_array_at(params, first + 1), length);
}

static enum rpc_status
rpc_log_answer_read(struct rpc_call *call, const struct xr_value *params,
    size_t first, const char *path)
{
	struct xr_value *data = NULL;
	long long offset, length;
	int code;

	if (!rpc_log_range(params, first, &offset, &length)) {
		return rpc_fault(call, RPC_FAULT_INCORRECT_PARAMETERS, NULL);
	}
	if ((code = rpc_log_read_file(path, offset, length, &data)) != 0) {
		return rpc_fault(call, code, NULL);
	}
	return rpc_result(call, data);
}

enum rpc_status
rpc_read_log(struct rpc_call *call, const struct xr_value *params)
{
	struct rpc_ctx *ctx = call->ctx;
	const char *path = ctx->ops != NULL && ctx->ops->mainlog_path != NULL
	    ? ctx->ops->mainlog_path(ctx->ops_arg)
	    : NULL;

	if (path == NULL) {
		return rpc_fault(call, RPC_FAULT_NO_FILE, NULL);
	}
	if (!rpc_log_exists(path)) {
		return rpc_fault(call, RPC_FAULT_NO_FILE, "%s", path);
	}
	/* mainlog_path has written out what was logged so far. */
	return rpc_log_answer_read(call, params, 0, path);
}

enum rpc_status
rpc_clear_log(struct rpc_call *call, const struct xr_value *params)
{
	struct rpc_ctx *ctx = call->ctx;
	const char *path = ctx->ops != NULL && ctx->ops->mainlog_path != NULL
	    ? ctx->ops->mainlog_path(ctx->ops_arg)
	    : NULL;

	if (path == NULL || !rpc_log_exists(path)) {
		return rpc_fault(call, RPC_FAULT_NO_FILE, NULL);
	}
	if (ctx->ops->mainlog_clear == NULL ||
	    ctx->ops->mainlog_clear(ctx->ops_arg) != 0) {
		return rpc_fault(call, RPC_FAULT_FAILED, NULL);
	}
	return rpc_result(call, xr_bool_new(true));
}

/* The process named by params[0], or NULL with a BAD_NAME fault set. */
static struct proc *
rpc_log_proc(struct rpc_call *call, const struct xr_value *params)
{
	const char *name = rpc_param_string(xr_array_at(params, 0), NULL);
	struct proc_group *g;
	struct proc *p;

	if (name == NULL) {
		rpc_fault(call, RPC_FAULT_INCORRECT_PARAMETERS, NULL);
		return NULL;
	}
	if (!supervisor_find(call->ctx->sv, name, &g, &p) || p == NULL) {
		rpc_fault(call, RPC_FAULT_BAD_NAME, "%s", name);
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
	proc_log_settle(p, ch);
	return rpc_log_answer_read(call, params, 1, path);
}

static enum rpc_status
rpc_log_tail_proc(
    struct rpc_call *call, const struct xr_value *params, enum evbus_channel ch)
{
	struct proc *p = rpc_log_proc(call, params);
	long long offset, length;
	const char *path;

	if (p == NULL) {
		return RPC_DONE;
	}
	path = proc_log_path(p, ch);
	if (path == NULL || !rpc_log_exists(path)) {
		return rpc_result(
		    call, rpc_log_tail_value(xr_string_new(""), 0, false));
	}
	if (!rpc_log_range(params, 1, &offset, &length)) {
		return rpc_fault(call, RPC_FAULT_INCORRECT_PARAMETERS, NULL);
	}
	proc_log_settle(p, ch);
	return rpc_result(call, rpc_log_tail_file(path, offset, length));
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
	const char *name = rpc_param_string(xr_array_at(params, 0), NULL);
	struct proc *p = rpc_log_proc(call, params);

	if (p == NULL) {
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
