/*
 * Who listens on a UNIX socket path (sockowner.h), from /proc. The
 * kernel lists each bound UNIX socket in /proc/net/unix with its inode
 * and bound name; a process's fds link to "socket:[INODE]".
 */
#include "sockowner.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xalloc.h"

/* The flag of a listening socket in /proc/net/unix (__SO_ACCEPTCON). */
#define CTL_UNIX_ACCEPTCON 0x10000UL

/* ctl_sock_name_matches: bound is path, or path "." digits. */
static bool
ctl_sock_name_matches(const char *bound, const char *path)
{
	size_t n = strlen(path);

	if (strncmp(bound, path, n) != 0) {
		return false;
	}
	if (bound[n] == '\0') {
		return true;
	}
	if (bound[n] != '.' || bound[n + 1] == '\0') {
		return false;
	}
	return strspn(bound + n + 1, "0123456789") == strlen(bound + n + 1);
}

/* ctl_sock_holds tells whether pid has an fd on socket inode ino. */
static bool
ctl_sock_holds(pid_t pid, uintmax_t ino)
{
	char dir[64], link[64], want[64];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	snprintf(want, sizeof(want), "socket:[%ju]", ino);
	if ((d = opendir(dir)) == NULL) {
		return false;
	}
	while (!found && (e = readdir(d)) != NULL) {
		char *fdpath = fv_xasprintf("%s/%s", dir, e->d_name);
		ssize_t n = readlink(fdpath, link, sizeof(link) - 1);

		free(fdpath);
		if (n > 0) {
			link[n] = '\0';
			found = strcmp(link, want) == 0;
		}
	}
	closedir(d);
	return found;
}

bool
ctl_sock_listened_by(const char *path, pid_t pid)
{
	FILE *f = fopen("/proc/net/unix", "re");
	char *line = NULL;
	size_t cap = 0;
	bool found = false;

	if (f == NULL || pid <= 0) {
		if (f != NULL) {
			fclose(f);
		}
		return false;
	}
	/* "Num: RefCount Protocol Flags Type St Inode Path" */
	while (!found && getline(&line, &cap, f) > 0) {
		unsigned long flags;
		uintmax_t ino;
		int off = 0;
		char *bound;

		if (sscanf(line, "%*s %*s %*s %lx %*s %*s %ju %n", &flags, &ino,
		        &off) < 2 ||
		    off == 0 || !(flags & CTL_UNIX_ACCEPTCON)) {
			continue;
		}
		bound = line + off;
		bound[strcspn(bound, "\n")] = '\0';
		found = ctl_sock_name_matches(bound, path) &&
		    ctl_sock_holds(pid, ino);
	}
	free(line);
	fclose(f);
	return found;
}
