/*
 * The process state machine against supervisord 4.2.5's process.py: every
 * transition it makes, the ones it refuses, its timers and its messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "process/proc_fsm.h"

static const int exit0[] = { 0 };
static const int exit0_2[] = { 0, 2 };

static struct proc_policy
policy(uint64_t startsecs_ms, long long retries)
{
	return (struct proc_policy){
		.startsecs_ms = startsecs_ms,
		.startretries = retries,
		.autostart = true,
		.autorestart = PROC_RESTART_UNEXPECTED,
		.exitcodes = exit0,
		.nexitcodes = 1,
		.stopwaitsecs_ms = 10000,
	};
}

static const struct proc_env running = { .may_start = true };
static const struct proc_env stopping = { .may_start = false };

static struct proc_step
step(struct proc_fsm *f, enum proc_event ev, const struct proc_policy *pol,
    uint64_t now)
{
	return proc_fsm_step(f, ev, pol, &running, NULL, now);
}

static struct proc_step
exited(
    struct proc_fsm *f, const struct proc_policy *pol, int status, uint64_t now)
{
	struct proc_exit ex = { .exitstatus = status };

	return proc_fsm_step(f, PEV_EXITED, pol, &running, &ex, now);
}

/* Start and spawn at t: STARTING with a child. */
static void
spawn_at(struct proc_fsm *f, const struct proc_policy *pol, uint64_t t)
{
	struct proc_step st = step(f, PEV_START, pol, t);

	assert_true(st.actions & PACT_SPAWN);
	assert_int_equal(f->state, PROC_STARTING);
	st = step(f, PEV_SPAWNED, pol, t);
	assert_false(st.actions & PACT_REFUSED);
}

static void
test_start_then_running_after_startsecs(void **state)
{
	struct proc_policy pol = policy(1000, 3);
	struct proc_fsm f;
	struct proc_step st;

	(void)state;
	proc_fsm_init(&f);
	spawn_at(&f, &pol, 100);
	assert_int_equal(proc_fsm_deadline(&f, &pol, &running, 100), 1101);
	/* 4.2.5: now - laststart > startsecs, strictly. */
	st = step(&f, PEV_TICK, &pol, 1100);
	assert_int_equal(f.state, PROC_STARTING);
	assert_int_equal(st.actions, 0);
	st = step(&f, PEV_TICK, &pol, 1101);
	assert_int_equal(f.state, PROC_RUNNING);
	assert_int_equal(st.msg, PMSG_SUCCESS);
	assert_true(st.actions & PACT_NOTIFY);
	assert_true(st.info_level);
	assert_int_equal(
	    proc_fsm_deadline(&f, &pol, &running, 2000), UINT64_MAX);
}

static void
test_backoff_grows_then_fatal(void **state)
{
	struct proc_policy pol = policy(1000, 3);
	struct proc_fsm f;
	struct proc_step st;
	uint64_t t = 0;

	(void)state;
	proc_fsm_init(&f);
	for (long long attempt = 1; attempt <= 4; attempt++) {
		if (attempt == 1) {
			spawn_at(&f, &pol, t);
		} else {
			/* Not before the delay: 4.2.5 needs now > delay. */
			st = step(&f, PEV_TICK, &pol, f.delay_ms);
			assert_int_equal(f.state, PROC_BACKOFF);
			t = f.delay_ms + 1;
			assert_int_equal(
			    proc_fsm_deadline(&f, &pol, &running, 0), t);
			st = step(&f, PEV_TICK, &pol, t);
			assert_true(st.actions & PACT_SPAWN);
			step(&f, PEV_SPAWNED, &pol, t);
		}
		st = exited(&f, &pol, 1, t + 10);
		assert_int_equal(f.state, PROC_BACKOFF);
		assert_int_equal(st.msg, PMSG_EXITED_UNEXPECTED);
		assert_false(st.info_level);
		assert_int_equal(f.backoff, attempt);
		/* The delay grows by one second per failed start. */
		assert_int_equal(f.delay_ms, t + 10 + 1000 * attempt);
		t += 10;
	}
	/* backoff 4 > startretries 3: the next tick gives up. */
	assert_int_equal(proc_fsm_deadline(&f, &pol, &running, t), t);
	st = step(&f, PEV_TICK, &pol, t);
	assert_int_equal(f.state, PROC_FATAL);
	assert_int_equal(st.msg, PMSG_GAVE_UP);
	assert_int_equal(f.backoff, 0);
	assert_true(f.system_stop);
}

static void
test_startretries_zero_gives_up_after_one_try(void **state)
{
	struct proc_policy pol = policy(1000, 0);
	struct proc_fsm f;

	(void)state;
	proc_fsm_init(&f);
	spawn_at(&f, &pol, 0);
	exited(&f, &pol, 0, 5);
	assert_int_equal(f.state, PROC_BACKOFF);
	step(&f, PEV_TICK, &pol, 5);
	assert_int_equal(f.state, PROC_FATAL);
}

static void
test_startsecs_zero_exits_via_running(void **state)
{
	struct proc_policy pol = policy(0, 3);
	struct proc_fsm f;
	struct proc_step st;

	(void)state;
	proc_fsm_init(&f);
	spawn_at(&f, &pol, 0);
	st = exited(&f, &pol, 0, 0);
	assert_int_equal(f.state, PROC_EXITED);
	assert_int_equal(st.via, PROC_RUNNING);
	assert_int_equal(st.prev, PROC_STARTING);
	assert_int_equal(st.msg, PMSG_EXITED_EXPECTED);
	assert_true(st.expected);
	assert_true(st.info_level);
	/* autorestart=unexpected and exit 0 is expected: stays EXITED. */
	assert_int_equal(proc_fsm_deadline(&f, &pol, &running, 1), UINT64_MAX);
	st = step(&f, PEV_TICK, &pol, 1);
	assert_int_equal(f.state, PROC_EXITED);
}

static void
test_autorestart_modes(void **state)
{
	struct proc_policy pol = policy(0, 3);
	struct proc_fsm f;
	struct proc_step st;

	(void)state;
	/* unexpected exit code with autorestart=unexpected: restart. */
	proc_fsm_init(&f);
	spawn_at(&f, &pol, 0);
	st = exited(&f, &pol, 3, 5);
	assert_int_equal(st.msg, PMSG_EXITED_UNEXPECTED);
	assert_false(st.expected);
	assert_int_equal(proc_fsm_deadline(&f, &pol, &running, 6), 6);
	st = step(&f, PEV_TICK, &pol, 6);
	assert_true(st.actions & PACT_SPAWN);
	assert_int_equal(f.state, PROC_STARTING);

	/* A signal death is exit status -1: never expected. */
	step(&f, PEV_SPAWNED, &pol, 6);
	st = exited(&f, &pol, -1, 7);
	assert_false(st.expected);

	/* autorestart=false: stays EXITED whatever the code. */
	pol.autorestart = PROC_RESTART_NEVER;
	proc_fsm_init(&f);
	spawn_at(&f, &pol, 0);
	exited(&f, &pol, 3, 5);
	st = step(&f, PEV_TICK, &pol, 6);
	assert_int_equal(f.state, PROC_EXITED);

	/* autorestart=true: restarts even after an expected exit. */
	pol.autorestart = PROC_RESTART_ALWAYS;
	proc_fsm_init(&f);
	spawn_at(&f, &pol, 0);
	exited(&f, &pol, 0, 5);
	st = step(&f, PEV_TICK, &pol, 6);
	assert_true(st.actions & PACT_SPAWN);

	/* Not while the supervisor is stopping. */
	proc_fsm_init(&f);
	spawn_at(&f, &pol, 0);
	exited(&f, &pol, 0, 5);
	st = proc_fsm_step(&f, PEV_TICK, &pol, &stopping, NULL, 6);
	assert_int_equal(f.state, PROC_EXITED);
	assert_int_equal(proc_fsm_deadline(&f, &pol, &stopping, 6), UINT64_MAX);
}

static void
test_exitcodes_list(void **state)
{
	struct proc_policy pol = policy(0, 3);
	struct proc_fsm f;
	struct proc_step st;

	(void)state;
	pol.exitcodes = exit0_2;
	pol.nexitcodes = 2;
	proc_fsm_init(&f);
	spawn_at(&f, &pol, 0);
	st = exited(&f, &pol, 2, 5);
	assert_true(st.expected);
	assert_true(proc_fsm_exit_expected(&pol, 0));
	assert_false(proc_fsm_exit_expected(&pol, 1));
}

static void
test_autostart_once_only(void **state)
{
	struct proc_policy pol = policy(0, 3);
	struct proc_fsm f;
	struct proc_step st;

	(void)state;
	proc_fsm_init(&f);
	assert_int_equal(proc_fsm_deadline(&f, &pol, &running, 7), 7);
	assert_int_equal(proc_fsm_deadline(&f, &pol, &stopping, 7), UINT64_MAX);
	st = step(&f, PEV_TICK, &pol, 7);
	assert_true(st.actions & PACT_SPAWN);
	step(&f, PEV_SPAWNED, &pol, 7);
	/* Stopped by an admin: no autostart again (laststart is set). */
	st = step(&f, PEV_STOP, &pol, 8);
	assert_true(st.actions & PACT_SIGNAL_STOP);
	exited(&f, &pol, -1, 9);
	assert_int_equal(f.state, PROC_STOPPED);
	assert_int_equal(proc_fsm_deadline(&f, &pol, &running, 10), UINT64_MAX);

	pol.autostart = false;
	proc_fsm_init(&f);
	st = step(&f, PEV_TICK, &pol, 0);
	assert_int_equal(f.state, PROC_STOPPED);
	assert_int_equal(st.actions, 0);
}

static void
test_stop_then_sigkill(void **state)
{
	struct proc_policy pol = policy(1000, 3);
	struct proc_fsm f;
	struct proc_step st;

	(void)state;
	pol.stopasgroup = false;
	pol.killasgroup = true;
	proc_fsm_init(&f);
	spawn_at(&f, &pol, 0);
	step(&f, PEV_TICK, &pol, 1001);
	assert_int_equal(f.state, PROC_RUNNING);
	st = step(&f, PEV_STOP, &pol, 2000);
	assert_int_equal(f.state, PROC_STOPPING);
	assert_true(st.actions & PACT_SIGNAL_STOP);
	assert_false(st.as_group);
	assert_true(f.killing);
	assert_true(f.administrative_stop);
	assert_int_equal(proc_fsm_deadline(&f, &pol, &running, 2000), 12000);
	st = step(&f, PEV_TICK, &pol, 11999);
	assert_int_equal(st.actions, 0);
	st = step(&f, PEV_TICK, &pol, 12000);
	assert_true(st.actions & PACT_SIGKILL);
	assert_true(st.as_group);
	assert_int_equal(st.msg, PMSG_KILLING);
	assert_int_equal(f.state, PROC_STOPPING);
	assert_int_equal(f.delay_ms, 22000);
	/* killed by SIGKILL: exit status -1, not in exitcodes: WARN. */
	st = exited(&f, &pol, -1, 12001);
	assert_int_equal(f.state, PROC_STOPPED);
	assert_int_equal(st.msg, PMSG_STOPPED);
	assert_false(st.info_level);
	assert_false(f.killing);
}

static void
test_stop_while_starting_and_stopasgroup(void **state)
{
	struct proc_policy pol = policy(1000, 3);
	struct proc_fsm f;
	struct proc_step st;

	(void)state;
	pol.stopasgroup = true;
	pol.killasgroup = true;
	proc_fsm_init(&f);
	spawn_at(&f, &pol, 0);
	st = step(&f, PEV_STOP, &pol, 10);
	assert_int_equal(f.state, PROC_STOPPING);
	assert_true(st.as_group);
	/* An exit with code 0 after a stop is logged at INFO. */
	st = exited(&f, &pol, 0, 20);
	assert_int_equal(f.state, PROC_STOPPED);
	assert_true(st.info_level);
}

static void
test_stop_in_backoff_and_give_up(void **state)
{
	struct proc_policy pol = policy(1000, 3);
	struct proc_fsm f;
	struct proc_step st;

	(void)state;
	proc_fsm_init(&f);
	spawn_at(&f, &pol, 0);
	exited(&f, &pol, 1, 5);
	assert_int_equal(f.state, PROC_BACKOFF);
	st = step(&f, PEV_STOP, &pol, 6);
	assert_int_equal(f.state, PROC_STOPPED);
	assert_false(st.actions & (PACT_SIGNAL_STOP | PACT_SIGKILL));
	assert_int_equal(st.msg, PMSG_STOP_BACKOFF);

	proc_fsm_init(&f);
	spawn_at(&f, &pol, 0);
	exited(&f, &pol, 1, 5);
	st = step(&f, PEV_GIVE_UP, &pol, 6);
	assert_int_equal(f.state, PROC_FATAL);
	assert_true(st.actions & PACT_NOTIFY);
	/* A FATAL process is never retried by a tick. */
	assert_int_equal(proc_fsm_deadline(&f, &pol, &running, 7), UINT64_MAX);
	/* But may be started by hand. */
	st = step(&f, PEV_START, &pol, 8);
	assert_true(st.actions & PACT_SPAWN);
}

static void
test_spawn_failure_backs_off(void **state)
{
	struct proc_policy pol = policy(1000, 1);
	struct proc_fsm f;
	struct proc_step st;

	(void)state;
	proc_fsm_init(&f);
	step(&f, PEV_START, &pol, 0);
	st = step(&f, PEV_SPAWN_FAILED, &pol, 0);
	assert_int_equal(f.state, PROC_BACKOFF);
	assert_int_equal(f.backoff, 1);
	assert_false(f.has_pid);
	st = step(&f, PEV_TICK, &pol, 1001);
	assert_true(st.actions & PACT_SPAWN);
	step(&f, PEV_SPAWN_FAILED, &pol, 1001);
	st = step(&f, PEV_TICK, &pol, 1001);
	assert_int_equal(f.state, PROC_FATAL);
	assert_int_equal(st.msg, PMSG_GAVE_UP);
}

static void
test_kill_failed_unknown(void **state)
{
	struct proc_policy pol = policy(0, 3);
	struct proc_fsm f;
	struct proc_step st;

	(void)state;
	proc_fsm_init(&f);
	spawn_at(&f, &pol, 0);
	step(&f, PEV_STOP, &pol, 1);
	st = step(&f, PEV_KILL_FAILED, &pol, 1);
	assert_int_equal(f.state, PROC_UNKNOWN);
	assert_false(f.killing);
	st = exited(&f, &pol, 0, 2);
	assert_int_equal(f.state, PROC_EXITED);
	assert_true(st.expected);
}

/* What 4.2.5's _assertInState refuses, we refuse. */
static void
test_refusals(void **state)
{
	struct proc_policy pol = policy(1000, 3);
	struct proc_fsm f;

	(void)state;
	proc_fsm_init(&f);
	assert_true(step(&f, PEV_STOP, &pol, 0).actions & PACT_REFUSED);
	assert_true(step(&f, PEV_GIVE_UP, &pol, 0).actions & PACT_REFUSED);
	assert_true(step(&f, PEV_SPAWNED, &pol, 0).actions & PACT_REFUSED);
	spawn_at(&f, &pol, 0);
	assert_true(step(&f, PEV_START, &pol, 1).actions & PACT_REFUSED);
	assert_true(step(&f, PEV_GIVE_UP, &pol, 1).actions & PACT_REFUSED);
	step(&f, PEV_TICK, &pol, 1001);
	assert_int_equal(f.state, PROC_RUNNING);
	assert_true(step(&f, PEV_START, &pol, 1002).actions & PACT_REFUSED);
	step(&f, PEV_STOP, &pol, 1003);
	assert_true(step(&f, PEV_START, &pol, 1004).actions & PACT_REFUSED);
	exited(&f, &pol, 0, 1005);
	assert_int_equal(f.state, PROC_STOPPED);
	assert_true(step(&f, PEV_STOP, &pol, 1006).actions & PACT_REFUSED);
	assert_true(
	    step(&f, PEV_KILL_FAILED, &pol, 1006).actions & PACT_REFUSED);
	assert_int_equal(f.state, PROC_STOPPED);
}

/* Every (state, event) pair either moves or refuses; none crashes. */
static void
test_total_over_states_and_events(void **state)
{
	static const enum proc_state states[] = { PROC_STOPPED, PROC_STARTING,
		PROC_RUNNING, PROC_BACKOFF, PROC_STOPPING, PROC_EXITED,
		PROC_FATAL, PROC_UNKNOWN };
	struct proc_policy pol = policy(1000, 3);
	struct proc_exit ex = { .exitstatus = 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		for (int ev = PEV_START; ev <= PEV_KILL_FAILED; ev++) {
			struct proc_fsm f;
			struct proc_step st;

			proc_fsm_init(&f);
			f.state = states[i];
			f.has_pid = true;
			st = proc_fsm_step(
			    &f, (enum proc_event)ev, &pol, &running, &ex, 5000);
			assert_true(st.actions == 0 ||
			    (st.actions & PACT_REFUSED) ||
			    st.prev == states[i]);
			assert_string_not_equal(proc_state_name(f.state), "");
		}
	}
	assert_string_equal(proc_state_name(PROC_BACKOFF), "BACKOFF");
	assert_true(proc_state_is_stopped(PROC_UNKNOWN));
	assert_false(proc_state_is_stopped(PROC_STOPPING));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_then_running_after_startsecs),
		cmocka_unit_test(test_backoff_grows_then_fatal),
		cmocka_unit_test(test_startretries_zero_gives_up_after_one_try),
		cmocka_unit_test(test_startsecs_zero_exits_via_running),
		cmocka_unit_test(test_autorestart_modes),
		cmocka_unit_test(test_exitcodes_list),
		cmocka_unit_test(test_autostart_once_only),
		cmocka_unit_test(test_stop_then_sigkill),
		cmocka_unit_test(test_stop_while_starting_and_stopasgroup),
		cmocka_unit_test(test_stop_in_backoff_and_give_up),
		cmocka_unit_test(test_spawn_failure_backs_off),
		cmocka_unit_test(test_kill_failed_unknown),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_total_over_states_and_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
