#ifndef FV_TESTS_UNIT_AGENT_RPC_FIXTURE_H
#define FV_TESTS_UNIT_AGENT_RPC_FIXTURE_H

/*
 * A process table on a private loop for the RPC method tests: a config in
 * a temporary directory, the supervisor with its reaper, an rpc_ctx, and
 * calls dispatched without HTTP, pending ones run on the loop until done
 * or a deadline. Included by test_rpc_process.c and test_rpc_log.c.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "common/xalloc.h"
#include "config/cfg.h"
#include "log/mainlog.h"
#include "process/supervisor.h"
#include "rpc/rpc.h"
#include "tests/support/testsupport.h"

struct fx {
	char *dir;
	uv_loop_t loop;
	uv_signal_t sigchld;
	struct cfg *cfg;
	struct mainlog *log;
	struct supervisor sv;
	struct rpc_ctx ctx;
	struct rpc_agent_ops ops;
	char *mainlog_path; /* what ops->mainlog_path answers */
	int clear_rv; /* what ops->mainlog_clear answers */
	int clears;
	bool stopped;
};

struct fx_call {
	struct rpc_call call;
	struct xr_value *params;
	int done; /* on_done runs */
};

static inline const char *
fx_ops_path(void *arg)
{
	return ((struct fx *)arg)->mainlog_path;
}

static inline int
fx_ops_clear(void *arg)
{
	struct fx *f = arg;

	f->clears++;
	return f->clear_rv;
}

static inline void
fx_on_sigchld(uv_signal_t *s, int signum)
{
	(void)signum;
	supervisor_reap(s->data);
}

/* fx_open builds everything from the program sections in progs. */
static inline struct fx *
fx_open(const char *progs)
{
	struct fx *f = fv_xcalloc(1, sizeof(*f));
	struct cfg_cli cli;
	struct fv_diag d = { "" };
	char *conf;
	int rv;
	struct sigaction ign = { .sa_handler = SIG_IGN };

	sigaction(SIGPIPE, &ign, NULL);
	f->dir = fv_test_mkdtemp();
	conf = fv_xasprintf("[supervisord]\n"
	                    "logfile=%s/main.log\n"
	                    "pidfile=%s/sd.pid\n"
	                    "childlogdir=%s\n"
	                    "loglevel=debug\n"
	                    "%s",
	    f->dir, f->dir, f->dir, progs);
	cfg_cli_init(&cli);
	cli.configfile = fv_test_write(f->dir, "supervisord.conf", conf);
	free(conf);
	rv = cfg_load(&cli, &f->cfg, &d);
	cfg_cli_fini(&cli);
	if (rv != 0) {
		fprintf(stderr, "cfg_load: %s\n", d.msg);
		abort();
	}
	uv_loop_init(&f->loop);
	f->log = mainlog_new(MAINLOG_DEBG, false);
	if (mainlog_open_file(f->log, &f->loop, f->cfg->sd.logfile, 0, 0, &d) !=
	    0) {
		fprintf(stderr, "mainlog: %s\n", d.msg);
		abort();
	}
	supervisor_init(&f->sv, &f->loop, f->log, f->cfg, NULL);
	if (supervisor_add_groups(&f->sv, &d) != 0) {
		fprintf(stderr, "groups: %s\n", d.msg);
		abort();
	}
	uv_signal_init(&f->loop, &f->sigchld);
	f->sigchld.data = &f->sv;
	uv_signal_start(&f->sigchld, fx_on_sigchld, SIGCHLD);
	supervisor_start(&f->sv);
	f->ops.mainlog_path = fx_ops_path;
	f->ops.mainlog_clear = fx_ops_clear;
	rpc_ctx_init(&f->ctx, &f->sv, &f->ops, f, f->cfg);
	return f;
}

static inline void
fx_on_stopped(void *arg)
{
	((struct fx *)arg)->stopped = true;
}

/* fx_run_until runs the loop until *flag or ms pass; returns *flag. */
static inline bool
fx_run_until(struct fx *f, const int *flag, uint64_t ms)
{
	uint64_t end;

	uv_update_time(&f->loop);
	end = uv_now(&f->loop) + ms;
	while (!*flag) {
		uv_update_time(&f->loop);
		if (uv_now(&f->loop) >= end) {
			break;
		}
		uv_run(&f->loop, UV_RUN_NOWAIT);
		if (!*flag) {
			/* No busy spin: a short nap between passes. */
			uv_sleep(2);
		}
	}
	return *flag != 0;
}

static inline void
fx_close(struct fx *f)
{
	int stopped = 0;

	rpc_ctx_fini(&f->ctx);
	supervisor_stop_all(&f->sv, SV_SHUTDOWN, fx_on_stopped, f);
	for (int i = 0; i < 3000 && !f->stopped; i++) {
		uv_run(&f->loop, UV_RUN_NOWAIT);
		uv_sleep(2);
	}
	stopped = f->stopped;
	if (!stopped) {
		fprintf(stderr, "fx_close: processes did not stop\n");
		abort();
	}
	supervisor_flush_logs(&f->sv);
	supervisor_fini(&f->sv);
	uv_close((uv_handle_t *)&f->sigchld, NULL);
	mainlog_close(f->log);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&f->loop) != 0) {
		fprintf(stderr, "fx_close: handles left open\n");
		abort();
	}
	cfg_free(f->cfg);
	fv_test_rmtree(f->dir);
	free(f->dir);
	free(f->mainlog_path);
	free(f);
}

static inline void
fx_on_done(struct rpc_call *call, void *arg)
{
	(void)call;
	((struct fx_call *)arg)->done++;
}

/*
 * fx_params builds a params array: "s" string, "i" int, "b" bool,
 * "d" double, "B" base64 (string arg).
 */
static inline struct xr_value *
fx_vparams(const char *fmt, va_list ap)
{
	struct xr_value *a = xr_array_new();

	for (const char *c = fmt; *c != '\0'; c++) {
		switch (*c) {
		case 's':
			xr_array_add_take(a, xr_string_new(va_arg(ap, char *)));
			break;
		case 'B': {
			const char *s = va_arg(ap, char *);

			xr_array_add_take(a, xr_base64_new(s, strlen(s)));
			break;
		}
		case 'i':
			xr_array_add_take(a, xr_int_new(va_arg(ap, int)));
			break;
		case 'b':
			xr_array_add_take(a, xr_bool_new(va_arg(ap, int)));
			break;
		case 'd':
			xr_array_add_take(a, xr_double_new(va_arg(ap, double)));
			break;
		default:
			abort();
		}
	}
	return a;
}

/* fx_start dispatches a call that may stay pending; see fx_call_wait. */
static inline enum rpc_status
fx_start(
    struct fx *f, struct fx_call *c, const char *method, const char *fmt, ...)
{
	va_list ap;

	memset(c, 0, sizeof(*c));
	c->call.ctx = &f->ctx;
	c->call.on_done = fx_on_done;
	c->call.on_done_arg = c;
	va_start(ap, fmt);
	c->params = fx_vparams(fmt, ap);
	va_end(ap);
	return rpc_dispatch(&c->call, method, c->params);
}

static inline void
fx_call_fini(struct fx_call *c)
{
	rpc_call_fini(&c->call);
	xr_value_free(c->params);
	c->params = NULL;
}

/* fx_call_wait runs the loop until the pending call is done (or ms). */
static inline bool
fx_call_wait(struct fx *f, struct fx_call *c, uint64_t ms)
{
	return fx_run_until(f, &c->done, ms);
}

/* fx_run_ms runs the loop for ms milliseconds. */
static inline void
fx_run_ms(struct fx *f, uint64_t ms)
{
	int never = 0;

	fx_run_until(f, &never, ms);
}

static inline struct proc *
fx_proc(struct fx *f, const char *ns)
{
	struct proc_group *g;
	struct proc *p;

	if (!supervisor_find(&f->sv, ns, &g, &p) || p == NULL) {
		abort();
	}
	return p;
}

/* fx_wait_state runs the loop until ns is in state st (or ms). */
static inline bool
fx_wait_state(struct fx *f, const char *ns, enum proc_state st, uint64_t ms)
{
	struct proc *p = fx_proc(f, ns);
	uint64_t end;

	uv_update_time(&f->loop);
	end = uv_now(&f->loop) + ms;
	while (proc_state(p) != st) {
		uv_update_time(&f->loop);
		if (uv_now(&f->loop) >= end) {
			return false;
		}
		uv_run(&f->loop, UV_RUN_NOWAIT);
		uv_sleep(2);
	}
	return true;
}

static inline const char *
fx_member_str(const struct xr_value *s, const char *name)
{
	return xr_string_get(xr_struct_get(s, name), NULL);
}

static inline int32_t
fx_member_int(const struct xr_value *s, const char *name)
{
	int32_t i = -12345;

	xr_int_get(xr_struct_get(s, name), &i);
	return i;
}

#endif
