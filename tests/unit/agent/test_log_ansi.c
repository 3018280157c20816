/*
 * Unit tests for strip_ansi (agent/src/log/ansi.c). The expected outputs
 * were produced by supervisor 4.2.5's dispatchers.stripEscapes on the whole
 * input (/usr/bin/python3). The streaming filter must give the same bytes
 * for every way of cutting the input into two or three reads, or into
 * single bytes, which 4.2.5 itself does not (it strips each read alone).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "log/ansi.h"

struct ansi_case {
	const char *in;
	size_t inlen;
	const char *out;
	size_t outlen;
};

/* { input, length, stripEscapes(input), length } from 4.2.5. */
static const struct ansi_case ansi_cases[] = {
	{ "", 0, "", 0 },
	{ "plain", 5, "plain", 5 },
	{ "\x1b"
	  "[31mred\x1b"
	  "[0m",
	    12, "red", 3 },
	{ "a\x1b"
	  "b",
	    3,
	    "a\x1b"
	    "b",
	    3 },
	{ "\x1b", 1, "\x1b", 1 },
	{ "x\x1b", 2, "x\x1b", 2 },
	{ "\x1b\x1b"
	  "[1mX",
	    6,
	    "\x1b"
	    "X",
	    2 },
	{ "\x1b"
	  "[",
	    2, "", 0 },
	{ "\x1b"
	  "[1;2",
	    5, "", 0 },
	{ "\x1b"
	  "[[[mY",
	    6, "Y", 1 },
	{ "\x1b"
	  "[Hcursor",
	    9, "cursor", 6 },
	{ "pre\x1b"
	  "[2Jclear\x1b"
	  "[Kline",
	    19, "preclearline", 12 },
	{ "\x1b"
	  "[?25lhidden\x1b"
	  "[?25h",
	    18, "hidden", 6 },
	{ "\x1b]0;title\x07"
	  "after",
	    15,
	    "\x1b]0;title\x07"
	    "after",
	    15 },
	{ "keep [31m text", 14, "keep [31m text", 14 },
	{ "\x1b"
	  "[31m\x1b"
	  "[1m\x1b"
	  "[0m",
	    13, "", 0 },
	{ "tail\x1b"
	  "[",
	    6, "tail", 4 },
	{ "\x00\xff\x1b"
	  "[mbin\xfe",
	    9,
	    "\x00\xff"
	    "bin\xfe",
	    6 },
	{ "\x1b"
	  "[1;31;40mcol\x1b"
	  "[m\r\n",
	    18, "col\r\n", 5 },
};

/*
 * strip_cuts runs the filter over c->in cut at the given offsets (sorted,
 * within the input) and checks the concatenated output.
 */
static void
strip_cuts(const struct ansi_case *c, const size_t *cuts, size_t ncuts)
{
	char *out = malloc(c->inlen + ncuts + 2);
	struct ansi_state st;
	size_t pos = 0, n = 0;

	assert_non_null(out);
	ansi_init(&st);
	for (size_t i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : c->inlen;

		n += ansi_strip(&st, c->in + pos, end - pos, out + n);
		pos = end;
	}
	n += ansi_finish(&st, out + n);
	if (n != c->outlen || memcmp(out, c->out, n) != 0) {
		fail_msg("input of %zu bytes cut %zu times (first at %zu): "
		         "got %zu bytes, want %zu",
		    c->inlen, ncuts, ncuts > 0 ? cuts[0] : 0, n, c->outlen);
	}
	assert_int_equal(st.mode, ANSI_TEXT);
	free(out);
}

static void
test_ansi_whole(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ansi_cases) / sizeof(ansi_cases[0]);
	     i++) {
		strip_cuts(&ansi_cases[i], NULL, 0);
	}
}

/* test_ansi_split_everywhere cuts each input at every one and two places. */
static void
test_ansi_split_everywhere(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ansi_cases) / sizeof(ansi_cases[0]);
	     i++) {
		const struct ansi_case *c = &ansi_cases[i];

		for (size_t a = 0; a <= c->inlen; a++) {
			size_t cuts[2] = { a, 0 };

			strip_cuts(c, cuts, 1);
			for (size_t b = a; b <= c->inlen; b++) {
				cuts[1] = b;
				strip_cuts(c, cuts, 2);
			}
		}
	}
}

/* test_ansi_bytewise feeds every input one byte at a time. */
static void
test_ansi_bytewise(void **state)
{
	size_t cuts[64];

	(void)state;
	for (size_t i = 0; i < sizeof(ansi_cases) / sizeof(ansi_cases[0]);
	     i++) {
		const struct ansi_case *c = &ansi_cases[i];

		assert_true(c->inlen <= sizeof(cuts) / sizeof(cuts[0]));
		for (size_t k = 1; k < c->inlen; k++) {
			cuts[k - 1] = k;
		}
		strip_cuts(c, cuts, c->inlen > 0 ? c->inlen - 1 : 0);
	}
}

/*
 * test_ansi_held_esc: an ESC that ends a read is held back, then either
 * starts an escape or comes out in front of the next read's bytes.
 */
static void
test_ansi_held_esc(void **state)
{
	struct ansi_state st;
	char out[16];

	(void)state;
	ansi_init(&st);
	assert_int_equal(ansi_strip(&st, "ab\x1b", 3, out), 2);
	assert_memory_equal(out, "ab", 2);
	assert_int_equal(st.mode, ANSI_ESC);
	assert_int_equal(ansi_strip(&st, "cd", 2, out), 3);
	assert_memory_equal(out,
	    "\x1b"
	    "cd",
	    3);
	assert_int_equal(ansi_strip(&st, "\x1b", 1, out), 0);
	assert_int_equal(ansi_strip(&st, "[3", 2, out), 0);
	assert_int_equal(st.mode, ANSI_SEQ);
	assert_int_equal(ansi_strip(&st, "1mok", 4, out), 2);
	assert_memory_equal(out, "ok", 2);
	/* An escape left open at the end is dropped, as 4.2.5 does. */
	assert_int_equal(ansi_strip(&st, "\x1b[12", 4, out), 0);
	assert_int_equal(ansi_finish(&st, out), 0);
	assert_int_equal(st.mode, ANSI_TEXT);
	/* The state is ready for a new stream. */
	assert_int_equal(ansi_strip(&st, "x\x1b", 2, out), 1);
	assert_int_equal(ansi_finish(&st, out), 1);
	assert_int_equal(out[0], '\x1b');
}

/* test_ansi_long_sequence: an escape body spread over many reads. */
static void
test_ansi_long_sequence(void **state)
{
	struct ansi_state st;
	char out[8];

	(void)state;
	ansi_init(&st);
	assert_int_equal(ansi_strip(&st, "\x1b[", 2, out), 0);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(ansi_strip(&st, "0;1;", 4, out), 0);
	}
	assert_int_equal(ansi_strip(&st, "mX", 2, out), 1);
	assert_int_equal(out[0], 'X');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ansi_whole),
		cmocka_unit_test(test_ansi_split_everywhere),
		cmocka_unit_test(test_ansi_bytewise),
		cmocka_unit_test(test_ansi_held_esc),
		cmocka_unit_test(test_ansi_long_sequence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
