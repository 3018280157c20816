/*
 * mtail's lines (cmd_mtail.h): every line whole after its label, a line
 * split across reads joined, the partial line printed at the end, and a
 * line longer than the bound cut into pieces rather than held.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd_mtail.h"

struct sink {
	FILE *f;
	char *buf;
	size_t len;
};

static void
sink_open(struct sink *s)
{
	s->buf = NULL;
	s->len = 0;
	s->f = open_memstream(&s->buf, &s->len);
	assert_non_null(s->f);
}

static char *
sink_take(struct sink *s)
{
	fclose(s->f);
	return s->buf;
}

static void
test_lines_whole_and_joined(void **state)
{
	struct ctl_lines a, b;
	struct sink s;
	char *out;

	(void)state;
	sink_open(&s);
	ctl_lines_init(&a, "web", 8);
	ctl_lines_init(&b, "h2/db:pg", 8);
	ctl_lines_feed(&a, s.f, "one\ntw", 6);
	/* Another log's line comes between the halves of "two". */
	ctl_lines_feed(&b, s.f, "x\n", 2);
	ctl_lines_feed(&a, s.f, "o\n\nthr", 6);
	ctl_lines_flush(&b, s.f); /* nothing pending: nothing printed */
	ctl_lines_flush(&a, s.f);
	out = sink_take(&s);
	assert_string_equal(out,
	    "web      | one\n"
	    "h2/db:pg | x\n"
	    "web      | two\n"
	    "web      | \n"
	    "web      | thr\n");
	free(out);
	ctl_lines_fini(&a);
	ctl_lines_fini(&b);
}

static void
test_lines_long_line_in_pieces(void **state)
{
	size_t n = 64 * 1024 + 10;
	char *big = malloc(n + 1), *out, *nl;
	struct ctl_lines a;
	struct sink s;

	(void)state;
	memset(big, 'a', n);
	big[n] = '\n';
	sink_open(&s);
	ctl_lines_init(&a, "p", 1);
	/* Reads without the end of the line: the bound is met while it is
	 * held; the end comes alone. */
	ctl_lines_feed(&a, s.f, big, 1000);
	ctl_lines_feed(&a, s.f, big + 1000, n - 1000);
	ctl_lines_feed(&a, s.f, "\n", 1);
	out = sink_take(&s);
	/* Every byte is there, in two labelled lines: 64 KiB, then 10. */
	nl = strchr(out, '\n');
	assert_non_null(nl);
	assert_int_equal((size_t)(nl - out), strlen("p | ") + 64 * 1024);
	assert_string_equal(nl + 1, "p | aaaaaaaaaa\n");
	free(out);
	free(big);
	ctl_lines_fini(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_whole_and_joined),
		cmocka_unit_test(test_lines_long_line_in_pieces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
