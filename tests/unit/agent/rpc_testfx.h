#ifndef FV_TESTS_UNIT_AGENT_RPC_TESTFX_H
#define FV_TESTS_UNIT_AGENT_RPC_TESTFX_H

/*
 * The fixture of the test_rpc_* suites: a supervisor built from a config
 * file in a private directory, on its own loop, with an rpc_ctx whose
 * agent ops count what they were asked. Calls go straight to
 * rpc_dispatch; no HTTP.
 */

#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "config/cfg.h"
#include "log/mainlog.h"
#include "process/supervisor.h"
#include "rpc/rpc_methods.h"
#include "tests/support/testsupport.h"

extern char **environ;

struct rpc_testfx {
	char *dir;
	char *conffile;
	struct cfg *cfg;
	uv_loop_t loop;
	struct mainlog *log;
	struct supervisor sv;
	struct rpc_ctx ctx;
	int nshutdown, nrestart, nreread;
};

#define RPC_TESTFX_UNUSED __attribute__((unused))

static RPC_TESTFX_UNUSED int
rpc_testfx_load(const char *path, struct cfg **cfgp, struct fv_diag *d)
{
	struct cfg_cli cli;
	int rv;

	cfg_cli_init(&cli);
	cli.configfile = fv_xstrdup(path);
	rv = cfg_load(&cli, cfgp, d);
	cfg_cli_fini(&cli);
	return rv;
}

static void
rpc_testfx_shutdown(void *arg)
{
	((struct rpc_testfx *)arg)->nshutdown++;
}

static void
rpc_testfx_restart(void *arg)
{
	((struct rpc_testfx *)arg)->nrestart++;
}

static int
rpc_testfx_reread(void *arg, struct cfg **out, struct fv_diag *d)
{
	struct rpc_testfx *fx = arg;

	fx->nreread++;
	return rpc_testfx_load(fx->conffile, out, d);
}

static const struct rpc_agent_ops rpc_testfx_ops = {
	.shutdown = rpc_testfx_shutdown,
	.restart = rpc_testfx_restart,
	.reread = rpc_testfx_reread,
};

/* rpc_testfx_write replaces the config file's text (for a reread). */
static RPC_TESTFX_UNUSED void
rpc_testfx_write(struct rpc_testfx *fx, const char *body)
{
	char *text = fv_xasprintf("[supervisord]\n"
	                          "logfile=%s/sd.log\n"
	                          "childlogdir=%s\n"
	                          "identifier=fxident\n"
	                          "%s",
	    fx->dir, fx->dir, body);

	free(fx->conffile);
	fx->conffile = fv_test_write(fx->dir, "supervisord.conf", text);
	free(text);
}

/* rpc_testfx_new builds everything from the [program] etc. text body. */
static RPC_TESTFX_UNUSED struct rpc_testfx *
rpc_testfx_new(const char *body)
{
	struct rpc_testfx *fx = fv_xcalloc(1, sizeof(*fx));
	struct fv_diag d = { 0 };

	fx->dir = fv_test_mkdtemp();
	rpc_testfx_write(fx, body);
	if (rpc_testfx_load(fx->conffile, &fx->cfg, &d) != 0) {
		fprintf(stderr, "config: %s\n", d.msg);
		abort();
	}
	uv_loop_init(&fx->loop);
	fx->log = mainlog_new(MAINLOG_CRIT, false);
	supervisor_init(&fx->sv, &fx->loop, fx->log, fx->cfg, environ);
	if (supervisor_add_groups(&fx->sv, &d) != 0) {
		fprintf(stderr, "groups: %s\n", d.msg);
		abort();
	}
	rpc_ctx_init(&fx->ctx, &fx->sv, &rpc_testfx_ops, fx, fx->cfg);
	return fx;
}

static RPC_TESTFX_UNUSED void
rpc_testfx_free(struct rpc_testfx *fx)
{
	rpc_ctx_fini(&fx->ctx);
	supervisor_fini(&fx->sv);
	uv_run(&fx->loop, UV_RUN_DEFAULT);
	mainlog_close(fx->log);
	uv_run(&fx->loop, UV_RUN_DEFAULT);
	uv_loop_close(&fx->loop);
	cfg_free(fx->cfg);
	fv_test_rmtree(fx->dir);
	free(fx->dir);
	free(fx->conffile);
	free(fx);
}

/* rpc_testfx_call dispatches method with params (taken; NULL: none) and
 * expects an answer at once; the caller runs rpc_call_fini. */
static RPC_TESTFX_UNUSED void
rpc_testfx_call(struct rpc_testfx *fx, struct rpc_call *call,
    const char *method, struct xr_value *params)
{
	memset(call, 0, sizeof(*call));
	call->ctx = &fx->ctx;
	if (params == NULL) {
		params = xr_array_new();
	}
	if (rpc_dispatch(call, method, params) != RPC_DONE) {
		fprintf(stderr, "%s: did not answer at once\n", method);
		abort();
	}
	xr_value_free(params);
}

/* rpc_testfx_args makes a params array of n values (taken). */
static RPC_TESTFX_UNUSED struct xr_value *
rpc_testfx_args(int n, ...)
{
	struct xr_value *a = xr_array_new();
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		xr_array_add_take(a, va_arg(ap, struct xr_value *));
	}
	va_end(ap);
	return a;
}

#endif
