"""fleetharness: a fleetvisor-controller and N fleetvisord agents on one
machine, for the fleet suite (README.md here).

Built on the integration suite's pieces (tests/integration, put on
sys.path by conftest.py): fvharness.Run is each daemon's sandbox (temp dir,
marker, log parsing, deadline-polled waits, teardown that kills every
marked process) and apiextra.Box is an agent with its own unix socket and
an XML-RPC client.  What is added here: the controller's config and
secrets, the agents' [fleet] sections, fleetvisorctl against the
controller, and waits on the registry.

  FLEETVISORD            the agent binary
  FLEETVISOR_CONTROLLER  the controller binary
  FLEETVISORCTL          the client binary
  FV_ITEST_HELPERS       fvt-exit and friends (else built on the fly)

Every wait polls with a deadline; `Fleet.close()` (also on failure) tears
every daemon down, and a failed test's directories are kept and printed.
"""

import base64
import json
import os
import queue
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import apiextra as A
import fvharness as H

FV = os.environ.get("FLEETVISORD", "")
CONTROLLER = os.environ.get("FLEETVISOR_CONTROLLER", "")
CTL = os.environ.get("FLEETVISORCTL", "")

HERE = Path(__file__).resolve().parent
STATELOG = HERE / "statelog.sh"


def binaries_missing():
    """Why the suite cannot run, or None."""
    missing = [v for v, p in (("FLEETVISORD", FV),
                              ("FLEETVISOR_CONTROLLER", CONTROLLER),
                              ("FLEETVISORCTL", CTL)) if not p]
    if missing:
        return "%s not set" % ", ".join(missing)
    return None


def free_port_pair(host="127.0.0.1"):
    """A port P with P+1 free too (a controller URL and its companion).
    Free now only: callers use it at once."""
    return H.free_port(count=2, hosts=(host,))


def make_secret(path):
    """A per-agent secret as deploy/fleet-security.md says to make one:
    32 random bytes in base64, mode 0600."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(base64.b64encode(os.urandom(32)).decode() + "\n")
    os.chmod(path, 0o600)
    return path


class Controller:
    """fleetvisor-controller in a sandbox of its own, in the foreground."""

    def __init__(self, name="ctr", agents=None, clients=None, heartbeat=1,
                 lost_after=3, keys=None, prefix=()):
        self.run = H.Run(H.Impl("ctr", CONTROLLER), name)
        self.tmp = self.run.tmp
        # Not supervisord.conf: clients started in this directory would
        # take it for theirs.
        self.run.conf = self.tmp / "controller.conf"
        self.secrets = self.tmp / "secrets"
        self.secrets.mkdir(mode=0o700)
        if agents is None:
            agents = "tcp://127.0.0.1:%d" % free_port_pair()
        if clients is None:
            clients = "tcp://127.0.0.1:%d" % free_port_pair()
        self.agents_url, self.clients_url = agents, clients
        self.heartbeat, self.lost_after = heartbeat, lost_after
        self.keys = dict(keys or {})
        self.prefix = tuple(prefix)
        self.write_config()

    def write_config(self, **more):
        self.keys.update(more)
        keys = {"agents": self.agents_url, "clients": self.clients_url,
                "secrets_dir": str(self.secrets),
                "heartbeat": self.heartbeat, "lost_after": self.lost_after,
                "logfile": str(self.run.mainlog),
                "logfile_maxbytes": "0",
                "pidfile": str(self.run.pidfile)}
        keys.update(self.keys)
        self.run.conf.write_text(H.render_config({"controller": keys}, {}))

    def add_node(self, node, secret_path):
        """Let `node` join with the secret in secret_path."""
        dst = self.secrets / node
        dst.write_bytes(Path(secret_path).read_bytes())
        os.chmod(dst, 0o600)

    def start(self, timeout=15):
        n0 = len(self.run.find(r"^controller \S+ started"))
        self.run.start(args=("-n",), prefix=self.prefix)
        self.run.wait_log(r"^controller \S+ started", timeout, count=n0 + 1)

    def kill(self, sig=signal.SIGKILL):
        pid = self.run.daemon_pid()
        if pid:
            os.kill(pid, sig)
            H.wait_until(lambda: not self.run.alive(), 15,
                         what="controller %d to exit" % pid)

    def wait_log(self, pattern, timeout, count=1):
        return self.run.wait_log(pattern, timeout, count=count)

    def close(self, keep=False):
        self.run.cleanup(keep=keep)


def agent_programs(extra=None):
    """The sample programs every agent runs: web (runs), job (started on
    demand, exits quickly), and the state recorder that is the agent's own
    account of its PROCESS_STATE events (statelog.sh)."""
    progs = {
        "program:web": {"command": "{exit} --sleep inf", "startsecs": "0",
                        "stopwaitsecs": "5"},
        "program:job": {"command": "{exit} --sleep inf", "startsecs": "0",
                        "autostart": "false"},
        "eventlistener:statelog": {
            "command": "/bin/sh %s {tmp}/states.log" % STATELOG,
            "events": "PROCESS_STATE", "buffer_size": "1000",
            "startsecs": "0"},
    }
    progs.update(extra or {})
    return progs


class Agent:
    """fleetvisord (an apiextra.Box: own dir, unix socket, XML-RPC) whose
    [fleet] section dials `controllers`."""

    def __init__(self, node, controllers, labels=None, programs=None,
                 fleet=None, heartbeat=1):
        impl = H.Impl("fv", FV)
        self.node = node
        self.fleet_keys = {"controller": " ".join(controllers),
                           "name": node, "heartbeat": heartbeat}
        if labels:
            self.fleet_keys["labels"] = ",".join(
                "%s=%s" % kv for kv in sorted(labels.items()))
        self.labels = dict(labels or {})
        self.box = A.Box(impl, "agent-" + node, {})
        self.tmp = self.box.tmp
        self.secret = make_secret(self.tmp / "secret")
        self.fleet_keys["secret_file"] = str(self.secret)
        self.fleet_keys.update(fleet or {})
        self.programs = agent_programs(programs)
        self.configure()

    def configure(self):
        secs = {"unix_http_server": {"file": str(self.box.sock)}}
        secs.update(A.RPCIFACE)
        secs.update(self.programs)
        secs["fleet"] = self.fleet_keys
        self.box.run.configure(secs, supervisord={"identifier": self.node})

    @property
    def run(self):
        return self.box.run

    def start(self, timeout=25):
        self.box.start(timeout=timeout)

    def rpc(self):
        return self.box.rpc()

    def pids(self):
        return {p["name"]: p["pid"]
                for p in self.rpc().supervisor.getAllProcessInfo()}

    def states_log(self):
        """The recorder's lines: dicts of the header and payload tokens
        (serial, eventname, processname, from_state, ...), in order."""
        try:
            text = (self.tmp / "states.log").read_text(errors="replace")
        except FileNotFoundError:
            return []
        out = []
        for line in text.splitlines():
            d = {}
            for tok in line.split():
                k, _, v = tok.partition(":")
                d[k] = v
            out.append(d)
        return out

    def signal(self, sig):
        self.box.run.signal(sig)

    def kill9(self):
        pid = self.box.run.daemon_pid()
        os.kill(pid, signal.SIGKILL)
        H.wait_until(lambda: not self.box.run.alive(), 15,
                     what="agent %s to die" % self.node)

    def close(self, keep=False):
        self.box.close(keep=keep)


class Fleet:
    """A controller and agents named PREFIX01..PREFIXnn.

    labels(i) gives agent i's labels.  Use as a context manager, or call
    close() in a finally: every daemon is torn down even when a wait
    failed (and its sandbox kept for a look)."""

    def __init__(self, n, prefix="n", labels=None, heartbeat=1,
                 lost_after=3, controller=None, agent_fleet=None,
                 programs=None, transport="tcp"):
        self.agents = []
        # Options every fleetvisorctl of this fleet gets (TLS files).
        self.client_opts = []
        if controller is None:
            if transport == "ipc":
                d = Path(tempfile.mkdtemp(prefix="fvfleet-ipc-"))
                self.ipcdir = d
                controller = Controller(
                    agents="ipc://%s/agents" % d,
                    clients="ipc://%s/clients" % d,
                    heartbeat=heartbeat, lost_after=lost_after)
            else:
                controller = Controller(heartbeat=heartbeat,
                                        lost_after=lost_after)
        self.ctr = controller
        for i in range(1, n + 1):
            node = "%s%02d" % (prefix, i)
            a = Agent(node, [self.ctr.agents_url],
                      labels=labels(i) if labels else None,
                      programs=programs, fleet=agent_fleet,
                      heartbeat=heartbeat)
            self.ctr.add_node(node, a.secret)
            self.agents.append(a)

    def __enter__(self):
        return self

    def __exit__(self, et, ev, tb):
        self.close(keep=et is not None)

    def agent(self, node):
        return next(a for a in self.agents if a.node == node)

    @property
    def nodes(self):
        return [a.node for a in self.agents]

    def start(self, timeout=40):
        self.ctr.start()
        H.in_parallel([lambda a=a: a.start() for a in self.agents])
        self.wait_connected(self.nodes, timeout)

    # -- the client ----------------------------------------------------------

    def ctl(self, *args, url=None, opts=(), timeout=60):
        """fleetvisorctl -s CONTROLLER [opts] ARGS -> (rc, out, err)."""
        argv = [CTL, "-s", url or self.ctr.clients_url] + \
            self.client_opts + list(opts) + list(args)
        p = subprocess.run(argv, capture_output=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout.decode(errors="replace"), \
            p.stderr.decode(errors="replace")

    def hosts(self, opts=()):
        """The registry as fleetvisorctl hosts --json shows it:
        {node: row}."""
        rc, out, err = self.ctl("hosts", "--json", opts=opts, timeout=30)
        if rc != 0:
            raise H.HarnessError("hosts: rc %d %s %s" % (rc, out, err))
        return {r["node"]: r for r in json.loads(out)}

    def wait_hosts(self, pred, timeout, what):
        last = {}

        def ok():
            nonlocal last
            try:
                last = self.hosts()
            except (H.HarnessError, ValueError, subprocess.TimeoutExpired):
                return False
            return pred(last)
        try:
            return H.wait_until(ok, timeout, interval=0.2, what=what)
        except H.HarnessError as e:
            raise H.HarnessError("%s; registry %s\n%s" % (
                e, {k: v["state"] for k, v in last.items()},
                self.ctr.run.describe()))

    def wait_connected(self, nodes, timeout=30):
        nodes = list(nodes)
        return self.wait_hosts(
            lambda h: all(h.get(n, {}).get("state") == "connected"
                          for n in nodes),
            timeout, "%d agents connected" % len(nodes))

    def wait_state(self, node, state, timeout):
        return self.wait_hosts(
            lambda h: h.get(node, {}).get("state") == state, timeout,
            "%s %s" % (node, state))

    def events_proc(self, out_path, *args):
        """fleetvisorctl events ... writing to out_path (a Popen; the
        caller ends it)."""
        f = open(out_path, "wb")
        try:
            return self.ctr.run.start_extra(
                [CTL, "-s", self.ctr.clients_url] + self.client_opts +
                ["events"] + list(args),
                stdout=f, stderr=subprocess.STDOUT)
        finally:
            f.close()

    def close(self, keep=False):
        errors = []
        for x in self.agents + [self.ctr]:
            try:
                x.close(keep=keep)
            except Exception as e:       # noqa: BLE001 - tear down the rest
                errors.append(e)
        if keep:
            H.log("fleet kept: controller %s, agents %s" % (
                self.ctr.tmp, " ".join(str(a.tmp) for a in self.agents)))
        elif getattr(self, "ipcdir", None):
            import shutil
            shutil.rmtree(self.ipcdir, ignore_errors=True)
        if errors:
            raise errors[0]


def read_json_lines(path):
    """Whole JSON lines of a file being written (a partial last line is
    left for the next look)."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return []
    out = []
    for line in data.split(b"\n")[:-1]:
        line = line.strip()
        if line.startswith(b"{"):
            out.append(json.loads(line))
    return out


def timed(fn):
    t0 = time.monotonic()
    v = fn()
    return v, time.monotonic() - t0


class DelayProxy:
    """A TCP forwarder that holds every chunk `delay` seconds before
    passing it on, both ways: latency without netem (RELIABILITY C13; the
    kernel here has no sch_netem).  One listener per (listen port ->
    target port) pair, so a controller URL and its events companion can
    both go through it: `DelayProxy(0.3, {P: ("127.0.0.1", Q), P + 1:
    ("127.0.0.1", Q + 1)})`.

    Each direction of each connection is a reader that stamps what it
    reads and a writer that sleeps until stamp + delay: the added latency
    is `delay` per crossing, and throughput is not cut to one chunk per
    delay.  `chunks` counts the chunks forwarded per listen port."""

    def __init__(self, delay, routes, host="127.0.0.1"):
        self.delay = delay
        self.routes = dict(routes)
        self.chunks = {p: 0 for p in self.routes}
        self.closing = False
        self.lock = threading.Lock()
        self.socks = []
        self.threads = []
        self.listeners = []
        for port, target in self.routes.items():
            ls = socket.socket()
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            ls.bind((host, port))
            ls.listen(64)
            self.listeners.append(ls)
            self._thread(self._accept, ls, port, target)

    def _thread(self, fn, *args):
        t = threading.Thread(target=fn, args=args, daemon=True)
        t.start()
        self.threads.append(t)

    def _accept(self, ls, port, target):
        while not self.closing:
            try:
                c, _ = ls.accept()
            except OSError:
                return
            try:
                u = socket.create_connection(target, timeout=5)
            except OSError:
                c.close()
                continue
            u.settimeout(None)
            for s in (c, u):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.lock:
                self.socks += [c, u]
            self._pipe(c, u, port)
            self._pipe(u, c, port)

    def _pipe(self, src, dst, port):
        q = queue.Queue()

        def reader():
            while True:
                try:
                    data = src.recv(65536)
                except OSError:
                    data = b""
                q.put((time.monotonic() + self.delay, data))
                if not data:
                    return

        def writer():
            while True:
                due, data = q.get()
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                if not data:
                    break
                try:
                    dst.sendall(data)
                except OSError:
                    break
                with self.lock:
                    self.chunks[port] += 1
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self._thread(reader)
        self._thread(writer)

    def close(self):
        self.closing = True
        for s in self.listeners:
            s.close()
        with self.lock:
            socks = list(self.socks)
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
