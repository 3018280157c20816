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

/* web_streams_forget and web_actions_forget detach what w still lists
 * (web_fini). */
void web_streams_forget(struct web *w);
void web_actions_forget(struct web *w);

#endif
