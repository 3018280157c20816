/*
 * The process table: groups built from the configuration, the pid map,
 * the supervisor's mood and 4.2.5's ordered stop (runforever's
 * ordered_stop_groups_phase_1/2 and shutdown_report). It owns the groups
 * and their processes and the FastCGI sockets; it never touches signals
 * or the daemon's files, which are agent.c's.
 */
#include "process/supervisor.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/xalloc.h"
#include "event/pool.h"
#include "log/mainlog.h"
#include "process/fcgi_socket.h"
#include "process/proc_io.h"

/* 4.2.5 repeats "waiting for ... to die" every 3 seconds. */
#define SV_SHUTDOWN_REPORT_MS 3000

/* The gate of the due steps: a listener pool is backed up. Progress: the
 * events its listeners have taken (any backed-up pool's). */
static bool
supervisor_pools_backed_up(void *arg, uint64_t *progress)
{
	struct supervisor *sv = arg;
	bool closed = false;

	for (size_t i = 0; i < sv->ngroups; i++) {
		struct event_pool *pool = sv->groups[i]->pool;

		if (pool != NULL && event_pool_backed_up(pool)) {
			closed = true;
			*progress += event_pool_taken(pool);
		}
	}
	return closed;
}

void
supervisor_init(struct supervisor *sv, uv_loop_t *loop, struct mainlog *log,
    const struct cfg *cfg, char *const *envp)
{
	*sv = (struct supervisor){
		.loop = loop,
		.log = log,
		.cfg = cfg,
		.environ = envp,
		.mood = SV_RUNNING,
	};
	evbus_init(&sv->bus);
	proc_soon_init(&sv->soon, loop);
	proc_soon_set_gate(
	    &sv->soon, supervisor_pools_backed_up, sv, PROC_SOON_HOLD_NS);
	proc_soon_set_reaper(&sv->soon, supervisor_reap_one, sv);
	event_hub_init(&sv->events, sv);
}

bool
supervisor_events_backed_up(struct supervisor *sv, uint64_t *progress)
{
	/* The gate installed on the due steps, not the pools directly: a
	 * test that replaces it drives every holder alike. */
	return proc_soon_gate(&sv->soon, progress);
}

void
supervisor_log(struct supervisor *sv, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mainlog_vlog(sv->log, level, fmt, ap);
	va_end(ap);
}

bool
supervisor_log_enabled(const struct supervisor *sv, int level)
{
	return mainlog_enabled(sv->log, level);
}

uint64_t
supervisor_now_ms(struct supervisor *sv)
{
	/* Fresh, not the loop iteration's cached time: a fork or a burst
	 * of output may have taken a while since the iteration began, and
	 * timers armed right after must count from now. */
	uv_update_time(sv->loop);
	return uv_now(sv->loop);
}

bool
supervisor_may_start(const struct supervisor *sv)
{
	return sv->mood > SV_RESTARTING;
}

void
supervisor_pid_add(struct supervisor *sv, pid_t pid, struct proc *p)
{
	if (sv->npids == sv->pidcap) {
		sv->pidcap = sv->pidcap ? sv->pidcap * 2 : 16;
		sv->pids =
		    fv_xreallocarray(sv->pids, sv->pidcap, sizeof(*sv->pids));
	}
	sv->pids[sv->npids++] = (struct sv_pid){ pid, p };
}

void
supervisor_pid_remove(struct supervisor *sv, pid_t pid)
{
	for (size_t i = 0; i < sv->npids; i++) {
		if (sv->pids[i].pid == pid) {
			sv->pids[i] = sv->pids[--sv->npids];
			return;
		}
	}
}

struct proc *
supervisor_pid_find(struct supervisor *sv, pid_t pid)
{
	for (size_t i = 0; i < sv->npids; i++) {
		if (sv->pids[i].pid == pid) {
			return sv->pids[i].proc;
		}
	}
	return NULL;
}

struct proc_group *
supervisor_find_group(const struct supervisor *sv, const char *name)
{
	for (size_t i = 0; i < sv->ngroups; i++) {
		if (strcmp(sv->groups[i]->cfg->name, name) == 0) {
			return sv->groups[i];
		}
	}
	return NULL;
}

bool
supervisor_find(const struct supervisor *sv, const char *namespec,
    struct proc_group **gp, struct proc **pp)
{
	const char *colon = strchr(namespec, ':');
	const char *pname = namespec;
	struct proc_group *g;
	char *gname;

	if (colon != NULL) {
		gname = fv_xstrndup(namespec, (size_t)(colon - namespec));
		pname = colon + 1;
		if (*pname == '\0' || strcmp(pname, "*") == 0) {
			pname = NULL;
		}
	} else {
		gname = fv_xstrdup(namespec);
	}
	g = supervisor_find_group(sv, gname);
	free(gname);
	*gp = g;
	*pp = NULL;
	if (g == NULL) {
		return false;
	}
	if (pname == NULL) {
		return true;
	}
	for (size_t i = 0; i < g->nprocs; i++) {
		if (strcmp(proc_name(g->procs[i]), pname) == 0) {
			*pp = g->procs[i];
			return true;
		}
	}
	return false;
}

static void
group_free(struct proc_group *g)
{
	if (g == NULL) {
		return;
	}
	/* Before the processes: it detaches them and drops what it held. */
	event_pool_free(g->pool);
	for (size_t i = 0; i < g->nprocs; i++) {
		proc_close(g->procs[i]);
	}
	free(g->procs);
	if (g->fcgi_fd >= 0) {
		supervisor_log(g->sv, MAINLOG_INFO, "Closing socket %s",
		    g->cfg->socket.url);
		fcgi_socket_close(g->cfg, g->fcgi_fd);
	}
	cfg_free(g->owner);
	free(g);
}

static int
group_new(struct supervisor *sv, const struct cfg_group *gc,
    struct proc_group **gp, struct fv_diag *d)
{
	struct proc_group *g = fv_xcalloc(1, sizeof(*g));
	int rv;

	g->sv = sv;
	g->cfg = gc;
	g->fcgi_fd = -1;
	g->procs = fv_xcalloc(gc->nprocs ? gc->nprocs : 1, sizeof(*g->procs));
	for (size_t i = 0; i < gc->nprocs; i++) {
		struct proc *p = proc_new(sv, g, &gc->procs[i]);

		g->procs[g->nprocs++] = p;
		if ((rv = proc_io_make_autolog(&p->out, sv->cfg->sd.childlogdir,
		         sv->cfg->sd.identifier, d)) != 0 ||
		    (!p->cfg->redirect_stderr &&
		        (rv = proc_io_make_autolog(&p->err,
		             sv->cfg->sd.childlogdir, sv->cfg->sd.identifier,
		             d)) != 0)) {
			group_free(g);
			return rv;
		}
	}
	if (gc->type == CFG_GROUP_EVENTLISTENER) {
		g->pool = event_pool_new_group(sv, &sv->events, g);
	}
	if (gc->type == CFG_GROUP_FCGI) {
		/* 4.2.5 logs these too, with a Python repr of its config
		 * object in place of the URL. */
		supervisor_log(
		    sv, MAINLOG_INFO, "Creating socket %s", gc->socket.url);
		if ((rv = fcgi_socket_open(&gc->socket, &g->fcgi_fd, d)) != 0) {
			group_free(g);
			return rv;
		}
	}
	*gp = g;
	return 0;
}

int
supervisor_add_groups(struct supervisor *sv, struct fv_diag *d)
{
	const struct cfg *cfg = sv->cfg;
	struct proc_group **groups;
	int rv;

	groups = fv_xcalloc(cfg->ngroups ? cfg->ngroups : 1, sizeof(*groups));
	for (size_t i = 0; i < cfg->ngroups; i++) {
		if ((rv = group_new(sv, &cfg->groups[i], &groups[i], d)) != 0) {
			while (i-- > 0) {
				group_free(groups[i]);
			}
			free(groups);
			return rv;
		}
	}
	sv->groups = groups;
	sv->ngroups = cfg->ngroups;
	for (size_t i = 0; i < sv->ngroups; i++) {
		sv->groups[i]->seq = sv->next_group_seq++;
	}
	for (size_t i = 0; i < sv->ngroups; i++) {
		struct evbus_event ev = { .kind = EVBUS_GROUP_ADDED,
			.group = sv->groups[i] };

		event_pool_subscribe(sv->groups[i]->pool);
		evbus_publish(&sv->bus, &ev);
	}
	return 0;
}

/* (priority, name), the order of cfg->groups and of sv->groups. */
static bool
group_before(const struct cfg_group *a, const struct cfg_group *b)
{
	if (a->priority != b->priority) {
		return a->priority < b->priority;
	}
	return strcmp(a->name, b->name) < 0;
}

int
supervisor_add_group(struct supervisor *sv, const struct cfg_group *gc,
    struct cfg *owner, struct fv_diag *d)
{
	struct proc_group *g;
	size_t at;
	int rv;

	if (supervisor_find_group(sv, gc->name) != NULL) {
		return fv_diagf(
		    d, FV_ESTATE, "group %s already exists", gc->name);
	}
	if ((rv = group_new(sv, gc, &g, d)) != 0) {
		return rv;
	}
	g->owner = cfg_ref(owner);
	g->seq = sv->next_group_seq++;
	for (at = 0; at < sv->ngroups; at++) {
		if (group_before(gc, sv->groups[at]->cfg)) {
			break;
		}
	}
	sv->groups =
	    fv_xreallocarray(sv->groups, sv->ngroups + 1, sizeof(*sv->groups));
	memmove(&sv->groups[at + 1], &sv->groups[at],
	    (sv->ngroups - at) * sizeof(*sv->groups));
	sv->groups[at] = g;
	sv->ngroups++;
	{
		struct evbus_event ev = { .kind = EVBUS_GROUP_ADDED,
			.group = g };

		event_pool_subscribe(g->pool);
		evbus_publish(&sv->bus, &ev);
	}
	for (size_t i = 0; i < g->nprocs; i++) {
		proc_reevaluate(g->procs[i]);
	}
	return 0;
}

static void
group_list_remove(struct proc_group **v, size_t *n, struct proc_group *g)
{
	for (size_t i = 0; i < *n; i++) {
		if (v[i] == g) {
			memmove(&v[i], &v[i + 1], (*n - i - 1) * sizeof(*v));
			(*n)--;
			return;
		}
	}
}

static size_t group_unstopped(const struct proc_group *g);

int
supervisor_remove_group(struct supervisor *sv, struct proc_group *g)
{
	struct evbus_event ev = { .kind = EVBUS_GROUP_REMOVED, .group = g };

	if (group_unstopped(g) > 0) {
		return FV_ESTATE;
	}
	group_list_remove(sv->groups, &sv->ngroups, g);
	/* A stop in progress must not come back to a freed group. */
	group_list_remove(sv->stop_groups, &sv->nstop_groups, g);
	evbus_publish(&sv->bus, &ev);
	group_free(g);
	return 0;
}

static void
supervisor_publish_mood(struct supervisor *sv)
{
	struct evbus_event ev = { .kind = EVBUS_SUPERVISOR_STATE,
		.supervisor_state = sv->mood };

	evbus_publish(&sv->bus, &ev);
}

void
supervisor_start(struct supervisor *sv)
{
	sv->mood = SV_RUNNING;
	supervisor_publish_mood(sv);
	/* Arming in (priority, name) order makes the first spawns happen in
	 * that order: libuv runs equal timeouts in the order they were set. */
	for (size_t i = 0; i < sv->ngroups; i++) {
		for (size_t j = 0; j < sv->groups[i]->nprocs; j++) {
			proc_reevaluate(sv->groups[i]->procs[j]);
		}
	}
}

struct sv_order {
	struct proc *p;
	size_t index;
};

static int
sv_order_cmp(const void *a, const void *b)
{
	const struct sv_order *x = a, *y = b;

	if (x->p->cfg->priority != y->p->cfg->priority) {
		return x->p->cfg->priority < y->p->cfg->priority ? -1 : 1;
	}
	return x->index < y->index ? -1 : x->index > y->index;
}

/* 4.2.5 ProcessGroupBase.stop_all(): a stable sort by priority, then the
 * whole list reversed, so equal priorities stop in reverse config order. */
static void
group_stop_all(struct proc_group *g)
{
	struct sv_order *order;

	if (g->nprocs == 0) {
		return;
	}
	order = fv_xcalloc(g->nprocs, sizeof(*order));
	for (size_t i = 0; i < g->nprocs; i++) {
		order[i] = (struct sv_order){ g->procs[i], i };
	}
	qsort(order, g->nprocs, sizeof(*order), sv_order_cmp);
	for (size_t i = g->nprocs; i-- > 0;) {
		struct proc *p = order[i].p;

		switch (proc_state(p)) {
		case PROC_RUNNING:
		case PROC_STARTING:
			proc_stop(p);
			break;
		case PROC_BACKOFF:
			proc_give_up(p);
			break;
		default:
			break;
		}
	}
	free(order);
}

static size_t
group_unstopped(const struct proc_group *g)
{
	size_t n = 0;

	for (size_t i = 0; i < g->nprocs; i++) {
		if (!proc_state_is_stopped(proc_state(g->procs[i]))) {
			n++;
		}
	}
	return n;
}

static void
supervisor_shutdown_report(struct supervisor *sv)
{
	struct fv_buf names;

	fv_buf_init(&names, 1 << 20);
	for (size_t i = 0; i < sv->ngroups; i++) {
		for (size_t j = 0; j < sv->groups[i]->nprocs; j++) {
			struct proc *p = sv->groups[i]->procs[j];

			if (proc_state_is_stopped(proc_state(p))) {
				continue;
			}
			fv_buf_printf(&names, "%s%s", names.len ? ", " : "",
			    proc_name(p));
		}
	}
	if (names.len > 0) {
		supervisor_log(sv, MAINLOG_INFO, "waiting for %s to die",
		    fv_buf_cstr(&names));
	}
	fv_buf_fini(&names);
}

static size_t
supervisor_unstopped(const struct supervisor *sv)
{
	size_t n = 0;

	for (size_t i = 0; i < sv->ngroups; i++) {
		n += group_unstopped(sv->groups[i]);
	}
	return n;
}

static void
supervisor_on_report_timer(uv_timer_t *t)
{
	struct supervisor *sv = t->data;

	if (supervisor_unstopped(sv) > 0) {
		supervisor_shutdown_report(sv);
	}
}

/* One pass of runforever's stop logic; called on every state change. */
static void
supervisor_stop_step(struct supervisor *sv)
{
	if (!sv->stopping || sv->stopped_notified) {
		return;
	}
	/* phase 2 then phase 1, until a group is still stopping: a group
	 * that stopped at once (all BACKOFF) lets the next one go now. */
	for (;;) {
		struct proc_group *top;

		while (sv->nstop_groups > 0 &&
		    group_unstopped(sv->stop_groups[sv->nstop_groups - 1]) ==
		        0) {
			sv->nstop_groups--;
		}
		if (sv->nstop_groups == 0) {
			break;
		}
		top = sv->stop_groups[sv->nstop_groups - 1];
		group_stop_all(top);
		if (group_unstopped(top) > 0) {
			break;
		}
	}
	if (supervisor_unstopped(sv) > 0) {
		return;
	}
	sv->stopped_notified = true;
	if (sv->report_timer_open) {
		uv_timer_stop(&sv->report_timer);
	}
	if (sv->on_stopped != NULL) {
		sv->on_stopped(sv->on_stopped_arg);
	}
}

void
supervisor_on_state(struct supervisor *sv, struct proc *p)
{
	(void)p;
	/* stop_all() changes states, which calls back here: one level. */
	if (sv->stop_depth > 0) {
		return;
	}
	sv->stop_depth++;
	supervisor_stop_step(sv);
	sv->stop_depth--;
}

void
supervisor_stop_all(struct supervisor *sv, enum sv_mood mood,
    supervisor_stopped_fn *done, void *arg)
{
	if (sv->stopping) {
		if (mood == SV_SHUTDOWN) {
			sv->mood = SV_SHUTDOWN;
		}
		return;
	}
	sv->mood = mood;
	sv->stopping = true;
	sv->on_stopped = done;
	sv->on_stopped_arg = arg;
	supervisor_publish_mood(sv);
	sv->stop_groups =
	    fv_xcalloc(sv->ngroups ? sv->ngroups : 1, sizeof(*sv->stop_groups));
	memcpy(sv->stop_groups, sv->groups,
	    sv->ngroups * sizeof(*sv->stop_groups));
	sv->nstop_groups = sv->ngroups;
	/* No process may start from now on: disarm pending (re)starts. */
	for (size_t i = 0; i < sv->ngroups; i++) {
		for (size_t j = 0; j < sv->groups[i]->nprocs; j++) {
			proc_reevaluate(sv->groups[i]->procs[j]);
		}
	}
	sv->stop_depth++;
	supervisor_stop_step(sv);
	sv->stop_depth--;
	if (sv->stopped_notified) {
		return;
	}
	/* 4.2.5 reports at once, then every 3 seconds. */
	supervisor_shutdown_report(sv);
	uv_timer_init(sv->loop, &sv->report_timer);
	sv->report_timer.data = sv;
	sv->report_timer_open = true;
	uv_timer_start(&sv->report_timer, supervisor_on_report_timer,
	    SV_SHUTDOWN_REPORT_MS, SV_SHUTDOWN_REPORT_MS);
}

void
supervisor_reopen_logs(struct supervisor *sv)
{
	for (size_t i = 0; i < sv->ngroups; i++) {
		for (size_t j = 0; j < sv->groups[i]->nprocs; j++) {
			proc_reopen_logs(sv->groups[i]->procs[j]);
		}
	}
}

void
supervisor_flush_logs(struct supervisor *sv)
{
	for (size_t i = 0; i < sv->ngroups; i++) {
		for (size_t j = 0; j < sv->groups[i]->nprocs; j++) {
			proc_flush_logs(sv->groups[i]->procs[j]);
		}
	}
}

void
supervisor_fini(struct supervisor *sv)
{
	/* First: 4.2.5 sends no PROCESS_GROUP_REMOVED when it exits. */
	event_hub_fini(&sv->events);
	for (size_t i = 0; i < sv->ngroups; i++) {
		struct evbus_event ev = { .kind = EVBUS_GROUP_REMOVED,
			.group = sv->groups[i] };

		evbus_publish(&sv->bus, &ev);
		group_free(sv->groups[i]);
	}
	free(sv->groups);
	free(sv->stop_groups);
	free(sv->pids);
	if (sv->report_timer_open) {
		uv_close((uv_handle_t *)&sv->report_timer, NULL);
	}
	proc_soon_fini(&sv->soon);
	evbus_fini(&sv->bus);
	sv->groups = NULL;
	sv->ngroups = 0;
}
