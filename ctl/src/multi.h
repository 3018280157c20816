#ifndef FV_CTL_MULTI_H
#define FV_CTL_MULTI_H

#include "ctl.h"

/*
 * Several servers at once. Each server has its own one-server session
 * (a struct ctl with its own loop), so every command keeps 4.2.5's logic,
 * messages and codes per server; a command runs on all addressed servers
 * at once, one thread per server, each writing into its own buffers.
 * Their output is then printed in the order the servers were given, each
 * line after the server's name in a column, and the exit code is the
 * highest of theirs (hosts.h).
 */
struct ctl_multi;

/* ctl_multi_init gives ctl a session per URL of urls (two or more). */
void ctl_multi_init(struct ctl *ctl, const struct fv_strv *urls);
void ctl_multi_fini(struct ctl *ctl);

/* ctl_multi_run runs command c with argument text arg on the servers its
 * words address (see ctl_route) and returns the merged exit code. */
int ctl_multi_run(struct ctl *ctl, const struct ctl_cmd *c, const char *arg);

/* ctl_multi_all_infos asks every server for getAllProcessInfo at once and
 * returns every answer's processes in one array (new; servers that do not
 * answer add nothing): what the shell completes names from. */
struct xr_value *ctl_multi_all_infos(struct ctl *ctl);

/*
 * ctl_multi_servers lists the servers for commands that open their own
 * connections (mtail): their names and URLs, in order, after naming them
 * as ctl_multi_run does. Borrowed until the next command.
 */
size_t ctl_multi_servers(
    struct ctl *ctl, const char *const **names, const char *const **urls);

#endif
