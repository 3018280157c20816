/*
 * The status page and its actions. The page is built from one
 * getAllProcessInfo call, so it costs one pass over the table whatever
 * its size. An action is an RPC call made through rpc_dispatch, exactly
 * what a client would call; the exchange is held until the call is done
 * (a start waits for RUNNING, as 4.2.5's deferred actions do), then
 * answered with a redirect to the page with the message. A peer that goes
 * away first cancels the call. Nothing here acts on a process directly.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/xalloc.h"
#include "config/cfg.h"
#include "process/supervisor.h"
#include "proto/xmlrpc/xr_value.h"
#include "rpc/rpc.h"
#include "web/web_form.h"
#include "web/web_int.h"
#include "web/web_page.h"

/* What an action's answer needs once its call is done. */
struct web_action {
	enum web_act act;
	bool post;
	char *ns; /* the processname field, or NULL */
};

/* web_redirect answers with the page's address and message: 4.2.5's 301
 * for its GET links, 303 (see other) after a POST form. The address is
 * relative, so the page works behind a proxy that adds a path prefix. */
static void
web_redirect(struct http_exchange *ex, bool post, const char *msg)
{
	static const char body[] =
	    "<!DOCTYPE html>\n<title>Moved</title>\n"
	    "<p><a href=\"./\">Supervisor status</a></p>\n";
	struct fv_buf loc;

	fv_buf_init(&loc, WEB_PAGE_MAX);
	fv_buf_puts(&loc, "?message=");
	web_url_quote(&loc, msg, true);
	http_add_header(ex, "Location", fv_buf_cstr(&loc));
	fv_buf_fini(&loc);
	web_add_nocache(ex);
	http_respond(ex, post ? 303 : 301, "text/html", body, strlen(body));
}

static void
web_action_free(void *arg)
{
	struct web_action *a = arg;

	free(a->ns);
	free(a);
}

static void
web_action_done(
    struct http_exchange *ex, const struct rpc_call *call, void *arg)
{
	struct web_action *a = arg;
	char *msg = web_act_message(a->act, a->ns != NULL ? a->ns : "",
	    call->fault_code, call->fault_string, time(NULL));

	web_redirect(ex, a->post, msg);
	free(msg);
}

/* web_call_struct is {methodName: method, params: [ns]} or params []. */
static struct xr_value *
web_call_struct(const char *method, const char *ns)
{
	struct xr_value *s = xr_struct_new(), *p = xr_array_new();

	if (ns != NULL) {
		xr_array_add_take(p, xr_string_new(ns));
	}
	xr_struct_set_take(s, "methodName", xr_string_new(method));
	xr_struct_set_take(s, "params", p);
	return s;
}

/* web_action_call fills params and returns the method to call. */
static const char *
web_action_call(const struct web_action *a, struct xr_value *params)
{
	struct xr_value *calls;

	switch (a->act) {
	case WEB_ACT_START:
		xr_array_add_take(params, xr_string_new(a->ns));
		return "supervisor.startProcess";
	case WEB_ACT_STOP:
		xr_array_add_take(params, xr_string_new(a->ns));
		return "supervisor.stopProcess";
	case WEB_ACT_CLEARLOG:
		xr_array_add_take(params, xr_string_new(a->ns));
		return "supervisor.clearProcessLogs";
	case WEB_ACT_STOPALL:
		return "supervisor.stopAllProcesses";
	case WEB_ACT_RESTART:
		calls = xr_array_new();
		xr_array_add_take(
		    calls, web_call_struct("supervisor.stopProcess", a->ns));
		xr_array_add_take(
		    calls, web_call_struct("supervisor.startProcess", a->ns));
		xr_array_add_take(params, calls);
		return "system.multicall";
	case WEB_ACT_RESTARTALL:
		calls = xr_array_new();
		xr_array_add_take(calls,
		    web_call_struct("supervisor.stopAllProcesses", NULL));
		xr_array_add_take(calls,
		    web_call_struct("supervisor.startAllProcesses", NULL));
		xr_array_add_take(params, calls);
		return "system.multicall";
	case WEB_ACT_REFRESH:
		break;
	}
	return NULL;
}

static void
web_action_start(struct web *w, struct http_exchange *ex, enum web_act act,
    bool post, const char *ns)
{
	struct web_action *a = fv_xcalloc(1, sizeof(*a));
	struct xr_value *params = xr_array_new();
	const char *method;

	a->act = act;
	a->post = post;
	a->ns = ns != NULL ? fv_xstrdup(ns) : NULL;
	method = web_action_call(a, params);
	web_call_start(
	    w, ex, method, params, web_action_done, a, web_action_free);
}

static const char *
web_member_str(const struct xr_value *s, const char *name)
{
	return xr_string_get(xr_struct_get(s, name), NULL);
}

/* web_status_page answers with the page, showing message (or NULL). */
static void
web_status_page(struct web *w, struct http_exchange *ex, const char *message)
{
	struct rpc_call info, ident, version;
	struct web_status_page pg = { .message = message };
	struct web_row *rows = NULL;
	size_t n = 0, len = 0;
	struct fv_buf out;
	int rv;

	if (!web_rpc_now(w, "supervisor.getAllProcessInfo", &info)) {
		rpc_call_fini(&info);
		http_respond_error(ex, 500, false);
		return;
	}
	len = xr_array_len(info.result);
	rows = fv_xcalloc(len + 1, sizeof(*rows));
	for (size_t i = 0; i < len; i++) {
		const struct xr_value *s = xr_array_at(info.result, i);
		struct web_row *r = &rows[n];
		int32_t state;

		r->group = web_member_str(s, "group");
		r->name = web_member_str(s, "name");
		r->statename = web_member_str(s, "statename");
		r->description = web_member_str(s, "description");
		if (r->group == NULL || r->name == NULL ||
		    r->statename == NULL || r->description == NULL ||
		    !xr_int_get(xr_struct_get(s, "state"), &state)) {
			continue;
		}
		r->state = state;
		n++;
	}
	pg.identification =
	    web_rpc_now(w, "supervisor.getIdentification", &ident)
	    ? xr_string_get(ident.result, NULL)
	    : NULL;
	if (pg.identification == NULL) {
		pg.identification = w->sv->cfg->sd.identifier;
	}
	pg.version = web_rpc_now(w, "supervisor.getSupervisorVersion", &version)
	    ? xr_string_get(version.result, NULL)
	    : NULL;
	if (pg.version == NULL) {
		pg.version = "";
	}

	fv_buf_init(&out, WEB_PAGE_MAX);
	rv = web_render_status(&out, &pg, rows, n);
	web_respond_page(ex, &out, rv);
	fv_buf_fini(&out);
	free(rows);
	rpc_call_fini(&info);
	rpc_call_fini(&ident);
	rpc_call_fini(&version);
}

void
web_status_handle(struct web *w, struct http_exchange *ex,
    const struct http_request *req, const struct fv_kvmap *form)
{
	const char *action = fv_kvmap_get(form, "action");
	const char *ns = fv_kvmap_get(form, "processname");
	bool post = strcmp(req->method, "POST") == 0;
	struct proc_group *g;
	struct proc *p;
	char *msg;
	int act;

	if (action == NULL) {
		web_status_page(w, ex, fv_kvmap_get(form, "message"));
		return;
	}
	/* 4.2.5 answers 500 to an action it does not know; a bad request
	 * is what it is. */
	if ((act = web_act_parse(action)) < 0 ||
	    (web_act_per_process((enum web_act)act) && ns == NULL)) {
		http_respond_error(ex, 400, false);
		return;
	}
	if (web_act_per_process((enum web_act)act) &&
	    (!supervisor_find(w->sv, ns, &g, &p) || p == NULL)) {
		msg = web_msg_no_such_process(ns);
		web_redirect(ex, post, msg);
		free(msg);
		return;
	}
	if (act == WEB_ACT_REFRESH) {
		msg = web_act_message(WEB_ACT_REFRESH, "", 0, NULL, time(NULL));
		web_redirect(ex, post, msg);
		free(msg);
		return;
	}
	web_action_start(w, ex, (enum web_act)act, post, ns);
}
