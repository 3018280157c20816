/*
 * bench_load: a closed-loop XML-RPC load client for the RPC benchmark.
 * CONNS HTTP/1.1 keep-alive connections on a UNIX socket each send the
 * same POST /RPC2 (the body is read from a file) and send it again as soon
 * as the reply is complete; one thread, epoll. It only frames replies
 * (status line, Content-Length) and looks for a fault, so against a
 * canned-reply server it measures its own ceiling.
 *
 * usage: bench_load -s SOCKET -b BODYFILE [-c CONNS] [-t SECONDS]
 *            [-w WARMUP] [-n COUNT] [-o REPLYFILE]
 *   -c  connections (default 1)          -t  measured seconds (default 2)
 *   -w  warm-up seconds, not measured (default 0.5)
 *   -n  stop after COUNT replies instead (no warm-up)
 *   -o  save the first whole reply (headers and body) to REPLYFILE
 * Prints "conns=C requests=N seconds=S rps=R p50_us=P p99_us=Q faults=F
 * errors=E reconnects=K reply_bytes=B". A reply that is not "200" counts
 * in E; a reply whose body holds a <fault> counts in F; a server that
 * closes after a complete reply is reconnected (K). Exit status 0, or 2 on
 * a broken reply or socket error.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

#define LOAD_MAXCONNS  256
#define LOAD_MAX_REPLY (256u * 1024 * 1024)
#define LOAD_MAX_BODY  (16u * 1024 * 1024)

struct load_conn {
	int fd;
	struct fv_buf in;
	uint64_t sent_ns;
	size_t head_len; /* 0 until the header is complete */
	size_t body_len;
	int status;
};

struct load {
	const char *sock; /* borrowed */
	const char *outfile; /* borrowed; NULL: do not save */
	struct fv_buf req;
	int ep;
	uint64_t measure_from_ns, end_ns, count;
	uint64_t done, faults, errors, reconnects, reply_bytes;
	uint32_t *lat;
	size_t nlat, cap;
};

static int
load_connect(struct load *ld)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		bench_die(errno, "socket");
	}
	if (strlen(ld->sock) >= sizeof(sa.sun_path)) {
		bench_die(0, "socket path too long: %s", ld->sock);
	}
	memcpy(sa.sun_path, ld->sock, strlen(ld->sock) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		bench_die(errno, "connect %s", ld->sock);
	}
	return fd;
}

static void
load_open(struct load *ld, struct load_conn *c, size_t idx)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = idx };

	c->fd = load_connect(ld);
	if (epoll_ctl(ld->ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
		bench_die(errno, "epoll_ctl");
	}
	fv_buf_reset(&c->in);
	c->head_len = 0;
}

static void
load_send(struct load *ld, struct load_conn *c)
{
	c->sent_ns = bench_now_ns();
	if (bench_write_all(c->fd, ld->req.data, ld->req.len) != 0) {
		bench_die(errno, "send request");
	}
}

/* Returns 1 once the header is complete, 0 if more is needed. */
static int
load_parse_head(struct load_conn *c)
{
	const char *end = strstr(c->in.data, "\r\n\r\n");
	const char *line;
	int have_len = 0;

	if (end == NULL) {
		return 0;
	}
	c->head_len = (size_t)(end - c->in.data) + 4;
	if (sscanf(c->in.data, "HTTP/1.%*d %d", &c->status) != 1) {
		bench_die(0, "not an HTTP reply: %.40s", c->in.data);
	}
	for (line = strstr(c->in.data, "\r\n"); line != NULL && line < end;
	     line = strstr(line + 2, "\r\n")) {
		unsigned long long n;

		if (strncasecmp(line + 2, "Content-Length:", 15) == 0 &&
		    sscanf(line + 17, " %llu", &n) == 1) {
			c->body_len = (size_t)n;
			have_len = 1;
		}
	}
	if (!have_len) {
		bench_die(0,
		    "a reply without Content-Length (chunked or "
		    "close-delimited replies are not supported)");
	}
	return 1;
}

static void
load_save(struct load *ld, struct load_conn *c, size_t n)
{
	int fd =
	    open(ld->outfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || bench_write_all(fd, c->in.data, n) != 0) {
		bench_die(errno, "write %s", ld->outfile);
	}
	close(fd);
	ld->outfile = NULL;
}

/* Handles every complete reply in c->in; returns 1 when the run is over. */
static int
load_replies(struct load *ld, struct load_conn *c)
{
	for (;;) {
		uint64_t now;
		size_t n;

		if (c->head_len == 0 && !load_parse_head(c)) {
			return 0;
		}
		n = c->head_len + c->body_len;
		if (c->in.len < n) {
			return 0;
		}
		now = bench_now_ns();
		if (c->status != 200) {
			ld->errors++;
		}
		if (memmem(c->in.data + c->head_len, c->body_len, "<fault>",
		        7) != NULL) {
			ld->faults++;
		}
		if (ld->outfile != NULL) {
			load_save(ld, c, n);
		}
		ld->reply_bytes = n;
		if (c->sent_ns >= ld->measure_from_ns) {
			if (ld->nlat == ld->cap) {
				ld->cap *= 2;
				ld->lat = fv_xreallocarray(
				    ld->lat, ld->cap, sizeof(*ld->lat));
			}
			ld->lat[ld->nlat++] =
			    (uint32_t)((now - c->sent_ns) / 1000);
		}
		ld->done++;
		c->in.len -= n;
		memmove(c->in.data, c->in.data + n, c->in.len);
		c->in.data[c->in.len] = '\0';
		c->head_len = 0;
		if ((ld->count > 0 && ld->done >= ld->count) ||
		    (ld->count == 0 && now >= ld->end_ns)) {
			return 1;
		}
		load_send(ld, c);
	}
}

/* Returns 1 when the run is over. */
static int
load_on_readable(struct load *ld, struct load_conn *c, size_t idx)
{
	static char buf[256 * 1024];
	ssize_t r = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
		return 0;
	}
	if (r < 0) {
		bench_die(errno, "recv");
	}
	if (r == 0) {
		if (c->in.len > 0) {
			bench_die(0,
			    "the server closed in the middle of a "
			    "reply");
		}
		/* Closed after a complete reply: the request sent since
		 * was never read; send it again on a new connection. */
		close(c->fd);
		ld->reconnects++;
		load_open(ld, c, idx);
		load_send(ld, c);
		return 0;
	}
	if (fv_buf_append(&c->in, buf, (size_t)r) != 0) {
		bench_die(0, "a reply over %u bytes", LOAD_MAX_REPLY);
	}
	return load_replies(ld, c);
}

static void
load_read_body(struct load *ld, const char *path)
{
	char buf[65536];
	struct fv_buf body;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		bench_die(errno, "open %s", path);
	}
	fv_buf_init(&body, LOAD_MAX_BODY);
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
		if (fv_buf_append(&body, buf, (size_t)r) != 0) {
			bench_die(0, "%s: over %u bytes", path, LOAD_MAX_BODY);
		}
	}
	close(fd);
	fv_buf_init(&ld->req, LOAD_MAX_BODY + 1024);
	if (fv_buf_printf(&ld->req,
	        "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\n"
	        "Content-Type: text/xml\r\nContent-Length: %zu\r\n\r\n",
	        body.len) != 0 ||
	    fv_buf_append(&ld->req, body.data, body.len) != 0) {
		bench_die(0, "request too big");
	}
	fv_buf_fini(&body);
}

int
main(int argc, char **argv)
{
	static struct load_conn conns[LOAD_MAXCONNS];
	struct load ld = { .cap = 1 << 16 };
	struct epoll_event evs[64];
	const char *body = NULL;
	size_t nconns = 1;
	double secs = 2, warm = 0.5, t0, elapsed;
	uint64_t start_ns, last_done = 0, last_ns;
	int opt, over = 0;

	bench_prog(argv[0]);
	while ((opt = getopt(argc, argv, "s:b:c:t:w:n:o:")) != -1) {
		switch (opt) {
		case 's':
			ld.sock = optarg;
			break;
		case 'b':
			body = optarg;
			break;
		case 'c':
			nconns = (size_t)bench_parse_size(optarg, "-c");
			break;
		case 't':
			secs = bench_parse_secs(optarg, "-t");
			break;
		case 'w':
			warm = bench_parse_secs(optarg, "-w");
			break;
		case 'n':
			ld.count = bench_parse_size(optarg, "-n");
			break;
		case 'o':
			ld.outfile = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (ld.sock == NULL || body == NULL || nconns == 0 ||
	    nconns > LOAD_MAXCONNS) {
		goto usage;
	}
	load_read_body(&ld, body);
	ld.lat = fv_xmalloc(ld.cap * sizeof(*ld.lat));
	if ((ld.ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		bench_die(errno, "epoll_create1");
	}
	for (size_t i = 0; i < nconns; i++) {
		fv_buf_init(&conns[i].in, LOAD_MAX_REPLY);
		load_open(&ld, &conns[i], i);
	}
	if (ld.count > 0) {
		warm = 0;
	}
	start_ns = bench_now_ns();
	ld.measure_from_ns = start_ns + (uint64_t)(warm * 1e9);
	ld.end_ns = ld.measure_from_ns + (uint64_t)(secs * 1e9);
	for (size_t i = 0; i < nconns; i++) {
		load_send(&ld, &conns[i]);
	}
	last_ns = start_ns;
	while (!over) {
		int k = epoll_wait(ld.ep, evs, 64, 1000);

		if (k < 0 && errno != EINTR) {
			bench_die(errno, "epoll_wait");
		}
		for (int i = 0; i < k && !over; i++) {
			size_t idx = evs[i].data.u64;

			over = load_on_readable(&ld, &conns[idx], idx);
		}
		if (ld.done != last_done) {
			last_done = ld.done;
			last_ns = bench_now_ns();
		} else if (bench_now_ns() - last_ns > 60 * 1000000000ull) {
			bench_die(0, "no reply for a minute");
		}
	}
	/* Replies measured: those to requests sent in the window. */
	t0 = (double)(ld.measure_from_ns - start_ns) / 1e9;
	elapsed = (double)(bench_now_ns() - start_ns) / 1e9 - t0;
	printf("conns=%zu requests=%zu seconds=%.3f rps=%.1f p50_us=%u "
	       "p99_us=%u faults=%llu errors=%llu reconnects=%llu "
	       "reply_bytes=%llu\n",
	    nconns, ld.nlat, elapsed, (double)ld.nlat / elapsed,
	    bench_percentile(ld.lat, ld.nlat, 0.50),
	    bench_percentile(ld.lat, ld.nlat, 0.99),
	    (unsigned long long)ld.faults, (unsigned long long)ld.errors,
	    (unsigned long long)ld.reconnects,
	    (unsigned long long)ld.reply_bytes);
	for (size_t i = 0; i < nconns; i++) {
		close(conns[i].fd);
		fv_buf_fini(&conns[i].in);
	}
	fv_buf_fini(&ld.req);
	free(ld.lat);
	return 0;
usage:
	bench_die(0,
	    "usage: bench_load -s SOCKET -b BODYFILE [-c CONNS] "
	    "[-t SECONDS] [-w WARMUP] [-n COUNT] [-o REPLYFILE]");
}
