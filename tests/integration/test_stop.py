"""Stopping: stopsignal, stopwaitsecs then SIGKILL, stopasgroup and
killasgroup with grandchildren, shutdown order by priority.

4.2.5 facts (measured): on SIGTERM it logs "received SIGTERM indicating
exit request" and stops groups one at a time, highest priority number
first, moving to the next group only when every process of the current one
is stopped; each group costs at least one turn of its 1 s poll loop.
"waiting for A, B to die" names every unstopped process and repeats every
3 s.  A stop that ends in an exit code listed in exitcodes is logged INFO,
anything else (signals, other codes) WARN.
"""

import re
import time
from pathlib import Path

import pytest

import fvharness as H
from scenario import Call, Scenario, WaitLog, WaitUntil, execute


def _child_log(ctx, name):
    logs = ctx.run.child_logs(name, "stdout")
    return logs[0].read_text(errors="replace") if logs else ""


def stop_messages_reach_children(ctx):
    for name, sig in (("s_sigusr2", "SIGUSR2"), ("termexit", "SIGTERM")):
        assert "got %s" % sig in _child_log(ctx, name), name


def sigkill_after_stopwaitsecs(ctx):
    t0 = [r.ts for r in ctx.recs if "received SIGTERM" in r.msg][0]
    tk = [r.ts for r in ctx.recs if r.msg.startswith("killing 'ignterm'")][0]
    assert 3.0 <= tk - t0 <= 4.3, "SIGKILL %.3fs after SIGTERM" % (tk - t0)
    assert "got SIGTERM" in _child_log(ctx, "ignterm")


def sigkill_after_stopwaitsecs_exact(ctx):
    t0 = [r.ts for r in ctx.recs if "received SIGTERM" in r.msg][0]
    tk = [r.ts for r in ctx.recs if r.msg.startswith("killing 'ignterm'")][0]
    assert 3.0 <= tk - t0 <= 3.5, "SIGKILL %.3fs after SIGTERM" % (tk - t0)


# -- process trees ---------------------------------------------------------

def tree(ctx, name):
    """[(role, pid, pgid, sid)] reported by fvt-forker for program name."""
    out = []
    p = Path(ctx.run.tmp) / ("pids-" + name)
    for line in p.read_text().splitlines():
        role, pid, _ppid, pgid, sid = line.split()
        out.append((role, int(pid), int(pgid), int(sid)))
    return out


def wait_trees(names, n=2):
    def ready(ctx):
        for name in names:
            p = Path(ctx.run.tmp) / ("pids-" + name)
            if not p.exists() or len(p.read_text().splitlines()) < n + 1:
                return False
        ctx.vars["trees"] = {name: tree(ctx, name) for name in names}
        return True
    return WaitUntil(ready, 15, what="forker pid files")


def _alive_after(ctx, name, role, timeout=3.0):
    """Pids of `role` in program name's tree still alive after a grace
    period (SIGKILLed processes may take a moment to be reaped)."""
    pids = [p for r, p, _, _ in ctx.vars["trees"][name] if r == role]
    deadline = time.monotonic() + timeout
    while True:
        alive = [p for p in pids if H.pid_alive(p)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def _snapshot(ctx):
    """Liveness of every tree member right after the daemon exited."""
    ctx.vars["after"] = {
        name: [(r, p, H.pid_alive(p)) for r, p, _, _ in t]
        for name, t in ctx.vars["trees"].items()}


def asgroup_kills_tree(ctx):
    for name in ("asgroup",):
        assert not _alive_after(ctx, name, "forker"), name
        assert not _alive_after(ctx, name, "grandchild"), \
            "%s: grandchildren survived stopasgroup" % name


def plain_stop_kills_only_child(ctx):
    assert not _alive_after(ctx, "nogroup", "forker")
    survivors = [p for r, p, a in ctx.vars["after"]["nogroup"]
                 if r == "grandchild" and a]
    return survivors


def nogroup_grandchildren_survive_ref(ctx):
    """4.2.5 without stopasgroup signals only the child: its grandchildren
    survive, orphaned."""
    if ctx.is_ref:
        assert len(plain_stop_kills_only_child(ctx)) == 2


def no_live_process_from_tree(ctx):
    """G3 (RELIABILITY.md): stopping a program leaves no live process from
    its tree, whatever stopasgroup says and even if a grandchild called
    setsid()."""
    for name in ctx.vars["trees"]:
        alive = _alive_after(ctx, name, "grandchild", 2.0)
        assert not alive, "%s: grandchildren %s still alive" % (name, alive)


def record_survivors(ctx):
    return "; ".join(
        "%s: %d/%d grandchildren alive after shutdown" % (
            name, len([1 for r, _, a in v if r == "grandchild" and a]),
            len([1 for r, _, _ in v if r == "grandchild"]))
        for name, v in sorted(ctx.vars["after"].items()))


def killasgroup_kills_tree(ctx):
    assert not _alive_after(ctx, "killgrp", "forker")
    assert not _alive_after(ctx, "killgrp", "grandchild"), \
        "killasgroup left grandchildren"
    assert not _alive_after(ctx, "killnogrp", "forker")


# -- priority ----------------------------------------------------------------

def order_of(ctx, pattern):
    rx = re.compile(pattern)
    return [m.group(1) for m in (rx.match(r.msg) for r in ctx.recs) if m]


def stop_order_by_priority(ctx):
    stopped = order_of(ctx, r"^stopped: (\S+) \(")
    pos = {n: i for i, n in enumerate(stopped)}
    assert set(pos) == {"ga", "gb", "late", "mid", "early", "multi_01",
                        "multi_02", "multi_03"}, stopped
    # Group by group: grp (400), late (300), mid (200), early (100),
    # multi (50); within a group any order.
    ranks = [["ga", "gb"], ["late"], ["mid"], ["early"],
             ["multi_01", "multi_02", "multi_03"]]
    flat = [max(pos[n] for n in grp) for grp in ranks]
    firsts = [min(pos[n] for n in grp) for grp in ranks]
    for i in range(len(ranks) - 1):
        assert flat[i] < firsts[i + 1], (ranks[i], ranks[i + 1], stopped)
    # The next group is signalled only after mid (SIGKILLed) is stopped.
    tk = [r.ts for r in ctx.recs if r.msg.startswith("killing 'mid'")][0]
    te = [r.ts for r in ctx.recs if r.msg.startswith("stopped: early")][0]
    assert te >= tk


SCENARIOS = [
    Scenario(
        "stopsignal_names",
        "stopsignal by name (INT, HUP, USR1, SIGUSR2); the stop line shows "
        "the signal, or the exit status if the program exits on it.",
        sections={
            "program:s_int": {"command": "{exit} --sleep inf",
                              "stopsignal": "INT"},
            "program:s_hup": {"command": "{exit} --sleep inf",
                              "stopsignal": "HUP"},
            "program:s_usr1": {"command": "{exit} --sleep inf",
                               "stopsignal": "USR1"},
            "program:s_sigusr2": {
                "command": "{exit} --sleep inf --on USR2:exit:0",
                "stopsignal": "SIGUSR2"},
            "program:termexit": {
                "command": "{exit} --sleep inf --on TERM:exit:5"},
        },
        steps=[WaitLog(r"^success: ", 15, count=5)],
        expect=["WARN received SIGTERM indicating exit request",
                "INFO waiting for s_hup, s_int, s_sigusr2, s_usr1, termexit "
                "to die"],
        checks=[stop_messages_reach_children],
        expect_exact={n: [
            "INFO spawned: '%s' with pid <PID>" % n,
            "INFO success: %s entered RUNNING state, process has stayed up "
            "for > than 1 seconds (startsecs)" % n,
            stop] for n, stop in (
                ("s_int", "WARN stopped: s_int (terminated by SIGINT)"),
                ("s_hup", "WARN stopped: s_hup (terminated by SIGHUP)"),
                ("s_usr1", "WARN stopped: s_usr1 (terminated by SIGUSR1)"),
                ("s_sigusr2", "INFO stopped: s_sigusr2 (exit status 0)"),
                ("termexit", "WARN stopped: termexit (exit status 5)"))},
    ),
    Scenario(
        "stopwaitsecs_sigkill",
        "A program that ignores SIGTERM is SIGKILLed stopwaitsecs later.",
        sections={"program:ignterm": {
            "command": "{exit} --sleep inf --on TERM:log",
            "stopwaitsecs": 3}},
        steps=[WaitLog(r"^success: ignterm ", 15)],
        expect_exact={"ignterm": [
            "INFO spawned: 'ignterm' with pid <PID>",
            "INFO success: ignterm entered RUNNING state, process has stayed "
            "up for > than 1 seconds (startsecs)",
            "WARN killing 'ignterm' (<PID>) with SIGKILL",
            "WARN stopped: ignterm (terminated by SIGKILL)"]},
        expect=["WARN received SIGTERM indicating exit request",
                "INFO waiting for ignterm to die",
                "WARN killing 'ignterm' (<PID>) with SIGKILL",
                "WARN stopped: ignterm (terminated by SIGKILL)"],
        checks=[sigkill_after_stopwaitsecs],
        ours_only=[sigkill_after_stopwaitsecs_exact],
    ),
    Scenario(
        "stopasgroup_trees",
        "stopasgroup=true signals the process group: child and "
        "grandchildren die.  Without it 4.2.5 signals only the child and "
        "the grandchildren live on (orphaned); grandchildren that called "
        "setsid() escape stopasgroup too.",
        sections={
            "program:asgroup": {
                "command": "{forker} -n 2 --pids {tmp}/pids-asgroup",
                "stopasgroup": True},
            "program:nogroup": {
                "command": "{forker} -n 2 --pids {tmp}/pids-nogroup"},
            "program:setsid": {
                "command": "{forker} -n 2 --setsid --pids {tmp}/pids-setsid",
                "stopasgroup": True},
        },
        steps=[WaitLog(r"^success: ", 15, count=3),
               wait_trees(["asgroup", "nogroup", "setsid"])],
        expect_exact={n: [
            "INFO spawned: '%s' with pid <PID>" % n,
            "INFO success: %s entered RUNNING state, process has stayed up "
            "for > than 1 seconds (startsecs)" % n,
            "WARN stopped: %s (terminated by SIGTERM)" % n]
            for n in ("asgroup", "nogroup", "setsid")},
        checks=[Call(_snapshot), asgroup_kills_tree,
                nogroup_grandchildren_survive_ref],
        ours_only=[no_live_process_from_tree],
        record=[record_survivors],
    ),
    Scenario(
        "killasgroup_trees",
        "killasgroup=true: after stopwaitsecs the SIGKILL goes to the whole "
        "process group (the child and grandchildren ignore SIGTERM).  "
        "Without it only the child is SIGKILLed.",
        sections={
            "program:killgrp": {
                "command": "{forker} -n 2 --child-term ignore --term ignore "
                           "--pids {tmp}/pids-killgrp",
                "killasgroup": True, "stopwaitsecs": 2},
            "program:killnogrp": {
                "command": "{forker} -n 2 --child-term ignore --term ignore "
                           "--pids {tmp}/pids-killnogrp",
                "stopwaitsecs": 2},
        },
        steps=[WaitLog(r"^success: ", 15, count=2),
               wait_trees(["killgrp", "killnogrp"])],
        expect_exact={n: [
            "INFO spawned: '%s' with pid <PID>" % n,
            "INFO success: %s entered RUNNING state, process has stayed up "
            "for > than 1 seconds (startsecs)" % n,
            "WARN killing '%s' (<PID>) with SIGKILL" % n,
            "WARN stopped: %s (terminated by SIGKILL)" % n]
            for n in ("killgrp", "killnogrp")},
        checks=[Call(_snapshot), killasgroup_kills_tree],
        ours_only=[no_live_process_from_tree],
        record=[record_survivors],
    ),
    Scenario(
        "priority_order",
        "Start in ascending priority, group by group; a [group:x] starts "
        "its programs in the order of its programs= list (4.2.5 ignores "
        "their priorities there) and stops them in descending priority.  "
        "Shutdown goes group by group in descending priority, and waits "
        "for a slow group (mid, SIGKILLed after stopwaitsecs) before the "
        "next.",
        supervisord={"loglevel": "debug"},
        sections={
            "program:late": {"command": "{exit} --sleep inf",
                             "priority": 300},
            "program:early": {"command": "{exit} --sleep inf",
                              "priority": 100},
            "program:mid": {"command": "{exit} --sleep inf --on TERM:log",
                            "priority": 200, "stopwaitsecs": 5},
            "program:multi": {
                "command": "{exit} --sleep inf", "numprocs": 3,
                "numprocs_start": 1, "priority": 50,
                "process_name": "%(program_name)s_%(process_num)02d"},
            "program:ga": {"command": "{exit} --sleep inf", "priority": 20},
            "program:gb": {"command": "{exit} --sleep inf", "priority": 10},
            "group:grp": {"programs": "ga,gb", "priority": 400},
        },
        steps=[WaitLog(r"^success: ", 15, count=8)],
        shutdown_timeout=40,
        expect=[
            "INFO spawned: 'multi_01' with pid <PID>",
            "INFO spawned: 'multi_02' with pid <PID>",
            "INFO spawned: 'multi_03' with pid <PID>",
            "INFO spawned: 'early' with pid <PID>",
            "INFO spawned: 'mid' with pid <PID>",
            "INFO spawned: 'late' with pid <PID>",
            "INFO spawned: 'ga' with pid <PID>",
            "INFO spawned: 'gb' with pid <PID>",
            "WARN received SIGTERM indicating exit request",
            "DEBG killing ga (pid <PID>) with signal SIGTERM",
            "DEBG killing gb (pid <PID>) with signal SIGTERM",
            "DEBG killing late (pid <PID>) with signal SIGTERM",
            "DEBG killing mid (pid <PID>) with signal SIGTERM",
            "INFO waiting for multi_01, multi_02, multi_03, early, mid to "
            "die",
            "WARN killing 'mid' (<PID>) with SIGKILL",
            "DEBG killing mid (pid <PID>) with signal SIGKILL",
            "WARN stopped: mid (terminated by SIGKILL)",
            "DEBG killing early (pid <PID>) with signal SIGTERM",
            "DEBG killing multi_03 (pid <PID>) with signal SIGTERM",
            "DEBG killing multi_02 (pid <PID>) with signal SIGTERM",
            "DEBG killing multi_01 (pid <PID>) with signal SIGTERM",
        ],
        checks=[stop_order_by_priority,
                lambda ctx: _first_waiting(ctx)],
        # Debug output other than "killing" lines is 4.2.5 internals.
        compare_ignore=[r"^DEBG (?!killing )"],
    ),
]


def _first_waiting(ctx):
    w = [x for x in ctx.transcript if x.startswith("INFO waiting for ")]
    assert w and w[0] == ("INFO waiting for multi_01, multi_02, multi_03, "
                          "early, mid, late, ga, gb to die"), w


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_stop(scn):
    execute(scn)
