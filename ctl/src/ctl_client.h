#ifndef FV_CTL_CTL_CLIENT_H
#define FV_CTL_CTL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "common/err.h"
#include "proto/xmlrpc/xr_codec.h"
#include "proto/xmlrpc/xr_value.h"

/*
 * fleetvisorctl's view of one server (a supervisord or fleetvisord): its
 * URL, its credentials, and XML-RPC calls and log streams over its HTTP
 * server, on a libuv loop. Calls to several servers run at once; the
 * commands wait for all of them with ctl_client_wait, so a command's code
 * reads top to bottom while twenty servers answer concurrently.
 */

struct ctl_server;

/* What became of a call. */
enum ctl_outcome {
	CTL_OK, /* value holds the result */
	CTL_FAULT, /* fault_code / fault_string */
	CTL_HTTP_ERROR, /* an HTTP status other than 200: http_status */
	CTL_NET_ERROR, /* could not connect, reset, timeout: err, msg */
};

struct ctl_result {
	enum ctl_outcome outcome;
	struct xr_value *value; /* owned; CTL_OK */
	int fault_code; /* CTL_FAULT */
	char *fault_string; /* owned; CTL_FAULT */
	int http_status; /* CTL_HTTP_ERROR (401: credentials wanted) */
	int err; /* CTL_NET_ERROR: a negative errno (-ECONNREFUSED,
	          * -ENOENT for a missing UNIX socket, -ETIMEDOUT) */
	char *msg; /* owned: a readable description for every outcome
	            * but CTL_OK */
};

void ctl_result_fini(struct ctl_result *r);

/*
 * ctl_server_new describes a server: url is "unix:///path" or
 * "http://host[:port]" (4.2.5's supervisorctl forms; a path after the
 * port is ignored as 4.2.5 does); user and pass may be NULL. Nothing is
 * connected yet. FV_EUSAGE with d for a URL that is neither.
 */
int ctl_server_new(uv_loop_t *loop, const char *url, const char *user,
    const char *pass, struct ctl_server **out, struct fv_diag *d);
void ctl_server_free(struct ctl_server *s);

/* The URL as given, and a short name for it (the host, or the socket's
 * file name) for multi-server output. */
const char *ctl_server_url(const struct ctl_server *s);
const char *ctl_server_short(const struct ctl_server *s);

/* ctl_server_set_auth replaces the credentials (after a 401 prompt). */
void ctl_server_set_auth(
    struct ctl_server *s, const char *user, const char *pass);

/*
 * A call in flight. ctl_call starts method(params) (params taken; NULL
 * for none) on s and returns at once; the result is ready once
 * ctl_client_wait has returned for it. Calls on one server are sent on
 * one keep-alive connection in order or on several connections; calls on
 * different servers run concurrently.
 */
struct ctl_call;
struct ctl_call *ctl_call(
    struct ctl_server *s, const char *method, struct xr_value *params);
/* ctl_call_result is the outcome (borrowed until ctl_call_free). */
const struct ctl_result *ctl_call_result(const struct ctl_call *c);
bool ctl_call_done(const struct ctl_call *c);
void ctl_call_free(struct ctl_call *c);

/*
 * ctl_client_wait runs loop until every call of calls[] is done or
 * timeout_ms passes (calls not done then end with CTL_NET_ERROR
 * -ETIMEDOUT). timeout_ms 0: no limit.
 */
void ctl_client_wait(
    uv_loop_t *loop, struct ctl_call **calls, size_t n, unsigned timeout_ms);

/* ctl_call_sync is ctl_call + ctl_client_wait for one call; the result is
 * moved into *out (fini it). */
void ctl_call_sync(struct ctl_server *s, const char *method,
    struct xr_value *params, struct ctl_result *out);

/*
 * A log stream: GET path (e.g. "/logtail/foo/stdout", "/mainlogtail"),
 * bytes handed to on_data as they arrive (chunked framing undone), then
 * on_end once with the outcome (CTL_OK at a clean end of the stream, or
 * CTL_HTTP_ERROR / CTL_NET_ERROR). ctl_stream_stop ends it early; on_end
 * is not called after it. The stream is freed once on_end returns: do not
 * call ctl_stream_stop after on_end (inside it is fine).
 */
struct ctl_stream;
struct ctl_stream *ctl_stream_open(struct ctl_server *s, const char *path,
    void (*on_data)(void *arg, const char *p, size_t n),
    void (*on_end)(void *arg, const struct ctl_result *r), void *arg);
void ctl_stream_stop(struct ctl_stream *st);

#endif
