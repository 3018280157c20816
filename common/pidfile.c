/* The pidfile as a lock (pidfile.h). */
#include "common/pidfile.h"

#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
fv_pidfile_lock(const char *path, int *fdp, char *holder, size_t holder_size,
    struct fv_diag *d)
{
	char buf[32] = "";
	ssize_t n;
	int fd, e;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		return fv_diagf(d, -errno, "could not open pidfile %s: %s",
		    path, strerror(errno));
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		*fdp = fd;
		return 0;
	}
	e = errno;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	close(fd);
	if (e == EWOULDBLOCK) {
		snprintf(holder, holder_size, "%s", buf[0] ? buf : "unknown");
		return FV_ESTATE;
	}
	return fv_diagf(
	    d, -e, "could not lock pidfile %s: %s", path, strerror(e));
}

int
fv_pidfile_write(int fd, pid_t pid)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);

	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		return -errno;
	}
	return 0;
}
