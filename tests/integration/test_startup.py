"""Starting programs: startsecs, backoff, FATAL, autorestart, exitcodes,
autostart.

4.2.5 facts these scenarios rely on (measured, see README.md):
* Its main loop polls with a 1 s timeout and SIGCHLD does not wake it
  (Python retries poll() after the handler), so an exit is noticed when
  the child's pipes close or at the next 1 s tick.  An exit that races the
  pipe EOF is seen up to ~1 s late.  Quick-exit scenarios therefore use
  startsecs=2: with startsecs=1 an immediately failing program is sometimes
  declared RUNNING by 4.2.5 (scenario startsecs1_race records it).
* The backoff delay after the n-th failed start is n seconds, counted
  from when the exit was noticed; the first spawn comes ~1 s after start.
"""

import re

import pytest

from scenario import (Call, Scenario, Sleep, WaitLog, execute)

QUICK_FATAL = [
    "INFO spawned: 'quick' with pid <PID>",
    "WARN exited: quick (exit status 1; not expected)",
] * 4 + [
    "INFO gave up: quick entered FATAL state, too many start retries too "
    "quickly",
]


def times(ctx, pattern):
    return [r.ts for r in ctx.recs if re.search(pattern, r.msg)]


def backoff_delays_grow(ctx):
    """The n-th retry starts n s (+ the 1 s loop tick) after the n-th
    failure was noticed."""
    spawns = times(ctx, r"^spawned: 'quick'")
    exits = times(ctx, r"^exited: quick ")
    assert len(spawns) == 4 and len(exits) == 4, (spawns, exits)
    delays = [spawns[i + 1] - exits[i] for i in range(3)]
    for n, d in enumerate(delays, 1):
        assert n - 0.05 <= d <= n + 1.25, "retry %d came %.3fs after the " \
            "failure (want %d s, +1.25 s slack)" % (n, d, n)
    assert delays[0] < delays[1] < delays[2], delays
    gave_up = times(ctx, r"^gave up: quick")[0]
    assert 0 <= gave_up - exits[-1] <= 1.25, gave_up - exits[-1]


def backoff_spawn_gaps_exact(ctx):
    """Spawn-to-spawn gaps are 1, 2, 3 s: exits are noticed at once."""
    spawns = times(ctx, r"^spawned: 'quick'")
    gaps = [b - a for a, b in zip(spawns, spawns[1:])]
    for n, g in enumerate(gaps, 1):
        assert n - 0.05 <= g <= n + 0.5, "gap %d is %.3fs" % (n, g)


def success_after_startsecs(ctx):
    sp = times(ctx, r"^spawned: 'slow'")[0]
    ok = times(ctx, r"^success: slow ")[0]
    assert 2.0 <= ok - sp <= 3.2, "success %.3fs after spawn" % (ok - sp)


def success_after_startsecs_exact(ctx):
    sp = times(ctx, r"^spawned: 'slow'")[0]
    ok = times(ctx, r"^success: slow ")[0]
    assert 2.0 <= ok - sp <= 2.4, "success %.3fs after spawn" % (ok - sp)


def first_spawn_delay(ctx):
    st = times(ctx, r"^supervisord started with pid")[0]
    sp = times(ctx, r"^spawned: ")[0]
    return "first spawn %.3fs after 'supervisord started'" % (sp - st)


def wait_flash_done(ctx):
    """Each flash program ends FATAL (gave up) or, when 4.2.5 loses the
    race, EXITED after a bogus success."""
    for i in range(1, 6):
        name = "flash%d" % i
        ctx.run.wait_log(r"^gave up: %s |^success: %s " % (name, name), 30)
        if ctx.run.find(r"^success: %s " % name):
            ctx.run.wait_log(r"^exited: %s " % name, 10)


def no_success_for_instant_exit(ctx):
    bad = [x for x in ctx.transcript if re.match(r"INFO success: flash", x)]
    assert not bad, "an instantly exiting program was declared RUNNING: " \
        "%s" % bad


def race_count(ctx):
    wins = len([x for x in ctx.transcript if "success: flash" in x])
    return "%d of 5 instantly-exiting programs (startsecs=1) were declared " \
        "RUNNING" % wins


def never_started_logs(ctx):
    return "AUTO log files of the never-started program: %s" % [
        re.sub(r"-[A-Za-z0-9_]{8}\.log$", "-<RAND>.log", p.name)
        for p in ctx.run.child_logs("manual")]


SCENARIOS = [
    Scenario(
        "backoff_then_fatal",
        "A program that exits at once is retried startretries times with "
        "delays of 1, 2, 3 s, then FATAL; nothing happens after FATAL.",
        sections={"program:quick": {
            "command": "{exit} --code 1", "startsecs": 2,
            "startretries": 3}},
        steps=[WaitLog(r"^gave up: quick entered FATAL", 30), Sleep(1.5)],
        expect_exact={"quick": QUICK_FATAL},
        checks=[backoff_delays_grow],
        ours_only=[backoff_spawn_gaps_exact],
        record=[first_spawn_delay],
    ),
    Scenario(
        "startsecs_zero",
        "startsecs=0: RUNNING at once, so an exit is EXITED (expected or "
        "not by exitcodes) and never BACKOFF.",
        sections={
            "program:zero": {"command": "{exit} --sleep 100",
                             "startsecs": 0, "autorestart": False},
            "program:zero1": {"command": "{exit} --sleep 100 --code 1",
                              "startsecs": 0, "autorestart": False},
        },
        steps=[WaitLog(r"^exited: zero ", 15), WaitLog(r"^exited: zero1 ", 15),
               Sleep(1.2)],
        expect_exact={
            "zero": [
                "INFO spawned: 'zero' with pid <PID>",
                "INFO success: zero entered RUNNING state, process has "
                "stayed up for > than 0 seconds (startsecs)",
                "INFO exited: zero (exit status 0; expected)"],
            "zero1": [
                "INFO spawned: 'zero1' with pid <PID>",
                "INFO success: zero1 entered RUNNING state, process has "
                "stayed up for > than 0 seconds (startsecs)",
                "WARN exited: zero1 (exit status 1; not expected)"],
        },
    ),
    Scenario(
        "success_after_startsecs",
        "The success line comes once the program has stayed up startsecs.",
        sections={"program:slow": {"command": "{exit} --sleep inf",
                                   "startsecs": 2}},
        steps=[WaitLog(r"^success: slow ", 15)],
        expect_exact={"slow": [
            "INFO spawned: 'slow' with pid <PID>",
            "INFO success: slow entered RUNNING state, process has stayed "
            "up for > than 2 seconds (startsecs)",
            "WARN stopped: slow (terminated by SIGTERM)"]},
        expect=[
            "WARN received SIGTERM indicating exit request",
            "INFO waiting for slow to die",
            "WARN stopped: slow (terminated by SIGTERM)",
        ],
        checks=[success_after_startsecs],
        ours_only=[success_after_startsecs_exact],
    ),
    Scenario(
        "startsecs1_race",
        "Programs that exit at once with startsecs=1.  4.2.5 sometimes "
        "notices the exit only at its next 1 s tick, after startsecs has "
        "passed, and logs 'success' (then 'exited ... not expected').  "
        "Recorded for 4.2.5; ours must never call such a program RUNNING.",
        sections={"program:flash%d" % i: {
            "command": "{exit} --code 1", "startsecs": 1, "startretries": 2,
            "autorestart": False} for i in range(1, 6)},
        steps=[Call(wait_flash_done)],
        compare=False,
        ours_only=[no_success_for_instant_exit],
        record=[race_count],
    ),
    Scenario(
        "autorestart_and_exitcodes",
        "autorestart=false never restarts; unexpected restarts only on an "
        "exit code not in exitcodes; true always restarts.  Exits after "
        "startsecs are EXITED, logged INFO when expected, WARN otherwise.",
        sections={
            "program:ar_false": {"command": "{exit} --code 3 --sleep 1500",
                                 "autorestart": False},
            "program:ar_unexp_ok": {
                "command": "{exit} --code 3 --sleep 1500",
                "autorestart": "unexpected", "exitcodes": "0,3"},
            "program:ar_unexp_bad": {
                "command": "{exit} --code 4 --sleep 1500",
                "autorestart": "unexpected", "exitcodes": "0,3"},
            "program:ar_true": {"command": "{exit} --code 0 --sleep 1500",
                                "autorestart": True},
            "program:ar_codes": {"command": "{exit} --code 0 --sleep 1500",
                                 "autorestart": "unexpected",
                                 "exitcodes": "2"},
        },
        steps=[WaitLog(r"^spawned: 'ar_true'", 20, count=2),
               WaitLog(r"^spawned: 'ar_unexp_bad'", 20, count=2),
               WaitLog(r"^spawned: 'ar_codes'", 20, count=2),
               WaitLog(r"^exited: ar_false ", 20),
               WaitLog(r"^exited: ar_unexp_ok ", 20)],
        expect_exact={
            "ar_false": [
                "INFO spawned: 'ar_false' with pid <PID>",
                "INFO success: ar_false entered RUNNING state, process has "
                "stayed up for > than 1 seconds (startsecs)",
                "WARN exited: ar_false (exit status 3; not expected)"],
            "ar_unexp_ok": [
                "INFO spawned: 'ar_unexp_ok' with pid <PID>",
                "INFO success: ar_unexp_ok entered RUNNING state, process "
                "has stayed up for > than 1 seconds (startsecs)",
                "INFO exited: ar_unexp_ok (exit status 3; expected)"],
        },
        expect=[
            "INFO spawned: 'ar_true' with pid <PID>",
            "INFO success: ar_true entered RUNNING state, process has stayed "
            "up for > than 1 seconds (startsecs)",
            "INFO exited: ar_true (exit status 0; expected)",
            "INFO spawned: 'ar_true' with pid <PID>",
        ],
        checks=[
            lambda ctx: _seq(ctx, "ar_unexp_bad", [
                "INFO spawned: 'ar_unexp_bad' with pid <PID>",
                "INFO success: ar_unexp_bad entered RUNNING state, process "
                "has stayed up for > than 1 seconds (startsecs)",
                "WARN exited: ar_unexp_bad (exit status 4; not expected)",
                "INFO spawned: 'ar_unexp_bad' with pid <PID>"]),
            lambda ctx: _seq(ctx, "ar_codes", [
                "INFO spawned: 'ar_codes' with pid <PID>",
                "INFO success: ar_codes entered RUNNING state, process "
                "has stayed up for > than 1 seconds (startsecs)",
                "WARN exited: ar_codes (exit status 0; not expected)",
                "INFO spawned: 'ar_codes' with pid <PID>"]),
        ],
        # How far the restarted ones got before SIGTERM is timing.
        compare_ignore=[r"(ar_true|ar_unexp_bad|ar_codes)"],
    ),
    Scenario(
        "autostart_false",
        "autostart=false programs are not started.",
        sections={
            "program:manual": {"command": "{exit} --sleep inf",
                               "autostart": False},
            "program:auto": {"command": "{exit} --sleep inf"},
        },
        steps=[WaitLog(r"^success: auto ", 15), Sleep(1.5)],
        forbid=[r"manual"],
        expect_exact={"auto": [
            "INFO spawned: 'auto' with pid <PID>",
            "INFO success: auto entered RUNNING state, process has stayed "
            "up for > than 1 seconds (startsecs)",
            "WARN stopped: auto (terminated by SIGTERM)"]},
        record=[never_started_logs],
    ),
]


def _seq(ctx, name, want):
    from scenario import is_subsequence, per_subject
    got = per_subject(ctx.transcript, name)
    assert is_subsequence(want, got) < 0, "%s: want %s in %s" % (
        name, want, got)


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_startup(scn):
    execute(scn)
