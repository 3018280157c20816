"""API gaps not covered by the other API suites, each against 4.2.5 and ours.

1. SUPERVISOR_SERVER_URL: a child calls back into its supervisor with
   supervisor.childutils.getRPCInterface(os.environ), with only a unix
   server, only an inet one, both (the unix one wins) and with a
   program-level serverurl= (AUTO meaning "the default").
2. The [unix_http_server] socket file: a stale one is replaced ("Unlinking
   stale socket PATH" on stderr); a live one (somebody answers) makes
   startup fail with exit 2 and is left alone.
3. chmod= and chown= of the socket; a chown to an unknown user or group is
   a config error (exit 2, "Invalid sockchown value ...").
4. RELIABILITY C8, PID reuse: in a pid namespace with pid_max=400, a
   program exits, a churn process gets its pid, and stopProcess or
   signalProcess (or a pending SIGKILL after stopwaitsecs) must not reach it.
   The churner is not a program: ours stops a program's whole tree (G3),
   setsid()-ed descendants included, so its children would die with it.
5. HEAD requests, and a 2000-process (1000 on 4.2.5) getAllProcessInfo
   read by a slow client while another client's getState stays fast
   (timing: ours only).
6. A client that drops a held startProcess(wait=True): the other waiters
   and the process itself are unaffected, and nothing is logged as an error.

4.2.5 facts (measured here with Debian's supervisord):
* SUPERVISOR_SERVER_URL is unix://FILE when a unix server exists, else
  http://HOST:PORT (as configured; localhost for "*:PORT" or a bare
  port); a program's serverurl= replaces it and serverurl=AUTO means the
  default.
* A stale socket file: "Unlinking stale socket FILE" on stderr, then it
  serves.  A socket somebody answers on: exit 2 and "Error: Another program
  is already listening on a port that one of our HTTP servers is configured
  to use.  Shut this program down first before starting supervisord." on
  stderr; the file is kept.  A socket whose owner listens but never
  answers hangs 4.2.5's startup for ever (it sends a GET and waits for one
  byte with no timeout); ours must give up (exit 2) in bounded time.
* chmod=0770 gives a socket of mode 0770; chown=nobody:nogroup gives owner
  nobody, group nogroup; chown=nobody leaves the group alone.  An unknown
  user or group: exit 2, "Error: Invalid sockchown value VALUE" and "For
  help, use ... -h" on stderr, nothing in the main log, no socket.
* HEAD / and HEAD /ok.html get a 404 *with* its 134-byte HTML body (a body
  after HEAD breaks keep-alive framing); HEAD of a static file (tail.html)
  gets 200 and headers only.  Ours answers 405 (Allow: GET, POST) with no
  body; the suite asserts "no body after HEAD" for ours and records both.
* Two clients can never hold a start of the *same* process in 4.2.5: the
  second startProcess gets ALREADY_STARTED at once and a group start skips
  a process that is already STARTING.  So scenario 6 holds one client on
  startProcess(g:x) and another on startProcessGroup(g) (which starts y).
"""

import os
import pwd
import grp
import re
import socket
import stat
import subprocess
import threading
import time

import pytest

import apiextra as A
import fvharness as H
import rawhttp as R

# xmlrpc over the unix transport has no timeout of its own.
socket.setdefaulttimeout(30)

IMPLS = H.implementations()
PY = "/usr/bin/python3"

pytestmark = pytest.mark.skipif(A.SupervisorTransport is None,
                                reason="needs Debian's supervisor module")


@pytest.fixture(params=IMPLS, ids=lambda i: i.name)
def impl(request):
    if not os.access(request.param.path, os.X_OK):
        pytest.skip("binary missing: %s" % request.param.path)
    return request.param


class Boxes:
    """Every Box a test makes; failed tests keep their sandboxes."""

    def __init__(self):
        self.boxes = []

    def __call__(self, *a, **kw):
        b = A.Box(*a, **kw)
        self.boxes.append(b)
        return b


@pytest.fixture
def boxes(request):
    bx = Boxes()
    failed_before = request.session.testsfailed
    yield bx
    # The call phase's report is counted before teardown runs.
    failed = request.session.testsfailed != failed_before
    for b in bx.boxes:
        if failed:
            H.log("[%s] sandbox kept: %s" % (b.impl.name, b.tmp))
        b.close(keep=failed)


def main_log_errors(box):
    """ERRO/CRIT lines other than the two startup warnings every sandbox
    gets (running as root, a server without auth)."""
    benign = re.compile(r"^(Supervisor is running as root|Server '\S+' "
                        r"running without any HTTP authentication)")
    return [r.line for r in box.run.records()
            if r.level in ("ERRO", "CRIT") and not benign.match(r.msg)]


# ---------------------------------------------------------------------------
# 1. SUPERVISOR_SERVER_URL and childutils

CHILD = r'''
import os, socket, sys, time
socket.setdefaulttimeout(10)
from supervisor import childutils
name = os.environ.get("SUPERVISOR_PROCESS_NAME")
print("URL=%s" % os.environ.get("SUPERVISOR_SERVER_URL", "<unset>"),
      flush=True)
try:
    rpc = childutils.getRPCInterface(os.environ)
    print("STATE=%s" % rpc.supervisor.getState()["statename"], flush=True)
    # Its own state turns RUNNING after startsecs: poll, with a deadline.
    deadline = time.monotonic() + 15
    while True:
        info = rpc.supervisor.getProcessInfo(name)
        if info["statename"] == "RUNNING" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    print("INFO name=%s group=%s state=%s ownpid=%s" % (
        info["name"], info["group"], info["statename"],
        info["pid"] == os.getpid()), flush=True)
except Exception as e:
    print("ERROR=%r" % (e,), flush=True)
print("DONE", flush=True)
while True:
    time.sleep(3600)
'''


def child_program(name, serverurl=None):
    return {"command": "%s -u {tmp}/rpcchild.py" % PY, "startsecs": 1,
            "stdout_logfile": "{tmp}/%s.out" % name,
            "redirect_stderr": True, "serverurl": serverurl}


SERVER_URL_CASES = {
    # name: (unix, inet, {program: serverurl}, {program: expected URL})
    "unix_only": (True, False, {"a": None}, {"a": "unix://{sock}"}),
    "inet_only": (False, True, {"a": None},
                  {"a": "http://127.0.0.1:{port}"}),
    # No host, or "*": every interface, and the URL says localhost.
    "inet_wildcard": (False, "*:{port}", {"a": None},
                      {"a": "http://localhost:{port}"}),
    "inet_bare_port": (False, "{port}", {"a": None},
                       {"a": "http://localhost:{port}"}),
    "both_prefers_unix": (
        True, True,
        {"a": None, "over": "http://127.0.0.1:{port}", "auto": "AUTO"},
        {"a": "unix://{sock}", "over": "http://127.0.0.1:{port}",
         "auto": "unix://{sock}"}),
}


@pytest.mark.parametrize("case", sorted(SERVER_URL_CASES))
def test_server_url_childutils(impl, boxes, case):
    unix, inet, progs, want = SERVER_URL_CASES[case]
    programs = {"program:%s" % n: child_program(n, u)
                for n, u in progs.items()}
    b = boxes(impl, "srvurl_" + case, programs, unix=unix, inet=inet)
    (b.tmp / "rpcchild.py").write_text(CHILD)
    b.start()
    subst = b.run.subst
    for name, url in want.items():
        out = b.tmp / ("%s.out" % name)
        text = b.run.wait_file(out, 25, lambda d: b"DONE" in d,
                               what="%s's DONE" % name).decode()
        lines = text.splitlines()
        expect = ["URL=" + url.format(**subst), "STATE=RUNNING",
                  "INFO name=%s group=%s state=RUNNING ownpid=True" %
                  (name, name), "DONE"]
        assert lines == expect, "%s: child %s printed %r, want %r" % (
            impl.name, name, lines, expect)
    assert main_log_errors(b) == []


# ---------------------------------------------------------------------------
# 2. Stale and live socket files

def test_stale_socket_replaced(impl, boxes):
    b = boxes(impl, "stale_sock", {})
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(b.sock))
    s.close()                      # nobody listens; the file stays
    assert stat.S_ISSOCK(os.lstat(b.sock).st_mode)
    b.start()
    assert b.unix().supervisor.getState()["statename"] == "RUNNING"
    err = b.run.log_text(b.run.stderr_path)
    assert "Unlinking stale socket %s\n" % b.sock in err, err
    st = os.lstat(b.sock)
    assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o700
    assert not list(b.tmp.glob("http.sock.*")), "temporary socket left"
    assert b.run.stop(30) == 0


class Listener:
    """Another program on the socket path: accepts, and answers each
    connection with a tiny HTTP response unless silent."""

    def __init__(self, path, silent=False):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(16)
        self.silent = silent
        self.done = False
        self.served = 0
        if not silent:
            self.sock.settimeout(0.2)
            self.thread = threading.Thread(target=self.loop, daemon=True)
            self.thread.start()

    def loop(self):
        while not self.done:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with c:
                c.settimeout(1)
                try:
                    c.recv(4096)
                    c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n"
                              b"hi")
                    self.served += 1
                except OSError:
                    pass

    def close(self):
        self.done = True
        if not self.silent:
            self.thread.join(2)
        self.sock.close()


ALREADY = ("Error: Another program is already listening on a port that one "
           "of our HTTP servers is configured to use.  Shut this program "
           "down first before starting supervisord.")


def test_live_socket_refused(impl, boxes):
    b = boxes(impl, "live_sock", {"program:a": {
        "command": "{exit} --sleep inf", "startsecs": 0}})
    lst = Listener(b.sock)
    try:
        ino = os.lstat(b.sock).st_ino
        b.start(wait=False)
        rc = b.run.wait_exit(20)
        assert rc == 2, "%s: exit status %s\n%s" % (impl.name, rc,
                                                    b.run.describe())
        err = b.run.log_text(b.run.stderr_path)
        assert ALREADY in err, err
        assert os.lstat(b.sock).st_ino == ino, "the live socket was replaced"
        assert not list(b.tmp.glob("http.sock.*")), "temporary socket left"
        # Still the listener's: a client reaches it.
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
            c.settimeout(5)
            c.connect(str(b.sock))
            c.sendall(b"GET / HTTP/1.0\r\n\r\n")
            assert c.recv(100).startswith(b"HTTP/1.0 200 OK")
        assert b.run.spawned("a") == [], "a program was started"
        # 4.2.5 says it on stderr only; the main log (which may be the
        # running instance's) is recorded, not compared.
        said = [r.line for r in b.run.records() if "already listening"
                in r.msg]
        A.note("live_socket_refused", impl, "main log lines about it: %r" %
               said)
    finally:
        lst.close()


def test_live_socket_silent_owner(impl, boxes):
    """The owner listens but never accepts nor answers.  4.2.5 waits for
    an answer with no timeout and hangs at startup (recorded); ours must
    refuse within a bounded time."""
    b = boxes(impl, "silent_sock", {})
    lst = Listener(b.sock, silent=True)
    try:
        ino = os.lstat(b.sock).st_ino
        b.start(wait=False)
        bound = 12 if not impl.is_ref else 4
        try:
            rc = b.run.wait_exit(bound)
        except H.HarnessError:
            rc = None
        if rc is None:
            A.ours_check("live_socket_silent_owner", impl, False,
                         "still starting after %d s with a silent socket "
                         "owner" % bound)
            return
        A.ours_check("live_socket_silent_owner", impl, rc == 2,
                     "exit status %s (want 2)" % rc)
        assert ALREADY in b.run.log_text(b.run.stderr_path)
        assert os.lstat(b.sock).st_ino == ino
    finally:
        lst.close()


# ---------------------------------------------------------------------------
# 3. chmod= and chown=

@pytest.mark.parametrize("keys,mode,owner,group", [
    ({"chmod": "0770", "chown": "nobody:nogroup"}, 0o770, "nobody",
     "nogroup"),
    ({"chmod": "0700", "chown": "nobody"}, 0o700, "nobody", "root"),
    ({"chmod": "0666"}, 0o666, "root", "root"),
], ids=["0770_nobody_nogroup", "0700_nobody", "0666_default"])
def test_socket_chmod_chown(impl, boxes, keys, mode, owner, group):
    b = boxes(impl, "chmod_chown", {}, unix=dict(keys))
    b.start()
    st = os.lstat(b.sock)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == mode, "%s: mode %o, want %o" % (
        impl.name, stat.S_IMODE(st.st_mode), mode)
    assert pwd.getpwuid(st.st_uid).pw_name == owner
    assert grp.getgrgid(st.st_gid).gr_name == group
    assert b.unix().supervisor.getState()["statename"] == "RUNNING"


@pytest.mark.parametrize("chown", ["no_such_user_fvt:nogroup",
                                   "nobody:no_such_group_fvt",
                                   "no_such_user_fvt"])
def test_socket_chown_unknown(impl, boxes, chown):
    b = boxes(impl, "chown_bad", {"program:a": {
        "command": "{exit} --sleep inf"}}, unix={"chown": chown})
    b.start(wait=False)
    rc = b.run.wait_exit(15)
    err = b.run.log_text(b.run.stderr_path)
    assert rc == 2, "%s: exit %s, stderr %r" % (impl.name, rc, err)
    assert "Invalid sockchown value %s" % chown in err, err
    assert re.search(r"^Error: .*Invalid sockchown value", err, re.M), err
    assert "For help, use %s -h" % impl.path in err, err
    assert not os.path.lexists(b.sock)
    assert b.run.spawned() == []


# ---------------------------------------------------------------------------
# 4. RELIABILITY C8: PID reuse

# Runs in the agent's pid namespace but outside its process tree (nsenter
# from the test), so that no stop of a program may legitimately reach its
# children (G3 kills a program's whole tree).  First it forks until the pid
# cursor is past 300 (after pid_max the kernel wraps to 300, not to 2), so
# that pids handed out afterwards come back round within [300, 400).  Then
# for each target pid written to TMP/target it forks until a child gets
# that pid; that child leaves the process group (setsid) and sleeps: the
# "victim" the agent must never signal.
CHURN = r'''
import os, sys, time
tmp = sys.argv[1]
def spin():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid
while spin() < 300:
    pass
open(tmp + "/churn.ready", "w").write("%d\n" % os.getpid())
done = set()
while True:
    try:
        target = int(open(tmp + "/target").read())
    except (OSError, ValueError):
        time.sleep(0.02)
        continue
    if target in done:
        time.sleep(0.02)
        continue
    done.add(target)
    deadline = time.monotonic() + 8
    result = "miss"
    while time.monotonic() < deadline:
        pid = os.fork()
        if pid == 0:
            if os.getpid() == target:
                os.setsid()
                while True:
                    time.sleep(3600)
            os._exit(0)
        if pid == target:
            result = "got"
            break
        os.waitpid(pid, 0)
    with open(tmp + "/victim.tmp", "w") as f:
        f.write("%s %d\n" % (result, target))
    os.rename(tmp + "/victim.tmp", tmp + "/victim.%d" % target)
'''

# The agent runs as pid 1 of a new pid namespace whose pid_max is 400.
UNSHARE = ("unshare", "--pid", "--fork", "--mount-proc", "/bin/sh", "-c",
           'echo 400 > /proc/sys/kernel/pid_max && exec "$0" "$@"')


def test_c8_pid_reuse(impl, boxes):
    name = "c8_pid_reuse"
    programs = {
        # Exits 0 on SIGUSR1; ignores SIGTERM so a stop has to wait
        # stopwaitsecs before the SIGKILL.  Signals go to its process
        # group, whose number a victim (a session leader) takes over.
        "program:x": {"command": "{exit} --sleep inf --on USR1:exit:0 "
                                 "--on TERM:ignore --pidfile {tmp}/x.pid",
                      "autostart": False, "autorestart": False,
                      "startsecs": 0, "stopwaitsecs": 2,
                      "stopasgroup": True, "killasgroup": True,
                      "stdout_logfile": "NONE", "stderr_logfile": "NONE"},
        # Background pid churn: programs that exit at random.
        "program:r": {"command": PY + " -c 'import random,sys,time;"
                                      "time.sleep(random.random());"
                                      "sys.exit(random.randint(0,1))'",
                      "numprocs": 2,
                      "process_name": "%(program_name)s_%(process_num)d",
                      "startsecs": 0, "autorestart": True,
                      "startretries": 1000, "stdout_logfile": "NONE",
                      "stderr_logfile": "NONE"},
    }
    b = boxes(impl, name, programs)
    (b.tmp / "churn.py").write_text(CHURN)
    b.start(prefix=UNSHARE, launch="child")
    with open(b.tmp / "churn.out", "wb") as out:
        b.run.start_extra(["nsenter", "-t", str(b.run.main_pid), "--pid",
                           PY, "-u", str(b.tmp / "churn.py"), str(b.tmp)],
                          stdout=out, stderr=subprocess.STDOUT)
    b.run.wait_file(b.tmp / "churn.ready", 20, what="the churner's ready")
    rpc = b.unix().supervisor
    victims = []        # (inner pid, outer pid)

    def hunt(target):
        (b.tmp / "target.tmp").write_text("%d\n" % target)
        os.rename(b.tmp / "target.tmp", b.tmp / "target")

    def victim_of(target, poke=None):
        """Wait for the churner's verdict on target; calls poke() in the
        meantime (the racing API calls)."""
        path = b.tmp / ("victim.%d" % target)
        deadline = time.monotonic() + 12
        while not path.exists():
            assert time.monotonic() < deadline, "churner silent"
            if poke:
                poke()
            else:
                time.sleep(0.02)
        verdict = path.read_text().split()
        assert verdict[0] == "got", \
            "%s: pid %d never came back to the churner (still held?)" % (
                impl.name, target)
        outer = H.wait_until(lambda: A.outer_pid(b.run.marker, target), 5,
                             what="the victim in /proc")
        victims.append((target, outer))
        return outer

    def start_x():
        """Start x; returns its pid once its signal handlers are set (it
        writes its pidfile after them)."""
        xpid = b.tmp / "x.pid"
        if xpid.exists():
            xpid.unlink()
        assert rpc.startProcess("x", True) is True
        p = rpc.getProcessInfo("x")["pid"]
        assert 300 <= p < 400, "pid %d outside the wrapped range" % p
        b.run.wait_file(xpid, 5, lambda d: d.split() == [b"%d" % p],
                        what="x's pidfile")
        return p

    def not_running(fn, *args):
        r = b.fault(fn, *args)
        assert r == A.NOT_RUNNING, "%s: %s%r gave %r, want NOT_RUNNING" % (
            impl.name, fn._Method__name, args, r)

    # A: x exits on its own while the API keeps calling stopProcess and
    # signalProcess; the churner takes its pid as soon as it is free.
    for _ in range(2):
        p = start_x()
        hunt(p)
        assert rpc.signalProcess("x", "USR1") is True

        def poke():
            for fn, args in ((rpc.stopProcess, ("x", False)),
                             (rpc.signalProcess, ("x", "KILL"))):
                r = b.fault(fn, *args)
                assert r in (("ok", True), A.NOT_RUNNING), r
        outer = victim_of(p, poke)
        not_running(rpc.stopProcess, "x")
        not_running(rpc.signalProcess, "x", "TERM")
        assert rpc.stopProcessGroup("x") == []
        info = rpc.getProcessInfo("x")
        assert info["pid"] == 0 and info["statename"] in (
            "EXITED", "STOPPED"), info
        assert H.pid_alive(outer), "%s: the victim (pid %d) was killed" % (
            impl.name, p)

    # B: x ignores the stop's SIGTERM, then exits on its own before
    # stopwaitsecs (2 s); the churner takes its pid; the SIGKILL that was
    # due must not be sent to it.
    p = start_x()
    xo = H.wait_until(lambda: A.outer_pid(b.run.marker, p), 5,
                      what="x in /proc")
    t_stop = time.monotonic()
    assert rpc.stopProcess("x", False) is True
    b.wait_states({"x": "STOPPING"}, 5)
    hunt(p)
    os.kill(xo, 10)     # SIGUSR1: x exits 0 by itself
    outer = victim_of(p)
    b.wait_states({"x": "STOPPED"}, 5)
    # Nothing to wait for but the end of stopwaitsecs (2 s) plus slack.
    left = t_stop + 3.5 - time.monotonic()
    if left > 0:
        time.sleep(left)
    assert H.pid_alive(outer), \
        "%s: the victim (pid %d) got x's SIGKILL" % (impl.name, p)
    assert not b.run.find(r"killing 'x'"), "a SIGKILL was sent to x's pid"

    # Finally everything is stopped: the victims (x's old pids, each now
    # leading a session and a process group of that number) outlive it.
    rpc.stopAllProcesses(True)
    for inner, o in victims:
        assert H.pid_alive(o), "%s: victim %d killed by stopAll" % (
            impl.name, inner)
    assert b.run.alive()


# ---------------------------------------------------------------------------
# 5. HEAD, and a big getAllProcessInfo with a slow reader

def head(addr, path, version="1.1"):
    """Send HEAD, then a pipelined GET /ok.html on the same connection;
    returns (status, head bytes, bytes after the head up to the second
    response or a close, second status or None)."""
    with R.Conn(addr, timeout=5) as c:
        c.send(R.request("HEAD", path, version=version) +
               R.request("GET", "/ok.html", version=version))
        r = c.read_response(5, method="HEAD")
        # Whatever comes next must be the GET's response, not a body.
        deadline = time.monotonic() + 3
        while b"\r\n\r\n" not in c.buf:
            try:
                if not c._fill(deadline):
                    break
            except socket.timeout:
                break
        rest = c.buf
        m = re.match(rb"HTTP/1\.\d (\d{3})", rest)
        return r.status, r.head, rest, int(m.group(1)) if m else None


@pytest.mark.parametrize("path", ["/", "/ok.html", "/index.html"])
def test_head(impl, boxes, path):
    b = boxes(impl, "head", {}, unix=True, inet=True)
    b.start()
    addr = ("127.0.0.1", b.port)
    status, hd, rest, second = head(addr, path)
    body_len = rest.find(b"HTTP/") if b"HTTP/" in rest else len(rest)
    A.note("head", impl, "HEAD %s -> %d, then %d body bytes (%r)" % (
        path, status, body_len, rest[:min(body_len, 30)]))
    if impl.is_ref:
        # 4.2.5: 404 with a body after HEAD.
        assert status == 404
        assert rest.startswith(b"<head>")
    else:
        assert status in (200, 405), hd
        if status == 405:
            assert re.search(rb"\r\nAllow: [^\r]*GET", hd), hd
        # No body after HEAD: the pipelined GET's answer comes next.
        assert second == 200 and rest.startswith(b"HTTP/1.1 200"), rest[:200]
    # The HTTP/1.0 variant closes the connection either way.
    status10, _, _, _ = head(addr, path, version="1.0")
    assert status10 == status
    assert b.unix().supervisor.getState()["statename"] == "RUNNING"


# "Thousands of processes" (issue 4): startsecs=0 sleepers, so that
# they are RUNNING as soon as they are spawned.  4.2.5 forks one every
# 7 ms or so (2000 take 14 s here), so it gets half as many: what it
# shows (the answer's shape, a slow reader) is the same at 1000, and the
# test stays under 30 s for both.  4.2.5 keeps three pipe ends per
# process, hence minfds.
N_BIG = 2000
N_BIG_REF = 1000


def test_big_getallprocessinfo_slow_reader(impl, boxes):
    name = "big_allinfo"
    n_big = N_BIG_REF if impl.is_ref else N_BIG
    b = boxes(impl, name, {"program:s": {
        "command": "/bin/sleep infinity", "numprocs": n_big,
        "process_name": "%(program_name)s_%(process_num)04d",
        "startsecs": 0, "stdout_logfile": "NONE", "stderr_logfile": "NONE",
        "stopsignal": "KILL"}}, unix=True, inet=True,
        supervisord={"minfds": 3 * n_big + 128})
    t_start = time.monotonic()
    b.start()
    want = {"s_%04d" % i: "RUNNING" for i in range(n_big)}
    # Counted in the main log: polling getAllProcessInfo of thousands
    # would take 4.2.5's one thread from spawning them.
    H.wait_until(lambda: b.run.log_text().count(
        " entered RUNNING state") >= n_big, 60, interval=0.25,
        what="%d programs RUNNING" % n_big)
    b.wait_states(want, 20)
    t_running = time.monotonic() - t_start
    infos = b.unix().supervisor.getAllProcessInfo()
    assert len(infos) == n_big
    assert sorted(i["name"] for i in infos) == sorted(want)
    assert all(i["pid"] > 0 and i["group"] == "s" for i in infos)

    # A slow reader over TCP with a tiny receive window: 1 KiB per 50 ms.
    slow = R.Conn(("127.0.0.1", b.port), timeout=10, rcvbuf=4096)
    lat = []
    try:
        slow.send(R.request("POST", "/RPC2", [("Content-Type", "text/xml")],
                            R.rpc_body("supervisor.getAllProcessInfo")))
        got = b""
        t_end = time.monotonic() + 3
        next_probe = 0.0
        while time.monotonic() < t_end:
            got += slow.sock.recv(1024)
            if time.monotonic() >= next_probe:
                best = None
                for _ in range(2):
                    t0 = time.monotonic()
                    st = b.unix().supervisor.getState()
                    ms = (time.monotonic() - t0) * 1000
                    assert st["statename"] == "RUNNING"
                    best = ms if best is None else min(best, ms)
                lat.append(best)
                next_probe = time.monotonic() + 0.15
            time.sleep(0.05)
        assert len(got) < 150 * 1024, "the reader was not slow"
        slow.buf = got
        r = slow.read_response(20)
        body_len = len(r.body)
    finally:
        slow.close()
    res = r.rpc()
    assert isinstance(res, list) and len(res) == n_big, (type(res),
                                                         len(res))
    A.note(name, impl, "all %d RUNNING after %.1f s; getAllProcessInfo: "
           "%d body bytes; getState while slow-read: %d samples, max %.0f "
           "ms" % (n_big, t_running, body_len, len(lat), max(lat)))
    late = [x for x in lat if x >= R.HEALTHY_MS]
    A.ours_check(name, impl, lat and len(late) * 10 <= len(lat) and
                 max(lat) < 1000,
                 "getState during a slow read took %s ms (of %d samples)" %
                 (sorted(lat)[-5:], len(lat)))


# ---------------------------------------------------------------------------
# 6. A held startProcess whose client goes away

def test_held_start_client_disconnects(impl, boxes):
    b = boxes(impl, "held_drop", {
        "program:x": {"command": "{exit} --sleep inf", "startsecs": 3,
                      "autostart": False},
        "program:y": {"command": "{exit} --sleep inf", "startsecs": 3,
                      "autostart": False},
        "group:g": {"programs": "x,y"},
    }, unix=True, inet=True)
    b.start()
    rpc = b.unix().supervisor
    addr = ("127.0.0.1", b.port)
    err_before = b.run.log_text(b.run.stderr_path)

    a = R.Conn(addr, timeout=15)
    a.send(R.request("POST", "/RPC2", [("Content-Type", "text/xml")],
                     R.rpc_body("supervisor.startProcess", "g:x", True)))
    b.wait_states({"x": "STARTING"}, 5)
    t0 = time.monotonic()
    other = R.Conn(addr, timeout=15)
    other.send(R.request("POST", "/RPC2", [("Content-Type", "text/xml")],
                         R.rpc_body("supervisor.startProcessGroup", "g",
                                    True)))
    b.wait_states({"y": "STARTING"}, 5)
    # A third client asking for x while it is held gets ALREADY_STARTED.
    r = b.fault(rpc.startProcess, "g:x", True)
    assert r == A.ALREADY_STARTED, r
    # The first client goes away abruptly (RST) while x is STARTING.
    a.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                      b"\x01\x00\x00\x00\x00\x00\x00\x00")
    a.close()
    try:
        resp = other.read_response(15)
    finally:
        other.close()
    took = time.monotonic() - t0
    res = resp.rpc()
    assert res == [{"name": "y", "group": "g", "status": 80,
                    "description": "OK"}], res
    assert 2.5 <= took < 8, "group start answered after %.2f s" % took
    b.wait_states({"x": "RUNNING", "y": "RUNNING"}, 10)
    assert len(b.run.spawned("x")) == 1 and len(b.run.spawned("y")) == 1
    assert b.run.find(r"^success: x entered RUNNING")
    assert main_log_errors(b) == []
    err_after = b.run.log_text(b.run.stderr_path)
    new_err = err_after[len(err_before):]
    if impl.is_ref:
        if new_err.strip():
            A.note("held_start_client_disconnects", impl,
                   "stderr after the drop: %r" % new_err[:300])
    else:
        assert not new_err.strip(), new_err
    assert b.unix().supervisor.getState()["statename"] == "RUNNING"


# ---------------------------------------------------------------------------
# 7. Programs that exit at once and restart at once

def test_instant_restart_storm_keeps_control_plane(impl, boxes):
    """30 programs that exit at once with startsecs=0 and autorestart:
    each restart waits for the next loop iteration, as 4.2.5's transition()
    does, so the agent keeps answering. (fleetvisord once re-armed them
    with no delay inside libuv's timer phase and never left it.)"""
    name = "instant_storm"
    b = boxes(impl, name, {"program:f": {
        "command": "/bin/false", "numprocs": 30,
        "process_name": "%(program_name)s_%(process_num)02d",
        "startsecs": 0, "autorestart": True,
        "stdout_logfile": "NONE", "stderr_logfile": "NONE"}}, unix=True)
    b.start()
    H.wait_until(lambda: len(b.run.spawned("f_00")) >= 5, 15,
                 what="f_00 restarting")
    worst = 0.0
    for _ in range(10):
        t0 = time.monotonic()
        assert b.unix().supervisor.getState()["statename"] == "RUNNING"
        worst = max(worst, time.monotonic() - t0)
    infos = b.unix().supervisor.getAllProcessInfo()
    assert len(infos) == 30
    A.note(name, impl, "getState during the storm: worst %.0f ms" %
           (worst * 1000))
    A.ours_check(name, impl, worst < 1.0,
                 "getState took %.0f ms during the storm" % (worst * 1000))
