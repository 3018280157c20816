/*
 * The fleet's nng plumbing (proto/fleet_net.c): URL rules, the companion
 * events URL, secret files, envelopes through nng messages over a real
 * REQ/REP pair on ipc://, and the socket options.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "proto/fleet_close.h"
#include "proto/fleet_codec.h"
#include "proto/fleet_net.h"

static void
test_url_check(void **state)
{
	static const char *const good[] = { "tcp://127.0.0.1:7400",
		"tcp://ctl.example:1", "tls+tcp://[::1]:7400", "tcp://*:7400",
		"ipc:///run/fleet.sock" };
	static const char *const bad[] = { "", "http://x:1", "tcp://x",
		"tcp://:7400", "tcp://x:65536", "tcp://x:7a", "tcp://::1:7400",
		"tcp://[::1]7400", "ipc://", "tcp://a b:1" };
	struct fv_diag d;
	enum fv_fleet_scheme sc;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(fv_fleet_url_check(good[i], &sc, &d), 0);
	}
	assert_int_equal(fv_fleet_url_check(good[2], &sc, NULL), 0);
	assert_int_equal(sc, FV_FLEET_TLS);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d.msg[0] = '\0';
		assert_int_equal(
		    fv_fleet_url_check(bad[i], NULL, &d), FV_EBADCONF);
		assert_true(d.msg[0] != '\0');
	}
	fv_fleet_url_check("tcp://x:99999", NULL, &d);
	assert_non_null(strstr(d.msg, "tcp://x:99999"));
}

static void
test_events_url(void **state)
{
	char buf[256];
	struct fv_diag d;

	(void)state;
	assert_int_equal(
	    fv_fleet_events_url("tcp://h:7400", buf, sizeof(buf), &d), 0);
	assert_string_equal(buf, "tcp://h:7401");
	assert_int_equal(
	    fv_fleet_events_url("tls+tcp://[::1]:9", buf, sizeof(buf), &d), 0);
	assert_string_equal(buf, "tls+tcp://[::1]:10");
	assert_int_equal(
	    fv_fleet_events_url("ipc:///tmp/c", buf, sizeof(buf), &d), 0);
	assert_string_equal(buf, "ipc:///tmp/c.events");
	assert_int_equal(
	    fv_fleet_events_url("tcp://h:65535", buf, sizeof(buf), &d),
	    FV_EBADCONF);
	assert_int_equal(
	    fv_fleet_events_url("tcp://h:1", buf, 8, &d), FV_ETOOBIG);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void
test_secret_read(void **state)
{
	char dir[] = "/tmp/fvt-secret-XXXXXX";
	char path[64];
	uint8_t buf[FV_FLEET_SECRET_MAX];
	size_t len = 0;
	struct fv_diag d;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	write_file(path, "0123456789abcdef\n", 0600);
	assert_int_equal(fv_fleet_secret_read(path, buf, &len, &d), 0);
	assert_int_equal(len, 16);
	assert_memory_equal(buf, "0123456789abcdef", 16);
	/* Others may read it: refused, whatever the content. */
	chmod(path, 0640);
	assert_int_equal(
	    fv_fleet_secret_read(path, buf, &len, &d), FV_EBADCONF);
	assert_non_null(strstr(d.msg, "0640"));
	/* Too short. */
	write_file(path, "short\n", 0600);
	assert_int_equal(
	    fv_fleet_secret_read(path, buf, &len, &d), FV_EBADCONF);
	assert_non_null(strstr(d.msg, "at least"));
	/* Too long. */
	FILE *f = fopen(path, "w");
	for (int i = 0; i < FV_FLEET_SECRET_MAX + 10; i++) {
		fputc('x', f);
	}
	fclose(f);
	assert_int_equal(fv_fleet_secret_read(path, buf, &len, &d), FV_ETOOBIG);
	/* A directory, a missing file. */
	assert_int_equal(fv_fleet_secret_read(dir, buf, &len, &d) < 0, true);
	unlink(path);
	assert_true(fv_fleet_secret_read(path, buf, &len, &d) < 0);
	assert_non_null(strstr(d.msg, path));
	rmdir(dir);
}

static void
test_random_id(void **state)
{
	char a[17], b[17];

	(void)state;
	fv_fleet_random_id(a, sizeof(a));
	fv_fleet_random_id(b, sizeof(b));
	assert_int_equal(strlen(a), 16);
	assert_int_equal(
	    strspn(a,
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	        "0123456789"),
	    16);
	assert_string_not_equal(a, b);
}

/* An Error envelope crosses a REQ/REP pair over ipc://. */
static void
test_exchange(void **state)
{
	char dir[] = "/tmp/fvt-net-XXXXXX";
	char url[96];
	nng_socket rep, req;
	nng_msg *m;
	struct fv_diag d;
	Fleetvisor__V1__Envelope *env = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(url, sizeof(url), "ipc://%s/s", dir);
	assert_int_equal(nng_rep0_open(&rep), 0);
	assert_int_equal(nng_req0_open(&req), 0);
	assert_int_equal(fv_fleet_socket_setup(rep, &d), 0);
	assert_int_equal(fv_fleet_socket_setup(req, &d), 0);
	assert_int_equal(fv_fleet_listen(rep, url, NULL, NULL, &d), 0);
	assert_int_equal(fv_fleet_dial(req, url, NULL, NULL, &d), 0);
	nng_socket_set_ms(rep, NNG_OPT_RECVTIMEO, 10000);
	nng_socket_set_ms(req, NNG_OPT_RECVTIMEO, 10000);

	assert_int_equal(
	    fv_fleet_error_msg(
	        42, FLEETVISOR__V1__ERROR__CODE__CODE_BUSY, "busy", &m),
	    0);
	assert_int_equal(nng_sendmsg(req, m, 0), 0);
	assert_int_equal(nng_recvmsg(rep, &m, 0), 0);
	assert_int_equal(fv_fleet_msg_decode(m, &env, NULL, NULL, &d), 0);
	assert_int_equal(env->request_id, 42);
	assert_int_equal(env->body_case, FLEETVISOR__V1__ENVELOPE__BODY_ERROR);
	assert_string_equal(env->error->message, "busy");
	fleetvisor__v1__envelope__free_unpacked(env, NULL);

	/* Garbage decodes to an error, with the peek's findings. */
	uint64_t id = 7;
	uint32_t ver = 7;
	nng_msg_clear(m);
	nng_msg_append(m, "\xff\xff\xff", 3);
	assert_true(fv_fleet_msg_decode(m, &env, &id, &ver, &d) != 0);
	assert_null(env);
	assert_int_equal(id, 0);
	assert_int_equal(ver, 0);
	nng_msg_free(m);

	/* The receive bound and the backoff are set (nng 1.5.2 has none). */
	size_t sz = 0;
	nng_duration ms = 0;
	assert_int_equal(nng_socket_get_size(rep, NNG_OPT_RECVMAXSZ, &sz), 0);
	assert_int_equal(sz, FV_PROTO_MAXMSG);
	assert_int_equal(nng_socket_get_ms(req, NNG_OPT_RECONNMAXT, &ms), 0);
	assert_int_equal(ms, FV_FLEET_RECONN_MAX_MS);

	/* Both closed, on the closer's thread, within the wait. */
	assert_true(fv_fleet_close((nng_socket[]){ req, rep }, 2, 10000));
	char x[] = "x";
	assert_int_equal(nng_send(req, x, 1, 0), NNG_ECLOSED);
	assert_int_equal(nng_send(rep, x, 1, 0), NNG_ECLOSED);
	assert_true(fv_fleet_close(NULL, 0, 0));
	char path[96];
	snprintf(path, sizeof(path), "%s/s", dir);
	unlink(path);
	rmdir(dir);
}

static void
test_tls_files(void **state)
{
	struct fv_diag d;
	nng_socket s;
	struct fv_fleet_tls tls = { .cert_file = "/nonexistent/cert.pem" };

	(void)state;
	assert_int_equal(nng_rep0_open(&s), 0);
	/* A TLS listener without a certificate, or with a missing one. */
	assert_int_equal(
	    fv_fleet_listen(s, "tls+tcp://127.0.0.1:0", NULL, NULL, &d),
	    FV_EBADCONF);
	assert_true(
	    fv_fleet_listen(s, "tls+tcp://127.0.0.1:0", &tls, NULL, &d) < 0);
	assert_non_null(strstr(d.msg, "/nonexistent/cert.pem"));
	/* Verifying without a CA. */
	struct fv_fleet_tls v = { .verify = true };
	assert_int_equal(
	    fv_fleet_dial(s, "tls+tcp://127.0.0.1:1", &v, NULL, &d),
	    FV_EBADCONF);
	assert_non_null(strstr(d.msg, "CA"));
	nng_close(s);
}

/* A job that blocks until its pipe is written to, then says so. */
struct slow {
	int fds[2];
	atomic_int done;
};

static void
slow_job(void *arg)
{
	struct slow *sl = arg;
	char c;

	while (read(sl->fds[0], &c, 1) < 0) {
	}
	atomic_store(&sl->done, 1);
}

/* A job past its bound: fv_fleet_bounded gives up in time, the job goes
 * on alone and still finishes once released. */
static void
test_bounded_gives_up(void **state)
{
	static struct slow sl; /* outlives the call, as the job needs */
	struct timespec t0, t1;
	long ms;

	(void)state;
	assert_int_equal(pipe(sl.fds), 0);
	atomic_init(&sl.done, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_false(fv_fleet_bounded(slow_job, &sl, 100));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 100);
	assert_int_equal(atomic_load(&sl.done), 0);
	assert_int_equal(write(sl.fds[1], "x", 1), 1);
	for (int i = 0; i < 1000 && atomic_load(&sl.done) == 0; i++) {
		usleep(10000);
	}
	assert_int_equal(atomic_load(&sl.done), 1);
	/* A job within its bound. */
	atomic_store(&sl.done, 0);
	assert_int_equal(write(sl.fds[1], "y", 1), 1);
	assert_true(fv_fleet_bounded(slow_job, &sl, 10000));
	assert_int_equal(atomic_load(&sl.done), 1);
	close(sl.fds[0]);
	close(sl.fds[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_check),
		cmocka_unit_test(test_events_url),
		cmocka_unit_test(test_secret_read),
		cmocka_unit_test(test_random_id),
		cmocka_unit_test(test_exchange),
		cmocka_unit_test(test_tls_files),
		cmocka_unit_test(test_bounded_gives_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
