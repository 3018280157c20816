/*
 * The controller's table of agent-side pipes (ctr_pipes.c): the hash
 * against a plain array under random adds and removes, the cap, the join
 * deadline sweep, the per-pipe rate limit and the closes nng never
 * finished. Pure: the time is passed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctr_pipes.h"

static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Ids that share a home slot, plus random ones, added and removed at
 * random: every lookup agrees with a plain list of what is in. */
static void
test_hash_matches_a_list(void **state)
{
	enum { N = 3000 };
	struct ctr_pipes t;
	uint32_t *ids = calloc(N, sizeof(*ids));
	bool *in = calloc(N, sizeof(*in));
	uint32_t seed = 12345;
	size_t n = 0;

	(void)state;
	ctr_pipes_init(&t, N);
	for (size_t i = 0; i < N; i++) {
		/* Half sequential (as nng hands them out), half random. */
		ids[i] = i % 2 ? 0x40000000u + (uint32_t)i : rnd(&seed) | 1;
	}
	for (int round = 0; round < 20000; round++) {
		size_t i = rnd(&seed) % N;

		if (in[i]) {
			assert_true(ctr_pipes_remove(&t, ids[i]));
			assert_false(ctr_pipes_remove(&t, ids[i]));
			in[i] = false;
			n--;
		} else {
			assert_int_equal(ctr_pipes_add(&t, ids[i],
			                     CTR_PIPE_EVENTS, "1.2.3.4:5", 7),
			    0);
			assert_int_equal(
			    ctr_pipes_add(&t, ids[i], CTR_PIPE_EVENTS, NULL, 7),
			    FV_ESTATE);
			in[i] = true;
			n++;
		}
		assert_int_equal(t.n, n);
		if (round % 1000 == 0) {
			for (size_t j = 0; j < N; j++) {
				struct ctr_pipe *p = ctr_pipes_find(&t, ids[j]);

				assert_true(in[j] == (p != NULL));
				if (p != NULL) {
					assert_int_equal(p->id, ids[j]);
					assert_string_equal(
					    p->addr, "1.2.3.4:5");
				}
			}
		}
	}
	assert_true(t.size <= 2 * 8192);
	assert_null(ctr_pipes_find(&t, 0));
	assert_int_equal(
	    ctr_pipes_add(&t, 0, CTR_PIPE_AGENTS, NULL, 1), FV_ESTATE);
	ctr_pipes_fini(&t);
	free(ids);
	free(in);
}

static void
test_cap(void **state)
{
	struct ctr_pipes t;
	char addr[200];

	(void)state;
	memset(addr, 'a', sizeof(addr) - 1);
	addr[sizeof(addr) - 1] = '\0';
	ctr_pipes_init(&t, 16);
	for (uint32_t id = 1; id <= 16; id++) {
		assert_int_equal(
		    ctr_pipes_add(&t, id, CTR_PIPE_AGENTS, addr, 0), 0);
	}
	assert_int_equal(
	    ctr_pipes_add(&t, 17, CTR_PIPE_AGENTS, NULL, 0), FV_ETOOBIG);
	assert_null(ctr_pipes_find(&t, 17));
	/* Long addresses are cut, not overrun. */
	assert_int_equal(
	    strlen(ctr_pipes_find(&t, 3)->addr), CTR_PIPE_ADDR_MAX - 1);
	assert_true(ctr_pipes_remove(&t, 3));
	assert_int_equal(ctr_pipes_add(&t, 17, CTR_PIPE_AGENTS, NULL, 0), 0);
	ctr_pipes_fini(&t);
}

static void
test_join_deadline(void **state)
{
	struct ctr_pipes t;
	struct ctr_pipe out[2];
	uint64_t next;

	(void)state;
	ctr_pipes_init(&t, 100);
	assert_int_equal(
	    ctr_pipes_expired(&t, 0, 1000, 5000, out, 2, &next), 0);
	assert_int_equal(next, UINT64_MAX);
	assert_int_equal(ctr_pipes_add(&t, 10, CTR_PIPE_AGENTS, NULL, 0), 0);
	assert_int_equal(ctr_pipes_add(&t, 11, CTR_PIPE_EVENTS, NULL, 100), 0);
	assert_int_equal(ctr_pipes_add(&t, 12, CTR_PIPE_EVENTS, NULL, 200), 0);
	assert_int_equal(ctr_pipes_add(&t, 13, CTR_PIPE_AGENTS, NULL, 300), 0);
	ctr_pipes_joined(&t, 12);
	ctr_pipes_joined(&t, 999); /* untracked: nothing */

	assert_int_equal(
	    ctr_pipes_expired(&t, 999, 1000, 5000, out, 2, &next), 0);
	assert_int_equal(next, 1000);
	/* 10 and 11 are due; 12 joined; 13 is not due yet. */
	assert_int_equal(
	    ctr_pipes_expired(&t, 1150, 1000, 5000, out, 2, &next), 2);
	assert_true(out[0].id + out[1].id == 21);
	assert_false(out[0].closing);
	assert_false(out[1].closing);
	assert_int_equal(next, 1300);
	/* Not again while their close is pending... */
	assert_int_equal(
	    ctr_pipes_expired(&t, 1200, 1000, 5000, out, 2, &next), 0);
	/* ...but 13, and a batch too small says "call again now". */
	assert_int_equal(
	    ctr_pipes_expired(&t, 6150, 1000, 5000, out, 1, &next), 1);
	assert_int_equal(next, 6150);
	assert_int_equal(
	    ctr_pipes_expired(&t, 6150, 1000, 5000, out, 2, &next), 2);
	/* The retries of a close that went unnoticed show closing. */
	assert_true(out[0].closing || out[1].closing);
	ctr_pipes_fini(&t);
}

/* A pipe asked to close and never torn down is reported once it has
 * been stuck long enough, counted from the first ask, not the retries. */
static void
test_stuck(void **state)
{
	struct ctr_pipes t;
	struct ctr_pipe out[2];
	const struct ctr_pipe *st;
	uint64_t next;

	(void)state;
	ctr_pipes_init(&t, 100);
	assert_null(ctr_pipes_stuck(&t, 0, 30000));
	assert_int_equal(ctr_pipes_add(&t, 20, CTR_PIPE_AGENTS, NULL, 0), 0);
	assert_int_equal(ctr_pipes_add(&t, 21, CTR_PIPE_EVENTS, NULL, 0), 0);
	ctr_pipes_joined(&t, 21);
	/* Open pipes are never stuck, however old. */
	assert_null(ctr_pipes_stuck(&t, 100000, 30000));
	/* 20 misses its join at 1000; its close retries every 5 s. */
	assert_int_equal(
	    ctr_pipes_expired(&t, 1000, 1000, 5000, out, 2, &next), 1);
	for (uint64_t now = 6000; now < 31000; now += 5000) {
		assert_int_equal(
		    ctr_pipes_expired(&t, now, 1000, 5000, out, 2, &next), 1);
		assert_null(ctr_pipes_stuck(&t, now, 30000));
	}
	st = ctr_pipes_stuck(&t, 31000, 30000);
	assert_non_null(st);
	assert_int_equal(st->id, 20);
	/* A flood close of the joined one counts from its own ask. */
	ctr_pipe_close_asked(ctr_pipes_find(&t, 21), 40000);
	ctr_pipe_close_asked(ctr_pipes_find(&t, 21), 45000);
	assert_true(ctr_pipes_remove(&t, 20));
	assert_null(ctr_pipes_stuck(&t, 69999, 30000));
	st = ctr_pipes_stuck(&t, 70000, 30000);
	assert_non_null(st);
	assert_int_equal(st->id, 21);
	/* Torn down at last: nothing stuck. */
	assert_true(ctr_pipes_remove(&t, 21));
	assert_null(ctr_pipes_stuck(&t, 100000, 30000));
	ctr_pipes_fini(&t);
}

/* over sends n messages at now; returns how many were not OK, and fails
 * on a CTR_RATE_CLOSE. */
static int
over(struct ctr_pipe *p, uint64_t now, int n)
{
	int bad = 0;

	for (int i = 0; i < n; i++) {
		enum ctr_rate r = ctr_pipe_rate(p, now, 100);

		assert_int_not_equal(r, CTR_RATE_CLOSE);
		bad += r != CTR_RATE_OK;
	}
	return bad;
}

static void
test_rate_limit(void **state)
{
	struct ctr_pipes t;
	struct ctr_pipe *p;

	(void)state;
	ctr_pipes_init(&t, 10);
	assert_int_equal(ctr_pipes_add(&t, 5, CTR_PIPE_EVENTS, NULL, 1000), 0);
	p = ctr_pipes_find(&t, 5);
	/* A burst of the limit at once is fine, one more is dropped. */
	assert_int_equal(over(p, 1000, 100), 0);
	assert_int_equal(ctr_pipe_rate(p, 1999, 100), CTR_RATE_DROP);
	/* A quiet second between windows over breaks the streak... */
	assert_int_equal(over(p, 3500, 150), 50);
	assert_int_equal(over(p, 4000, 150), 50);
	/* ...and so does a window under the limit. */
	assert_int_equal(over(p, 5000, 50), 0);
	assert_int_equal(over(p, 6000, 150), 50);
	assert_int_equal(over(p, 7999, 150), 50);
	/* The third window over in a row closes, once. */
	assert_int_equal(over(p, 8000, 100), 0);
	assert_int_equal(ctr_pipe_rate(p, 8000, 100), CTR_RATE_CLOSE);
	assert_int_equal(ctr_pipe_rate(p, 8001, 100), CTR_RATE_DROP);
	/* Once closed for a flood, nothing more gets through. */
	assert_int_equal(ctr_pipe_rate(p, 20000, 100), CTR_RATE_DROP);
	ctr_pipes_fini(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_matches_a_list),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_join_deadline),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_stuck),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
