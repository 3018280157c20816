"""fleetvisorctl driving several servers at once (issue 6, "Several servers"
and "Additions").

  test_fleet          three real agents (two fleetvisord, one 4.2.5
                      supervisord when SUPERVISORD is set, else a third
                      fleetvisord), one stopped server (no socket) and one
                      slow server (a proxy that holds every answer): the one
                      status table with its host column, names taken from
                      identifier= or the URL, HOST/NAME and host globs,
                      actions reported per host with the unreachable one
                      reported beside the others, exit codes, --json for
                      status/avail/pid, ';' between commands, reopen (the
                      API on fleetvisord, SIGUSR2 on 4.2.5), a serverurl=
                      list in the config file.
  test_semicolons_in_shell  ';' in the shell runs the commands in turn.
  test_completion_offers_hosts  Tab completes HOST/ and then the names.
  test_mtail          mtail over two servers: lines of both, each after
                      HOST/NAME, whole lines only; Ctrl-C ends it.
  test_twenty         20 servers that each hold their getAllProcessInfo
                      answer until all 20 have been asked (a barrier), plus
                      one that answers everything a second late: status
                      completes only if the calls run at once, so its time
                      is about the slowest server's, not the sum (the time
                      is recorded, not asserted).

Skipped without FLEETVISORCTL (and FLEETVISORD for the real agents).
"""

import json
import os
import re
import signal
import socket
import socketserver
import subprocess
import threading
import time
import xmlrpc.server
from pathlib import Path

import pytest

import apiextra as A
import ctldiff as D
import fvharness as H

CTL = os.environ.get("FLEETVISORCTL", "")
FV = os.environ.get("FLEETVISORD", "")
REF = os.environ.get("SUPERVISORD", "")

pytestmark = pytest.mark.skipif(
    not CTL or not FV, reason="FLEETVISORCTL and FLEETVISORD are needed")


def ctl(urls, *args, conf=None, timeout=60):
    argv = [CTL]
    if conf is not None:
        argv += ["-c", str(conf)]
    for u in urls:
        argv += ["-s", u]
    p = subprocess.run(argv + list(args), capture_output=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


# talk says which sandbox it runs in ({tmp}), so that a stream attached
# to one server shows whose it is; cat echoes what fg sends it.
PROGRAMS = {
    "program:web": {"command": "{exit} --sleep inf", "startsecs": "0"},
    "program:talk": {
        "command": "/bin/sh -c 'i=0; while true; do i=$((i+1)); "
                   "echo \"line $i {tmp}\"; echo \"err $i\" >&2; "
                   "sleep 0.2; done'",
        "startsecs": "0"},
    "program:cat": {"command": "/bin/cat", "startsecs": "0"},
    "program:w": {"command": "{exit} --sleep inf", "process_name":
                  "w_%(process_num)s", "numprocs": "2", "startsecs": "0"},
}


class SlowProxy:
    """A UNIX socket that forwards to another, holding each chunk of the
    server's answers for `delay` seconds."""

    def __init__(self, path, target, delay):
        self.path, self.target, self.delay = str(path), str(target), delay
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(16)
        self.stop = False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.target)
            except OSError:
                c.close()
                continue
            threading.Thread(target=self.pipe, args=(c, s, 0),
                             daemon=True).start()
            threading.Thread(target=self.pipe, args=(s, c, self.delay),
                             daemon=True).start()

    @staticmethod
    def pipe(src, dst, delay):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if delay:
                    time.sleep(delay)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.stop = True
        self.sock.close()


@pytest.fixture(scope="module")
def fleet():
    impls = {i.name: i for i in H.implementations()}
    fv = impls["fv"]
    third = impls.get("ref", fv)
    boxes = {
        "one": A.Box(fv, "multi-one", PROGRAMS),
        "two": A.Box(fv, "multi-two", PROGRAMS,
                     supervisord={"identifier": "bee"}),
        "three": A.Box(third, "multi-three", PROGRAMS),
    }
    proxy = None
    try:
        for b in boxes.values():
            b.start()
        for b in boxes.values():
            b.wait_states({"web": "RUNNING", "talk": "RUNNING",
                           "cat": "RUNNING"})
        slow_path = boxes["one"].tmp / "slow.sock"
        proxy = SlowProxy(slow_path, boxes["three"].sock, 0.5)
        down = boxes["one"].tmp / "down.sock"
        urls = ["unix://%s" % boxes["one"].sock,
                "unix://%s" % boxes["two"].sock,
                "unix://%s" % slow_path,
                "unix://%s" % down]
        yield boxes, urls, third
    finally:
        if proxy is not None:
            proxy.close()
        for b in boxes.values():
            b.close()


ROW = re.compile(r"^(\S+)\s+(\S+)\s+([A-Z]+)\s+(.*)$")


def rows(text):
    out = []
    for line in text.splitlines():
        m = ROW.match(line)
        if m and m.group(3) in ("RUNNING", "STOPPED", "STARTING", "EXITED",
                                "FATAL", "BACKOFF", "STOPPING"):
            out.append(m.groups())
    return out


def test_fleet(fleet):
    boxes, urls, third = fleet
    # Host names: identifier= for the second, else the socket's file
    # name without ".sock".
    one, slow, down = "http", "slow", "down"

    # status: one table; the stopped server reported, the others shown.
    rc, out, err = ctl(urls, "status")
    lines = out.splitlines()
    assert lines[0] == "down  %s no such file" % urls[3], out
    got = rows(out)
    hosts = [r[0] for r in got]
    assert hosts == [one] * 5 + ["bee"] * 5 + [slow] * 5, out
    assert [r[1] for r in got[:5]] == ["cat", "talk", "w:w_0", "w:w_1",
                                       "web"]
    assert all(r[2] == "RUNNING" for r in got), out
    # One column width for everybody: every row's state starts at the same
    # place.
    starts = {line.index("RUNNING") for line in lines[1:]}
    assert len(starts) == 1, out
    # 4.2.5's code for a status that cannot reach its server.
    assert rc == 4, (rc, out, err)

    # Only the servers named; a host glob.
    rc, out, _ = ctl(urls, "status", "b*/web", "%s/w:*" % one)
    assert [(r[0], r[1]) for r in rows(out)] == [
        (one, "w:w_0"), (one, "w:w_1"), ("bee", "web")], out
    assert rc == 0, out
    rc, out, _ = ctl(urls, "status", "nohost/web")
    assert out == "nohost: ERROR (no such host)\n" and rc == 1

    # Actions: concurrently, reported per host; the unreachable one is
    # reported and makes the code non-zero without hiding the others.
    rc, out, _ = ctl(urls, "stop", "web")
    assert re.search(r"^%s\s+web: stopped$" % re.escape(one), out, re.M), out
    assert re.search(r"^bee\s+web: stopped$", out, re.M), out
    assert re.search(r"^slow\s+web: stopped$", out, re.M), out
    assert re.search(r"^down\s+unix://\S+ no such file$", out, re.M), out
    assert rc == 7, (rc, out)
    rc, out, _ = ctl(urls[:3], "status", "*/web")
    assert {r[2] for r in rows(out)} == {"STOPPED"} and rc == 3, out
    rc, out, _ = ctl(urls[:3], "start", "web")
    assert rc == 0 and len(out.splitlines()) == 3, out
    rc, out, _ = ctl(urls[:3], "start", "bee/web")
    # The host column is as wide as the longest name of the session; 4.2.5
    # counts "already started" as success.
    assert out == "bee   web: ERROR (already started)\n" and rc == 0, out

    # --json: one document, one record per process or error.
    rc, out, _ = ctl(urls, "--json", "status", "web", "nope")
    doc = json.loads(out)
    errs = [d for d in doc if "error" in d]
    procs = [d for d in doc if "statename" in d]
    assert {d["host"] for d in procs} == {one, "bee", slow}
    assert all(d["namespec"] == "web" and d["statename"] == "RUNNING" and
               d["pid"] > 0 for d in procs), doc
    assert {(d["host"], d.get("namespec")) for d in errs} == {
        (one, "nope"), ("bee", "nope"), (slow, "nope"), (down, None)}, doc
    assert rc == 7 or rc == 4, rc
    rc, out, _ = ctl(urls[:2], "--json", "pid", "all")
    doc = json.loads(out)
    assert sorted((d["host"], d["namespec"]) for d in doc) == sorted(
        (h, n) for h in (one, "bee")
        for n in ("cat", "talk", "w:w_0", "w:w_1", "web")), doc
    rc, out, _ = ctl(urls[:1], "--json", "avail")
    doc = json.loads(out)
    assert [d["namespec"] for d in doc] == ["cat", "talk", "w:w_0",
                                            "w:w_1", "web"], doc
    assert all(d["inuse"] is True and "host" not in d for d in doc), doc

    # ';' runs commands in turn, with several servers too.
    rc, out, _ = ctl(urls[:2], "stop bee/talk; status */talk; start talk")
    assert re.search(r"^bee\s+talk: stopped$", out, re.M), out
    assert [(r[0], r[2]) for r in rows(out)] == [
        (one, "RUNNING"), ("bee", "STOPPED")], out
    assert re.search(r"^bee\s+talk: started$", out, re.M), out
    assert rc == 3, (rc, out)

    # reopen: fleetvisord through its API; 4.2.5 by SIGUSR2 once its pid
    # is shown to listen on the socket.
    for name in ("one", "three"):
        b = boxes[name]
        log = b.run.mainlog
        os.rename(log, b.tmp / "main.log.moved")
        rc, out, _ = ctl(["unix://%s" % b.sock], "reopen")
        assert rc == 0 and out.startswith("Reopened log files"), out
        if third.is_ref and name == "three":
            assert "SIGUSR2" in out, out
        H.wait_until(log.exists, 10, what="%s's new main log" % name)

    # A serverurl= list in the config file.
    conf = boxes["one"].tmp / "ctl.conf"
    conf.write_text("[supervisorctl]\nserverurl = %s,\n  %s\n" % (
        urls[0], urls[1]))
    rc, out, _ = ctl([], "pid", conf=conf)
    assert re.match(r"^%s\s+\d+\nbee\s+\d+\n$" % re.escape(one), out), out
    assert rc == 0


OUT_LINE = re.compile(rb"^(\S+)/talk\s+\| line \d+ (/\S+)$")
ERR_LINE = re.compile(rb"^(\S+)/talk \(stderr\)\s+\| err \d+$")


def mtail_follow(urls, words, kinds, want, sandboxes, timeout=20):
    """mtail over urls until each (kind, host) in want has more than 3
    lines; every line must be whole and of one of kinds (name -> pattern,
    the host in group 1), a stdout line naming its host's sandbox (but
    for a stream's first line, which may be cut).  Then
    ^C, which must end it with 0.  Returns the counts."""
    argv = [CTL]
    for u in urls:
        argv += ["-s", u]
    p = subprocess.Popen(argv + ["mtail"] + list(words),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL)
    seen = {}
    started = set()
    buf = b""
    deadline = time.monotonic() + timeout
    os.set_blocking(p.stdout.fileno(), False)

    def done():
        return all(seen.get(k, 0) > 3 for k in want)
    try:
        while time.monotonic() < deadline and not done():
            try:
                chunk = os.read(p.stdout.fileno(), 65536)
            except BlockingIOError:
                chunk = None
            if chunk == b"":
                break
            if not chunk:
                time.sleep(0.05)
                continue
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for line in lines:
                if line.startswith(b"==> Press Ctrl-C"):
                    continue
                for kind, pat in kinds.items():
                    m = pat.match(line)
                    if m:
                        break
                # A stream starts 1600 bytes before the end of its log,
                # as tail -f does: its first line may be the end of one.
                label = line.split(b" | ", 1)[0].rstrip()
                if not m and label not in started:
                    started.add(label)
                    continue
                started.add(label)
                assert m, line
                host = m.group(1).decode()
                if kind == "out":
                    assert m.group(2).decode() == str(sandboxes[host]), line
                seen[(kind, host)] = seen.get((kind, host), 0) + 1
        assert done(), seen
        p.send_signal(signal.SIGINT)
        rc = p.wait(timeout=10)
        assert rc == 0, (rc, p.stderr.read())
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(5)
        p.stdout.close()
        p.stderr.close()
    return seen


def sandboxes(boxes):
    return {"http": boxes["one"].tmp, "bee": boxes["two"].tmp}


def test_mtail(fleet):
    boxes, urls, _ = fleet
    mtail_follow(urls[:2], ["talk"], {"out": OUT_LINE},
                 {("out", "http"), ("out", "bee")}, sandboxes(boxes))


def test_mtail_stderr(fleet):
    """--stderr: only the stderr streams, labelled "(stderr)"; a stdout
    line would match no pattern."""
    boxes, urls, _ = fleet
    mtail_follow(urls[:2], ["--stderr", "talk"], {"err": ERR_LINE},
                 {("err", "http"), ("err", "bee")}, sandboxes(boxes))


def test_mtail_both(fleet):
    """--both: stdout and stderr of each process, each line whole after
    its label."""
    boxes, urls, _ = fleet
    mtail_follow(urls[:2], ["--both", "bee/talk", "http/talk"],
                 {"out": OUT_LINE, "err": ERR_LINE},
                 {(k, h) for k in ("out", "err") for h in ("http", "bee")},
                 sandboxes(boxes))


def test_semicolons_in_shell(fleet):
    """In the shell too, ';' runs each command in turn: the same output as
    typing them on lines of their own, less the prompts between them."""
    boxes, urls, _ = fleet

    def shell(text):
        p = subprocess.run([CTL, "-s", urls[0]], input=text.encode(),
                           capture_output=True, timeout=60)
        # The status at start: a second may pass between the two shells.
        return re.sub(r"uptime \d+:\d+:\d+", "uptime <T>",
                      p.stdout.decode())
    one = shell("pid web; avail ;pid nope\n")
    three = shell("pid web\navail\npid nope\n")
    assert one.count("supervisor> ") == 2, one
    assert three.count("supervisor> ") == 4, three
    assert one.replace("supervisor> ", "") == \
        three.replace("supervisor> ", ""), (one, three)
    assert "No such process nope" in one, one


def test_completion_offers_hosts(fleet):
    """Tab in the shell of several servers: "HOST/" for a name without a
    host, then the names of every server's processes after it."""
    import pty
    import select
    _, urls, _ = fleet
    pid, fd = pty.fork()
    if pid == 0:                                    # pragma: no cover
        os.execv(CTL, [CTL, "-s", urls[0], "-s", urls[1]])

    def read_until(pred, timeout=15):
        out = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not pred(out):
            r, _, _ = select.select([fd], [], [], 0.05)
            if r:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    break
        return out
    try:
        read_until(lambda o: b"supervisor> " in o)
        os.write(fd, b"status b\t")
        assert b"ee/" in read_until(lambda o: b"ee/" in o), "no bee/"
        os.write(fd, b"ta\t")
        assert b"lk " in read_until(lambda o: b"lk " in o), "no talk"
        os.write(fd, b"\x15quit\n")
        read_until(lambda o: False, 2)
    finally:
        os.close(fd)
        os.waitpid(pid, 0)


# ---------------------------------------------------------------------------
# The shell of several servers on a pty: streams and fg attach to one
# server, reload and shutdown ask once, open returns to one server

PROMPT = "supervisor> "


def shell(boxes, urls, *args):
    """fleetvisorctl's shell (or a one-shot command) on a pty that is its
    controlling terminal, so that ^C typed is SIGINT."""
    run = boxes["one"].run
    env = run.env()
    env["TERM"] = "xterm"
    env["HOME"] = str(boxes["one"].tmp)
    # The sandbox (the cwd) holds the daemon's supervisord.conf, which the
    # config search would find: an empty [supervisorctl] instead.
    conf = boxes["one"].tmp / "ctl-shell.conf"
    conf.write_text("[supervisorctl]\n")
    argv = [CTL, "-c", str(conf)]
    for u in urls:
        argv += ["-s", u]
    return D.PtyProc(run, argv + list(args), env)


def command(sh, line, timeout=15):
    """Types line, waits for the next prompt; the text in between."""
    sh.cut()
    sh.send(line.encode() + b"\n")
    assert sh.wait_prompt(PROMPT, timeout), (line, sh.segment())
    return sh.segment()


def interrupt(sh):
    """^C ends a stream or fg and gives the prompt back."""
    sh.cut()
    sh.send(b"\x03")
    assert sh.wait_prompt(PROMPT), ("no prompt after ^C", sh.segment())


def test_follow_needs_one_server(fleet):
    """Streams attach to one server: without a host they say how to name
    it, HOST/NAME for a process, HOST/ for the main log."""
    _, urls, _ = fleet
    rc, out, _ = ctl(urls[:2], "tail", "-f", "talk")
    assert out == "Error: tail follows one server; name it as " \
        "HOST/NAME\n" and rc == 1, (rc, out)
    rc, out, _ = ctl(urls[:2], "maintail", "-f")
    assert out == "Error: maintail follows one server; name it as " \
        "HOST/\n" and rc == 1, (rc, out)
    rc, out, _ = ctl(urls[:2], "fg", "cat")
    assert out == "Error: fg follows one server; name it as " \
        "HOST/NAME\n" and rc == 1, (rc, out)


def test_streams_in_shell(fleet):
    """tail -f HOST/NAME, maintail -f HOST/ and fg HOST/NAME in the shell
    of two servers: each shows that server's stream only, as a session of
    that server alone would, and ^C returns to the prompt."""
    boxes, urls, _ = fleet
    two = boxes["two"]
    sh = shell(boxes, urls[:2])
    try:
        assert sh.wait_prompt(PROMPT), sh.raw

        # tail -f bee/talk: bee's talk, whose lines name bee's sandbox.
        sh.cut()
        sh.send(b"tail -f bee/talk\n")
        assert sh.wait_for("==> Press Ctrl-C to exit <=="), sh.segment()
        mine = re.compile(r"^line \d+ %s$" % re.escape(str(two.tmp)), re.M)
        assert sh.pump(lambda p: len(mine.findall(p.segment())) >= 3, 15), \
            sh.segment()
        assert str(boxes["one"].tmp) not in sh.segment(), sh.segment()
        interrupt(sh)

        # tail -f HOST/NAME stderr.
        sh.cut()
        sh.send(b"tail -f bee/talk stderr\n")
        assert sh.pump(lambda p: len(re.findall(
            r"^err \d+$", p.segment(), re.M)) >= 3, 15), sh.segment()
        interrupt(sh)

        # maintail -f bee/: bee's main log, live (no cat was stopped
        # before, on any server: the line can only be new, and bee's).
        sh.cut()
        sh.send(b"maintail -f bee/\n")
        assert sh.wait_for("==> Press Ctrl-C to exit <=="), sh.segment()
        assert sh.wait_for(" INFO "), sh.segment()      # the tail
        two.rpc().supervisor.stopProcess("cat")
        assert sh.wait_for("stopped: cat"), sh.segment()
        interrupt(sh)
        two.rpc().supervisor.startProcess("cat")

        # fg bee/cat: what is typed goes to bee's cat, and its echo shows.
        one_before = boxes["one"].rpc().supervisor.readProcessStdoutLog(
            "cat", 0, 0)
        sh.cut()
        sh.send(b"fg bee/cat\n")
        assert sh.wait_for("==> Press Ctrl-C to exit <=="), sh.segment()
        sh.send(b"hello from fg\n")
        H.wait_until(lambda: "hello from fg" in two.rpc().supervisor.
                     readProcessStdoutLog("cat", 0, 0), 15,
                     what="bee's cat to get the line")
        # The terminal's echo and cat's: the line shows twice.
        assert sh.pump(lambda p: p.segment().count("hello from fg") >= 2,
                       15), sh.segment()
        interrupt(sh)
        assert boxes["one"].rpc().supervisor.readProcessStdoutLog(
            "cat", 0, 0) == one_before

        # Without a host, still one line of advice, and the shell goes on.
        out = command(sh, "maintail -f")
        assert "Error: maintail follows one server; name it as HOST/" \
            in out, out
        out = command(sh, "fg nohost/cat")
        assert "nohost: ERROR (no such host)" in out, out
        sh.send(b"quit\n")
        assert sh.wait_exit() == 0
    finally:
        sh.close()


def test_open_returns_to_one_server(fleet):
    """open URL leaves the several servers: what follows is the session of
    that one server, 4.2.5's output without a host column."""
    boxes, urls, _ = fleet
    uptime = re.compile(r"uptime \d+:\d+:\d+")

    def same(a, b):
        return uptime.sub("uptime <T>", a) == uptime.sub("uptime <T>", b)

    # One-shot: open prints the status of the server it opens.
    rc1, alone, _ = ctl(urls[1:2], "status")
    rc2, out, _ = ctl(urls[:2], "open", urls[1])
    assert same(out, alone) and rc2 == 0 and rc1 == 0, (out, alone)

    # In the shell: the commands after open go to that server alone.
    sh = shell(boxes, urls[:2])
    try:
        assert sh.wait_prompt(PROMPT), sh.raw
        out = command(sh, "pid")
        assert re.search(r"^http\s+\d+$", out, re.M) and \
            re.search(r"^bee\s+\d+$", out, re.M), out
        out = command(sh, "open %s" % urls[1])
        assert re.search(r"^web\s+RUNNING\s+pid \d+", out, re.M), out
        assert not re.search(r"^(http|bee)\s", out, re.M), out
        out = command(sh, "pid")
        pid = boxes["two"].rpc().supervisor.getPID()
        assert re.search(r"^%d$" % pid, out, re.M), (out, pid)
        out = command(sh, "status web")
        assert re.search(r"^web\s+RUNNING", out, re.M), out
        assert "bee" not in out and "http" not in out, out
        sh.send(b"quit\n")
        assert sh.wait_exit() == 0
    finally:
        sh.close()


def test_reload_shutdown_confirm(fleet):
    """reload and shutdown ask once for all the servers in the shell; N
    leaves every daemon alone, y restarts them all, each reported after
    its name."""
    boxes, urls, _ = fleet
    one, two = boxes["one"], boxes["two"]
    pids = {b: b.rpc().supervisor.getPID() for b in (one, two)}
    talk = {b: b.rpc().supervisor.getProcessInfo("talk")["pid"]
            for b in (one, two)}
    sh = shell(boxes, urls[:2])
    try:
        assert sh.wait_prompt(PROMPT), sh.raw
        for cmd, verb in (("reload", "restart"), ("shutdown", "shut down")):
            sh.cut()
            sh.send(cmd.encode() + b"\n")
            q = "Really %s 2 remote supervisord processes y/N? " % verb
            assert sh.pump(lambda p: p.segment().endswith(q), 15), \
                sh.segment()
            # One question for both servers, not one each.
            assert sh.segment().count("Really") == 1, sh.segment()
            sh.send(b"n\n")
            assert sh.wait_prompt(PROMPT), sh.segment()
            assert "Really" not in sh.segment().split(q, 1)[1], \
                sh.segment()
        for b in (one, two):
            assert b.rpc().supervisor.getState()["statename"] == "RUNNING"
            assert b.rpc().supervisor.getProcessInfo("talk")["pid"] == \
                talk[b]

        sh.cut()
        sh.send(b"reload\n")
        assert sh.wait_for("y/N? "), sh.segment()
        sh.send(b"y\n")
        assert sh.wait_prompt(PROMPT, 30), sh.segment()
        out = sh.segment()
        assert re.search(r"^http\s+Restarted supervisord\r?$", out, re.M) \
            and re.search(r"^bee\s+Restarted supervisord\r?$", out, re.M), \
            out
        sh.send(b"quit\n")
        assert sh.wait_exit() == 0
    finally:
        sh.close()
    # Both restarted in place (same pid, new children); the fixture's
    # programs run again for whatever comes next.
    for b in (one, two):
        b.wait_rpc(30)
        b.wait_states({"web": "RUNNING", "talk": "RUNNING", "cat": "RUNNING"},
                      30)
        assert b.rpc().supervisor.getPID() == pids[b]
        assert b.rpc().supervisor.getProcessInfo("talk")["pid"] != talk[b]


# ---------------------------------------------------------------------------
# Twenty servers behind a barrier

class _UnixXMLRPC(socketserver.ThreadingMixIn, socketserver.UnixStreamServer,
                  xmlrpc.server.SimpleXMLRPCDispatcher):
    daemon_threads = True
    logRequests = False

    def __init__(self, path):
        socketserver.UnixStreamServer.__init__(
            self, path, _Handler, bind_and_activate=True)
        xmlrpc.server.SimpleXMLRPCDispatcher.__init__(self, allow_none=False)


class _Handler(xmlrpc.server.SimpleXMLRPCRequestHandler):
    rpc_paths = ("/RPC2",)
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = False     # TCP only

    def address_string(self):
        return "unix"

    def log_message(self, *args):
        pass


def test_twenty(tmp_path):
    n = 20
    barrier = threading.Barrier(n, timeout=20)
    servers = []

    def serve(k):
        slow = k == n - 1
        srv = _UnixXMLRPC(str(tmp_path / ("s%02d.sock" % k)))

        def delay():
            if slow:
                time.sleep(1.0)

        def version():
            delay()
            return "3.0"

        def ident():
            delay()
            return "node%02d" % k

        def infos():
            delay()
            # Broken (a timeout) unless all n calls are in at once.
            barrier.wait()
            return [{"name": "p", "group": "p", "statename": "RUNNING",
                     "state": 20, "description": "pid %d" % (100 + k),
                     "pid": 100 + k}]
        srv.register_function(version, "supervisor.getVersion")
        srv.register_function(ident, "supervisor.getIdentification")
        srv.register_function(infos, "supervisor.getAllProcessInfo")
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)

    for k in range(n):
        serve(k)
    try:
        urls = ["unix://%s" % (tmp_path / ("s%02d.sock" % k))
                for k in range(n)]
        t0 = time.monotonic()
        rc, out, err = ctl(urls, "status")
        took = time.monotonic() - t0
        assert rc == 0, (rc, out, err)
        assert [(r[0], r[3]) for r in rows(out)] == [
            ("node%02d" % k, "pid %d" % (100 + k)) for k in range(n)], out
        A.note("ctl_multi.twenty", H.Impl("fv", CTL),
               "status of %d servers (one answering 1 s late per call) "
               "took %.2f s" % (n, took))
    finally:
        for srv in servers:
            srv.shutdown()
            srv.server_close()
