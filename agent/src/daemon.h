#ifndef FV_DAEMON_H
#define FV_DAEMON_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

#include "common/str.h"

/*
 * What supervisord 4.2.5's ServerOptions does to the daemon process
 * itself: privileges, resource limits, the pidfile, daemonizing and the
 * cleanup of old AUTO child logs. Each returns 0 or an error with 4.2.5's
 * message in d; none of them logs.
 */

struct fv_diag;

/*
 * daemon_set_uid drops to uid (-1: none) as set_uid_or_exit() does; msgs
 * gets the critical (running as root) or info (success) line to log.
 */
int daemon_set_uid(long uid, struct fv_strv *criticals, struct fv_strv *infos,
    struct fv_diag *d);

/* daemon_set_rlimits raises RLIMIT_NOFILE/NPROC to minfds/minprocs. */
int daemon_set_rlimits(long long minfds, long long minprocs,
    struct fv_strv *infos, struct fv_diag *d);

/*
 * daemon_lock_pidfile takes the pidfile's lock (common/pidfile.h); a
 * running instance holding it gives an error naming its pid. Write the
 * pid with fv_pidfile_write.
 */
int daemon_lock_pidfile(const char *path, int *fd, struct fv_diag *d);

/*
 * daemon_fork forks: the parent exits 0, the child returns 0 after
 * setsid(), stdio to /dev/null and umask (4.2.5 _daemonize()). chdir
 * errors are reported through dir_msg (a critical line) or the info
 * line "set current directory: '...'", for the caller to log.
 */
int daemon_fork(const char *directory, long long umask, char **dir_msg,
    bool *dir_ok, struct fv_diag *d);

/* daemon_clear_autochildlogs removes old AUTO logs of identifier from dir
 * (4.2.5 clear_autochildlogdir); failures go into warnings. */
void daemon_clear_autochildlogs(
    const char *dir, const char *identifier, struct fv_strv *warnings);

/* daemon_autolog_name_matches is 4.2.5's regular expression
 * '.+?---IDENT-\S+\.log\.{0,1}\d{0,4}' (re.match) as a function. */
bool daemon_autolog_name_matches(const char *name, const char *identifier);

/* The variable every child gets, naming the agent's pidfile: the mark by
 * which a restarted agent finds what a killed one left behind. */
#define DAEMON_MARK_VAR "FLEETVISORD_PIDFILE"

/*
 * daemon_sweep_leftovers kills (SIGKILL) every process that carries
 * DAEMON_MARK_VAR=pidfile in its environment: the children and their
 * descendants of a previous agent on this pidfile that was killed before
 * it could stop them. Only call it while holding the pidfile lock, before
 * spawning. Returns how many were killed.
 */
size_t daemon_sweep_leftovers(const char *pidfile);

/* daemon_ensure_stdio opens /dev/null on any of fds 0-2 that is closed, so
 * that no pipe or log ever lands there. */
void daemon_ensure_stdio(void);

#endif
