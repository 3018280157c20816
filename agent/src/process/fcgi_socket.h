#ifndef FV_PROCESS_FCGI_SOCKET_H
#define FV_PROCESS_FCGI_SOCKET_H

#include "config/cfg.h"

/*
 * The listening socket of a [fcgi-program:x] group, created by the agent
 * before any of the group's processes and handed to each of them as fd 0
 * (4.2.5 socket_manager.py). Unlike 4.2.5, which closes it whenever no
 * process of the group is running, it stays open for the life of the
 * group, so connections queue up across restarts instead of being refused.
 */

/* fcgi_socket_open binds and listens; the error names the socket. */
int fcgi_socket_open(
    const struct cfg_fcgi_socket *s, int *fd, struct fv_diag *d);

/* fcgi_socket_close closes fd and, for a UNIX socket, unlinks its path. */
void fcgi_socket_close(const struct cfg_group *g, int fd);

#endif
