#ifndef FV_CTL_SOCKOWNER_H
#define FV_CTL_SOCKOWNER_H

#include <sys/types.h>

#include <signal.h>
#include <stdbool.h>

/*
 * ctl_sock_signal_owner sends sig to process pid, but only when pid is
 * shown to hold a listening UNIX socket bound for path in our network
 * namespace: bound to path itself, or to the "path.<digits>" name
 * supervisord binds before linking it to path. The socket is found with
 * the kernel's sock_diag netlink interface (exact names: a bound name
 * with a newline cannot forge an entry, as it can in /proc/net/unix), the
 * process is held by a pidfd while its fds are checked and signalled
 * (a pid reused meanwhile is never signalled). Returns 0 when signalled,
 * else a negative errno: -ESRCH when pid is not shown to hold such a
 * socket.
 */
int ctl_sock_signal_owner(const char *path, pid_t pid, int sig);

#endif
