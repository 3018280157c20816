#ifndef FV_WEB_WEB_INT_H
#define FV_WEB_WEB_INT_H

#include <stdbool.h>

#include "common/str.h"
#include "http/http_server.h"
#include "web/web.h"

/*
 * Inside the web module: what web.c (routing), web_status.c (the status
 * page and its actions), web_tail.c (tail.html) and web_logtail.c (the
 * streams) share.
 */

/* The headers 4.2.5 puts on every page so that nothing caches it. */
void web_add_nocache(struct http_exchange *ex);

/*
 * web_respond_page answers 200 with an HTML page, taking body's storage,
 * or 500 when the page could not be built (rv < 0).
 */
void web_respond_page(struct http_exchange *ex, struct fv_buf *body, int rv);

/* web_status_handle serves "/" and "/index.html" with the form fields. */
void web_status_handle(struct web *w, struct http_exchange *ex,
    const struct http_request *req, const struct fv_kvmap *form);

/* web_tail_handle serves "/tail.html". */
void web_tail_handle(
    struct web *w, struct http_exchange *ex, const struct fv_kvmap *form);

/* web_streams_forget and web_calls_forget detach what w still lists
 * (web_fini). */
void web_streams_forget(struct web *w);
void web_calls_forget(struct web *w);

/* --- web_call.c ------------------------------------------------------- */

struct rpc_call;
struct xr_value;

/*
 * web_call_done_fn answers ex with the outcome of call (borrowed for the
 * callback). It must answer ex, as its last use of ex; arg is what
 * web_call_start was given.
 */
typedef void web_call_done_fn(
    struct http_exchange *ex, const struct rpc_call *call, void *arg);

/*
 * web_call_start calls method with params (taken) on behalf of ex, and
 * has done answer ex once the call is done: at once, or later with the
 * exchange held. A peer that goes away first cancels the call; done then
 * never runs. Either way arg_free(arg) runs once at the end (arg_free may
 * be NULL).
 */
void web_call_start(struct web *w, struct http_exchange *ex, const char *method,
    struct xr_value *params, web_call_done_fn *done, void *arg,
    void (*arg_free)(void *arg));

/*
 * web_rpc_now runs a method without params that answers at once (a
 * getter) into *call, which the caller finalizes with rpc_call_fini;
 * false on a fault (one that would wait is cancelled and counts as one).
 */
bool web_rpc_now(struct web *w, const char *method, struct rpc_call *call);

#endif
