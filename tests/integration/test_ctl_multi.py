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


PROGRAMS = {
    "program:web": {"command": "{exit} --sleep inf", "startsecs": "0"},
    "program:talk": {
        "command": "/bin/sh -c 'i=0; while true; do i=$((i+1)); "
                   "echo \"line $i\"; sleep 0.2; done'",
        "startsecs": "0"},
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
            b.wait_states({"web": "RUNNING", "talk": "RUNNING"})
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
    assert hosts == [one] * 4 + ["bee"] * 4 + [slow] * 4, out
    assert [r[1] for r in got[:4]] == ["talk", "w:w_0", "w:w_1", "web"]
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
        for n in ("talk", "w:w_0", "w:w_1", "web")), doc
    rc, out, _ = ctl(urls[:1], "--json", "avail")
    doc = json.loads(out)
    assert [d["namespec"] for d in doc] == ["talk", "w:w_0", "w:w_1",
                                            "web"], doc
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


def test_mtail(fleet):
    boxes, urls, _ = fleet
    one = "http"
    p = subprocess.Popen([CTL, "-s", urls[0], "-s", urls[1], "mtail",
                          "talk"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    seen = {}
    buf = b""
    deadline = time.monotonic() + 20
    os.set_blocking(p.stdout.fileno(), False)
    pat = re.compile(rb"^(\S+)/talk\s+\| line (\d+)$")
    while time.monotonic() < deadline and not (
            seen.get(one, 0) > 3 and seen.get("bee", 0) > 3):
        try:
            chunk = os.read(p.stdout.fileno(), 65536)
        except BlockingIOError:
            chunk = None
        if chunk == b"":
            break
        if chunk:
            buf += chunk
            *done, buf = buf.split(b"\n")
            for line in done:
                m = pat.match(line)
                if m:
                    host = m.group(1).decode()
                    seen[host] = seen.get(host, 0) + 1
                else:
                    assert line.startswith(b"==> Press Ctrl-C") or \
                        pat.match(line), line
        else:
            time.sleep(0.05)
    assert seen.get(one, 0) > 3 and seen.get("bee", 0) > 3, seen
    p.send_signal(signal.SIGINT)
    rc = p.wait(timeout=10)
    assert rc == 0, (rc, p.stderr.read())


def test_semicolons_in_shell(fleet):
    """In the shell too, ';' runs each command in turn: the same output as
    typing them on lines of their own, less the prompts between them."""
    boxes, urls, _ = fleet

    def shell(text):
        p = subprocess.run([CTL, "-s", urls[0]], input=text.encode(),
                           capture_output=True, timeout=60)
        return p.stdout.decode()
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
