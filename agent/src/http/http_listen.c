/*
 * Binding the listeners of [unix_http_server] and [inet_http_server] as
 * 4.2.5's openhttpservers does. A UNIX socket is bound under a temporary
 * name, given its mode, then hard-linked to its real name, so that no
 * client ever sees it with the wrong permissions and a live agent's socket
 * is never taken over: only a socket nobody answers on is replaced.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "http/http_internal.h"
#include "log/mainlog.h"

static const char http_inuse_msg[] =
    "Another program is already listening on a port that one of our HTTP "
    "servers is configured to use.  Shut this program down first before "
    "starting supervisord.";

/* http_listen_errno words an unexpected socket error as 4.2.5 does. */
static int
http_listen_errno(int err, struct fv_diag *d)
{
	if (err == EADDRINUSE) {
		return fv_diagf(d, FV_EBADCONF, "%s", http_inuse_msg);
	}
	return fv_diagf(d, FV_EBADCONF,
	    "Cannot open an HTTP server: socket.error reported %s (%d)",
	    strerrorname_np(err) != NULL ? strerrorname_np(err) : "errno", err);
}

static void
http_listen_on_connection(uv_stream_t *h, int status)
{
	struct http_listener *l = h->data;

	if (status < 0) {
		return; /* EMFILE and the like: the next accept retries */
	}
	http_conn_accept(l);
}

/* Is somebody answering on the UNIX socket at path? */
static bool
http_unix_in_use(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, rv;

	/* Non-blocking: a live agent too busy to accept (a full backlog)
	 * must not stall our startup; it counts as in use. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		return true; /* cannot tell: do not remove anything */
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	rv = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	/* A full backlog (EAGAIN) is a live server too. */
	return rv == 0 || (errno != ECONNREFUSED && errno != ENOENT);
}

static int
http_unix_bind(const struct cfg_server *cs, int *fdp, struct fv_diag *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char tmp[sizeof(sa.sun_path)];
	int fd = -1, err;

	if (strlen(cs->file) + 12 >= sizeof(sa.sun_path)) {
		return fv_diagf(d, FV_EBADCONF,
		    "Cannot open an HTTP server: the socket path %s is too "
		    "long (at most %zu bytes)",
		    cs->file, sizeof(sa.sun_path) - 12);
	}
	snprintf(tmp, sizeof(tmp), "%s.%d", cs->file, (int)getpid());
	memcpy(sa.sun_path, tmp, strlen(tmp) + 1);
	/* Two attempts: the second after removing a stale socket. */
	for (int attempt = 0; attempt < 2; attempt++) {
		unlink(tmp);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			return http_listen_errno(errno, d);
		}
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
		    chmod(tmp, (mode_t)cs->chmod) != 0) {
			err = errno;
			goto fail;
		}
		if (link(tmp, cs->file) == 0) {
			unlink(tmp);
			if (cs->chown_uid >= 0 &&
			    chown(cs->file, (uid_t)cs->chown_uid,
			        (gid_t)cs->chown_gid) != 0) {
				err = errno;
				unlink(cs->file);
				close(fd);
				if (err == EPERM) {
					return fv_diagf(d, FV_EBADCONF,
					    "Not permitted to chown %s to "
					    "uid/gid %ld/%ld; adjust \"chown\" "
					    "in the config file",
					    cs->file, cs->chown_uid,
					    cs->chown_gid);
				}
				return http_listen_errno(err, d);
			}
			*fdp = fd;
			return 0;
		}
		err = errno;
		unlink(tmp);
		close(fd);
		fd = -1;
		if (err != EEXIST || http_unix_in_use(cs->file)) {
			return http_listen_errno(
			    err == EEXIST ? EADDRINUSE : err, d);
		}
		fprintf(stderr, "Unlinking stale socket %s\n", cs->file);
		unlink(cs->file);
	}
	return http_listen_errno(EADDRINUSE, d);
fail:
	unlink(tmp);
	close(fd);
	return http_listen_errno(err, d);
}

/* http_inet_resolve finds the IPv4 address to bind, as Python's bind()
 * with an AF_INET socket does: "" is every interface. */
static int
http_inet_resolve(
    const struct cfg_server *cs, struct sockaddr_in *sa, struct fv_diag *d)
{
	struct addrinfo hints = { .ai_family = AF_INET,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE };
	struct addrinfo *res = NULL;
	char port[16];
	int rv;

	snprintf(port, sizeof(port), "%d", cs->port);
	rv = getaddrinfo(
	    cs->host[0] != '\0' ? cs->host : NULL, port, &hints, &res);
	if (rv != 0 || res == NULL) {
		return fv_diagf(d, FV_EBADCONF,
		    "Cannot open an HTTP server: cannot resolve %s: %s",
		    cs->host, gai_strerror(rv));
	}
	memcpy(sa, res->ai_addr, sizeof(*sa));
	freeaddrinfo(res);
	return 0;
}

int
http_listen_open(struct http_server *s, struct http_listener *l,
    const struct cfg_server *cs, struct fv_diag *d)
{
	int rv;

	l->srv = s;
	l->is_unix = cs->family == CFG_SERVER_UNIX;
	l->section = fv_xstrdup(cs->section);
	l->username = cs->username != NULL ? fv_xstrdup(cs->username) : NULL;
	l->password = cs->password != NULL ? fv_xstrdup(cs->password) : NULL;
	if (l->is_unix) {
		int fd;

		if ((rv = http_unix_bind(cs, &fd, d)) != 0) {
			return rv;
		}
		l->path = fv_xstrdup(cs->file);
		uv_pipe_init(s->loop, &l->h.pipe, 0);
		if ((rv = uv_pipe_open(&l->h.pipe, fd)) != 0) {
			close(fd);
		}
	} else {
		struct sockaddr_in sa;

		if ((rv = http_inet_resolve(cs, &sa, d)) != 0) {
			return rv;
		}
		uv_tcp_init(s->loop, &l->h.tcp);
		rv = uv_tcp_bind(&l->h.tcp, (struct sockaddr *)&sa, 0);
	}
	l->h.handle.data = l;
	l->open = true;
	s->open_handles++;
	if (rv == 0) {
		rv = uv_listen(&l->h.stream, 128, http_listen_on_connection);
	}
	if (rv != 0) {
		return http_listen_errno(-rv, d);
	}
	return 0;
}

static void
http_listen_on_close(uv_handle_t *h)
{
	struct http_listener *l = h->data;

	http_server_handle_closed(l->srv);
}

void
http_listen_close(struct http_listener *l)
{
	if (l->path != NULL) {
		unlink(l->path);
	}
	if (l->open) {
		l->open = false;
		uv_close(&l->h.handle, http_listen_on_close);
	}
}
