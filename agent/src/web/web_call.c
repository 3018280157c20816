/*
 * An RPC call made on behalf of a page (a status-page action, tail.html):
 * dispatched exactly as a client's call would be, the exchange held until
 * the call is done, then answered by the page's callback. A peer that
 * goes away first cancels the call. The abort callback is in place before
 * anything can end the exchange, and is taken away before the answer, so
 * nothing here is touched by the server once the exchange is answered.
 */
#include <stdlib.h>

#include "common/xalloc.h"
#include "proto/xmlrpc/xr_value.h"
#include "rpc/rpc.h"
#include "web/web_int.h"

struct web_call {
	struct web *web; /* borrowed; NULL once unlisted */
	struct http_exchange *ex;
	struct xr_value *params; /* owned: kept for the call's whole life */
	struct rpc_call call;
	web_call_done_fn *done;
	void *arg;
	void (*arg_free)(void *arg);
	LIST_ENTRY(web_call) link;
};

static void
web_call_unlink(struct web_call *c)
{
	if (c->web != NULL) {
		LIST_REMOVE(c, link);
		c->web = NULL;
	}
}

static void
web_call_free(struct web_call *c)
{
	web_call_unlink(c);
	rpc_call_fini(&c->call);
	xr_value_free(c->params);
	if (c->arg_free != NULL) {
		c->arg_free(c->arg);
	}
	free(c);
}

void
web_calls_forget(struct web *w)
{
	while (!LIST_EMPTY(&w->calls)) {
		web_call_unlink(LIST_FIRST(&w->calls));
	}
}

/* web_call_answer hands the outcome to the page and frees c. */
static void
web_call_answer(struct web_call *c)
{
	struct http_exchange *ex = c->ex;

	/* From here on the server has nothing of ours to call back. */
	http_exchange_on_abort(ex, NULL, NULL);
	c->ex = NULL;
	c->done(ex, &c->call, c->arg);
	web_call_free(c);
}

static void
web_call_on_done(struct rpc_call *call, void *arg)
{
	(void)call;
	web_call_answer(arg);
}

static void
web_call_on_abort(void *arg)
{
	struct web_call *c = arg;

	rpc_call_cancel(&c->call);
	web_call_free(c);
}

void
web_call_start(struct web *w, struct http_exchange *ex, const char *method,
    struct xr_value *params, web_call_done_fn *done, void *arg,
    void (*arg_free)(void *arg))
{
	struct web_call *c = fv_xcalloc(1, sizeof(*c));

	c->web = w;
	c->ex = ex;
	c->params = params;
	c->done = done;
	c->arg = arg;
	c->arg_free = arg_free;
	c->call.ctx = w->rpc;
	c->call.on_done = web_call_on_done;
	c->call.on_done_arg = c;
	LIST_INSERT_HEAD(&w->calls, c, link);
	http_exchange_on_abort(ex, web_call_on_abort, c);
	if (rpc_dispatch(&c->call, method, c->params) == RPC_DONE) {
		web_call_answer(c);
	}
}

bool
web_rpc_now(struct web *w, const char *method, struct rpc_call *call)
{
	struct xr_value *params = xr_array_new();
	enum rpc_status st;

	*call = (struct rpc_call){ .ctx = w->rpc };
	st = rpc_dispatch(call, method, params);
	if (st == RPC_PENDING) {
		rpc_call_cancel(call);
	}
	xr_value_free(params);
	return st == RPC_DONE && call->fault_code == 0 && call->result != NULL;
}
