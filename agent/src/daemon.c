/*
 * The daemon process's own set-up, as supervisord 4.2.5's ServerOptions
 * does it (set_uid_or_exit, set_rlimits_or_exit, _daemonize,
 * write_pidfile, clear_autochildlogdir), plus one thing 4.2.5 lacks: an
 * exclusive lock on the pidfile, so that a second agent with the same
 * configuration refuses to start before it touches anything shared.
 * Nothing here logs: callers get messages back and decide.
 */
#include "daemon.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/pidfile.h"
#include "common/xalloc.h"
#include "ident.h"

int
daemon_set_uid(long uid, struct fv_strv *criticals, struct fv_strv *infos,
    struct fv_diag *d)
{
	struct ident id;
	const char *why;

	if (uid < 0) {
		if (getuid() == 0) {
			fv_strv_push(criticals,
			    "Supervisor is running as root.  Privileges were "
			    "not dropped because no user is specified in the "
			    "config file.  If you intend to run as root, you "
			    "can set user=root in the config file to avoid "
			    "this message.");
		}
		return 0;
	}
	ident_prepare(uid, &id);
	why = id.plan == IDENT_SWITCH ? ident_apply(&id) : id.fail_msg;
	if (why != NULL) {
		fv_diagf(d, FV_EBADCONF, "%s", why);
		ident_fini(&id);
		return FV_EBADCONF;
	}
	ident_fini(&id);
	fv_strv_push_take(
	    infos, fv_xasprintf("Set uid to user %ld succeeded", uid));
	return 0;
}

/* Raise res to at least min; -1 with *hard set when that is refused. */
static int
daemon_rlimit(int res, const char *name, long long min, struct fv_strv *infos,
    long long *hard)
{
	struct rlimit rl;

	if (getrlimit(res, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
	    (long long)rl.rlim_cur >= min) {
		return 0;
	}
	if (rl.rlim_max != RLIM_INFINITY && (long long)rl.rlim_max < min) {
		/* Only root may raise the hard limit; 4.2.5 tries anyway,
		 * and its message then quotes this raised value. */
		rl.rlim_max = (rlim_t)min;
	}
	rl.rlim_cur = (rlim_t)min;
	if (setrlimit(res, &rl) != 0) {
		*hard =
		    rl.rlim_max == RLIM_INFINITY ? -1 : (long long)rl.rlim_max;
		return -1;
	}
	fv_strv_push_take(
	    infos, fv_xasprintf("Increased %s limit to %lld", name, min));
	return 0;
}

int
daemon_set_rlimits(long long minfds, long long minprocs, struct fv_strv *infos,
    struct fv_diag *d)
{
	long long hard = 0;

	if (daemon_rlimit(
	        RLIMIT_NOFILE, "RLIMIT_NOFILE", minfds, infos, &hard) != 0) {
		return fv_diagf(d, FV_EBADCONF,
		    "The minimum number of file descriptors required to run "
		    "this process is %lld as per the \"minfds\" command-line "
		    "argument or config file setting. The current environment "
		    "will only allow you to open %lld file descriptors.  "
		    "Either raise the number of usable file descriptors in "
		    "your environment (see README.rst) or lower the minfds "
		    "setting in the config file to allow the process to "
		    "start.",
		    minfds, hard);
	}
	if (daemon_rlimit(
	        RLIMIT_NPROC, "RLIMIT_NPROC", minprocs, infos, &hard) != 0) {
		return fv_diagf(d, FV_EBADCONF,
		    "The minimum number of available processes required to "
		    "run this program is %lld as per the \"minprocs\" "
		    "command-line argument or config file setting. The "
		    "current environment will only allow you to open %lld "
		    "processes.  Either raise the number of usable processes "
		    "in your environment (see README.rst) or lower the "
		    "minprocs setting in the config file to allow the program "
		    "to start.",
		    minprocs, hard);
	}
	return 0;
}

int
daemon_lock_pidfile(const char *path, int *fdp, struct fv_diag *d)
{
	char holder[32];
	int rv = fv_pidfile_lock(path, fdp, holder, sizeof(holder), d);

	if (rv == FV_ESTATE) {
		return fv_diagf(d, FV_ESTATE,
		    "Another fleetvisord is already running with pidfile %s "
		    "(pid %s).  Shut it down first before starting another "
		    "one.",
		    path, holder);
	}
	return rv;
}

static void
daemon_devnull(int target, int flags)
{
	int fd = open("/dev/null", flags);

	if (fd >= 0 && fd != target) {
		dup2(fd, target);
		close(fd);
	}
}

int
daemon_fork(const char *directory, long long umask_v, char **dir_msg,
    bool *dir_ok, struct fv_diag *d)
{
	pid_t pid = fork();

	*dir_msg = NULL;
	*dir_ok = true;
	if (pid < 0) {
		return fv_diagf(d, -errno, "fork: %s", strerror(errno));
	}
	if (pid > 0) {
		_exit(0);
	}
	if (directory != NULL) {
		if (chdir(directory) != 0) {
			*dir_ok = false;
			*dir_msg = fv_xasprintf("can't chdir into '%s': [Errno "
			                        "%d] %s: '%s'",
			    directory, errno, strerror(errno), directory);
		} else {
			*dir_msg = fv_xasprintf(
			    "set current directory: '%s'", directory);
		}
	}
	daemon_devnull(0, O_RDONLY);
	daemon_devnull(1, O_WRONLY);
	daemon_devnull(2, O_WRONLY);
	setsid();
	if (umask_v >= 0) {
		umask((mode_t)umask_v);
	}
	return 0;
}

bool
daemon_autolog_name_matches(const char *name, const char *identifier)
{
	size_t il = strlen(identifier);

	if (name[0] == '\0') {
		return false;
	}
	/* '.+?' : at least one character before "---IDENT-". */
	for (const char *p = name + 1; *p != '\0'; p++) {
		const char *q;

		if (strncmp(p, "---", 3) != 0 ||
		    strncmp(p + 3, identifier, il) != 0 || p[3 + il] != '-') {
			continue;
		}
		/* '\S+\.log': one or more non-space characters, then
		 * ".log" (anything may follow: re.match is not anchored). */
		q = p + 4 + il;
		for (const char *r = q + 1; r[-1] != '\0' && r[-1] != ' ' &&
		     r[-1] != '\t' && r[-1] != '\n' && r[-1] != '\r' &&
		     r[-1] != '\f' && r[-1] != '\v';
		     r++) {
			if (strncmp(r, ".log", 4) == 0) {
				return true;
			}
		}
	}
	return false;
}

void
daemon_clear_autochildlogs(
    const char *dir, const char *identifier, struct fv_strv *warnings)
{
	DIR *dp = opendir(dir);
	struct dirent *de;

	if (dp == NULL) {
		fv_strv_push(warnings, "Could not clear childlog dir");
		return;
	}
	while ((de = readdir(dp)) != NULL) {
		char *path;

		if (!daemon_autolog_name_matches(de->d_name, identifier)) {
			continue;
		}
		path = fv_xasprintf("%s/%s", dir, de->d_name);
		if (unlink(path) != 0) {
			fv_strv_push_take(warnings,
			    fv_xasprintf("Failed to clean up '%s'", path));
		}
		free(path);
	}
	closedir(dp);
}

void
daemon_ensure_stdio(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			daemon_devnull(fd, fd == 0 ? O_RDONLY : O_WRONLY);
		}
	}
}

/* Whether /proc/PID/environ holds the exact entry want (NUL-separated). */
static bool
daemon_environ_has(const char *pid, const char *want, size_t wlen)
{
	char path[300];
	char *buf = NULL;
	size_t len = 0, cap = 0;
	bool found = false;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/environ", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		return false;
	}
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			/* An environment is bounded by ARG_MAX; stop at 4 MiB.
			 */
			if (cap >= 4u << 20) {
				break;
			}
			cap = cap ? cap * 2 : 16384;
			buf = fv_xrealloc(buf, cap);
		}
		n = read(fd, buf + len, cap - len);
		if (n <= 0) {
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	for (size_t i = 0; i < len;) {
		size_t e = i;

		while (e < len && buf[e] != '\0') {
			e++;
		}
		if (e - i == wlen && memcmp(buf + i, want, wlen) == 0) {
			found = true;
			break;
		}
		i = e + 1;
	}
	free(buf);
	return found;
}

size_t
daemon_sweep_leftovers(const char *pidfile)
{
	char *want = fv_xasprintf("%s=%s", DAEMON_MARK_VAR, pidfile);
	size_t wlen = strlen(want), n = 0;
	DIR *dp = opendir("/proc");
	struct dirent *de;
	pid_t self = getpid();

	if (dp == NULL) {
		free(want);
		return 0;
	}
	while ((de = readdir(dp)) != NULL) {
		char *end;
		long v = strtol(de->d_name, &end, 10);

		if (*end != '\0' || v <= 0 || (pid_t)v == self) {
			continue;
		}
		if (daemon_environ_has(de->d_name, want, wlen) &&
		    kill((pid_t)v, SIGKILL) == 0) {
			n++;
		}
	}
	closedir(dp);
	free(want);
	return n;
}
