/*
 * The process methods of 4.2.5's rpcinterface: start, stop and signal one
 * process, a group or all of them, process info, and stdin. Results,
 * fault codes and fault texts are 4.2.5's, and so is the order of the
 * result structs of the group and all variants.
 *
 * A start or stop with wait=true answers later: the call registers a
 * waiter that follows the processes' state changes on the supervisor's
 * bus and settles each process with 4.2.5's onwait rule, evaluated on
 * the current state (as 4.2.5's polling would see it). Answers go out
 * from a zero-delay timer, never from inside a state change, so a client
 * that reacts to the answer (a multicall's next call) finds the process
 * table consistent. A waiter never outlives its call: the call's cancel
 * detaches it, and it forgets a process as soon as its group goes away.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/xalloc.h"
#include "process/supervisor.h"
#include "rpc/rpc_methods.h"
#include "rpc/rpc_proc.h"

/* 4.2.5 repeats "waiting for NAME to stop" every 2 seconds. */
#define RPC_STOP_REPORT_MS 2000

/* --- Walking the table ------------------------------------------------ */

static int
rpc_proc_cmp_lexical(const void *a, const void *b)
{
	const struct rpc_proc_ref *x = a, *y = b;
	int c = strcmp(x->group->cfg->name, y->group->cfg->name);

	return c != 0 ? c : strcmp(proc_name(x->proc), proc_name(y->proc));
}

/* Python's list.sort() by priority is stable: insertion sort keeps it. */
static void
rpc_proc_sort_priority(struct rpc_proc_ref *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct rpc_proc_ref r = v[i];
		size_t j = i;

		while (j > 0 &&
		    v[j - 1].proc->cfg->priority > r.proc->cfg->priority) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = r;
	}
}

struct rpc_proc_ref *
rpc_proc_group_list(struct proc_group *g, size_t *np)
{
	struct rpc_proc_ref *v =
	    fv_xcalloc(g->nprocs ? g->nprocs : 1, sizeof(*v));

	for (size_t i = 0; i < g->nprocs; i++) {
		v[i] = (struct rpc_proc_ref){ g, g->procs[i] };
	}
	rpc_proc_sort_priority(v, g->nprocs);
	*np = g->nprocs;
	return v;
}

struct rpc_proc_ref *
rpc_proc_list(const struct supervisor *sv, bool lexical, size_t *np)
{
	struct rpc_proc_ref *v;
	size_t n = 0;

	for (size_t i = 0; i < sv->ngroups; i++) {
		n += sv->groups[i]->nprocs;
	}
	v = fv_xcalloc(n ? n : 1, sizeof(*v));
	n = 0;
	/* sv->groups is already in (priority, name) order. */
	for (size_t i = 0; i < sv->ngroups; i++) {
		size_t k;
		struct rpc_proc_ref *g = rpc_proc_group_list(sv->groups[i], &k);

		memcpy(&v[n], g, k * sizeof(*v));
		n += k;
		free(g);
	}
	if (lexical && n > 1) {
		qsort(v, n, sizeof(*v), rpc_proc_cmp_lexical);
	}
	*np = n;
	return v;
}

char *
rpc_proc_namespec(const struct proc_group *g, const struct proc *p)
{
	if (strcmp(g->cfg->name, proc_name(p)) == 0) {
		return fv_xstrdup(proc_name(p));
	}
	return fv_xasprintf("%s:%s", g->cfg->name, proc_name(p));
}

/* The fault text rpc_fault would make, for a result struct. */
static char *
rpc_proc_fault_text(int code, const char *detail)
{
	struct rpc_call scratch = { 0 };
	char *text;

	if (detail != NULL) {
		rpc_fault(&scratch, code, "%s", detail);
	} else {
		rpc_fault(&scratch, code, NULL);
	}
	text = scratch.fault_string;
	scratch.fault_string = NULL;
	rpc_call_fini(&scratch);
	return text;
}

static struct xr_value *
rpc_proc_result_names(
    const char *name, const char *group, int code, const char *detail)
{
	struct xr_value *s = xr_struct_new();

	xr_struct_set_take(s, "name", xr_string_new(name));
	xr_struct_set_take(s, "group", xr_string_new(group));
	if (code == 0) {
		xr_struct_set_take(s, "status", xr_int_new(RPC_FAULT_SUCCESS));
		xr_struct_set_take(s, "description", xr_string_new("OK"));
	} else {
		char *text = rpc_proc_fault_text(code, detail);

		xr_struct_set_take(s, "status", xr_int_new(code));
		xr_struct_set_take(s, "description", xr_string_new(text));
		free(text);
	}
	return s;
}

struct xr_value *
rpc_proc_result_struct(const struct proc_group *g, const struct proc *p,
    int code, const char *detail)
{
	return rpc_proc_result_names(proc_name(p), g->cfg->name, code, detail);
}

/* --- Parameters ------------------------------------------------------- */

/* Python's truth value of a param, for `if wait`. */
static bool
rpc_proc_truthy(const struct xr_value *v)
{
	int32_t i;
	bool b;
	double d;
	size_t n;

	switch (xr_value_type(v)) {
	case XR_INT:
		return xr_int_get(v, &i) && i != 0;
	case XR_BOOL:
		return xr_bool_get(v, &b) && b;
	case XR_DOUBLE:
		return xr_double_get(v, &d) && d != 0.0;
	case XR_STRING:
		xr_string_get(v, &n);
		return n > 0;
	case XR_BASE64:
		xr_base64_get(v, &n);
		return n > 0;
	case XR_ARRAY:
		return xr_array_len(v) > 0;
	case XR_STRUCT:
		return xr_struct_len(v) > 0;
	case XR_DATETIME:
		return true;
	}
	return true;
}

static bool
rpc_proc_wait_param(const struct xr_value *params, size_t i)
{
	const struct xr_value *v = xr_array_at(params, i);

	return v == NULL || rpc_proc_truthy(v);
}

static bool
rpc_proc_isspace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	    c == '\r';
}

/*
 * Python's int() of a string: blanks around, a sign, decimal digits with
 * single underscores between them. Out-of-range values saturate (*big).
 */
static bool
rpc_proc_pyint_str(const char *s, size_t n, long long *out)
{
	size_t i = 0, end = n;
	bool neg = false, digit = false;
	unsigned long long v = 0;

	while (i < end && rpc_proc_isspace(s[i])) {
		i++;
	}
	while (end > i && rpc_proc_isspace(s[end - 1])) {
		end--;
	}
	if (i < end && (s[i] == '+' || s[i] == '-')) {
		neg = s[i] == '-';
		i++;
	}
	for (; i < end; i++) {
		if (s[i] == '_' && digit && i + 1 < end && s[i + 1] >= '0' &&
		    s[i + 1] <= '9') {
			continue;
		}
		if (s[i] < '0' || s[i] > '9') {
			return false;
		}
		digit = true;
		if (v <= (ULLONG_MAX - 9) / 10) {
			v = v * 10 + (unsigned)(s[i] - '0');
		} else {
			v = ULLONG_MAX;
		}
	}
	if (!digit) {
		return false;
	}
	if (v > LLONG_MAX) {
		v = LLONG_MAX;
	}
	*out = neg ? -(long long)v : (long long)v;
	return true;
}

bool
rpc_proc_pyint(const struct xr_value *v, long long *out)
{
	int32_t i;
	bool b;
	double d;
	const char *s;
	size_t n;

	switch (xr_value_type(v)) {
	case XR_INT:
		xr_int_get(v, &i);
		*out = i;
		return true;
	case XR_BOOL:
		xr_bool_get(v, &b);
		*out = b;
		return true;
	case XR_DOUBLE:
		xr_double_get(v, &d);
		if (!isfinite(d)) {
			return false;
		}
		/* The cast truncates toward zero, as int() does. */
		*out = d >= 9.2e18 ? LLONG_MAX
		    : d <= -9.2e18 ? -LLONG_MAX
		                   : (long long)d;
		return true;
	case XR_STRING:
		s = xr_string_get(v, &n);
		return rpc_proc_pyint_str(s, n, out);
	case XR_BASE64:
		s = xr_base64_get(v, &n);
		return rpc_proc_pyint_str(s, n, out);
	default:
		return false;
	}
}

/* --- Signals ---------------------------------------------------------- */

/* The names Python's signal module has (SIG_DFL and friends included,
 * which 4.2.5's getattr(signal, 'SIG' + name) also finds). */
static const struct {
	const char *name;
	int num;
} rpc_proc_signames[] = {
	{ "SIGABRT", 6 },
	{ "SIGALRM", 14 },
	{ "SIGBUS", 7 },
	{ "SIGCHLD", 17 },
	{ "SIGCLD", 17 },
	{ "SIGCONT", 18 },
	{ "SIGFPE", 8 },
	{ "SIGHUP", 1 },
	{ "SIGILL", 4 },
	{ "SIGINT", 2 },
	{ "SIGIO", 29 },
	{ "SIGIOT", 6 },
	{ "SIGKILL", 9 },
	{ "SIGPIPE", 13 },
	{ "SIGPOLL", 29 },
	{ "SIGPROF", 27 },
	{ "SIGPWR", 30 },
	{ "SIGQUIT", 3 },
	{ "SIGRTMAX", 64 },
	{ "SIGRTMIN", 34 },
	{ "SIGSEGV", 11 },
	{ "SIGSTKFLT", 16 },
	{ "SIGSTOP", 19 },
	{ "SIGSYS", 31 },
	{ "SIGTERM", 15 },
	{ "SIGTRAP", 5 },
	{ "SIGTSTP", 20 },
	{ "SIGTTIN", 21 },
	{ "SIGTTOU", 22 },
	{ "SIGURG", 23 },
	{ "SIGUSR1", 10 },
	{ "SIGUSR2", 12 },
	{ "SIGVTALRM", 26 },
	{ "SIGWINCH", 28 },
	{ "SIGXCPU", 24 },
	{ "SIGXFSZ", 25 },
	{ "SIG_BLOCK", 0 },
	{ "SIG_DFL", 0 },
	{ "SIG_IGN", 1 },
	{ "SIG_SETMASK", 2 },
	{ "SIG_UNBLOCK", 1 },
};

/* 4.2.5's SIGNUMS on Linux: 0 (SIG_BLOCK) to 31, SIGRTMIN, SIGRTMAX. */
static bool
rpc_proc_signum_valid(long long n)
{
	return (n >= 0 && n <= 31) || n == 34 || n == 64;
}

/* 4.2.5 signal_number(): a number (int or string), else a name with or
 * without "SIG", any case. Returns the signal or -1. */
static int
rpc_proc_signal_number(const struct xr_value *v)
{
	long long n;
	char name[32];
	const char *s;
	size_t len, i = 0, j = 0;

	if (rpc_proc_pyint(v, &n)) {
		return rpc_proc_signum_valid(n) ? (int)n : -1;
	}
	if ((s = rpc_param_string(v, &len)) == NULL) {
		return -1;
	}
	while (i < len && rpc_proc_isspace(s[i])) {
		i++;
	}
	while (len > i && rpc_proc_isspace(s[len - 1])) {
		len--;
	}
	if (len - i < 3 || strncasecmp(s + i, "SIG", 3) != 0) {
		memcpy(name, "SIG", 3);
		j = 3;
	}
	for (; i < len; i++) {
		if (j + 1 >= sizeof(name)) {
			return -1;
		}
		name[j++] =
		    (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 32) : s[i];
	}
	name[j] = '\0';
	for (size_t k = 0; k < nitems(rpc_proc_signames); k++) {
		if (strcmp(rpc_proc_signames[k].name, name) == 0) {
			return rpc_proc_signames[k].num;
		}
	}
	return -1;
}

/* --- Waiting ---------------------------------------------------------- */

struct rpc_pitem {
	struct proc *proc; /* borrowed; NULL once settled */
	char *name, *group, *namespec;
	bool stop; /* a stop, else a start */
	bool settled; /* the outcome is known */
	bool answered; /* its result struct was added */
	int code; /* 0: success, else a fault */
	char *detail;
	uint64_t last_report_ms;
	bool reported;
};

struct rpc_pwait {
	struct rpc_call *call; /* borrowed; NULL once detached */
	struct supervisor *sv; /* borrowed */
	bool single; /* answer with the one item's outcome */
	struct rpc_pitem *items;
	size_t nitems, cap;
	struct xr_value *results; /* owned: result structs so far */
	uv_timer_t timer;
	bool subscribed;
};

static void
rpc_pitem_fini(struct rpc_pitem *it)
{
	free(it->name);
	free(it->group);
	free(it->namespec);
	free(it->detail);
}

static void
rpc_pwait_on_close(uv_handle_t *h)
{
	struct rpc_pwait *w = h->data;

	for (size_t i = 0; i < w->nitems; i++) {
		rpc_pitem_fini(&w->items[i]);
	}
	free(w->items);
	xr_value_free(w->results);
	free(w);
}

static struct rpc_pwait *
rpc_pwait_new(struct rpc_call *call, bool single)
{
	struct rpc_pwait *w = fv_xcalloc(1, sizeof(*w));

	w->call = call;
	w->sv = call->ctx->sv;
	w->single = single;
	w->results = xr_array_new();
	uv_timer_init(w->sv->loop, &w->timer);
	w->timer.data = w;
	return w;
}

static void rpc_pwait_on_event(void *arg, const struct evbus_event *ev);

/* Detaches w from its call and the bus and frees it (once closed). */
static void
rpc_pwait_free(struct rpc_pwait *w)
{
	if (w->subscribed) {
		evbus_unsubscribe(&w->sv->bus, rpc_pwait_on_event, w);
		w->subscribed = false;
	}
	w->call = NULL;
	uv_close((uv_handle_t *)&w->timer, rpc_pwait_on_close);
}

static void
rpc_pwait_add(
    struct rpc_pwait *w, struct proc_group *g, struct proc *p, bool stop)
{
	struct rpc_pitem *it;

	if (w->nitems == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 4;
		w->items =
		    fv_xreallocarray(w->items, w->cap, sizeof(*w->items));
	}
	it = &w->items[w->nitems++];
	*it = (struct rpc_pitem){
		.proc = p,
		.name = fv_xstrdup(proc_name(p)),
		.group = fv_xstrdup(g->cfg->name),
		.namespec = rpc_proc_namespec(g, p),
		.stop = stop,
	};
}

static void
rpc_pitem_settle(struct rpc_pitem *it, int code)
{
	it->settled = true;
	it->code = code;
	if (code != 0) {
		it->detail = fv_xstrdup(it->namespec);
	}
	it->proc = NULL;
}

/* 4.2.5's onwait of startProcess and stopProcess, on the state now. */
static void
rpc_pitem_eval(struct rpc_pitem *it)
{
	struct proc *p = it->proc;
	enum proc_state st;

	if (it->settled) {
		return;
	}
	st = proc_state(p);
	if (it->stop) {
		if (proc_state_is_stopped(st)) {
			rpc_pitem_settle(it, 0);
		}
		return;
	}
	if (p->spawnerr != NULL) {
		rpc_pitem_settle(it, RPC_FAULT_SPAWN_ERROR);
	} else if (st != PROC_STARTING && st != PROC_RUNNING) {
		rpc_pitem_settle(it, RPC_FAULT_ABNORMAL_TERMINATION);
	} else if (st == PROC_RUNNING) {
		rpc_pitem_settle(it, 0);
	}
}

/* stop_report(): "waiting for NAME to stop", at most every 2 seconds. */
static void
rpc_pwait_report(struct rpc_pwait *w)
{
	uint64_t now = 0;

	for (size_t i = 0; i < w->nitems; i++) {
		struct rpc_pitem *it = &w->items[i];

		if (it->settled || !it->stop ||
		    proc_state(it->proc) != PROC_STOPPING) {
			continue;
		}
		if (now == 0) {
			now = supervisor_now_ms(w->sv);
		}
		if (it->reported &&
		    now - it->last_report_ms <= RPC_STOP_REPORT_MS) {
			continue;
		}
		it->reported = true;
		it->last_report_ms = now;
		supervisor_log(
		    w->sv, MAINLOG_INFO, "waiting for %s to stop", it->name);
	}
}

/*
 * One poll: settle what can be settled, add result structs in process
 * order, as make_allfunc's pass over its callbacks does. Returns true
 * when every item is settled.
 */
static bool
rpc_pwait_poll(struct rpc_pwait *w)
{
	bool done = true;

	for (size_t i = 0; i < w->nitems; i++) {
		rpc_pitem_eval(&w->items[i]);
	}
	rpc_pwait_report(w);
	for (size_t i = 0; i < w->nitems; i++) {
		struct rpc_pitem *it = &w->items[i];

		if (!it->settled) {
			done = false;
			continue;
		}
		if (!it->answered && !w->single) {
			xr_array_add_take(w->results,
			    rpc_proc_result_names(
			        it->name, it->group, it->code, it->detail));
		}
		it->answered = true;
	}
	return done;
}

/* Puts w's outcome into call. */
static void
rpc_pwait_answer(struct rpc_pwait *w, struct rpc_call *call)
{
	if (!w->single) {
		rpc_result(call, w->results);
		w->results = NULL;
		return;
	}
	if (w->items[0].code == 0) {
		rpc_result(call, xr_bool_new(true));
	} else {
		rpc_fault(call, w->items[0].code, "%s", w->items[0].detail);
	}
}

static bool
rpc_pwait_has_stops(const struct rpc_pwait *w)
{
	for (size_t i = 0; i < w->nitems; i++) {
		if (!w->items[i].settled && w->items[i].stop) {
			return true;
		}
	}
	return false;
}

static void
rpc_pwait_on_timer(uv_timer_t *t)
{
	struct rpc_pwait *w = t->data;
	struct rpc_call *call = w->call;

	if (call == NULL) {
		return;
	}
	if (!rpc_pwait_poll(w)) {
		if (rpc_pwait_has_stops(w)) {
			uv_timer_start(&w->timer, rpc_pwait_on_timer,
			    RPC_STOP_REPORT_MS + 1, 0);
		}
		return;
	}
	rpc_pwait_answer(w, call);
	rpc_pwait_free(w);
	rpc_finish(call);
}

/* The poll runs from the loop, never inside the state change. */
static void
rpc_pwait_on_event(void *arg, const struct evbus_event *ev)
{
	struct rpc_pwait *w = arg;
	bool touched = false;

	for (size_t i = 0; i < w->nitems; i++) {
		struct rpc_pitem *it = &w->items[i];

		if (it->settled) {
			continue;
		}
		if (ev->kind == EVBUS_PROC_STATE && ev->proc == it->proc) {
			touched = true;
		} else if (ev->kind == EVBUS_GROUP_REMOVED &&
		    it->proc->group == ev->group) {
			/* Settle now, while the process still exists: a
			 * removed group's processes are all stopped. */
			rpc_pitem_eval(it);
			if (!it->settled) {
				rpc_pitem_settle(it,
				    it->stop ? 0
				             : RPC_FAULT_ABNORMAL_TERMINATION);
			}
			touched = true;
		}
	}
	if (touched) {
		uv_timer_start(&w->timer, rpc_pwait_on_timer, 0, 0);
	}
}

static void
rpc_pwait_cancel(struct rpc_call *call)
{
	struct rpc_pwait *w = call->wait;

	if (w != NULL) {
		rpc_pwait_free(w);
	}
}

/* Answers at once when the first poll settles everything, else waits. */
static enum rpc_status
rpc_pwait_begin(struct rpc_pwait *w)
{
	struct rpc_call *call = w->call;

	if (rpc_pwait_poll(w)) {
		rpc_pwait_answer(w, call);
		rpc_pwait_free(w);
		return RPC_DONE;
	}
	evbus_subscribe(&w->sv->bus, EVBUS_PROC_STATE | EVBUS_GROUP_REMOVED,
	    rpc_pwait_on_event, w);
	w->subscribed = true;
	if (rpc_pwait_has_stops(w)) {
		uv_timer_start(
		    &w->timer, rpc_pwait_on_timer, RPC_STOP_REPORT_MS + 1, 0);
	}
	return rpc_wait(call, rpc_pwait_cancel, w);
}

/* --- Start and stop --------------------------------------------------- */

/* An outcome of one process: 0 (true), a fault, or RPC_PROC_WAIT. */
#define RPC_PROC_WAIT (-1)

struct rpc_pout {
	int code;
	char *detail; /* owned */
};

static int
rpc_pout_set(struct rpc_pout *o, int code, char *detail_take)
{
	o->code = code;
	o->detail = detail_take;
	return code;
}

static bool
rpc_proc_is_running(enum proc_state st)
{
	return st == PROC_RUNNING || st == PROC_BACKOFF || st == PROC_STARTING;
}

/* startProcess for one process, up to the point where it would wait. */
static int
rpc_proc_start_one(struct supervisor *sv, struct proc *p, const char *ns,
    bool wait, struct rpc_pout *o)
{
	char *msg = NULL;
	int rv;

	/* 4.2.5 tests the command before anything else. */
	if ((rv = proc_check_exec(p, &msg)) != 0) {
		return rpc_pout_set(o,
		    rv == -ENOENT ? RPC_FAULT_NO_FILE
		                  : RPC_FAULT_NOT_EXECUTABLE,
		    msg);
	}
	if (rpc_proc_is_running(proc_state(p))) {
		return rpc_pout_set(
		    o, RPC_FAULT_ALREADY_STARTED, fv_xstrdup(ns));
	}
	if (proc_state(p) == PROC_UNKNOWN) {
		return rpc_pout_set(o, RPC_FAULT_FAILED,
		    fv_xasprintf("%s is in an unknown process state", ns));
	}
	if (p->pid != 0) {
		/* STOPPING: 4.2.5's spawn() only warns, and the wait below
		 * then ends in ABNORMAL_TERMINATION. */
		supervisor_log(sv, MAINLOG_WARN, "process '%s' already running",
		    proc_name(p));
	} else if (proc_start(p) != 0) {
		return rpc_pout_set(o, RPC_FAULT_FAILED,
		    fv_xasprintf("%s is in an unknown process state", ns));
	}
	/* Learn at once of a child that died straight away (4.2.5 reap()). */
	supervisor_reap(sv);
	if (p->spawnerr != NULL) {
		return rpc_pout_set(o, RPC_FAULT_SPAWN_ERROR, fv_xstrdup(ns));
	}
	if (wait && proc_state(p) != PROC_RUNNING) {
		return rpc_pout_set(o, RPC_PROC_WAIT, NULL);
	}
	return rpc_pout_set(o, 0, NULL);
}

/* stopProcess for one process, up to the point where it would wait. */
static int
rpc_proc_stop_one(struct supervisor *sv, struct proc *p, const char *ns,
    bool wait, struct rpc_pout *o)
{
	if (!rpc_proc_is_running(proc_state(p))) {
		return rpc_pout_set(o, RPC_FAULT_NOT_RUNNING, fv_xstrdup(ns));
	}
	if (proc_stop(p) != 0 || proc_state(p) == PROC_UNKNOWN) {
		/* kill() failed in a way other than ESRCH; proc.c logged
		 * the reason. */
		return rpc_pout_set(o, RPC_FAULT_FAILED,
		    fv_xasprintf("unknown problem killing %s (%d)",
		        proc_name(p), (int)p->pid));
	}
	supervisor_reap(sv);
	if (wait && !proc_state_is_stopped(proc_state(p))) {
		return rpc_pout_set(o, RPC_PROC_WAIT, NULL);
	}
	return rpc_pout_set(o, 0, NULL);
}

typedef int rpc_proc_one_fn(struct supervisor *sv, struct proc *p,
    const char *ns, bool wait, struct rpc_pout *o);

/* make_allfunc for start and stop: refs in order, those the predicate
 * (not running / running) admits. */
static enum rpc_status
rpc_proc_all(struct rpc_call *call, struct rpc_proc_ref *refs, size_t n,
    bool stop, bool wait)
{
	struct supervisor *sv = call->ctx->sv;
	rpc_proc_one_fn *one = stop ? rpc_proc_stop_one : rpc_proc_start_one;
	struct rpc_pwait *w = rpc_pwait_new(call, false);

	for (size_t i = 0; i < n; i++) {
		struct proc *p = refs[i].proc;
		struct rpc_pout o = { 0 };
		char *ns;

		if (rpc_proc_is_running(proc_state(p)) != stop) {
			continue;
		}
		ns = rpc_proc_namespec(refs[i].group, p);
		if (one(sv, p, ns, wait, &o) == RPC_PROC_WAIT) {
			rpc_pwait_add(w, refs[i].group, p, stop);
		} else {
			xr_array_add_take(w->results,
			    rpc_proc_result_struct(
			        refs[i].group, p, o.code, o.detail));
		}
		free(o.detail);
		free(ns);
	}
	free(refs);
	return rpc_pwait_begin(w);
}

static const char *
rpc_proc_name_param(const struct xr_value *params)
{
	return rpc_param_string(xr_array_at(params, 0), NULL);
}

static enum rpc_status
rpc_proc_one(struct rpc_call *call, const struct xr_value *params, bool stop)
{
	struct supervisor *sv = call->ctx->sv;
	const char *name = rpc_proc_name_param(params);
	bool wait = rpc_proc_wait_param(params, 1);
	struct proc_group *g;
	struct proc *p;
	struct rpc_pout o = { 0 };
	struct rpc_pwait *w;
	size_t n;
	int code;

	if (name == NULL) {
		return rpc_fault(call, RPC_FAULT_INCORRECT_PARAMETERS, NULL);
	}
	if (!supervisor_find(sv, name, &g, &p)) {
		return rpc_fault(call, RPC_FAULT_BAD_NAME, "%s", name);
	}
	if (p == NULL) {
		struct rpc_proc_ref *refs = rpc_proc_group_list(g, &n);

		return rpc_proc_all(call, refs, n, stop, wait);
	}
	code = stop ? rpc_proc_stop_one(sv, p, name, wait, &o)
	            : rpc_proc_start_one(sv, p, name, wait, &o);
	if (code == 0) {
		return rpc_result(call, xr_bool_new(true));
	}
	if (code != RPC_PROC_WAIT) {
		rpc_fault(call, code, "%s", o.detail);
		free(o.detail);
		return RPC_DONE;
	}
	w = rpc_pwait_new(call, true);
	rpc_pwait_add(w, g, p, stop);
	/* The item's fault texts name what the client asked for. */
	free(w->items[0].namespec);
	w->items[0].namespec = fv_xstrdup(name);
	return rpc_pwait_begin(w);
}

enum rpc_status
rpc_start_process(struct rpc_call *call, const struct xr_value *params)
{
	return rpc_proc_one(call, params, false);
}

enum rpc_status
rpc_stop_process(struct rpc_call *call, const struct xr_value *params)
{
	return rpc_proc_one(call, params, true);
}

static enum rpc_status
rpc_proc_group(struct rpc_call *call, const struct xr_value *params, bool stop)
{
	const char *name = rpc_proc_name_param(params);
	struct proc_group *g;
	struct rpc_proc_ref *refs;
	size_t n;

	if (name == NULL) {
		return rpc_fault(call, RPC_FAULT_INCORRECT_PARAMETERS, NULL);
	}
	if ((g = supervisor_find_group(call->ctx->sv, name)) == NULL) {
		return rpc_fault(call, RPC_FAULT_BAD_NAME, "%s", name);
	}
	refs = rpc_proc_group_list(g, &n);
	return rpc_proc_all(
	    call, refs, n, stop, rpc_proc_wait_param(params, 1));
}

enum rpc_status
rpc_start_process_group(struct rpc_call *call, const struct xr_value *params)
{
	return rpc_proc_group(call, params, false);
}

enum rpc_status
rpc_stop_process_group(struct rpc_call *call, const struct xr_value *params)
{
	return rpc_proc_group(call, params, true);
}

enum rpc_status
rpc_start_all_processes(struct rpc_call *call, const struct xr_value *params)
{
	size_t n;
	struct rpc_proc_ref *refs = rpc_proc_list(call->ctx->sv, false, &n);

	return rpc_proc_all(
	    call, refs, n, false, rpc_proc_wait_param(params, 0));
}

enum rpc_status
rpc_stop_all_processes(struct rpc_call *call, const struct xr_value *params)
{
	size_t n;
	struct rpc_proc_ref *refs = rpc_proc_list(call->ctx->sv, false, &n);

	return rpc_proc_all(
	    call, refs, n, true, rpc_proc_wait_param(params, 0));
}

/* --- Signals ---------------------------------------------------------- */

static bool
rpc_proc_signallable(enum proc_state st)
{
	return st == PROC_RUNNING || st == PROC_STARTING || st == PROC_STOPPING;
}

/* signalProcess for one found process: 0 or a fault in *o. */
static int
rpc_proc_signal_one(struct proc *p, const char *ns, const struct xr_value *sigv,
    struct rpc_pout *o)
{
	int sig = rpc_proc_signal_number(sigv);
	char *msg = NULL;
	size_t len; /* rpc_pystr wants it; the text is C-string safe here */

	if (sig < 0) {
		return rpc_pout_set(
		    o, RPC_FAULT_BAD_SIGNAL, rpc_pystr(sigv, &len));
	}
	if (!rpc_proc_signallable(proc_state(p))) {
		return rpc_pout_set(o, RPC_FAULT_NOT_RUNNING, fv_xstrdup(ns));
	}
	if (proc_signal(p, sig, &msg) != 0) {
		return rpc_pout_set(o, RPC_FAULT_FAILED, msg);
	}
	return rpc_pout_set(o, 0, NULL);
}

static enum rpc_status
rpc_proc_signal_refs(struct rpc_call *call, struct rpc_proc_ref *refs, size_t n,
    const struct xr_value *sigv)
{
	struct xr_value *out = xr_array_new();

	for (size_t i = 0; i < n; i++) {
		struct rpc_pout o = { 0 };
		char *ns;

		if (!rpc_proc_signallable(proc_state(refs[i].proc))) {
			continue;
		}
		ns = rpc_proc_namespec(refs[i].group, refs[i].proc);
		rpc_proc_signal_one(refs[i].proc, ns, sigv, &o);
		xr_array_add_take(out,
		    rpc_proc_result_struct(
		        refs[i].group, refs[i].proc, o.code, o.detail));
		free(o.detail);
		free(ns);
	}
	free(refs);
	return rpc_result(call, out);
}

enum rpc_status
rpc_signal_process(struct rpc_call *call, const struct xr_value *params)
{
	const char *name = rpc_proc_name_param(params);
	const struct xr_value *sigv = xr_array_at(params, 1);
	struct proc_group *g;
	struct proc *p;
	struct rpc_pout o = { 0 };
	size_t n;

	if (name == NULL) {
		return rpc_fault(call, RPC_FAULT_INCORRECT_PARAMETERS, NULL);
	}
	if (!supervisor_find(call->ctx->sv, name, &g, &p)) {
		return rpc_fault(call, RPC_FAULT_BAD_NAME, "%s", name);
	}
	if (p == NULL) {
		struct rpc_proc_ref *refs = rpc_proc_group_list(g, &n);

		return rpc_proc_signal_refs(call, refs, n, sigv);
	}
	if (rpc_proc_signal_one(p, name, sigv, &o) == 0) {
		return rpc_result(call, xr_bool_new(true));
	}
	rpc_fault(call, o.code, "%s", o.detail);
	free(o.detail);
	return RPC_DONE;
}

enum rpc_status
rpc_signal_process_group(struct rpc_call *call, const struct xr_value *params)
{
	const char *name = rpc_proc_name_param(params);
	struct rpc_proc_ref *refs;
	struct proc_group *g;
	size_t n;

	if (name == NULL) {
		return rpc_fault(call, RPC_FAULT_INCORRECT_PARAMETERS, NULL);
	}
	if ((g = supervisor_find_group(call->ctx->sv, name)) == NULL) {
		return rpc_fault(call, RPC_FAULT_BAD_NAME, "%s", name);
	}
	refs = rpc_proc_group_list(g, &n);
	return rpc_proc_signal_refs(call, refs, n, xr_array_at(params, 1));
}

enum rpc_status
rpc_signal_all_processes(struct rpc_call *call, const struct xr_value *params)
{
	size_t n;
	struct rpc_proc_ref *refs = rpc_proc_list(call->ctx->sv, false, &n);
	enum sv_mood mood;

	rpc_proc_signal_refs(call, refs, n, xr_array_at(params, 0));
	/* 4.2.5 checks its mood after signalling (its _update comes last):
	 * the signals are sent, and the answer is SHUTDOWN_STATE. */
	mood = call->ctx->sv->mood;
	if (mood == SV_RESTARTING || mood == SV_SHUTDOWN) {
		rpc_call_fini(call);
		return rpc_fault(call, RPC_FAULT_SHUTDOWN_STATE, NULL);
	}
	return RPC_DONE;
}

/* --- Information ------------------------------------------------------ */

/* capped_int(): XML-RPC ints are 32 bits. */
static int32_t
rpc_proc_capped(long long v)
{
	return v > INT32_MAX ? INT32_MAX
	    : v < INT32_MIN  ? INT32_MIN
	                     : (int32_t)v;
}

/* _interpretProcessInfo's description. */
static char *
rpc_proc_description(const struct proc *p, int32_t start, int32_t stop,
    int32_t now, const char *spawnerr)
{
	enum proc_state st = proc_state(p);

	if (st == PROC_RUNNING) {
		/* Whole seconds of UTC times, as its datetime arithmetic. */
		long long up = (long long)now - start;
		long long days;

		if (up < 0) {
			up = 0;
		}
		days = up / 86400;
		up %= 86400;
		if (days > 0) {
			return fv_xasprintf("pid %d, uptime %lld day%s, "
			                    "%lld:%02lld:%02lld",
			    (int)p->pid, days, days == 1 ? "" : "s", up / 3600,
			    up / 60 % 60, up % 60);
		}
		return fv_xasprintf("pid %d, uptime %lld:%02lld:%02lld",
		    (int)p->pid, up / 3600, up / 60 % 60, up % 60);
	}
	if (st == PROC_FATAL || st == PROC_BACKOFF) {
		if (*spawnerr != '\0') {
			return fv_xstrdup(spawnerr);
		}
		return fv_xasprintf(
		    "unknown error (try \"tail %s\")", proc_name(p));
	}
	if (st == PROC_STOPPED || st == PROC_EXITED) {
		char buf[64];
		time_t t = stop;
		struct tm tm;

		if (start == 0) {
			return fv_xstrdup("Not started");
		}
		if (localtime_r(&t, &tm) == NULL ||
		    strftime(buf, sizeof(buf), "%b %d %I:%M %p", &tm) == 0) {
			buf[0] = '\0';
		}
		return fv_xstrdup(buf);
	}
	return fv_xstrdup("");
}

static struct xr_value *
rpc_proc_info(const struct proc_group *g, const struct proc *p)
{
	struct xr_value *s = xr_struct_new();
	int32_t start = rpc_proc_capped(p->laststart_wall);
	int32_t stop = rpc_proc_capped(p->laststop_wall);
	int32_t now = rpc_proc_capped((long long)time(NULL));
	const char *spawnerr = p->spawnerr != NULL ? p->spawnerr : "";
	const char *out = proc_log_path(p, EVBUS_STDOUT);
	const char *err = proc_log_path(p, EVBUS_STDERR);
	char *desc;

	xr_struct_set_take(s, "name", xr_string_new(proc_name(p)));
	xr_struct_set_take(s, "group", xr_string_new(g->cfg->name));
	xr_struct_set_take(s, "start", xr_int_new(start));
	xr_struct_set_take(s, "stop", xr_int_new(stop));
	xr_struct_set_take(s, "now", xr_int_new(now));
	xr_struct_set_take(s, "state", xr_int_new((int32_t)proc_state(p)));
	xr_struct_set_take(
	    s, "statename", xr_string_new(proc_state_name(proc_state(p))));
	xr_struct_set_take(s, "spawnerr", xr_string_new(spawnerr));
	xr_struct_set_take(s, "exitstatus",
	    xr_int_new(p->fsm.has_exitstatus ? p->fsm.exitstatus : 0));
	xr_struct_set_take(s, "logfile", xr_string_new(out ? out : ""));
	xr_struct_set_take(s, "stdout_logfile", xr_string_new(out ? out : ""));
	xr_struct_set_take(s, "stderr_logfile", xr_string_new(err ? err : ""));
	xr_struct_set_take(s, "pid", xr_int_new((int32_t)p->pid));
	desc = rpc_proc_description(p, start, stop, now, spawnerr);
	xr_struct_set_take(s, "description", xr_string_new(desc));
	free(desc);
	return s;
}

enum rpc_status
rpc_get_process_info(struct rpc_call *call, const struct xr_value *params)
{
	const char *name = rpc_proc_name_param(params);
	struct proc_group *g;
	struct proc *p;

	if (name == NULL) {
		return rpc_fault(call, RPC_FAULT_INCORRECT_PARAMETERS, NULL);
	}
	if (!supervisor_find(call->ctx->sv, name, &g, &p) || p == NULL) {
		return rpc_fault(call, RPC_FAULT_BAD_NAME, "%s", name);
	}
	return rpc_result(call, rpc_proc_info(g, p));
}

enum rpc_status
rpc_get_all_process_info(struct rpc_call *call, const struct xr_value *params)
{
	size_t n;
	struct rpc_proc_ref *refs = rpc_proc_list(call->ctx->sv, true, &n);
	struct xr_value *out = xr_array_new();

	for (size_t i = 0; i < n; i++) {
		xr_array_add_take(
		    out, rpc_proc_info(refs[i].group, refs[i].proc));
	}
	free(refs);
	return rpc_result(call, out);
}

/* --- stdin ------------------------------------------------------------ */

enum rpc_status
rpc_send_process_stdin(struct rpc_call *call, const struct xr_value *params)
{
	const char *name = rpc_proc_name_param(params);
	const struct xr_value *cv = xr_array_at(params, 1);
	const char *chars;
	struct proc_group *g;
	struct proc *p;
	size_t n;
	int rv;

	if ((chars = rpc_param_string(cv, &n)) == NULL) {
		char *s = rpc_pystr(cv, &n);

		rpc_fault(call, RPC_FAULT_INCORRECT_PARAMETERS, "%s", s);
		free(s);
		return RPC_DONE;
	}
	if (name == NULL) {
		return rpc_fault(call, RPC_FAULT_INCORRECT_PARAMETERS, NULL);
	}
	if (!supervisor_find(call->ctx->sv, name, &g, &p) || p == NULL) {
		return rpc_fault(call, RPC_FAULT_BAD_NAME, "%s", name);
	}
	rv = proc_stdin_write(p, chars, n);
	switch (rv) {
	case 0:
		return rpc_result(call, xr_bool_new(true));
	case FV_ESTATE:
		return rpc_fault(call, RPC_FAULT_NOT_RUNNING, "%s", name);
	case -EPIPE:
		return rpc_fault(call, RPC_FAULT_NO_FILE, "%s", name);
	case FV_ETOOBIG:
		/* Ours: 4.2.5 buffers without bound. Nothing was written,
		 * so the client may try again once the child reads. */
		return rpc_fault(call, RPC_FAULT_FAILED,
		    "%s: stdin backlog over %d bytes", name,
		    PROC_STDIN_BACKLOG_MAX);
	default:
		return rpc_fault(
		    call, RPC_FAULT_FAILED, "%s: %s", name, uv_strerror(rv));
	}
}
