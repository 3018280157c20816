"""apiextra: a daemon with a chosen set of HTTP servers, for test_api_extra.py.

rpcdiff.Daemon and rawhttp.Agent always configure both kinds of server;
the scenarios of test_api_extra.py need a unix server alone, an inet
server alone, a stale or a live socket file in the way, chmod/chown, and
a daemon inside a pid namespace.  `Box` is that daemon, without auth, with
an XML-RPC client over either server and deadline-polled state waits.

Notes (what 4.2.5 does where the suite records rather than asserts) go to
the test output and, when FV_ITEST_NOTES names a file, to that file, as in
scenario.py.  FV_ITEST_STRICT_OURS=0 records the ours-only checks for
fleetvisord too.

Needs /usr/bin/python3 (imports supervisor.xmlrpc for the unix transport).
"""

import http.client
import os
import socket
import xmlrpc.client
from pathlib import Path

import fvharness as H

try:
    from supervisor.xmlrpc import SupervisorTransport
except ImportError:        # run with a python that lacks Debian's supervisor
    SupervisorTransport = None

RPCIFACE = {
    "rpcinterface:supervisor": {
        "supervisor.rpcinterface_factory":
            "supervisor.rpcinterface:make_main_rpcinterface"},
}

NOT_RUNNING = 70
ALREADY_STARTED = 60


free_port = H.free_port


def note(test, impl, text):
    line = "%s [%s] %s" % (test, impl.name, text)
    H.log(line)
    path = os.environ.get("FV_ITEST_NOTES")
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")


def strict_ours(impl):
    """True if an ours-only check must hold for this implementation."""
    return not impl.is_ref and \
        os.environ.get("FV_ITEST_STRICT_OURS", "1") != "0"


def ours_check(test, impl, cond, text):
    """Assert cond for fleetvisord; for 4.2.5 (or with
    FV_ITEST_STRICT_OURS=0) write the outcome to the notes."""
    if strict_ours(impl):
        assert cond, text
    elif not cond:
        note(test, impl, "ours-only check fails: " + text)
    return cond


class Box:
    """One implementation with the servers asked for.

    unix: True for a [unix_http_server] at TMP/http.sock, or a dict of
    extra keys (chmod, chown, file); inet: True for an
    [inet_http_server] on a free loopback port, or its port= value with
    "{port}" standing for a free port ("*:{port}").  programs: more sections
    ({exit}, {tmp}, {port}, {sock} expand, and {spare}: another free port,
    for a program of the sandbox to listen on)."""

    def __init__(self, impl, name, programs, unix=True, inet=False,
                 supervisord=None):
        self.impl = impl
        self.run = H.Run(impl, name)
        self.port = free_port() if inet else None
        unix_keys = dict(unix) if isinstance(unix, dict) else {}
        self.sock = Path(unix_keys.pop("file", self.run.tmp / "http.sock"))
        self.has_unix = bool(unix)
        self.run.subst_extra.update(port=str(self.port), sock=str(self.sock),
                                    spare=str(free_port()))
        secs = {}
        if unix:
            secs["unix_http_server"] = dict(file=str(self.sock), **unix_keys)
        if inet:
            spec = inet if isinstance(inet, str) else "127.0.0.1:{port}"
            secs["inet_http_server"] = {
                "port": spec.replace("{port}", str(self.port))}
        secs.update(RPCIFACE)
        secs.update(programs)
        self.run.configure(secs, supervisord=supervisord)

    @property
    def tmp(self):
        return self.run.tmp

    @property
    def is_ref(self):
        return self.impl.is_ref

    def start(self, wait=True, timeout=25, **kw):
        self.run.start(**kw)
        if wait:
            self.wait_rpc(timeout)

    def wait_rpc(self, timeout=25):
        def up():
            try:
                return self.rpc().supervisor.getState()["statename"] == \
                    "RUNNING"
            except (OSError, xmlrpc.client.Error,
                    http.client.HTTPException):
                if not self.run.alive():
                    raise H.HarnessError("daemon died\n" +
                                         self.run.describe())
                return False
        H.wait_until(up, timeout, interval=0.1,
                     what="%s answering getState" % self.impl.name)

    # -- clients -------------------------------------------------------------

    def unix(self):
        t = SupervisorTransport(None, None, "unix://%s" % self.sock)
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=t)

    def tcp(self):
        return xmlrpc.client.ServerProxy(
            "http://127.0.0.1:%d/RPC2" % self.port)

    def rpc(self):
        return self.unix() if self.has_unix else self.tcp()

    def fault(self, fn, *args):
        """fn(*args); the Fault's code if it raised one, else the value
        wrapped as ("ok", value)."""
        try:
            return ("ok", fn(*args))
        except xmlrpc.client.Fault as f:
            return f.faultCode

    # -- states --------------------------------------------------------------

    def states(self):
        return {p["name"]: p["statename"]
                for p in self.rpc().supervisor.getAllProcessInfo()}

    def wait_states(self, want, timeout=20):
        last = {}

        def ok():
            nonlocal last
            last = self.states()
            return all(last.get(k) == v for k, v in want.items())
        try:
            H.wait_until(ok, timeout, interval=0.1, what="states %r" % want)
        except H.HarnessError as e:
            raise H.HarnessError("%s: %s; have %r\n%s" % (
                self.impl.name, e, last, self.run.describe()))

    def close(self, keep=False):
        self.run.cleanup(keep=keep)


def nspid(pid):
    """The pid of `pid` in its innermost pid namespace (NSpid's last
    field), or None if it is gone."""
    try:
        for line in open("/proc/%d/status" % pid):
            if line.startswith("NSpid:"):
                return int(line.split()[-1])
    except OSError:
        return None
    return None


def outer_pid(marker, inner):
    """Pid in our namespace of the marked process whose innermost pid is
    `inner` (None if there is none)."""
    for pid in H.pids_with_marker(marker):
        if nspid(pid) == inner and H.pid_alive(pid):
            return pid
    return None
