/*
 * bench_unixrtt: the machine's limit for request/reply traffic on UNIX
 * stream sockets, with nothing parsed or built: CONNS connected socket
 * pairs, an echo process on one side, and on the other a closed loop that
 * sends SIZE bytes on each connection and waits for them to come back.
 * Both sides use epoll on one thread each, like the agent and the load
 * client.
 *
 * usage: bench_unixrtt [-c CONNS] [-t SECONDS] [-s SIZE]
 *   defaults: 1 connection, 2 seconds, 256 bytes
 * Prints "conns=C rts=N seconds=S rps=R p50_us=P p99_us=Q".
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "common/xalloc.h"

#define UNIXRTT_MAXCONNS 256

struct unixrtt_conn {
	int fd;
	size_t got;
	uint64_t sent_ns;
};

static void
unixrtt_echo(int *fds, size_t n)
{
	struct epoll_event ev, evs[64];
	char buf[65536];
	int ep = epoll_create1(EPOLL_CLOEXEC);

	for (size_t i = 0; i < n; i++) {
		ev = (struct epoll_event){ .events = EPOLLIN,
			.data.fd = fds[i] };
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
	}
	for (;;) {
		int k = epoll_wait(ep, evs, 64, -1);

		for (int i = 0; i < k; i++) {
			ssize_t r = read(evs[i].data.fd, buf, sizeof(buf));

			if (r <= 0) {
				_exit(0);
			}
			if (bench_write_all(evs[i].data.fd, buf, (size_t)r) !=
			    0) {
				_exit(0);
			}
		}
	}
}

static void
unixrtt_send(struct unixrtt_conn *c, const char *msg, size_t size)
{
	c->got = 0;
	c->sent_ns = bench_now_ns();
	if (bench_write_all(c->fd, msg, size) != 0) {
		bench_die(errno, "write");
	}
}

int
main(int argc, char **argv)
{
	struct unixrtt_conn conns[UNIXRTT_MAXCONNS];
	int srv[UNIXRTT_MAXCONNS];
	struct epoll_event ev, evs[64];
	size_t nconns = 1, size = 256, nlat = 0, cap = 1 << 16;
	double secs = 2, t0, elapsed;
	uint32_t *lat;
	char *msg, buf[65536];
	uint64_t end_ns;
	pid_t echo;
	int ep, opt, ws;

	bench_prog(argv[0]);
	while ((opt = getopt(argc, argv, "c:t:s:")) != -1) {
		switch (opt) {
		case 'c':
			nconns = (size_t)bench_parse_size(optarg, "-c");
			break;
		case 't':
			secs = bench_parse_secs(optarg, "-t");
			break;
		case 's':
			size = (size_t)bench_parse_size(optarg, "-s");
			break;
		default:
			bench_die(0,
			    "usage: bench_unixrtt [-c CONNS] "
			    "[-t SECONDS] [-s SIZE]");
		}
	}
	if (nconns == 0 || nconns > UNIXRTT_MAXCONNS || size == 0 ||
	    size > sizeof(buf)) {
		bench_die(0, "-c must be 1..%d and -s 1..%zu", UNIXRTT_MAXCONNS,
		    sizeof(buf));
	}
	for (size_t i = 0; i < nconns; i++) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) !=
		    0) {
			bench_die(errno, "socketpair");
		}
		conns[i] = (struct unixrtt_conn){ .fd = sv[0] };
		srv[i] = sv[1];
	}
	if ((echo = fork()) < 0) {
		bench_die(errno, "fork");
	}
	if (echo == 0) {
		for (size_t i = 0; i < nconns; i++) {
			close(conns[i].fd);
		}
		unixrtt_echo(srv, nconns);
	}
	for (size_t i = 0; i < nconns; i++) {
		close(srv[i]);
	}
	msg = fv_xmalloc(size);
	memset(msg, 'r', size);
	lat = fv_xmalloc(cap * sizeof(*lat));
	ep = epoll_create1(EPOLL_CLOEXEC);
	for (size_t i = 0; i < nconns; i++) {
		ev = (struct epoll_event){ .events = EPOLLIN, .data.u64 = i };
		epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
	}
	t0 = bench_now();
	end_ns = bench_now_ns() + (uint64_t)(secs * 1e9);
	for (size_t i = 0; i < nconns; i++) {
		unixrtt_send(&conns[i], msg, size);
	}
	while (bench_now_ns() < end_ns) {
		int k = epoll_wait(ep, evs, 64, 100);

		for (int i = 0; i < k; i++) {
			struct unixrtt_conn *c = &conns[evs[i].data.u64];
			ssize_t r = read(c->fd, buf, size - c->got);

			if (r <= 0) {
				bench_die(r < 0 ? errno : 0, "echo read");
			}
			c->got += (size_t)r;
			if (c->got < size) {
				continue;
			}
			if (nlat == cap) {
				cap *= 2;
				lat = fv_xreallocarray(lat, cap, sizeof(*lat));
			}
			lat[nlat++] =
			    (uint32_t)((bench_now_ns() - c->sent_ns) / 1000);
			unixrtt_send(c, msg, size);
		}
	}
	elapsed = bench_now() - t0;
	for (size_t i = 0; i < nconns; i++) {
		close(conns[i].fd);
	}
	kill(echo, SIGTERM);
	waitpid(echo, &ws, 0);
	printf("conns=%zu rts=%zu seconds=%.3f rps=%.0f p50_us=%u "
	       "p99_us=%u\n",
	    nconns, nlat, elapsed, (double)nlat / elapsed,
	    bench_percentile(lat, nlat, 0.50),
	    bench_percentile(lat, nlat, 0.99));
	free(lat);
	free(msg);
	return 0;
}
