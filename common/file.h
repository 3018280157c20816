#ifndef FV_COMMON_FILE_H
#define FV_COMMON_FILE_H

#include <sys/stat.h>

/*
 * fv_file_open_log opens path read-only for serving a log to a peer: the
 * last component must not be a symbolic link (O_NOFOLLOW) and the file
 * must be a regular file; its owner does not matter (logrotate's
 * "create 0640 app app" gives a log another owner). O_NONBLOCK keeps a
 * FIFO swapped in for the log from holding the caller in open(2). Fills
 * *st and returns the descriptor (close-on-exec), or a negative errno:
 * -ELOOP for a link, -EACCES for something that is not a regular file.
 */
int fv_file_open_log(const char *path, struct stat *st);

#endif
