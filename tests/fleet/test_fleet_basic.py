"""A controller and 20 fleetvisord agents over ipc:// (loopback), driven
with fleetvisorctl -s CONTROLLER.

  test_registry         all 20 connected, with their labels and process
                        summaries; hosts by glob and by label
  test_fanout           status / stop / start / restart to all, to a host
                        glob and to a label, results per host, checked
                        against every agent's own XML-RPC; a fault per host
  test_unanswering_host one agent SIGSTOPped: a fleet-wide status returns
                        at its deadline with that host "timed out" and all
                        others' rows; a command that does not select it is
                        not delayed at all
  test_events_exactly_once  every PROCESS_STATE event of every agent (the
                        agent's own account: an event listener in each
                        agent, statelog.sh) reaches `fleetvisorctl events`
                        exactly once, in order per host, with no GAP
  test_slow_subscriber  an events client SIGSTOPped during a flood of
                        PROCESS_LOG events does not delay another client
                        or the controller's answers
  test_tail             tail -N and maintail through the controller; tail -f
                        (polled with offsets) gives a contiguous stretch of
                        the agent's own log file: nothing twice, nothing
                        skipped
"""

import json
import os
import re
import select
import signal
import subprocess
import time

import pytest

import fleetharness as F
import fvharness as H

pytestmark = [
    pytest.mark.skipif(F.binaries_missing() is not None,
                       reason=str(F.binaries_missing())),
]

N = 20
ROW = re.compile(r"^(\S+)\s+(\S+)\s+([A-Z]+)\s*(.*)$")
STATES = ("RUNNING", "STOPPED", "STARTING", "EXITED", "FATAL", "BACKOFF",
          "STOPPING")

CHATTY = {"program:chatty": {
    "command": "{exit} --sleep inf --tick 1 --tick-bytes 300",
    "autostart": "false", "startsecs": "0",
    "stdout_events_enabled": "true"}}


def role(i):
    return {"role": "web" if i % 2 else "db", "idx": str(i)}


@pytest.fixture(scope="module")
def fleet():
    f = F.Fleet(N, labels=role, heartbeat=1, lost_after=10,
                transport="ipc", programs=CHATTY)
    ok = False
    try:
        f.start(timeout=60)
        yield f
        ok = True
    finally:
        f.close(keep=not ok)


def rows(out):
    got = []
    for line in out.splitlines():
        m = ROW.match(line)
        if m and m.group(3) in STATES:
            got.append(m.groups())
    return got


def host_lines(out, text):
    """Hosts with a line `HOST  text`."""
    rx = re.compile(r"^(\S+)\s+%s$" % re.escape(text))
    return sorted(m.group(1) for m in map(rx.match, out.splitlines()) if m)


def own_states(fleet, name):
    return {a.node: a.rpc().supervisor.getProcessInfo(name)["statename"]
            for a in fleet.agents}


def own_pids(fleet, name):
    return {a.node: a.rpc().supervisor.getProcessInfo(name)["pid"]
            for a in fleet.agents}


def test_registry(fleet):
    rows_ = fleet.hosts()
    assert sorted(rows_) == fleet.nodes
    for i, a in enumerate(fleet.agents, 1):
        r = rows_[a.node]
        assert r["state"] == "connected", r
        assert r["labels"] == role(i), r
        assert r["instance_id"] and r["agent_version"], r
    # Summaries follow heartbeats: web and statelog running, job stopped.
    fleet.wait_hosts(lambda h: all(
        r["processes"]["running"] == 2 and r["processes"]["stopped"] == 2
        for r in h.values()), 10, "process summaries")
    rc, out, err = fleet.ctl("hosts", "--json", "n1*")
    assert rc == 0 and sorted(r["node"] for r in json.loads(out)) == \
        ["n1%d" % i for i in range(10)], (out, err)
    rc, out, err = fleet.ctl("hosts", "--json", "role=db")
    assert sorted(r["node"] for r in json.loads(out)) == \
        ["n%02d" % i for i in range(2, N + 1, 2)], (out, err)
    rc, out, _ = fleet.ctl("hosts")
    assert rc == 0 and out.count("connected") == N, out


def test_second_controller_refused(fleet):
    """A second controller on the same pidfile does not start: it names
    the running one's pid, leaves its pidfile alone, and the first one
    goes on serving."""
    ctr = fleet.ctr
    pid = ctr.run.daemon_pid()
    p = subprocess.run([F.CONTROLLER, "-n", "-c", str(ctr.run.conf)],
                       capture_output=True, text=True, timeout=30,
                       cwd=str(ctr.tmp))
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    assert ("another controller is running (pid %d, pidfile %s)"
            % (pid, ctr.run.pidfile)) in p.stderr, p.stderr
    assert ctr.run.pidfile.read_text().strip() == str(pid)
    rc, out, _ = fleet.ctl("hosts")
    assert rc == 0 and out.count("connected") == N, out


def test_sigusr1_ignored_unless_wedged(fleet):
    """SIGUSR1 is how the controller's nng watch (ctr_on_wedged) wakes
    its main loop to stop and exit 70; from outside, on a controller
    whose nng tears pipes down, it is logged and ignored."""
    ctr = fleet.ctr
    pid = ctr.run.daemon_pid()
    os.kill(pid, signal.SIGUSR1)
    ctr.wait_log(r"received SIGUSR1: ignored", 15)
    assert ctr.run.alive()
    rc, out, _ = fleet.ctl("hosts")
    assert rc == 0 and out.count("connected") == N, out


def test_fanout(fleet):
    nodes = fleet.nodes
    rc, out, err = fleet.ctl("status")
    got = rows(out)
    assert sorted({r[0] for r in got}) == nodes, out
    assert len(got) == 4 * N, out
    assert all(r[2] == "RUNNING" for r in got if r[1] == "web"), out
    assert all(r[2] == "STOPPED" for r in got if r[1] == "job"), out
    assert rc == 3, (rc, out, err)          # some are not running

    # Everyone.
    rc, out, err = fleet.ctl("stop", "web")
    assert host_lines(out, "web: stopped") == nodes and rc == 0, (out, err)
    assert set(own_states(fleet, "web").values()) == {"STOPPED"}
    rc, out, err = fleet.ctl("start", "web")
    assert host_lines(out, "web: started") == nodes and rc == 0, (out, err)
    assert set(own_states(fleet, "web").values()) == {"RUNNING"}

    # A host glob: only n01..n09 restart.
    before = own_pids(fleet, "web")
    rc, out, err = fleet.ctl("restart", "n0*/web")
    first = ["n%02d" % i for i in range(1, 10)]
    assert host_lines(out, "web: stopped") == first, out
    assert host_lines(out, "web: started") == first, out
    after = own_pids(fleet, "web")
    assert [n for n in nodes if after[n] != before[n]] == first

    # A label: the db half stops, the web half is untouched.
    rc, out, err = fleet.ctl("stop", "web", opts=["-l", "role=db"])
    db = ["n%02d" % i for i in range(2, N + 1, 2)]
    assert host_lines(out, "web: stopped") == db and rc == 0, (out, err)
    st = own_states(fleet, "web")
    assert all(st[n] == ("STOPPED" if n in db else "RUNNING")
               for n in nodes), st
    rc, out, err = fleet.ctl("start", "web", opts=["-l", "role=db"])
    assert host_lines(out, "web: started") == db, out

    # Per-host data: pids as every agent knows them.
    rc, out, err = fleet.ctl("--json", "status", "web")
    doc = json.loads(out)
    assert {d["host"]: d["pid"] for d in doc} == own_pids(fleet, "web")
    # A fault on every host, each reported.
    rc, out, err = fleet.ctl("start", "nope")
    assert host_lines(out, "nope: ERROR (no such process)") == nodes, out
    assert rc != 0
    # A host pattern that matches nothing runs nothing.
    rc, out, err = fleet.ctl("stop", "zz*/web")
    assert rc != 0 and "no such host" in out + err, (out, err)
    assert set(own_states(fleet, "web").values()) == {"RUNNING"}


def test_unanswering_host(fleet):
    a = fleet.agent("n05")
    a.signal(signal.SIGSTOP)
    try:
        (rc, out, err), took = F.timed(
            lambda: fleet.ctl("status", "web", opts=["-t", "3"]))
        got = rows(out)
        assert sorted(r[0] for r in got) == \
            [n for n in fleet.nodes if n != "n05"], out
        assert re.search(r"^n05\s+(timed out|no answer)", out + err, re.M), (out, err)
        assert 2 <= took <= 6, took
        # As with several servers, a status that could not reach a host
        # exits 4 (state unknown; ctl/README.md "Through a controller").
        status_rc = rc
        # Hosts that do not include it answer at once.
        (rc, out, err), took = F.timed(
            lambda: fleet.ctl("status", "n1*/web", opts=["-t", "3"]))
        assert len(rows(out)) == 10 and rc == 0, (out, err)
        assert took < 2, took
    finally:
        a.signal(signal.SIGCONT)
    fleet.wait_connected(["n05"], 15)
    rc, out, err = fleet.ctl("status", "n05/web")
    assert rc == 0 and rows(out)[0][2] == "RUNNING", (out, err)
    assert status_rc == 4, status_rc


class EventsClient:
    """fleetvisorctl events --json ... in the background, its lines read
    from a file."""

    def __init__(self, fleet, name, *args):
        self.path = fleet.ctr.tmp / ("events-%s.jsonl" % name)
        self.proc = fleet.events_proc(self.path, "--json", *args)
        self.fleet = fleet

    def lines(self):
        return F.read_json_lines(self.path)

    def wait_started(self, nodes, timeout=15):
        """{node: the serial its stream starts after}."""
        def ok():
            st = {d["host"]: d.get("serial", 0) for d in self.lines()
                  if d.get("type") == "START"}
            return st if all(n in st for n in nodes) else None
        return H.wait_until(ok, timeout, what="START lines of %d hosts" %
                            len(nodes))

    def live(self, nodes, glob):
        """Make sure the subscription is live: restart GLOB/web and wait
        until every node's restart came through.  Returns {node: the
        serial of the last event seen}, where comparisons start.

        Events published while the controller's PUB has not yet attached
        the client's connection are lost, even though the client got its
        Subscribe answer (its START lines): the client reports those as a
        GAP, and nothing says that it is before the first event after
        START.  So the exactly-once checks start from an event seen."""
        start = self.wait_started(nodes)
        rc, out, err = self.fleet.ctl("restart", "%s/web" % glob)
        assert rc == 0, (out, err)

        def seen():
            last = {}
            for n in nodes:
                evs = [e for e in self.events(n, ("web",))
                       if e[0] > int(start[n])]
                if not evs or evs[-1][1] != "PROCESS_STATE_RUNNING":
                    return None
                last[n] = evs[-1][0]
            return last
        last = H.wait_until(seen, 20, interval=0.1,
                            what="the warm-up restarts relayed")
        gaps = [d for d in self.lines() if d.get("type") == "GAP"]
        if gaps:
            H.log("events: GAP right after START (subscription race): %r"
                  % gaps)
        return last

    def events(self, host, names=None, after=0):
        out = []
        for d in self.lines():
            if d.get("host") != host or d.get("controller") or \
                    d.get("type") in ("START", "GAP") or \
                    d.get("serial", 0) <= after:
                continue
            if names and d["headers"].get("processname") not in names:
                continue
            out.append((d["serial"], d["type"],
                        d["headers"].get("processname"),
                        d["headers"].get("from_state")))
        return out

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except Exception:      # noqa: BLE001 - killed in cleanup
                self.proc.kill()


def own_events(agent, after, names):
    return [(int(d["serial"]), d["eventname"], d.get("processname"),
             d.get("from_state"))
            for d in agent.states_log()
            if int(d.get("serial", 0)) > after and
            d.get("processname") in names]


def test_events_exactly_once(fleet):
    names = ("web", "job")
    ev = EventsClient(fleet, "once", "--type", "PROCESS_STATE")
    try:
        start = ev.live(fleet.nodes, "*")
        for cmd in (("restart", "web"), ("start", "job"),
                    ("restart", "n1*/web"), ("stop", "job"),
                    ("restart", "web")):
            rc, out, err = fleet.ctl(*cmd)
            assert rc == 0, (cmd, out, err)

        behind = {}

        def settled():
            behind.clear()
            for a in fleet.agents:
                mine = own_events(a, start[a.node], names)
                got = ev.events(a.node, names, start[a.node])
                # restart web twice (+1 for n1*), start and stop job.
                want = 4 * (3 if a.node.startswith("n1") else 2) + 4
                if len(mine) < want or len(got) < len(mine):
                    behind[a.node] = (want, mine, got)
            return not behind
        try:
            H.wait_until(settled, 30, interval=0.2,
                         what="every agent's state changes relayed")
        except H.HarnessError as e:
            node = sorted(behind)[0]
            raise H.HarnessError("%s: %d hosts behind; %s wants %d, has "
                                 "%r, relayed %r" % ((e, len(behind), node) +
                                                     behind[node]))
        for a in fleet.agents:
            mine = own_events(a, start[a.node], names)
            got = ev.events(a.node, names, start[a.node])
            assert got == mine, (a.node, got, mine)
        # No GAP once the subscription was live.
        gaps = [d for d in ev.lines() if d.get("type") == "GAP" and
                d.get("from", 0) > start[d["host"]]]
        assert not gaps, gaps
    finally:
        ev.close()


def test_slow_subscriber(fleet):
    slow = EventsClient(fleet, "slow")
    fast = EventsClient(fleet, "fast", "--type", "PROCESS_STATE",
                        "--host", "n01")
    try:
        slow.wait_started(fleet.nodes)
        start = fast.live(["n01"], "n01")
        slow.proc.send_signal(signal.SIGSTOP)
        rc, out, err = fleet.ctl("start", "n0[1-4]/chatty")
        assert rc == 0, (out, err)
        # The flood runs while the slow client's buffers fill: the
        # controller keeps answering and the fast client keeps up.
        t_end = time.monotonic() + 4
        while time.monotonic() < t_end:
            (rc, out, err), took = F.timed(
                lambda: fleet.ctl("hosts", "n01"))
            assert rc == 0 and took < 1.5, (took, out, err)
        rc, out, err = fleet.ctl("stop", "n0[1-4]/chatty")
        assert rc == 0, (out, err)
        t0 = time.monotonic()
        rc, out, err = fleet.ctl("restart", "n01/web")
        assert rc == 0, (out, err)
        a = fleet.agent("n01")
        mine = []

        def arrived():
            mine[:] = own_events(a, start["n01"], ("web", "chatty"))
            return len(mine) >= 8 and \
                fast.events("n01", ("web", "chatty"), start["n01"]) == mine
        H.wait_until(arrived, 10, interval=0.1,
                     what="the fast client's events")
        assert time.monotonic() - t0 < 5
    finally:
        slow.proc.send_signal(signal.SIGCONT)
        slow.close()
        fast.close()
    gaps = [d for d in slow.lines() if d.get("type") == "GAP"]
    H.log("slow subscriber: %d lines, %d GAP lines" % (len(slow.lines()),
                                                      len(gaps)))


def _read_until(stream, marker, timeout):
    """Read stream (a pipe) until marker has arrived; the bytes read."""
    deadline = time.monotonic() + timeout
    got = b""
    fd = stream.fileno()
    while marker not in got:
        left = deadline - time.monotonic()
        assert left > 0, "no %r within %ss: %r" % (marker, timeout, got)
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 4096)
            assert chunk, "EOF before %r: %r" % (marker, got)
            got += chunk
    return got


def test_tail(fleet):
    a = fleet.agents[2]
    node = a.node
    rc, out, err = fleet.ctl("start", "%s/chatty" % node)
    assert rc == 0, (out, err)
    path = a.rpc().supervisor.getProcessInfo("chatty")["stdout_logfile"]
    H.wait_until(lambda: os.path.exists(path) and
                 os.path.getsize(path) > 900, 20, what="chatty's log")
    try:
        # -N: that many of the newest bytes, shown after the host's name.
        rc, out, err = fleet.ctl("tail", "-200", "%s/chatty" % node)
        assert rc == 0 and out.startswith(node + "  "), (rc, out, err)
        shown = "".join(line[len(node) + 2:] + "\n"
                        for line in out.splitlines())
        with open(path, "rb") as f:
            whole = f.read().decode(errors="replace")
        assert shown.strip("\n") and shown.strip("\n") in whole, shown
        # A process that does not exist, and maintail.
        rc, out, err = fleet.ctl("tail", "%s/nosuch" % node)
        assert rc == 1 and "nosuch: ERROR (no such process name)" in out, \
            (rc, out, err)
        rc, out, err = fleet.ctl("maintail", "%s/-300" % node)
        assert rc == 0 and "%s  " % node in out, (rc, out, err)

        # -f: polled with the offset each answer ends at; what arrives is
        # one stretch of the file.
        p = subprocess.Popen([F.CTL, "-s", fleet.ctr.clients_url] +
                             fleet.client_opts +
                             ["tail", "-f", "%s/chatty" % node],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL)
        # The SIGINT must not reach a client still starting up (it would
        # die before printing anything): wait for its banner first.
        first = _read_until(p.stdout, b"==> Press Ctrl-C to exit <==\n", 20)
        size0 = os.path.getsize(path)
        H.wait_until(lambda: os.path.getsize(path) > size0 + 1500, 20,
                     what="chatty writing 1500 more bytes")
        p.send_signal(signal.SIGINT)
        got, errs = p.communicate(timeout=20)
        text = (first + got).decode(errors="replace")
        body = text.split("==> Press Ctrl-C to exit <==\n", 1)[-1]
        body = body.rstrip("\n")
        with open(path, "rb") as f:
            whole = f.read().decode(errors="replace")
        assert len(body) > 900, (text, errs)
        assert body in whole, (body[:300], errs)
    finally:
        fleet.ctl("stop", "%s/chatty" % node)
