"""rawhttp: HTTP/1.x over plain sockets, and a daemon with HTTP servers.

The raw-HTTP and hostile-input suites (test_http_raw.py, test_hostile.py)
talk to the agent byte by byte, because what they check is framing: the
exact status line, what happens to a second request sent in the same
write, whether the server closes, how fast it answers.  http.client and
xmlrpc.client would hide all of that, so only xmlrpc.client's dumps and
loads are used, to build and check bodies.

  Conn        one connection (tcp or unix), with a read buffer so that
              pipelined responses come apart one by one
  Response    a parsed response (status line, headers, body)
  Agent       a daemon (fvharness.Run) with an [inet_http_server] and a
              [unix_http_server], plus rpc() and health checks

Python stdlib only; run with Debian's /usr/bin/python3.
"""

import base64
import hashlib
import os
import re
import select
import socket
import time
import xmlrpc.client

import fvharness as H

USER = "user"
# A ':' inside the password: Basic auth splits at the first one only.
PASSWORD = "p:ss"
# The unix server checks a {SHA} password (Supervisor's unsalted SHA-1).
UNIX_USER = "shauser"
UNIX_PASSWORD = "sha-secret"

# "Agent healthy" (RELIABILITY conventions): getState within 200 ms.
HEALTHY_MS = 200


class Closed(Exception):
    """The peer closed (or reset) before a whole response arrived."""


# ---------------------------------------------------------------------------
# Requests

def basic(user, password):
    """Value of an Authorization header for Basic credentials."""
    raw = ("%s:%s" % (user, password)).encode()
    return "Basic " + base64.b64encode(raw).decode()


def request(method="GET", path="/", headers=(), body=None, version="1.1",
            host=True, auth=None, length=True):
    """Bytes of one request.  headers: (name, value) pairs sent as given
    (bytes or str); Content-Length is added for a body unless length is
    False; auth is an Authorization value."""
    def b(x):
        return x if isinstance(x, bytes) else str(x).encode()
    lines = [b(method) + b" " + b(path) + b" HTTP/" + b(version)]
    if host:
        lines.append(b"Host: localhost")
    if auth is not None:
        lines.append(b"Authorization: " + b(auth))
    for name, value in headers:
        lines.append(b(name) + b": " + b(value))
    body = b(body) if body is not None else b""
    if length and (body or method == "POST"):
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def rpc_body(method, *params):
    return xmlrpc.client.dumps(tuple(params), method).encode()


def rpc_request(method, *params, version="1.1", auth=True, headers=(),
                path="/RPC2", content_type="text/xml"):
    """A POST of an XML-RPC call; auth True means the right credentials."""
    if auth is True:
        auth = basic(USER, PASSWORD)
    hdrs = [("Content-Type", content_type)] if content_type else []
    return request("POST", path, hdrs + list(headers),
                   rpc_body(method, *params), version=version, auth=auth)


def post_xml(xml, auth=True, headers=()):
    """A POST of a hand-written body to /RPC2."""
    if auth is True:
        auth = basic(USER, PASSWORD)
    return request("POST", "/RPC2", [("Content-Type", "text/xml")] +
                   list(headers), xml, auth=auth)


# ---------------------------------------------------------------------------
# Responses

class Response:
    def __init__(self, head, body):
        self.head = head
        self.body = body
        lines = head.split(b"\r\n")
        self.status_line = lines[0]
        m = re.match(rb"(HTTP/\d\.\d) (\d{3})(?: (.*))?$", lines[0])
        if not m:
            raise AssertionError("bad status line %r" % lines[0])
        self.version = m.group(1).decode()
        self.status = int(m.group(2))
        self.reason = (m.group(3) or b"").decode("latin-1")
        self.headers = []
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            self.headers.append((name.decode("latin-1").strip(),
                                 value.decode("latin-1").strip()))

    def header(self, name):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    def rpc(self):
        """The XML-RPC result, or the xmlrpc.client.Fault (returned, not
        raised).  Asserts a 200 with a body xmlrpc.client can parse."""
        assert self.status == 200, "HTTP %d, not 200: %r" % (
            self.status, self.head + self.body[:300])
        try:
            return xmlrpc.client.loads(self.body)[0][0]
        except xmlrpc.client.Fault as f:
            return f

    def __repr__(self):
        return "<Response %s %d, %d body bytes>" % (
            self.version, self.status, len(self.body))


def is_fault(value, code=None):
    return isinstance(value, xmlrpc.client.Fault) and \
        (code is None or value.faultCode == code)


# ---------------------------------------------------------------------------
# Connections

class Conn:
    """One client connection.  addr is (host, port) or a unix path."""

    def __init__(self, addr, timeout=5.0, rcvbuf=None, connect=True):
        fam = socket.AF_UNIX if isinstance(addr, str) else socket.AF_INET
        self.sock = socket.socket(fam, socket.SOCK_STREAM)
        if rcvbuf:
            # Before connect, so the window stays small (slow readers).
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.eof = False
        self.addr = addr
        if connect:
            self.sock.connect(addr)

    def send(self, data):
        self.sock.sendall(data)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _fill(self, deadline):
        """Read more into buf; False at EOF (or reset)."""
        if self.eof:
            return False
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("no data before the deadline")
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(262144)
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _take_until(self, sep, deadline):
        while sep not in self.buf:
            if not self._fill(deadline):
                raise Closed("closed before %r; have %r" % (
                    sep, self.buf[:200]))
        i = self.buf.index(sep)
        out, self.buf = self.buf[:i], self.buf[i + len(sep):]
        return out

    def _take(self, n, deadline):
        while len(self.buf) < n:
            if not self._fill(deadline):
                raise Closed("closed after %d of %d body bytes" %
                             (len(self.buf), n))
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_response(self, timeout=5.0, method="POST"):
        """The next whole response (interim 1xx ones included: the
        caller sees "100 Continue" as a response of its own)."""
        deadline = time.monotonic() + timeout
        head = self._take_until(b"\r\n\r\n", deadline)
        r = Response(head, b"")
        if 100 <= r.status < 200 or r.status in (204, 304) or \
                method == "HEAD":
            return r
        te = (r.header("Transfer-Encoding") or "").lower()
        cl = r.header("Content-Length")
        if te == "chunked":
            body = b""
            while True:
                size = int(self._take_until(b"\r\n", deadline).split(b";")[0],
                           16)
                if size == 0:
                    # Trailer lines, if any, then the empty line.
                    while self._take_until(b"\r\n", deadline):
                        pass
                    break
                body += self._take(size, deadline)
                self._take(2, deadline)
            r.body = body
        elif cl is not None:
            r.body = self._take(int(cl), deadline)
        else:
            while self._fill(deadline):
                pass
            r.body, self.buf = self.buf, b""
        return r

    def read_head(self, timeout=5.0):
        """Only the status line and headers (for endless streams)."""
        return Response(self._take_until(b"\r\n\r\n",
                                         time.monotonic() + timeout), b"")

    def wait_closed(self, timeout=5.0):
        """Read and drop until the peer closes; True if it did within
        timeout.  What was read stays in self.buf."""
        deadline = time.monotonic() + timeout
        try:
            while self._fill(deadline):
                pass
            return True
        except socket.timeout:
            return False

    def rest(self):
        """Bytes received but not yet consumed as a response."""
        return self.buf


def one_shot(addr, data, timeout=5.0, method="POST"):
    """Connect, send data, read one response, close."""
    with Conn(addr, timeout) as c:
        c.send(data)
        return c.read_response(timeout, method=method)


def rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def server_side_inode(server_port, client_port):
    """Inode of the accepted socket serving our connection from
    client_port (from /proc/net/tcp), or None."""
    want_l, want_r = ":%04X" % server_port, ":%04X" % client_port
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            p = line.split()
            if p[1].endswith(want_l) and p[2].endswith(want_r) and \
                    p[9] != "0":
                return int(p[9])
    return None


def holds_socket(pid, inode):
    """True if pid has socket:[inode] open."""
    want = "socket:[%d]" % inode
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == want:
                return True
        except OSError:
            pass
    return False


_sanitized = {}


def sanitized(path):
    """True if the binary at path was built with AddressSanitizer, whose
    quarantine and shadow memory make RSS bounds meaningless."""
    if path not in _sanitized:
        with open(path, "rb") as f:
            _sanitized[path] = b"__asan_init" in f.read()
    return _sanitized[path]


free_port = H.free_port


def readable(socks, timeout):
    """The subset of socks readable within timeout (select)."""
    if not socks:
        return []
    r, _, _ = select.select(socks, [], [], timeout)
    return r


# ---------------------------------------------------------------------------
# The daemon

class Agent:
    """A daemon with both kinds of HTTP server, started once per module.

    programs: {"program:x": {...}} sections ({exit}, {tmp} ... expand as
    in fvharness).  The inet server asks for USER/PASSWORD, the unix one
    (chmod 0700) for UNIX_USER and the {SHA} of UNIX_PASSWORD.  password
    replaces PASSWORD for the inet server.
    """

    def __init__(self, impl, name, programs, supervisord=None,
                 password=PASSWORD):
        self.impl = impl
        self.password = password
        self.name = name
        self.programs = programs
        self.supervisord = supervisord or {}
        self.run = None
        self.port = None
        self.restarts = 0

    @property
    def is_ref(self):
        return self.impl.is_ref

    @property
    def addr(self):
        return ("127.0.0.1", self.port)

    @property
    def unix_path(self):
        return str(self.run.tmp / "http.sock")

    @property
    def rss_meaningful(self):
        return self.impl.is_ref or not sanitized(self.impl.path)

    @property
    def pid(self):
        return self.run.main_pid

    @property
    def tmp(self):
        return self.run.tmp

    def start(self):
        self.run = H.Run(self.impl, self.name)
        self.port = free_port()
        sha = hashlib.sha1(UNIX_PASSWORD.encode()).hexdigest()
        sections = {
            "inet_http_server": {"port": "127.0.0.1:%d" % self.port,
                                 "username": USER,
                                 "password": self.password},
            "unix_http_server": {"file": str(self.run.tmp / "http.sock"),
                                 "chmod": "0700", "username": UNIX_USER,
                                 "password": "{SHA}" + sha},
            "rpcinterface:supervisor": {
                "supervisor.rpcinterface_factory":
                    "supervisor.rpcinterface:make_main_rpcinterface"},
        }
        sections.update(self.programs)
        # Config values go through str.format: "{SHA}" must survive it.
        self.run.subst_extra["SHA"] = "{SHA}"
        self.run.configure(sections, supervisord=self.supervisord)
        self.run.start()
        deadline = time.monotonic() + 20
        while True:
            try:
                r = self.call("supervisor.getState", timeout=2)
                if not is_fault(r) and r.get("statename") == "RUNNING":
                    break
            except (OSError, Closed, AssertionError):
                pass
            if not self.run.alive():
                raise H.HarnessError("daemon exited at startup\n" +
                                     self.run.describe())
            if time.monotonic() > deadline:
                raise H.HarnessError("no HTTP answer after 20 s\n" +
                                     self.run.describe())
            time.sleep(0.1)

    def ensure(self):
        """Restart the daemon if an earlier test killed it; returns True
        if it had to (the earlier test has already failed then)."""
        if self.run is not None and self.run.alive():
            return False
        if self.run is not None:
            self.run.cleanup(keep=True)
            self.restarts += 1
        self.start()
        return True

    def stop(self):
        if self.run is None:
            return
        try:
            self.run.stop(30)
        finally:
            self.run.cleanup()

    # -- calls -----------------------------------------------------------

    def call(self, method, *params, timeout=10.0, addr=None):
        """One XML-RPC call on a fresh connection; the result or Fault."""
        r = one_shot(addr or self.addr, rpc_request(
            method, *params, auth=basic(USER, self.password)), timeout)
        return r.rpc()

    def latency_ms(self):
        """Milliseconds for getState on a fresh connection."""
        t = time.monotonic()
        r = self.call("supervisor.getState", timeout=5)
        ms = (time.monotonic() - t) * 1000
        assert not is_fault(r) and r["statename"] == "RUNNING", r
        return ms

    def sample_latency(self, lat):
        """Append the best of two getState latencies to lat."""
        lat.append(min(self.latency_ms() for _ in range(2)))

    def assert_latencies(self, lat, what):
        """Samples taken while the agent is under attack: nine in ten
        under 200 ms and none over a second (the suite shares two cores
        with other scenarios, so a single late sample is the box's)."""
        assert lat, "%s: no getState sample" % what
        late = [x for x in lat if x >= HEALTHY_MS]
        assert len(late) * 10 <= len(lat) and max(lat) < 1000, \
            "%s: getState took %s ms (of %d samples)" % (
                what, sorted(lat)[-5:], len(lat))

    def assert_healthy(self, what=""):
        """RELIABILITY's "agent healthy": alive, getState < 200 ms (best
        of three fresh connections, so one scheduler hiccup on a loaded
        2-core box does not fail a test)."""
        assert self.run.alive(), "%s: daemon died (status %s)\n%s" % (
            what, self.run.proc.poll(), self.run.describe())
        best = min(self.latency_ms() for _ in range(3))
        assert best < HEALTHY_MS, "%s: getState took %.0f ms" % (what, best)
        assert self.run.alive(), "%s: daemon died" % what
