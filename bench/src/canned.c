/*
 * bench_canned: the canned-reply server that gives the load client its own
 * ceiling. It listens on a UNIX socket, frames HTTP/1.1 requests (header,
 * Content-Length body) on keep-alive connections and answers each with the
 * same recorded reply bytes, read from a file, without parsing the XML or
 * building anything: one thread, epoll, like the agent.
 *
 * usage: bench_canned SOCKET REPLYFILE
 * Runs until SIGTERM. The socket is created (and answering) once it
 * exists on disk. Exit status 2 on a setup failure.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bench_util.h"
#include "common/buf.h"
#include "common/xalloc.h"

#define CANNED_MAX_REQ   (16u * 1024 * 1024)
#define CANNED_MAX_REPLY (256u * 1024 * 1024)

struct canned_conn {
	int fd;
	struct fv_buf in;
	size_t need; /* bytes of the current request; 0: header unparsed */
	size_t pending; /* replies owed */
	size_t off; /* bytes of the first owed reply already written */
	int want_out;
};

struct canned {
	int ep;
	const char *reply; /* owned */
	size_t reply_len;
};

static void
canned_close(struct canned *s, struct canned_conn *c)
{
	epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	fv_buf_fini(&c->in);
	free(c);
}

/* Writes what is owed; returns -1 if the peer is gone. */
static int
canned_flush(struct canned *s, struct canned_conn *c)
{
	while (c->pending > 0) {
		ssize_t w = send(c->fd, s->reply + c->off,
		    s->reply_len - c->off, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w < 0 && errno == EAGAIN) {
			break;
		}
		if (w < 0) {
			return -1;
		}
		c->off += (size_t)w;
		if (c->off == s->reply_len) {
			c->off = 0;
			c->pending--;
		}
	}
	if ((c->pending > 0) != c->want_out) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

		c->want_out = c->pending > 0;
		if (c->want_out) {
			ev.events |= EPOLLOUT;
		}
		epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev);
	}
	return 0;
}

/* Counts the complete requests at the front of c->in and drops them. */
static int
canned_frame(struct canned_conn *c)
{
	for (;;) {
		size_t used;

		if (c->need == 0) {
			const char *end = strstr(c->in.data, "\r\n\r\n");
			const char *cl;
			unsigned long long n = 0;

			if (end == NULL) {
				return 0;
			}
			cl = strcasestr(c->in.data, "\r\nContent-Length:");
			if (cl != NULL && cl < end &&
			    sscanf(cl + 17, " %llu", &n) != 1) {
				return -1;
			}
			c->need = (size_t)(end - c->in.data) + 4 + (size_t)n;
		}
		if (c->in.len < c->need) {
			return 0;
		}
		used = c->need;
		c->need = 0;
		c->pending++;
		c->in.len -= used;
		memmove(c->in.data, c->in.data + used, c->in.len);
		c->in.data[c->in.len] = '\0';
	}
}

static void
canned_on_readable(struct canned *s, struct canned_conn *c)
{
	static char buf[65536];
	ssize_t r = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
		return;
	}
	if (r <= 0 || fv_buf_append(&c->in, buf, (size_t)r) != 0 ||
	    canned_frame(c) != 0 || canned_flush(s, c) != 0) {
		canned_close(s, c);
	}
}

static void
canned_accept(struct canned *s, int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	struct canned_conn *c;
	struct epoll_event ev = { .events = EPOLLIN };

	if (fd < 0) {
		return;
	}
	c = fv_xcalloc(1, sizeof(*c));
	c->fd = fd;
	fv_buf_init(&c->in, CANNED_MAX_REQ);
	fv_buf_reset(&c->in);
	ev.data.ptr = c;
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		bench_die(errno, "epoll_ctl");
	}
}

static void
canned_load(struct canned *s, const char *path)
{
	struct fv_buf b;
	char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		bench_die(errno, "open %s", path);
	}
	fv_buf_init(&b, CANNED_MAX_REPLY);
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r < 0) {
			bench_die(errno, "read %s", path);
		}
		if (r == 0) {
			break;
		}
		if (fv_buf_append(&b, buf, (size_t)r) != 0) {
			bench_die(0, "%s: too big", path);
		}
	}
	close(fd);
	if (b.len == 0) {
		bench_die(0, "%s: empty", path);
	}
	s->reply_len = b.len;
	s->reply = fv_buf_take(&b);
}

static int
canned_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char tmp[sizeof(sa.sun_path)];
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		bench_die(errno, "socket");
	}
	/* Bound under a temporary name and renamed: the socket appears on
	 * disk only once it listens, so "it exists" means "it answers". */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		bench_die(0, "socket path too long: %s", path);
	}
	memcpy(sa.sun_path, tmp, strlen(tmp) + 1);
	unlink(tmp);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		bench_die(errno, "bind %s", tmp);
	}
	if (listen(fd, 128) != 0) {
		bench_die(errno, "listen");
	}
	if (rename(tmp, path) != 0) {
		bench_die(errno, "rename %s", tmp);
	}
	return fd;
}

int
main(int argc, char **argv)
{
	struct canned s = { 0 };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	struct epoll_event evs[64];
	int lfd;

	bench_prog(argv[0]);
	if (argc != 3) {
		bench_die(0, "usage: bench_canned SOCKET REPLYFILE");
	}
	canned_load(&s, argv[2]);
	if ((s.ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		bench_die(errno, "epoll_create1");
	}
	lfd = canned_listen(argv[1]);
	if (epoll_ctl(s.ep, EPOLL_CTL_ADD, lfd, &ev) != 0) {
		bench_die(errno, "epoll_ctl");
	}
	for (;;) {
		int k = epoll_wait(s.ep, evs, 64, -1);

		if (k < 0 && errno != EINTR) {
			bench_die(errno, "epoll_wait");
		}
		for (int i = 0; i < k; i++) {
			struct canned_conn *c = evs[i].data.ptr;

			if (c == NULL) {
				canned_accept(&s, lfd);
			} else if (evs[i].events & EPOLLIN) {
				canned_on_readable(&s, c);
			} else if ((evs[i].events & (EPOLLHUP | EPOLLERR)) ||
			    canned_flush(&s, c) != 0) {
				canned_close(&s, c);
			}
		}
	}
}
