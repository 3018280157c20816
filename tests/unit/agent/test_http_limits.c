/*
 * Unit tests for the HTTP server's bounds on peers (RELIABILITY C3): the
 * request-body deadline, the idle keep-alive timeout, the global and
 * per-address connection caps and the output budget of all connections
 * together. The real server code (agent/src/http/) runs on a loop in a
 * thread of its own, opened with small limits through struct
 * http_server_limits, which is how the agent passes its defaults: the
 * deadlines and caps are the same code paths at milliseconds instead of
 * minutes. Clients are plain blocking sockets bound to 127.0.0.x source
 * addresses, so that each is a separate peer to the server.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "common/xalloc.h"
#include "config/cfg.h"
#include "http/http_internal.h"
#include "log/mainlog.h"

/* The answer of GET /big: far more than the loopback socket buffers hold
 * for a client that does not read, so most of it stays queued. */
#define BIG_BODY (8u * 1024 * 1024)

/* What a client sees when it waits for an answer. */
#define CLI_CLOSED  (-1) /* EOF or reset before a whole answer */
#define CLI_TIMEOUT (-2) /* nothing decisive within the wait */

struct srv {
	uv_loop_t loop;
	uv_async_t stop;
	uv_thread_t thread;
	struct mainlog *log;
	struct http_server *http;
	struct cfg cfg;
	struct cfg_server cs;
	struct http_route routes[2];
	int port;
	char section[32], host[16];
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

static void
on_ok(void *arg, struct http_exchange *ex, const struct http_request *req)
{
	(void)arg;
	(void)req;
	http_respond(ex, 200, "text/plain", "ok", 2);
}

static void
on_big(void *arg, struct http_exchange *ex, const struct http_request *req)
{
	char *body = fv_xmalloc(BIG_BODY);

	(void)arg;
	(void)req;
	memset(body, 'b', BIG_BODY);
	http_respond(ex, 200, "text/plain", body, BIG_BODY);
	free(body);
}

static void
srv_on_stop(uv_async_t *a)
{
	struct srv *s = a->data;

	http_server_close(s->http);
	uv_close((uv_handle_t *)a, NULL);
}

static void
srv_thread(void *arg)
{
	struct srv *s = arg;

	uv_run(&s->loop, UV_RUN_DEFAULT);
}

/* srv_start opens a server on 127.0.0.1 (an ephemeral port) with lim and
 * runs its loop in a thread; from here on only that thread touches it. */
static struct srv *
srv_start(const struct http_server_limits *lim)
{
	struct srv *s = fv_xcalloc(1, sizeof(*s));
	struct fv_diag d = { "" };
	struct sockaddr_in sa;
	int len = sizeof(sa);
	struct sigaction ign = { .sa_handler = SIG_IGN };

	sigaction(SIGPIPE, &ign, NULL);
	assert_int_equal(uv_loop_init(&s->loop), 0);
	s->log = mainlog_new(MAINLOG_CRIT, false);
	/* The config's strings are owned; the server only reads them. */
	snprintf(s->section, sizeof(s->section), "inet_http_server");
	snprintf(s->host, sizeof(s->host), "127.0.0.1");
	s->cs = (struct cfg_server){ .section = s->section,
		.family = CFG_SERVER_INET,
		.host = s->host,
		.port = 0,
		.chown_uid = -1,
		.chown_gid = -1 };
	s->cfg.servers = &s->cs;
	s->cfg.nservers = 1;
	s->routes[0] = (struct http_route){ "/big", false, on_big, s };
	s->routes[1] = (struct http_route){ "/", true, on_ok, s };
	assert_int_equal(http_server_open(&s->loop, s->log, &s->cfg, s->routes,
	                     2, lim, &s->http, &d),
	    0);
	assert_int_equal(uv_tcp_getsockname(&s->http->listeners[0].h.tcp,
	                     (struct sockaddr *)&sa, &len),
	    0);
	s->port = ntohs(sa.sin_port);
	assert_int_equal(uv_async_init(&s->loop, &s->stop, srv_on_stop), 0);
	s->stop.data = s;
	assert_int_equal(uv_thread_create(&s->thread, srv_thread, s), 0);
	return s;
}

static void
srv_stop(struct srv *s)
{
	uv_async_send(&s->stop);
	uv_thread_join(&s->thread);
	assert_int_equal(uv_loop_close(&s->loop), 0);
	mainlog_close(s->log);
	free(s);
}

/* A limits struct whose deadlines never fire during a test and whose
 * caps are never reached, to be narrowed by each test. */
static struct http_server_limits
lim_loose(void)
{
	struct http_server_limits lim = http_server_limits_default;

	lim.header_timeout_ms = 20000;
	lim.body_timeout_ms = 20000;
	lim.idle_timeout_ms = 20000;
	lim.write_stall_ms = 20000;
	return lim;
}

/* cli_connect connects to the server from 127.0.0.<host>; rcvbuf, when
 * not 0, is set before the connection so that the window stays small. */
static int
cli_connect(const struct srv *s, int host, int rcvbuf)
{
	struct sockaddr_in src = { .sin_family = AF_INET };
	struct sockaddr_in dst = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	if (rcvbuf != 0) {
		assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		                     sizeof(rcvbuf)),
		    0);
	}
	src.sin_addr.s_addr = htonl(0x7f000000u | (uint32_t)host);
	assert_int_equal(bind(fd, (struct sockaddr *)&src, sizeof(src)), 0);
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	dst.sin_port = htons((uint16_t)s->port);
	assert_int_equal(connect(fd, (struct sockaddr *)&dst, sizeof(dst)), 0);
	return fd;
}

/* cli_send writes str; false when the server has already closed. */
static bool
cli_send(int fd, const char *str)
{
	size_t len = strlen(str), off = 0;

	while (off < len) {
		ssize_t n = send(fd, str + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return false;
		}
		off += (size_t)n;
	}
	return true;
}

/* cli_recv reads what is there within wait_ms: the byte count, 0 for EOF
 * or a reset, CLI_TIMEOUT when nothing came. */
static ssize_t
cli_recv(int fd, char *buf, size_t cap, int wait_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int rv;

	do {
		rv = poll(&p, 1, wait_ms);
	} while (rv < 0 && errno == EINTR);
	if (rv == 0) {
		return CLI_TIMEOUT;
	}
	n = recv(fd, buf, cap, 0);
	if (n < 0) {
		return errno == ECONNRESET || errno == EPIPE ? 0 : CLI_TIMEOUT;
	}
	return n;
}

/*
 * cli_response reads one whole answer (Content-Length framed) within
 * wait_ms and returns its status, CLI_CLOSED when the connection ends
 * first, CLI_TIMEOUT when the answer is not complete in time. body_len,
 * when not NULL, receives the length of the body.
 */
static int
cli_response(int fd, int wait_ms, size_t *body_len)
{
	static char buf[64 * 1024];
	char head[4096];
	size_t hlen = 0, want = 0, got = 0;
	uint64_t end = now_ms() + (uint64_t)wait_ms;
	int status = 0;
	bool in_body = false;

	for (;;) {
		uint64_t t = now_ms();
		ssize_t n;

		if (t >= end) {
			return CLI_TIMEOUT;
		}
		n = cli_recv(fd, in_body ? buf : head + hlen,
		    in_body ? sizeof(buf) : 1, (int)(end - t));
		if (n == CLI_TIMEOUT) {
			return CLI_TIMEOUT;
		}
		if (n == 0) {
			return CLI_CLOSED;
		}
		if (in_body) {
			got += (size_t)n;
		} else {
			/* Byte by byte: no byte of the next answer is taken. */
			hlen++;
			assert_true(hlen < sizeof(head));
			head[hlen] = '\0';
			if (hlen < 4 ||
			    memcmp(head + hlen - 4, "\r\n\r\n", 4)) {
				continue;
			}
			const char *cl = strstr(head, "Content-Length: ");

			assert_int_equal(
			    sscanf(head, "HTTP/1.%*d %d", &status), 1);
			assert_non_null(cl);
			want = strtoul(cl + 16, NULL, 10);
			in_body = true;
		}
		if (in_body && got >= want) {
			assert_int_equal(got, want);
			if (body_len != NULL) {
				*body_len = got;
			}
			return status;
		}
	}
}

/* cli_closed_within waits up to wait_ms for the server to close fd and
 * returns when it did (ms since start), or -1 when it did not. Bytes that
 * arrive meanwhile fail the test: a close is all that may come. */
static long
cli_closed_within(int fd, uint64_t start, int wait_ms)
{
	uint64_t end = start + (uint64_t)wait_ms;
	char b[256];

	for (;;) {
		uint64_t t = now_ms();
		ssize_t n;

		if (t >= end) {
			return -1;
		}
		n = cli_recv(fd, b, sizeof(b), (int)(end - t));
		if (n == 0) {
			return (long)(now_ms() - start);
		}
		assert_int_equal(n, CLI_TIMEOUT);
	}
}

static const char get_req[] = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";

/* Loose bounds: the loop's cached time may run a little behind, and a
 * loaded machine may be late by far more than the deadline itself. */
#define DEADLINE_MS 300
#define EARLY_MS    (DEADLINE_MS * 8 / 10)
#define LATE_MS     5000

static void
test_defaults(void **state)
{
	const struct http_server_limits *d = &http_server_limits_default;

	(void)state;
	/* What README.md and RELIABILITY C3 promise. */
	assert_int_equal(d->header_timeout_ms, 10 * 1000);
	assert_int_equal(d->body_timeout_ms, 30 * 1000);
	assert_int_equal(d->idle_timeout_ms, 60 * 1000);
	assert_int_equal(d->write_stall_ms, 30 * 1000);
	assert_int_equal(d->max_output_total, 256u * 1024 * 1024);
	assert_int_equal(d->max_conns, 1024);
	assert_int_equal(d->max_conns_per_peer, 256);
	assert_int_equal(d->req.max_body, 1024 * 1024);
}

static void
test_body_deadline(void **state)
{
	struct http_server_limits lim = lim_loose();
	struct srv *s;
	uint64_t t0;
	long closed;
	int fd;

	(void)state;
	lim.body_timeout_ms = DEADLINE_MS;
	s = srv_start(&lim);

	/* A body that arrives in time is answered. */
	fd = cli_connect(s, 2, 0);
	assert_true(cli_send(
	    fd, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\n\r\nabc"));
	sleep_ms(DEADLINE_MS / 3);
	assert_true(cli_send(fd, "def"));
	assert_int_equal(cli_response(fd, LATE_MS, NULL), 200);
	close(fd);

	/* A body that trickles is cut at the deadline counted from the end
	 * of the headers: bytes arriving do not extend it. */
	fd = cli_connect(s, 2, 0);
	t0 = now_ms();
	assert_true(cli_send(
	    fd, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 40\r\n\r\na"));
	closed = -1;
	for (int i = 0; i < 39 && closed < 0; i++) {
		closed = cli_closed_within(fd, t0, (int)(now_ms() - t0) + 50);
		if (closed < 0 && !cli_send(fd, "x")) {
			closed = cli_closed_within(fd, t0, LATE_MS);
		}
	}
	assert_true(closed >= EARLY_MS);
	assert_true(closed < LATE_MS);
	close(fd);

	/* A body that never comes: closed, with no answer. */
	fd = cli_connect(s, 2, 0);
	t0 = now_ms();
	assert_true(cli_send(
	    fd, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nab"));
	closed = cli_closed_within(fd, t0, LATE_MS);
	assert_true(closed >= EARLY_MS);
	close(fd);
	srv_stop(s);
}

static void
test_idle_timeout(void **state)
{
	struct http_server_limits lim = lim_loose();
	struct srv *s;
	uint64_t t0;
	long closed;
	int fd;

	(void)state;
	lim.idle_timeout_ms = DEADLINE_MS;
	s = srv_start(&lim);

	/* Kept alive between requests that come within the timeout, each
	 * request starting it again... */
	fd = cli_connect(s, 2, 0);
	for (int i = 0; i < 3; i++) {
		assert_true(cli_send(fd, get_req));
		assert_int_equal(cli_response(fd, LATE_MS, NULL), 200);
		sleep_ms(DEADLINE_MS / 2);
	}
	assert_true(cli_send(fd, get_req));
	assert_int_equal(cli_response(fd, LATE_MS, NULL), 200);
	/* ...and closed once idle for it. */
	t0 = now_ms();
	closed = cli_closed_within(fd, t0, LATE_MS);
	assert_true(closed >= EARLY_MS);
	close(fd);

	/* A connection that never sends a byte is idle from the start. */
	t0 = now_ms();
	fd = cli_connect(s, 2, 0);
	closed = cli_closed_within(fd, t0, LATE_MS);
	assert_true(closed >= EARLY_MS);
	close(fd);
	srv_stop(s);
}

/* served tells whether a request on fd is answered. */
static bool
served(int fd)
{
	return cli_send(fd, get_req) && cli_response(fd, LATE_MS, NULL) == 200;
}

/* cli_refused tells whether the server closes a fresh connection from
 * 127.0.0.<host> without answering it. */
static bool
cli_refused(const struct srv *s, int host)
{
	int fd = cli_connect(s, host, 0);
	int st;

	(void)cli_send(fd, get_req);
	st = cli_response(fd, LATE_MS, NULL);
	close(fd);
	return st == CLI_CLOSED;
}

static void
test_global_cap(void **state)
{
	struct http_server_limits lim = lim_loose();
	struct srv *s;
	int fds[4], fd;
	uint64_t end;
	bool ok = false;

	(void)state;
	lim.max_conns = 4;
	s = srv_start(&lim);
	/* Four peers, one connection each: the per-address cap is not
	 * what refuses the fifth. */
	for (int i = 0; i < 4; i++) {
		fds[i] = cli_connect(s, 2 + i, 0);
		assert_true(served(fds[i]));
	}
	assert_true(cli_refused(s, 6));
	assert_true(cli_refused(s, 2));
	/* The ones in place are still served. */
	for (int i = 0; i < 4; i++) {
		assert_true(served(fds[i]));
	}
	/* A slot freed is a slot for the next peer, once the server has
	 * seen the close. */
	close(fds[0]);
	end = now_ms() + LATE_MS;
	while (!ok && now_ms() < end) {
		fd = cli_connect(s, 6, 0);
		ok = served(fd);
		close(fd);
	}
	assert_true(ok);
	for (int i = 1; i < 4; i++) {
		close(fds[i]);
	}
	srv_stop(s);
}

static void
test_per_peer_cap(void **state)
{
	struct http_server_limits lim = lim_loose();
	struct srv *s;
	int fds[3], other;

	(void)state;
	lim.max_conns_per_peer = 3;
	s = srv_start(&lim);
	for (int i = 0; i < 3; i++) {
		fds[i] = cli_connect(s, 2, 0);
		assert_true(served(fds[i]));
	}
	assert_true(cli_refused(s, 2));
	/* Another address is not held back by the first one's count. */
	other = cli_connect(s, 3, 0);
	assert_true(served(other));
	for (int i = 0; i < 3; i++) {
		assert_true(served(fds[i]));
		close(fds[i]);
	}
	close(other);
	srv_stop(s);
}

static void
test_output_total_cap(void **state)
{
	struct http_server_limits lim = lim_loose();
	struct srv *s;
	int reader, other;
	size_t len = 0;
	char b;
	uint64_t end;

	(void)state;
	lim.max_output_total = 64 * 1024;
	s = srv_start(&lim);
	/* A client that asks for a big answer and does not read it: most
	 * of it stays queued in the server, over the budget. */
	reader = cli_connect(s, 2, 4096);
	assert_true(cli_send(reader, "GET /big HTTP/1.1\r\nHost: t\r\n\r\n"));
	/* Its first bytes mean the answer is queued. */
	end = now_ms() + LATE_MS;
	while (recv(reader, &b, 1, MSG_PEEK | MSG_DONTWAIT) != 1) {
		assert_true(now_ms() < end);
		sleep_ms(5);
	}
	/* While the budget is spent, no new request is read, from anyone. */
	other = cli_connect(s, 3, 0);
	assert_true(cli_send(other, get_req));
	assert_int_equal(cli_response(other, DEADLINE_MS, NULL), CLI_TIMEOUT);
	/* Once the reader drains, the held request is answered. */
	assert_int_equal(cli_response(reader, 20000, &len), 200);
	assert_int_equal(len, BIG_BODY);
	assert_int_equal(cli_response(other, LATE_MS, NULL), 200);
	/* And both go on being served. */
	assert_true(served(other));
	assert_true(served(reader));
	close(reader);
	close(other);
	srv_stop(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_body_deadline),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_global_cap),
		cmocka_unit_test(test_per_peer_cap),
		cmocka_unit_test(test_output_total_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
