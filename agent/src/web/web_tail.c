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

void
web_tail_handle(
    struct web *w, struct http_exchange *ex, const struct fv_kvmap *form)
{
	const char *ns = fv_kvmap_get(form, "processname");
	unsigned long limit = web_tail_limit(fv_kvmap_get(form, "limit"));
	struct xr_value *params;
	struct rpc_call call = { .ctx = w->rpc };
	const char *text = "No process name found";
	size_t n = strlen(text);
	char *msg = NULL;
	struct fv_buf out;
	int rv;

	if (ns != NULL) {
		params = xr_array_new();
		xr_array_add_take(params, xr_string_new(ns));
		xr_array_add_take(params, xr_int_new(-(int32_t)limit));
		xr_array_add_take(params, xr_int_new(0));
		if (rpc_dispatch(&call, "supervisor.readProcessStdoutLog",
		        params) == RPC_PENDING) {
			rpc_call_cancel(&call);
			call.fault_code = RPC_FAULT_FAILED;
		}
		xr_value_free(params);
		if (call.fault_code == RPC_FAULT_NO_FILE) {
			msg = fv_xasprintf("No file for %s", ns);
		} else if (call.fault_code != 0 || call.result == NULL) {
			msg = fv_xasprintf(
			    "ERROR: unexpected rpc fault [%d] %s",
			    call.fault_code,
			    call.fault_string != NULL ? call.fault_string : "");
		} else {
			text = xr_string_get(call.result, &n);
			if (text == NULL) {
				text = "", n = 0;
			}
		}
		if (msg != NULL) {
			text = msg, n = strlen(msg);
		}
	}
	fv_buf_init(&out, WEB_PAGE_MAX);
	rv = web_render_tail(&out, ns, text, n, limit);
	web_respond_page(ex, &out, rv);
	fv_buf_fini(&out);
	free(msg);
	rpc_call_fini(&call);
}
