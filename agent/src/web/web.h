#ifndef FV_WEB_WEB_H
#define FV_WEB_WEB_H

#include <sys/queue.h>

#include "http/http_server.h"

/*
 * The web interface of the agent, on the HTTP server's routes: 4.2.5's
 * status page with its actions, tail.html, ok.html and the /logtail and
 * /mainlogtail streams that "supervisorctl tail -f" and "maintail -f"
 * read. Mount, in this order after /RPC2:
 *
 *     { "/logtail/", true, web_handle_logtail, &web },
 *     { "/mainlogtail", true, web_handle_mainlogtail, &web },
 *     { "/", true, web_handle_ui, &web },
 *
 * Everything runs on the loop thread. Log paths always come from the
 * configuration (a process's channel or the main log), never from a URL.
 */

struct rpc_ctx;
struct supervisor;
struct web_stream;
struct web_call;

struct web {
	struct rpc_ctx *rpc; /* borrowed */
	struct supervisor *sv; /* borrowed */
	LIST_HEAD(web_streams, web_stream) streams; /* live /logtail streams */
	LIST_HEAD(web_calls, web_call) calls; /* exchanges waiting on a call */
};

/* web_init prepares w over rpc and sv (both borrowed: they must outlive
 * every exchange the handlers hold). */
void web_init(struct web *w, struct rpc_ctx *rpc, struct supervisor *sv);

/*
 * web_fini forgets the streams and calls still listed, without ending
 * them: the HTTP server aborts their exchanges, and the abort callbacks
 * free what they hold. Call it after http_server_close and before
 * rpc_ctx_fini (an aborted exchange cancels its call in the context).
 */
void web_fini(struct web *w);

/* The handlers; arg is the struct web. */
http_handler_fn web_handle_ui, web_handle_logtail, web_handle_mainlogtail;

#endif
