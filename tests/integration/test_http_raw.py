"""Raw HTTP against the agent's servers (RELIABILITY C3, C4; issue text:
HTTP/1.0 like ngx_supervisord, keep-alive, pipelining, auth, oversize
requests, slowloris, slow readers, malformed bodies, odd methods).

One daemon per implementation serves the whole module (rawhttp.Agent:
an inet server with USER/PASSWORD, a chmod 0700 unix server with a {SHA}
password).  Tests that change process state use programs of their own.

4.2.5 facts (measured with Debian's supervisord):
* A request in HTTP/1.0 is answered "HTTP/1.0 200 OK" and the connection
  closed; with "Connection: keep-alive" it answers "Connection:
  Keep-Alive" and keeps it.  A 401 is "HTTP/1.0 401 Unauthorized\\r\\n"
  with "WWW-Authenticate: Basic realm="default"" and "Connection: close".
* startProcess is held until the process is RUNNING (startsecs); a fault
  code is the first <int> of the body (what ngx_supervisord scans for).
* 100 pipelined requests in one write get 100 answers in order.
* The Content-Type of a POST is ignored; an unparsable body is a 400; an
  unknown path a 404; PUT /RPC2 and TRACE / are answered 400.
* Authorization: the first header counts (right-then-wrong is let in);
  "Basic" with no colon or a 16 KiB value gives a 500; bad base64 a 400.

Checks that 4.2.5 fails are run against fleetvisord only (each says why).
"""

import base64
import hashlib
import re
import socket
import time

import pytest

import fvharness as H
import rawhttp as R
from rawhttp import Conn, basic, request, rpc_request

MiB = 1024 * 1024
BIG_LOG = 8 * MiB

PROGRAMS = {
    # Held startProcess: RUNNING only after startsecs.
    "program:slow": {"command": "{exit} --sleep inf", "startsecs": 2,
                     "autostart": False, "stopsignal": "TERM"},
    # A big ASCII stdout log for the slow readers.
    "program:big": {
        "command": "/bin/sh -c 'yes 0123456789abcdefghijklmnopqrstuvwxyz"
                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ | head -c %d; "
                   "exec {exit} --sleep inf'" % BIG_LOG,
        "startsecs": 0, "stdout_logfile_maxbytes": "0"},
}

IMPLS = H.implementations()


@pytest.fixture(scope="module", params=IMPLS, ids=lambda i: i.name)
def agent_mod(request):
    a = R.Agent(request.param, "http_raw", PROGRAMS)
    a.start()
    yield a
    a.stop()


@pytest.fixture
def agent(agent_mod):
    agent_mod.ensure()
    return agent_mod


def ours_only(agent, why):
    """Skip against 4.2.5, which is known to fail this check."""
    if agent.is_ref:
        pytest.skip("4.2.5 fails this (%s)" % why)


def expect_closed(conn, timeout=5.0, what=""):
    assert conn.wait_closed(timeout), \
        "%s: connection still open after %.0f s" % (what, timeout)


# ---------------------------------------------------------------------------
# HTTP/1.0 as ngx_supervisord speaks it

def ngx_request(method, name, auth=True):
    """What ngx_supervisord sends: POST /RPC2 HTTP/1.0, text/xml, one
    <string> parameter, optional Basic auth, no Host."""
    body = ("<?xml version=\"1.0\"?>\n<methodCall>\n<methodName>%s"
            "</methodName>\n<params>\n<param><value><string>%s</string>"
            "</value></param>\n</params>\n</methodCall>\n" % (method, name))
    return request("POST", "/RPC2", [("Content-Type", "text/xml")], body,
                   version="1.0", host=False,
                   auth=basic(R.USER, R.PASSWORD) if auth else None)


def first_int(body):
    m = re.search(rb"<int>(-?\d+)</int>", body)
    return int(m.group(1)) if m else None


def test_ngx_held_start_then_stop_faults(agent):
    r = agent.call("supervisor.stopProcess", "slow")
    assert r is True or R.is_fault(r, 70), r

    with Conn(agent.addr, timeout=15) as c:
        t0 = time.monotonic()
        c.send(ngx_request("supervisor.startProcess", "slow"))
        # Held until RUNNING: nothing may come back before startsecs.
        early = R.readable([c.sock], 1.8)
        assert not early, "startProcess answered before startsecs (%r)" % (
            c.sock.recv(200),)
        resp = c.read_response(timeout=10)
        took = time.monotonic() - t0
        assert took >= 1.9, "answered after %.2f s (startsecs=2)" % took
        assert took < 6, "answered only after %.2f s" % took
        assert resp.head.startswith(b"HTTP/1.0 200 "), resp.head
        assert resp.rpc() is True
        expect_closed(c, 5, "HTTP/1.0 startProcess")

    with Conn(agent.addr) as c:
        c.send(ngx_request("supervisor.stopProcess", "slow"))
        resp = c.read_response(timeout=15)
        assert resp.head.startswith(b"HTTP/1.0 200 "), resp.head
        assert resp.rpc() is True
        expect_closed(c, 5, "HTTP/1.0 stopProcess")

    with Conn(agent.addr) as c:
        c.send(ngx_request("supervisor.stopProcess", "slow"))
        resp = c.read_response(timeout=10)
        assert resp.head.startswith(b"HTTP/1.0 200 "), resp.head
        # ngx_supervisord takes the first <int> of the body as the fault.
        assert first_int(resp.body) == 70, resp.body
        assert R.is_fault(resp.rpc(), 70)
        expect_closed(c, 5, "HTTP/1.0 fault")
    agent.assert_healthy()


def test_ngx_unauthorized_literal_status(agent):
    with Conn(agent.addr) as c:
        c.send(ngx_request("supervisor.startProcess", "slow", auth=False))
        resp = c.read_response()
        assert resp.head.startswith(b"HTTP/1.0 401 "), resp.head
        assert 'realm="default"' in (resp.header("WWW-Authenticate") or "")
        expect_closed(c, 5, "HTTP/1.0 401")
    assert agent.call("supervisor.getProcessInfo", "slow")["statename"] \
        != "RUNNING"


# ---------------------------------------------------------------------------
# Keep-alive and pipelining

def get_state_ok(resp):
    v = resp.rpc()
    assert not R.is_fault(v) and v["statename"] == "RUNNING", v


def test_keepalive_http11(agent):
    with Conn(agent.addr) as c:
        for _ in range(2):
            c.send(rpc_request("supervisor.getState"))
            resp = c.read_response()
            assert resp.version == "HTTP/1.1", resp.head
            get_state_ok(resp)
        assert not c.wait_closed(0.5), "1.1 connection closed unasked"


def test_keepalive_http10_asked(agent):
    with Conn(agent.addr) as c:
        for _ in range(2):
            c.send(rpc_request("supervisor.getState", version="1.0",
                               headers=[("Connection", "keep-alive")]))
            resp = c.read_response()
            assert resp.head.startswith(b"HTTP/1.0 200 "), resp.head
            assert (resp.header("Connection") or "").lower() == \
                "keep-alive", resp.head
            get_state_ok(resp)


def test_http10_closes_by_default(agent):
    with Conn(agent.addr) as c:
        c.send(rpc_request("supervisor.getState", version="1.0"))
        get_state_ok(c.read_response())
        expect_closed(c, 5, "HTTP/1.0 without keep-alive")


def test_http11_connection_close(agent):
    with Conn(agent.addr) as c:
        c.send(rpc_request("supervisor.getState",
                           headers=[("Connection", "close")]))
        get_state_ok(c.read_response())
        expect_closed(c, 5, "HTTP/1.1 Connection: close")


def test_pipelining_100_in_order(agent):
    names = ["nosuch%03d" % i for i in range(100)]
    data = b"".join(rpc_request("supervisor.getProcessInfo", n)
                    for n in names)
    with Conn(agent.addr, timeout=20) as c:
        c.send(data)
        for n in names:
            v = c.read_response(timeout=20).rpc()
            # BAD_NAME echoes the name: the answers come in order.
            assert R.is_fault(v, 10) and v.faultString == "BAD_NAME: " + n, v
        c.send(rpc_request("supervisor.getState"))
        get_state_ok(c.read_response())


# ---------------------------------------------------------------------------
# Authentication

def auth_req(auth_headers):
    body = R.rpc_body("supervisor.getState")
    hdrs = [("Content-Type", "text/xml")] + list(auth_headers)
    return request("POST", "/RPC2", hdrs, body)


def b64(raw):
    return base64.b64encode(raw).decode()


GOOD = basic(R.USER, R.PASSWORD)
# name -> (Authorization headers, outcome, ours_only reason or None)
AUTH_CASES = {
    "none": ([], "deny", None),
    "wrong_password": ([("Authorization", basic(R.USER, "nope"))],
                       "deny", None),
    "wrong_user": ([("Authorization", basic("root", R.PASSWORD))],
                   "deny", None),
    "right": ([("Authorization", GOOD)], "allow", None),
    "scheme_lowercase": ([("authorization", "basic " + b64(
        ("%s:%s" % (R.USER, R.PASSWORD)).encode()))], "allow", None),
    "password_prefix": ([("Authorization", basic(R.USER, "p"))],
                        "deny", None),
    "empty_user": ([("Authorization", "Basic " + b64(b":" +
                                                     R.PASSWORD.encode()))],
                   "deny", None),
    "bad_base64": ([("Authorization", "Basic !!!not-base64")], "deny", None),
    "digest": ([("Authorization", 'Digest username="user", realm="default"')],
               "deny", None),
    "wrong_then_right": ([("Authorization", basic(R.USER, "nope")),
                          ("Authorization", GOOD)], "deny", None),
    "non_utf8": ([("Authorization", b"Basic " +
                   base64.b64encode(b"us\xffer:p:ss"))], "deny", None),
    # 4.2.5 answers 500 to these two (it splits on ':' without checking).
    "no_colon": ([("Authorization", "Basic " + b64(b"userp"))], "deny",
                 "500 on Basic without a colon"),
    "value_16k": ([("Authorization", "Basic " + "A" * 16384)], "deny",
                  "500 on a 16 KiB credential"),
    # 4.2.5 lets the first of two headers decide: right-then-wrong passes.
    "right_then_wrong": ([("Authorization", GOOD),
                          ("Authorization", basic(R.USER, "nope"))], "deny",
                         "takes the first of two Authorization headers"),
}


@pytest.mark.parametrize("case", list(AUTH_CASES))
def test_auth(agent, case):
    headers, outcome, why = AUTH_CASES[case]
    if why:
        ours_only(agent, why)
    resp = R.one_shot(agent.addr, auth_req(headers))
    if outcome == "allow":
        get_state_ok(resp)
    else:
        assert resp.status in (401, 400), resp.head
        if resp.status == 401:
            assert 'realm="default"' in (resp.header("WWW-Authenticate")
                                         or ""), resp.head
    assert agent.run.alive()


def test_auth_sha_password_on_unix_socket(agent):
    def ask(user, password):
        body = R.rpc_body("supervisor.getState")
        return R.one_shot(agent.unix_path, request(
            "POST", "/RPC2", [("Content-Type", "text/xml")], body,
            auth=basic(user, password)))
    get_state_ok(ask(R.UNIX_USER, R.UNIX_PASSWORD))
    assert ask(R.UNIX_USER, "wrong").status == 401
    # The stored hash itself is not a password.
    digest = hashlib.sha1(R.UNIX_PASSWORD.encode()).hexdigest()
    assert ask(R.UNIX_USER, digest).status == 401
    assert ask(R.UNIX_USER, "{SHA}" + digest).status == 401


def test_sha_password_warned_at_startup(agent):
    ours_only(agent, "no warning about unsalted SHA-1 passwords")
    hits = agent.run.find(r"(?i)sha-?1|\{SHA\}")
    assert hits, "no startup warning about the {SHA} password (C4)"


# ---------------------------------------------------------------------------
# Oversize requests (C3): 4.2.5 has no limits at all (it took 16 MiB of
# header), so these run against fleetvisord only.

NO_LIMITS = "no request size limits"


def send_expect_status(agent, data, statuses, timeout=5):
    """Send data in one write; the answer must be one of statuses, then
    the connection must close."""
    with Conn(agent.addr, timeout=timeout) as c:
        c.send(data)
        resp = c.read_response(timeout=timeout)
        assert resp.status in statuses, resp.head
        expect_closed(c, 5, "after %d" % resp.status)
        return resp


def test_request_line_too_long_414(agent):
    ours_only(agent, NO_LIMITS)
    send_expect_status(agent, request("GET", "/" + "a" * 9000), (414,))
    agent.assert_healthy()


def test_headers_too_big_431(agent):
    ours_only(agent, NO_LIMITS)
    hdrs = [("X-Fill-%02d" % i, "v" * 1000) for i in range(40)]
    send_expect_status(agent, rpc_request("supervisor.getState",
                                          headers=hdrs), (431,))
    agent.assert_healthy()


def test_too_many_headers_431(agent):
    ours_only(agent, NO_LIMITS)
    hdrs = [("X-H%03d" % i, "v") for i in range(150)]
    send_expect_status(agent, rpc_request("supervisor.getState",
                                          headers=hdrs), (431,))
    agent.assert_healthy()


def test_endless_header_memory_flat(agent):
    """16 MiB of one header: refused early, RSS does not follow."""
    ours_only(agent, "accepts 16 MiB of header")
    before = R.rss_kb(agent.pid)
    c = Conn(agent.addr, timeout=5)
    try:
        c.send(b"GET / HTTP/1.1\r\nHost: x\r\nX-Endless: ")
        sent, refused = 0, False
        chunk = b"z" * 65536
        while sent < 16 * MiB:
            try:
                c.send(chunk)
            except (BrokenPipeError, ConnectionResetError):
                refused = True
                break
            except socket.timeout:
                # It stopped reading: then it must close soon.
                refused = c.wait_closed(5)
                break
            sent += len(chunk)
        if not refused:
            refused = c.wait_closed(5)
        assert refused, "16 MiB of header accepted"
    finally:
        c.close()
    grew = R.rss_kb(agent.pid) - before
    if agent.rss_meaningful:
        assert grew < 8 * 1024, "RSS grew by %d KiB" % grew
    agent.assert_healthy()


def test_body_over_limit_413_from_content_length(agent):
    ours_only(agent, "no body cap")
    head = request("POST", "/RPC2", [("Content-Type", "text/xml"),
                                     ("Content-Length", str(MiB + 1))],
                   auth=GOOD, length=False)
    with Conn(agent.addr) as c:
        t = time.monotonic()
        c.send(head)   # the body never comes
        resp = c.read_response(timeout=3)
        assert resp.status == 413, resp.head
        assert time.monotonic() - t < 1.0
        expect_closed(c, 5, "after 413")
    agent.assert_healthy()


def test_body_100gb_declared_413_at_once(agent):
    ours_only(agent, "no body cap")
    head = request("POST", "/RPC2", [("Content-Type", "text/xml"),
                                     ("Content-Length", "100000000000")],
                   auth=GOOD, length=False)
    with Conn(agent.addr) as c:
        t = time.monotonic()
        c.send(head)
        resp = c.read_response(timeout=3)
        assert resp.status == 413, resp.head
        assert time.monotonic() - t < 1.0
        expect_closed(c, 5, "after 413")
    agent.assert_healthy()


def test_body_of_exactly_1mib_accepted(agent):
    body = R.rpc_body("supervisor.getState")
    # Whitespace before the root element keeps the XML valid.
    pad = MiB - len(body)
    body = body.replace(b"<methodCall>", b" " * pad + b"<methodCall>", 1)
    assert len(body) == MiB
    resp = R.one_shot(agent.addr, request(
        "POST", "/RPC2", [("Content-Type", "text/xml")], body, auth=GOOD),
        timeout=10)
    get_state_ok(resp)


# ---------------------------------------------------------------------------
# Request smuggling (C3): framing that reads two ways is a 400 and a close,
# and nothing after it in the same write is ever answered.  4.2.5 does not
# refuse any of these (it frames by Content-Length alone).

SMUGGLED = request("GET", "/smuggled-second-request")
HEAD = (b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
        b"Authorization: " + GOOD.encode() + b"\r\n")
BODY = R.rpc_body("supervisor.getState")


def cl(n):
    return b"Content-Length: " + n + b"\r\n"


SMUGGLING = {
    "cl_and_te": HEAD + cl(b"%d" % (len(BODY) + 5)) +
    b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED,
    "te_and_cl": HEAD + b"Transfer-Encoding: chunked\r\n" + cl(b"5") +
    b"\r\n0\r\n\r\n" + SMUGGLED,
    "two_cl": HEAD + cl(b"%d" % len(BODY)) + cl(b"%d" % (len(BODY) + 1)) +
    b"\r\n" + BODY,
    "cl_plus": HEAD + cl(b"+%d" % len(BODY)) + b"\r\n" + BODY,
    "cl_minus": HEAD + cl(b"-5") + b"\r\n" + BODY,
    "cl_hex": HEAD + cl(b"0x10") + b"\r\n" + BODY,
    "cl_2_64": HEAD + cl(b"18446744073709551616") + b"\r\n" + BODY,
    "cl_2_64_plus_small": HEAD + cl(b"18446744073709551621") + b"\r\n" +
    BODY,
    "te_xchunked": HEAD + b"Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
    "te_chunked_identity": HEAD +
    b"Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
    "chunk_size_overflow": HEAD + b"Transfer-Encoding: chunked\r\n\r\n"
    b"fffffffffffffffffff1\r\nabc\r\n0\r\n\r\n",
    "bare_lf": (HEAD + cl(b"%d" % len(BODY)) + b"\r\n").replace(
        b"\r\n", b"\n") + BODY,
    "bare_lf_one_line": HEAD.replace(b"Host: x\r\n", b"Host: x\n") +
    cl(b"%d" % len(BODY)) + b"\r\n" + BODY,
    "obs_fold": HEAD + b"X-Folded: a\r\n b\r\n" + cl(b"%d" % len(BODY)) +
    b"\r\n" + BODY,
    "obs_fold_cl": HEAD + b"Content-Length:\r\n %d\r\n\r\n" % len(BODY) +
    BODY,
    "nul_in_header": HEAD + b"X-Nul: a\x00b\r\n" + cl(b"%d" % len(BODY)) +
    b"\r\n" + BODY,
    "cr_in_header": HEAD + b"X-Cr: a\rb\r\n" + cl(b"%d" % len(BODY)) +
    b"\r\n" + BODY,
    "header_without_colon": HEAD + b"NoColonHere\r\n" +
    cl(b"%d" % len(BODY)) + b"\r\n" + BODY,
}
# An oversized number may fairly be called too big rather than malformed.
SMUGGLING_STATUS = {"cl_2_64": (400, 413), "cl_2_64_plus_small": (400, 413),
                    "chunk_size_overflow": (400, 413)}


@pytest.mark.parametrize("case", list(SMUGGLING))
def test_smuggling_refused(agent, case):
    ours_only(agent, "frames by Content-Length alone, refuses nothing")
    data = SMUGGLING[case] + rpc_request("supervisor.getState") + SMUGGLED
    with Conn(agent.addr) as c:
        c.send(data)
        resp = c.read_response(timeout=5)
        assert resp.status in SMUGGLING_STATUS.get(case, (400,)), resp.head
        expect_closed(c, 5, case)
        assert b"HTTP/1." not in c.rest(), \
            "a following request was answered: %r" % c.rest()[:300]
    agent.assert_healthy(case)


def test_chunked_body_accepted(agent):
    ours_only(agent, "does not decode chunked request bodies")
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(BODY[i:i + 50]),
                                         BODY[i:i + 50])
                      for i in range(0, len(BODY), 50))
    data = HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + chunks + \
        b"0\r\n\r\n" + rpc_request("supervisor.getState")
    with Conn(agent.addr) as c:
        c.send(data)
        get_state_ok(c.read_response())
        get_state_ok(c.read_response())


# ---------------------------------------------------------------------------
# Slowloris: many clients trickling their headers must not hold up others,
# and are closed at the header deadline (10 s).  4.2.5 slows to seconds
# with 300 half-open connections and closes them only after 30 minutes.
# 500 of them (RELIABILITY C3), from three 127.0.0.x addresses: the agent
# takes at most 256 connections from one address.

SLOW_CONNS = 500
SLOW_PEERS = 3


def test_slowloris(agent):
    ours_only(agent, "no header deadline, slows down under half-open "
              "connections")
    conns, t0 = [], time.monotonic()
    try:
        for i in range(SLOW_CONNS):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(5)
            s.bind(("127.0.0.%d" % (2 + i % SLOW_PEERS), 0))
            s.connect(agent.addr)
            s.sendall(b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            s.setblocking(False)
            conns.append(s)
        open_ = set(conns)
        closed_at = {}
        lat = []
        next_trickle = time.monotonic()
        at5 = None
        while open_ and time.monotonic() - t0 < 16:
            now = time.monotonic()
            if now >= next_trickle:
                for s in list(open_):
                    try:
                        s.send(b"a")
                    except (BlockingIOError, InterruptedError):
                        pass
                    except OSError:
                        open_.discard(s)
                        closed_at.setdefault(s, now - t0)
                next_trickle = now + 1.0
            for s in R.readable(list(open_), 0.05):
                try:
                    data = s.recv(4096)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if not data:
                    open_.discard(s)
                    closed_at.setdefault(s, time.monotonic() - t0)
            if at5 is None and time.monotonic() - t0 >= 5:
                at5 = len(open_)
            if time.monotonic() - t0 < 9 and len(lat) < 40:
                agent.sample_latency(lat)
        elapsed = time.monotonic() - t0
        agent.assert_latencies(lat, "under slowloris")
        assert at5 is not None and at5 >= SLOW_CONNS - 10, \
            "only %s of %d trickling connections held at 5 s" % (
                at5, SLOW_CONNS)
        assert not open_, "%d connections still open after %.1f s" % (
            len(open_), elapsed)
        early = sorted(closed_at.values())[:3]
        assert early and early[0] >= 8, \
            "closed before the 10 s header deadline: %s" % early
    finally:
        for s in conns:
            s.close()
    agent.assert_healthy("after slowloris")


# ---------------------------------------------------------------------------
# Connection caps at the agent's defaults (README: at most 1024
# connections, 256 per address).  Each 127.0.0.x source address is a peer
# of its own.  tests/unit/agent/test_http_limits.c checks the deadlines and
# the output budget with small limits.

CAP_TOTAL = 1024
CAP_PER_PEER = 256


def peer_conn(agent, host):
    """A connection from 127.0.0.<host>."""
    c = Conn(agent.addr, timeout=5, connect=False)
    c.sock.bind(("127.0.0.%d" % host, 0))
    c.sock.connect(agent.addr)
    return c


def served(c):
    """Whether a request on c is answered (and c kept open)."""
    try:
        c.send(rpc_request("supervisor.getState"))
        get_state_ok(c.read_response())
        return True
    except (OSError, R.Closed):
        return False


def served_new(agent, host):
    """A new connection from 127.0.0.<host> if it is served, else None."""
    c = peer_conn(agent, host)
    if served(c):
        return c
    c.close()
    return None


def refused(agent, host):
    """Whether a new connection from 127.0.0.<host> is closed unanswered."""
    c = peer_conn(agent, host)
    try:
        try:
            c.send(rpc_request("supervisor.getState"))
        except OSError:
            return True
        try:
            c.read_response(timeout=5)
            return False
        except socket.timeout:
            return False  # held, not refused
        except (OSError, R.Closed):
            return True
    finally:
        c.close()


def test_connection_caps_at_defaults(agent_mod):
    ours_only(agent_mod, "no connection cap")
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = CAP_TOTAL + 256
    if soft < want:
        if hard != resource.RLIM_INFINITY and hard < want:
            pytest.skip("RLIMIT_NOFILE hard limit %d < %d" % (hard, want))
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    a = R.Agent(agent_mod.impl, "conn_caps", {},
                supervisord={"minfds": CAP_TOTAL + 1024})
    a.start()
    conns = []
    t0 = time.monotonic()
    try:
        # Per address: 256 served, the 257th closed unanswered, while
        # another address is still served.
        for _ in range(CAP_PER_PEER):
            conns.append(peer_conn(a, 2))
        assert all(served(c) for c in conns)
        assert refused(a, 2)
        # All together: four addresses of 256 fill the 1024.
        for host in (3, 4, 5):
            for _ in range(CAP_PER_PEER):
                conns.append(peer_conn(a, host))
        assert all(served(c) for c in conns[CAP_PER_PEER:])
        assert refused(a, 6)
        # Those in place are still served; a slot freed is taken.
        assert served(conns[0]) and served(conns[-1])
        conns.pop().close()
        c = H.wait_until(lambda: served_new(a, 6), 5, interval=0.05,
                         what="a freed slot")
        conns.append(c)
        H.log("connection caps: %d held, checked in %.1f s" % (
            len(conns), time.monotonic() - t0))
    finally:
        for c in conns:
            c.close()
        try:
            a.assert_healthy("after the connection caps")
        finally:
            a.stop()


# ---------------------------------------------------------------------------
# Slow readers: a big answer nobody reads.

def wait_big_log(agent):
    def size():
        v = agent.call("supervisor.tailProcessStdoutLog", "big", 0, 0)
        return v[1] >= BIG_LOG and v[1]
    return H.wait_until(size, 30, interval=0.2, what="8 MiB in big's log")


def open_slow_readers(agent, n):
    out = []
    for _ in range(n):
        c = Conn(agent.addr, timeout=5, rcvbuf=4096)
        c.send(rpc_request("supervisor.readProcessStdoutLog", "big", 0, 0))
        out.append(c)
    return out


def test_slow_readers_bounded(agent):
    """Four clients ask for the 8 MiB log and read nothing: RSS stays
    bounded, a second round does not add to the first (nothing kept
    from closed readers), other clients are served meanwhile."""
    wait_big_log(agent)
    base = R.rss_kb(agent.pid)
    peaks = []
    for rnd in range(2):
        readers = open_slow_readers(agent, 4)
        try:
            lat = []
            t_end = time.monotonic() + 3
            while time.monotonic() < t_end:
                agent.sample_latency(lat)
                time.sleep(0.2)
            peaks.append(R.rss_kb(agent.pid))
            agent.assert_latencies(lat, "round %d of slow readers" % rnd)
        finally:
            for c in readers:
                c.close()
    grew = peaks[0] - base
    H.log("slow readers (%s): base %d KiB, peaks %s" % (
        agent.impl.name, base, peaks))
    # ASan's quarantine keeps freed answers around: no bound to check.
    if agent.rss_meaningful:
        if not agent.is_ref:
            # Four answers of 8 MiB handed over, plus the per-connection
            # output cap: never more than that, whatever the log size.
            assert grew < 4 * (BIG_LOG // 1024) + 48 * 1024, \
                "RSS grew by %d KiB for 4 slow readers" % grew
        # No accumulation: closed readers' memory is reused.
        assert peaks[1] - peaks[0] < 16 * 1024 + grew // 2, \
            "RSS kept growing: base %d, peaks %s KiB" % (base, peaks)
    agent.assert_healthy("after slow readers")


def test_slow_reader_closed_after_write_stall(agent):
    ours_only(agent, "never closes a stalled reader (30 minute zombie "
              "timeout)")
    wait_big_log(agent)
    c = open_slow_readers(agent, 1)[0]
    try:
        port = c.sock.getsockname()[1]
        inode = H.wait_until(lambda: R.server_side_inode(agent.port, port),
                             5, what="the agent's end of the reader")
        assert R.holds_socket(agent.pid, inode)
        # Stall deadline 30 s: the agent's fd goes when it gives up.
        H.wait_until(lambda: not R.holds_socket(agent.pid, inode), 45,
                     interval=0.5, what="the stalled connection to close")
        assert c.wait_closed(10), "no EOF after the stall"
        full = BIG_LOG + 100
        assert len(c.buf) < full, "the whole answer came through"
    finally:
        c.close()
    agent.assert_healthy("after a stalled reader")


def test_pipelined_flood_behind_held_exchange(agent):
    """A held startProcess, then ~5000 pipelined requests: once the start
    is answered, every queued request is answered in turn, without the
    agent recursing once per request (it once died of stack overflow)."""
    ours_only(agent, "medusa answers 400s after a pipelined POST body")
    r = agent.call("supervisor.stopProcess", "slow")
    assert r is True or R.is_fault(r, 70), r
    get = request("GET", "/ok.html", auth=basic(R.USER, R.PASSWORD))
    n = (120 * 1024) // len(get)
    with Conn(agent.addr, timeout=30) as c:
        c.send(rpc_request("supervisor.startProcess", "slow"))
        c.send(get * n)
        first = c.read_response(timeout=15)
        assert first.rpc() is True, first.body
        for i in range(n):
            resp = c.read_response(timeout=15, method="GET")
            assert resp.status == 200, (i, resp.head)
    agent.assert_healthy("after a pipelined flood")


def test_auth_refused_before_body(agent):
    """Credentials are checked when the headers end: a client without them
    gets its 401 without sending (or making us hold) the body."""
    if agent.is_ref:
        pytest.skip("4.2.5 answers after the body (medusa collects it)")
    head = (b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n"
            b"\r\n" % (1024 * 1024 - 1))
    with Conn(agent.addr, timeout=5) as c:
        c.send(head + b"x" * 1000)
        resp = c.read_response(timeout=5)
        assert resp.status == 401, resp.head
        expect_closed(c, 5, "401 before the body")
    agent.assert_healthy()


# ---------------------------------------------------------------------------
# Bodies, content types, paths, methods

def test_malformed_xml_400(agent):
    for body in (b"<methodCall><methodName>supervisor.getState",
                 b"not xml at all", b"<?xml version='1.0'?><a></b>"):
        resp = R.one_shot(agent.addr, R.post_xml(body))
        assert resp.status == 400, (body, resp.head)
    agent.assert_healthy()


def test_non_utf8_body_400_or_fault(agent):
    ours_only(agent, "drops the connection without an answer")
    for body in (b"<?xml version='1.0'?><methodCall><methodName>supervisor."
                 b"getState\xff\xfe</methodName></methodCall>",
                 b"<?xml version='1.0'?><methodCall><methodName>supervisor."
                 b"getProcessInfo</methodName><params><param><value><string>"
                 b"\xc3\x28\xed\xa0\x80</string></value></param></params>"
                 b"</methodCall>"):
        resp = R.one_shot(agent.addr, R.post_xml(body))
        assert resp.status in (200, 400), resp.head
        if resp.status == 200:
            assert R.is_fault(resp.rpc()), resp.body
    agent.assert_healthy()


def test_content_type_ignored(agent):
    """4.2.5 does not look at Content-Type: neither do we."""
    for ct in ("application/json", "text/plain", None):
        resp = R.one_shot(agent.addr, rpc_request(
            "supervisor.getState", content_type=ct))
        get_state_ok(resp)


@pytest.mark.parametrize("method,path", [
    ("GET", "/nope"), ("POST", "/nope"), ("GET", "/RPC3"),
    ("GET", "/nope/../RPC3"), ("GET", "/favicon.ico.php")])
def test_unknown_path_404(agent, method, path):
    """A POST to an unknown path is a 400 in 4.2.5 (its file handler
    knows only GET and HEAD); the path not existing is what we say."""
    body = R.rpc_body("supervisor.getState") if method == "POST" else None
    resp = R.one_shot(agent.addr, request(method, path, body=body,
                                          auth=GOOD), method=method)
    allowed = (400,) if agent.is_ref and method == "POST" else (404,)
    assert resp.status in allowed, resp.head


@pytest.mark.parametrize("method,path", [("PUT", "/RPC2"), ("TRACE", "/RPC2"),
                                         ("DELETE", "/RPC2")])
def test_unsupported_method(agent, method, path):
    """4.2.5 answers 400; we answer what the method deserves: 405 (the
    resource has no such method) or 501 (the server has none)."""
    resp = R.one_shot(agent.addr, request(
        method, path, body=b"" if method != "PUT" else b"x", auth=GOOD))
    allowed = (400,) if agent.is_ref else (405, 501)
    assert resp.status in allowed, resp.head
    agent.assert_healthy()


def test_expect_100_continue(agent):
    ours_only(agent, "never sends 100 Continue")
    body = R.rpc_body("supervisor.getState")
    head = request("POST", "/RPC2", [("Content-Type", "text/xml"),
                                     ("Expect", "100-continue"),
                                     ("Content-Length", str(len(body)))],
                   auth=GOOD, length=False)
    with Conn(agent.addr) as c:
        c.send(head)
        interim = c.read_response(timeout=3)
        assert interim.head.startswith(b"HTTP/1.1 100 Continue"), \
            interim.head
        c.send(body)
        get_state_ok(c.read_response())


def test_expect_100_continue_refused_body_no_continue(agent):
    """An over-limit body with Expect: the 413 comes instead of 100."""
    ours_only(agent, "no body cap, never sends 100 Continue")
    head = request("POST", "/RPC2", [("Content-Type", "text/xml"),
                                     ("Expect", "100-continue"),
                                     ("Content-Length", str(2 * MiB))],
                   auth=GOOD, length=False)
    with Conn(agent.addr) as c:
        c.send(head)
        resp = c.read_response(timeout=3)
        assert resp.status == 413, resp.head
