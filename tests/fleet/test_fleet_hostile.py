"""RELIABILITY C14 against fleetvisor-controller: hostile peers at its
agent, agent-events and client ports, while legitimate agents and clients
keep being served.

  test_garbage          bytes without the SP handshake, the wrong SP
                        protocol, framed garbage, an envelope of another
                        version, a message over the 4 MiB limit (the pipe
                        is closed), a declared 4 KiB message cut short; at
                        the client port a malformed request gets an Error
                        answer, not silence
  test_connection_flood 300 silent connections on each port and 300 that
                        handshake and go: the legit agents stay connected,
                        clients are answered meanwhile, and the
                        controller's fds return to where they were
  test_stale_nonces     Hellos answering a Challenge with an earlier
                        Challenge's nonce, a nonce never sent, and a replay
                        of an accepted Hello on a new connection: each
                        refused (REASON_STALE_NONCE) and logged; the node
                        whose Hello was replayed stays as it was
  test_spoofed_heartbeats  heartbeats for a legit node without its session,
                        and for unknown nodes: dropped; the node's instance
                        and state unchanged
  test_silent_sp_peers_closed  (a controller of its own, join_timeout = 2)
                        an SP peer that completes the handshake on the
                        agents' port or its events port and then says
                        nothing is closed at the join timeout (and logged),
                        while a hand-made agent that joined keeps both its
                        connections

The legit agents are real fleetvisord agents once the agent has its fleet
link, else hand-made agents (fleetwire.FakeAgent) heartbeating from a
thread, so that these checks run against the controller alone too.
"""

import os
import socket
import struct
import threading
import time

import pytest

import fleetharness as F
import fleetwire as W
import fvharness as H

pytestmark = pytest.mark.skipif(
    F.binaries_missing() is not None, reason=str(F.binaries_missing()))

MAXMSG = 4 * 1024 * 1024


class RealFleet:
    def __init__(self, fleet):
        self.fleet = fleet

    @property
    def nodes(self):
        return self.fleet.nodes

    def close(self):
        pass


@pytest.fixture(scope="module")
def site():
    ctr = F.Controller(heartbeat=1, lost_after=3)
    fleet = None
    legit = None
    ok = False
    try:
        fleet = F.Fleet(2, prefix="legit", controller=ctr)
        fleet.start()
        legit = RealFleet(fleet)
        yield fleet, legit
        ok = True
    finally:
        if legit is not None:
            legit.close()
        if fleet is not None:
            fleet.close(keep=not ok)
        else:
            ctr.close(keep=not ok)


def healthy(fleet, legit, what):
    """The legit agents are connected, with their instances unchanged,
    and clients get answers at once, both through fleetvisorctl and a raw
    REQ."""
    t0 = time.monotonic()
    rows = fleet.hosts()
    for n in legit.nodes:
        assert rows.get(n, {}).get("state") == "connected", (what, rows)
    raw = W.hosts(fleet.ctr.clients_url, timeout=5)
    assert all(raw.get(n) == W.HOST_CONNECTED for n in legit.nodes), \
        (what, raw)
    assert time.monotonic() - t0 < 5, what
    assert fleet.ctr.run.alive(), what
    return {n: rows[n]["instance_id"] for n in legit.nodes}


def ctr_fds(ctr):
    return len(os.listdir("/proc/%d/fd" % ctr.run.daemon_pid()))


def sp_header(proto):
    return b"\0SP\0" + struct.pack(">H", proto) + b"\0\0"


def test_garbage(site):
    fleet, legit = site
    ctr = fleet.ctr
    before = healthy(fleet, legit, "before")
    events_url = W.companion(ctr.agents_url)
    ports = [ctr.agents_url, events_url, ctr.clients_url,
             W.companion(ctr.clients_url)]

    # No SP header at all, and the wrong protocol: nng drops the pipe.
    for url in ports:
        host, port, _ = W.split_url(url)
        s = socket.create_connection((host, port), timeout=5)
        s.sendall(os.urandom(4096))
        s.close()
        c = W.SP(url, W.REQ, handshake=False)
        c.send_raw(sp_header(112))          # BUS, nobody's partner here
        assert c.closed_by_peer(15), url
        c.close()

    # Framed garbage from a respondent, a publisher and a client.
    r = W.SP(ctr.agents_url, W.RESPONDENT)
    p = W.SP(events_url, W.PUB)
    for i in range(2000):
        junk = os.urandom(1 + i % 300)
        r.send(struct.pack(">I", 0x80000000 | i) + junk)
        p.send(junk)
    # An envelope of another version and one without a body.
    p.send(W.envelope(W.HEARTBEAT, W.heartbeat("legit01", "x" * 8, 1),
                      version=2))
    p.send(W.f_int(1, 1))
    healthy(fleet, legit, "after framed garbage")

    # A client's malformed request is answered with an Error.
    c = W.SP(ctr.clients_url, W.REQ)
    num, body, _ = W.body_of(c.request(b"\x0a\xff\xff\xff", timeout=5))
    assert num == W.ERROR and W.one(body, 1) in (2, 3), (num, body)
    num, body, _ = W.body_of(c.request(
        W.envelope(W.HOSTS_REQUEST, W.hosts_request(), request_id=7,
                   version=2), timeout=5))
    assert num == W.ERROR and W.one(body, 1) == 1, (num, body)   # VERSION
    assert W.one(body, 3) == W.PROTO_VERSION
    # Well-formed but not a client's message.
    num, body, _ = W.body_of(c.request(
        W.envelope(W.HEARTBEAT, W.heartbeat("legit01", "x" * 8, 1),
                   request_id=8, session=os.urandom(16)), timeout=5))
    assert num == W.ERROR, (num, body)
    c.close()

    # Over the size limit: the pipe is closed; 8 bytes of length are
    # enough for nng to know.
    for url, proto in ((ctr.agents_url, W.RESPONDENT), (events_url, W.PUB),
                       (ctr.clients_url, W.REQ)):
        c = W.SP(url, proto)
        c.send_raw(struct.pack(">Q", MAXMSG + 1024) + b"x" * 1024)
        assert c.closed_by_peer(10), url
        c.close()
    # A real 5 MiB message on the client port too.
    c = W.SP(ctr.clients_url, W.REQ)
    try:
        c.send(struct.pack(">I", 0x80000001) + b"\0" * (5 << 20))
    except OSError:
        pass            # closed while we were still writing: what we want
    assert c.closed_by_peer(10)
    c.close()

    # A declared 4 KiB message cut at 100 bytes, then silence: held (nng
    # keeps the pipe), but nobody else waits for it.
    held = []
    for url, proto in ((ctr.agents_url, W.RESPONDENT), (events_url, W.PUB),
                       (ctr.clients_url, W.REQ)):
        c = W.SP(url, proto)
        c.send_raw(struct.pack(">Q", 4096) + b"y" * 100)
        held.append(c)
    after = healthy(fleet, legit, "with cut messages held")
    for c in held:
        c.close()
    r.close()
    p.close()
    assert after == before, "a legit agent rejoined: %r -> %r" % (before,
                                                                  after)


def test_connection_flood(site):
    fleet, legit = site
    ctr = fleet.ctr
    before = healthy(fleet, legit, "before")
    base = ctr_fds(ctr)
    silent = []
    try:
        for url in (ctr.agents_url, ctr.clients_url):
            host, port, _ = W.split_url(url)
            for _ in range(150):
                silent.append(socket.create_connection((host, port),
                                                       timeout=5))
        # Handshake and go, 300 times, on the agents' port.
        for i in range(300):
            c = W.SP(ctr.agents_url if i % 2 else W.companion(
                ctr.agents_url), W.RESPONDENT if i % 2 else W.PUB)
            c.close()
        # Served meanwhile: hosts, a status through the controller.
        healthy(fleet, legit, "during the flood")
        rc, out, err = fleet.ctl("-t", "5", "hosts")
        assert rc == 0, (out, err)
    finally:
        for s in silent:
            s.close()
    H.wait_until(lambda: ctr_fds(ctr) <= base + 4, 30,
                 what="the controller's fds back to %d (now %d)" %
                 (base, ctr_fds(ctr)))
    assert healthy(fleet, legit, "after the flood") == before


def test_stale_nonces(site):
    fleet, legit = site
    ctr = fleet.ctr
    before = healthy(fleet, legit, "before")
    path = F.make_secret(ctr.tmp / "late.secret")
    ctr.add_node("late01", path)
    secret = W.read_secret(path)
    refused0 = len(ctr.run.find(r"^refused node late01"))

    # An earlier Challenge's nonce answering a later one.
    a = W.FakeAgent(ctr.agents_url, "late01", secret)
    first, old = a.next_challenge()
    later, fresh = a.next_challenge()
    assert old != fresh
    a.answer(later, old)
    verdict, body = a.verdict()
    assert verdict == "refused" and W.one(body, 4) == 3, body   # STALE
    # A nonce no Challenge carried.
    a.answer(a.next_challenge()[0], os.urandom(32))
    verdict, body = a.verdict()
    assert verdict == "refused" and W.one(body, 4) == 3, body
    a.close()

    # A Hello accepted once, replayed word for word on a new connection
    # (same nonce, session and proof): refused (logged, counted), and the
    # node keeps its first connection. The refusal is not sent: it would
    # name the live instance, and since every agent sees every refusal,
    # it would only knock the real one off.
    b = W.FakeAgent(ctr.agents_url, "late01", secret)
    survey, nonce = b.next_challenge()
    b.answer(survey, nonce)
    verdict, _ = b.verdict()
    assert verdict == "ack"
    b.beat()
    fleet.wait_state("late01", "connected", 10)
    inst = fleet.hosts()["late01"]["instance_id"]
    replay = W.FakeAgent(ctr.agents_url, "late01", secret)
    replay.instance, replay.session = b.instance, b.session
    s2, _ = replay.next_challenge()
    replay.answer(s2, nonce)
    try:
        verdict, body = replay.verdict(3)
    except (W.WireError, OSError):
        verdict, body = None, None
    assert verdict is None, (verdict, body)
    ctr.wait_log(r"^refused node late01 .*nonce", 5, count=refused0 + 3)
    b.beat()
    assert fleet.hosts()["late01"]["instance_id"] == inst
    replay.close()
    b.close()
    assert healthy(fleet, legit, "after stale nonces") == before


def test_spoofed_heartbeats(site):
    fleet, legit = site
    ctr = fleet.ctr
    before = healthy(fleet, legit, "before")
    victim = legit.nodes[0]
    p = W.SP(W.companion(ctr.agents_url), W.PUB)
    for i in range(500):
        # No session, a wrong one, an unknown node.
        p.send(W.envelope(W.HEARTBEAT, W.heartbeat(victim, "evil%04d" % i,
                                                   i + 1),
                          session=os.urandom(16)))
        p.send(W.envelope(W.HEARTBEAT, W.heartbeat("ghost%d" % (i % 7),
                                                   "evil", i + 1),
                          session=os.urandom(16)))
    # A client sees the effect, if any, once the messages are in: ask
    # after a round trip on the same listener pair has gone through.
    healthy(fleet, legit, "after spoofing")
    rows = fleet.hosts()
    assert not any(n.startswith("ghost") for n in rows), rows
    assert rows[victim]["instance_id"] == before[victim]
    p.close()


def test_silent_sp_peers_closed():
    ctr = F.Controller(name="ctrjoin", keys={"join_timeout": "2"})
    ok = False
    stop = threading.Event()
    beater = None
    a = None
    try:
        path = F.make_secret(ctr.tmp / "join01.secret")
        ctr.add_node("join01", path)
        ctr.start()
        a = W.FakeAgent(ctr.agents_url, "join01", W.read_secret(path))
        verdict, body = a.join()
        assert verdict == "ack", body
        a.beat()

        def beat():
            while not stop.wait(0.3):
                a.beat()
        beater = threading.Thread(target=beat, daemon=True)
        beater.start()
        H.wait_until(lambda: W.hosts(ctr.clients_url).get("join01") ==
                     W.HOST_CONNECTED, 10, what="join01 connected")

        t0 = time.monotonic()
        silent = [W.SP(ctr.agents_url, W.RESPONDENT),
                  W.SP(W.companion(ctr.agents_url), W.PUB)]
        for c in silent:
            # closed_by_peer reads (and drops) the Challenges meanwhile;
            # nothing is ever sent.
            assert c.closed_by_peer(2 + 8), c.proto
            assert time.monotonic() - t0 >= 1.5, time.monotonic() - t0
            c.close()
        ctr.wait_log(r"^closed a connection from \S+ on the agents' "
                     r"(events )?port: no node joined on it within 2000 ms",
                     10)
        # The joined agent kept its survey connection and its join.
        assert not a.surveys.closed_by_peer(1)
        assert W.hosts(ctr.clients_url).get("join01") == W.HOST_CONNECTED
        assert not ctr.run.find(r"^node join01 lost")
        ok = True
    finally:
        stop.set()
        if beater is not None:
            beater.join(5)
        if a is not None:
            a.close()
        ctr.close(keep=not ok)
