"""ctldiff: fleetvisorctl against Debian's supervisorctl, command for command.

Both clients run the same scripted session against the same kind of
daemon (each implementation of fvharness.implementations in turn), and
what they print is compared entry by entry: exit status, stdout and
stderr of one-shot commands; the text between two prompts in the
interactive shell (under a pty); what streaming commands print before and
after the interrupt.  Recording and comparison are rpcdiff's (Session,
compare); normalization is test_ctl_compat's norm_ctl (pids, uptimes,
stop dates, the daemon's pid, the sandbox path, AUTO log names) plus the
client's own path and the daemon's TCP port.

Two ways to run a script (run_pair):
  shared=True   one daemon; the script runs with supervisorctl, then with
                fleetvisorctl.  For read-only scripts: both see the very
                same logs, so tails and maintails compare byte for byte.
  shared=False  a fresh daemon per client, for scripts that change state.

FLEETVISORCTL names our client; without it the tests skip.  Setting
FLEETVISORCTL=/usr/bin/supervisorctl checks the suite itself: every
entry must then match (it is how nondeterminism is found).
"""

import dataclasses
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time
import traceback

import pytest

import fvharness as H
import rpcdiff as R
import test_ctl_compat as C
import warmctl as W

REF_CTL = R.SUPERVISORCTL


@dataclasses.dataclass(frozen=True)
class Client:
    name: str          # "supervisorctl" or "fleetvisorctl"
    path: str

    @property
    def is_ref(self):
        return self.name == "supervisorctl"


def clients():
    """(reference client, ours); pytest.skip when ours is not there."""
    ours = os.environ.get("FLEETVISORCTL", "")
    if not ours:
        pytest.skip("FLEETVISORCTL is not set")
    if not os.access(ours, os.X_OK):
        pytest.skip("FLEETVISORCTL=%s is not an executable" % ours)
    if not os.access(REF_CTL, os.X_OK):
        pytest.skip("%s is missing" % REF_CTL)
    return [Client("supervisorctl", REF_CTL), Client("fleetvisorctl", ours)]


# ---------------------------------------------------------------------------
# Normalization

_ESC = re.compile(rb"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|"
                  rb"[()][0-9A-Za-z]|[=>78])")


def norm(text, d, client):
    """What legitimately differs between two runs (or two clients)."""
    text = C.norm_ctl(text, d)
    text = text.replace(client.path, "<CTL>")
    text = re.sub(r"\b%d\b" % d.port, "<PORT>", text)
    return text


def norm_multi(text):
    """Results of several processes come in the order they finish, even
    in 4.2.5: compare them as a set of lines."""
    return "".join(sorted(text.splitlines(True)))


def terminal_text(raw):
    """Bytes a program wrote to a pty -> roughly the text (for waiting
    on something): escape sequences and carriage returns dropped."""
    raw = _ESC.sub(b"", raw)
    text = raw.decode(errors="replace").replace("\r\n", "\n")
    return text.replace("\r", "")


_CSI = re.compile(r"\x1b\[([0-9;?]*)([ -/]*)([@-~])")
_OTHER_ESC = re.compile(r"\x1b(\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|"
                        r"[=>78])")


def screen_text(raw):
    """What a terminal shows after these bytes (readline and libedit
    redraw a recalled line differently: backspaces, carriage returns,
    erase-line): a small line-based emulation, no wrapping.  The
    kernel's echo of a typed ^C is dropped: whether it shows depends on
    the terminal mode at that instant.  Other control characters do not
    show."""
    text = raw.decode(errors="replace").replace("^C", "")
    text = _OTHER_ESC.sub("", text)
    lines = [[]]
    row = col = 0
    i = 0
    while i < len(text):
        ch = text[i]
        m = _CSI.match(text, i) if ch == "\x1b" else None
        if m:
            i = m.end()
            arg, fin = m.group(1), m.group(3)
            n = int(arg) if arg.isdigit() else (0 if fin in "JK" else 1)
            line = lines[row]
            if fin == "K":
                if n == 0:
                    del line[col:]
                elif n == 1:
                    line[:col] = [" "] * min(col, len(line))
                else:
                    line.clear()
            elif fin == "C":
                col += n
            elif fin == "D":
                col = max(0, col - n)
            elif fin == "A":
                row = max(0, row - n)
            elif fin == "B":
                row += n
                while len(lines) <= row:
                    lines.append([])
            elif fin == "G":
                col = max(0, n - 1)
            elif fin == "J" and n == 0:
                del lines[row][col:]
                del lines[row + 1:]
            continue
        i += 1
        if ch == "\n":
            row += 1
            col = 0
            while len(lines) <= row:
                lines.append([])
        elif ch == "\r":
            col = 0
        elif ch == "\b":
            col = max(0, col - 1)
        elif ch < " " and ch != "\t":
            pass                # bell, a raw ^C echo: nothing to see
        else:
            line = lines[row]
            if col > len(line):
                line.extend(" " * (col - len(line)))
            if col < len(line):
                line[col] = ch
            else:
                line.append(ch)
            col += 1
    return "\n".join("".join(x) for x in lines)


# 4.2.5's stream commands (tail -f, maintail -f) print an empty line when
# SIGINT lands in their loop, but when it lands inside the HTTP handler,
# the handler reports it and the loop ends without the empty line.  The
# second form is 4.2.5's race: mapped to the first.
_KBI = re.compile(r"^\S+ Cannot connect, error: <class 'KeyboardInterrupt'> "
                  r"\(\)\n$")


def norm_interrupt_text(text):
    """The same for a terminal, where both streams show."""
    return re.sub(r"(?m)^\S+ Cannot connect, error: <class "
                  r"'KeyboardInterrupt'> \(\)\n", "\n", text)


def norm_fg_noise(text):
    """4.2.5's fg output thread, after the detach, sometimes dies
    printing one of these (races in its asyncore use and its exit)."""
    # ... or dies with a whole traceback from inside asyncore's loop
    # (its map changes under it while the main thread detaches).
    text = re.sub(r"(?m)^Exception in thread [^\n]*:\nTraceback \(most "
                  r"recent call last\):\n(?:  [^\n]*\n)+\w+: [^\n]*\n",
                  lambda m: "" if "asyncore" in m.group(0) else m.group(0),
                  text)
    text = re.sub(r"(?m)^error: <class 'AttributeError'>, "
                  r"'(?:NoneType|socket)' object has no attribute "
                  r"'_fileno': file: \S+ line: \d+\n", "", text)
    # The message may follow a prompt already shown on the same line.
    return re.sub(r"(?m)(?:^|(?<=> ))\S+ Cannot connect, error: "
                  r"<class '(?:SystemExit|OSError)'> "
                  r"\((?:\[Errno 9\] Bad file descriptor)?\)\n", "", text)


def norm_interrupt(after, err):
    if after == "" and _KBI.match(err):
        return "\n", ""
    return after, err


# ---------------------------------------------------------------------------
# A client session against one daemon

class CtlSession(R.Session):
    """rpcdiff.Session for one client: one-shot commands, streaming
    commands on a pipe, programs on a pty."""

    def __init__(self, daemon, client):
        super().__init__(daemon)
        self.client = client

    def n(self, text):
        return norm(text, self.d, self.client)

    def env(self, extra=None):
        e = self.d.run.env(extra)
        e["TERM"] = "xterm"
        e["HOME"] = str(self.d.tmp)
        return e

    def argv(self, args, conf=True):
        a = [self.client.path]
        if conf is True:
            a += ["-c", str(self.d.run.conf)]
        elif conf:
            a += ["-c", str(conf)]
        return a + list(args)

    def run(self, args, conf=True, stdin=None, cwd=None, env=None,
            timeout=30):
        """Run the client once; returns (rc, stdout, stderr), raw.
        Debian's supervisorctl runs warm (warmctl.py)."""
        argv = self.argv(args, conf)
        if self.client.path == REF_CTL and self.client.is_ref and \
                W.enabled():
            rc, out, err = W.run(argv[1:], self.env(env), cwd or self.d.tmp,
                                 input=stdin, timeout=timeout)
        else:
            p = subprocess.run(
                argv, capture_output=True, timeout=timeout,
                env=self.env(env), cwd=cwd or self.d.tmp,
                stdin=subprocess.DEVNULL if stdin is None else None,
                input=stdin)
            rc, out, err = p.returncode, p.stdout, p.stderr
        return (rc, out.decode(errors="replace"),
                err.decode(errors="replace"))

    def __call__(self, *args, label=None, cmp="eq", norm=None, conf=True,
                 stdin=None, cwd=None, env=None, multi=None,
                 expect_rc=None):
        """Run one command and record rc, stdout and stderr."""
        rc, out, err = self.run(args, conf=conf, stdin=stdin, cwd=cwd,
                                env=env)
        nout, nerr = self.n(out), self.n(err)
        if norm:
            nout, nerr = norm(nout), norm(nerr)
        if multi is None:
            multi = bool(args) and args[0] in (
                "start", "stop", "restart", "signal", "clear") and (
                len(args) > 2 + (args[0] == "signal") or any(
                    a == "all" or a.endswith((":", "*")) for a in args[1:]))
        if multi:
            nout = norm_multi(nout)
        self.record(label or self.label(args, conf),
                    ("ok", {"rc": rc, "stdout": nout, "stderr": nerr}),
                    cmp, norm=lambda v: v)
        if expect_rc is not None and self.client.is_ref:
            self.check(rc == expect_rc, "%s: exit %s, expected %s\n%s%s" % (
                " ".join(args), rc, expect_rc, out, err))
        return rc, out, err

    def label(self, args, conf=True):
        pre = "" if conf is True else (
            "(no -c) " if not conf else "-c %s " % conf)
        return "ctl " + self.n(pre + " ".join(repr(a) if (
            not a or " " in a) else a for a in args))

    # -- streaming commands on a pipe ---------------------------------------

    def follow(self, args, initial, trigger, new, label=None, conf=True):
        """`tail -f` / `maintail -f` on a pipe: wait for `initial` in the
        output, call trigger(), wait for `new`, then SIGINT.  Returns
        (stdout up to the interrupt, stdout after it, stderr, exit
        status), raw."""
        p = self.d.run.start_extra(self.argv(args, conf),
                                   stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=self.env())
        ofd, efd = p.stdout.fileno(), p.stderr.fileno()
        bufs = {ofd: b"", efd: b""}

        live = {ofd, efd}

        def pump(pred, timeout):
            deadline = time.monotonic() + timeout
            while live and not pred() and time.monotonic() < deadline:
                r, _, _ = select.select(list(live), [], [], 0.05)
                for f in r:
                    chunk = os.read(f, 65536)
                    if chunk:
                        bufs[f] += chunk
                    else:
                        live.discard(f)
            return pred()
        try:
            got = pump(lambda: initial.encode() in bufs[ofd], 10)
            self.check(got, "%s: no initial output %r" % (args, bufs))
            trigger()
            got = pump(lambda: new.encode() in bufs[ofd], 10)
            self.check(got, "%s: the new line never came: %r" % (
                args, bufs))
            before = len(bufs[ofd])
            p.send_signal(signal.SIGINT)
            try:
                rc = p.wait(5)
            except subprocess.TimeoutExpired:
                rc = "still running 5 s after SIGINT"
                p.kill()
                p.wait(5)
            # It has exited: the rest is read up to EOF.
            pump(lambda: False, 5)
        finally:
            p.stdout.close()
            p.stderr.close()
        out = bufs[ofd]
        return (out[:before].decode(errors="replace"),
                out[before:].decode(errors="replace"),
                bufs[efd].decode(errors="replace"), rc)

    # -- programs on a pty -------------------------------------------------

    def spawn_pty(self, args, conf=True, echo=True, env=None):
        return PtyProc(self.d.run, self.argv(args, conf), self.env(env),
                       echo=echo)


class PtyProc:
    """A client on a pseudo-terminal that is its controlling terminal,
    as in a real shell: ^C typed on it is SIGINT."""

    def __init__(self, run, argv, env, echo=True):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ,
                    struct.pack("HHHH", 40, 200, 0, 0))
        if not echo:
            attrs = termios.tcgetattr(slave)
            attrs[3] &= ~termios.ECHO
            termios.tcsetattr(slave, termios.TCSANOW, attrs)

        def ctty():
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        self.p = run.start_extra(argv, stdin=slave, stdout=slave,
                                 stderr=slave, env=env, preexec_fn=ctty)
        os.close(slave)
        self.master = master
        self.raw = b""
        self.mark = 0           # start of the current record in raw
        self.fresh = 0          # start of what waits look at

    def pump(self, pred, timeout):
        """Read until pred(self) holds, EOF, or the deadline; returns
        pred(self)."""
        deadline = time.monotonic() + timeout
        while not pred(self) and time.monotonic() < deadline:
            r, _, _ = select.select([self.master], [], [], 0.05)
            if r:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:          # EIO: the slave side is gone
                    chunk = b""
                if not chunk:
                    self.p.poll()
                    return pred(self)
                self.raw += chunk
        return pred(self)

    def segment(self):
        """Text since the last cut (for waiting on something)."""
        return terminal_text(self.raw[self.fresh:])

    def cut(self, prompt=None):
        """The screen since the last cut.  The next record starts at the
        last prompt, so that a redraw of the line is seen whole."""
        text = screen_text(self.raw[self.mark:])
        self.fresh = self.mark = len(self.raw)
        if prompt:
            at = self.raw.rfind(prompt.encode())
            if at >= 0:
                self.mark = at
        return text

    def send(self, data):
        os.write(self.master, data)

    def wait_for(self, needle, timeout=15):
        return self.pump(lambda s: needle in s.segment(), timeout)

    def wait_prompt(self, prompt, timeout=15):
        return self.pump(lambda s: s.segment().endswith(prompt), timeout)

    def wait_exit(self, timeout=10):
        """Exit status, or a string saying it did not exit.  Once it has
        exited, what it wrote last is read too (the exit can be seen
        before its output)."""
        self.pump(lambda s: s.p.poll() is not None, timeout)
        try:
            rc = self.p.wait(1)
        except subprocess.TimeoutExpired:
            return "still running after %ss" % timeout
        self.drain()
        return rc

    def drain(self, timeout=5):
        """After the exit: read the rest.  With the slave side closed,
        the master gives what is buffered, then EIO."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r, _, _ = select.select([self.master], [], [], 0.05)
            if not r:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.raw += chunk

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait(5)
        try:
            os.close(self.master)
        except OSError:
            pass


class Shell:
    """The interactive shell of one client, recorded segment by segment:
    each command's entry is what the terminal shows from the typed line
    to the next prompt."""

    def __init__(self, s, args=(), conf=True, prompt="supervisor> ",
                 name="shell"):
        self.s = s
        self.prompt = prompt
        self.name = name
        self.pty = s.spawn_pty(args, conf=conf)
        self.lost = False        # a prompt never came: stop waiting long

    def wait_prompt(self, timeout=15):
        ok = self.pty.wait_prompt(self.prompt, 2 if self.lost else timeout)
        self.lost = self.lost or not ok
        return ok

    def record(self, what, text, extra=None):
        v = {"shows": self.s.n(text)}
        v.update(extra or {})
        self.s.record("%s: %s" % (self.name, what), ("ok", v),
                      norm=lambda x: x)

    def cut(self):
        return self.pty.cut(self.prompt)

    def start(self, what="start (status, then the prompt)"):
        ok = self.wait_prompt()
        self.s.check(ok, "%s: no prompt: %r" % (self.name, self.pty.raw))
        self.record(what, self.cut())
        return ok

    def cmd(self, line, what=None, timeout=15, norm=None):
        self.pty.send(line.encode() + b"\n")
        ok = self.wait_prompt(timeout)
        text = self.cut()
        if norm:
            text = norm(text)
        self.record(what or repr(line), text,
                    None if ok else {"prompt back": False})
        return text

    def answer(self, line, question, what):
        """A command that asks a question (reload, shutdown, the 401
        username): type the line, wait for the question, answer."""
        cmd, reply = line
        self.pty.send(cmd.encode() + b"\n")
        asked = self.pty.wait_for(question)
        self.pty.send(reply.encode() + b"\n")
        ok = self.wait_prompt()
        self.record(what, self.cut(), {"asked": asked,
                                           "prompt back": ok})

    def interrupt(self, what):
        """^C at the prompt.  A SIGINT that lands after 4.2.5's prompt is
        printed but before Python's readline waits for input is only seen
        at the next key (a race in Python's readline module), so a second
        ^C follows if the first did not end the shell."""
        self.pty.send(b"\x03")
        self.pty.pump(lambda s: s.p.poll() is not None, 3)
        return self.end(b"\x03" if self.pty.p.poll() is None else b"", what)

    def end(self, keys, what):
        """Type keys (^D, ^C, quit) and record the rest and the exit."""
        if keys:
            self.pty.send(keys)
        rc = self.pty.wait_exit()
        self.pty.pump(lambda s: False, 0.1)
        self.record(what, self.cut(), {"rc": rc})
        self.pty.close()
        return rc


# ---------------------------------------------------------------------------
# Running a script with both clients

def dump(name, impl, sessions):
    """FV_CTLDIFF_DUMP=DIR: every entry of every session, one file per
    daemon and client."""
    where = os.environ.get("FV_CTLDIFF_DUMP")
    if not where:
        return
    os.makedirs(where, exist_ok=True)
    for s in sessions:
        fn = os.path.join(where, "%s.%s.%s.txt" % (name, impl.name,
                                                    s.client.name))
        with open(fn, "w") as f:
            for label, out, cmp in s.entries:
                f.write("%s [%s]\n    %s\n" % (label, cmp,
                                                 R.short(out, 4000)))


def run_pair(name, script, make_daemon=None, shared=False, settle=True):
    """script(session) once per client against each daemon
    implementation; the sessions are compared per implementation.

    shared=True: one daemon per implementation, the script runs with each
    client in turn (read-only scripts).  Otherwise a fresh daemon per
    client; settle=False leaves starting it to the script.  Every daemon
    has its own sandbox, so the runs on different daemons overlap
    (fvharness.in_parallel)."""
    cls = clients()
    impls = R.select_impls()

    def one(impl, clients_):
        """One daemon of impl; the script with each of clients_ in
        turn.  Returns their sessions."""
        sessions = []
        d = make_daemon(impl, name) if make_daemon else R.Daemon(impl, name)
        try:
            if settle:
                d.start()
            for client in clients_:
                s = CtlSession(d, client)
                sessions.append(s)
                try:
                    script(s)
                except Exception:        # noqa: BLE001
                    if client.is_ref:
                        raise
                    # Ours went astray: what it printed up to here is
                    # still compared.
                    s.problems.append("the script stopped:\n" +
                                      traceback.format_exc(limit=4))
        except Exception:
            H.log("[%s] kept %s" % (impl.name, d.tmp))
            d.close(keep=True)
            raise
        finally:
            dump(name, impl, sessions)
        d.close(keep=any(s.problems for s in sessions))
        return sessions

    groups = [[c] for c in cls] if not shared else [cls]
    jobs = [(impl, g) for impl in impls for g in groups]
    done = H.in_parallel([lambda j=j: one(*j) for j in jobs])
    report = []
    for impl in impls:
        sessions = [s for (i, _), ss in zip(jobs, done) if i == impl
                    for s in ss]
        for s in sessions:
            for p in s.problems:
                report.append("[daemon %s, %s] %s" % (impl.name,
                                                      s.client.name, p))
        report += ["[daemon %s] supervisorctl (ref) vs fleetvisorctl (fv): "
                   "%s" % (impl.name, x) for x in R.compare(*sessions)]
    assert not report, "%s: %d differences/problems:\n%s" % (
        name, len(report), "\n".join(report))
