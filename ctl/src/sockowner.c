/*
 * Who listens on a UNIX socket path, and signalling it (sockowner.h).
 * The listening sockets come from NETLINK_SOCK_DIAG with their bound
 * names and inodes; a process's fds link to "socket:[INODE]" in
 * /proc/PID/fd. The pidfd is opened before the fds are read, so the
 * process whose fds were read is the one signalled.
 */
#include "sockowner.h"

#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/str.h"
#include "common/xalloc.h"

/* TCP_LISTEN in the kernel's socket states, which unix_diag reuses. */
#define CTL_UNIX_LISTEN 10
/* Listening sockets looked at, at most: the answer is dropped beyond. */
#define CTL_SOCK_MAX 65536

/* ctl_sock_name_matches: the n bytes of bound are path, or path "."
 * digits. */
static bool
ctl_sock_name_matches(const char *bound, size_t n, const char *path)
{
	size_t plen = strlen(path);

	/* The kernel gives the name as bound, a closing NUL included when
	 * the binder counted it. */
	while (n > 0 && bound[n - 1] == '\0') {
		n--;
	}
	if (n < plen || memcmp(bound, path, plen) != 0) {
		return false;
	}
	if (n == plen) {
		return true;
	}
	if (bound[plen] != '.' || n == plen + 1) {
		return false;
	}
	for (size_t i = plen + 1; i < n; i++) {
		if (bound[i] < '0' || bound[i] > '9') {
			return false;
		}
	}
	return true;
}

/* ctl_sock_listeners appends to inos the inode of every listening UNIX
 * socket bound for path. 0 or a negative errno. */
static int
ctl_sock_listeners(const char *path, uint32_t **inos, size_t *n)
{
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req r;
	} req = {
		.nlh = { .nlmsg_len = sizeof(req),
		    .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		    .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.r = { .sdiag_family = AF_UNIX,
		    .udiag_states = 1u << CTL_UNIX_LISTEN,
		    .udiag_show = UDIAG_SHOW_NAME },
	};
	long buf[8192 / sizeof(long)];
	int fd, rv = 0;
	bool done = false;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0) {
		return -errno;
	}
	if (send(fd, &req, sizeof(req), 0) < 0) {
		rv = -errno;
		goto out;
	}
	while (!done && rv == 0) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (len < 0) {
			rv = errno == EINTR ? 0 : -errno;
			continue;
		}
		for (; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			struct unix_diag_msg *m = NLMSG_DATA(h);
			struct rtattr *a = (struct rtattr *)(m + 1);
			int alen;

			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(*m))) {
				rv = -EPROTO;
				break;
			}
			alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
			for (; RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
				if (a->rta_type != UNIX_DIAG_NAME ||
				    !ctl_sock_name_matches(
				        RTA_DATA(a), RTA_PAYLOAD(a), path)) {
					continue;
				}
				if (*n == CTL_SOCK_MAX) {
					rv = -E2BIG;
					break;
				}
				*inos = fv_xreallocarray(
				    *inos, *n + 1, sizeof(**inos));
				(*inos)[(*n)++] = m->udiag_ino;
			}
		}
	}
out:
	close(fd);
	return rv;
}

/* ctl_sock_holds tells whether the process of /proc/PID has an fd on one
 * of the n socket inodes. */
static bool
ctl_sock_holds(pid_t pid, const uint32_t *inos, size_t n)
{
	char dir[64], link[64];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	if ((d = opendir(dir)) == NULL) {
		return false;
	}
	while (!found && (e = readdir(d)) != NULL) {
		char *fdpath = fv_xasprintf("%s/%s", dir, e->d_name);
		ssize_t len = readlink(fdpath, link, sizeof(link) - 1);
		uintmax_t ino;
		char tail;

		free(fdpath);
		if (len <= 0) {
			continue;
		}
		link[len] = '\0';
		if (sscanf(link, "socket:[%ju%c", &ino, &tail) != 2 ||
		    tail != ']' || link[len - 1] != ']') {
			continue;
		}
		for (size_t i = 0; i < n && !found; i++) {
			found = inos[i] == ino;
		}
	}
	closedir(d);
	return found;
}

int
ctl_sock_signal_owner(const char *path, pid_t pid, int sig)
{
	uint32_t *inos = NULL;
	size_t n = 0;
	int pfd, rv;

	if (pid <= 0) {
		return -ESRCH;
	}
	if ((pfd = pidfd_open(pid, 0)) < 0) {
		return -errno;
	}
	if ((rv = ctl_sock_listeners(path, &inos, &n)) == 0) {
		if (n == 0 || !ctl_sock_holds(pid, inos, n)) {
			rv = -ESRCH;
		} else if (pidfd_send_signal(pfd, sig, NULL, 0) != 0) {
			rv = -errno;
		}
	}
	free(inos);
	close(pfd);
	return rv;
}
