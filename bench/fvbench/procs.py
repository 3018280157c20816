"""Processes the harness starts: daemons, limit programs, perf.

Everything is started through spawn(), in its own session, and the harness
is a child subreaper, so programs whose daemon died are re-parented to us;
sweep() kills and reaps whatever is still alive under us (run.py calls it
at exit, also after SIGINT/SIGTERM/SIGHUP).
"""

import ctypes
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import xmlrpc.client
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("warning: cannot become a child subreaper; orphans of a "
              "crashed daemon may survive", file=sys.stderr)


def spawn(argv, **kw):
    kw.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.Popen([str(a) for a in argv], start_new_session=True,
                            **kw)


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir("/proc/%d/task" % p)
        except OSError:
            continue
        for t in tasks:
            try:
                kids = open("/proc/%d/task/%s/children" % (p, t)).read()
            except OSError:
                continue
            for k in kids.split():
                out.append(int(k))
                todo.append(int(k))
    return out


def kill_tree(pid):
    """SIGKILL pid, everything below it and their process groups."""
    mine = os.getpgid(0)
    for p in [pid] + descendants(pid):
        try:
            g = os.getpgid(p)
            if g != mine:
                os.killpg(g, signal.SIGKILL)
            os.kill(p, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def sweep():
    """Kill and reap everything still running under the harness."""
    for p in descendants(os.getpid()):
        kill_tree(p)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


def poll(pred, timeout, what, interval=0.005):
    """pred() until it is true; SystemExit naming what after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise SystemExit("timed out after %.0f s waiting for %s" % (
                timeout, what))
        time.sleep(interval)


class _UnixConn(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        try:
            s.connect(self._path)
        except OSError:
            s.close()
            raise
        self.sock = s


class _UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path, timeout):
        super().__init__()
        self._path, self._timeout = path, timeout

    def make_connection(self, host):
        if self._connection and host == self._connection[0]:
            return self._connection[1]
        self._connection = host, _UnixConn(self._path, self._timeout)
        return self._connection[1]


def rpc(sock, timeout=600):
    return xmlrpc.client.ServerProxy(
        "http://localhost/RPC2", transport=_UnixTransport(str(sock), timeout))


def proc_cpu_s(pid):
    """User+system CPU seconds of pid (not its children)."""
    f = open("/proc/%d/stat" % pid).read()
    rest = f[f.rindex(")") + 2:].split()
    return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_kib(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class LogCounter:
    """Counts a byte pattern in a growing file, reading only what is new."""

    def __init__(self, path, pattern):
        self.path, self.pattern = Path(path), pattern
        self.off, self.tail, self.count = 0, b"", 0

    def update(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.off)
                data = f.read()
        except FileNotFoundError:
            return self.count
        self.off += len(data)
        buf = self.tail + data
        self.count += buf.count(self.pattern)
        # A pattern cut by the end of this read is counted next time.
        keep = len(self.pattern) - 1
        self.tail = buf[-keep:] if keep and len(buf) >= keep else buf
        if self.pattern in self.tail:
            self.tail = b""
        return self.count


class Daemon:
    """One supervisord-compatible daemon on a generated config."""

    def __init__(self, ctx, impl, tag, conf_body):
        self.ctx, self.impl = ctx, impl
        self.binary = ctx.impls[impl]
        self.dir = Path(ctx.workroot) / ("%s-%s" % (tag, impl))
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        self.sock = self.dir / "sock"
        self.mainlog = self.dir / "main.log"
        self.conf = self.dir / "supervisord.conf"
        self.conf.write_text(self.header() + conf_body)
        self.proc = None
        self.t_exec = None

    def header(self):
        d = self.dir
        return "\n".join([
            "[supervisord]", "logfile=%s" % self.mainlog,
            "logfile_maxbytes=0", "pidfile=%s/daemon.pid" % d,
            "childlogdir=%s" % d, "loglevel=info", "minfds=16384",
            "[unix_http_server]", "file=%s" % self.sock,
            "[rpcinterface:supervisor]",
            "supervisor.rpcinterface_factory="
            "supervisor.rpcinterface:make_main_rpcinterface", ""])

    def start(self):
        self.err = open(self.dir / "daemon.out", "wb")
        self.t_exec = time.monotonic()
        self.proc = spawn([self.binary, "-n", "-c", self.conf],
                          stdout=self.err, stderr=subprocess.STDOUT,
                          cwd=self.dir)
        return self

    def alive(self):
        if self.proc.poll() is not None:
            raise SystemExit("%s exited with %s; see %s" % (
                self.impl, self.proc.returncode, self.dir))
        return True

    def rpc(self, timeout=600):
        return rpc(self.sock, timeout)

    def wait_answer(self, timeout=60):
        def up():
            self.alive()
            try:
                return self.rpc(5).supervisor.getState()["statecode"] == 1
            except (OSError, xmlrpc.client.Error, http.client.HTTPException):
                return False
        poll(up, timeout, "%s to answer" % self.impl, 0.02)

    def wait_log(self, pattern, n, timeout):
        """Time (monotonic) at which pattern had appeared n times."""
        c = LogCounter(self.mainlog, pattern)
        poll(lambda: self.alive() and c.update() >= n, timeout,
             "%d %r in %s's log" % (n, pattern, self.impl))
        return time.monotonic()

    def cpu_s(self):
        return proc_cpu_s(self.proc.pid)

    def rss_kib(self):
        return proc_rss_kib(self.proc.pid)

    def stop(self, timeout=300):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            print("%s did not exit %.0f s after SIGTERM; killed" % (
                self.impl, timeout), file=sys.stderr)
            kill_tree(self.proc.pid)
            self.proc.wait()
        self.err.close()
        if not self.ctx.args.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


class FirstAnswer(threading.Thread):
    """Times the first answered request after the socket file appears."""

    def __init__(self, daemon, timeout=300):
        super().__init__(daemon=True)
        self.d, self.timeout = daemon, timeout
        self.t_sock = self.t_answer = None
        self.error = None

    def run(self):
        deadline = time.monotonic() + self.timeout
        try:
            while not self.d.sock.exists():
                if time.monotonic() > deadline:
                    raise TimeoutError("no socket")
                time.sleep(0.001)
            self.t_sock = time.monotonic()
            while True:
                try:
                    self.d.rpc(self.timeout).supervisor.getState()
                    break
                except (ConnectionRefusedError, FileNotFoundError):
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.001)
            self.t_answer = time.monotonic()
        except Exception as e:  # noqa: BLE001 - reported by the caller
            self.error = e

    def latency(self):
        self.join(self.timeout)
        if self.error is not None or self.t_answer is None:
            raise SystemExit("%s: first request failed: %r" % (
                self.d.impl, self.error))
        return self.t_answer - self.t_sock


class Perf:
    """perf record of one fleetvisord phase, if --perf DIR was given."""

    def __init__(self, ctx, daemon, name):
        self.on = bool(ctx.args.perf) and daemon.impl == "fleetvisord"
        self.ctx, self.d, self.name = ctx, daemon, name

    def __enter__(self):
        if self.on:
            out = Path(self.ctx.args.perf)
            out.mkdir(parents=True, exist_ok=True)
            self.data = out / ("%s.data" % self.name)
            # Children inherit the counters until they exec; the reports
            # below keep the agent's own pid only.
            self.p = spawn(["perf", "record", "-q", "-F", "499",
                            "--call-graph", "dwarf,16384", "-o", self.data,
                            "-p", self.d.proc.pid],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            poll(lambda: self.data.exists() or self.p.poll() is not None,
                 10, "perf to attach")
        return self

    def __exit__(self, *exc):
        if not self.on:
            return
        self.p.send_signal(signal.SIGINT)
        self.p.wait(60)
        base = Path(self.ctx.args.perf) / self.name
        common = ["perf", "report", "-i", self.data, "--stdio",
                  "--pid", str(self.d.proc.pid), "-g", "none"]
        # Self time by function and file, then time including callees
        # (which of our functions the kernel's work was done for).
        for suffix, extra in ((".self.txt", ["--no-children", "--sort",
                                             "dso,sym,srcfile",
                                             "--percent-limit", "1"]),
                              (".incl.txt", ["--children", "--sort",
                                             "sym,srcfile",
                                             "--percent-limit", "3"])):
            with open(str(base) + suffix, "w") as f:
                subprocess.run(common + extra, stdout=f,
                               stderr=subprocess.DEVNULL, timeout=600)


def parse_kv(text):
    """'a=1 b=2.5' -> {'a': 1.0, 'b': 2.5} for the bench programs' output."""
    return {k: float(v) for k, v in re.findall(r"(\w+)=([0-9.]+)", text)}


def run_tool(argv, timeout=600, ok_codes=(0,)):
    p = subprocess.run([str(a) for a in argv], capture_output=True,
                       text=True, timeout=timeout)
    if p.returncode not in ok_codes:
        raise SystemExit("%s failed (%d): %s" % (
            argv[0], p.returncode, p.stderr.strip()))
    return p.stdout
