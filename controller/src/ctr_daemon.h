#ifndef FV_CONTROLLER_CTR_DAEMON_H
#define FV_CONTROLLER_CTR_DAEMON_H

#include "common/err.h"

/*
 * Running in the background: the pidfile and daemonizing. The parent
 * process waits until the child says that it started (or why not), so
 * that `fleetvisor-controller -c FILE` fails visibly when it cannot
 * listen.
 */

/* The pidfile is locked and written with common/pidfile.h. */

/* ctr_pidfile_remove removes path if it still holds our pid. */
void ctr_pidfile_remove(const char *path);

/*
 * ctr_daemonize forks: the parent waits for the child's word and exits
 * with 0 (started) or 2 (the child's message goes to stderr); the child
 * returns 0 with a descriptor for ctr_daemon_ready in *fd, in a new
 * session, with stdin/stdout/stderr on /dev/null.
 */
int ctr_daemonize(int *fd, struct fv_diag *d);

/* ctr_daemon_ready tells the waiting parent: msg NULL = started, else
 * why not. Closes fd. fd < 0: nothing. */
void ctr_daemon_ready(int fd, const char *msg);

#endif
