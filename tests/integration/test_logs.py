"""Child logs: AUTO names, NONE, explicit paths, redirect_stderr, rotation,
/dev/stdout, SIGUSR2 reopen, strip_ansi.

4.2.5 facts (measured): AUTO logs are made when the config is read, for
every process including autostart=false ones, as
childlogdir/NAME-CHANNEL---IDENTIFIER-XXXXXXXX.log (mode 0600); they are
left in place at exit and deleted by the next start (unless nocleanup).
Rotation happens after a write once the file is >= maxbytes, so files
end slightly above maxbytes.  SIGUSR2 logs "received SIGUSR2 indicating
log reopen request" and "supervisord logreopen" (both still into the old
main log), then reopens every log by name.
"""

import os
import re
import stat
from pathlib import Path

import pytest

import fvharness as H
from scenario import Call, Scenario, Signal, WaitLog, WaitUntil, execute

AUTO = r"%s-%s---supervisor-[A-Za-z0-9_]{8}\.log"


def _lines(p):
    return Path(p).read_bytes().decode(errors="replace").splitlines()


def auto_names_and_content(ctx):
    run = ctx.run
    names = sorted(p.name for p in run.logdir.iterdir())
    out = run.child_logs("auto", "stdout")
    err = run.child_logs("auto", "stderr")
    assert len(out) == 1 and re.fullmatch(AUTO % ("auto", "stdout"),
                                          out[0].name), names
    assert len(err) == 1 and re.fullmatch(AUTO % ("auto", "stderr"),
                                          err[0].name), names
    assert _lines(out[0]) == ["out-line"], _lines(out[0])
    assert _lines(err[0]) == ["err-line"], _lines(err[0])
    # NONE: no file at all for that process.
    assert not run.child_logs("none"), names
    # redirect_stderr: one stdout file with both streams, no stderr file.
    r = run.child_logs("redir")
    assert len(r) == 1 and re.fullmatch(AUTO % ("redir", "stdout"),
                                        r[0].name), names
    assert sorted(_lines(r[0])) == ["err-line", "out-line"], _lines(r[0])
    # Explicit paths.
    assert _lines(run.tmp / "explicit.out") == ["out-line"]
    assert _lines(run.tmp / "explicit.err") == ["err-line"]
    assert not run.child_logs("explicit"), names
    # /dev/stdout: the line lands in the daemon's own stdout.
    assert "DEVSTDOUT-LINE" in _lines(run.stdout_path)
    # Nothing else in childlogdir: exactly the AUTO files expected
    # (devout still has an AUTO stderr log).
    want = {("auto", "stdout"), ("auto", "stderr"), ("redir", "stdout"),
            ("devout", "stderr")}
    got = {tuple(re.match(r"(.+)-(stdout|stderr)---", n).groups())
           for n in names}
    assert got == want, names


def auto_mode(ctx):
    modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode))
             for p in ctx.run.logdir.iterdir()}
    return "AUTO log modes %s" % sorted(set(modes.values()))


def auto_logs_after_exit(ctx):
    return "AUTO logs left after shutdown: %d files" % len(
        list(ctx.run.logdir.iterdir()))


def wait_all_content(ctx):
    run = ctx.run

    def ready():
        try:
            return (run.child_logs("auto", "stderr")[0].stat().st_size and
                    run.child_logs("redir")[0].stat().st_size >= 18 and
                    (run.tmp / "explicit.err").stat().st_size and
                    b"DEVSTDOUT" in run.stdout_path.read_bytes())
        except (IndexError, OSError):
            return False
    H.wait_until(ready, 10, what="child output in the logs")


# -- rotation ----------------------------------------------------------------

def _ticks(files):
    out = []
    for f in files:
        for line in _lines(f):
            m = re.match(r"tick (\d+) pid", line)
            if m:
                out.append(int(m.group(1)))
    return out


def _first_tick(path):
    """The first tick in path, or -1; read once, as the file may rotate
    between two reads. -1 too in the instant of a rotation when path was
    renamed and not yet created again."""
    try:
        ticks = _ticks([path])
    except FileNotFoundError:
        return -1
    return ticks[0] if ticks else -1


def _size(path):
    """path's size; 0 in the instant of a rotation (see _first_tick)."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def rotation_files(ctx):
    base = ctx.run.tmp / "rot.log"
    files = H.rotated_files(base)
    names = [f.name for f in files]
    assert names == ["rot.log.3", "rot.log.2", "rot.log.1", "rot.log"], names
    assert not (ctx.run.tmp / "rot.log.4").exists()
    for f in files[:-1]:
        size = f.stat().st_size
        assert 10240 <= size <= 10240 + 65536, (f.name, size)
    ticks = _ticks(files)
    assert ticks == list(range(ticks[0], ticks[0] + len(ticks))), \
        "ticks lost or reordered across rotation: %s" % ticks[:50]
    assert ticks[0] > 0     # the oldest data rotated away


def rotation_sizes(ctx):
    return "backup sizes %s" % [f.stat().st_size for f in H.rotated_files(
        ctx.run.tmp / "rot.log")]


# -- SIGUSR2 ----------------------------------------------------------------

def move_logs(ctx):
    """mv the child log and the main log away.  4.2.5 keeps writing into
    the moved files until SIGUSR2; an implementation may also notice the
    move by itself and reopen by name (RELIABILITY C10).  Either is fine;
    what is recorded is which happened."""
    run = ctx.run
    os.rename(run.tmp / "explicit.out", run.tmp / "explicit.out.moved")
    os.rename(run.mainlog, run.tmp / "main.log.moved")
    run.extra_mainlogs = [run.tmp / "main.log.moved"]
    moved = run.tmp / "explicit.out.moved"
    size = moved.stat().st_size

    def which():
        if (run.tmp / "explicit.out").exists():
            return "reopened by itself"
        if moved.stat().st_size > size + 40:
            return "kept writing the moved file"
        return None
    ctx.vars["after_mv"] = H.wait_until(which, 5, what="writes after mv")


def after_mv(ctx):
    return "after mv, before SIGUSR2, the implementation %s" % (
        ctx.vars["after_mv"])


def reopened(ctx):
    run = ctx.run
    H.wait_until(lambda: (run.tmp / "explicit.out").exists() and
                 len(_ticks([run.tmp / "explicit.out"])) >= 3, 10,
                 what="ticks in the reopened log")
    H.wait_until(lambda: run.mainlog.exists(), 10, what="new main log")


def reopen_lossless(ctx):
    run = ctx.run
    old = _ticks([run.tmp / "explicit.out.moved"])
    new = _ticks([run.tmp / "explicit.out"])
    assert old and new
    both = old + new
    assert both == list(range(both[0], both[0] + len(both))), \
        "ticks lost around the reopen: old ends %s, new starts %s" % (
            old[-3:], new[:3])
    moved = [r.msg for r in H.parse_main_log(
        (run.tmp / "main.log.moved").read_text())]
    new = [r.msg for r in H.parse_main_log(run.mainlog.read_text())]
    assert "received SIGUSR2 indicating log reopen request" in moved + new
    assert "supervisord logreopen" in moved + new
    # Nothing from after the reopen lands in the moved main log.
    assert not any(m.startswith("stopped: explicit") for m in moved)
    assert any(m.startswith("stopped: explicit") for m in new), new


def reopen_line_placement(ctx):
    moved = ctx.run.log_text(ctx.run.tmp / "main.log.moved")
    return "'supervisord logreopen' went to the %s main log" % (
        "old (moved)" if "supervisord logreopen" in moved else "new")


# -- strip_ansi ---------------------------------------------------------------

ANSI_TEXT = "plain \\e[31mred\\e[0m end \\xff\\x00!"


def ansi_stripped(ctx):
    data = (ctx.run.tmp / "ansi.log").read_bytes()
    assert data == b"plain red end \xff\x00!\n", data


def ansi_kept(ctx):
    data = (ctx.run.tmp / "ansi.log").read_bytes()
    assert data == b"plain \x1b[31mred\x1b[0m end \xff\x00!\n", data


SCENARIOS = [
    Scenario(
        "child_log_kinds",
        "AUTO, NONE, explicit, redirect_stderr and /dev/stdout logs.",
        sections={
            "program:auto": {
                "command": "{exit} --sleep inf --hello out-line "
                           "--hello-err err-line"},
            "program:none": {
                "command": "{exit} --sleep inf --hello out-line "
                           "--hello-err err-line",
                "stdout_logfile": "NONE", "stderr_logfile": "NONE"},
            "program:explicit": {
                "command": "{exit} --sleep inf --hello out-line "
                           "--hello-err err-line",
                "stdout_logfile": "{tmp}/explicit.out",
                "stderr_logfile": "{tmp}/explicit.err"},
            "program:redir": {
                "command": "{exit} --sleep inf --hello out-line "
                           "--hello-err err-line",
                "redirect_stderr": True},
            "program:devout": {
                "command": "{exit} --sleep inf --hello DEVSTDOUT-LINE",
                "stdout_logfile": "/dev/stdout",
                "stdout_logfile_maxbytes": 0},
        },
        steps=[WaitLog(r"^success: ", 15, count=5), Call(wait_all_content)],
        checks=[auto_names_and_content],
        record=[auto_mode, auto_logs_after_exit],
    ),
    Scenario(
        "rotation_backups",
        "stdout_logfile_maxbytes=10KB, backups=3: rot.log.1..3 exist, no "
        ".4, and the tick stream is contiguous across the files.",
        sections={"program:rot": {
            "command": "{exit} --sleep inf --tick 5 --tick-bytes 1000",
            "stdout_logfile": "{tmp}/rot.log",
            "stdout_logfile_maxbytes": "10KB",
            "stdout_logfile_backups": 3}},
        steps=[WaitLog(r"^success: rot ", 15),
               WaitUntil(lambda ctx: (ctx.run.tmp / "rot.log.3").exists() and
                         _size(ctx.run.tmp / "rot.log") > 0, 20,
                         what="rot.log.3"),
               # A few more rotations, so .4 would have appeared.
               WaitUntil(lambda ctx: _first_tick(ctx.run.tmp / "rot.log")
                         > 90, 20, what="more rotations")],
        checks=[rotation_files],
        record=[rotation_sizes],
    ),
    Scenario(
        "sigusr2_reopen",
        "After mv of a child log and of the main log, 4.2.5 writes into "
        "the moved files until SIGUSR2, then reopens both by name; no tick "
        "is lost across the two files.",
        sections={"program:explicit": {
            "command": "{exit} --sleep inf --tick 50",
            "stdout_logfile": "{tmp}/explicit.out"}},
        steps=[WaitLog(r"^success: explicit ", 15), Call(move_logs),
               Signal("USR2"),
               WaitLog(r"^supervisord logreopen", 10), Call(reopened)],
        expect=["INFO received SIGUSR2 indicating log reopen request",
                "INFO supervisord logreopen"],
        checks=[reopen_lossless],
        record=[after_mv, reopen_line_placement],
        # Noticing the move by itself (and saying so) is allowed.
        compare_ignore=[r"(?i)\bmoved\b|replaced"],
    ),
    Scenario(
        "strip_ansi_on",
        "[supervisord] strip_ansi=true removes ANSI escapes from child "
        "logs; other bytes (0xff, NUL) are kept.",
        supervisord={"strip_ansi": True},
        sections={"program:ansi": {
            "command": "{exit} --sleep inf --hello '%s'" % ANSI_TEXT,
            "stdout_logfile": "{tmp}/ansi.log"}},
        steps=[WaitLog(r"^success: ansi ", 15),
               WaitUntil(lambda ctx: (ctx.run.tmp / "ansi.log").exists() and
                         (ctx.run.tmp / "ansi.log").read_bytes().endswith(
                             b"\n"), 10, what="ansi.log")],
        checks=[ansi_stripped],
    ),
    Scenario(
        "strip_ansi_off",
        "By default child output is logged byte for byte.",
        sections={"program:ansi": {
            "command": "{exit} --sleep inf --hello '%s'" % ANSI_TEXT,
            "stdout_logfile": "{tmp}/ansi.log"}},
        steps=[WaitLog(r"^success: ansi ", 15),
               WaitUntil(lambda ctx: (ctx.run.tmp / "ansi.log").exists() and
                         (ctx.run.tmp / "ansi.log").read_bytes().endswith(
                             b"\n"), 10, what="ansi.log")],
        checks=[ansi_kept],
    ),
]


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_logs(scn):
    execute(scn)
