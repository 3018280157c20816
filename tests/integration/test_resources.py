"""Resource exhaustion: a full disk under a child log, and a file
descriptor limit that makes some spawns fail.

4.2.5 facts (measured): on ENOSPC it prints a Python traceback to its
stderr for every failed write (hundreds per second), logs nothing in the
main log, keeps reading the child (which is not blocked) and drops the
output; when space comes back, writing resumes (the gap is silent).  When
pipe() fails with EMFILE it logs "spawnerr: too many open files to spawn
'NAME'" and the program goes BACKOFF, then FATAL.  As root it raises a
nofile limit below minfds to minfds ("Increased RLIMIT_NOFILE limit to
1024").
"""

import os
import re
import time
from pathlib import Path

import pytest

import fvharness as H
from scenario import Call, Scenario, Sleep, WaitLog, WaitUntil, execute


# -- disk full -------------------------------------------------------------

def mount_small_fs(ctx):
    full = ctx.run.mount_tmpfs(ctx.run.tmp / "full", "256k")
    (full / "filler").write_bytes(b"f" * (128 * 1024))


def _ticks(path):
    try:
        data = Path(path).read_bytes()
    except OSError:
        return []
    return [int(x) for x in re.findall(rb"tick (\d+) pid", data)]


def fs_full(ctx):
    st = os.statvfs(ctx.run.tmp / "full")
    if st.f_bavail > 0:
        return False
    ctx.vars["full_at"] = time.time()
    ctx.vars["last_before"] = max(_ticks(ctx.run.tmp / "full/chatty.log"))
    ctx.vars["other_before"] = len(_ticks(ctx.run.tmp / "other.log"))
    return True


def still_alive(ctx):
    assert ctx.run.alive(), "daemon died on ENOSPC"
    pid = ctx.run.spawned("chatty")[0]
    assert H.pid_alive(pid), "chatty died"
    ctx.vars["chatty_spawned_at"] = [
        r.ts for r in ctx.run.records()
        if r.msg.startswith("spawned: 'chatty'")][0]
    assert len(_ticks(ctx.run.tmp / "other.log")) > \
        ctx.vars["other_before"], "other program's log stalled"
    ctx.vars["stderr_lines_while_full"] = len(
        ctx.run.log_text(ctx.run.stderr_path).splitlines())


def free_space(ctx):
    ctx.vars["freed_at"] = time.time()
    os.unlink(ctx.run.tmp / "full/filler")


def output_resumes(ctx):
    """Later output shows up, and it is current: the child kept ticking
    (100/s) while the disk was full instead of blocking."""
    def current():
        ticks = _ticks(ctx.run.tmp / "full/chatty.log")
        after = [t for t in ticks if t > ctx.vars["last_before"]]
        if not after:
            return False
        expected = (time.time() - ctx.vars["chatty_spawned_at"]) / 0.010
        ctx.vars["resumed"] = (after[0], max(after), expected)
        return max(after) >= expected - 100
    H.wait_until(current, 10, what="current ticks after space was freed")


def child_not_blocked(ctx):
    """No tick line was made late: a child blocked on a full pipe would
    make its overdue ticks late once it could write again."""
    data = (ctx.run.tmp / "full/chatty.log").read_bytes()
    late = [(int(n), int(ms)) for n, ms in
            re.findall(rb"tick (\d+) pid \d+ late (\d+)", data)]
    assert late, "no tick lines"
    worst = max(late, key=lambda x: x[1])
    assert worst[1] <= 300, "tick %d was made %d ms late: the child was " \
        "blocked" % worst


LOSS_RX = re.compile(r"(?i)(chatty.*(no space|enospc|drop|lost))|"
                     r"((no space|enospc|drop|lost).*chatty)")


def loss_reported_in_main_log(ctx):
    """G5/C10: the loss is reported in the main log."""
    assert any(LOSS_RX.search(r.msg) for r in ctx.recs), \
        "no main-log line reports the dropped output"


def loss_marked_in_child_log(ctx):
    """C10: when writing resumes, a marker line says how much was lost."""
    data = (ctx.run.tmp / "full/chatty.log").read_bytes()
    assert re.search(rb"\d+ bytes dropped", data), "no 'N bytes dropped'"


def no_error_flood(ctx):
    """C10: one warning per N seconds, not a traceback per write."""
    n = ctx.vars["stderr_lines_while_full"]
    assert n < 50, "%d lines on the daemon's stderr while full" % n


def full_disk_outcome(ctx):
    ticks = sorted(set(_ticks(ctx.run.tmp / "full/chatty.log")))
    missing = (ticks[-1] - ticks[0] + 1 - len(ticks)) if ticks else 0
    return ("daemon stderr had %d lines after ~2 s of ENOSPC; main-log "
            "lines about it: %d; %d tick lines missing from the log" % (
                ctx.vars["stderr_lines_while_full"],
                len([r for r in ctx.recs if LOSS_RX.search(r.msg)]),
                missing))


# -- fd limit ----------------------------------------------------------------

NPROG = 16


def all_resolved(ctx):
    recs = ctx.run.records()
    done = set()
    for r in recs:
        m = re.match(r"(success|gave up): (p\d+) ", r.msg)
        if m:
            done.add(m.group(2))
    return len(done) == NPROG


def emfile_spawnerrs(ctx):
    ok = {m.group(1) for m in (re.match(r"success: (p\d+) ", r.msg)
                               for r in ctx.recs) if m}
    fatal = {m.group(1) for m in (re.match(r"gave up: (p\d+) ", r.msg)
                                  for r in ctx.recs) if m}
    assert ok and fatal, (ok, fatal)
    assert not ok & fatal
    for name in fatal:
        line = "INFO spawnerr: too many open files to spawn '%s'" % name
        assert line in ctx.transcript, line
    ctx.vars["ok"], ctx.vars["fatal"] = ok, fatal


def fd_outcome(ctx):
    return "%d of %d programs started under nofile=30; daemon had %s fds " \
        "open at the end" % (len(ctx.vars["ok"]), NPROG,
                             ctx.vars.get("fds", "?"))


def count_fds(ctx):
    ctx.vars["fds"] = len(os.listdir("/proc/%d/fd" % ctx.run.main_pid))


def read_limit(ctx):
    with open("/proc/%d/limits" % ctx.run.main_pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                soft, hard = line.split()[3:5]
                ctx.vars["limit"] = (int(soft), int(hard))


def can_raise_hard_limit():
    """Whether this machine lets root raise a hard RLIMIT_NOFILE (some
    sandboxes refuse even with CAP_SYS_RESOURCE)."""
    import subprocess
    p = subprocess.run(
        ["prlimit", "--nofile=30:30", "--", "/usr/bin/python3", "-c",
         "import resource as r; r.setrlimit(r.RLIMIT_NOFILE, (1024, 1024))"],
        capture_output=True)
    return p.returncode == 0


def hard_limit_outcome(ctx):
    """With hard=30 < minfds=1024: raised if the machine allows it, else
    refused with exit status 2."""
    run = ctx.run
    if can_raise_hard_limit():
        ctx.vars["mode"] = "raised"
        run.wait_log(r"^success: ", 15, count=4)
        read_limit(ctx)
        assert ctx.vars["limit"] == (1024, 1024), ctx.vars["limit"]
        assert run.find(r"^Increased RLIMIT_NOFILE limit to 1024$")
        run.stop()
    else:
        ctx.vars["mode"] = "refused"
        rc = run.wait_exit(15)
        assert rc == 2, rc
        err = run.log_text(run.stderr_path).splitlines()
        assert err and err[0].startswith(
            "Error: The minimum number of file descriptors required to run "
            "this process is 1024 as per the \"minfds\" command-line "
            "argument or config file setting."), err
        ctx.vars["message"] = err[0]


def hard_limit_record(ctx):
    return "%s %s" % (ctx.vars["mode"], ctx.vars.get("message", ""))


SCENARIOS = [
    Scenario(
        "disk_full_child_log",
        "A chatty child (100 lines/s) logs to a 256 KiB tmpfs that fills "
        "up.  The daemon and the child keep running, another program's log "
        "keeps flowing, and once space is freed the child's current output "
        "appears again.  4.2.5 drops the output silently (tracebacks on "
        "stderr only); reporting the loss is asserted for ours.",
        needs_root=True, setup=mount_small_fs,
        sections={
            "program:chatty": {
                "command": "{exit} --sleep inf --tick 10 --tick-bytes 1000",
                "stdout_logfile": "{tmp}/full/chatty.log",
                "stdout_logfile_maxbytes": 0},
            "program:other": {
                "command": "{exit} --sleep inf --tick 200",
                "stdout_logfile": "{tmp}/other.log"},
        },
        steps=[WaitLog(r"^success: ", 15, count=2),
               WaitUntil(fs_full, 20, what="the tmpfs to fill"),
               Sleep(2), Call(still_alive), Call(free_space),
               Call(output_resumes)],
        compare=False,
        checks=[child_not_blocked],
        ours_only=[loss_reported_in_main_log, loss_marked_in_child_log,
                   no_error_flood],
        record=[full_disk_outcome],
    ),
    Scenario(
        "fd_limit_spawn",
        "Under prlimit --nofile=30:30 with minfds=30, 16 programs: some "
        "start, the others fail with EMFILE, are logged and end FATAL; the "
        "daemon survives.",
        prefix=("prlimit", "--nofile=30:30", "--"),
        supervisord={"minfds": 30},
        sections={"program:p%02d" % i: {"command": "{exit} --sleep inf",
                                        "startretries": 1}
                  for i in range(NPROG)},
        steps=[WaitUntil(all_resolved, 20, what="all programs RUNNING or "
                         "FATAL"), Call(count_fds)],
        compare=False,
        checks=[emfile_spawnerrs],
        record=[fd_outcome],
    ),
    Scenario(
        "fd_limit_soft_below_minfds",
        "A soft nofile limit below minfds (default 1024) is raised to "
        "minfds (the hard limit allows it) and logged.",
        prefix=("prlimit", "--nofile=30:2048", "--"),
        sections={"program:p%02d" % i: {"command": "{exit} --sleep inf"}
                  for i in range(8)},
        steps=[WaitLog(r"^success: ", 15, count=8), Call(read_limit)],
        expect=["INFO Increased RLIMIT_NOFILE limit to 1024"],
        checks=[lambda ctx: _limit_is(ctx, (1024, 2048))],
    ),
    Scenario(
        "fd_limit_hard_below_minfds",
        "A hard nofile limit below minfds: root raises it where the kernel "
        "allows; where it does not (this sandbox), 4.2.5 exits 2 with "
        "'The minimum number of file descriptors required ...' (which "
        "misreports the current limit as 1024).",
        prefix=("prlimit", "--nofile=30:30", "--"),
        sections={"program:p%02d" % i: {"command": "{exit} --sleep inf"}
                  for i in range(4)},
        steps=[Call(hard_limit_outcome)],
        shutdown=False, expect_rc=None, compare=False,
        record=[hard_limit_record],
    ),
]


def _limit_is(ctx, want):
    assert ctx.vars["limit"] == want, ctx.vars["limit"]


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_resources(scn):
    execute(scn)
