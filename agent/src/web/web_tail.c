/*
 * tail.html: the end of a process's stdout log in a page, read through
 * readProcessStdoutLog as 4.2.5 does, so the RPC layer alone decides which
 * file that is. The size asked for is bounded here: a page is for reading,
 * and the agent's memory must not depend on a query string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "proto/xmlrpc/xr_value.h"
#include "rpc/rpc.h"
#include "web/web_int.h"
#include "web/web_page.h"

/* 4.2.5 shows at least this much. */
#define WEB_TAIL_MIN 1024UL
/* And we show at most this much, whatever limit says. */
#define WEB_TAIL_MAX (1024UL * 1024)

/* web_tail_limit reads the limit field as 4.2.5 does: digits only, else
 * 1024; never below 1024. */
static unsigned long
web_tail_limit(const char *s)
{
	unsigned long v = 0;

	if (s == NULL || *s == '\0') {
		return WEB_TAIL_MIN;
	}
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			return WEB_TAIL_MIN;
		}
		if (v <= WEB_TAIL_MAX) {
			v = v * 10 + (unsigned long)(*p - '0');
		}
	}
	if (v > WEB_TAIL_MAX) {
		v = WEB_TAIL_MAX;
	}
	return v < WEB_TAIL_MIN ? WEB_TAIL_MIN : v;
}

/* What the page needs once the read is done. */
struct web_tail {
	char *ns; /* the processname field, or NULL */
	unsigned long limit;
};

static void
web_tail_free(void *arg)
{
	struct web_tail *t = arg;

	free(t->ns);
	free(t);
}

/* web_tail_render answers ex with the page showing the n bytes at text. */
static void
web_tail_render(struct http_exchange *ex, const char *ns, const char *text,
    size_t n, unsigned long limit)
{
	struct fv_buf out;
	int rv;

	fv_buf_init(&out, WEB_PAGE_MAX);
	rv = web_render_tail(&out, ns, text, n, limit);
	web_respond_page(ex, &out, rv);
	fv_buf_fini(&out);
}

static void
web_tail_done(struct http_exchange *ex, const struct rpc_call *call, void *arg)
{
	struct web_tail *t = arg;
	const char *text = NULL;
	char *msg = NULL;
	size_t n = 0;

	if (call->fault_code == RPC_FAULT_NO_FILE) {
		msg = fv_xasprintf("No file for %s", t->ns);
	} else if (call->fault_code != 0 || call->result == NULL) {
		msg = fv_xasprintf("ERROR: unexpected rpc fault [%d] %s",
		    call->fault_code,
		    call->fault_string != NULL ? call->fault_string : "");
	} else if ((text = xr_string_get(call->result, &n)) == NULL) {
		text = "", n = 0;
	}
	if (msg != NULL) {
		text = msg, n = strlen(msg);
	}
	web_tail_render(ex, t->ns, text, n, t->limit);
	free(msg);
}

void
web_tail_handle(
    struct web *w, struct http_exchange *ex, const struct fv_kvmap *form)
{
	const char *ns = fv_kvmap_get(form, "processname");
	unsigned long limit = web_tail_limit(fv_kvmap_get(form, "limit"));
	const char *none = "No process name found";
	struct xr_value *params;
	struct web_tail *t;

	if (ns == NULL) {
		web_tail_render(ex, NULL, none, strlen(none), limit);
		return;
	}
	t = fv_xcalloc(1, sizeof(*t));
	t->ns = fv_xstrdup(ns);
	t->limit = limit;
	params = xr_array_new();
	xr_array_add_take(params, xr_string_new(ns));
	xr_array_add_take(params, xr_int_new(-(int32_t)limit));
	xr_array_add_take(params, xr_int_new(0));
	/* The read may wait for the log writer: the page then follows. */
	web_call_start(w, ex, "supervisor.readProcessStdoutLog", params,
	    web_tail_done, t, web_tail_free);
}
