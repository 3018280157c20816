#ifndef FV_PROTO_FLEET_CLOSE_H
#define FV_PROTO_FLEET_CLOSE_H

#include <stdbool.h>
#include <stddef.h>

#include <nng/nng.h>

/*
 * fv_fleet_close closes the n sockets, in order, on a thread of its own
 * and waits at most wait_ms for it.
 *
 * nng 1.5.2 (Debian 12's) can hang in nng_close for ever. Its ipc (and
 * tcp) pipe reads a message in two steps, header then body, and starts
 * the second from the first one's callback without looking whether the
 * pipe was closed meanwhile; the read it starts is then refused, so the
 * protocol's pending receive never ends, and nng's one reaper thread
 * waits for it in pipe teardown, for good (upstream nanomsg/nng#1543 and
 * #1813). From then on no pipe or socket of the process is ever torn
 * down. It takes a close (of a socket or of a pipe, from our side) that
 * meets a message half read: seen here about once in a hundred runs of
 * the controller's end-to-end test on a loaded machine. A client that is
 * exiting, or a test tearing down, must not hang on it: the thread is
 * then left behind, and the caller goes on.
 *
 * Returns true when every socket was closed within wait_ms. The sockets
 * must not be used after the call, whatever it returns.
 */
bool fv_fleet_close(const nng_socket *socks, size_t n, unsigned wait_ms);

/*
 * fv_fleet_bounded runs fn(arg) on a thread of its own, with every
 * signal blocked, and waits at most wait_ms for it: true when it
 * returned in time. Otherwise fn goes on (or stays stuck) alone, and arg
 * must outlive it: the caller leaves it allocated. For teardown that
 * calls nng_close and then waits on nng (nng_aio_free).
 */
typedef void fv_fleet_job_fn(void *arg);
bool fv_fleet_bounded(fv_fleet_job_fn *fn, void *arg, unsigned wait_ms);

#endif
