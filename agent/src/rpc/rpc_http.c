/*
 * POST /RPC2: XML-RPC over the agent's HTTP servers. The body is parsed by
 * the codec, the call dispatched, and the answer written at once or, for
 * a method that waits, when it completes; the exchange's abort (the client
 * went away) cancels that call and nothing else.
 */
#include "rpc/rpc_http.h"

#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "log/mainlog.h"
#include "process/supervisor.h"
#include "proto/xmlrpc/xr_codec.h"

/* A response larger than this is refused as a fault (the methods cap
 * their own reads well below it). */
#define RPC_HTTP_MAX_RESPONSE (256u * 1024 * 1024)

struct rpc_http_call {
	struct rpc_call call;
	struct xr_request req;
	struct http_exchange *ex;
	struct rpc_http *rh;
};

static void
rpc_http_call_free(struct rpc_http_call *hc)
{
	rpc_call_fini(&hc->call);
	xr_request_fini(&hc->req);
	free(hc);
}

static void
rpc_http_answer(struct rpc_http_call *hc)
{
	struct mainlog *log = hc->rh->ctx->sv->log;
	struct fv_buf body;
	int rv;

	http_exchange_body(hc->ex, &body, RPC_HTTP_MAX_RESPONSE);
	if (hc->call.fault_code != 0) {
		mainlog_log(log, MAINLOG_TRAC,
		    "XML-RPC method %s() returned fault: [%d] %s",
		    hc->req.method, hc->call.fault_code,
		    hc->call.fault_string != NULL ? hc->call.fault_string : "");
		rv = xr_fault_write(&body, hc->call.fault_code,
		    hc->call.fault_string != NULL ? hc->call.fault_string : "");
	} else {
		mainlog_log(log, MAINLOG_TRAC,
		    "XML-RPC method %s() returned successfully",
		    hc->req.method);
		rv = xr_response_write(&body, hc->call.result);
	}
	if (rv != 0) {
		/* Too big or not encodable: still a well-formed answer. */
		mainlog_log(log, MAINLOG_ERRO,
		    "XML-RPC method %s(): the response cannot be sent: %s",
		    hc->req.method, fv_strerror(rv));
		fv_buf_reset(&body);
		xr_fault_write(&body, RPC_FAULT_FAILED,
		    "FAILED: the response is too large or not encodable");
	}
	http_respond_take(hc->ex, 200, "text/xml", &body);
	fv_buf_fini(&body);
}

static void
rpc_http_on_done(struct rpc_call *call, void *arg)
{
	struct rpc_http_call *hc = arg;

	(void)call;
	rpc_http_answer(hc);
	rpc_http_call_free(hc);
}

static void
rpc_http_on_abort(void *arg)
{
	struct rpc_http_call *hc = arg;

	rpc_call_cancel(&hc->call);
	rpc_http_call_free(hc);
}

/* rpc_http_fault answers a fault that no method produced. */
static void
rpc_http_fault(struct http_exchange *ex, int code, const char *msg)
{
	struct fv_buf body;

	fv_buf_init(&body, 64 * 1024);
	xr_fault_write(&body, code, msg);
	http_respond_take(ex, 200, "text/xml", &body);
	fv_buf_fini(&body);
}

void
rpc_http_handle(
    void *arg, struct http_exchange *ex, const struct http_request *req)
{
	struct rpc_http *rh = arg;
	struct mainlog *log = rh->ctx->sv->log;
	struct rpc_http_call *hc;
	struct fv_diag d = { "" };

	if (strcmp(req->method, "POST") != 0) {
		http_add_header(ex, "Allow", "POST");
		http_respond_error(ex, 405, false);
		return;
	}
	hc = fv_xcalloc(1, sizeof(*hc));
	hc->ex = ex;
	hc->rh = rh;
	if (rh->ctx->xml == NULL) {
		rh->ctx->xml = xr_parser_new();
	}
	if (xr_parser_request(rh->ctx->xml, req->body, req->body_len,
	        &rh->limits, &hc->req, &d) != 0) {
		enum xr_perr perr = hc->req.perr;

		mainlog_log(log, MAINLOG_ERRO,
		    "XML-RPC request data is invalid: %s", d.msg);
		xr_request_fini(&hc->req);
		free(hc);
		switch (perr) {
		case XR_PERR_SIZE:
			http_respond_error(ex, 413, true);
			break;
		case XR_PERR_NAME:
			rpc_http_fault(
			    ex, RPC_FAULT_UNKNOWN_METHOD, "UNKNOWN_METHOD");
			break;
		case XR_PERR_VALUE:
			rpc_http_fault(ex, RPC_FAULT_INCORRECT_PARAMETERS,
			    "INCORRECT_PARAMETERS");
			break;
		default:
			http_respond_error(ex, 400, false);
			break;
		}
		return;
	}
	mainlog_log(
	    log, MAINLOG_TRAC, "XML-RPC method called: %s()", hc->req.method);
	/* Without [rpcinterface:supervisor], 4.2.5 has only the system
	 * namespace, and supervisorctl says so. */
	if (!rh->supervisor_ns &&
	    strncmp(hc->req.method, "supervisor.", 11) == 0) {
		hc->call.fault_code = RPC_FAULT_UNKNOWN_METHOD;
		hc->call.fault_string = fv_xstrdup("UNKNOWN_METHOD");
		rpc_http_answer(hc);
		rpc_http_call_free(hc);
		return;
	}
	hc->call.ctx = rh->ctx;
	hc->call.on_done = rpc_http_on_done;
	hc->call.on_done_arg = hc;
	if (rpc_dispatch(&hc->call, hc->req.method, hc->req.params) ==
	    RPC_PENDING) {
		http_exchange_on_abort(ex, rpc_http_on_abort, hc);
		return;
	}
	rpc_http_answer(hc);
	rpc_http_call_free(hc);
}

void
rpc_http_init(struct rpc_http *rh, struct rpc_ctx *ctx, const struct cfg *cfg,
    size_t max_body)
{
	rh->ctx = ctx;
	rh->limits = xr_limits_request;
	rh->limits.max_body = max_body;
	rh->supervisor_ns = false;
	for (size_t i = 0; i < cfg->nrpcinterfaces; i++) {
		if (strcmp(cfg->rpcinterfaces[i].name, "supervisor") == 0) {
			rh->supervisor_ns = true;
		}
	}
}
