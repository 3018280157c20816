#ifndef FV_CTL_HOSTS_H
#define FV_CTL_HOSTS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/str.h"
#include "proto/fleet_route.h"

/*
 * The pure rules of several servers: what each is called, which servers
 * the words of a command address, and the exit code of a command that
 * ran on several. No I/O here, so the unit tests hold every rule.
 */

/*
 * ctl_host_name_ok tells whether s can name a host: not empty, and no
 * '/', white space or glob character, so that "HOST/NAME" and host globs
 * stay unambiguous.
 */
bool ctl_host_name_ok(const char *s);

/*
 * ctl_host_names names n servers. Each is called by its identification
 * (idents[i]; NULL when unknown or 4.2.5's default "supervisor"), else by
 * the short name of its URL: the host of http://HOST:PORT, the socket's
 * file name without ".sock" for unix:///DIR/NAME.sock (the directory's
 * name for the default supervisor.sock). Names that would
 * be shared fall back to the longer name of the URL (HOST:PORT, or the
 * socket's directory name), and any still shared get "#2", "#3"... in
 * order. out[i] are new strings.
 */
void ctl_host_names(
    const char *const *urls, const char *const *idents, size_t n, char **out);

/*
 * Which servers a command addresses, and with what words, is
 * proto/fleet_route.h (fv_fleet_route): the same rule splits a fleet
 * command in the controller.
 */

/*
 * ctl_exit_merge is the exit code of a command that ran on several
 * servers, given the code so far and one server's: the highest, so the
 * result is 0 only when every server succeeded, and it does not depend on
 * the order in which servers answered.
 */
int ctl_exit_merge(int so_far, int one);

#endif
