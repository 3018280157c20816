#ifndef FV_RPC_RPC_HTTP_H
#define FV_RPC_RPC_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "config/cfg.h"
#include "http/http_server.h"
#include "proto/xmlrpc/xr_codec.h"
#include "rpc/rpc.h"

/*
 * The XML-RPC endpoint (POST /RPC2, and every path under it, as 4.2.5's
 * prefix match). How a body that does not parse is answered:
 * over the body cap 413, not XML or not a methodCall 400 (as 4.2.5), a
 * methodName over 256 bytes Fault 1, a value that is not its type Fault 2.
 */
struct rpc_http {
	struct rpc_ctx *ctx; /* borrowed */
	struct xr_limits limits;
	bool supervisor_ns; /* [rpcinterface:supervisor] is configured */
};

/* rpc_http_init prepares the endpoint for ctx under cfg's interfaces. */
void rpc_http_init(struct rpc_http *rh, struct rpc_ctx *ctx,
    const struct cfg *cfg, size_t max_body);

/* rpc_http_handle is the route handler; arg is the struct rpc_http. */
void rpc_http_handle(
    void *arg, struct http_exchange *ex, const struct http_request *req);

#endif
