"""supervisorctl compatibility: Debian's real /usr/bin/supervisorctl (4.2.5)
against 4.2.5's daemon and against fleetvisord, command for command.

Each command's exit status, stdout and stderr are recorded after
normalization (pids, uptimes, stop dates, the sandbox path, AUTO log
names) and compared between the implementations (rpcdiff.py does the
recording and the comparison).  Programs: rpcdiff.standard_programs.

What is compared less than exactly, by design:
  version   ours prints its own version: only the exit status
  maintail  the main log's words differ: exit status and byte counts
"""

import fcntl
import os
import pty
import re
import select
import signal
import subprocess
import termios
import time

import fvharness as H
import rpcdiff as R

_CTL_NORM = [
    (re.compile(r"pid \d+, uptime \d+ days?, \d+:\d\d:\d\d"),
     "pid <PID>, uptime <UPTIME>"),
    (re.compile(r"pid \d+, uptime \d+:\d\d:\d\d"),
     "pid <PID>, uptime <UPTIME>"),
    (re.compile(r"[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M"), "<DATE>"),
]


def norm_ctl(text, d):
    for rx, rep in _CTL_NORM:
        text = rx.sub(rep, text)
    pid = d.run.main_pid
    if pid:
        text = re.sub(r"\b%d\b" % pid, "<DAEMONPID>", text)
    text = R.norm_str(text, d.tmp)
    return text


def norm_pids(text):
    """`pid NAME` / `pid all`: child pids become <PID>, 0 stays."""
    return re.sub(r"^[1-9]\d*$", "<PID>", text, flags=re.M)


class Ctl:
    """Runs supervisorctl commands and records them in a Session."""

    def __init__(self, s):
        self.s = s
        self.d = s.d

    def __call__(self, *args, label=None, cmp="eq", norm=None, url=None,
                 expect_rc=None, stdin=None):
        rc, out, err = R.ctl(self.d, *args, url=url, stdin=stdin)
        nout, nerr = norm_ctl(out, self.d), norm_ctl(err, self.d)
        if norm:
            nout, nerr = norm(nout), norm(nerr)
        if args and args[0] in ("start", "stop", "restart") and (
                len(args) > 2 or any(a == "all" or a.endswith((":", "*"))
                                     for a in args[1:])):
            # Results of several processes come in the order they finish
            # (timing, even in 4.2.5): compare them as a set.
            nout = "".join(sorted(nout.splitlines(True)))
        self.s.record(label or "supervisorctl " + " ".join(args),
                      ("ok", {"rc": rc, "stdout": nout, "stderr": nerr}),
                      cmp, norm=lambda v: v)
        if expect_rc is not None:
            self.s.check(rc == expect_rc, "supervisorctl %s: exit %s, "
                         "expected %s\n%s%s" % (" ".join(args), rc,
                                                expect_rc, out, err))
        return rc, out, err


def script_ctl(s):
    d = s.d
    ctl = Ctl(s)
    # status.
    ctl("status", expect_rc=3)
    ctl("status", "talker", expect_rc=0)
    ctl("status", "talker", "quick", "grp:ga")
    ctl("status", "grp:*", expect_rc=0)
    ctl("status", "multi:*")
    ctl("status", "nope")
    ctl("status", "grp:nope")
    ctl("status", "talker", "nope")
    ctl("status", "all")
    ctl("-s", "unix://%s" % d.sock, "status", "grp:*",
        label="supervisorctl -s unix://<sock> status grp:*")
    ctl("status", "grp:*", url="http://127.0.0.1:%d" % d.port,
        label="supervisorctl -s http://... status grp:*")
    # pid.
    ctl("pid", expect_rc=0)
    ctl("pid", "talker", norm=norm_pids)
    ctl("pid", "manual")
    ctl("pid", "all", norm=norm_pids)
    ctl("pid", "nope")
    ctl("pid", "grp:*", norm=norm_pids)
    # start / stop / restart.
    ctl("stop", "talker")
    ctl("stop", "talker")
    ctl("status", "talker")
    ctl("start", "talker")
    ctl("start", "talker")
    ctl("restart", "talker")
    ctl("start", "quick")
    d.wait_state("quick", "FATAL")
    ctl("start", "badcmd")
    d.wait_state("badcmd", "FATAL")
    ctl("start", "nope")
    ctl("stop", "nope")
    ctl("restart", "nope")
    ctl("start", "nope", "manual")
    ctl("stop", "manual", "nope")
    ctl("stop", "grp:*")
    ctl("start", "grp:*")
    ctl("restart", "grp:*")
    ctl("stop", "grp:ga", "grp:gb")
    ctl("start", "grp:ga", "grp:gb")
    ctl("stop", "grp:")
    ctl("start", "grp")
    ctl("start")
    ctl("stop")
    ctl("restart")
    ctl("stop", "all")
    ctl("status")
    ctl("start", "all")
    d.wait_states({"quick": "FATAL", "badcmd": "FATAL"})
    ctl("stop", "manual")
    ctl("restart", "all")
    d.wait_states({"quick": "FATAL", "badcmd": "FATAL"})
    ctl("stop", "manual")
    # signal.
    ctl("signal", "USR1", "talker")
    R.wait_text(lambda: R.outcome_of(d.unix().supervisor.
                                     readProcessStdoutLog, "talker", 0, 0),
                lambda o: o[0] == "ok" and "got SIGUSR1" in o[1], 10,
                "got SIGUSR1")
    ctl("signal", "CONT", "grp:*")
    ctl("signal", "CONT", "grp:ga", "multi:*")
    ctl("signal", "NOPE", "talker")
    ctl("signal", "USR1", "nope")
    ctl("signal", "HUP", "manual")
    ctl("signal", "18", "all")
    ctl("signal", "USR1")
    ctl("signal")
    # tail.
    ctl("tail", "talker")
    ctl("tail", "-5", "talker")
    ctl("tail", "-100000", "talker")
    ctl("tail", "talker", "stderr")
    ctl("tail", "-4", "talker", "stderr")
    ctl("tail", "talker", "stdout")
    ctl("tail", "talker", "nope")
    ctl("tail", "merged")
    ctl("tail", "merged", "stderr")
    ctl("tail", "quick")
    ctl("tail", "grp:ga")
    ctl("tail", "nope")
    ctl("tail", "grp:*")
    ctl("tail")
    ctl("tail", "-x", "talker")
    ctl("tail", "talker", "stdout", "extra")
    tail_follow(s)
    # maintail: contents differ by design.
    for args in (("maintail",), ("maintail", "-200"), ("maintail", "-0"),
                 ("maintail", "x")):
        rc, out, err = R.ctl(d, *args)
        s.record("supervisorctl " + " ".join(args),
                 ("ok", {"rc": rc, "stdout": bool(out) if args[-1] != "x"
                         else norm_ctl(out, d),
                         "stderr": norm_ctl(err, d)}), norm=lambda v: v)
        if args[-1] == "-200":
            s.check(len(out.encode()) == 200 + 1 or len(out.encode()) == 200,
                    "maintail -200 printed %d bytes" % len(out.encode()))
    # fg.
    fg_session(s)
    # clear.
    ctl("clear", "talker")
    ctl("tail", "talker", label="tail talker after clear")
    ctl("clear", "grp:*")
    ctl("clear", "nope")
    ctl("clear", "all")
    ctl("clear")
    # avail, version, help.
    ctl("avail")
    ctl("version", cmp="none", expect_rc=0)
    ctl("help")
    for c in ("status", "start", "tail", "fg", "update", "nope"):
        ctl("help", c)
    ctl("nosuchcommand")


def tail_follow(s):
    """`tail -f talker`: the initial tail, then new output as it comes."""
    d = s.d
    argv = [R.SUPERVISORCTL, "-c", str(d.run.conf), "tail", "-f", "talker"]
    p = d.run.start_extra(argv, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)
    buf = b""
    fd = p.stdout.fileno()

    def read_until(pred, timeout):
        nonlocal buf
        deadline = time.monotonic() + timeout
        while not pred(buf) and time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 0.1)
            if r:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                buf += chunk
        return pred(buf)
    try:
        got_initial = read_until(lambda b: b"out-line" in b, 10)
        s.check(got_initial, "tail -f printed no initial tail: %r" % buf)
        d.unix().supervisor.signalProcess("talker", "HUP")
        followed = read_until(lambda b: b"got SIGHUP" in b, 10)
        s.check(followed, "tail -f did not follow new output: %r" % buf)
    finally:
        # What came after the interrupt is the client's own noise (4.2.5's
        # prints a KeyboardInterrupt line, or not, by timing): not kept.
        p.send_signal(signal.SIGINT)
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)
        p.stdout.close()
    text = buf.decode(errors="replace")
    s.record("supervisorctl tail -f talker (then SIGHUP to talker)",
             ("ok", norm_ctl(text, d).replace("\r", "")))


def fg_session(s):
    """`fg cat` on a pty: type a line, see cat's echo, detach with ^C."""
    d = s.d
    for name, text in (("cat", b"hello fg\n"), ("manual", None),
                       ("nope", None)):
        out, rc = run_fg(d, name, text)
        s.record("supervisorctl fg %s (on a pty)" % name,
                 ("ok", {"rc": rc if text is None else "detached",
                         "out": norm_ctl(out, d)}))
        if text is not None:
            s.note("fg %s: exit status after ^C: %s" % (name, rc))
        if name == "cat":
            s.check("hello fg" in out, "fg cat: no echo seen: %r" % out)
    out = R.outcome_of(d.unix().supervisor.readProcessStdoutLog, "cat", 0,
                       0)
    s.record("cat stdout after fg", out)


def run_fg(d, name, text, timeout=10):
    master, slave = pty.openpty()
    attrs = termios.tcgetattr(slave)
    attrs[3] &= ~termios.ECHO           # keep the typed line out of it
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    argv = [R.SUPERVISORCTL, "-c", str(d.run.conf), "fg", name]

    def ctty():
        # ^C must become SIGINT: the pty is the new session's terminal.
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    p = d.run.start_extra(argv, stdin=slave, stdout=slave, stderr=slave,
                          preexec_fn=ctty)
    os.close(slave)
    buf = b""

    def pump(pred, t):
        nonlocal buf
        deadline = time.monotonic() + t
        while not pred(buf) and time.monotonic() < deadline:
            r, _, _ = select.select([master], [], [], 0.1)
            if r:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                buf += chunk
            elif p.poll() is not None:
                break
        return pred(buf)
    try:
        if text is not None:
            pump(lambda b: b"Ctrl-C" in b, timeout)
            os.write(master, text)
            # cat's copy with its newline (the terminal's \r\n): ^C
            # before the newline is shown would cut it off.
            line = text.replace(b"\n", b"\r\n")
            pump(lambda b: line in b.split(b"Ctrl-C", 1)[-1], timeout)
            os.write(master, b"\x03")
            pump(lambda b: b"Exiting foreground" in b, timeout)
            # 4.2.5's client then waits for its output thread, which sits
            # in asyncore's 30 s select: do not wait for that.
            try:
                rc = p.wait(2)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
                rc = "detached"
        else:
            pump(lambda b: p.poll() is not None, timeout)
            try:
                rc = p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                rc = "killed after %ss" % timeout
        pump(lambda b: False, 0.3)
    finally:
        os.close(master)
    text = buf.decode(errors="replace").replace("\r\n", "\n")
    # After the detach, 4.2.5's client may print its output thread's death
    # ("CLOSED Cannot connect, error: <class 'SystemExit'>"), by timing.
    mark = "Exiting foreground\n"
    if mark in text:
        text = text[:text.index(mark) + len(mark)]
    return text, rc


def test_ctl_commands():
    R.run_script("ctl_commands", script_ctl)


# ---------------------------------------------------------------------------
# reread / update / add / remove / reload / shutdown

def reload_programs():
    return {
        "program:keep": {"command": R.LONG, "startsecs": 1},
        "program:chg": {"command": R.LONG, "startsecs": 1},
        "program:rmme": {"command": R.LONG, "startsecs": 1},
        "program:ga": {"command": R.LONG, "startsecs": 1},
        "group:grp": {"programs": "ga"},
    }


def script_ctl_config(s):
    d = s.d
    ctl = Ctl(s)
    d.start(settle={"keep": "RUNNING", "chg": "RUNNING", "rmme": "RUNNING",
                    "ga": "RUNNING"})
    ctl("reread")
    ctl("update")
    ctl("avail")
    progs = reload_programs()
    del progs["program:rmme"]
    progs["program:chg"]["command"] = R.LONG + " --hello changed"
    progs["program:newp"] = {"command": R.LONG, "startsecs": 1}
    progs["program:newoff"] = {"command": R.LONG, "autostart": False}
    progs["program:gb"] = {"command": R.LONG, "startsecs": 1}
    progs["group:grp"] = {"programs": "ga,gb"}
    d.write_config(progs)
    ctl("reread")
    ctl("avail")
    ctl("add", "newp")
    d.wait_state("newp", "RUNNING")
    ctl("add", "newp")
    ctl("add", "nope")
    ctl("add")
    ctl("remove", "rmme")
    ctl("stop", "rmme")
    ctl("remove", "rmme")
    ctl("remove", "rmme")
    ctl("remove", "nope")
    ctl("remove")
    ctl("update", "chg")
    d.wait_state("chg", "RUNNING")
    ctl("update")
    d.wait_states({"ga": "RUNNING", "gb": "RUNNING"})
    ctl("update")
    ctl("status")
    ctl("update", "all")
    ctl("update", "nope")
    # A broken config: reread and update report the error.
    good = d.run.conf.read_text()
    d.run.conf.write_text(good + "\n[program:broken]\nnumprocs=x\n")
    rc, out, err = R.ctl(d, "reread")
    s.record("supervisorctl reread (broken config): rc and prefix",
             ("ok", (rc, out.split(":")[0], err.split(":")[0])))
    rc, out, err = R.ctl(d, "update")
    s.record("supervisorctl update (broken config): rc and prefix",
             ("ok", (rc, out.split(":")[0], err.split(":")[0])))
    d.run.conf.write_text(good)
    # reload: same daemon, fresh children.
    before = {p["name"]: p["pid"]
              for p in d.unix().supervisor.getAllProcessInfo()}
    ctl("reload", expect_rc=0)

    def back():
        try:
            info = d.unix().supervisor.getAllProcessInfo()
        except Exception:         # noqa: BLE001
            return False
        st = {p["name"]: p for p in info}
        return all(p["statename"] == "RUNNING" or p["name"] == "newoff"
                   for p in info) and all(
            st.get(k, {}).get("pid") not in (None, v)
            for k, v in before.items() if v) and info
    H.wait_until(back, 30, interval=0.2, what="daemon back after reload")
    ctl("status", label="status after reload")
    ctl("shutdown", expect_rc=0)
    d.run.wait_exit(30)
    ctl("status", label="status after shutdown")
    ctl("shutdown", label="shutdown after shutdown")
    ctl("-s", "unix:///nonexistent/fv.sock", "status",
        label="status on a missing socket")
    ctl("-s", "http://127.0.0.1:1", "status",
        label="status on a closed port")


def test_ctl_config_reload_shutdown():
    def mk(impl, name):
        return R.Daemon(impl, name, programs=reload_programs())
    R.run_script("ctl_config", script_ctl_config, make_daemon=mk,
                 start=False)


def script_ctl_auth(s):
    """Over TCP with and without credentials."""
    d = s.d
    ctl = Ctl(s)
    url = "http://127.0.0.1:%d" % d.port
    ctl("status", "talker", url=url, label="status over TCP with auth")
    rc, out, err = R.ctl(d, "-s", url, "status", "talker")
    s.record("status over TCP without credentials",
             ("ok", (rc, norm_ctl(out, d).replace(str(d.port), "<PORT>"),
                     norm_ctl(err, d))))
    rc, out, err = R.ctl(d, "-s", url, "-u", R.USER, "-p", "wrong",
                         "status", "talker")
    s.record("status over TCP with a wrong password",
             ("ok", (rc, norm_ctl(out, d).replace(str(d.port), "<PORT>"),
                     norm_ctl(err, d))))


def test_ctl_auth():
    R.run_script("ctl_auth", script_ctl_auth)
