#ifndef FV_PROTO_FLEET_NET_H
#define FV_PROTO_FLEET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nng/nng.h>

#include "common/err.h"
#include "fleet.pb-c.h"

/*
 * The fleet's nng sockets, set up the same way by the agent, the
 * controller and the ctl: URLs limited to tcp://, tls+tcp:// and ipc://,
 * the receive size bounded by FV_PROTO_MAXMSG (nng 1.5.2 has no bound by
 * default), reconnects with backoff (it has none by default), TLS from
 * PEM files, and envelopes moved in and out of nng messages through the
 * codec, so that every message crossing a socket is checked.
 */

/* Reconnect backoff of every dialer: from 100 ms, doubling, to 5 s.
 * nng waits a random time below the current step (full jitter), so a
 * restarted controller is not met by all its agents at once. */
#define FV_FLEET_RECONN_MIN_MS 100
#define FV_FLEET_RECONN_MAX_MS 5000

/* One side's TLS settings; the files are PEM. */
struct fv_fleet_tls {
	const char *ca_file; /* CAs to verify the peer with, or NULL */
	const char *cert_file; /* our certificate, or NULL */
	const char *key_file; /* its key (cert_file's own when NULL) */
	bool verify; /* refuse a peer without a certificate the CA signed */
	const char *server_name; /* dialer: the name the server's
	                          * certificate must carry, or NULL: the
	                          * URL's host */
};

enum fv_fleet_scheme {
	FV_FLEET_TCP,
	FV_FLEET_TLS,
	FV_FLEET_IPC,
};

/*
 * fv_fleet_url_check checks that url is tcp://HOST:PORT,
 * tls+tcp://HOST:PORT ([v6] hosts too) or ipc:///PATH and says which in
 * *scheme (may be NULL). The diagnostic names what is wrong without
 * repeating more than the URL itself.
 */
int fv_fleet_url_check(
    const char *url, enum fv_fleet_scheme *scheme, struct fv_diag *d);

/*
 * Each controller address is a pair: commands on the URL given, events on
 * its companion, so that agents and clients need one URL per controller.
 * fv_fleet_events_url writes the companion of url into buf: the next port
 * for tcp:// and tls+tcp:// ("tcp://h:7400" -> "tcp://h:7401"), the path
 * with ".events" appended for ipc://. FV_EBADCONF when url is invalid or
 * its port is 65535.
 */
int fv_fleet_events_url(
    const char *url, char *buf, size_t n, struct fv_diag *d);

/* fv_fleet_socket_setup sets the receive bound and the reconnect
 * backoff on s. */
int fv_fleet_socket_setup(nng_socket s, struct fv_diag *d);

/*
 * fv_fleet_listen and fv_fleet_dial start a listener or a dialer on s
 * for url, with tls applied when the URL is tls+tcp:// (tls must then
 * not be NULL; a listener needs cert_file). A dial does not wait for the
 * peer: the dialer keeps trying with the socket's backoff. Errors name
 * the URL and nng's reason; a TLS file that cannot be read is named.
 */
int fv_fleet_listen(nng_socket s, const char *url,
    const struct fv_fleet_tls *tls, nng_listener *out, struct fv_diag *d);
int fv_fleet_dial(nng_socket s, const char *url, const struct fv_fleet_tls *tls,
    nng_dialer *out, struct fv_diag *d);

/*
 * fv_fleet_msg_new encodes env (after fv_pb_envelope_check) into a new
 * nng message for nng_sendmsg / nng_ctx_sendmsg / nng_aio_set_msg.
 */
int fv_fleet_msg_new(
    const Fleetvisor__V1__Envelope *env, nng_msg **out, struct fv_diag *d);

/*
 * fv_fleet_msg_decode decodes a received message's body (m stays the
 * caller's). On failure *request_id holds the id fv_pb_envelope_peek
 * found (0 if none) and *version the peer's version (0 if unreadable),
 * for the Error answer; either may be NULL.
 */
int fv_fleet_msg_decode(nng_msg *m, Fleetvisor__V1__Envelope **envp,
    uint64_t *request_id, uint32_t *version, struct fv_diag *d);

/*
 * fv_fleet_error_msg builds the Error envelope a receiver answers with
 * when it refuses a request: code, the message (truncated to what the
 * codec allows), our version, and the request's id.
 */
int fv_fleet_error_msg(uint64_t request_id, Fleetvisor__V1__Error__Code code,
    const char *message, nng_msg **out);

/* fv_fleet_pipe_addr writes the peer address of p ("10.0.0.5:4321",
 * "[::1]:80", "ipc:///path") into buf; "" when nng cannot tell. */
void fv_fleet_pipe_addr(nng_pipe p, char *buf, size_t n);

/*
 * fv_fleet_secret_read reads a per-agent secret file: its bytes with one
 * trailing newline removed, FV_PB_SECRET_MIN to FV_FLEET_SECRET_MAX of
 * them. A file that others than its owner may read or write, or that is
 * not a regular file, is refused: the secret is what proves a node's
 * name. *len gets the length; buf holds FV_FLEET_SECRET_MAX bytes.
 */
#define FV_FLEET_SECRET_MAX 4096
int fv_fleet_secret_read(
    const char *path, uint8_t *buf, size_t *len, struct fv_diag *d);

/* fv_fleet_random fills n bytes from the kernel's random source (aborts
 * if it has none: nonces, sessions and ids must not be guessable). */
void fv_fleet_random(void *p, size_t n);

/* fv_fleet_random_id writes a random [A-Za-z0-9] id of n-1 characters
 * and its NUL into buf. */
void fv_fleet_random_id(char *buf, size_t n);

#endif
