"""The daemon itself: daemon mode and pidfile, a second instance, SIGHUP
reload, SIGKILL of the daemon, running as PID 1.

4.2.5 facts (measured, README.md has the details):
* Daemon mode: the launcher exits 0; the daemon (a new session leader)
  writes "PID\\n" to the pidfile and removes it on a clean exit.
* A second instance without an HTTP server starts happily: it overwrites
  the pidfile, deletes the first instance's AUTO child logs and runs a
  second copy of every program.  With a [unix_http_server] it exits 2
  ("Another program is already listening ..."), but it has already deleted
  the first instance's AUTO child logs (and made new, unused ones).
* SIGHUP: stop everything (same order as shutdown), re-read the config,
  log "supervisord started with pid N" again (same N), start everything.
* SIGKILL: children are orphaned and keep running; SIGPIPE is ignored in
  children (inherited from Python), so writing to the dead daemon's pipe
  does not kill them.  A restarted daemon starts a second copy of each.
* As PID 1 it reaps orphans ("reaped unknown pid N (exit status 0)"), at
  its 1 s loop tick or earlier if a pipe wakes it.
"""

import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

import fvharness as H
from scenario import (Call, Scenario, Signal, Sleep, WaitExit, WaitLog,
                      WaitUntil, execute)


def _cmdline(pid):
    try:
        raw = Path("/proc/%d/cmdline" % pid).read_bytes()
    except OSError:
        return []
    return [x.decode(errors="replace") for x in raw.split(b"\0") if x]


def live_programs(ctx, needle):
    """Live processes of this test whose command line contains needle."""
    out = []
    for pid in H.pids_with_marker(ctx.run.marker):
        argv = _cmdline(pid)
        if H.pid_alive(pid) and argv and needle in " ".join(argv):
            out.append(pid)
    return out


# -- daemon mode ---------------------------------------------------------------

def daemon_started(ctx):
    run = ctx.run
    assert run.launcher_rc == 0, run.launcher_rc
    ctx.vars["pid"] = run.main_pid
    assert run.pidfile.read_text() == "%d\n" % run.main_pid
    started = [int(m.group(1)) for m in (re.match(
        r"supervisord started with pid (\d+)", r.msg)
        for r in run.records()) if m]
    assert started == [run.main_pid], (started, run.main_pid)
    st = H.proc_stat(run.main_pid)
    ctx.vars["stat"] = st


def pidfile_removed(ctx):
    assert not ctx.run.pidfile.exists()


def daemon_shape(ctx):
    st = ctx.vars["stat"]
    return ("daemon ppid=%s is-session-leader=%s; launcher stdout %d "
            "bytes, stderr %d bytes" % (
                st[1], st[3] == ctx.vars["pid"],
                ctx.run.stdout_path.stat().st_size,
                ctx.run.stderr_path.stat().st_size))


# -- second instance ---------------------------------------------------------

def start_second(ctx):
    run = ctx.run
    ctx.vars["first_pid"] = run.main_pid
    ctx.vars["first_logs"] = sorted(p.name for p in run.logdir.iterdir())
    ctx.vars["log_lines_before"] = len(run.records())
    p = run.start_extra([run.impl.path, "-c", str(run.conf)],
                        stdout=open(run.tmp / "second.out", "wb"),
                        stderr=subprocess.STDOUT)
    try:
        ctx.vars["second_rc"] = p.wait(15)
    except subprocess.TimeoutExpired:
        ctx.vars["second_rc"] = "still running after 15 s"


def snapshot(ctx):
    run = ctx.run
    ctx.vars["pidfile_after"] = run.pidfile.read_text() \
        if run.pidfile.exists() else None
    ctx.vars["copies"] = live_programs(ctx, "fvt-exit --sleep inf")
    ctx.vars["logs_after"] = sorted(p.name for p in run.logdir.iterdir())
    ctx.vars["first_alive"] = H.pid_alive(ctx.vars["first_pid"])


def first_survives(ctx):
    assert ctx.vars["first_alive"], "the first instance died"


def second_refused(ctx):
    rc = ctx.vars["second_rc"]
    assert isinstance(rc, int) and rc != 0, \
        "second instance exit status %r" % (rc,)


def pidfile_intact(ctx):
    assert ctx.vars["pidfile_after"] == "%d\n" % ctx.vars["first_pid"], \
        "pidfile now %r, first instance is %d" % (
            ctx.vars["pidfile_after"], ctx.vars["first_pid"])


def one_copy(ctx):
    assert len(ctx.vars["copies"]) == 1, "%d copies of program a running" % (
        len(ctx.vars["copies"]))


def first_logs_intact(ctx):
    gone = sorted(set(ctx.vars["first_logs"]) - set(ctx.vars["logs_after"]))
    assert not gone, "the first instance's child logs were deleted: %s" % gone


def second_outcome(ctx):
    out = (ctx.run.tmp / "second.out").read_text(errors="replace")
    out = out.replace(str(ctx.run.tmp), "<TMP>").strip().splitlines()
    return "second instance rc=%s output=%r; pidfile %s; %d copies of a; " \
        "first's AUTO logs %s" % (
            ctx.vars["second_rc"], out[-2:] if out else "",
            "intact" if ctx.vars["pidfile_after"] == "%d\n" %
            ctx.vars["first_pid"] else "CLOBBERED (%r)" %
            ctx.vars["pidfile_after"], len(ctx.vars["copies"]),
            "intact" if set(ctx.vars["first_logs"]) <=
            set(ctx.vars["logs_after"]) else "DELETED")


SECOND_STEPS = [WaitLog(r"^success: a ", 15), Call(start_second),
                # Give an instance that wrongly started time to spawn.
                Sleep(2.5), Call(snapshot)]


# -- SIGHUP ------------------------------------------------------------------

def rewrite_config(ctx):
    ctx.vars["before"] = {n: ctx.run.spawned(n) for n in ("a", "b")}
    ctx.vars["auto_before"] = sorted(p.name for p in ctx.run.logdir.iterdir())
    ctx.run.configure({
        "program:a": {"command": "{exit} --sleep inf", "priority": 1},
        "program:c": {"command": "{exit} --sleep inf", "priority": 3},
    })


def reload_effects(ctx):
    run = ctx.run
    started = [int(m.group(1)) for m in (re.match(
        r"supervisord started with pid (\d+)", r.msg) for r in ctx.recs) if m]
    assert len(started) == 2 and started[0] == started[1] == \
        ctx.vars["daemon_pid"], started
    old = ctx.vars["before"]
    assert len(old["a"]) == 1 and len(old["b"]) == 1, old
    assert not H.pid_alive(old["a"][0]) and not H.pid_alive(old["b"][0])
    assert len(run.spawned("a")) == 2 and len(run.spawned("b")) == 1
    assert len(run.spawned("c")) == 1


def remember_daemon(ctx):
    ctx.vars["daemon_pid"] = ctx.run.main_pid


def auto_logs_on_reload(ctx):
    before = set(ctx.vars["auto_before"])
    now = set(p.name for p in ctx.run.logdir.iterdir())
    return "AUTO logs: %d before reload, %d kept, %d new after" % (
        len(before), len(before & now), len(now - before))


# -- SIGKILL ----------------------------------------------------------------

def remember_children(ctx):
    run = ctx.run
    ctx.vars["kids"] = {"a": run.spawned("a")[0], "b": run.spawned("b")[0]}
    ctx.vars["daemon"] = run.main_pid
    t = (run.tmp / "pids-b").read_text().split()
    ctx.vars["grandkids"] = [int(x) for x in t[1::5]][1:]


def after_kill(ctx):
    time.sleep(0.3)
    kids = ctx.vars["kids"]
    ctx.vars["after_kill"] = {n: (H.pid_alive(p), (H.proc_stat(p) or
                                                   (0, 0))[1])
                              for n, p in kids.items()}
    ctx.vars["gk_after_kill"] = [H.pid_alive(p)
                                 for p in ctx.vars["grandkids"]]
    try:
        st = Path("/proc/%d/status" % kids["a"]).read_text()
        ign = int(re.search(r"SigIgn:\s*([0-9a-f]+)", st).group(1), 16)
        ctx.vars["sigpipe_ignored"] = bool(ign & (1 << (signal.SIGPIPE - 1)))
    except (OSError, AttributeError):
        ctx.vars["sigpipe_ignored"] = None


def restart_daemon(ctx):
    ctx.run.start()


def orphans_live_on_ref(ctx):
    """4.2.5: after SIGKILL the children (and grandchildren) live on."""
    if ctx.is_ref:
        assert all(a for a, _ in ctx.vars["after_kill"].values()), \
            ctx.vars["after_kill"]
        assert all(ctx.vars["gk_after_kill"])


def one_instance_after_restart(ctx):
    """C12: after a restart exactly one instance of each program runs."""
    a = ctx.vars["copies_a"]
    b = ctx.vars["copies_b"]
    assert len(a) == 1 and len(b) == 1, "after restart: %d copies of a, " \
        "%d of b" % (len(a), len(b))


def old_trees_gone(ctx):
    """C12 (stopasgroup trees): after the restart nothing of the killed
    daemon's process trees is left, grandchildren included."""
    left = [p for p in list(ctx.vars["kids"].values()) +
            ctx.vars["grandkids"] if H.pid_alive(p)]
    assert not left, "processes of the killed daemon's trees still " \
        "alive: %s" % left


def count_copies(ctx):
    ctx.vars["copies_a"] = live_programs(ctx, "fvt-exit --sleep inf --tick")
    ctx.vars["copies_b"] = [p for p in live_programs(ctx, "fvt-forker")
                            if (H.proc_stat(p) or (0, 0, 0))[2] == p]


def kill_outcome(ctx):
    ak = ctx.vars["after_kill"]
    return ("after SIGKILL of the daemon: a alive=%s (ppid %s), b alive=%s "
            "(ppid %s), grandchildren alive=%s, SIGPIPE ignored in child=%s;"
            " after restart %d copies of a, %d of b" % (
                ak["a"][0], ak["a"][1], ak["b"][0], ak["b"][1],
                ctx.vars["gk_after_kill"], ctx.vars["sigpipe_ignored"],
                len(ctx.vars["copies_a"]), len(ctx.vars["copies_b"])))


# -- PID 1 --------------------------------------------------------------------

def watch_zombies(seconds):
    """Sample the daemon's zombie children every 20 ms for `seconds`;
    ctx.vars["zombie_max_age"] is the longest a zombie stayed."""
    def watch(ctx):
        first_seen = {}
        max_age = 0.0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            now = time.monotonic()
            zs = set(H.zombies_of(ctx.run.main_pid))
            for z in zs:
                first_seen.setdefault(z, now)
            for z in list(first_seen):
                if z not in zs:
                    max_age = max(max_age, now - first_seen.pop(z))
            time.sleep(0.02)
        now = time.monotonic()
        for z, t in first_seen.items():
            max_age = max(max_age, now - t)
        ctx.vars["zombie_max_age"] = max_age
        ctx.vars["zombies_seen"] = len(first_seen)
    watch.__name__ = "watch_zombies"
    return Call(watch)


def started_as_pid1(ctx):
    assert ctx.run.find(r"^supervisord started with pid 1$", ctx.recs)


def no_zombies_left(ctx):
    H.wait_until(lambda: not H.zombies_of(ctx.run.main_pid), 3,
                 what="no zombie children of the daemon")


def zombies_short_lived(ctx):
    assert ctx.vars["zombie_max_age"] <= 2.0, ctx.vars["zombie_max_age"]


def zombies_under_1s(ctx):
    """G2: no zombie older than 1 s."""
    assert ctx.vars["zombie_max_age"] <= 1.0, ctx.vars["zombie_max_age"]


def zombie_age(ctx):
    return "longest-lived zombie %.3fs" % ctx.vars["zombie_max_age"]


def occupy_port_and_rewrite(ctx):
    """Hold a loopback port, then point the config's HTTP server at it: the
    new file loads, but cannot be put in force."""
    import socket
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    ctx.vars["blocker"] = s
    ctx.vars["before"] = ctx.run.spawned("a")
    ctx.run.configure({
        "program:a": {"command": "{exit} --sleep inf"},
        "inet_http_server": {"port": "127.0.0.1:%d" % s.getsockname()[1]},
    })


def fell_back(ctx):
    ctx.vars["blocker"].close()
    assert ctx.run.alive(), "the daemon exited instead of falling back"
    after = ctx.run.spawned("a")
    assert len(after) == len(ctx.vars["before"]) + 1, after
    assert H.pid_alive(after[-1])


UNSHARE = ("unshare", "--pid", "--fork", "--mount-proc")

SCENARIOS = [
    Scenario(
        "daemon_pidfile",
        "Without -n: the launcher exits 0, the daemon writes its pid to the "
        "pidfile and removes it on shutdown.",
        args=(), launch="daemon",
        sections={"program:a": {"command": "{exit} --sleep inf"}},
        steps=[Call(daemon_started), WaitLog(r"^success: a ", 15)],
        expect_rc=None,
        expect=["INFO daemonizing the supervisord process",
                "INFO supervisord started with pid <PID>",
                "INFO spawned: 'a' with pid <PID>",
                "WARN received SIGTERM indicating exit request",
                "WARN stopped: a (terminated by SIGTERM)"],
        checks=[pidfile_removed],
        record=[daemon_shape],
    ),
    Scenario(
        "second_instance_no_socket",
        "A second instance on the same config (no HTTP server).  Safe "
        "behaviour: it refuses to start; the first keeps running with its "
        "pidfile, its single copy of each program and its child logs.  "
        "4.2.5 starts anyway (recorded).",
        args=(), launch="daemon",
        sections={"program:a": {"command": "{exit} --sleep inf"}},
        steps=SECOND_STEPS,
        expect_rc=None, compare=False,
        checks=[first_survives],
        ours_only=[second_refused, pidfile_intact, one_copy,
                   first_logs_intact],
        record=[second_outcome],
    ),
    Scenario(
        "second_instance_with_socket",
        "Same with a [unix_http_server]: 4.2.5 refuses (exit 2, socket in "
        "use) and keeps the pidfile, but deletes the first instance's AUTO "
        "child logs.",
        args=(), launch="daemon",
        sections={"program:a": {"command": "{exit} --sleep inf"},
                  "unix_http_server": {"file": "{tmp}/supervisor.sock"}},
        steps=SECOND_STEPS,
        expect_rc=None, compare=False,
        checks=[first_survives, second_refused, pidfile_intact, one_copy],
        ours_only=[first_logs_intact],
        record=[second_outcome],
    ),
    Scenario(
        "sighup_reload_fallback",
        "A SIGHUP whose new config loads but cannot be put in force (its "
        "HTTP port is taken): everything was stopped; fleetvisord starts the "
        "previous configuration again instead of exiting (4.2.5 exits 2).",
        only="fv",
        sections={"program:a": {"command": "{exit} --sleep inf"}},
        steps=[WaitLog(r"^success: a ", 15), Call(occupy_port_and_rewrite),
               Signal("HUP"),
               WaitLog(r"^restart failed, running the previous "
                       r"configuration again: Another program is already "
                       r"listening", 20),
               WaitLog(r"^success: a ", 15, count=2), Call(fell_back)],
    ),
    Scenario(
        "sighup_reload",
        "SIGHUP stops every process (descending priority), re-reads the "
        "config (b removed, c added) and starts again; same daemon pid.",
        sections={
            "program:a": {"command": "{exit} --sleep inf", "priority": 1},
            "program:b": {"command": "{exit} --sleep inf", "priority": 2},
        },
        steps=[Call(remember_daemon), WaitLog(r"^success: ", 15, count=2),
               Call(rewrite_config), Signal("HUP"),
               WaitLog(r"^success: c ", 20),
               WaitLog(r"^success: a ", 20, count=2)],
        expect=[
            "INFO supervisord started with pid <PID>",
            "INFO spawned: 'a' with pid <PID>",
            "INFO spawned: 'b' with pid <PID>",
            "WARN received SIGHUP indicating restart request",
            "INFO waiting for a, b to die",
            "WARN stopped: b (terminated by SIGTERM)",
            "WARN stopped: a (terminated by SIGTERM)",
            "INFO supervisord started with pid <PID>",
            "INFO spawned: 'a' with pid <PID>",
            "INFO spawned: 'c' with pid <PID>",
            "INFO success: a entered RUNNING state, process has stayed up "
            "for > than 1 seconds (startsecs)",
            "WARN received SIGTERM indicating exit request",
        ],
        checks=[reload_effects],
        record=[auto_logs_on_reload],
    ),
    Scenario(
        "sigkill_daemon",
        "SIGKILL the daemon, then start it again on the same config.  "
        "4.2.5: the children are orphaned and keep running, and the new "
        "daemon starts a second copy of each (recorded; the safe outcome, "
        "one copy after restart, is asserted for ours).",
        sections={
            "program:a": {"command": "{exit} --sleep inf --tick 100"},
            "program:b": {"command": "{forker} -n 2 --pids {tmp}/pids-b",
                          "stopasgroup": True},
        },
        steps=[WaitLog(r"^success: ", 15, count=2),
               WaitUntil(lambda ctx: (ctx.run.tmp / "pids-b").exists() and
                         len((ctx.run.tmp / "pids-b").read_text()
                             .splitlines()) >= 3, 10, what="pids-b"),
               Call(remember_children), Signal("KILL"), WaitExit(10),
               Call(after_kill), Call(restart_daemon),
               WaitLog(r"^success: ", 15, count=4), Call(count_copies)],
        compare=False,
        checks=[orphans_live_on_ref],
        ours_only=[one_instance_after_restart, old_trees_gone],
        record=[kill_outcome],
    ),
    Scenario(
        "pid1_reaps_orphans",
        "As PID 1 of a pid namespace, one batch of 5 double-forked orphans "
        "(stdio closed) exits: each is reaped and logged, no zombie stays.",
        needs_root=True, prefix=UNSHARE, launch="child",
        sections={"program:orph": {
            "command": "{forker} -n 5 --double --child-sleep 2500 "
                       "--child-close --sleep inf"}},
        steps=[WaitLog(r"^success: orph ", 15), watch_zombies(4),
               Call(no_zombies_left)],
        expect=["INFO supervisord started with pid <PID>",
                "INFO spawned: 'orph' with pid <PID>"] +
        ["INFO reaped unknown pid <PID> (exit status 0)"] * 5,
        checks=[started_as_pid1, zombies_short_lived,
                lambda ctx: _count(ctx, "INFO reaped unknown pid <PID> "
                                   "(exit status 0)", 5)],
        ours_only=[zombies_under_1s],
        record=[zombie_age],
    ),
    Scenario(
        "pid1_orphan_churn",
        "As PID 1, a program keeps making short-lived orphans (3 every "
        "300 ms): zombies never pile up.",
        needs_root=True, prefix=UNSHARE, launch="child",
        sections={"program:churn": {
            "command": "{forker} -n 3 --double --child-sleep 100 "
                       "--child-close --repeat 300 --sleep inf"}},
        steps=[WaitLog(r"^success: churn ", 15), watch_zombies(4)],
        compare_ignore=[r"reaped unknown pid"],
        checks=[started_as_pid1, zombies_short_lived],
        ours_only=[zombies_under_1s],
        record=[zombie_age],
    ),
]


def _count(ctx, line, n):
    assert ctx.transcript.count(line) == n, ctx.transcript.count(line)


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_daemon(scn):
    execute(scn)
