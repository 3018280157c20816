"""fleetwire: the fleet protocol from the outside, for tests that must say
things our binaries never would (hostile peers, stale nonces, a node name
claimed with the wrong secret).

Two layers, both Python stdlib only:
  - nng's SP wire over TCP (optionally TLS): the 8-byte handshake
    (0 'S' 'P' 0, protocol, 0 0), then messages framed by a 64-bit
    big-endian length.  Protocol ids are nng's: REQ 48, REP 49, PUB 32,
    SUB 33, SURVEYOR 98, RESPONDENT 99.
  - just enough protobuf to write and read the envelopes of
    proto/fleet.proto (field numbers copied from there; a renumbering there
    would be a protocol change, which the .proto forbids).

The proof is docs/internals/fleet-protocol.md's:
HMAC-SHA256(secret, "fleetvisor-hello-v1" || len32 nonce || nonce || len32
node || node || len32 instance || instance || len32 session || session).
"""

import hashlib
import hmac
import os
import socket
import ssl
import struct
import time

PROTO_VERSION = 1

REQ, REP, PUB, SUB, SURVEYOR, RESPONDENT = 48, 49, 32, 33, 98, 99

# Envelope body field numbers (proto/fleet.proto).
HELLO, CHALLENGE, HELLO_ACK, HELLO_REFUSED = 10, 11, 12, 13
HEARTBEAT, COMMAND, COMMAND_RESULT, COMMAND_REPLY = 20, 30, 31, 32
EVENT, CONTROLLER_EVENT, SUBSCRIBE = 40, 41, 42
HOSTS_REQUEST, HOSTS_REPLY, ERROR = 50, 51, 90

PROOF_HMAC_SHA256 = 1
AGENT_RUNNING = 1
HOST_CONNECTED, HOST_LOST = 1, 2


class WireError(Exception):
    """The peer closed, refused the handshake, or sent something else."""


# ---------------------------------------------------------------------------
# protobuf, by hand

def varint(n):
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def f_int(num, v):
    """A varint field (uint32/64, int32/64 >= 0, enum, bool); 0 is left
    out as proto3 does."""
    if not v:
        return b""
    return varint(num << 3) + varint(int(v))


def f_bytes(num, v):
    if isinstance(v, str):
        v = v.encode()
    if not v:
        return b""
    return varint(num << 3 | 2) + varint(len(v)) + v


def f_msg(num, body):
    """An embedded message (present even when empty)."""
    return varint(num << 3 | 2) + varint(len(body)) + body


def _read_varint(buf, i):
    n = shift = 0
    while True:
        if i >= len(buf):
            raise WireError("truncated varint")
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        if not b & 0x80:
            return n, i
        shift += 7


def decode(buf):
    """bytes -> {field number: [values]}: ints for varints and fixed
    fields, bytes for length-delimited ones (decode again for a message)."""
    out = {}
    i = 0
    while i < len(buf):
        key, i = _read_varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _read_varint(buf, i)
        elif wt == 2:
            n, i = _read_varint(buf, i)
            v = bytes(buf[i:i + n])
            i += n
        elif wt == 1:
            v = struct.unpack_from("<Q", buf, i)[0]
            i += 8
        elif wt == 5:
            v = struct.unpack_from("<I", buf, i)[0]
            i += 4
        else:
            raise WireError("wire type %d" % wt)
        out.setdefault(num, []).append(v)
    return out


def one(fields, num, default=None):
    v = fields.get(num)
    return v[0] if v else default


def text(fields, num):
    return one(fields, num, b"").decode("utf-8", "replace")


def envelope(body_num, body, request_id=0, session=b"", deadline_ms=0,
             version=PROTO_VERSION):
    return (f_int(1, version) + f_int(2, request_id) +
            f_int(3, deadline_ms) + f_bytes(4, session) +
            f_msg(body_num, body))


def body_of(env_bytes):
    """(body field number, body fields, envelope fields)."""
    env = decode(env_bytes)
    for num in (HELLO, CHALLENGE, HELLO_ACK, HELLO_REFUSED, HEARTBEAT,
                COMMAND, COMMAND_RESULT, COMMAND_REPLY, EVENT,
                CONTROLLER_EVENT, SUBSCRIBE, HOSTS_REQUEST, HOSTS_REPLY,
                ERROR, 33):
        if num in env:
            return num, decode(env[num][0]), env
    return None, {}, env


def labels(pairs):
    return b"".join(f_msg(4, f_bytes(1, k) + f_bytes(2, v))
                    for k, v in pairs)


def proof(secret, nonce, node, instance, session):
    m = b"fleetvisor-hello-v1"
    for part in (nonce, node.encode(), instance.encode(), session):
        m += struct.pack(">I", len(part)) + part
    return hmac.new(secret, m, hashlib.sha256).digest()


def hello(node, instance, nonce, session, secret, version="test-0"):
    return (f_bytes(1, node) + f_bytes(2, node) + f_bytes(3, version) +
            f_bytes(5, instance) + f_bytes(6, nonce) +
            f_int(7, PROOF_HMAC_SHA256) +
            f_bytes(8, proof(secret, nonce, node, instance, session)) +
            f_int(9, int(time.time() * 1e6)))


def heartbeat(node, instance, seq, interval_ms=1000):
    return (f_bytes(1, node) + f_bytes(2, instance) + f_int(3, seq) +
            f_int(4, AGENT_RUNNING) + f_int(5, seq * interval_ms) +
            f_int(6, interval_ms) + f_msg(7, b"") +
            f_int(11, int(time.time() * 1e6)))


def hosts_request(page=0):
    return f_msg(1, f_int(3, 1)) + f_int(2, page)


def read_secret(path):
    """A secret file as the agent and the controller read it: one trailing
    newline dropped."""
    data = open(path, "rb").read()
    return data[:-1] if data.endswith(b"\n") else data


# ---------------------------------------------------------------------------
# SP over TCP / TLS

def split_url(url):
    """tcp://H:P or tls+tcp://H:P -> (host, port, tls?)."""
    scheme, rest = url.split("://", 1)
    host, port = rest.rsplit(":", 1)
    return host.strip("[]"), int(port), scheme == "tls+tcp"


def companion(url):
    host, port, tls = split_url(url)
    return "%s://%s:%d" % ("tls+tcp" if tls else "tcp", host, port + 1)


class SP:
    """One SP connection.  `proto` is what we speak; the peer's must be its
    partner (nng checks it and drops us otherwise)."""

    PARTNER = {REQ: REP, REP: REQ, PUB: SUB, SUB: PUB,
               SURVEYOR: RESPONDENT, RESPONDENT: SURVEYOR}

    def __init__(self, url, proto, tls_ctx=None, timeout=10,
                 handshake=True):
        host, port, tls = split_url(url)
        self.proto = proto
        s = socket.create_connection((host, port), timeout=timeout)
        if tls:
            if tls_ctx is None:
                tls_ctx = ssl.create_default_context()
                tls_ctx.check_hostname = False
                tls_ctx.verify_mode = ssl.CERT_NONE
            s = tls_ctx.wrap_socket(s, server_hostname=host)
        self.sock = s
        self.next_id = int.from_bytes(os.urandom(4), "big") & 0x7FFFFFFF
        if handshake:
            self.handshake()

    def handshake(self):
        self.sock.sendall(b"\0SP\0" + struct.pack(">H", self.proto) +
                          b"\0\0")
        got = self.recv_exact(8)
        if got[:4] != b"\0SP\0":
            raise WireError("bad SP header %r" % got)
        peer = struct.unpack(">H", got[4:6])[0]
        if peer != self.PARTNER[self.proto]:
            raise WireError("peer speaks protocol %d" % peer)

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise WireError("closed by peer")
            buf += chunk
        return buf

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, payload):
        self.sock.sendall(struct.pack(">Q", len(payload)) + payload)

    def recv(self, timeout=None):
        if timeout is not None:
            self.sock.settimeout(timeout)
        n = struct.unpack(">Q", self.recv_exact(8))[0]
        return self.recv_exact(n)

    def closed_by_peer(self, timeout):
        """True if the peer closes the connection within timeout (what nng
        does to a peer that broke the rules); data read meanwhile is
        dropped."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                if not self.sock.recv(65536):
                    return True
            except socket.timeout:
                return False
            except (ConnectionError, ssl.SSLError, OSError):
                return True
        return False

    # REQ: header is the request id with the high bit set.
    def request(self, env_bytes, timeout=10):
        rid = self.next_id | 0x80000000
        self.next_id = (self.next_id + 1) & 0x7FFFFFFF
        self.send(struct.pack(">I", rid) + env_bytes)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WireError("no reply within %.1f s" % timeout)
            msg = self.recv(left)
            if len(msg) >= 4 and struct.unpack(">I", msg[:4])[0] == rid:
                return msg[4:]

    # RESPONDENT: a survey arrives as its backtrace (ending in the survey
    # id, high bit set) and the body; the answer goes back with the same
    # backtrace.
    def recv_survey(self, timeout=None):
        msg = self.recv(timeout)
        i = 0
        while i + 4 <= len(msg):
            word = struct.unpack(">I", msg[i:i + 4])[0]
            i += 4
            if word & 0x80000000:
                return msg[:i], msg[i:]
        raise WireError("survey without an id")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class FakeAgent:
    """An agent that speaks the join protocol by hand: answers the
    controller's Challenges with a Hello (right or wrong secret, fresh or
    stale nonce), then heartbeats on its PUB."""

    def __init__(self, url, node, secret, tls_ctx=None):
        self.url, self.node, self.secret = url, node, secret
        self.instance = "fake" + os.urandom(6).hex()
        self.session = os.urandom(16)
        self.surveys = SP(url, RESPONDENT, tls_ctx)
        self.pub = None
        self.tls_ctx = tls_ctx
        self.seq = 0
        self.nonces = []

    def next_challenge(self, timeout=10):
        """((backtrace, request id), nonce) of the next Challenge surveyed
        to us."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WireError("no Challenge within %.1f s" % timeout)
            bt, env = self.surveys.recv_survey(left)
            num, body, fields = body_of(env)
            if num == CHALLENGE:
                nonce = one(body, 1, b"")
                self.nonces.append(nonce)
                # The Hello is the Challenge's reply: it carries its id.
                return (bt, one(fields, 2, 0)), nonce

    def answer(self, survey, nonce, secret=None):
        bt, rid = survey
        h = hello(self.node, self.instance, nonce, self.session,
                  self.secret if secret is None else secret)
        self.surveys.send(bt + envelope(HELLO, h, request_id=rid,
                                        session=self.session))

    def verdict(self, timeout=10):
        """("ack", fields) or ("refused", fields) for our node and
        instance."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WireError("no HelloAck/HelloRefused within %.1f s"
                                % timeout)
            _, env = self.surveys.recv_survey(left)
            num, body, _ = body_of(env)
            if num in (HELLO_ACK, HELLO_REFUSED) and \
                    text(body, 1) == self.node and \
                    text(body, 2) == self.instance:
                return ("ack" if num == HELLO_ACK else "refused"), body

    def join(self, timeout=10, secret=None, nonce=None):
        survey, fresh = self.next_challenge(timeout)
        self.answer(survey, fresh if nonce is None else nonce, secret)
        return self.verdict(timeout)

    def beat(self):
        if self.pub is None:
            self.pub = SP(companion(self.url), PUB, self.tls_ctx)
        self.seq += 1
        self.pub.send(envelope(HEARTBEAT, heartbeat(self.node, self.instance,
                                                    self.seq),
                               session=self.session))

    def close(self):
        self.surveys.close()
        if self.pub is not None:
            self.pub.close()


def hosts(url, tls_ctx=None, timeout=10):
    """The controller's registry through a raw REQ: {node: state}."""
    c = SP(url, REQ, tls_ctx, timeout=timeout)
    try:
        num, body, _ = body_of(c.request(envelope(HOSTS_REQUEST,
                                                  hosts_request(),
                                                  request_id=int.from_bytes(
                                                      os.urandom(7), "big")),
                                         timeout))
    finally:
        c.close()
    if num != HOSTS_REPLY:
        raise WireError("answer %s to HostsRequest" % num)
    out = {}
    for row in body.get(1, []):
        r = decode(row)
        out[text(r, 1)] = one(r, 2, 0)
    return out
