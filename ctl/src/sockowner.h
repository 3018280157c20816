#ifndef FV_CTL_SOCKOWNER_H
#define FV_CTL_SOCKOWNER_H

#include <sys/types.h>

#include <stdbool.h>

/*
 * ctl_sock_listened_by tells whether process pid holds a listening UNIX
 * socket bound for path on this host: bound to path itself, or to the
 * "path.<pid>" name supervisord binds before linking it to path. Read
 * from /proc (net/unix, then pid's fds), so that a pid learned over the
 * socket (getPID) is only ever signalled when it is that server in our
 * own pid namespace; false whenever that cannot be shown.
 */
bool ctl_sock_listened_by(const char *path, pid_t pid);

#endif
