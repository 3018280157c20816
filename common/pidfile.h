#ifndef FV_COMMON_PIDFILE_H
#define FV_COMMON_PIDFILE_H

#include <sys/types.h>

#include <stddef.h>

#include "common/err.h"

/*
 * The pidfile as a lock: one instance per pidfile (RELIABILITY G9). The
 * lock is flock(2) on the open file, so it is held exactly as long as the
 * process lives (through fork() too) and goes with its death, whoever
 * reaps it and whatever the file still says: neither a stale pid nor a
 * dead instance not yet reaped (a zombie, which kill(pid, 0) still finds)
 * nor a reused pid makes it lie.
 */

/*
 * fv_pidfile_lock opens path (creating it, not truncating) and takes the
 * lock. FV_ESTATE when another process holds it, with the pid its file
 * holds ("unknown" when none) in holder; -errno with d otherwise.
 */
int fv_pidfile_lock(const char *path, int *fd, char *holder, size_t holder_size,
    struct fv_diag *d);

/* fv_pidfile_write replaces the locked file's text with "PID\n". */
int fv_pidfile_write(int fd, pid_t pid);

#endif
