/*
 * tail, maintail and fg: 4.2.5's argument checks, messages and exit codes,
 * and the log streams behind "-f" and fg. A stream runs on ctl->loop until
 * it ends or Ctrl-C stops it; SIGINT is watched with a uv_signal_t only
 * while a stream runs, and every handle opened here is closed before the
 * command returns, so the shell finds the loop, the terminal and stdin as
 * they were. This file never prints on a server's behalf: bytes from a
 * stream go to ctl->out as they arrive, unchanged.
 */
#include "cmd_tail.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <uv.h>

#include "common/buf.h"
#include "common/str.h"
#include "common/xalloc.h"
#include "config/cfg_expand.h"
#include "ctl.h"

/* 4.2.5's xmlrpc Faults the streaming commands tell apart. */
enum {
	CTL_TAIL_FAULT_BAD_NAME = 10,
	CTL_TAIL_FAULT_NO_FILE = 20,
	CTL_TAIL_FAULT_FAILED = 30,
	CTL_TAIL_FAULT_NOT_RUNNING = 70,
};

#define CTL_TAIL_STATE_RUNNING 20
#define CTL_TAIL_DEFAULT_BYTES 1600
/* One line typed for fg; a longer one ends fg rather than grow without
 * bound. */
#define CTL_TAIL_MAX_LINE (4u << 20)

/* What Python's xmlrpclib raises for an int it cannot marshal; 4.2.5's
 * onecmd prints it with the place it was raised. */
static const char ctl_tail_overflow[] =
    "error: <class 'OverflowError'>, int exceeds XML-RPC limits: "
    "file: /usr/lib/python3.11/xmlrpc/client.py line: 552";

struct ctl_follow;

/* One GET of a log stream. */
struct ctl_follow_stream {
	struct ctl_follow *f; /* borrowed: the owner */
	struct ctl_stream *st; /* NULL once ended or stopped */
	char *path; /* owned */
};

/* The state of tail -f, maintail -f or fg while it runs. */
struct ctl_follow {
	struct ctl *ctl; /* borrowed */
	struct ctl_follow_stream s[2];
	size_t ns;
	uv_signal_t sig;
	bool sig_open;
	bool interrupted; /* SIGINT came */
	int open_handles; /* handles not yet closed */
	/* fg's stdin: polled when it can be, else read when the loop is
	 * idle (a regular file or /dev/null never blocks). */
	uv_poll_t poll;
	uv_idle_t idle;
	bool polling, idling;
	int stdin_flags; /* fcntl flags to put back (libuv sets O_NONBLOCK) */
	struct fv_buf in; /* typed, not yet sent */
	bool eof; /* stdin ended (or the line was too long) */
	bool toolong;
};

/*
 * ctl_tail_pyint parses s as Python's int() parses a str in base 10: an
 * optional sign, digits, single '_' between digits. *big is set (and *out
 * saturated) when the value does not fit in 64 bits.
 */
static bool
ctl_tail_pyint(const char *s, int64_t *out, bool *big)
{
	bool neg = false, digit = false;
	uint64_t v = 0;

	*big = false;
	if (*s == '+' || *s == '-') {
		neg = *s == '-';
		s++;
	}
	for (; *s != '\0'; s++) {
		if (*s == '_' && digit && s[1] >= '0' && s[1] <= '9') {
			continue;
		}
		if (*s < '0' || *s > '9') {
			return false;
		}
		digit = true;
		if (v > (UINT64_MAX - 9) / 10) {
			*big = true;
		} else {
			v = v * 10 + (uint64_t)(*s - '0');
		}
	}
	if (!digit) {
		return false;
	}
	if (v > (uint64_t)INT64_MAX) {
		*big = true;
		v = (uint64_t)INT64_MAX;
	}
	*out = neg ? -(int64_t)v : (int64_t)v;
	return true;
}

/* ctl_tail_offset tells whether -bytes is an int XML-RPC can carry. */
static bool
ctl_tail_offset(int64_t bytes, bool big, int32_t *offset)
{
	if (big || bytes > (int64_t)INT32_MAX + 1 ||
	    bytes < -(int64_t)INT32_MAX) {
		return false;
	}
	*offset = (int32_t)-bytes;
	return true;
}

/* ctl_tail_fault_text is str() of Python's xmlrpclib.Fault (owned). */
static char *
ctl_tail_fault_text(const struct ctl_result *r)
{
	char *repr =
	    cfg_py_repr(r->fault_string != NULL ? r->fault_string : "");
	char *s = fv_xasprintf("<Fault %d: %s>", r->fault_code, repr);

	free(repr);
	return s;
}

static void
ctl_tail_line(struct ctl *ctl, const char *s)
{
	fprintf(ctl->out, "%s\n", s);
}

/* Python names socket errors by errno; these are the ones a connect can
 * meet. */
static const char *
ctl_tail_pyexc(int err)
{
	switch (err) {
	case -ECONNREFUSED:
		return "ConnectionRefusedError";
	case -ENOENT:
		return "FileNotFoundError";
	case -EACCES:
	case -EPERM:
		return "PermissionError";
	case -ETIMEDOUT:
		return "TimeoutError";
	default:
		return "OSError";
	}
}

static void
ctl_follow_on_data(void *arg, const char *p, size_t n)
{
	struct ctl_follow_stream *fs = arg;
	struct ctl *ctl = fs->f->ctl;
	FILE *out = ctl->out;

	fwrite(p, 1, n, out);
	if (fflush(out) != 0 || ferror(out)) {
		/* Nobody reads (tail -f | head): 4.2.5's listener reports
		 * the broken pipe on stderr and the stream ends. */
		fprintf(ctl->err,
		    "%s%s Cannot connect, error: <class 'BrokenPipeError'> "
		    "([Errno %d] %s)\n",
		    ctl_server_url(ctl->server), fs->path, EPIPE,
		    strerror(EPIPE));
		fflush(ctl->err);
		ctl_stream_stop(fs->st);
		fs->st = NULL;
	}
}

/* ctl_follow_on_end reports an ended stream as 4.2.5's http_client
 * Listener does: a refused status or a failed connect on stderr; a
 * stream the server closed, silently. */
static void
ctl_follow_on_end(void *arg, const struct ctl_result *r)
{
	struct ctl_follow_stream *fs = arg;
	struct ctl *ctl = fs->f->ctl;
	const char *url = ctl_server_url(ctl->server);

	fs->st = NULL;
	if (r->outcome == CTL_HTTP_ERROR) {
		fprintf(ctl->err, "%s%s Cannot read, status code %d\n", url,
		    fs->path, r->http_status);
	} else if (r->outcome == CTL_NET_ERROR &&
	    (r->err == -ECONNREFUSED || r->err == -ENOENT ||
	        r->err == -EACCES || r->err == -EPERM)) {
		fprintf(ctl->err,
		    "%s%s Cannot connect, error: <class '%s'> "
		    "([Errno %d] %s)\n",
		    url, fs->path, ctl_tail_pyexc(r->err), -r->err,
		    strerror(-r->err));
	}
	fflush(ctl->err);
}

static void
ctl_follow_on_sigint(uv_signal_t *h, int signum)
{
	struct ctl_follow *f = h->data;

	(void)signum;
	f->interrupted = true;
}

static void
ctl_follow_on_close(uv_handle_t *h)
{
	struct ctl_follow *f = h->data;

	f->open_handles--;
}

static bool
ctl_follow_running(const struct ctl_follow *f)
{
	for (size_t i = 0; i < f->ns; i++) {
		if (f->s[i].st != NULL) {
			return true;
		}
	}
	return false;
}

/* ctl_follow_start opens the streams of paths[] and the SIGINT watcher. */
static int
ctl_follow_start(
    struct ctl_follow *f, struct ctl *ctl, const char *const *paths, size_t n)
{
	int rv;

	memset(f, 0, sizeof(*f));
	f->ctl = ctl;
	f->stdin_flags = -1;
	fv_buf_init(&f->in, CTL_TAIL_MAX_LINE);
	if ((rv = uv_signal_init(&ctl->loop, &f->sig)) != 0) {
		return rv;
	}
	f->sig.data = f;
	f->sig_open = true;
	f->open_handles++;
	if ((rv = uv_signal_start(&f->sig, ctl_follow_on_sigint, SIGINT)) !=
	    0) {
		return rv;
	}
	for (size_t i = 0; i < n; i++) {
		struct ctl_follow_stream *fs = &f->s[f->ns++];

		fs->f = f;
		fs->path = fv_xstrdup(paths[i]);
		fs->st = ctl_stream_open(ctl->server, fs->path,
		    ctl_follow_on_data, ctl_follow_on_end, fs);
	}
	return 0;
}

/* ctl_follow_finish stops what still runs, closes every handle and waits
 * for their close callbacks, so f may go out of scope. */
static void
ctl_follow_finish(struct ctl_follow *f)
{
	for (size_t i = 0; i < f->ns; i++) {
		if (f->s[i].st != NULL) {
			ctl_stream_stop(f->s[i].st);
			f->s[i].st = NULL;
		}
		free(f->s[i].path);
	}
	if (f->sig_open) {
		uv_close((uv_handle_t *)&f->sig, ctl_follow_on_close);
	}
	if (f->polling) {
		uv_close((uv_handle_t *)&f->poll, ctl_follow_on_close);
	}
	if (f->idling) {
		uv_close((uv_handle_t *)&f->idle, ctl_follow_on_close);
	}
	while (f->open_handles > 0) {
		uv_run(&f->ctl->loop, UV_RUN_ONCE);
	}
	if (f->stdin_flags != -1) {
		fcntl(STDIN_FILENO, F_SETFL, f->stdin_flags);
	}
	fv_buf_fini(&f->in);
}

/* ctl_tailf is 4.2.5's _tailf: the banner, then the stream until it ends
 * or Ctrl-C, which prints an empty line. Always returns OK. */
static int
ctl_tailf(struct ctl *ctl, const char *path)
{
	struct ctl_follow f;
	int rv;

	ctl_tail_line(ctl, "==> Press Ctrl-C to exit <==");
	fflush(ctl->out);
	if ((rv = ctl_follow_start(&f, ctl, &path, 1)) == 0) {
		while (!f.interrupted && ctl_follow_running(&f)) {
			uv_run(&ctl->loop, UV_RUN_ONCE);
		}
	}
	ctl_follow_finish(&f);
	if (rv != 0) {
		return ctl_raisef(ctl, "error: %s", uv_strerror(rv));
	}
	if (f.interrupted) {
		ctl_tail_line(ctl, "");
	}
	return CTL_EXIT_OK;
}

void
ctl_tail_help(struct ctl *ctl)
{
	ctl_tail_line(ctl,
	    "tail [-f] <name> [stdout|stderr] (default stdout)\n"
	    "Ex:\n"
	    "tail -f <name>\t\tContinuous tail of named process stdout\n"
	    "\t\t\tCtrl-C to exit.\n"
	    "tail -100 <name>\tlast 100 *bytes* of process stdout\n"
	    "tail <name> stderr\tlast 1600 *bytes* of process stderr");
}

/* ctl_tail_read runs readProcess*Log / readLog and prints the text, or
 * 4.2.5's message for the faults it knows (who names the process). */
static int
ctl_tail_read(struct ctl *ctl, const char *method, const char *name,
    const char *who, int32_t offset)
{
	struct ctl_result r = { 0 };
	struct xr_value *params = xr_array_new();
	const char *why = NULL;
	int code = CTL_EXIT_OK;

	if (name != NULL) {
		xr_array_add_take(params, xr_string_new(name));
	}
	xr_array_add_take(params, xr_int_new(offset));
	xr_array_add_take(params, xr_int_new(0));
	if (!ctl_call_or_report(ctl, method, params, &r, &code)) {
		return code;
	}
	if (r.outcome == CTL_OK) {
		size_t n = 0;
		const char *s = xr_string_get(r.value, &n);

		fwrite(s != NULL ? s : "", 1, n, ctl->out);
		fputs("\n", ctl->out);
	} else if (r.fault_code == CTL_TAIL_FAULT_NO_FILE) {
		why = "no log file";
	} else if (r.fault_code == CTL_TAIL_FAULT_FAILED) {
		why = "unknown error reading log";
	} else if (r.fault_code == CTL_TAIL_FAULT_BAD_NAME && name != NULL) {
		why = "no such process name";
	} else {
		code = ctl_raise_fault(ctl, &r);
	}
	if (why != NULL) {
		fprintf(ctl->out, "%s: ERROR (%s)\n", who, why);
		code = CTL_EXIT_GENERIC;
	}
	ctl_result_fini(&r);
	return code;
}

int
ctl_tail_exec(struct ctl *ctl, int argc, char **argv)
{
	const char *modifier = NULL, *name;
	char channel[16] = "stdout";
	int64_t bytes = CTL_TAIL_DEFAULT_BYTES;
	bool follow = false, big = false;
	int32_t offset;
	int code;

	if ((code = ctl_upcheck(ctl)) != 0) {
		return code;
	}
	if (argc < 1 || argc > 3) {
		ctl_tail_line(ctl,
		    argc < 1 ? "Error: too few arguments"
		             : "Error: too many arguments");
		ctl_tail_help(ctl);
		return CTL_EXIT_GENERIC;
	}
	if (argv[0][0] == '-') {
		modifier = argv[0];
		argc--;
		argv++;
	}
	if (argc == 0) {
		ctl_tail_line(ctl, "Error: tail requires process name");
		return CTL_EXIT_GENERIC;
	}
	name = argv[0];
	if (argc > 1) {
		const char *ch = argv[argc - 1];

		/* 4.2.5 lower-cases the channel before it checks it. */
		if (!fv_str_caseeq(ch, "stdout") &&
		    !fv_str_caseeq(ch, "stderr")) {
			char *low = fv_str_lower(fv_xstrdup(ch));
			char *repr = cfg_py_repr(low);

			fprintf(ctl->out, "Error: bad channel %s\n", repr);
			free(repr);
			free(low);
			return CTL_EXIT_GENERIC;
		}
		fv_strlcpy(channel, ch, sizeof(channel));
		fv_str_lower(channel);
	}
	if (modifier != NULL) {
		if (strcmp(modifier + 1, "f") == 0) {
			follow = true;
		} else if (!ctl_tail_pyint(modifier + 1, &bytes, &big)) {
			fprintf(ctl->out, "Error: bad argument %s\n", modifier);
			return CTL_EXIT_GENERIC;
		}
	}
	if (follow) {
		char *path = fv_xasprintf("/logtail/%s/%s", name, channel);

		code = ctl_tailf(ctl, path);
		free(path);
		return code;
	}
	if (!ctl_tail_offset(bytes, big, &offset)) {
		return ctl_raisef(ctl, "%s", ctl_tail_overflow);
	}
	return ctl_tail_read(ctl,
	    strcmp(channel, "stdout") == 0 ? "supervisor.readProcessStdoutLog"
	                                   : "supervisor.readProcessStderrLog",
	    name, name, offset);
}

void
ctl_maintail_help(struct ctl *ctl)
{
	ctl_tail_line(ctl,
	    "maintail -f \tContinuous tail of supervisor main log file"
	    " (Ctrl-C to exit)\n"
	    "maintail -100\tlast 100 *bytes* of supervisord main log file\n"
	    "maintail\tlast 1600 *bytes* of supervisor main log file\n");
}

int
ctl_maintail_exec(struct ctl *ctl, int argc, char **argv)
{
	int64_t bytes = CTL_TAIL_DEFAULT_BYTES;
	bool big = false;
	int32_t offset;
	int code;

	if ((code = ctl_upcheck(ctl)) != 0) {
		return code;
	}
	if (argc > 1) {
		ctl_tail_line(ctl, "Error: too many arguments");
		ctl_maintail_help(ctl);
		return CTL_EXIT_GENERIC;
	}
	if (argc == 1) {
		if (strcmp(argv[0], "-f") == 0) {
			return ctl_tailf(ctl, "/mainlogtail");
		}
		if (argv[0][0] != '-' ||
		    !ctl_tail_pyint(argv[0] + 1, &bytes, &big)) {
			fprintf(ctl->out, "Error: bad argument %s\n", argv[0]);
			return CTL_EXIT_GENERIC;
		}
	}
	if (!ctl_tail_offset(bytes, big, &offset)) {
		return ctl_raisef(ctl, "%s", ctl_tail_overflow);
	}
	return ctl_tail_read(
	    ctl, "supervisor.readLog", NULL, "supervisord", offset);
}

void
ctl_fg_help(struct ctl *ctl)
{
	ctl_tail_line(
	    ctl, "fg <process>\tConnect to a process in foreground mode");
	ctl_tail_line(ctl, "\t\tCtrl-C to exit");
}

/* ctl_fg_take_input appends what stdin has; false at its end. */
static bool
ctl_fg_take_input(struct ctl_follow *f)
{
	char chunk[4096];
	ssize_t n;

	n = read(STDIN_FILENO, chunk, sizeof(chunk));
	if (n < 0) {
		return errno == EAGAIN || errno == EINTR;
	}
	if (n == 0) {
		return false;
	}
	if (fv_buf_append(&f->in, chunk, (size_t)n) != 0) {
		f->toolong = true;
		return false;
	}
	return true;
}

static void
ctl_fg_stdin_stop(struct ctl_follow *f)
{
	if (f->polling) {
		uv_poll_stop(&f->poll);
	}
	if (f->idling) {
		uv_idle_stop(&f->idle);
	}
}

static void
ctl_fg_on_readable(uv_poll_t *h, int status, int events)
{
	struct ctl_follow *f = h->data;

	(void)events;
	if (status < 0 || !ctl_fg_take_input(f)) {
		f->eof = true;
		ctl_fg_stdin_stop(f);
	}
}

static void
ctl_fg_on_idle(uv_idle_t *h)
{
	struct ctl_follow *f = h->data;

	if (!ctl_fg_take_input(f)) {
		f->eof = true;
		ctl_fg_stdin_stop(f);
	}
}

/* ctl_fg_stdin_start watches stdin for typed lines. */
static int
ctl_fg_stdin_start(struct ctl_follow *f)
{
	uv_loop_t *loop = &f->ctl->loop;
	int rv;

	f->stdin_flags = fcntl(STDIN_FILENO, F_GETFL);
	if (uv_poll_init(loop, &f->poll, STDIN_FILENO) == 0) {
		f->poll.data = f;
		f->polling = true;
		f->open_handles++;
		return uv_poll_start(&f->poll, UV_READABLE, ctl_fg_on_readable);
	}
	if ((rv = uv_idle_init(loop, &f->idle)) != 0) {
		return rv;
	}
	f->idle.data = f;
	f->idling = true;
	f->open_handles++;
	return uv_idle_start(&f->idle, ctl_fg_on_idle);
}

/*
 * ctl_fg_next_line takes the next typed line (owned, newline included as
 * 4.2.5 adds one), or NULL. At the end of input an unfinished line is
 * still a line, as Python's input() returns it.
 */
static char *
ctl_fg_next_line(struct ctl_follow *f)
{
	char *nl, *line;
	size_t n;

	if (f->in.len == 0) {
		return NULL; /* nothing typed yet: no buffer either */
	}
	nl = memchr(f->in.data, '\n', f->in.len);
	if (nl == NULL && !f->eof) {
		return NULL;
	}
	n = nl != NULL ? (size_t)(nl - f->in.data) : f->in.len;
	line = fv_xmalloc(n + 2);
	memcpy(line, f->in.data, n);
	line[n] = '\n';
	line[n + 1] = '\0';
	if (nl != NULL) {
		n++;
	}
	memmove(f->in.data, f->in.data + n, f->in.len - n);
	f->in.len -= n;
	f->in.data[f->in.len] = '\0';
	return line;
}

/*
 * ctl_fg_send gives line to the process as 4.2.5 does, then checks that
 * it still runs. Returns 1 to go on, 0 once fg has said why it ends, or
 * a negative CTL_RAISED with *code set.
 */
static int
ctl_fg_send(struct ctl *ctl, const char *name, const char *line, int *code)
{
	struct ctl_result r = { 0 };
	struct xr_value *params = xr_array_new();
	int32_t state = 0;
	char *text;

	xr_array_add_take(params, xr_string_new(name));
	xr_array_add_take(params, xr_string_new(line));
	if (!ctl_call_or_report(
	        ctl, "supervisor.sendProcessStdin", params, &r, code)) {
		return -1;
	}
	if (r.outcome == CTL_FAULT) {
		if (r.fault_code == CTL_TAIL_FAULT_NOT_RUNNING) {
			ctl_tail_line(ctl, "Process got killed");
		} else {
			text = ctl_tail_fault_text(&r);
			fprintf(ctl->out, "ERROR: %s\n", text);
			free(text);
		}
		ctl_result_fini(&r);
		return 0;
	}
	ctl_result_fini(&r);
	params = xr_array_new();
	xr_array_add_take(params, xr_string_new(name));
	if (!ctl_call_or_report(
	        ctl, "supervisor.getProcessInfo", params, &r, code)) {
		return -1;
	}
	if (r.outcome == CTL_FAULT) {
		*code = ctl_raise_fault(ctl, &r);
		ctl_result_fini(&r);
		return -1;
	}
	xr_int_get(xr_struct_get(r.value, "state"), &state);
	ctl_result_fini(&r);
	if (state != CTL_TAIL_STATE_RUNNING) {
		ctl_tail_line(ctl, "Process got killed");
		return 0;
	}
	return 1;
}

/* ctl_fg_attach streams the process's output and sends its input until
 * Ctrl-C, the end of stdin, or the process's end. */
static int
ctl_fg_attach(struct ctl *ctl, const char *name)
{
	struct ctl_follow f;
	struct termios saved, t;
	bool tty = false;
	char *paths[2], *line;
	int rv, code = CTL_EXIT_OK, go = 1;

	/* 4.2.5's shell reads fg's input with readline, which echoes no
	 * "^C"; outside the shell the terminal echoes it. */
	if (ctl->interactive && tcgetattr(STDIN_FILENO, &saved) == 0) {
		t = saved;
		t.c_lflag &= ~(tcflag_t)ECHOCTL;
		tty = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
	}
	paths[0] = fv_xasprintf("/logtail/%s/stdout", name);
	paths[1] = fv_xasprintf("/logtail/%s/stderr", name);
	if ((rv = ctl_follow_start(&f, ctl, (const char *const *)paths, 2)) ==
	    0) {
		rv = ctl_fg_stdin_start(&f);
	}
	while (rv == 0 && go > 0) {
		if (f.interrupted || f.toolong) {
			break;
		}
		if ((line = ctl_fg_next_line(&f)) != NULL) {
			go = ctl_fg_send(ctl, name, line, &code);
			free(line);
			continue;
		}
		if (f.eof) {
			break;
		}
		uv_run(&ctl->loop, UV_RUN_ONCE);
	}
	if (rv == 0 && go >= 0) {
		ctl_tail_line(ctl, "Exiting foreground");
	}
	ctl_follow_finish(&f);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	}
	free(paths[0]);
	free(paths[1]);
	if (rv != 0) {
		return ctl_raisef(ctl, "error: %s", uv_strerror(rv));
	}
	return go < 0 ? code : CTL_EXIT_OK;
}

int
ctl_fg_exec(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_result r = { 0 };
	struct xr_value *params;
	int32_t state = 0;
	char *text;
	int code;

	if ((code = ctl_upcheck(ctl)) != 0) {
		return code;
	}
	if (argc < 1) {
		ctl_tail_line(ctl, "ERROR: no process name supplied");
		ctl_fg_help(ctl);
		return CTL_EXIT_GENERIC;
	}
	if (argc > 1) {
		ctl_tail_line(ctl, "ERROR: too many process names supplied");
		return CTL_EXIT_GENERIC;
	}
	params = xr_array_new();
	xr_array_add_take(params, xr_string_new(argv[0]));
	if (!ctl_call_or_report(
	        ctl, "supervisor.getProcessInfo", params, &r, &code)) {
		return code;
	}
	if (r.outcome == CTL_FAULT) {
		/* 4.2.5 sets no exit status for a fault other than
		 * BAD_NAME. */
		code = CTL_EXIT_OK;
		if (r.fault_code == CTL_TAIL_FAULT_BAD_NAME) {
			ctl_tail_line(ctl, "ERROR: bad process name supplied");
			code = CTL_EXIT_GENERIC;
		} else {
			text = ctl_tail_fault_text(&r);
			fprintf(ctl->out, "ERROR: %s\n", text);
			free(text);
		}
		ctl_result_fini(&r);
		return code;
	}
	xr_int_get(xr_struct_get(r.value, "state"), &state);
	ctl_result_fini(&r);
	if (state != CTL_TAIL_STATE_RUNNING) {
		ctl_tail_line(ctl, "ERROR: process not running");
		return CTL_EXIT_GENERIC;
	}
	ctl_tail_line(ctl, "==> Press Ctrl-C to exit <==");
	fflush(ctl->out);
	return ctl_fg_attach(ctl, argv[0]);
}
