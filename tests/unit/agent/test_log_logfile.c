/*
 * Unit tests for the log writer (agent/src/log/logfile.c), on a real libuv
 * loop in private temporary directories.
 *
 * Rotation is checked against a model of 4.2.5's RotatingFileHandler
 * (write, then if the file is at least maxbytes long: path.(N-1) -> path.N
 * ... path -> path.1 and a new empty path), byte for byte, for streams of
 * random-sized writes made while the loop runs at random moments. Failures
 * that need no root: /dev/full (ENOSPC), RLIMIT_FSIZE (EFBIG, which unlike
 * /dev/full can be lifted to see writing resume), a directory where a file
 * must be created (EISDIR) and a non-empty directory in a rotation's way.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/xalloc.h"
#include "log/logfile.h"
#include "tests/support/testsupport.h"

/* The fixture: a loop, a directory, and what the callbacks saw. */
struct fx {
	uv_loop_t loop;
	uv_timer_t alive; /* stands for the daemon's other handles */
	char *dir;
	char *path; /* dir/test.log */
	int n_paused, n_resumed;
	bool paused;
	struct fv_buf reports; /* each report, then a newline */
	int n_reports;
	bool closed;
};

static void
fx_on_pressure(void *arg, bool paused)
{
	struct fx *fx = arg;

	/* Calls must alternate, starting with a pause. */
	assert_true(paused != fx->paused);
	fx->paused = paused;
	if (paused) {
		fx->n_paused++;
	} else {
		fx->n_resumed++;
	}
}

static void
fx_on_report(void *arg, const char *msg)
{
	struct fx *fx = arg;

	assert_int_equal(fv_buf_puts(&fx->reports, msg), 0);
	assert_int_equal(fv_buf_putc(&fx->reports, '\n'), 0);
	fx->n_reports++;
}

static void
fx_on_closed(void *arg)
{
	((struct fx *)arg)->closed = true;
}

static int
fx_setup(void **state)
{
	struct fx *fx = fv_xcalloc(1, sizeof(*fx));
	struct sigaction sa = { .sa_handler = SIG_IGN };

	/* As the daemon must: a dead pipe or the size limit is an error
	 * from write, not a signal. */
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGXFSZ, &sa, NULL);
	assert_int_equal(uv_loop_init(&fx->loop), 0);
	assert_int_equal(uv_timer_init(&fx->loop, &fx->alive), 0);
	fx->dir = fv_test_mkdtemp();
	fx->path = fv_xasprintf("%s/test.log", fx->dir);
	fv_buf_init(&fx->reports, 1 << 20);
	*state = fx;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *fx = *state;

	/* Every handle must be closed: uv_loop_close says UV_EBUSY if not. */
	uv_close((uv_handle_t *)&fx->alive, NULL);
	uv_run(&fx->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&fx->loop), 0);
	fv_test_rmtree(fx->dir);
	fv_buf_fini(&fx->reports);
	free(fx->dir);
	free(fx->path);
	free(fx);
	return 0;
}

static struct logfile_opts
fx_opts(struct fx *fx, long long maxbytes, long long backups)
{
	return (struct logfile_opts){
		.path = fx->path,
		.maxbytes = maxbytes,
		.backups = backups,
		.on_pressure = fx_on_pressure,
		.on_report = fx_on_report,
		.arg = fx,
	};
}

static struct logfile *
fx_open(struct fx *fx, const struct logfile_opts *o)
{
	struct fv_diag d = { "" };
	struct logfile *lf = NULL;
	int rv = logfile_open(&fx->loop, o, &lf, &d);

	if (rv != 0) {
		fail_msg("logfile_open %s: %d %s", o->path, rv, d.msg);
	}
	return lf;
}

/* fx_idle: everything written or dropped. */
static bool
fx_idle(struct logfile *lf)
{
	struct logfile_stats st;

	logfile_stats(lf, &st);
	return st.pending == 0;
}

static void
fx_on_alive(uv_timer_t *t)
{
	(void)t;
}

/*
 * fx_spin runs the loop without blocking for about ms milliseconds, with
 * a live handle as a daemon has (signals, pipes): the writer's timer does
 * not keep a loop alive for a mere report.
 */
static void
fx_spin(struct fx *fx, int ms)
{
	uint64_t end = uv_hrtime() + (uint64_t)ms * 1000000;

	uv_timer_start(&fx->alive, fx_on_alive, 1000, 1000);
	while (uv_hrtime() < end) {
		uv_run(&fx->loop, UV_RUN_NOWAIT);
		usleep(500);
	}
	uv_timer_stop(&fx->alive);
}

/* fx_drain runs the loop until lf has nothing pending (10 s at most). */
static void
fx_drain(struct fx *fx, struct logfile *lf)
{
	uint64_t end = uv_hrtime() + 10000000000ULL;

	while (!fx_idle(lf)) {
		if (uv_hrtime() > end) {
			fail_msg("the writer did not drain");
		}
		uv_run(&fx->loop, UV_RUN_NOWAIT);
		usleep(200);
	}
	/* Let the after-work callback of the last batch run too. */
	fx_spin(fx, 5);
}

static void
fx_close(struct fx *fx, struct logfile *lf)
{
	uint64_t end = uv_hrtime() + 10000000000ULL;

	fx->closed = false;
	logfile_close(lf, fx_on_closed, fx);
	while (!fx->closed) {
		if (uv_hrtime() > end) {
			fail_msg("logfile_close did not finish");
		}
		uv_run(&fx->loop, UV_RUN_NOWAIT);
		usleep(200);
	}
}

/* read_all returns a file's bytes (malloc'd) or NULL if it is missing. */
static char *
read_all(const char *path, size_t *lenp)
{
	struct fv_buf b;
	char chunk[8192];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0) {
		assert_int_equal(errno, ENOENT);
		*lenp = 0;
		return NULL;
	}
	fv_buf_init(&b, SIZE_MAX / 2);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		assert_int_equal(fv_buf_append(&b, chunk, (size_t)n), 0);
	}
	assert_true(n == 0);
	close(fd);
	*lenp = b.len;
	return b.data != NULL ? fv_buf_take(&b) : fv_xstrdup("");
}

static void
assert_file(const char *path, const char *want, size_t wantlen)
{
	size_t len;
	char *got = read_all(path, &len);

	if (got == NULL) {
		fail_msg("%s: missing", path);
	}
	if (len != wantlen || memcmp(got, want, len) != 0) {
		fail_msg("%s: %zu bytes, want %zu", path, len, wantlen);
	}
	free(got);
}

static void
assert_missing(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0) {
		fail_msg("%s exists", path);
	}
}

static void
write_file(const char *path, const char *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static uint64_t
lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
	return *x >> 33;
}

/*
 * The model of 4.2.5's rotating handler: the current file and the backups
 * that exist, by number (1 .. n).
 */
struct model {
	long long maxbytes, backups;
	struct fv_buf cur;
	struct fv_buf *bak; /* bak[i] for path.(i+1) */
	bool *exists;
	int rotations;
};

static void
model_init(struct model *m, long long maxbytes, long long backups)
{
	m->maxbytes = maxbytes;
	m->backups = backups;
	fv_buf_init(&m->cur, SIZE_MAX / 2);
	m->bak = fv_xcalloc((size_t)backups + 1, sizeof(*m->bak));
	m->exists = fv_xcalloc((size_t)backups + 1, sizeof(*m->exists));
	for (long long i = 0; i <= backups; i++) {
		fv_buf_init(&m->bak[i], SIZE_MAX / 2);
	}
	m->rotations = 0;
}

static void
model_fini(struct model *m)
{
	fv_buf_fini(&m->cur);
	for (long long i = 0; i <= m->backups; i++) {
		fv_buf_fini(&m->bak[i]);
	}
	free(m->bak);
	free(m->exists);
}

/* model_write is RotatingFileHandler.emit: write, then doRollover. */
static void
model_write(struct model *m, const char *p, size_t n)
{
	assert_int_equal(fv_buf_append(&m->cur, p, n), 0);
	if (m->maxbytes <= 0 || (long long)m->cur.len < m->maxbytes) {
		return;
	}
	m->rotations++;
	if (m->backups > 0) {
		for (long long i = m->backups - 1; i >= 1; i--) {
			if (m->exists[i - 1]) {
				struct fv_buf t = m->bak[i];

				m->bak[i] = m->bak[i - 1];
				m->bak[i - 1] = t;
				m->exists[i] = true;
				m->exists[i - 1] = false;
			}
		}
		fv_buf_fini(&m->bak[0]);
		m->bak[0] = m->cur;
		m->exists[0] = true;
		fv_buf_init(&m->cur, SIZE_MAX / 2);
	} else {
		fv_buf_reset(&m->cur);
	}
}

/* model_check compares every file on disk with the model. */
static void
model_check(const struct model *m, const char *path)
{
	char name[PATH_MAX];

	assert_file(path, m->cur.data != NULL ? m->cur.data : "", m->cur.len);
	for (long long i = 1; i <= m->backups + 1; i++) {
		snprintf(name, sizeof(name), "%s.%lld", path, i);
		if (i <= m->backups && m->exists[i - 1]) {
			assert_file(name,
			    m->bak[i - 1].data != NULL ? m->bak[i - 1].data
			                               : "",
			    m->bak[i - 1].len);
		} else {
			assert_missing(name);
		}
	}
}

/*
 * rotate_stream writes nwrites random-sized writes (1 .. maxw bytes of a
 * pseudo-random stream), running the loop or flushing at random moments,
 * and checks every file against the model; initial is what the log file
 * held before.
 */
static void
rotate_stream(struct fx *fx, long long maxbytes, long long backups,
    size_t nwrites, size_t maxw, const char *initial)
{
	struct logfile_opts o = fx_opts(fx, maxbytes, backups);
	struct logfile_stats st;
	struct logfile *lf;
	struct model m;
	uint64_t x = 42, total = 0;
	char buf[4096];

	assert_true(maxw <= sizeof(buf));
	model_init(&m, maxbytes, backups);
	if (initial != NULL) {
		write_file(fx->path, initial, strlen(initial));
		assert_int_equal(fv_buf_puts(&m.cur, initial), 0);
	}
	o.highwater = 1 << 20;
	lf = fx_open(fx, &o);
	for (size_t i = 0; i < nwrites; i++) {
		size_t n = 1 + lcg(&x) % maxw;

		for (size_t k = 0; k < n; k++) {
			buf[k] = (char)(lcg(&x) & 0xff);
		}
		logfile_write(lf, buf, n);
		model_write(&m, buf, n);
		total += n;
		switch (lcg(&x) % 16) {
		case 0:
		case 1:
		case 2:
			uv_run(&fx->loop, UV_RUN_NOWAIT);
			break;
		case 3:
			assert_int_equal(logfile_flush_sync(lf), 0);
			break;
		case 4:
			fx_drain(fx, lf);
			break;
		default:
			break;
		}
	}
	fx_drain(fx, lf);
	logfile_stats(lf, &st);
	assert_int_equal(st.bytes_written, total);
	assert_int_equal(st.bytes_dropped, 0);
	assert_int_equal(st.rotations, m.rotations);
	assert_false(st.special);
	fx_close(fx, lf);
	model_check(&m, fx->path);
	assert_int_equal(fx->n_reports, 0);
	model_fini(&m);
}

static void
test_logfile_rotate_3_backups(void **state)
{
	rotate_stream(*state, 1000, 3, 3000, 300, NULL);
}

static void
test_logfile_rotate_0_backups(void **state)
{
	rotate_stream(*state, 1000, 0, 3000, 300, NULL);
}

/* Writes bigger than maxbytes: each fills a file of its own. */
static void
test_logfile_rotate_big_writes(void **state)
{
	rotate_stream(*state, 1000, 5, 40, 4000, NULL);
}

/* An existing file over maxbytes takes one more write, then rotates. */
static void
test_logfile_rotate_existing(void **state)
{
	static char initial[1500];

	memset(initial, 'i', sizeof(initial) - 1);
	rotate_stream(*state, 1000, 2, 200, 100, initial);
}

static void
test_logfile_no_rotation(void **state)
{
	rotate_stream(*state, 0, 3, 1000, 500, "old content\n");
}

/*
 * test_logfile_rotate_merged: more writes in one batch than it keeps
 * apart. The files then hold maxbytes exactly (merged writes are cut), the
 * others less than one write more, and together the whole stream in order.
 */
static void
test_logfile_rotate_merged(void **state)
{
	struct fx *fx = *state;
	struct logfile_opts o = fx_opts(fx, 1000, 1000);
	struct fv_buf all, cat;
	struct logfile *lf;
	uint64_t x = 7;
	char buf[64], name[PATH_MAX];
	long long nfiles = 0;

	fv_buf_init(&all, SIZE_MAX / 2);
	fv_buf_init(&cat, SIZE_MAX / 2);
	o.highwater = 1 << 20;
	lf = fx_open(fx, &o);
	for (int i = 0; i < 3 * LOGFILE_MAXRECS; i++) {
		size_t n = 1 + lcg(&x) % 50;

		for (size_t k = 0; k < n; k++) {
			buf[k] = (char)('a' + lcg(&x) % 26);
		}
		logfile_write(lf, buf, n);
		assert_int_equal(fv_buf_append(&all, buf, n), 0);
	}
	fx_drain(fx, lf);
	fx_close(fx, lf);
	for (long long i = 1000; i >= 1; i--) {
		size_t len;
		char *p;

		snprintf(name, sizeof(name), "%s.%lld", fx->path, i);
		if ((p = read_all(name, &len)) == NULL) {
			continue;
		}
		nfiles++;
		if (len < 1000 || len >= 1000 + 50) {
			fail_msg("%s holds %zu bytes", name, len);
		}
		assert_int_equal(fv_buf_append(&cat, p, len), 0);
		free(p);
	}
	{
		size_t len;
		char *p = read_all(fx->path, &len);

		assert_non_null(p);
		assert_true(len < 1000);
		assert_int_equal(fv_buf_append(&cat, p, len), 0);
		free(p);
	}
	assert_true(nfiles >= (long long)(all.len / 1050));
	assert_int_equal(cat.len, all.len);
	assert_memory_equal(cat.data, all.data, all.len);
	fv_buf_fini(&all);
	fv_buf_fini(&cat);
}

/* test_logfile_pressure: pause once above highwater, resume below half. */
static void
test_logfile_pressure(void **state)
{
	struct fx *fx = *state;
	struct logfile_opts o = fx_opts(fx, 0, 0);
	struct logfile_stats st;
	struct logfile *lf;
	char buf[1000];

	memset(buf, 'p', sizeof(buf));
	o.highwater = 4096;
	o.limit = 1 << 20;
	lf = fx_open(fx, &o);
	/* The loop is not running: nothing is written yet. */
	for (int i = 0; i < 4; i++) {
		logfile_write(lf, buf, sizeof(buf));
	}
	assert_int_equal(fx->n_paused, 0);
	logfile_write(lf, buf, sizeof(buf)); /* 5000 > 4096 */
	assert_int_equal(fx->n_paused, 1);
	logfile_stats(lf, &st);
	assert_true(st.paused);
	for (int i = 0; i < 10; i++) {
		logfile_write(lf, buf, sizeof(buf)); /* producer overshoots */
	}
	assert_int_equal(fx->n_paused, 1);
	assert_int_equal(fx->n_resumed, 0);
	fx_drain(fx, lf);
	assert_int_equal(fx->n_resumed, 1);
	assert_false(fx->paused);
	/* And again. */
	for (int i = 0; i < 6; i++) {
		logfile_write(lf, buf, sizeof(buf));
	}
	fx_drain(fx, lf);
	assert_int_equal(fx->n_paused, 2);
	assert_int_equal(fx->n_resumed, 2);
	logfile_stats(lf, &st);
	assert_int_equal(st.bytes_written, 21000);
	assert_int_equal(st.bytes_dropped, 0);
	fx_close(fx, lf);
}

/*
 * test_logfile_limit: a producer that ignores pressure loses bytes past
 * the limit, which are counted, reported (then rate-limited, the rest
 * reported when the period ends) and marked in the log at the gap.
 */
static void
test_logfile_limit(void **state)
{
	static const char marker[] =
	    "\n[fleetvisord] 6000 bytes dropped: log writer backlog over "
	    "limit\n";
	struct fx *fx = *state;
	struct logfile_opts o = fx_opts(fx, 0, 0);
	struct logfile_stats st;
	struct fv_buf want;
	struct logfile *lf;
	char buf[1000];

	o.highwater = 1000;
	o.limit = 4000;
	lf = fx_open(fx, &o);
	fv_buf_init(&want, 1 << 20);
	for (int i = 0; i < 10; i++) {
		memset(buf, '0' + i, sizeof(buf));
		logfile_write(lf, buf, sizeof(buf));
		if (i < 4) {
			assert_int_equal(fv_buf_append(&want, buf, 1000), 0);
		}
	}
	logfile_stats(lf, &st);
	assert_int_equal(st.bytes_dropped, 6000);
	assert_int_equal(st.last_error, FV_ETOOBIG);
	assert_int_equal(fx->n_reports, 1);
	assert_non_null(strstr(fx->reports.data,
	    "test.log: 1000 bytes dropped (1000 in total): log writer backlog "
	    "over limit"));
	fx_drain(fx, lf);
	logfile_write(lf, "tail", 4);
	assert_int_equal(fv_buf_append(&want, marker, sizeof(marker) - 1), 0);
	assert_int_equal(fv_buf_puts(&want, "tail"), 0);
	fx_drain(fx, lf);
	assert_file(fx->path, want.data, want.len);
	assert_non_null(strstr(fx->reports.data,
	    "writing resumed; 6000 bytes were dropped before this point"));
	/* The 5000 held back by the rate limit are reported in time. */
	fx_spin(fx, LOGFILE_REPORT_MS + 300);
	assert_non_null(
	    strstr(fx->reports.data, "5000 bytes dropped (6000 in total)"));
	logfile_stats(lf, &st);
	assert_int_equal(st.bytes_written, 4004);
	fx_close(fx, lf);
	fv_buf_fini(&want);
}

/* test_logfile_moved: mv of the live file; new bytes go to a new file. */
static void
test_logfile_moved(void **state)
{
	struct fx *fx = *state;
	struct logfile_opts o = fx_opts(fx, 0, 0);
	char *moved = fv_xasprintf("%s.moved", fx->path);
	struct logfile_stats st;
	struct logfile *lf = fx_open(fx, &o);

	logfile_write(lf, "before\n", 7);
	fx_drain(fx, lf);
	assert_int_equal(rename(fx->path, moved), 0);
	logfile_write(lf, "after\n", 6);
	fx_drain(fx, lf);
	assert_file(moved, "before\n", 7);
	assert_file(fx->path, "after\n", 6);
	assert_int_equal(fx->n_reports, 1);
	assert_non_null(strstr(fx->reports.data,
	    "test.log: the log file was moved or replaced; reopened it"));
	logfile_stats(lf, &st);
	assert_int_equal(st.reopens, 1);
	fx_close(fx, lf);
	free(moved);
}

/* test_logfile_deleted: rm of the live file; it is created again. */
static void
test_logfile_deleted(void **state)
{
	struct fx *fx = *state;
	struct logfile_opts o = fx_opts(fx, 0, 0);
	struct logfile *lf = fx_open(fx, &o);

	logfile_write(lf, "before\n", 7);
	fx_drain(fx, lf);
	assert_int_equal(unlink(fx->path), 0);
	logfile_write(lf, "after\n", 6);
	fx_drain(fx, lf);
	assert_file(fx->path, "after\n", 6);
	assert_non_null(strstr(fx->reports.data,
	    "test.log: the log file was deleted; reopened it"));
	fx_close(fx, lf);
}

/*
 * test_logfile_moved_cannot_reopen: the path cannot be created (a directory
 * took its place): bytes keep going to the moved file, not lost, until it
 * can.
 */
static void
test_logfile_moved_cannot_reopen(void **state)
{
	struct fx *fx = *state;
	struct logfile_opts o = fx_opts(fx, 0, 0);
	char *moved = fv_xasprintf("%s.moved", fx->path);
	struct logfile_stats st;
	struct logfile *lf = fx_open(fx, &o);

	logfile_write(lf, "a\n", 2);
	fx_drain(fx, lf);
	assert_int_equal(rename(fx->path, moved), 0);
	assert_int_equal(mkdir(fx->path, 0755), 0);
	logfile_write(lf, "b\n", 2);
	fx_drain(fx, lf);
	assert_file(moved, "a\nb\n", 4);
	assert_non_null(strstr(
	    fx->reports.data, "test.log: cannot reopen: Is a directory"));
	assert_int_equal(rmdir(fx->path), 0);
	logfile_write(lf, "c\n", 2);
	fx_drain(fx, lf);
	assert_file(moved, "a\nb\n", 4);
	assert_file(fx->path, "c\n", 2);
	logfile_stats(lf, &st);
	assert_int_equal(st.bytes_dropped, 0);
	assert_int_equal(st.bytes_written, 6);
	fx_close(fx, lf);
	free(moved);
}

/*
 * test_logfile_deleted_cannot_reopen: a deleted file cannot take bytes
 * (they would vanish), so until the path can be created they are dropped,
 * counted, reported and marked.
 */
static void
test_logfile_deleted_cannot_reopen(void **state)
{
	static const char want[] =
	    "\n[fleetvisord] 2 bytes dropped: Is a directory\nc\n";
	struct fx *fx = *state;
	struct logfile_opts o = fx_opts(fx, 0, 0);
	struct logfile_stats st;
	struct logfile *lf = fx_open(fx, &o);

	logfile_write(lf, "a\n", 2);
	fx_drain(fx, lf);
	assert_int_equal(unlink(fx->path), 0);
	assert_int_equal(mkdir(fx->path, 0755), 0);
	logfile_write(lf, "b\n", 2);
	fx_drain(fx, lf);
	logfile_stats(lf, &st);
	assert_int_equal(st.bytes_dropped, 2);
	assert_int_equal(st.last_error, -EISDIR);
	assert_non_null(strstr(fx->reports.data,
	    "test.log: 2 bytes dropped (2 in total): Is a directory"));
	assert_int_equal(rmdir(fx->path), 0);
	logfile_write(lf, "c\n", 2);
	fx_drain(fx, lf);
	assert_file(fx->path, want, sizeof(want) - 1);
	assert_non_null(strstr(fx->reports.data, "writing resumed"));
	fx_close(fx, lf);
}

/* test_logfile_reopen: SIGUSR2 after logrotate moved the file. */
static void
test_logfile_reopen(void **state)
{
	struct fx *fx = *state;
	struct logfile_opts o = fx_opts(fx, 0, 0);
	char *old = fv_xasprintf("%s.old", fx->path);
	struct logfile_stats st;
	struct logfile *lf = fx_open(fx, &o);

	logfile_write(lf, "one\n", 4);
	fx_drain(fx, lf);
	logfile_reopen(lf); /* nothing moved: same file */
	logfile_write(lf, "two\n", 4);
	fx_drain(fx, lf);
	assert_int_equal(rename(fx->path, old), 0);
	logfile_reopen(lf);
	fx_spin(fx, 20);
	logfile_write(lf, "three\n", 6);
	fx_drain(fx, lf);
	assert_file(old, "one\ntwo\n", 8);
	assert_file(fx->path, "three\n", 6);
	logfile_stats(lf, &st);
	assert_int_equal(st.reopens, 2);
	fx_close(fx, lf);
	free(old);
}

/*
 * test_logfile_enospc: /dev/full refuses every write with ENOSPC: all is
 * dropped and counted, reported once per period, nothing blocks or
 * crashes, and it is special (never rotated).
 */
static void
test_logfile_enospc(void **state)
{
	struct fx *fx = *state;
	struct logfile_opts o = fx_opts(fx, 10, 3);
	struct logfile_stats st;
	struct logfile *lf;
	char buf[3000];

	memset(buf, 'x', sizeof(buf));
	o.path = "/dev/full";
	lf = fx_open(fx, &o);
	for (int i = 0; i < 20; i++) {
		logfile_write(lf, buf, 1000 + (size_t)i);
		fx_drain(fx, lf);
	}
	logfile_stats(lf, &st);
	assert_true(st.special);
	assert_int_equal(st.bytes_written, 0);
	assert_int_equal(st.bytes_dropped, 20 * 1000 + 190);
	assert_int_equal(st.rotations, 0);
	assert_int_equal(st.last_error, -ENOSPC);
	assert_int_equal(fx->n_reports, 1);
	assert_non_null(strstr(fx->reports.data,
	    "/dev/full: 1000 bytes dropped (1000 in total): No space left on "
	    "device"));
	assert_false(fx->paused);
	assert_int_equal(logfile_flush_sync(lf), 0);
	fx_close(fx, lf);
	assert_missing("/dev/full.1");
}

/*
 * test_logfile_efbig_resumes: the file-size limit makes writes fail
 * (EFBIG) part-way; when it is lifted, writing resumes with the marker.
 */
static void
test_logfile_efbig_resumes(void **state)
{
	static const char marker[] =
	    "\n[fleetvisord] 1500 bytes dropped: File too large\n";
	struct fx *fx = *state;
	struct logfile_opts o = fx_opts(fx, 0, 0);
	struct logfile_stats st;
	struct rlimit old, lim;
	struct fv_buf want;
	struct logfile *lf = fx_open(fx, &o);
	char buf[1000];

	fv_buf_init(&want, 1 << 20);
	memset(buf, 'a', sizeof(buf));
	logfile_write(lf, buf, sizeof(buf));
	fx_drain(fx, lf);
	assert_int_equal(fv_buf_append(&want, buf, 1000), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 1500;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	memset(buf, 'b', sizeof(buf));
	logfile_write(lf, buf, sizeof(buf)); /* 500 fit, 500 dropped */
	fx_drain(fx, lf);
	logfile_write(lf, buf, sizeof(buf)); /* all 1000 dropped */
	fx_drain(fx, lf);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(fv_buf_append(&want, buf, 500), 0);
	logfile_stats(lf, &st);
	assert_int_equal(st.bytes_written, 1500);
	assert_int_equal(st.bytes_dropped, 1500);
	assert_int_equal(st.last_error, -EFBIG);
	logfile_write(lf, "resumed\n", 8);
	fx_drain(fx, lf);
	assert_int_equal(fv_buf_append(&want, marker, sizeof(marker) - 1), 0);
	assert_int_equal(fv_buf_puts(&want, "resumed\n"), 0);
	assert_file(fx->path, want.data, want.len);
	assert_non_null(strstr(fx->reports.data,
	    "test.log: 500 bytes dropped (500 in total): File too large"));
	assert_non_null(strstr(fx->reports.data,
	    "test.log: writing resumed; 1500 bytes were dropped"));
	fx_close(fx, lf);
	fv_buf_fini(&want);
}

/*
 * test_logfile_rotation_blocked: a rotation that cannot rename (a
 * non-empty directory is in the way) keeps the old file intact and
 * growing, is reported, and is retried until it works.
 */
static void
test_logfile_rotation_blocked(void **state)
{
	struct fx *fx = *state;
	struct logfile_opts o = fx_opts(fx, 100, 1);
	char *bak = fv_xasprintf("%s.1", fx->path);
	char *inner = fv_xasprintf("%s.1/x", fx->path);
	struct logfile_stats st;
	struct logfile *lf;
	char buf[200];

	assert_int_equal(mkdir(bak, 0755), 0);
	write_file(inner, "x", 1);
	lf = fx_open(fx, &o);
	memset(buf, 'a', sizeof(buf));
	logfile_write(lf, buf, 150);
	fx_drain(fx, lf);
	logfile_write(lf, buf, 50);
	fx_drain(fx, lf);
	assert_file(fx->path, buf, 200); /* intact, and still growing */
	assert_non_null(strstr(fx->reports.data,
	    "test.log: cannot rotate: Is a directory (will retry)"));
	assert_int_equal(fx->n_reports, 1); /* rate-limited */
	assert_int_equal(unlink(inner), 0);
	assert_int_equal(rmdir(bak), 0);
	logfile_write(lf, buf, 10);
	fx_drain(fx, lf);
	logfile_stats(lf, &st);
	assert_int_equal(st.rotations, 1);
	assert_int_equal(st.bytes_dropped, 0);
	{
		size_t len;
		char *p = read_all(bak, &len);

		assert_int_equal(len, 210);
		free(p);
	}
	assert_file(fx->path, "", 0);
	fx_close(fx, lf);
	free(bak);
	free(inner);
}

/*
 * test_logfile_rotation_open_fails: the renames of a rotation work but the
 * new file cannot be opened (C10's "rename ok, open fails"; EMFILE stands
 * in for ENOSPC, needing no root). The old file, now path.1, stays intact
 * and takes the following bytes, and path is created once it can be.
 */
static void
test_logfile_rotation_open_fails(void **state)
{
	struct fx *fx = *state;
	struct logfile_opts o = fx_opts(fx, 100, 2);
	char *bak1 = fv_xasprintf("%s.1", fx->path);
	char *bak2 = fv_xasprintf("%s.2", fx->path);
	struct logfile_stats st;
	struct rlimit old, lim;
	struct fv_buf want;
	struct logfile *lf = fx_open(fx, &o);
	char buf[150];
	int fd;

	fv_buf_init(&want, 1 << 20);
	memset(buf, '0', 10);
	logfile_write(lf, buf, 10);
	fx_drain(fx, lf);
	assert_int_equal(fv_buf_append(&want, buf, 10), 0);
	/* No new descriptor from here: open fails, rename does not. */
	fd = open("/dev/null", O_RDONLY);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)fd;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &lim), 0);
	memset(buf, 'a', 150);
	logfile_write(lf, buf, 150);
	fx_drain(fx, lf);
	assert_int_equal(fv_buf_append(&want, buf, 150), 0);
	memset(buf, 'b', 50);
	logfile_write(lf, buf, 50);
	fx_drain(fx, lf);
	assert_int_equal(fv_buf_append(&want, buf, 50), 0);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_missing(fx->path);
	assert_file(bak1, want.data, want.len);
	assert_non_null(strstr(fx->reports.data,
	    "test.log: cannot rotate: Too many open files (will retry)"));
	assert_non_null(strstr(
	    fx->reports.data, "test.log: cannot reopen: Too many open files"));
	memset(buf, 'c', 10);
	logfile_write(lf, buf, 10);
	fx_drain(fx, lf);
	assert_file(bak1, want.data, want.len);
	assert_file(fx->path, buf, 10);
	assert_missing(bak2);
	logfile_stats(lf, &st);
	assert_int_equal(st.rotations, 1);
	assert_int_equal(st.bytes_dropped, 0);
	assert_int_equal(st.bytes_written, 220);
	fx_close(fx, lf);
	fv_buf_fini(&want);
	free(bak1);
	free(bak2);
}

/* refuse checks that opening path fails with err and a message. */
static void
refuse(struct fx *fx, const char *path, int err, const char *text)
{
	struct logfile_opts o = fx_opts(fx, 1000, 1);
	struct fv_diag d = { "" };
	struct logfile *lf = (struct logfile *)&d;

	o.path = path;
	assert_int_equal(logfile_open(&fx->loop, &o, &lf, &d), err);
	assert_null(lf);
	if (strstr(d.msg, path) == NULL || strstr(d.msg, text) == NULL) {
		fail_msg(
		    "message \"%s\" lacks \"%s\" or \"%s\"", d.msg, path, text);
	}
}

static void
test_logfile_refused(void **state)
{
	struct fx *fx = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *sock = fv_xasprintf("%s/sock", fx->dir);
	char *link = fv_xasprintf("%s/link", fx->dir);
	char *fifo = fv_xasprintf("%s/fifo", fx->dir);
	char *target = fv_xasprintf("%s/target", fx->dir);
	int s;

	refuse(fx, fx->dir, -EISDIR, "Is a directory");
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	refuse(fx, sock, -ENXIO, "No such device or address");
	close(s);
	write_file(target, "t", 1);
	assert_int_equal(symlink(target, link), 0);
	refuse(fx, link, -ELOOP,
	    "Too many levels of symbolic links (symbolic links are refused)");
	assert_int_equal(mkfifo(fifo, 0644), 0);
	refuse(fx, fifo, -ENXIO, "FIFO with no reader");
	refuse(
	    fx, "/nonexistent/dir/x.log", -ENOENT, "No such file or directory");
	assert_file(target, "t", 1);
	free(sock);
	free(link);
	free(fifo);
	free(target);
}

/* test_logfile_special_null: /dev/null is written, never rotated. */
static void
test_logfile_special_null(void **state)
{
	struct fx *fx = *state;
	struct logfile_opts o = fx_opts(fx, 10, 2);
	struct logfile_stats st;
	struct logfile *lf;
	char buf[500];

	memset(buf, 'n', sizeof(buf));
	o.path = "/dev/null";
	lf = fx_open(fx, &o);
	for (int i = 0; i < 10; i++) {
		logfile_write(lf, buf, sizeof(buf));
	}
	logfile_reopen(lf);
	fx_drain(fx, lf);
	logfile_stats(lf, &st);
	assert_true(st.special);
	assert_int_equal(st.bytes_written, 5000);
	assert_int_equal(st.rotations, 0);
	fx_close(fx, lf);
	assert_missing("/dev/null.1");
}

/*
 * pipe_pump reads what is available from fd into b, running the loop,
 * until b holds want bytes (10 s at most).
 */
static void
pipe_pump(struct fx *fx, int fd, struct fv_buf *b, size_t want)
{
	uint64_t end = uv_hrtime() + 10000000000ULL;
	char chunk[4096];
	ssize_t n;

	while (b->len < want) {
		if (uv_hrtime() > end) {
			fail_msg("only %zu of %zu bytes arrived", b->len, want);
		}
		uv_run(&fx->loop, UV_RUN_NOWAIT);
		while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
			assert_int_equal(fv_buf_append(b, chunk, (size_t)n), 0);
		}
		usleep(200);
	}
}

/*
 * test_logfile_full_pipe: a FIFO-like target (a pipe, reached through
 * /proc/self/fd/N, a root- or self-owned link that is allowed) whose reader
 * is slow: the writer waits, never drops, applies pressure, keeps order.
 */
static void
test_logfile_full_pipe(void **state)
{
	struct fx *fx = *state;
	struct logfile_opts o = fx_opts(fx, 100, 1);
	struct fv_buf all, got;
	struct logfile_stats st;
	struct logfile *lf;
	char path[64], buf[3000];
	uint64_t x = 3;
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[1]);
	o.path = path;
	o.highwater = 32768;
	o.limit = 1 << 20;
	lf = fx_open(fx, &o);
	fv_buf_init(&all, 1 << 22);
	fv_buf_init(&got, 1 << 22);
	for (int i = 0; i < 100; i++) {
		for (size_t k = 0; k < sizeof(buf); k++) {
			buf[k] = (char)lcg(&x);
		}
		logfile_write(lf, buf, sizeof(buf));
		assert_int_equal(fv_buf_append(&all, buf, sizeof(buf)), 0);
	}
	fx_spin(fx, 50); /* the pipe fills up; the rest waits */
	logfile_stats(lf, &st);
	assert_true(st.pending > 0);
	assert_int_equal(st.bytes_dropped, 0);
	assert_int_equal(fx->n_paused, 1);
	pipe_pump(fx, p[0], &got, all.len);
	fx_drain(fx, lf);
	assert_int_equal(got.len, all.len);
	assert_memory_equal(got.data, all.data, all.len);
	logfile_stats(lf, &st);
	assert_true(st.special);
	assert_int_equal(st.rotations, 0);
	assert_int_equal(fx->n_resumed, 1);
	fx_close(fx, lf);
	close(p[0]);
	close(p[1]);
	fv_buf_fini(&all);
	fv_buf_fini(&got);
}

/*
 * test_logfile_open_fd_socket: stdout under systemd is a socket, which
 * cannot be reopened through /proc: it is duplicated, and written as far
 * as poll allows.
 */
static void
test_logfile_open_fd_socket(void **state)
{
	struct fx *fx = *state;
	struct logfile_opts o = fx_opts(fx, 0, 0);
	struct fv_buf all, got;
	struct fv_diag d = { "" };
	struct logfile *lf;
	char buf[5000];
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	o.path = "<stdout>";
	o.limit = 1 << 22;
	assert_int_equal(logfile_open_fd(&fx->loop, sv[0], &o, &lf, &d), 0);
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	fv_buf_init(&all, 1 << 22);
	fv_buf_init(&got, 1 << 22);
	for (int i = 0; i < 100; i++) {
		memset(buf, 'A' + i % 26, sizeof(buf));
		logfile_write(lf, buf, sizeof(buf));
		assert_int_equal(fv_buf_append(&all, buf, sizeof(buf)), 0);
	}
	pipe_pump(fx, sv[1], &got, all.len);
	assert_memory_equal(got.data, all.data, all.len);
	/* The borrowed descriptor stays open and blocking after close. */
	fx_close(fx, lf);
	assert_int_equal(fcntl(sv[0], F_GETFL) & O_NONBLOCK, 0);
	assert_int_equal(write(sv[0], "z", 1), 1);
	close(sv[0]);
	close(sv[1]);
	fv_buf_fini(&all);
	fv_buf_fini(&got);
}

/* test_logfile_open_fd_pipe: a pipe fd is reopened privately. */
static void
test_logfile_open_fd_pipe(void **state)
{
	struct fx *fx = *state;
	struct logfile_opts o = fx_opts(fx, 0, 0);
	struct fv_diag d = { "" };
	struct fv_buf got;
	struct logfile *lf;
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	o.path = "<stdout>";
	assert_int_equal(logfile_open_fd(&fx->loop, p[1], &o, &lf, &d), 0);
	fv_buf_init(&got, 1 << 20);
	logfile_write(lf, "hello ", 6);
	logfile_write(lf, "pipe\n", 5);
	pipe_pump(fx, p[0], &got, 11);
	assert_memory_equal(got.data, "hello pipe\n", 11);
	fx_close(fx, lf);
	assert_int_equal(fcntl(p[1], F_GETFL) & O_NONBLOCK, 0);
	close(p[0]);
	close(p[1]);
	fv_buf_fini(&got);
}

/*
 * test_logfile_flush_sync: everything queued is on disk when it returns,
 * whether or not a batch was in flight, without running the loop.
 */
static void
test_logfile_flush_sync(void **state)
{
	struct fx *fx = *state;
	struct logfile_opts o = fx_opts(fx, 0, 0);
	struct logfile *lf = fx_open(fx, &o);

	logfile_write(lf, "one\n", 4);
	assert_int_equal(logfile_flush_sync(lf), 0);
	assert_file(fx->path, "one\n", 4);
	/* Start a batch on the pool, then flush over it. */
	logfile_write(lf, "two\n", 4);
	uv_run(&fx->loop, UV_RUN_NOWAIT);
	logfile_write(lf, "three\n", 6);
	assert_int_equal(logfile_flush_sync(lf), 0);
	assert_file(fx->path, "one\ntwo\nthree\n", 14);
	assert_true(fx_idle(lf));
	logfile_write(lf, "four\n", 5);
	fx_close(fx, lf);
	assert_file(fx->path, "one\ntwo\nthree\nfour\n", 19);
}

/* test_logfile_close_flushes: close writes what is queued first. */
static void
test_logfile_close_flushes(void **state)
{
	struct fx *fx = *state;
	struct logfile_opts o = fx_opts(fx, 100, 2);
	struct fv_buf all;
	struct logfile *lf = fx_open(fx, &o);
	char *name = fv_xasprintf("%s.1", fx->path);
	char buf[60];

	fv_buf_init(&all, 1 << 20);
	for (int i = 0; i < 3; i++) {
		memset(buf, 'a' + i, sizeof(buf));
		logfile_write(lf, buf, sizeof(buf));
	}
	fx_close(fx, lf);
	/* 60 + 60 >= 100: rotated after the second write. */
	memset(buf, 'a', 60);
	assert_int_equal(fv_buf_append(&all, buf, 60), 0);
	memset(buf, 'b', 60);
	assert_int_equal(fv_buf_append(&all, buf, 60), 0);
	assert_file(name, all.data, 120);
	memset(buf, 'c', 60);
	assert_file(fx->path, buf, 60);
	fv_buf_fini(&all);
	free(name);
}

static void
test_logfile_syslog(void **state)
{
	struct fx *fx = *state;
	struct logfile_opts o = fx_opts(fx, 0, 0);
	struct fv_diag d = { "" };
	struct logfile_stats st;
	struct logfile *lf;

	o.path = NULL;
	assert_int_equal(
	    logfile_open_syslog(&fx->loop, "fvtest", &o, &lf, &d), 0);
	logfile_write(lf, "fleetvisor unit test: syslog one", 32);
	logfile_write(lf, "fleetvisor unit test: syslog two", 32);
	fx_drain(fx, lf);
	logfile_stats(lf, &st);
	assert_int_equal(st.bytes_written, 64);
	assert_true(st.special);
	fx_close(fx, lf);
}

static void
test_logfile_remove_files(void **state)
{
	struct fx *fx = *state;
	char name[PATH_MAX];

	write_file(fx->path, "x", 1);
	for (int i = 1; i <= 3; i++) {
		if (i == 2) {
			continue; /* a gap is fine */
		}
		snprintf(name, sizeof(name), "%s.%d", fx->path, i);
		write_file(name, "x", 1);
	}
	snprintf(name, sizeof(name), "%s.4", fx->path);
	write_file(name, "x", 1);
	assert_int_equal(logfile_remove_files(fx->path, 3), 0);
	assert_missing(fx->path);
	for (int i = 1; i <= 3; i++) {
		snprintf(name, sizeof(name), "%s.%d", fx->path, i);
		assert_missing(name);
	}
	snprintf(name, sizeof(name), "%s.4", fx->path);
	assert_file(name, "x", 1);
	assert_int_equal(logfile_remove_files(fx->path, 3), 0);
}

static void
test_logfile_bad_opts(void **state)
{
	struct fx *fx = *state;
	struct logfile_opts o = fx_opts(fx, -1, 0);
	struct fv_diag d = { "" };
	struct logfile *lf;

	assert_int_equal(logfile_open(&fx->loop, &o, &lf, &d), FV_EBADCONF);
	o = fx_opts(fx, 0, 0);
	o.limit = (size_t)LOGFILE_LIMIT_MAX + 1;
	assert_int_equal(logfile_open(&fx->loop, &o, &lf, &d), FV_EBADCONF);
	assert_missing(fx->path);
}

#define FX_TEST(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)

/*
 * test_logfile_busy_then_idle: a busy log keeps its big buffers from one
 * batch to the next and gives them back once idle. Neither shows in the
 * bytes: every batch lands whole and in order, before and after the
 * shrink, and the one-shot shrink timer never keeps a loop alive.
 */
static void
test_logfile_busy_then_idle(void **state)
{
	struct fx *fx = *state;
	struct logfile_opts o = fx_opts(fx, 0, 0);
	struct logfile *lf;
	const size_t batch = 300 * 1024;
	struct fv_buf want;
	char *chunk = fv_xmalloc(batch);
	uint64_t t0;

	o.highwater = 4 * batch;
	lf = fx_open(fx, &o);
	fv_buf_init(&want, SIZE_MAX / 2);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 8; i++) {
			memset(chunk, 'a' + (round * 8 + i) % 26, batch);
			chunk[batch - 1] = '\n';
			logfile_write(lf, chunk, batch);
			assert_int_equal(fv_buf_append(&want, chunk, batch), 0);
			fx_drain(fx, lf);
		}
		/* Idle: only the shrink is due, which holds no loop. */
		t0 = uv_hrtime();
		uv_run(&fx->loop, UV_RUN_DEFAULT);
		assert_true(uv_hrtime() - t0 < 500000000ULL);
		/* Let it happen; the next round grows the buffers again. */
		fx_spin(fx, 1200);
	}
	assert_int_equal(logfile_flush_sync(lf), 0);
	assert_file(fx->path, want.data, want.len);
	fx_close(fx, lf);
	fv_buf_fini(&want);
	free(chunk);
}

/* What a logfile_when_written callback saw. */
struct ww {
	struct fx *fx;
	int calls;
	off_t size; /* the file's size when it ran */
};

static void
ww_on_written(void *arg)
{
	struct ww *w = arg;
	struct stat st;

	w->calls++;
	w->size = stat(w->fx->path, &st) == 0 ? st.st_size : -1;
}

/*
 * test_logfile_when_written: the notification a reader waits on instead
 * of logfile_flush_sync. It never runs inside the call, runs once the
 * bytes queued at the call are in the file, can be cancelled, and runs at
 * the latest when the logfile closes.
 */
static void
test_logfile_when_written(void **state)
{
	struct fx *fx = *state;
	struct logfile_opts o = fx_opts(fx, 0, 0);
	struct logfile *lf = fx_open(fx, &o);
	struct ww w1 = { fx, 0, 0 }, w2 = { fx, 0, 0 }, w3 = { fx, 0, 0 };
	struct ww w4 = { fx, 0, 0 };
	uint64_t end;

	/* Nothing queued: nothing to wait for. */
	assert_false(logfile_when_written(lf, ww_on_written, &w1));
	logfile_write(lf, "a", 1);
	assert_true(logfile_when_written(lf, ww_on_written, &w1));
	logfile_write(lf, "bc", 2);
	assert_true(logfile_when_written(lf, ww_on_written, &w2));
	assert_true(logfile_when_written(lf, ww_on_written, &w3));
	logfile_when_written_cancel(lf, ww_on_written, &w3);
	assert_int_equal(w1.calls + w2.calls, 0);
	end = uv_hrtime() + 10000000000ULL;
	while (w2.calls == 0 && uv_hrtime() < end) {
		uv_run(&fx->loop, UV_RUN_NOWAIT);
		usleep(200);
	}
	assert_int_equal(w1.calls, 1);
	assert_true(w1.size >= 1);
	assert_int_equal(w2.calls, 1);
	assert_int_equal(w2.size, 3);
	fx_spin(fx, 20);
	assert_int_equal(w3.calls, 0);
	assert_int_equal(w1.calls + w2.calls, 2);
	/* A cancel after the callback ran is a no-op. */
	logfile_when_written_cancel(lf, ww_on_written, &w1);

	/* Closing answers whoever still waits, before lf goes. */
	logfile_write(lf, "d", 1);
	assert_true(logfile_when_written(lf, ww_on_written, &w4));
	fx_close(fx, lf);
	assert_int_equal(w4.calls, 1);
	assert_int_equal(w4.size, 4);
	assert_file(fx->path, "abcd", 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_logfile_rotate_3_backups),
		FX_TEST(test_logfile_rotate_0_backups),
		FX_TEST(test_logfile_rotate_big_writes),
		FX_TEST(test_logfile_rotate_existing),
		FX_TEST(test_logfile_no_rotation),
		FX_TEST(test_logfile_rotate_merged),
		FX_TEST(test_logfile_pressure),
		FX_TEST(test_logfile_limit),
		FX_TEST(test_logfile_moved),
		FX_TEST(test_logfile_deleted),
		FX_TEST(test_logfile_moved_cannot_reopen),
		FX_TEST(test_logfile_deleted_cannot_reopen),
		FX_TEST(test_logfile_reopen),
		FX_TEST(test_logfile_when_written),
		FX_TEST(test_logfile_busy_then_idle),
		FX_TEST(test_logfile_enospc),
		FX_TEST(test_logfile_efbig_resumes),
		FX_TEST(test_logfile_rotation_blocked),
		FX_TEST(test_logfile_rotation_open_fails),
		FX_TEST(test_logfile_refused),
		FX_TEST(test_logfile_special_null),
		FX_TEST(test_logfile_full_pipe),
		FX_TEST(test_logfile_open_fd_socket),
		FX_TEST(test_logfile_open_fd_pipe),
		FX_TEST(test_logfile_flush_sync),
		FX_TEST(test_logfile_close_flushes),
		FX_TEST(test_logfile_syslog),
		FX_TEST(test_logfile_remove_files),
		FX_TEST(test_logfile_bad_opts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
