"""(f) fleet: one fleetvisor-controller and N fleetvisord agents against
N supervisord 4.2.5 driven one after another with `supervisorctl -s`.

Every agent (and every 4.2.5 daemon, on the same generated config: 4.2.5
ignores the [fleet] section) runs 20 sleepers in group "grp" and two
groups of FLAPPERS programs that are not started: "flap" (scenario (d)'s
/bin/sh that exits 1 at once until a file exists) and "pace" (the same
cycle once a second: it sleeps 1 s, then exits). The two fleets are up one
after the other, never together, so that each is measured alone (the
idle CPU of each is a row of the table) and the peak is N*21 processes,
not twice that. Measured, each repeated:

1. fleet-wide status: `fleetvisorctl -s tcp://controller status` (every
   run must list the N*20 sleepers RUNNING and the rest) against the
   admin's loop `for each host: supervisorctl -s unix://... status`; the
   same loop with our fleetvisorctl against the agents directly (client
   cost against protocol), and fleetvisorctl with N `-s` (its
   multi-server mode: a thread per server, no controller). Limit: one
   agent's status with fleetvisorctl, the one round trip a parallel
   fan-out cannot avoid.
2. fan-out restart of grp:* on every host, the same three ways (every
   host must answer 20 "started"). Limits: one agent restarting its group
   alone, and the machine's SIGTERM+reap then fork+exec of all N*20
   (bench_forkexec), since the agents share its two CPUs.
3. event relay: `fleetvisorctl events` (text, unfiltered, read by a thread
   here) subscribed to the controller while every agent's "pace" group,
   then its "flap" group, cycles. Over the window: events/s at the client,
   events/s the agents emitted (their own serials, as the registry has
   them from heartbeats and events), and, until the stream drained, lost =
   serials of a host that never reached the client. Per process group
   (client, controller, all agents): time on a CPU and time runnable but
   waiting for one (/proc/PID/task/*/schedstat), as % of the window, which
   tells a busy relay from a starved one.
"""

import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from . import conf
from .procs import (Daemon, kill_tree, parse_kv, poll, proc_rss_kib,
                    run_tool, spawn)
from .table import Row, med

PROGS = 20
FLAPPERS = 5


def sched_s(pids):
    """(on CPU, runnable but waiting for a CPU) in seconds, summed over
    every thread of pids (/proc/PID/task/TID/schedstat)."""
    run = wait = 0
    for pid in pids:
        try:
            tids = os.listdir("/proc/%d/task" % pid)
        except OSError:
            continue
        for t in tids:
            try:
                with open("/proc/%d/task/%s/schedstat" % (pid, t)) as fh:
                    f = fh.read()
            except OSError:
                continue
            a, b = f.split()[:2]
            run, wait = run + int(a), wait + int(b)
    return run / 1e9, wait / 1e9


def free_port_pair():
    """A port P with P+1 free too (a controller URL and its companion).
    Bound and released, so it is used at once."""
    for _ in range(200):
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            p = a.getsockname()[1]
            if p >= 65535:
                continue
            with socket.socket() as b:
                try:
                    b.bind(("127.0.0.1", p + 1))
                except OSError:
                    continue
                return p
    raise SystemExit("no free port pair on 127.0.0.1")


class Controller:
    """fleetvisor-controller in the foreground, PROOF_NONE on loopback."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.dir = Path(ctx.workroot) / "f-controller"
        self.dir.mkdir(parents=True)
        self.agents = "tcp://127.0.0.1:%d" % free_port_pair()
        self.clients = "tcp://127.0.0.1:%d" % free_port_pair()
        self.log = self.dir / "controller.log"
        # lost_after well above the heartbeat: while the flappers keep
        # both CPUs busy a late heartbeat must not mark a node lost.
        (self.dir / "controller.conf").write_text("\n".join([
            "[controller]", "agents = %s" % self.agents,
            "clients = %s" % self.clients, "allow_unproven = true",
            "heartbeat = 1", "lost_after = 10", "command_timeout = 120",
            "logfile = %s" % self.log, "logfile_maxbytes = 0",
            "pidfile = %s" % (self.dir / "controller.pid"), ""]))
        self.proc = None

    def start(self):
        self.out = open(self.dir / "controller.out", "wb")
        self.proc = spawn([self.ctx.controller, "-n", "-c",
                           self.dir / "controller.conf"], stdout=self.out,
                          stderr=subprocess.STDOUT, cwd=self.dir)

        def started():
            if self.proc.poll() is not None:
                raise SystemExit("fleetvisor-controller exited with %s; "
                                 "see %s" % (self.proc.returncode, self.dir))
            try:
                return b" started" in self.log.read_bytes()
            except FileNotFoundError:
                return False
        poll(started, 30, "the controller to start", 0.02)

    def rss_kib(self):
        return proc_rss_kib(self.proc.pid)


def agent_conf(ctx, node, ctr, stopfile):
    """The body both daemons get: [fleet] (ignored by 4.2.5), grp, flap."""
    names = ["p%02d" % i for i in range(PROGS)]
    flap = ["f%02d" % i for i in range(FLAPPERS)]
    out = []
    for n in names:
        out.append("[program:%s]\ncommand=%s\nstartsecs=0\n"
                   "stdout_logfile=NONE\nstderr_logfile=NONE\n" % (
                       n, conf.SLEEPER))
    pace = ["q%02d" % i for i in range(FLAPPERS)]
    for n in flap:
        out.append("[program:%s]\ncommand=/bin/sh -c '[ -e %s ]'\n"
                   "autostart=false\nstartsecs=0\nexitcodes=0\n"
                   "autorestart=unexpected\nstdout_logfile=NONE\n"
                   "stderr_logfile=NONE\n" % (n, stopfile))
    # The same cycle once a second: sleep's exit 0 is unexpected here.
    for n in pace:
        out.append("[program:%s]\ncommand=/bin/sh -c '[ -e %s ] && exit 1; "
                   "exec /bin/sleep 1'\nautostart=false\nstartsecs=0\n"
                   "exitcodes=1\nautorestart=unexpected\n"
                   "stdout_logfile=NONE\nstderr_logfile=NONE\n" % (
                       n, stopfile))
    out.append(conf.group("grp", names))
    out.append(conf.group("flap", flap))
    out.append(conf.group("pace", pace))
    if ctr is not None:
        out.append("[fleet]\ncontroller = %s\nname = %s\nheartbeat = 1\n" % (
            ctr.agents, node))
    return "".join(out)


def timed(argv, timeout=900):
    """(seconds, CompletedProcess) of one client run."""
    t0 = time.monotonic()
    p = subprocess.run([str(a) for a in argv], capture_output=True,
                       text=True, timeout=timeout)
    return time.monotonic() - t0, p


def must(p, what, codes=(0,)):
    if p.returncode not in codes:
        raise SystemExit("%s: exit %d\n%s%s" % (
            what, p.returncode, p.stdout[-2000:], p.stderr[-2000:]))
    return p


def count_rows(text, state):
    return sum(1 for line in text.splitlines() if (" %s " % state) in line)


def loop(argvs, what, check, codes=(0,)):
    """Run the clients one after another, as an admin's script would."""
    t0 = time.monotonic()
    for argv in argvs:
        _, p = timed(argv)
        check(must(p, what, codes))
    return time.monotonic() - t0


def stop_all(daemons, grace=120):
    """SIGTERM every daemon at once, then wait; kill what is left."""
    for d in daemons:
        if d.proc is not None and d.proc.poll() is None:
            d.proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for d in daemons:
        if d.proc is None:
            continue
        try:
            d.proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            kill_tree(d.proc.pid)
            d.proc.wait()


class Follower(threading.Thread):
    """Reads `fleetvisorctl events` (text) and counts per host: events,
    lowest and highest serial, the START serials and the GAP lines."""

    def __init__(self, argv):
        super().__init__(daemon=True)
        self.proc = spawn(argv, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
        self.count = 0
        self.hosts = {}  # host -> [count, lo, hi]
        self.start_serial = {}
        self.gap_missed = 0
        self.start()

    def run(self):
        tail = b""
        fd = self.proc.stdout.fileno()
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return
            lines = (tail + chunk).split(b"\n")
            tail = lines.pop()
            for line in lines:
                f = line.split(b" ", 4)
                if len(f) < 4:
                    continue
                host, serial, kind = f[1], f[2], f[3]
                if kind == b"START":
                    self.start_serial[host] = int(serial)
                    continue
                if kind == b"GAP":
                    a, _, b = f[4].partition(b":")[2].partition(b"-")
                    self.gap_missed += int(b or a) - int(a) + 1
                    continue
                if serial == b"-":
                    continue  # the controller's own events
                s = int(serial)
                h = self.hosts.get(host)
                if h is None:
                    self.hosts[host] = [1, s, s]
                else:
                    h[0] += 1
                    h[1] = min(h[1], s)
                    h[2] = max(h[2], s)
                self.count += 1

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            kill_tree(self.proc.pid)
            self.proc.wait()
        self.join(30)
        return self.proc.stderr.read().decode(errors="replace")


class Fleet:
    """The controller, its N agents and the client's command lines."""

    def __init__(self, ctx, n):
        self.ctx, self.n = ctx, n
        self.ctr = Controller(ctx)
        self.stopfile = Path(ctx.workroot) / "f-stop-flapping"
        self.agents = [Daemon(ctx, "fleetvisord", "f-h%03d" % i,
                              agent_conf(ctx, "h%03d" % i, self.ctr,
                                         self.stopfile))
                       for i in range(n)]
        self.url = self.ctr.clients

    def ctl(self, *words):
        return [self.ctx.fleetvisorctl, "-s", self.url, "-t", "120"] + list(
            words)

    def hosts(self):
        p = must(subprocess.run([str(a) for a in self.ctl(
            "hosts", "--json")], capture_output=True, text=True,
            timeout=60), "hosts")
        return json.loads(p.stdout or "[]")

    def start(self):
        t0 = time.monotonic()
        self.ctr.start()
        for a in self.agents:
            a.start()

        def up():
            for a in self.agents:
                a.alive()
            hs = self.hosts()
            return (sum(1 for h in hs if h["state"] == "connected")
                    == self.n and all(h["processes"]["running"] == PROGS
                                      for h in hs))
        poll(up, 300, "%d agents connected with %d RUNNING each" % (
            self.n, PROGS), 0.2)
        return time.monotonic() - t0

    def rss_mib(self):
        return (sum(a.rss_kib() for a in self.agents) +
                self.ctr.rss_kib()) / 1024

    def close(self):
        stop_all(self.agents + [self.ctr])


# status exits 3 (LSB "not running") because the flappers are STOPPED.
STATUS_OK = (0, 3)


def check_status(n):
    """n hosts' rows: 20 RUNNING and the flappers, nothing else."""
    def check(p):
        rows = len(p.stdout.splitlines())
        running = count_rows(p.stdout, "RUNNING")
        if running != n * PROGS or rows != n * (PROGS + 2 * FLAPPERS):
            raise SystemExit("status listed %d rows, %d RUNNING; expected "
                             "%d, %d:\n%s" % (
                                 rows, running, n * (PROGS + 2 * FLAPPERS),
                                 n * PROGS, p.stdout[-2000:]))
        return rows
    return check


def check_restart(n):
    def check(p):
        ok = p.stdout.count(": started")
        if ok != n * PROGS:
            raise SystemExit("restart: %d of %d started:\n%s" % (
                ok, n * PROGS, p.stdout[-3000:]))
    return check


def idle_cpu_pct(pids, seconds):
    """CPU of pids (all threads) over a window, as % of one core."""
    a, t0 = sched_s(pids)[0], time.monotonic()
    time.sleep(seconds)  # a measurement window, not a wait for a state
    return 100 * (sched_s(pids)[0] - a) / (time.monotonic() - t0)


def measure_fleet(ctx, n, reps, window):
    fl = Fleet(ctx, n)
    res = {"up_s": None, "status": [], "status_loop": [], "status_multi": [],
           "status_one": [], "restart": [], "restart_loop": [],
           "restart_one": [], "events_pace": [], "events_flap": []}
    try:
        res["up_s"] = fl.start()
        res["rss_mib"] = fl.rss_mib()
        res["idle_pct"] = idle_cpu_pct(
            [a.proc.pid for a in fl.agents] + [fl.ctr.proc.pid], window)
        res["threads"] = sum(len(os.listdir("/proc/%d/task" % a.proc.pid))
                             for a in fl.agents)
        ctx.log("(f) N=%d fleet up in %.1f s: %d agents (%d threads), "
                "controller; RSS %.0f MiB" % (n, res["up_s"], n,
                                              res["threads"], res["rss_mib"]))
        socks = [a.sock for a in fl.agents]
        fvctl = ctx.fleetvisorctl
        for rep in range(reps["status"]):
            t, p = timed(fl.ctl("status"))
            check_status(n)(must(p, "fleet status", STATUS_OK))
            res["status"].append(t)
            res["status_loop"].append(loop(
                [[fvctl, "-s", "unix://%s" % s, "status"] for s in socks],
                "fleetvisorctl status", check_status(1), STATUS_OK))
            multi = [fvctl]
            for s in socks:
                multi += ["-s", "unix://%s" % s]
            t, p = timed(multi + ["status"])
            check_status(n)(must(p, "multi-server status", STATUS_OK))
            res["status_multi"].append(t)
            t, p = timed([fvctl, "-s", "unix://%s" % socks[0], "status"])
            check_status(1)(must(p, "one agent's status", STATUS_OK))
            res["status_one"].append(t)
            ctx.log("(f) N=%d rep %d status: controller %.3f s, loop %.2f "
                    "s, multi %.3f s, one %.4f s" % (
                        n, rep + 1, res["status"][-1],
                        res["status_loop"][-1], res["status_multi"][-1], t))
        for rep in range(reps["restart"]):
            t, p = timed(fl.ctl("restart", "grp:*"))
            check_restart(n)(must(p, "fleet restart"))
            res["restart"].append(t)
            res["restart_loop"].append(loop(
                [[fvctl, "-s", "unix://%s" % s, "restart", "grp:*"]
                 for s in socks], "fleetvisorctl restart", check_restart(1)))
            t, p = timed([fvctl, "-s", "unix://%s" % socks[0], "restart",
                          "grp:*"])
            check_restart(1)(must(p, "one agent's restart"))
            res["restart_one"].append(t)
            ctx.log("(f) N=%d rep %d restart grp:*: controller %.3f s, "
                    "fleetvisorctl loop %.2f s, one agent %.3f s" % (
                        n, rep + 1, res["restart"][-1],
                        res["restart_loop"][-1], t))
        t, p = timed(fl.ctl("status"))
        check_status(n)(must(p, "status after the restarts", STATUS_OK))
        for rep in range(reps["events"]):
            for group in ("pace", "flap"):
                r = events(ctx, fl, window, group)
                res["events_" + group].append(r)
                ctx.log("(f) N=%d rep %d events (%s): %.0f/s at the "
                        "client, %.0f/s emitted, lost %d of %d; on CPU / "
                        "waiting (%% of window): %s; load %s" % (
                            n, rep + 1, group, r["delivered_per_s"],
                            r["emitted_per_s"], r["lost"], r["emitted"],
                            ", ".join("%s %.0f/%.0f" % (k, v[0], v[1])
                                      for k, v in r["sched_pct"].items()),
                            r["loadavg"]))
    finally:
        fl.close()
    return res


def serials(fl):
    return {h["node"].encode(): h.get("last_event_serial", 0)
            for h in fl.hosts()}


def events(ctx, fl, window, group):
    """Relay throughput: one events client while every agent's group
    (flap: as fast as it can; pace: once a second) flaps."""
    if fl.stopfile.exists():
        fl.stopfile.unlink()
    f = Follower(fl.ctl("events"))
    try:
        poll(lambda: len(f.start_serial) == fl.n or f.proc.poll() is not None,
             60, "the events client to start on %d hosts" % fl.n, 0.02)
        if f.proc.poll() is not None:
            raise SystemExit("fleetvisorctl events exited with %d: %s" % (
                f.proc.returncode, f.proc.stderr.read()))
        must(timed(fl.ctl("start", group + ":*"))[1], "start " + group,
             (0, 1, 7))
        poll(lambda: f.count > 0, 30, "a first relayed event", 0.02)
        time.sleep(1.0)  # warm-up: a window, not a state
        who = {"client": [f.proc.pid], "controller": [fl.ctr.proc.pid],
               "agents": [a.proc.pid for a in fl.agents]}
        s0, c0, t0 = serials(fl), f.count, time.monotonic()
        k0 = {k: sched_s(v) for k, v in who.items()}
        time.sleep(window)  # the measurement window
        k1 = {k: sched_s(v) for k, v in who.items()}
        s1, c1, t1 = serials(fl), f.count, time.monotonic()
        fl.stopfile.touch()

        def flap_done():
            _, p = timed(fl.ctl("status", group + ":*"))
            return (p.returncode in (0, 3) and
                    count_rows(p.stdout, "EXITED") == fl.n * FLAPPERS)
        poll(flap_done, 120, "every flapper to stay EXITED", 0.2)
        # Done when every host's last serial (heartbeats) has reached the
        # client, or, if the last events were lost, when the registry
        # stops moving for 3 heartbeats.
        last = {"s": None, "since": time.monotonic()}

        def drained():
            s = serials(fl)
            if all(f.hosts.get(h, [0, 0, -1])[2] >= v for h, v in s.items()):
                return s
            if s != last["s"]:
                last["s"], last["since"] = s, time.monotonic()
            return s if time.monotonic() - last["since"] > 3 else None
        final = poll(drained, 60, "the relayed events to drain", 0.2)
    finally:
        err = f.stop()
    emitted = delivered = 0
    for host, v in final.items():
        got, lo, hi = f.hosts.get(host, [0, None, None])
        if lo is None:
            # Nothing arrived: the whole stream since the START line
            # (the registry's serial when we subscribed) is lost.
            if host not in f.start_serial:
                raise SystemExit("%s never reached the events client; "
                                 "%s" % (host.decode(), err))
            lo, hi = f.start_serial[host] + 1, f.start_serial[host]
        emitted += max(v, hi) - lo + 1
        delivered += got
    dt = t1 - t0
    return {"delivered_per_s": (c1 - c0) / dt,
            "emitted_per_s": sum(s1[h] - s0.get(h, 0) for h in s1) / dt,
            "emitted": emitted, "delivered": delivered,
            "lost": emitted - delivered,
            "lost_pct": 100.0 * (emitted - delivered) / emitted,
            "gap_missed": f.gap_missed,
            "sched_pct": {k: [100 * (k1[k][i] - k0[k][i]) / dt
                              for i in (0, 1)] for k in who},
            "loadavg": open("/proc/loadavg").read().split()[0]}


def measure_baseline(ctx, n, reps, window):
    ds = [Daemon(ctx, "4.2.5", "f-h%03d" % i,
                 agent_conf(ctx, "h%03d" % i, None, "/nonexistent"))
          for i in range(n)]
    sctl = ctx.supervisorctl
    res = {"status_loop": [], "restart_loop": []}
    try:
        t0 = time.monotonic()
        for d in ds:
            d.start()
        for d in ds:
            d.wait_answer(300)
            poll(lambda: sum(1 for p in d.rpc(30).supervisor.
                             getAllProcessInfo()
                             if p["statename"] == "RUNNING") == PROGS,
                 120, "4.2.5's %d programs RUNNING" % PROGS, 0.1)
        res["up_s"] = time.monotonic() - t0
        res["rss_mib"] = sum(d.rss_kib() for d in ds) / 1024
        res["idle_pct"] = idle_cpu_pct([d.proc.pid for d in ds], window)
        ctx.log("(f) N=%d baseline: %d supervisord up in %.1f s, RSS %.0f "
                "MiB, idle CPU %.1f%%" % (n, n, res["up_s"], res["rss_mib"],
                                          res["idle_pct"]))
        for rep in range(reps["status"]):
            res["status_loop"].append(loop(
                [[sctl, "-s", "unix://%s" % d.sock, "status"] for d in ds],
                "supervisorctl status", check_status(1), STATUS_OK))
            ctx.log("(f) N=%d rep %d baseline status loop %.2f s" % (
                n, rep + 1, res["status_loop"][-1]))
        for rep in range(reps["restart"]):
            res["restart_loop"].append(loop(
                [[sctl, "-s", "unix://%s" % d.sock, "restart", "grp:*"]
                 for d in ds], "supervisorctl restart", check_restart(1)))
            ctx.log("(f) N=%d rep %d baseline restart loop %.2f s" % (
                n, rep + 1, res["restart_loop"][-1]))
    finally:
        stop_all(ds)
    return res


def run(ctx):
    n = 5 if ctx.quick else 100
    reps = ({"status": 2, "restart": 1, "events": 1} if ctx.quick else
            {"status": 5, "restart": 3, "events": 3})
    window = 2 if ctx.quick else 10
    lim = [parse_kv(line) for line in run_tool(
        [ctx.bin("forkexec"), "-n", n * PROGS, "-r", reps["restart"] + 1,
         "--", "/bin/sleep", "100000"]).splitlines()]
    machine = [a["stop_s"] + b["spawn_s"] for a, b in zip(lim, lim[1:])]
    ctx.log("(f) N=%d: SIGTERM+reap then fork+exec of %d: %.3f s" % (
        n, n * PROGS, min(machine)))
    fleet = measure_fleet(ctx, n, reps, window)
    base = measure_baseline(ctx, n, reps, window)
    return rows(n, fleet, base, machine), {"fleet": fleet, "4.2.5": base,
                                            "machine_restart_s": machine}


def rows(n, fl, base, machine):
    s = "f N=%d" % n
    total = n * PROGS
    out = [
        Row(s, "up: all connected, %d RUNNING (s)" % total,
            [base["up_s"]], [fl["up_s"]]),
        Row(s, "RSS of all daemons, +controller (MiB)", [base["rss_mib"]],
            [fl["rss_mib"]]),
        Row(s, "idle CPU of all daemons, +controller (% of a core)",
            [base["idle_pct"]], [fl["idle_pct"]]),
        Row(s, "status of %d hosts, via controller (s)" % n,
            base["status_loop"], fl["status"], fl["status_one"]),
        Row(s, "  fleetvisorctl loop over the agents (s)",
            base["status_loop"], fl["status_loop"]),
        Row(s, "  fleetvisorctl -s x %d (threads) (s)" % n,
            base["status_loop"], fl["status_multi"]),
        Row(s, "restart grp:* on %d hosts via controller (s)" % n,
            base["restart_loop"], fl["restart"], machine),
        Row(s, "  fleetvisorctl loop over the agents (s)",
            base["restart_loop"], fl["restart_loop"]),
        Row(s, "  one agent alone (s)", (), (), fl["restart_one"]),
    ]
    for group, what in (("pace", "%d x %d programs, 1 cycle/s" % (
            n, FLAPPERS)), ("flap", "%d x %d programs, flat out" % (
                n, FLAPPERS))):
        ev = fl["events_" + group]
        get = lambda k: [r[k] for r in ev]  # noqa: E731

        def sched(k):
            return "%.0f/%.0f" % (med([r["sched_pct"][k][0] for r in ev]),
                                  med([r["sched_pct"][k][1] for r in ev]))
        out += [
            Row(s, "events, %s: at the client (/s)" % what, (),
                get("delivered_per_s"), get("emitted_per_s")),
            Row(s, "  emitted by the agents (/s)", (),
                get("emitted_per_s")),
            Row(s, "  lost (% of emitted)", (), get("lost_pct"), (), "0",
                lambda o, f, lim, ev=ev: all(r["lost"] == 0 for r in ev)),
            Row(s, "  % on CPU/waiting: client, controller, agents", (),
                (), (), text=["-", ", ".join(
                    sched(k) for k in ("client", "controller", "agents"))
                    if ev else "-", "", "", "", ""]),
        ]
    return out
