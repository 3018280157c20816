/*
 * Opening files whose bytes go to a peer. The rule lives here once so
 * that every place that serves a log (the XML-RPC reads, the /logtail
 * streams) refuses the same things: links and anything but a regular
 * file. It never creates or changes a file.
 */
#include "common/file.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int
fv_file_open_log(const char *path, struct stat *st)
{
	int fd, err;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		return -errno;
	}
	if (fstat(fd, st) != 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return -EACCES;
	}
	return fd;
}
