/*
 * Running a controller's Command on this agent (fleet_exec.h).
 *
 * Threads: the loop thread owns the runner and dispatches every method
 * call; each command has a worker thread running a ctl session. The two
 * meet under x->mu only: a worker queues a call (x->calls) and waits on
 * x->cond for its `done`; the loop queues finished jobs (x->finished)
 * and is woken by x->async. Nothing the loop does waits on a worker,
 * except pthread_join of a worker that has already said it finished.
 */
#include "fleet_exec.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/xalloc.h"
#include "ctl.h"
#include "fleet_rows.h"
#include "process/proc_fsm.h"
#include "proto/fleet_codec.h"
#include "report.h"
#include "rpc/rpc.h"

/* A result's text stays well inside one message: past these the rest is
 * cut and a last line says so. */
#define FLEET_LINES_BYTES (2u << 20)
#define FLEET_TAIL_MAX    ((long long)FV_PROTO_PAYLOAD_MAX - 4096)

/* One method call a worker waits for, on the worker's stack. */
struct fleet_rpc {
	const char *method;
	struct xr_value *params; /* owned until done */
	struct ctl_result *r; /* the worker's */
	struct rpc_call call; /* on the loop thread */
	struct fleet_exec *x;
	bool done; /* under x->mu */
	struct fleet_rpc *next;
};

struct fleet_job {
	struct ctl sess; /* first: the bridge finds the job from it */
	struct fleet_exec *x;
	Fleetvisor__V1__Command__Action action;
	struct fv_strv args;
	Fleetvisor__V1__CommandResult *res; /* the worker's, then done's */
	fleet_exec_done_fn *done;
	void *arg;
	pthread_t thread;
	struct fleet_job *next; /* on x->jobs */
	bool finished; /* under x->mu: res is complete */
};

struct fleet_exec {
	uv_loop_t *loop;
	struct rpc_ctx *rpc;
	char *node;
	char *mainlog; /* the main log's path, or NULL */
	uv_async_t async;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct fleet_rpc *calls, **calls_tail; /* queued for the loop */
	struct fleet_job *jobs; /* every job not yet reaped */
	size_t njobs;
	/* Calls dispatched and waiting (start with wait...): the loop's. */
	struct fleet_rpc **pending;
	size_t npending;
	bool closing;
};

static const struct {
	Fleetvisor__V1__Command__Action action;
	const char *name;
} fleet_actions[] = {
	{ FLEETVISOR__V1__COMMAND__ACTION__ACTION_STATUS, "status" },
	{ FLEETVISOR__V1__COMMAND__ACTION__ACTION_START, "start" },
	{ FLEETVISOR__V1__COMMAND__ACTION__ACTION_STOP, "stop" },
	{ FLEETVISOR__V1__COMMAND__ACTION__ACTION_RESTART, "restart" },
	{ FLEETVISOR__V1__COMMAND__ACTION__ACTION_SIGNAL, "signal" },
	{ FLEETVISOR__V1__COMMAND__ACTION__ACTION_CLEAR, "clear" },
	{ FLEETVISOR__V1__COMMAND__ACTION__ACTION_REREAD, "reread" },
	{ FLEETVISOR__V1__COMMAND__ACTION__ACTION_UPDATE, "update" },
	{ FLEETVISOR__V1__COMMAND__ACTION__ACTION_ADD, "add" },
	{ FLEETVISOR__V1__COMMAND__ACTION__ACTION_REMOVE, "remove" },
	{ FLEETVISOR__V1__COMMAND__ACTION__ACTION_TAIL, "tail" },
	{ FLEETVISOR__V1__COMMAND__ACTION__ACTION_VERSION, "version" },
	{ FLEETVISOR__V1__COMMAND__ACTION__ACTION_PID, "pid" },
	{ FLEETVISOR__V1__COMMAND__ACTION__ACTION_AVAIL, "avail" },
	{ FLEETVISOR__V1__COMMAND__ACTION__ACTION_REOPEN, "reopen" },
	{ FLEETVISOR__V1__COMMAND__ACTION__ACTION_RELOAD, "reload" },
	{ FLEETVISOR__V1__COMMAND__ACTION__ACTION_SHUTDOWN, "shutdown" },
	{ FLEETVISOR__V1__COMMAND__ACTION__ACTION_MAINTAIL, "maintail" },
};

static const char *
fleet_action_name(Fleetvisor__V1__Command__Action a)
{
	for (size_t i = 0; i < sizeof(fleet_actions) / sizeof(fleet_actions[0]);
	     i++) {
		if (fleet_actions[i].action == a) {
			return fleet_actions[i].name;
		}
	}
	return NULL;
}

const char *
fleet_exec_check(const Fleetvisor__V1__Command *cmd)
{
	if (fleet_action_name(cmd->action) == NULL) {
		return "an action this agent does not know";
	}
	for (size_t i = 0; i < cmd->n_args; i++) {
		const char *w = cmd->args[i];

		if (*w == '\0') {
			return "an empty word";
		}
		for (const char *c = w; *c != '\0'; c++) {
			/* Blanks would split the word, ';' would start
			 * another command. */
			if (*c == ';' || isspace((unsigned char)*c) ||
			    iscntrl((unsigned char)*c)) {
				return "a word with ';', a blank or a control "
				       "character";
			}
		}
	}
	return NULL;
}

/* --- Results ------------------------------------------------------------ */

Fleetvisor__V1__CommandResult *
fleet_result_new(const char *host,
    Fleetvisor__V1__CommandResult__Outcome outcome, int code, const char *line)
{
	Fleetvisor__V1__CommandResult *r = fv_xmalloc(sizeof(*r));

	fleetvisor__v1__command_result__init(r);
	r->host = fv_xstrdup(host);
	r->outcome = outcome;
	r->exit_code = code;
	if (line != NULL) {
		r->lines = fv_xmalloc(sizeof(*r->lines));
		r->lines[r->n_lines++] = fleet_str(line);
	}
	return r;
}

static void
fleet_strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i]);
	}
	free(v);
}

void
fleet_result_free(Fleetvisor__V1__CommandResult *r)
{
	if (r == NULL) {
		return;
	}
	free(r->host);
	if (r->fault_string != protobuf_c_empty_string) {
		free(r->fault_string);
	}
	fleet_strings_free(r->lines, r->n_lines);
	fleet_strings_free(r->err_lines, r->n_err_lines);
	for (size_t i = 0; i < r->n_processes; i++) {
		fleet_procinfo_free(r->processes[i]);
	}
	free(r->processes);
	for (size_t i = 0; i < r->n_configs; i++) {
		fleet_configinfo_free(r->configs[i]);
	}
	free(r->configs);
	if (r->tail != NULL) {
		free(r->tail->data.data);
		free(r->tail);
	}
	free(r);
}

/* A growing list of lines bounded in count and bytes. */
struct fleet_lines {
	char ***v;
	size_t *n;
	size_t cap;
	size_t bytes;
	bool cut;
};

/* The lines of one list are added in one go (fleet_text_lines), so the
 * capacity starts from what the list holds. */

/* Raw bytes per string: even if every byte were invalid UTF-8 and
 * became U+FFFD (3 bytes), the string fits FV_PROTO_TEXT_MAX. */
#define FLEET_CHUNK (FV_PROTO_TEXT_MAX / 3)

static void
fleet_line_push(struct fleet_lines *l, char *s)
{
	if (*l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		*l->v = fv_xreallocarray(*l->v, l->cap, sizeof(**l->v));
	}
	(*l->v)[(*l->n)++] = s;
	l->bytes += strlen(s);
}

/* fleet_line_add adds one line; a longer one than a string may hold
 * goes as several, cut on character boundaries. */
static void
fleet_line_add(struct fleet_lines *l, const char *p, size_t len)
{
	do {
		if (l->cut) {
			return;
		}
		if (*l->n + 1 >= FV_PROTO_LINES_MAX ||
		    l->bytes >= FLEET_LINES_BYTES) {
			l->cut = true;
			fleet_line_push(l,
			    fv_xstrdup("(the rest of the output was cut: too "
			               "long to send)"));
			return;
		}
		size_t k = len < FLEET_CHUNK ? len : FLEET_CHUNK;

		while (
		    k < len && k > 0 && ((unsigned char)p[k] & 0xC0) == 0x80) {
			k--;
		}
		if (k == 0) {
			k = len < FLEET_CHUNK ? len : FLEET_CHUNK;
		}
		fleet_line_push(l, fleet_text(p, k));
		p += k;
		len -= k;
	} while (len > 0);
}

/* fleet_text_lines adds each line of n bytes at p (the last one even
 * without its newline). */
static void
fleet_text_lines(char ***v, size_t *n, const char *p, size_t len)
{
	struct fleet_lines l = { .v = v, .n = n, .cap = *n };

	while (len > 0) {
		const char *nl = memchr(p, '\n', len);
		size_t k = nl != NULL ? (size_t)(nl - p) : len;

		fleet_line_add(&l, p, k);
		k += nl != NULL;
		p += k;
		len -= k;
	}
}

static void
fleet_result_line(char ***v, size_t *n, const char *line)
{
	fleet_text_lines(v, n, line, strlen(line));
}

/* --- The bridge: a worker's calls, dispatched on the loop ---------------- */

static void
fleet_rpc_complete(struct fleet_rpc *c)
{
	struct fleet_exec *x = c->x;
	struct ctl_result *r = c->r;

	if (c->call.fault_code != 0) {
		r->outcome = CTL_FAULT;
		r->fault_code = c->call.fault_code;
		r->fault_string = c->call.fault_string;
		c->call.fault_string = NULL;
		r->msg = fv_xstrdup(
		    r->fault_string != NULL ? r->fault_string : "fault");
	} else {
		r->outcome = CTL_OK;
		r->value = c->call.result;
		c->call.result = NULL;
		if (r->value == NULL) {
			r->value = xr_bool_new(true);
		}
	}
	rpc_call_fini(&c->call);
	xr_value_free(c->params);
	c->params = NULL;
	pthread_mutex_lock(&x->mu);
	c->done = true;
	pthread_cond_broadcast(&x->cond);
	pthread_mutex_unlock(&x->mu);
}

/* fleet_rpc_fail ends a call that will not run: the worker sees what a
 * lost connection looks like. */
static void
fleet_rpc_fail(struct fleet_rpc *c)
{
	struct fleet_exec *x = c->x;

	c->r->outcome = CTL_NET_ERROR;
	c->r->err = -ECONNRESET;
	c->r->msg = fv_xstrdup("the agent is stopping its fleet link");
	xr_value_free(c->params);
	c->params = NULL;
	pthread_mutex_lock(&x->mu);
	c->done = true;
	pthread_cond_broadcast(&x->cond);
	pthread_mutex_unlock(&x->mu);
}

static void
fleet_pending_remove(struct fleet_exec *x, struct fleet_rpc *c)
{
	for (size_t i = 0; i < x->npending; i++) {
		if (x->pending[i] == c) {
			x->pending[i] = x->pending[--x->npending];
			return;
		}
	}
}

static void
fleet_rpc_on_done(struct rpc_call *call, void *arg)
{
	struct fleet_rpc *c = arg;

	(void)call;
	fleet_pending_remove(c->x, c);
	fleet_rpc_complete(c);
}

/* On the worker thread: ctl->call. */
static void
fleet_bridge_call(struct ctl *ctl, const char *method, struct xr_value *params,
    struct ctl_result *r)
{
	struct fleet_job *j = (struct fleet_job *)(void *)ctl;
	struct fleet_exec *x = j->x;
	struct fleet_rpc c = { .method = method,
		.params = params != NULL ? params : xr_array_new(),
		.r = r,
		.x = x };

	memset(r, 0, sizeof(*r));
	pthread_mutex_lock(&x->mu);
	if (x->closing) {
		pthread_mutex_unlock(&x->mu);
		fleet_rpc_fail(&c);
		return;
	}
	*x->calls_tail = &c;
	x->calls_tail = &c.next;
	pthread_cond_broadcast(&x->cond); /* a closing runner waits */
	pthread_mutex_unlock(&x->mu);
	uv_async_send(&x->async);
	pthread_mutex_lock(&x->mu);
	while (!c.done) {
		pthread_cond_wait(&x->cond, &x->mu);
	}
	pthread_mutex_unlock(&x->mu);
}

/* --- tail and maintail: bytes and where they end ------------------------- */

/* fleet_parse_mod reads "-N" (the last N bytes) or "+OFF" (from OFF on). */
static bool
fleet_parse_mod(const char *w, bool *from, long long *n)
{
	char *end;

	if ((w[0] != '-' && w[0] != '+') || !isdigit((unsigned char)w[1])) {
		return false;
	}
	errno = 0;
	*n = strtoll(w + 1, &end, 10);
	*from = w[0] == '+';
	return errno == 0 && *end == '\0' && *n >= 0 && *n <= INT32_MAX;
}

static void
fleet_tail_set(Fleetvisor__V1__CommandResult *res, const void *p, size_t n,
    int64_t offset, bool overflow)
{
	res->tail = fv_xmalloc(sizeof(*res->tail));
	fleetvisor__v1__tail_chunk__init(res->tail);
	res->tail->data.data = fv_xmalloc(n > 0 ? n : 1);
	memcpy(res->tail->data.data, p, n);
	res->tail->data.len = n;
	res->tail->offset = offset;
	res->tail->overflow = overflow;
}

/* fleet_tail_fault writes 4.2.5's message for a failed log read of who
 * (its templates in do_tail and do_maintail); false for a fault 4.2.5
 * lets escape, which the session prints as it prints any. */
static bool
fleet_tail_fault(struct fleet_job *j, const char *who,
    const struct ctl_result *r, bool process)
{
	const char *why;

	switch (r->fault_code) {
	case RPC_FAULT_NO_FILE:
		why = "no log file";
		break;
	case RPC_FAULT_FAILED:
		why = "unknown error reading log";
		break;
	case RPC_FAULT_BAD_NAME:
		why = process ? "no such process name" : NULL;
		break;
	default:
		why = NULL;
		break;
	}
	if (why == NULL) {
		return false;
	}
	char *line = fv_xasprintf("%s: ERROR (%s)", who, why);
	fleet_result_line(&j->res->lines, &j->res->n_lines, line);
	free(line);
	j->res->exit_code = CTL_EXIT_GENERIC;
	return true;
}

/*
 * fleet_read_log reads a log file for tail and maintail with 64-bit
 * offsets (XML-RPC's are 32-bit): "-N" (from false) the last N bytes,
 * "+OFF" what follows OFF, at most FLEET_TAIL_MAX bytes (the newest, with
 * overflow set, when more came), from the start again when the file is
 * shorter than OFF (rotated or truncated). The chunk's offset is where
 * the bytes end: the next poll's +OFF. -errno when the file cannot be
 * opened or read.
 */
static int
fleet_read_log(struct fleet_job *j, const char *path, bool from, long long k)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	long long size, start, len;
	bool overflow = false;
	char *buf;
	ssize_t got;
	size_t have = 0;

	if (fd < 0) {
		return -errno;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	size = (long long)st.st_size;
	if (!from) {
		start = size > k ? size - k : 0;
		overflow = size > k;
	} else {
		start = k <= size ? k : 0;
	}
	if (size - start > FLEET_TAIL_MAX) {
		start = size - FLEET_TAIL_MAX;
		overflow = true;
	}
	len = size - start;
	buf = fv_xmalloc((size_t)len + 1);
	while (have < (size_t)len) {
		got = pread(fd, buf + have, (size_t)len - have,
		    (off_t)(start + (long long)have));
		if (got < 0 && errno == EINTR) {
			continue;
		}
		if (got <= 0) {
			break; /* truncated meanwhile: what we have */
		}
		have += (size_t)got;
	}
	close(fd);
	fleet_tail_set(j->res, buf, have, start + (long long)have, overflow);
	free(buf);
	return 0;
}

/* fleet_logfile asks the agent for name's log file on channel (stdout or
 * stderr) into *path (owned); false with 4.2.5's message written when
 * there is none or no such process. */
static bool
fleet_logfile(
    struct fleet_job *j, const char *name, const char *channel, char **path)
{
	struct ctl_result r;
	struct xr_value *p = xr_array_new();
	char member[32];
	bool ok = false;

	xr_array_add_take(p, xr_string_new(name));
	fleet_bridge_call(&j->sess, "supervisor.getProcessInfo", p, &r);
	snprintf(member, sizeof(member), "%s_logfile", channel);
	if (r.outcome == CTL_OK) {
		const char *f =
		    xr_string_get(xr_struct_get(r.value, member), NULL);

		if (f != NULL && f[0] == '/') {
			*path = fv_xstrdup(f);
			ok = true;
		} else {
			r.outcome = CTL_FAULT;
			r.fault_code = RPC_FAULT_NO_FILE; /* as 4.2.5's read */
		}
	}
	if (!ok &&
	    !(r.outcome == CTL_FAULT && fleet_tail_fault(j, name, &r, true))) {
		char *line = fv_xasprintf("%s: ERROR (%s)", name,
		    r.msg != NULL ? r.msg : "cannot read its log");

		fleet_result_line(&j->res->lines, &j->res->n_lines, line);
		free(line);
		j->res->exit_code = CTL_EXIT_GENERIC;
	}
	ctl_result_fini(&r);
	return ok;
}

/*
 * fleet_tail runs tail with words [-N|+OFF] NAME [stdout|stderr] by
 * reading the log itself, so that the result says where the bytes end
 * (the next +OFF), past 2 GiB too. Returns false for any other shape of
 * words, which the session then handles as tail does (its usage
 * messages).
 */
static bool
fleet_tail(struct fleet_job *j)
{
	char **w = j->args.v;
	size_t n = j->args.n, i = 0;
	bool from = false;
	long long k = 1600;
	const char *channel = "stdout";
	char *path = NULL;

	if (n > 0 && (w[0][0] == '-' || w[0][0] == '+')) {
		if (!fleet_parse_mod(w[0], &from, &k)) {
			return false;
		}
		i = 1;
	}
	if (n - i < 1 || n - i > 2) {
		return false;
	}
	if (n - i == 2) {
		channel = w[i + 1];
		if (strcmp(channel, "stdout") != 0 &&
		    strcmp(channel, "stderr") != 0) {
			return false;
		}
	}
	if (!fleet_logfile(j, w[i], channel, &path)) {
		return true;
	}
	if (fleet_read_log(j, path, from, k) != 0) {
		if (from) {
			/* Not there (yet, or rotated away): nothing new. */
			fleet_tail_set(j->res, "", 0, k, false);
		} else {
			char *line =
			    fv_xasprintf("%s: ERROR (no log file)", w[i]);

			fleet_result_line(
			    &j->res->lines, &j->res->n_lines, line);
			free(line);
			j->res->exit_code = CTL_EXIT_GENERIC;
		}
	}
	free(path);
	return true;
}

/* fleet_maintail is fleet_tail for maintail's [-N|+OFF]. */
static bool
fleet_maintail(struct fleet_job *j)
{
	bool from = false;
	long long k = 1600;

	if (j->args.n > 1 ||
	    (j->args.n == 1 && !fleet_parse_mod(j->args.v[0], &from, &k))) {
		return false;
	}
	if (j->x->mainlog == NULL ||
	    fleet_read_log(j, j->x->mainlog, from, k) != 0) {
		fleet_result_line(&j->res->lines, &j->res->n_lines,
		    "supervisord: ERROR (no log file)");
		j->res->exit_code = CTL_EXIT_GENERIC;
	}
	return true;
}

/* --- The worker ----------------------------------------------------------- */

/*
 * fleet_pid_row is the row of pid's record about spec: the process's
 * whole info (getAllProcessInfo, asked once per command), so that the
 * row is a true one; {pid} and the names alone if it is gone meanwhile.
 */
static Fleetvisor__V1__ProcessInfo *
fleet_pid_row(struct fleet_job *j, struct xr_value **all, const char *spec,
    const struct xr_value *fields)
{
	Fleetvisor__V1__ProcessInfo *p;
	const char *colon = strchr(spec, ':');

	if (*all == NULL) {
		struct ctl_result r;

		fleet_bridge_call(
		    &j->sess, "supervisor.getAllProcessInfo", NULL, &r);
		*all = r.outcome == CTL_OK ? r.value : xr_array_new();
		r.value = NULL;
		ctl_result_fini(&r);
	}
	for (size_t i = 0; i < xr_array_len(*all); i++) {
		const struct xr_value *info = xr_array_at(*all, i);
		const char *name =
		               xr_string_get(xr_struct_get(info, "name"), NULL),
		           *group = xr_string_get(
		               xr_struct_get(info, "group"), NULL);

		if (name == NULL || group == NULL) {
			continue;
		}
		if (colon != NULL
		        ? strncmp(spec, group, (size_t)(colon - spec)) == 0 &&
		            group[colon - spec] == '\0' &&
		            strcmp(colon + 1, name) == 0
		        : strcmp(spec, name) == 0 && strcmp(spec, group) == 0) {
			return fleet_procinfo_new(info);
		}
	}
	p = fleet_procinfo_new(fields);
	free(p->name);
	free(p->group);
	free(p->statename);
	p->group = colon != NULL ? fleet_text(spec, (size_t)(colon - spec))
	                         : fleet_str(spec);
	p->name = fleet_str(colon != NULL ? colon + 1 : spec);
	p->state = p->pid > 0 ? PROC_RUNNING : PROC_STOPPED;
	p->statename = fv_xstrdup(p->pid > 0 ? "RUNNING" : "STOPPED");
	return p;
}

/* fleet_report_rows turns report records into rows, and the records
 * about failures back into the lines the command prints for them. */
static void
fleet_report_rows(struct fleet_job *j, const struct ctl_report *rep)
{
	Fleetvisor__V1__CommandResult *res = j->res;
	bool pid = j->action == FLEETVISOR__V1__COMMAND__ACTION__ACTION_PID;
	bool avail = j->action == FLEETVISOR__V1__COMMAND__ACTION__ACTION_AVAIL;
	struct xr_value *all = NULL;

	for (size_t i = 0; i < rep->n; i++) {
		const struct ctl_record *rec = &rep->v[i];

		if (rec->error != NULL || rec->fields == NULL) {
			char *line;

			if (rec->namespec == NULL) {
				line = fv_xstrdup(
				    rec->error != NULL ? rec->error : "");
			} else if (pid) {
				line = fv_xasprintf(
				    "No such process %s", rec->namespec);
			} else {
				line = fv_xasprintf("%s: ERROR (%s)",
				    rec->namespec,
				    rec->error != NULL ? rec->error : "");
			}
			fleet_result_line(&res->lines, &res->n_lines, line);
			free(line);
			continue;
		}
		if (avail) {
			if (res->n_configs >= FV_PROTO_PROCS_MAX) {
				continue;
			}
			res->configs = fv_xreallocarray(res->configs,
			    res->n_configs + 1, sizeof(*res->configs));
			res->configs[res->n_configs++] =
			    fleet_configinfo_new(rec->fields);
			continue;
		}
		if (pid && rec->namespec == NULL) {
			/* supervisord's own pid: the line pid prints. */
			const struct xr_value *v =
			    xr_struct_get(rec->fields, "pid");
			int32_t n = 0;
			char line[16];

			(void)xr_int_get(v, &n);
			snprintf(line, sizeof(line), "%d", (int)n);
			fleet_result_line(&res->lines, &res->n_lines, line);
			continue;
		}
		if (res->n_processes >= FV_PROTO_PROCS_MAX) {
			continue;
		}
		Fleetvisor__V1__ProcessInfo *p = pid
		    ? fleet_pid_row(j, &all, rec->namespec, rec->fields)
		    : fleet_procinfo_new(rec->fields);

		res->processes = fv_xreallocarray(res->processes,
		    res->n_processes + 1, sizeof(*res->processes));
		res->processes[res->n_processes++] = p;
	}
	xr_value_free(all);
}

static char *
fleet_command_line(const struct fleet_job *j)
{
	struct fv_buf b;

	fv_buf_init(&b, SIZE_MAX);
	(void)fv_buf_puts(&b, fleet_action_name(j->action));
	for (size_t i = 0; i < j->args.n; i++) {
		(void)fv_buf_putc(&b, ' ');
		(void)fv_buf_puts(&b, j->args.v[i]);
	}
	return b.data;
}

static FILE *
fleet_memstream(char **p, size_t *n)
{
	FILE *f = open_memstream(p, n);

	if (f == NULL) {
		fv_xmalloc(SIZE_MAX); /* aborts, as every failed allocation */
	}
	return f;
}

static void *
fleet_worker(void *arg)
{
	struct fleet_job *j = arg;
	struct fleet_exec *x = j->x;
	struct ctl_options o = { 0 };
	char *out = NULL, *err = NULL;
	size_t outlen = 0, errlen = 0;
	FILE *fo = fleet_memstream(&out, &outlen),
	     *fe = fleet_memstream(&err, &errlen);
	bool direct = false;
	int code;

	/* The URL is never used: every call goes through the bridge. */
	o.serverurl = fv_xstrdup("unix:///fleetvisord-fleet-link");
	fv_strv_push(&o.serverurls, o.serverurl);
	o.prompt = fv_xstrdup("supervisor");
	if (ctl_init(&j->sess, &o, fo, fe) != 0) {
		abort(); /* a loop that cannot be made: as fatal as OOM */
	}
	j->sess.call = fleet_bridge_call;
	if (j->action == FLEETVISOR__V1__COMMAND__ACTION__ACTION_TAIL) {
		direct = fleet_tail(j);
	} else if (j->action ==
	    FLEETVISOR__V1__COMMAND__ACTION__ACTION_MAINTAIL) {
		direct = fleet_maintail(j);
	}
	if (!direct) {
		char *line = fleet_command_line(j);
		bool report = j->action ==
		        FLEETVISOR__V1__COMMAND__ACTION__ACTION_STATUS ||
		    j->action == FLEETVISOR__V1__COMMAND__ACTION__ACTION_PID ||
		    j->action == FLEETVISOR__V1__COMMAND__ACTION__ACTION_AVAIL;

		if (report) {
			struct ctl_report rep = { 0 };

			code = ctl_report_run(&j->sess, line, &rep);
			fleet_report_rows(j, &rep);
			ctl_report_fini(&rep);
		} else {
			code = ctl_onecmd(&j->sess, line);
		}
		free(line);
		j->res->exit_code = code < 0 ? 1 : code;
	}
	fclose(fo);
	fclose(fe);
	j->sess.out = j->sess.err = NULL;
	ctl_fini(&j->sess);
	if (!direct &&
	    (j->action == FLEETVISOR__V1__COMMAND__ACTION__ACTION_TAIL ||
	        j->action ==
	            FLEETVISOR__V1__COMMAND__ACTION__ACTION_MAINTAIL)) {
		/* The session printed the log (or why not): its bytes. */
		fleet_tail_set(j->res, out, outlen, 0, false);
	} else {
		fleet_text_lines(&j->res->lines, &j->res->n_lines, out, outlen);
	}
	fleet_text_lines(&j->res->err_lines, &j->res->n_err_lines, err, errlen);
	free(out);
	free(err);
	pthread_mutex_lock(&x->mu);
	j->finished = true;
	pthread_cond_broadcast(&x->cond); /* a closing runner waits */
	pthread_mutex_unlock(&x->mu);
	uv_async_send(&x->async);
	return NULL;
}

/* --- The loop side -------------------------------------------------------- */

static void
fleet_job_free(struct fleet_job *j)
{
	fv_strv_free(&j->args);
	fleet_result_free(j->res);
	free(j);
}

/* fleet_exec_take_finished unlinks a finished job; under x->mu. */
static struct fleet_job *
fleet_exec_take_finished(struct fleet_exec *x)
{
	for (struct fleet_job **p = &x->jobs; *p != NULL; p = &(*p)->next) {
		struct fleet_job *j = *p;

		if (j->finished) {
			*p = j->next;
			x->njobs--;
			return j;
		}
	}
	return NULL;
}

static void
fleet_exec_on_async(uv_async_t *h)
{
	struct fleet_exec *x = h->data;
	struct fleet_rpc *calls;
	struct fleet_job *done = NULL;

	pthread_mutex_lock(&x->mu);
	calls = x->calls;
	x->calls = NULL;
	x->calls_tail = &x->calls;
	for (struct fleet_job *j; (j = fleet_exec_take_finished(x)) != NULL;) {
		j->next = done;
		done = j;
	}
	pthread_mutex_unlock(&x->mu);
	while (calls != NULL) {
		struct fleet_rpc *c = calls;

		calls = c->next;
		memset(&c->call, 0, sizeof(c->call));
		c->call.ctx = x->rpc;
		c->call.on_done = fleet_rpc_on_done;
		c->call.on_done_arg = c;
		if (x->closing) {
			fleet_rpc_fail(c);
		} else if (rpc_dispatch(&c->call, c->method, c->params) ==
		    RPC_DONE) {
			fleet_rpc_complete(c);
		} else {
			x->pending = fv_xreallocarray(
			    x->pending, x->npending + 1, sizeof(*x->pending));
			x->pending[x->npending++] = c;
		}
	}
	while (done != NULL) {
		struct fleet_job *j = done;
		Fleetvisor__V1__CommandResult *res = j->res;

		done = j->next;
		pthread_join(j->thread, NULL);
		j->res = NULL;
		j->done(j->arg, res);
		fleet_job_free(j);
	}
}

struct fleet_exec *
fleet_exec_new(uv_loop_t *loop, struct rpc_ctx *rpc, const char *node)
{
	struct fleet_exec *x = fv_xcalloc(1, sizeof(*x));
	const char *mainlog = rpc_mainlog_path(rpc);

	x->loop = loop;
	x->rpc = rpc;
	x->node = fv_xstrdup(node);
	x->mainlog = mainlog != NULL ? fv_xstrdup(mainlog) : NULL;
	x->calls_tail = &x->calls;
	pthread_mutex_init(&x->mu, NULL);
	pthread_cond_init(&x->cond, NULL);
	if (uv_async_init(loop, &x->async, fleet_exec_on_async) != 0) {
		abort(); /* an eventfd: as fatal as OOM */
	}
	x->async.data = x;
	return x;
}

int
fleet_exec_start(struct fleet_exec *x, const Fleetvisor__V1__Command *cmd,
    fleet_exec_done_fn *done, void *arg)
{
	struct fleet_job *j;
	sigset_t all, old;

	if (x->closing) {
		return FV_ESTATE;
	}
	if (x->njobs >= FLEET_EXEC_MAX_JOBS) {
		return FV_ETOOBIG;
	}
	j = fv_xcalloc(1, sizeof(*j));
	j->x = x;
	j->action = cmd->action;
	for (size_t i = 0; i < cmd->n_args; i++) {
		fv_strv_push(&j->args, cmd->args[i]);
	}
	j->res = fleet_result_new(x->node,
	    FLEETVISOR__V1__COMMAND_RESULT__OUTCOME__OUTCOME_OK, 0, NULL);
	j->done = done;
	j->arg = arg;
	/* Signals belong to the loop thread (libuv's handlers). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rv = pthread_create(&j->thread, NULL, fleet_worker, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rv != 0) {
		fleet_job_free(j);
		return FV_ETOOBIG;
	}
	pthread_mutex_lock(&x->mu);
	j->next = x->jobs;
	x->jobs = j;
	x->njobs++;
	pthread_mutex_unlock(&x->mu);
	return 0;
}

size_t
fleet_exec_running(const struct fleet_exec *x)
{
	return x->njobs;
}

static void
fleet_exec_on_close(uv_handle_t *h)
{
	struct fleet_exec *x = h->data;

	pthread_mutex_destroy(&x->mu);
	pthread_cond_destroy(&x->cond);
	free(x->pending);
	free(x->node);
	free(x->mainlog);
	free(x);
}

void
fleet_exec_free(struct fleet_exec *x)
{
	if (x == NULL) {
		return;
	}
	pthread_mutex_lock(&x->mu);
	x->closing = true;
	pthread_mutex_unlock(&x->mu);
	/* Waiting methods are abandoned; their workers see a lost link. */
	while (x->npending > 0) {
		struct fleet_rpc *c = x->pending[--x->npending];

		rpc_call_cancel(&c->call);
		rpc_call_fini(&c->call);
		fleet_rpc_fail(c);
	}
	/* Until every worker is done: fail what they queue meanwhile. */
	for (;;) {
		struct fleet_rpc *calls;
		struct fleet_job *j = NULL;
		bool empty;

		pthread_mutex_lock(&x->mu);
		while (x->calls == NULL && x->jobs != NULL &&
		    (j = fleet_exec_take_finished(x)) == NULL) {
			pthread_cond_wait(&x->cond, &x->mu);
		}
		calls = x->calls;
		x->calls = NULL;
		x->calls_tail = &x->calls;
		empty = x->jobs == NULL;
		pthread_mutex_unlock(&x->mu);
		while (calls != NULL) {
			struct fleet_rpc *c = calls;

			calls = c->next;
			fleet_rpc_fail(c);
		}
		if (j != NULL) {
			pthread_join(j->thread, NULL);
			fleet_job_free(j);
		}
		if (empty) {
			break;
		}
	}
	uv_close((uv_handle_t *)&x->async, fleet_exec_on_close);
}
