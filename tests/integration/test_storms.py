"""Hostile conditions: unwritable log directories, a SIGCHLD storm, fd
leaks over reloads and restarts, reload storms, and clock jumps
(shared/RELIABILITY.md C7, C9, C12, G2, G4, G8).

4.2.5 facts (measured, the notes of each run record the rest):
* With [supervisord] user=nobody, a stdout_logfile in a directory nobody
  cannot write makes every start fail before the fork with "spawnerr:
  unknown error making dispatchers for 'a': EACCES" (no spawned/exited
  lines), then FATAL after startretries.  A childlogdir nobody cannot
  write kills 4.2.5 at startup with a Python traceback (PermissionError)
  and exit status 1; fleetvisord refuses with a one-line error naming the
  directory and exit status 2.
* Signals are handled at the next turn of its 1 s poll loop (Python
  retries poll() after the handler), it keeps at most one pending signal
  of each kind, and a reload starts over with fresh options, dropping the
  signals that came during it: 20 SIGHUPs within 2 s make 1 or 2 reloads.
* A reload right after a spawn can send SIGTERM to the child between fork
  and exec, where Python's handler swallows it: the child lives on and is
  SIGKILLed stopwaitsecs later.
* A SIGHUP during a shutdown is logged as "ignored SIGHUP indicating
  restart request (shutdown in progress)"; a SIGTERM during a reload turns
  the reload into a shutdown.
* Its timers use the wall clock.  A clock stepped back is handled (the
  timers restart at the step); a clock stepped forward ends startsecs and
  stopwaitsecs at once (RUNNING 1 s after the spawn with startsecs=2,
  SIGKILL 1 s after SIGTERM with stopwaitsecs=2), and can declare a
  program that exited at once RUNNING, which resets its backoff.
"""

import collections
import os
import re
import signal
import time
from pathlib import Path

import pytest

import fvharness as H
from scenario import (Call, Scenario, Signal, Sleep, WaitExit, WaitLog,
                      WaitUntil, execute)

CLK_TCK = os.sysconf("SC_CLK_TCK")
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


# ---------------------------------------------------------------------------
# Small observers

def boottime():
    """Seconds since boot, the clock of /proc/PID/stat and /proc/uptime."""
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def start_time(pid):
    """When pid started (boottime seconds), or None."""
    try:
        data = Path("/proc/%d/stat" % pid).read_text()
    except OSError:
        return None
    return int(data[data.rindex(")") + 2:].split()[19]) / CLK_TCK


def cpu_seconds(pid):
    """utime + stime of pid in seconds."""
    data = Path("/proc/%d/stat" % pid).read_text()
    rest = data[data.rindex(")") + 2:].split()
    return (int(rest[11]) + int(rest[12])) / CLK_TCK


def cmdline(pid):
    try:
        raw = Path("/proc/%d/cmdline" % pid).read_bytes()
    except OSError:
        return ""
    return " ".join(x.decode(errors="replace") for x in raw.split(b"\0") if x)


def live_with(ctx, needle):
    """Live processes of this test whose command line contains needle."""
    return [p for p in H.pids_with_marker(ctx.run.marker)
            if H.pid_alive(p) and needle in cmdline(p)]


def fd_table(pid):
    """{fd: target} of pid's open descriptors."""
    out = {}
    d = "/proc/%d/fd" % pid
    for name in os.listdir(d):
        try:
            out[int(name)] = os.readlink(os.path.join(d, name))
        except OSError:
            pass
    return out


def started_lines(ctx, recs=None):
    return ctx.run.find(r"^supervisord started with pid ", recs)


def after_last_start(ctx):
    """Main-log records since the last "supervisord started" line."""
    recs = ctx.run.records()
    idx = [i for i, r in enumerate(recs)
           if r.msg.startswith("supervisord started with pid ")]
    return recs[idx[-1] + 1:] if idx else []


# ---------------------------------------------------------------------------
# Unwritable log directories (needs root: the daemon runs as nobody)

NOBODY = 65534


def nobody_sandbox(ctx):
    """The daemon runs as nobody: the sandbox becomes searchable, the main
    log, pidfile and AUTO logs live in run/ (owned by nobody), and
    rootonly/ is root's, mode 0755."""
    os.chmod(ctx.run.tmp, 0o755)
    run_dir = ctx.run.tmp / "run"
    run_dir.mkdir()
    os.chown(run_dir, NOBODY, -1)
    (ctx.run.tmp / "rootonly").mkdir(mode=0o755)
    ctx.run.mainlog = run_dir / "main.log"
    ctx.run.pidfile = run_dir / "supervisord.pid"


NOBODY_SUP = {"logfile": "{tmp}/run/main.log",
              "pidfile": "{tmp}/run/supervisord.pid",
              "childlogdir": "{tmp}/run", "user": "nobody"}

EACCES_LINE = "INFO spawnerr: unknown error making dispatchers for 'a': EACCES"
GAVE_UP_A = ("INFO gave up: a entered FATAL state, too many start retries "
             "too quickly")


def dispatcher_errors(ctx):
    t = ctx.transcript
    assert t.count(EACCES_LINE) == 2, t
    assert not (ctx.run.tmp / "rootonly" / "a.log").exists()
    assert not [x for x in t if re.match(r"^\w+ (spawned: 'a'|exited: a )",
                                         x)], t


def b_runs_as_nobody(ctx):
    assert ctx.vars["b_uid"] == NOBODY, ctx.vars["b_uid"]


def remember_b_uid(ctx):
    pid = ctx.run.spawned("b")[0]
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                ctx.vars["b_uid"] = int(line.split()[1])


def refused_to_start(ctx):
    rc = ctx.vars["rc"]
    assert rc not in (0, None), "exit status %r" % rc
    assert not ctx.run.find(r"^spawned: ", ctx.recs)
    assert not list((ctx.run.tmp / "rootonly").iterdir())


def clear_error_naming_dir(ctx):
    """Exit status 2 and an "Error: ..." line on stderr naming the
    directory (no traceback)."""
    assert ctx.vars["rc"] == 2, "exit status %r" % ctx.vars["rc"]
    err = ctx.run.log_text(ctx.run.stderr_path)
    lines = [x for x in err.splitlines() if x.startswith("Error: ")]
    assert lines and str(ctx.run.tmp / "rootonly") in lines[0], err
    assert "Traceback" not in err, err


def startup_failure(ctx):
    err = ctx.run.log_text(ctx.run.stderr_path).replace(
        str(ctx.run.tmp), "<TMP>").splitlines()
    return "exit status %s; stderr (%d lines) ends %r; main log %r" % (
        ctx.vars["rc"], len(err), err[-2:], ctx.transcript)


# ---------------------------------------------------------------------------
# C9 SIGCHLD storm

STORM_N = 100
STORM_SECS = 5.0
# Each run picks its exit status (1 or 2, unexpected, nine times in ten;
# else 0, expected) and its life (0-999 ms), notes "PID CODE" in runs, and
# becomes fvt-exit.  Once settle exists every run exits 0.
STORM_CMD = ("/bin/bash -c 'c=$(( RANDOM %% 10 ? 1 + RANDOM %% 2 : 0 )); "
             "[ -e {tmp}/settle ] && c=0; echo $$ $c >> {tmp}/runs; "
             "exec {exit} --sleep $(( RANDOM %% 1000 )) --code $c'")
STORM_NAMES = ["storm_%03d" % i for i in range(STORM_N)]


def storm(ctx):
    """Watch the agent's zombies for STORM_SECS; 2 s in, send it 2000
    SIGCHLDs in a tight loop.  Then let every program settle."""
    pid = ctx.run.main_pid
    first_seen, max_age, samples = {}, 0.0, 0
    t0 = time.monotonic()
    end = t0 + STORM_SECS
    chld_done = False
    while time.monotonic() < end:
        now = time.monotonic()
        zs = set(H.zombies_of(pid))
        samples += 1
        for z in zs:
            first_seen.setdefault(z, now)
        for z in list(first_seen):
            if z not in zs:
                max_age = max(max_age, now - first_seen.pop(z))
        for z, t in first_seen.items():
            max_age = max(max_age, now - t)
        if not chld_done and now - t0 >= 2.0:
            c0 = time.monotonic()
            for _ in range(2000):
                os.kill(pid, signal.SIGCHLD)
            ctx.vars["chld_secs"] = time.monotonic() - c0
            chld_done = True
            assert ctx.run.alive(), "the daemon died of 2000 SIGCHLDs"
        time.sleep(0.05)
    ctx.vars["zombie_max_age"] = max_age
    ctx.vars["zombie_samples"] = samples
    ctx.vars["spawns_during_storm"] = len(ctx.run.spawned())
    assert ctx.run.alive(), "the daemon died during the storm"
    (ctx.run.tmp / "settle").touch()


def _per_process(recs):
    """{name: [("spawn", pid) | ("exit", code, expected) | ("success",)]}"""
    out = {n: [] for n in STORM_NAMES}
    for r in recs:
        m = re.match(r"spawned: '(storm_\d+)' with pid (\d+)$", r.msg)
        if m:
            out[m.group(1)].append(("spawn", int(m.group(2))))
            continue
        m = re.match(r"exited: (storm_\d+) \(exit status (\d+); "
                     r"(expected|not expected)\)$", r.msg)
        if m:
            out[m.group(1)].append(("exit", int(m.group(2)),
                                    m.group(3) == "expected"))
            continue
        m = re.match(r"success: (storm_\d+) entered RUNNING", r.msg)
        if m:
            out[m.group(1)].append(("success",))
            continue
        m = re.match(r"\w+: (storm_\d+)\b", r.msg)
        if m:
            out[m.group(1)].append(("other", r.msg))
    return out


def storm_settled(ctx):
    """Every storm process has exited with status 0 (EXITED, not
    restarted) and none runs."""
    seq = _per_process(ctx.run.records())
    for n in STORM_NAMES:
        ev = [e for e in seq[n] if e[0] in ("spawn", "exit")]
        if not ev or ev[-1] != ("exit", 0, True):
            return False
    return not live_with(ctx, "fvt-exit --sleep")


def cpu_idle(ctx):
    pid = ctx.run.main_pid
    c0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(2.0)
    ctx.vars["idle_cpu"] = (cpu_seconds(pid) - c0) / (time.monotonic() - t0)


def exits_match_spawns(ctx):
    """G2: each exit observed exactly once, attributed to the right run:
    per process the lines alternate spawned (pid P) / exited (the status
    P chose), no pid is spawned twice, spawns = exits (none runs now),
    nothing restarts after an expected exit."""
    runs = {}
    for line in (ctx.run.tmp / "runs").read_text().splitlines():
        pid, code = (int(x) for x in line.split())
        assert pid not in runs, "pid %d ran twice" % pid
        runs[pid] = code
    seq = _per_process(ctx.recs)
    spawned_pids = []
    total_spawns = total_exits = 0
    for n in STORM_NAMES:
        cur = None
        for e in seq[n]:
            assert e[0] != "other", "%s: unexpected line %r" % (n, e[1])
            if e[0] == "spawn":
                assert cur is None, "%s: spawned pid %d while pid %d had " \
                    "not exited" % (n, e[1], cur)
                cur = e[1]
                spawned_pids.append(cur)
                total_spawns += 1
            elif e[0] == "success":
                assert cur is not None, "%s: success without a spawn" % n
            else:
                assert cur is not None, "%s: exit without a spawn" % n
                code, expected = e[1], e[2]
                assert cur in runs, "%s: pid %d never ran" % (n, cur)
                assert runs[cur] == code, "%s: pid %d chose status %d, " \
                    "logged %d" % (n, cur, runs[cur], code)
                assert expected == (code == 0), (n, cur, code, expected)
                cur = None
                total_exits += 1
        assert cur is None, "%s: pid %d never exited" % (n, cur)
        ev = [e for e in seq[n] if e[0] in ("spawn", "exit")]
        for e in ev[:-1]:
            assert e != ("exit", 0, True), "%s restarted after an " \
                "expected exit" % n
    assert len(spawned_pids) == len(set(spawned_pids)), "a pid was " \
        "spawned twice"
    assert set(spawned_pids) == set(runs), "spawned pids %d, runs %d" % (
        len(set(spawned_pids)), len(runs))
    assert total_spawns == total_exits, (total_spawns, total_exits)
    ctx.vars["storm_spawns"] = total_spawns


def storm_zombies_bounded(ctx):
    assert ctx.vars["zombie_max_age"] <= 2.0, ctx.vars["zombie_max_age"]


def storm_zombies_under_1s(ctx):
    """G2: no zombie child of the agent older than 1 s."""
    assert ctx.vars["zombie_max_age"] <= 1.0, ctx.vars["zombie_max_age"]


def storm_idle(ctx):
    assert ctx.vars["idle_cpu"] < 0.10, "%.1f%% CPU after settling" % (
        100 * ctx.vars["idle_cpu"])


def storm_outcome(ctx):
    return ("%d spawns (%d by the end of the %.0f s storm), longest-lived "
            "zombie %.3f s (%d samples), 2000 SIGCHLDs sent in %.3f s, CPU "
            "after settling %.1f%%" % (
                ctx.vars.get("storm_spawns", -1),
                ctx.vars["spawns_during_storm"], STORM_SECS,
                ctx.vars["zombie_max_age"], ctx.vars["zombie_samples"],
                ctx.vars["chld_secs"], 100 * ctx.vars["idle_cpu"]))


# ---------------------------------------------------------------------------
# C7 fd leaks over reloads, log reopens and restarts

FD_RELOADS = 30
FD_RELOADS_REF = 3      # 4.2.5 needs over 1 s for each (its first spawn
                        # after a start waits for a 1 s poll timeout)
FD_REOPENS = 30
FD_CRASHES = 50
CRASH_CMD = ("/bin/sh -c '[ -e {tmp}/crash ] || exit 0; "
             "n=$(cat {tmp}/count 2>/dev/null || echo 0); "
             "echo $((n+1)) > {tmp}/count; [ $n -ge %d ] && exit 0; exit 1'"
             % FD_CRASHES)


def steady(ctx):
    """Since the last start: a is RUNNING and crash has exited 0."""
    recs = after_last_start(ctx)
    return any(r.msg.startswith("success: a ") for r in recs) and \
        any(r.msg.startswith("success: tick ") for r in recs) and \
        any(r.msg == "exited: crash (exit status 0; expected)"
            for r in recs) and len(live_with(ctx, "--hello fd-a")) == 1


def ticker_running(ctx):
    recs = after_last_start(ctx)
    pids = [int(m.group(1)) for m in (re.match(
        r"spawned: 'tick' with pid (\d+)", r.msg) for r in recs) if m]
    return pids and "--tick 20" in cmdline(pids[-1])


def fd_baseline(ctx):
    ctx.vars["fd_base"] = fd_table(ctx.run.main_pid)


def reload_cycles(ctx):
    t0 = time.monotonic()
    n0 = len(started_lines(ctx))
    ctx.vars["reloads"] = FD_RELOADS_REF if ctx.is_ref else FD_RELOADS
    for i in range(ctx.vars["reloads"]):
        ctx.run.signal(signal.SIGHUP)
        ctx.run.wait_log(r"^supervisord started with pid ", 20,
                         count=n0 + i + 1)
        # 4.2.5 loses a SIGTERM that reaches a child between fork and exec
        # (the child still has Python's handler), and then waits
        # stopwaitsecs: let the ticker exec before the next reload.
        H.wait_until(lambda: ticker_running(ctx), 20, interval=0.02,
                     what="the ticker to run again")
    ctx.vars["reload_secs"] = time.monotonic() - t0


def reopen_cycles(ctx):
    t0 = time.monotonic()
    for i in range(FD_REOPENS):
        ctx.run.signal(signal.SIGUSR2)
        ctx.run.wait_log(r"^received SIGUSR2 indicating log reopen", 20,
                         count=i + 1)
    ctx.vars["reopen_secs"] = time.monotonic() - t0


def crash_cycles(ctx):
    t0 = time.monotonic()
    (ctx.run.tmp / "crash").touch()
    n0 = len(started_lines(ctx))
    ctx.run.signal(signal.SIGHUP)
    ctx.run.wait_log(r"^supervisord started with pid ", 20, count=n0 + 1)
    H.wait_until(lambda: steady(ctx), 60, what="50 crashes, then exit 0")
    ctx.vars["crash_secs"] = time.monotonic() - t0
    count = int((ctx.run.tmp / "count").read_text())
    assert count == FD_CRASHES + 1, count
    crashes = [r for r in after_last_start(ctx)
               if r.msg == "exited: crash (exit status 1; not expected)"]
    assert len(crashes) == FD_CRASHES, len(crashes)


def fd_final(ctx):
    """Poll a little: a descriptor may be in flight right after an exit."""
    base = ctx.vars["fd_base"]

    def same():
        ctx.vars["fd_end"] = fd_table(ctx.run.main_pid)
        return len(ctx.vars["fd_end"]) == len(base)
    try:
        H.wait_until(same, 3, what="fd count back to baseline")
    except H.HarnessError:
        pass


def _fd_diff(ctx):
    def norm(t):
        t = t.replace(str(ctx.run.tmp), "<TMP>")
        t = re.sub(r"(pipe|socket|anon_inode:\[?\w+\]?):?\[\d+\]", r"\1",
                   t)
        return re.sub(r"---(\w+)-[A-Za-z0-9_]{8}\.log", r"---\1-<RAND>.log",
                      t)
    a = collections.Counter(norm(x) for x in ctx.vars["fd_base"].values())
    b = collections.Counter(norm(x) for x in ctx.vars["fd_end"].values())
    return dict(b - a), dict(a - b)


def fds_back_to_baseline(ctx):
    """C7/G4: the fd count ends equal to the baseline."""
    base, end = ctx.vars["fd_base"], ctx.vars["fd_end"]
    more, fewer = _fd_diff(ctx)
    assert len(end) == len(base), "%d fds at the end, %d at the start; " \
        "extra %s, missing %s" % (len(end), len(base), more, fewer)


def no_deleted_fds(ctx):
    """C7: no descriptor of a deleted file."""
    dead = sorted(t.replace(str(ctx.run.tmp), "<TMP>")
                  for t in ctx.vars["fd_end"].values()
                  if t.endswith(" (deleted)"))
    assert not dead, "%d deleted files held open: %s" % (len(dead), dead[:6])


def fd_outcome(ctx):
    more, fewer = _fd_diff(ctx)
    dead = sum(1 for t in ctx.vars["fd_end"].values()
               if t.endswith(" (deleted)"))
    return ("fds: %d at baseline, %d at the end (extra %s, missing %s), "
            "%d '(deleted)'; %d reloads took %.1f s, %d reopens %.1f s, "
            "%d crashes %.1f s" % (
                len(ctx.vars["fd_base"]), len(ctx.vars["fd_end"]), more,
                fewer, dead, ctx.vars["reloads"], ctx.vars["reload_secs"],
                FD_REOPENS,
                ctx.vars["reopen_secs"], FD_CRASHES,
                ctx.vars["crash_secs"]))


def daemon_alive(ctx):
    assert ctx.run.alive(), "daemon died\n" + ctx.run.describe()


# ---------------------------------------------------------------------------
# C12 reload storms

def hup_storm(ctx):
    """20 SIGHUPs, 100 ms apart (1.9 s in all)."""
    ctx.vars["daemon_pid"] = ctx.run.main_pid
    for i in range(20):
        if i:
            time.sleep(0.1)
        ctx.run.signal(signal.SIGHUP)
    ctx.vars["last_hup"] = time.monotonic()


def storm_over(ctx):
    """2 s after the last SIGHUP: since the last start, a and b are
    RUNNING."""
    if time.monotonic() - ctx.vars["last_hup"] < 2.0:
        return False
    recs = after_last_start(ctx)
    return all(any(r.msg.startswith("success: %s " % n) for r in recs)
               for n in ("a", "b"))


def snapshot_storm(ctx):
    ctx.vars["starts"] = len(started_lines(ctx))
    ctx.vars["copies"] = {n: live_with(ctx, "--hello prog-%s" % n)
                          for n in ("a", "b")}


def one_copy_each_running(ctx):
    assert len(started_lines(ctx, ctx.recs)) == ctx.vars["starts"], \
        "another reload came after the storm settled"
    copies = ctx.vars["copies"]
    assert all(len(v) == 1 for v in copies.values()), copies
    pids = {int(m.group(1)) for m in (re.match(
        r"supervisord started with pid (\d+)", r.msg) for r in ctx.recs) if m}
    assert pids == {ctx.vars["daemon_pid"]}, pids


def no_sigkill_needed(ctx):
    """Every child stopped by a reload dies of its SIGTERM, even one
    spawned just before (4.2.5 can signal a child between fork and exec,
    where the SIGTERM is lost, and SIGKILLs it stopwaitsecs later)."""
    kills = [r.msg for r in ctx.recs if r.msg.startswith("killing ")]
    assert not kills, kills


def reload_count(ctx):
    return "20 SIGHUPs in 1.9 s gave %d 'received SIGHUP' lines, %d " \
        "starts and %d SIGKILLs" % (
            len(ctx.run.find(r"^received SIGHUP", ctx.recs)),
            len(started_lines(ctx, ctx.recs)),
            len(ctx.run.find(r"^killing ", ctx.recs)))


def one_start(ctx):
    assert len(started_lines(ctx, ctx.recs)) == 1, "restarted"
    assert len(ctx.run.spawned("slow")) == 1
    assert not live_with(ctx, "fvt-exit"), "a child outlived the daemon"


# Ticking (output every 50 ms) keeps 4.2.5's poll loop turning, so it
# handles a signal within 50 ms rather than at its next 1 s tick.
SLOW = {"command": "{exit} --sleep inf --on TERM:ignore --tick 50",
        "stdout_logfile": "NONE", "stopwaitsecs": 2}


# ---------------------------------------------------------------------------
# Clock jumps (G8), under libfaketime

def write_faketime(ctx, spec):
    # Written whole, then renamed: libfaketime rereads it on every call.
    tmp = ctx.run.tmp / "faketime.new"
    tmp.write_text(spec + "\n")
    os.rename(tmp, ctx.run.tmp / "faketime")
    ctx.vars.setdefault("clock_steps", []).append((spec, boottime()))


def b_times(ctx):
    """Boot times at which each run of b started (from /proc/uptime)."""
    try:
        txt = (ctx.run.tmp / "b-times").read_text()
    except OSError:
        return []
    return [float(x.split()[0]) for x in txt.splitlines() if x.strip()]


def record_a_spawn(ctx):
    rec = ctx.run.wait_log(r"^spawned: 'a' ", 15)[0]
    ctx.vars["a_pid"] = int(re.search(r"pid (\d+)", rec.msg).group(1))
    ctx.vars["a_start"] = start_time(ctx.vars["a_pid"])


def step_forward_after_spawn(ctx):
    record_a_spawn(ctx)
    write_faketime(ctx, "+1d")                  # forward by two days


def step_back_in_backoff(ctx):
    H.wait_until(lambda: len(b_times(ctx)) >= 2 and
                 len(ctx.run.find(r"^exited: b ")) >= 2, 15,
                 what="b's second exit")
    write_faketime(ctx, "-1d")                  # back by two days


def a_success_time(ctx):
    ctx.run.wait_log(r"^success: a ", 15)
    ctx.vars["a_success"] = boottime()


def a_got_sigterm(ctx):
    logs = ctx.run.child_logs("a", "stdout")
    return logs and b"got SIGTERM" in logs[0].read_bytes()


def term_then_step(spec):
    """SIGTERM the daemon; once a has got its SIGTERM (a logs it), step
    the clock; wait for the SIGKILL."""
    def fn(ctx):
        ctx.run.signal(signal.SIGTERM)
        H.wait_until(lambda: a_got_sigterm(ctx), 10, interval=0.02,
                     what="a to get SIGTERM")
        ctx.vars["term_at"] = boottime()
        if spec:
            write_faketime(ctx, spec)
        ctx.run.wait_log(r"^killing 'a' ", 15)
        ctx.vars["kill_at"] = boottime()
    fn.__name__ = "sigterm_then_step_%s" % (spec or "none")
    return fn


def startsecs_held(ctx):
    """a is RUNNING startsecs (2 s) after its fork, not earlier, not much
    later (+0.5 s for the observer, +1.3 s for 4.2.5's 1 s loop)."""
    d = ctx.vars["a_success"] - ctx.vars["a_start"]
    assert 1.9 <= d <= 3.3, "success %.3f s after the spawn" % d


def startsecs_not_late(ctx):
    d = ctx.vars["a_success"] - ctx.vars["a_start"]
    assert d <= 3.3, "success %.3f s after the spawn" % d


def stopwait_not_late(ctx):
    d = ctx.vars["kill_at"] - ctx.vars["term_at"]
    assert d <= 3.3, "SIGKILL %.3f s after SIGTERM" % d


def startsecs_exact(ctx):
    d = ctx.vars["a_success"] - ctx.vars["a_start"]
    assert 1.9 <= d <= 2.5, "success %.3f s after the spawn" % d


def stopwait_held(ctx):
    d = ctx.vars["kill_at"] - ctx.vars["term_at"]
    assert 1.9 <= d <= 3.3, "SIGKILL %.3f s after SIGTERM" % d


def stopwait_exact(ctx):
    d = ctx.vars["kill_at"] - ctx.vars["term_at"]
    assert 1.9 <= d <= 2.5, "SIGKILL %.3f s after SIGTERM" % d


def offset_days(spec):
    return int(spec.rstrip("d"))      # "+1d", "-1d"


def steps_back(ctx):
    """Boot times of the clock steps that moved the clock back."""
    prev = offset_days(ctx.vars.get("faketime0", "+0d"))
    out = []
    for spec, at in ctx.vars.get("clock_steps", []):
        if offset_days(spec) < prev:
            out.append(at)
        prev = offset_days(spec)
    return out


def backoff_not_late(ctx):
    """b is retried (no hang): each start comes at most 3.3 s (2 s of
    backoff, +1.3 s for 4.2.5's 1 s loop) after the previous one.  When the
    clock stepped back in between, 4.2.5 rightly starts the backoff over
    when it notices the step (at its next 1 s tick), so the 3.3 s count
    from the step; the step itself is written as soon as the test has seen
    b's exit logged, which must be at most 1.5 s (the 1 s loop, +0.5 s for
    the observer) after the start."""
    t = b_times(ctx)
    backs = steps_back(ctx)
    gaps, late = [], []
    for x, y in zip(t, t[1:]):
        inside = [at for at in backs if x < at < y]
        if inside:
            at = inside[-1]
            gaps.append("%.2f (clock back after %.2f)" % (y - x, at - x))
            if at - x > 1.5 or y - at > 3.3:
                late.append(gaps[-1])
        else:
            gaps.append("%.2f" % (y - x))
            if y - x > 3.3:
                late.append(gaps[-1])
    assert len(t) >= 3 and not late, "b: %d starts, gaps %s; late: %s" % (
        len(t), gaps, late)


def backoff_exact(ctx):
    t = b_times(ctx)
    gaps = [t[1] - t[0], t[2] - t[1]] if len(t) == 3 else t
    assert len(t) == 3 and 0.9 <= gaps[0] <= 1.4 and \
        1.9 <= gaps[1] <= 2.4, "b: %d starts, gaps %s" % (len(t), gaps)


def clock_outcome(ctx):
    t = b_times(ctx)
    return ("a RUNNING %.3f s after its spawn; SIGKILL %.3f s after "
            "SIGTERM; b started %d times, gaps %s; clock steps %s" % (
                ctx.vars["a_success"] - ctx.vars["a_start"],
                ctx.vars["kill_at"] - ctx.vars["term_at"], len(t),
                ["%.2f" % (y - x) for x, y in zip(t, t[1:])],
                [s for s, _ in ctx.vars.get("clock_steps", [])]))


# The children run on the real clock: libfaketime is for the daemon only
# (and an ASan-built fvt-exit hangs at startup under it).
NO_PRELOAD = 'LD_PRELOAD=""'
CLOCK_SECTIONS = {
    "program:a": {"command": "{exit} --sleep inf --on TERM:log",
                  "startsecs": 2, "stopwaitsecs": 2,
                  "environment": NO_PRELOAD},
    "program:b": {"command": "/bin/sh -c 'cat /proc/uptime >> {tmp}/b-times;"
                             " exit 1'",
                  "startsecs": 2, "startretries": 2,
                  "environment": NO_PRELOAD},
}
A_LINES = [
    "INFO spawned: 'a' with pid <PID>",
    "INFO success: a entered RUNNING state, process has stayed up for > "
    "than 2 seconds (startsecs)",
    "WARN killing 'a' (<PID>) with SIGKILL",
    "WARN stopped: a (terminated by SIGKILL)",
]
B_LINES = ["INFO spawned: 'b' with pid <PID>",
           "WARN exited: b (exit status 1; not expected)"] * 3 + [
    "INFO gave up: b entered FATAL state, too many start retries too "
    "quickly"]


def b_lines_exact(ctx):
    got = [x for x in ctx.transcript if H.subject_of(x) == "b"]
    assert got == B_LINES, got


def init_faketime(spec):
    def fn(ctx):
        (ctx.run.tmp / "faketime").write_text(spec + "\n")
        ctx.vars["faketime0"] = spec
    fn.__name__ = "init_faketime"
    return fn


# ---------------------------------------------------------------------------

SCENARIOS = [
    Scenario(
        "logdir_unwritable",
        "[supervisord] user=nobody; a's stdout_logfile is in a root-owned "
        "0755 directory: every start fails before the fork (spawnerr "
        "EACCES), then FATAL; b (AUTO logs in a directory nobody owns) "
        "runs as nobody.",
        needs_root=True, setup=nobody_sandbox,
        supervisord=NOBODY_SUP,
        sections={
            "program:a": {"command": "{exit} --sleep inf",
                          "stdout_logfile": "{tmp}/rootonly/a.log",
                          "startretries": 1},
            "program:b": {"command": "{exit} --sleep inf"},
        },
        steps=[WaitLog(r"^gave up: a ", 15), WaitLog(r"^success: b ", 15),
               Call(remember_b_uid)],
        expect=["INFO Set uid to user 65534 succeeded",
                "INFO supervisord started with pid <PID>",
                EACCES_LINE, EACCES_LINE, GAVE_UP_A],
        expect_exact={"a": [GAVE_UP_A]},
        checks=[dispatcher_errors, b_runs_as_nobody],
    ),
    Scenario(
        "childlogdir_unwritable",
        "[supervisord] user=nobody and a childlogdir nobody cannot write "
        "(AUTO logs): the daemon does not start.  4.2.5 dies of a "
        "PermissionError traceback (status 1); ours refuses with a clear "
        "error naming the directory (status 2).",
        needs_root=True, setup=nobody_sandbox,
        supervisord=dict(NOBODY_SUP, childlogdir="{tmp}/rootonly"),
        sections={"program:a": {"command": "{exit} --sleep inf"}},
        steps=[WaitExit(15)],
        shutdown=False, expect_rc=None,
        expect=["INFO Set uid to user 65534 succeeded"],
        compare_ignore=[r"could not create"],
        checks=[refused_to_start],
        ours_only=[clear_error_naming_dir],
        record=[startup_failure],
    ),
    Scenario(
        "sigchld_storm",
        "C9: numprocs=100 programs that exit after 0-999 ms with a random "
        "status (autorestart=unexpected, startsecs=0) for 5 s, with 2000 "
        "SIGCHLDs sent to the daemon meanwhile; then every run exits 0.  "
        "Each exit is logged once for the pid that made it, with its "
        "status; zombies are short-lived; the daemon goes idle.",
        sections={"program:storm": {
            "command": STORM_CMD, "numprocs": STORM_N,
            "process_name": "%(program_name)s_%(process_num)03d",
            "autorestart": "unexpected", "startsecs": 0,
            "stdout_logfile": "NONE", "stderr_logfile": "NONE"}},
        steps=[WaitLog(r"^spawned: 'storm_%03d' " % (STORM_N - 1), 30),
               Call(storm),
               WaitUntil(storm_settled, 60, what="every storm process "
                         "EXITED with status 0"),
               Call(cpu_idle)],
        compare=False, slow_ref=True,   # 4.2.5 only adds notes: 10 s
        checks=[exits_match_spawns, storm_zombies_bounded, storm_idle],
        ours_only=[storm_zombies_under_1s],
        record=[storm_outcome],
    ),
    Scenario(
        "fd_leaks",
        "C7: after 30 SIGHUP reloads (3 for 4.2.5), 30 SIGUSR2 reopens "
        "and a program crashing and restarting 50 times, the daemon holds "
        "as many fds as at the start, and none of a deleted file.",
        sections={
            "program:a": {"command": "{exit} --sleep inf --hello fd-a"},
            "program:crash": {"command": CRASH_CMD, "startsecs": 0,
                              "autorestart": "unexpected"},
            # Output every 20 ms wakes 4.2.5's poll loop, so it handles
            # signals and exits at once instead of at its 1 s tick.
            # Started first, stopped last.
            "program:tick": {"command": "{exit} --sleep inf --tick 20",
                             "stdout_logfile": "NONE", "priority": 1},
        },
        steps=[WaitUntil(steady, 20, what="a RUNNING, crash EXITED"),
               Call(fd_baseline), Call(reload_cycles),
               WaitUntil(steady, 20, what="a RUNNING after the reloads"),
               Call(reopen_cycles), Call(crash_cycles), Call(fd_final),
               Call(daemon_alive)],
        compare=False, slow_ref=True,   # 4.2.5 only adds notes: 13 s
        ours_only=[fds_back_to_baseline, no_deleted_fds],
        record=[fd_outcome],
    ),
    Scenario(
        "reload_storm",
        "C12: 20 SIGHUPs within 2 s: no crash, the same daemon ends up "
        "running one copy of each program.",
        # stopwaitsecs bounds 4.2.5's lost SIGTERM (a reload that stops a
        # child between its fork and its exec).
        sections={
            "program:a": {"command": "{exit} --sleep inf --hello prog-a",
                          "stopwaitsecs": 2},
            "program:b": {"command": "{exit} --sleep inf --hello prog-b",
                          "stopwaitsecs": 2},
        },
        steps=[WaitLog(r"^success: ", 15, count=2), Call(hup_storm),
               WaitUntil(storm_over, 60, what="a and b RUNNING after the "
                         "last reload"),
               Sleep(1.0), Call(snapshot_storm)],
        compare=False,
        checks=[one_copy_each_running],
        ours_only=[no_sigkill_needed],
        record=[reload_count],
    ),
    Scenario(
        "sighup_during_shutdown",
        "C12: a SIGHUP while the shutdown waits for a program that ignores "
        "SIGTERM is ignored (logged); the shutdown goes on to SIGKILL and "
        "exit 0.",
        sections={"program:slow": SLOW},
        steps=[WaitLog(r"^success: slow ", 15), Signal("TERM"),
               WaitLog(r"^waiting for slow to die", 10), Signal("HUP"),
               WaitExit(20, rc=0)],
        shutdown=False,
        expect=["WARN received SIGTERM indicating exit request",
                "INFO waiting for slow to die",
                "WARN ignored SIGHUP indicating restart request (shutdown "
                "in progress)",
                "WARN killing 'slow' (<PID>) with SIGKILL",
                "WARN stopped: slow (terminated by SIGKILL)"],
        forbid=[r"received SIGHUP"],
        checks=[one_start],
    ),
    Scenario(
        "sigterm_during_restart",
        "C12: a SIGTERM while a reload waits for a program that ignores "
        "SIGTERM turns the reload into a shutdown: SIGKILL, exit 0, no "
        "restart.",
        sections={"program:slow": SLOW},
        steps=[WaitLog(r"^success: slow ", 15), Signal("HUP"),
               WaitLog(r"^waiting for slow to die", 10), Signal("TERM"),
               WaitExit(20, rc=0)],
        shutdown=False,
        expect=["WARN received SIGHUP indicating restart request",
                "INFO waiting for slow to die",
                "WARN received SIGTERM indicating exit request",
                "WARN killing 'slow' (<PID>) with SIGKILL",
                "WARN stopped: slow (terminated by SIGKILL)"],
        checks=[one_start],
    ),
    Scenario(
        "clock_offset",
        "G8: the whole run a day in the past (libfaketime FAKETIME=-1d, "
        "which shifts CLOCK_MONOTONIC too): startsecs and stopwaitsecs "
        "keep their length.",
        env={"LD_PRELOAD": FAKETIME_LIB, "FAKETIME": "-1d"},
        sections={"program:a": CLOCK_SECTIONS["program:a"]},
        steps=[Call(record_a_spawn), Call(a_success_time),
               Call(term_then_step(None)), WaitExit(15, rc=0)],
        shutdown=False,
        expect_exact={"a": A_LINES},
        checks=[startsecs_held, stopwait_held],
        ours_only=[startsecs_exact, stopwait_exact],
        record=[clock_outcome],
    ),
    Scenario(
        "clock_steps",
        "G8: the wall clock starts a day behind, jumps two days forward "
        "right after the spawns (a in startsecs, b in its first backoff), "
        "two days back in b's second backoff, and two days forward again "
        "while the shutdown waits stopwaitsecs for a.  The timers keep "
        "their length.  libfaketime reads the offset from a file "
        "(FAKETIME_NO_CACHE=1) and leaves CLOCK_MONOTONIC alone, as a "
        "real clock step does.",
        setup=init_faketime("-1d"),
        env={"LD_PRELOAD": FAKETIME_LIB,
             "FAKETIME_TIMESTAMP_FILE": "{tmp}/faketime",
             "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1"},
        sections=CLOCK_SECTIONS,
        steps=[Call(step_forward_after_spawn), Call(step_back_in_backoff),
               Call(a_success_time), WaitLog(r"^gave up: b ", 15),
               Call(term_then_step("+1d")), WaitExit(15, rc=0)],
        shutdown=False,
        compare=False,
        expect_exact={"a": A_LINES},
        checks=[startsecs_not_late, stopwait_not_late, backoff_not_late],
        ours_only=[startsecs_exact, stopwait_exact, backoff_exact,
                   b_lines_exact],
        record=[clock_outcome],
    ),
]


def _scn(name):
    return [s for s in SCENARIOS if s.name == name]


def _clock(scn):
    if not os.path.exists(FAKETIME_LIB):
        pytest.skip("libfaketime is not installed (apt-get install "
                    "libfaketime)")
    execute(scn)


@pytest.mark.parametrize("scn", _scn("logdir_unwritable") +
                         _scn("childlogdir_unwritable"), ids=lambda s: s.name)
def test_logdirs(scn):
    execute(scn)


@pytest.mark.parametrize("scn", _scn("sigchld_storm"), ids=lambda s: s.name)
def test_sigchld(scn):
    execute(scn)


@pytest.mark.parametrize("scn", _scn("fd_leaks"), ids=lambda s: s.name)
def test_fds(scn):
    execute(scn)


@pytest.mark.parametrize("scn", _scn("reload_storm") +
                         _scn("sighup_during_shutdown") +
                         _scn("sigterm_during_restart"),
                         ids=lambda s: s.name)
def test_reloads(scn):
    execute(scn)


@pytest.mark.parametrize("scn", _scn("clock_offset") + _scn("clock_steps"),
                         ids=lambda s: s.name)
def test_clock(scn):
    _clock(scn)
