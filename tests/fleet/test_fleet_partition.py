"""RELIABILITY C13: agents in network namespaces of their own, each
linked to the controller's (the root namespace) by a veth pair, so that
links can be cut for real.  Root only; skipped otherwise, with the reason.

  test_cut_link          one agent's link down: the controller reports it
                         lost within lost_after (plus one heartbeat of
                         slack) and answers commands to it at once; its
                         programs are untouched (same pids through its own
                         XML-RPC); the others stay connected; link up: it
                         is connected again with no manual step, and
                         commands reach it
  test_controller_restart  kill -9 the controller, start it again: the
                         registry is rebuilt from the agents within a few
                         heartbeats (their reconnect backoff is at most 5 s)
  test_agent_restart     kill -9 an agent and start it again: the
                         controller says "restarted" (log and a
                         ControllerEvent to `events --controller`), with a
                         new instance id

Layout: namespace fvpNNNN_k holds the agent's end of veth pair k
(10.R.k.2/24); the root end is 10.R.k.1; the controller listens on
0.0.0.0 and each agent dials its own root end.  Teardown deletes the
namespaces (which deletes the pairs) even on failure.
"""

import os
import re
import shutil
import signal
import subprocess
import time

import pytest

import fleetharness as F
import fvharness as H

HEARTBEAT, LOST_AFTER = 1, 3


def why_skip():
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "iproute2 (ip) is not installed"
    if F.binaries_missing():
        return F.binaries_missing()
    probe = "fvprobe%d" % os.getpid()
    p = subprocess.run(["ip", "netns", "add", probe], capture_output=True)
    if p.returncode != 0:
        return "cannot create a network namespace: %s" % \
            p.stderr.decode().strip()
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


_skip = why_skip()
pytestmark = pytest.mark.skipif(_skip is not None, reason=str(_skip))


def ip(*args, check=True):
    p = subprocess.run(["ip"] + list(args), capture_output=True, text=True,
                       timeout=20)
    if check and p.returncode != 0:
        raise H.HarnessError("ip %s: %s" % (" ".join(args), p.stderr))
    return p


class Net:
    """veth pair k: root end `host` (10.R.k.1), agent end in netns `ns`
    (10.R.k.2)."""

    def __init__(self, k):
        tag = os.getpid() % 10000
        self.ns = "fvp%d_%d" % (tag, k)
        self.host = "fvh%d_%d" % (tag, k)
        self.peer = "fva%d_%d" % (tag, k)
        octet = 100 + os.getpid() % 100
        self.root_ip = "10.%d.%d.1" % (octet, k)
        self.agent_ip = "10.%d.%d.2" % (octet, k)
        ip("netns", "add", self.ns)
        ip("link", "add", self.host, "type", "veth", "peer", "name",
           self.peer)
        ip("link", "set", self.peer, "netns", self.ns)
        ip("addr", "add", self.root_ip + "/24", "dev", self.host)
        ip("-n", self.ns, "addr", "add", self.agent_ip + "/24", "dev",
           self.peer)
        ip("link", "set", self.host, "up")
        ip("-n", self.ns, "link", "set", self.peer, "up")
        ip("-n", self.ns, "link", "set", "lo", "up")

    @property
    def prefix(self):
        return ("ip", "netns", "exec", self.ns)

    def cut(self):
        ip("-n", self.ns, "link", "set", self.peer, "down")
        ip("link", "set", self.host, "down")

    def heal(self):
        ip("link", "set", self.host, "up")
        ip("-n", self.ns, "link", "set", self.peer, "up")

    def close(self):
        ip("netns", "del", self.ns, check=False)
        ip("link", "del", self.host, check=False)


@pytest.fixture(scope="module")
def site():
    nets = []
    fleet = None
    ok = False
    try:
        port = F.free_port_pair("0.0.0.0")
        ctr = F.Controller(agents="tcp://0.0.0.0:%d" % port,
                           heartbeat=HEARTBEAT, lost_after=LOST_AFTER)
        fleet = F.Fleet(3, prefix="p", controller=ctr, heartbeat=HEARTBEAT)
        for k, a in enumerate(fleet.agents, 1):
            net = Net(k)
            nets.append(net)
            a.net = net
            a.fleet_keys["controller"] = "tcp://%s:%d" % (net.root_ip, port)
            a.configure()
        ctr.start()
        H.in_parallel([lambda a=a: a.box.start(prefix=a.net.prefix)
                       for a in fleet.agents])
        fleet.wait_connected(fleet.nodes, 30)
        yield fleet
        ok = True
    finally:
        if fleet is not None:
            fleet.close(keep=not ok)
        for n in nets:
            n.close()


def running_pids(agent):
    info = agent.rpc().supervisor.getAllProcessInfo()
    assert all(p["statename"] == "RUNNING" for p in info
               if p["name"] in ("web", "statelog")), info
    return {p["name"]: p["pid"] for p in info}


def test_cut_link(site):
    fleet = site
    a = fleet.agent("p02")
    pids = running_pids(a)
    a.net.cut()
    t_cut = time.monotonic()
    try:
        fleet.wait_state("p02", "lost", LOST_AFTER + HEARTBEAT + 3)
        took = time.monotonic() - t_cut
        assert took <= LOST_AFTER + HEARTBEAT + 1.5, took
        rows = fleet.hosts()
        assert rows["p01"]["state"] == rows["p03"]["state"] == "connected"
        # Commands to it fail at once, the others run.
        (rc, out, err), t = F.timed(lambda: fleet.ctl("status", "web"))
        assert re.search(r"^p02\s+(timed out|lost)", out + err, re.M), \
            (out, err)
        assert t < 3, t
        assert len(re.findall(r"^p0[13]\s+web\s+RUNNING", out, re.M)) == 2
        # Local supervision goes on.
        assert running_pids(a) == pids
    finally:
        a.net.heal()
    t_heal = time.monotonic()
    fleet.wait_connected(["p02"], 20)
    H.log("p02 connected again %.1f s after the heal" %
          (time.monotonic() - t_heal))
    assert running_pids(a) == pids
    rc, out, err = fleet.ctl("status", "p02/web")
    assert rc == 0 and "RUNNING" in out, (out, err)


def test_controller_restart(site):
    fleet = site
    before = {n: r["instance_id"] for n, r in fleet.hosts().items()}
    fleet.ctr.kill(signal.SIGKILL)
    t0 = time.monotonic()
    fleet.ctr.start()
    fleet.wait_connected(fleet.nodes, 15)
    H.log("registry rebuilt %.1f s after the controller restart" %
          (time.monotonic() - t0))
    after = {n: r["instance_id"] for n, r in fleet.hosts().items()}
    assert after == before
    rc, out, err = fleet.ctl("status", "web")
    assert rc == 0 and out.count("RUNNING") == 3, (out, err)


def test_agent_restart(site):
    fleet = site
    a = fleet.agent("p03")
    old = fleet.hosts()["p03"]["instance_id"]
    path = fleet.ctr.tmp / "events-restart.jsonl"
    ev = fleet.events_proc(path, "--json", "--controller", "--host", "p03")
    try:
        H.wait_until(lambda: any(d.get("type") == "START" for d in
                                 F.read_json_lines(path)), 15,
                     what="events client started")
        a.kill9()
        n0 = len(fleet.ctr.run.find(r"^node p03 restarted"))
        a.box.start(prefix=a.net.prefix)
        fleet.ctr.wait_log(r"^node p03 restarted", 20, count=n0 + 1)
        fleet.wait_connected(["p03"], 10)
        new = fleet.hosts()["p03"]["instance_id"]
        assert new and new != old

        def restarted():
            return [d for d in F.read_json_lines(path)
                    if d.get("controller") and "RESTART" in d["type"] and
                    d.get("instance_id") == new]
        H.wait_until(restarted, 10, what="the RESTARTED controller event")
    finally:
        ev.send_signal(signal.SIGINT)
        ev.wait(10)
