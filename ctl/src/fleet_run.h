#ifndef FV_CTL_FLEET_RUN_H
#define FV_CTL_FLEET_RUN_H

#include "common/str.h"
#include "ctl.h"
#include "fleet.h"

/*
 * fleetvisorctl against a controller: the 4.2.5 commands sent to the
 * fleet as Commands, the answers printed as the several-server mode
 * prints several servers (hostout.h), and what the shell completes.
 */

/* ctl_fleet_attach opens ctl's link to the controller at url (ctl.c's
 * ctl_set_server calls it); a failure leaves ctl->server_error set. */
void ctl_fleet_attach(struct ctl *ctl, const char *url);

/* ctl_fleet_run runs command c with argument text arg on the hosts its
 * words and the --labels option select; returns the merged exit code. */
int ctl_fleet_run(struct ctl *ctl, const struct ctl_cmd *c, const char *arg);

/* ctl_fleet_need says, for a command that only works with a controller,
 * that this session has none (or why its link is unusable): 0 when it
 * has one, else the exit code after the message. */
int ctl_fleet_need(struct ctl *ctl, const char *cmd);

/* ctl_fleet_fail prints a controller-level failure (d's message) and
 * returns 1. */
int ctl_fleet_fail(struct ctl *ctl, const struct fv_diag *d);

/* ctl_fleet_registry fills names with the registry's node names (with
 * the --labels selection); false, with d, when the controller did not
 * answer. connected (may be NULL) counts the connected ones. */
bool ctl_fleet_registry(struct ctl *ctl, struct fv_strv *names,
    size_t *connected, struct fv_diag *d);

/* ctl_fleet_all_infos is every host's process infos (new array; empty
 * when the controller does not answer): the shell completes names from
 * it. */
struct xr_value *ctl_fleet_all_infos(struct ctl *ctl);

/* ctl_fleet_follow is tail -f and maintail -f through the controller:
 * ACTION_TAIL / ACTION_MAINTAIL polled with offsets (fleet_follow.c). */
int ctl_fleet_follow(
    struct ctl *ctl, const struct ctl_cmd *c, int argc, char **argv);

/* ctl_fleet_mtail is mtail through the controller: the channels of the
 * processes argv names on each host, polled likewise. */
int ctl_fleet_mtail(struct ctl *ctl, const char *const *channels,
    size_t nchannels, int argc, char **argv);

#endif
