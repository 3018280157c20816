/*
 * FastCGI listening sockets (4.2.5 socket_manager.py and datatypes.py's
 * InetStreamSocketConfig / UnixStreamSocketConfig). Owns nothing but the
 * descriptor it returns.
 */
#include "process/fcgi_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int
fcgi_socket_fail(struct fv_diag *d, const struct cfg_fcgi_socket *s, int fd,
    const char *what)
{
	int e = errno;

	if (fd >= 0) {
		close(fd);
	}
	return fv_diagf(d, -e, "Could not create FastCGI socket %s: %s: %s",
	    s->url, what, strerror(e));
}

static int
fcgi_socket_unix(const struct cfg_fcgi_socket *s, int *fdp, struct fv_diag *d)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(s->path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return fcgi_socket_fail(d, s, -1, "path");
	}
	memcpy(sun.sun_path, s->path, strlen(s->path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		return fcgi_socket_fail(d, s, -1, "socket");
	}
	/* 4.2.5 removes a stale socket file first. */
	if (unlink(s->path) != 0 && errno != ENOENT) {
		return fcgi_socket_fail(d, s, fd, "unlink");
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		return fcgi_socket_fail(d, s, fd, "bind");
	}
	if (s->mode >= 0 && chmod(s->path, (mode_t)s->mode) != 0) {
		return fcgi_socket_fail(d, s, fd, "chmod");
	}
	if (s->has_owner &&
	    chown(s->path, (uid_t)s->owner_uid, (gid_t)s->owner_gid) != 0) {
		return fcgi_socket_fail(d, s, fd, "chown");
	}
	*fdp = fd;
	return 0;
}

static int
fcgi_socket_tcp(const struct cfg_fcgi_socket *s, int *fdp, struct fv_diag *d)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char port[16];
	int fd, one = 1, rv;

	snprintf(port, sizeof(port), "%d", s->port);
	if ((rv = getaddrinfo(s->host, port, &hints, &res)) != 0) {
		return fv_diagf(d, FV_EBADCONF,
		    "Could not create FastCGI socket %s: %s", s->url,
		    gai_strerror(rv));
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		freeaddrinfo(res);
		return fcgi_socket_fail(d, s, -1, "socket");
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
		freeaddrinfo(res);
		return fcgi_socket_fail(d, s, fd, "bind");
	}
	freeaddrinfo(res);
	*fdp = fd;
	return 0;
}

int
fcgi_socket_open(const struct cfg_fcgi_socket *s, int *fdp, struct fv_diag *d)
{
	int fd = -1, rv;

	rv = s->path != NULL ? fcgi_socket_unix(s, &fd, d)
	                     : fcgi_socket_tcp(s, &fd, d);
	if (rv != 0) {
		return rv;
	}
	if (listen(fd, s->backlog > 0 ? (int)s->backlog : SOMAXCONN) != 0) {
		return fcgi_socket_fail(d, s, fd, "listen");
	}
	/* Handed to children as fd 0: close-on-exec only for the agent's
	 * own later execs, the spawner clears it on fd 0. */
	*fdp = fd;
	return 0;
}

void
fcgi_socket_close(const struct cfg_group *g, int fd)
{
	if (fd < 0) {
		return;
	}
	close(fd);
	if (g->socket.path != NULL) {
		unlink(g->socket.path);
	}
}
