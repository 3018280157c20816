#ifndef FV_CTL_FLEET_H
#define FV_CTL_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/str.h"
#include "fleet.pb-c.h"
#include "proto/fleet_net.h"

/*
 * fleetvisorctl's link to a fleetvisor-controller: a REQ socket on the
 * controller's clients URL, one request at a time, each with a fresh
 * random id and a deadline. The answers are checked by the codec; an
 * Error answer, a reply of the wrong kind and silence past the deadline
 * become a message in the caller's fv_diag. Replies of several pages are
 * fetched whole. Blocking: the ctl asks one controller, which itself
 * asks the hosts at once.
 */
struct ctl_fleet;

/* How long the controller gives the hosts by default, and how much
 * longer we wait for the controller's own answer. */
#define CTL_FLEET_TIMEOUT_MS 30000u
#define CTL_FLEET_GRACE_MS   1500u
/* How long closing a socket may take before the ctl goes on without it
 * (fv_fleet_close: nng 1.5.2's close can hang). */
#define CTL_FLEET_CLOSE_WAIT_MS 2000u

/* Errors besides the codec's: silence past the deadline, an Error. */
#define CTL_FLEET_ETIMEDOUT (-20100)
#define CTL_FLEET_EREFUSED  (-20101)

/*
 * ctl_fleet_open dials url (tcp://, tls+tcp:// or ipc://) with tls
 * (borrowed, copied as needed; may be NULL) and returns at once: the
 * connection is made in the background and retried. timeout_ms is the
 * deadline given to the controller for each command (0: the default).
 * FV_EBADCONF with d for a bad URL or TLS file.
 */
int ctl_fleet_open(const char *url, const struct fv_fleet_tls *tls,
    unsigned timeout_ms, struct ctl_fleet **out, struct fv_diag *d);
/* ctl_fleet_close closes the link, waiting at most
 * CTL_FLEET_CLOSE_WAIT_MS for nng; NULL is a no-op. */
void ctl_fleet_close(struct ctl_fleet *f);

const char *ctl_fleet_url(const struct ctl_fleet *f);
unsigned ctl_fleet_timeout(const struct ctl_fleet *f);
/* ctl_fleet_tls is the TLS settings the link was opened with (borrowed),
 * for the events socket. */
const struct fv_fleet_tls *ctl_fleet_tls(const struct ctl_fleet *f);

/*
 * ctl_fleet_request sends env (its version, request id and deadline are
 * set here) and waits up to wait_ms for the answer, which must have the
 * body want. *reply is the caller's (free with
 * fleetvisor__v1__envelope__free_unpacked). CTL_FLEET_ETIMEDOUT when
 * nothing came, CTL_FLEET_EREFUSED for an Error answer, FV_EPROTO or
 * FV_ETOOBIG for an answer that does not decode or is of another kind;
 * d says it in words.
 */
int ctl_fleet_request(struct ctl_fleet *f, Fleetvisor__V1__Envelope *env,
    Fleetvisor__V1__Envelope__BodyCase want, unsigned wait_ms,
    Fleetvisor__V1__Envelope **reply, struct fv_diag *d);

/* The pages of one answer, in order; the results point into them. */
struct ctl_fleet_pages {
	Fleetvisor__V1__Envelope **v; /* owned */
	size_t n;
};
void ctl_fleet_pages_fini(struct ctl_fleet_pages *p);

/*
 * ctl_fleet_command sends one Command (selector s, borrowed) and fetches
 * every page of its CommandReply into *pages. Errors as
 * ctl_fleet_request.
 */
int ctl_fleet_command(struct ctl_fleet *f, const Fleetvisor__V1__Selector *s,
    Fleetvisor__V1__Command__Action action, char *const *args, size_t nargs,
    struct ctl_fleet_pages *pages, struct fv_diag *d);

/* ctl_fleet_hosts asks for the registry rows s selects (NULL: all), every
 * page. */
int ctl_fleet_hosts(struct ctl_fleet *f, const Fleetvisor__V1__Selector *s,
    struct ctl_fleet_pages *pages, struct fv_diag *d);

/*
 * ctl_fleet_selector fills s from words: a word KEY=VALUE is a label
 * (every one must match), any other a node name or glob (any may
 * match); no word selects all. labels (a "k=v,k=v" list, may be NULL)
 * adds labels. Strings are borrowed from words and labels' copy in
 * store; release with ctl_fleet_selector_fini. FV_EUSAGE with d for a
 * label that the protocol refuses.
 */
struct ctl_fleet_sel {
	Fleetvisor__V1__Selector sel;
	Fleetvisor__V1__KeyValue *kv;
	Fleetvisor__V1__KeyValue **kvp;
	char **names;
	struct fv_strv store;
};
int ctl_fleet_selector(struct ctl_fleet_sel *s, const char *labels,
    char *const *words, size_t nwords, struct fv_diag *d);
void ctl_fleet_selector_fini(struct ctl_fleet_sel *s);

#endif
