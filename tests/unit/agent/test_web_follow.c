/*
 * Unit tests for the /logtail file follower (agent/src/web/web_follow.c)
 * on real files in a temporary directory: the initial 1024-byte tail,
 * following appends in bounded reads, nothing consumed without commit,
 * truncation (4.2.5's notice, then the file again from its start),
 * rotation by rename with the old file read to its end first, a deleted
 * log, and the files it must refuse (symbolic links, non-regular files).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "web/web_follow.h"

struct fx {
	char dir[64];
	char path[128];
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/fv-follow-XXXXXX");
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/log", fx->dir);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[160];

	/* Remove what the tests may have left: log, log.1, link, fifo. */
	for (const char *n = "log\0log.1\0link\0fifo\0"; *n != '\0';
	     n += strlen(n) + 1) {
		snprintf(cmd, sizeof(cmd), "%s/%s", fx->dir, n);
		unlink(cmd);
	}
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void
append(const char *path, const char *s, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, n), (ssize_t)n);
	close(fd);
}

static void
append_str(const char *path, const char *s)
{
	append(path, s, strlen(s));
}

/* next_str returns what web_follow_next gives now, committed. */
static char *
next_str(struct web_follow *f, size_t cap)
{
	char *buf = calloc(1, cap + 1);
	size_t n = 99;

	assert_int_equal(web_follow_next(f, buf, cap, &n), 0);
	buf[n] = '\0';
	web_follow_commit(f);
	return buf;
}

static void
expect_next(struct web_follow *f, size_t cap, const char *want)
{
	char *got = next_str(f, cap);

	assert_string_equal(got, want);
	free(got);
}

static void
test_follow_head_then_appends(void **state)
{
	struct fx *fx = *state;
	struct web_follow f;
	char big[3000];
	time_t mtime = 0;
	char *got;

	for (size_t i = 0; i < sizeof(big); i++) {
		big[i] = (char)('a' + i % 26);
	}
	append(fx->path, big, sizeof(big));
	assert_int_equal(
	    web_follow_open(&f, fx->path, WEB_FOLLOW_HEAD, &mtime), 0);
	assert_true(mtime > 0);
	/* The last 1024 bytes, in reads of at most cap bytes. */
	got = next_str(&f, 1000);
	assert_int_equal(strlen(got), 1000);
	assert_memory_equal(got, big + 3000 - 1024, 1000);
	free(got);
	got = next_str(&f, 1000);
	assert_int_equal(strlen(got), 24);
	assert_memory_equal(got, big + 3000 - 24, 24);
	free(got);
	expect_next(&f, 1000, "");

	append_str(fx->path, "new line\n");
	expect_next(&f, 1000, "new line\n");
	expect_next(&f, 1000, "");
	web_follow_close(&f);
	web_follow_close(&f);
}

static void
test_follow_small_file_from_start(void **state)
{
	struct fx *fx = *state;
	struct web_follow f;

	append_str(fx->path, "short\n");
	assert_int_equal(
	    web_follow_open(&f, fx->path, WEB_FOLLOW_HEAD, NULL), 0);
	expect_next(&f, 4096, "short\n");
	web_follow_close(&f);
}

static void
test_follow_nothing_consumed_without_commit(void **state)
{
	struct fx *fx = *state;
	struct web_follow f;
	char buf[64];
	size_t n;

	append_str(fx->path, "abc");
	assert_int_equal(
	    web_follow_open(&f, fx->path, WEB_FOLLOW_HEAD, NULL), 0);
	assert_int_equal(web_follow_next(&f, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, 3);
	/* Back-pressure: the caller could not send it; ask again. */
	append_str(fx->path, "def");
	assert_int_equal(web_follow_next(&f, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, 6);
	assert_memory_equal(buf, "abcdef", 6);
	web_follow_commit(&f);
	expect_next(&f, sizeof(buf), "");
	web_follow_close(&f);
}

static void
test_follow_truncation(void **state)
{
	struct fx *fx = *state;
	struct web_follow f;

	append_str(fx->path, "0123456789\n");
	assert_int_equal(
	    web_follow_open(&f, fx->path, WEB_FOLLOW_HEAD, NULL), 0);
	expect_next(&f, 4096, "0123456789\n");
	assert_int_equal(truncate(fx->path, 0), 0);
	append_str(fx->path, "xy\n");
	expect_next(&f, 4096, WEB_FOLLOW_TRUNCATED);
	expect_next(&f, 4096, "xy\n");
	expect_next(&f, 4096, "");
	web_follow_close(&f);
}

static void
test_follow_rotation_drains_old_first(void **state)
{
	struct fx *fx = *state;
	struct web_follow f;
	char old[160];

	snprintf(old, sizeof(old), "%s.1", fx->path);
	append_str(fx->path, "one\n");
	assert_int_equal(
	    web_follow_open(&f, fx->path, WEB_FOLLOW_HEAD, NULL), 0);
	expect_next(&f, 4096, "one\n");
	/* Written to the old file just before it was rotated away. */
	append_str(fx->path, "two\n");
	assert_int_equal(rename(fx->path, old), 0);
	append_str(fx->path, "three\n");
	expect_next(&f, 4096, "two\n");
	expect_next(&f, 4096, "three\n");
	expect_next(&f, 4096, "");
	append_str(fx->path, "four\n");
	expect_next(&f, 4096, "four\n");
	web_follow_close(&f);
}

static void
test_follow_deleted_then_recreated(void **state)
{
	struct fx *fx = *state;
	struct web_follow f;

	append_str(fx->path, "a\n");
	assert_int_equal(
	    web_follow_open(&f, fx->path, WEB_FOLLOW_HEAD, NULL), 0);
	expect_next(&f, 4096, "a\n");
	assert_int_equal(unlink(fx->path), 0);
	/* Nothing at the path: the stream waits. */
	expect_next(&f, 4096, "");
	expect_next(&f, 4096, "");
	append_str(fx->path, "b\n");
	expect_next(&f, 4096, "b\n");
	web_follow_close(&f);
}

static void
test_follow_refuses_links_and_specials(void **state)
{
	struct fx *fx = *state;
	struct web_follow f;
	char link[160], fifo[160];
	char buf[64];
	size_t n;

	snprintf(link, sizeof(link), "%s/link", fx->dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", fx->dir);
	assert_int_equal(symlink("/etc/passwd", link), 0);
	assert_int_equal(
	    web_follow_open(&f, link, WEB_FOLLOW_HEAD, NULL), -ELOOP);
	assert_int_equal(f.fd, -1);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(
	    web_follow_open(&f, fifo, WEB_FOLLOW_HEAD, NULL), -EACCES);
	assert_int_equal(
	    web_follow_open(&f, "/dev/null", WEB_FOLLOW_HEAD, NULL), -EACCES);
	assert_int_equal(
	    web_follow_open(&f, fx->path, WEB_FOLLOW_HEAD, NULL), -ENOENT);

	/* A log swapped for a link while followed ends the stream. */
	append_str(fx->path, "x\n");
	assert_int_equal(
	    web_follow_open(&f, fx->path, WEB_FOLLOW_HEAD, NULL), 0);
	expect_next(&f, sizeof(buf), "x\n");
	assert_int_equal(unlink(fx->path), 0);
	assert_int_equal(symlink("/etc/passwd", fx->path), 0);
	assert_int_equal(web_follow_next(&f, buf, sizeof(buf), &n), -ELOOP);
	assert_int_equal(n, 0);
	web_follow_close(&f);
}

/*
 * A log another user owns (logrotate's "create 0640 app app") is
 * followed, across the rotation too, as 4.2.5 and readProcessLog do.
 * Giving a file away needs root; elsewhere the test has nothing to show.
 */
static void
test_follow_other_owner(void **state)
{
	struct fx *fx = *state;
	struct web_follow f;
	char old[160];

	if (geteuid() != 0) {
		skip();
	}
	append_str(fx->path, "a\n");
	assert_int_equal(chown(fx->path, 65534, 65534), 0);
	assert_int_equal(
	    web_follow_open(&f, fx->path, WEB_FOLLOW_HEAD, NULL), 0);
	expect_next(&f, 64, "a\n");
	snprintf(old, sizeof(old), "%s.1", fx->path);
	assert_int_equal(rename(fx->path, old), 0);
	append_str(fx->path, "b\n");
	assert_int_equal(chown(fx->path, 65534, 65534), 0);
	expect_next(&f, 64, "b\n");
	web_follow_close(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_follow_head_then_appends, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_follow_small_file_from_start, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_follow_nothing_consumed_without_commit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_follow_truncation, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_follow_rotation_drains_old_first, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_follow_deleted_then_recreated, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_follow_refuses_links_and_specials, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_follow_other_owner, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
