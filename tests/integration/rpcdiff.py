"""rpcdiff: differential XML-RPC / supervisorctl sessions against 4.2.5.

A test is a script: a function that drives one daemon through a
`Session` and records what it saw.  The script runs once per
implementation (fvharness.implementations), on the same config, and the
two recordings are compared entry by entry after normalization (pids,
times, uptimes, the sandbox path, AUTO log names).

Every recorded entry has a label (what was called, with which arguments)
and an outcome:

  ("ok", value)                 the normalized return value
  ("fault", code, text)         an XML-RPC fault
  ("http", status)              an HTTP error (4.2.5 answers 500 to some
                                wrong-typed arguments; see `ref500`)
  ("error", kind, text)         anything else (connection reset, ...)

How an entry is compared is its `cmp`:
  "eq"    equal outcomes (the default)
  "kind"  same outcome kind and value type (methodHelp, version strings)
  "none"  recorded only
  "typed" equal, or ours answers Fault 2 INCORRECT_PARAMETERS where
          4.2.5 coerced a wrong-typed argument (accepted, noted)
  "ref500"  4.2.5 answers HTTP 500 (a known bug, RELIABILITY.md G7):
          ours must answer with a Fault or a value (noted).  Any entry
          where 4.2.5 gives a 5xx is compared this way.

`Session.check(cond, text)` records a problem instead of stopping, so one
run lists every difference; problems are fatal for the reference (they are
bugs in the script) and reported for ours.

Needs /usr/bin/python3 (imports supervisor.xmlrpc for the UNIX transport).
"""

import base64
import difflib
import http.client
import os
import re
import socket
import subprocess
import urllib.parse
import xmlrpc.client

import pytest

import fvharness as H
import warmctl as W

try:
    from supervisor.xmlrpc import SupervisorTransport
except ImportError:        # run with a python that lacks Debian's supervisor
    SupervisorTransport = None

SUPERVISORCTL = "/usr/bin/supervisorctl"
USER, PASSWORD = "fvuser", "fv:pass word"   # a ':' and a space on purpose
# Calls that block (wait=True) are bounded by the socket timeout; the
# UNIX transport has no timeout of its own, hence the default.
CALL_TIMEOUT = 40
socket.setdefaulttimeout(CALL_TIMEOUT)

FAULTS = {
    "UNKNOWN_METHOD": 1, "INCORRECT_PARAMETERS": 2, "BAD_ARGUMENTS": 3,
    "SIGNATURE_UNSUPPORTED": 4, "SHUTDOWN_STATE": 6, "BAD_NAME": 10,
    "BAD_SIGNAL": 11, "NO_FILE": 20, "NOT_EXECUTABLE": 21, "FAILED": 30,
    "ABNORMAL_TERMINATION": 40, "SPAWN_ERROR": 50, "ALREADY_STARTED": 60,
    "NOT_RUNNING": 70, "SUCCESS": 80, "ALREADY_ADDED": 90,
    "STILL_RUNNING": 91, "CANT_REREAD": 92,
}


free_port = H.free_port


def select_impls():
    """Implementations to run; pytest.skip for a missing binary."""
    impls = H.implementations()
    missing = [i for i in impls if not os.access(i.path, os.X_OK)]
    if missing:
        pytest.skip("implementation binary missing: %s" % ", ".join(
            "%s=%s" % (i.name, i.path) for i in missing))
    if SupervisorTransport is None:
        pytest.skip("supervisor.xmlrpc not importable (use /usr/bin/python3)")
    return impls


# ---------------------------------------------------------------------------
# The sandboxed daemon

LONG = "{exit} --sleep inf"


def standard_programs():
    """The programs most scripts use (see the module doc of
    test_rpc_diff.py for what each is for)."""
    return {
        "program:talker": {
            "command": LONG + " --hello out-line --hello-err err-line"
                              " --on USR1:log --on HUP:log",
            "startsecs": 1, "stopwaitsecs": 5,
        },
        "program:merged": {
            "command": LONG + " --hello m-out --hello-err m-err",
            "redirect_stderr": True, "startsecs": 1,
        },
        "program:quick": {
            "command": "{exit} --code 3 --hello quick-out",
            "startsecs": 2, "startretries": 1,
        },
        "program:badcmd": {
            "command": "/nonexistent/fvt-nope --flag", "startretries": 1,
        },
        "program:manual": {
            "command": LONG + " --hello manual-hi", "autostart": False,
            "startsecs": 1,
        },
        "program:cat": {"command": "/bin/cat", "startsecs": 1},
        "program:multi": {
            "command": LONG, "numprocs": 2,
            "process_name": "%(program_name)s_%(process_num)02d",
            "startsecs": 1,
        },
        "program:ga": {"command": LONG, "startsecs": 1, "priority": 10},
        "program:gb": {"command": LONG, "startsecs": 1, "priority": 20},
        "group:grp": {"programs": "ga,gb"},
    }


SETTLED = {
    "talker": "RUNNING", "merged": "RUNNING", "quick": "FATAL",
    "badcmd": "FATAL", "manual": "STOPPED", "cat": "RUNNING",
    "multi_00": "RUNNING", "multi_01": "RUNNING", "ga": "RUNNING",
    "gb": "RUNNING",
}


class Daemon:
    """One implementation in a sandbox with both HTTP servers."""

    def __init__(self, impl, name, programs=None, auth_unix=False,
                 supervisord=None):
        self.impl = impl
        self.run = H.Run(impl, name)
        self.port = free_port()
        self.sock = self.run.tmp / "supervisor.sock"
        self.programs = dict(programs if programs is not None
                             else standard_programs())
        self.auth_unix = auth_unix
        self.sup_extra = supervisord or {}

    @property
    def tmp(self):
        return self.run.tmp

    def sections(self):
        unix = {"file": str(self.sock), "chmod": "0700"}
        if self.auth_unix:
            unix.update(username=USER, password=PASSWORD)
        secs = {
            "unix_http_server": unix,
            "inet_http_server": {"port": "127.0.0.1:%d" % self.port,
                                 "username": USER, "password": PASSWORD},
            "rpcinterface:supervisor": {
                "supervisor.rpcinterface_factory":
                    "supervisor.rpcinterface:make_main_rpcinterface"},
            "supervisorctl": {"serverurl": "unix://%s" % self.sock},
        }
        if self.auth_unix:
            secs["supervisorctl"].update(username=USER, password=PASSWORD)
        secs.update(self.programs)
        return secs

    def write_config(self, programs=None):
        if programs is not None:
            self.programs = dict(programs)
        self.run.configure(self.sections(), supervisord=self.sup_extra)

    def start(self, settle=SETTLED, timeout=25):
        self.write_config()
        self.run.start(args=("-n",))
        self.wait_rpc(timeout)
        if settle:
            self.wait_states(settle, timeout)

    def wait_rpc(self, timeout=20):
        def up():
            try:
                return self.unix().supervisor.getState()["statename"] == \
                    "RUNNING"
            except (OSError, xmlrpc.client.Error, http.client.HTTPException):
                if not self.run.alive():
                    raise H.HarnessError("daemon died\n" +
                                         self.run.describe())
                return False
        H.wait_until(up, timeout, interval=0.1,
                     what="%s answering getState" % self.impl.name)

    def states(self):
        return {p["name"]: p["statename"]
                for p in self.unix().supervisor.getAllProcessInfo()}

    def wait_states(self, want, timeout=20):
        """Wait until every process named in `want` has that state."""
        last = {}

        def ok():
            nonlocal last
            last = self.states()
            return all(last.get(k) == v for k, v in want.items())
        try:
            H.wait_until(ok, timeout, interval=0.1,
                         what="states %r" % (want,))
        except H.HarnessError as e:
            raise H.HarnessError("%s: %s; have %r\n%s" % (
                self.impl.name, e, last, self.run.describe()))

    def wait_state(self, name, state, timeout=20):
        self.wait_states({name: state}, timeout)

    # -- clients ---------------------------------------------------------

    def unix(self):
        t = SupervisorTransport(USER if self.auth_unix else None,
                                PASSWORD if self.auth_unix else None,
                                "unix://%s" % self.sock)
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=t)

    def tcp(self, auth=True):
        """A plain ServerProxy over TCP; the credentials ride in the URL,
        percent-encoded (the password holds a ':' and a space)."""
        if auth:
            return xmlrpc.client.ServerProxy(
                "http://%s:%s@127.0.0.1:%d/RPC2" % (
                    urllib.parse.quote(USER, safe=""),
                    urllib.parse.quote(PASSWORD, safe=""), self.port))
        return xmlrpc.client.ServerProxy(
            "http://127.0.0.1:%d/RPC2" % self.port)

    def raw_post(self, body, path="/RPC2", auth=True, headers=None,
                 timeout=15):
        """POST body over TCP; returns (status, headers dict, body)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port,
                                       timeout=timeout)
        h = {"Content-Type": "text/xml"}
        if auth:
            h["Authorization"] = basic_auth(USER, PASSWORD)
        h.update(headers or {})
        try:
            c.request("POST", path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            return r.status, dict(r.getheaders()), data
        finally:
            c.close()

    # -- teardown ----------------------------------------------------------

    def close(self, keep=False):
        self.run.cleanup(keep=keep)


def basic_auth(user, password):
    tok = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    return "Basic " + tok


# ---------------------------------------------------------------------------
# Normalization

_DESC = [
    (re.compile(r"^pid \d+, uptime \d+ days?, \d+:\d\d:\d\d$"),
     "pid <PID>, uptime <UPTIME>"),
    (re.compile(r"^pid \d+, uptime \d+:\d\d:\d\d$"),
     "pid <PID>, uptime <UPTIME>"),
    (re.compile(r"^[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M$"), "<DATE>"),
]
_TIME_KEYS = ("start", "stop", "now")
_RESULT_KEYS = {"name", "group", "status", "description"}
_TS = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}")


def norm_str(s, tmp):
    s = s.replace(str(tmp), "<TMP>")
    hd = H._helpers_cache
    if hd:
        s = s.replace(str(hd), "<HELPERS>")
    s = re.sub(r"---(\w+)-[A-Za-z0-9_]{8}\.log", r"---\1-<RAND>.log", s)
    return s


def normalize(v, tmp):
    """Replace what differs run to run with stable tokens."""
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if k == "pid" and isinstance(x, int) and x:
                x = "<PID>"
            elif k in _TIME_KEYS and isinstance(x, int) and x:
                x = "<TIME>"
            elif k == "description" and isinstance(x, str):
                for rx, rep in _DESC:
                    x = rx.sub(rep, x)
                x = normalize(x, tmp)
            else:
                x = normalize(x, tmp)
            out[k] = x
        return out
    if isinstance(v, (list, tuple)):
        out = [normalize(x, tmp) for x in v]
        if out and all(isinstance(x, dict) and set(x) == _RESULT_KEYS
                       for x in out):
            # Per-process results of a group/all call come in the order
            # the processes finish (timing, even in 4.2.5).
            out.sort(key=lambda x: (x["group"], x["name"]))
        return out
    if isinstance(v, str):
        return norm_str(v, tmp)
    return v


def norm_mainlog(s, tmp):
    """Main-log text -> a shape that does not depend on the run."""
    s = _TS.sub("<TS>", s)
    s = re.sub(r"\b\d+\b", "<N>", s)
    return norm_str(s, tmp)


# ---------------------------------------------------------------------------
# Calls and recordings

def outcome_of(fn, *args):
    try:
        return ("ok", fn(*args))
    except xmlrpc.client.Fault as f:
        return ("fault", f.faultCode, f.faultString)
    except xmlrpc.client.ProtocolError as e:
        return ("http", e.errcode)
    except Exception as e:        # noqa: BLE001 - recorded, never fatal
        return ("error", type(e).__name__, str(e)[:300])


def short(v, limit=300):
    r = repr(v)
    return r if len(r) <= limit else r[:limit] + "...(%d chars)" % len(r)


class Session:
    """Recording of one script run against one implementation."""

    def __init__(self, daemon):
        self.d = daemon
        self.impl = daemon.impl
        self.entries = []       # (label, outcome, cmp)
        self.problems = []      # check failures (text)
        self.notes = []

    # -- XML-RPC ------------------------------------------------------------

    def proxy(self, via):
        if via == "unix":
            return self.d.unix()
        if via == "tcp":
            return self.d.tcp()
        if via == "tcp-noauth":
            return self.d.tcp(auth=False)
        raise ValueError(via)

    def raw(self, method, *args, via="unix"):
        """Outcome of one call, unnormalized and unrecorded."""
        p = self.proxy(via)
        return outcome_of(getattr(p, method), *args)

    def call(self, method, *args, via="unix", cmp="eq", norm=None,
             label=None, expect=None):
        """Call, record the normalized outcome; returns the raw outcome.

        expect: a fault name ("BAD_NAME"), "ok", or a predicate on the raw
        outcome; a mismatch is a problem."""
        out = self.raw(method, *args, via=via)
        self.record(label or "%s%s%s" % (
            method, short(tuple(args), 200),
            "" if via == "unix" else " [%s]" % via), out, cmp, norm)
        if expect is not None:
            self.expect(out, expect, label or method)
        return out

    def record(self, label, out, cmp="eq", norm=None):
        if out[0] == "ok":
            v = norm(out[1]) if norm else normalize(out[1], self.d.tmp)
            n = ("ok", v)
        elif out[0] == "fault":
            n = ("fault", out[1], norm_str(out[2], self.d.tmp))
        else:
            n = tuple(out)
        self.entries.append((label, n, cmp))
        return n

    def expect(self, out, want, label):
        if callable(want):
            ok = want(out)
        elif want == "ok":
            ok = out[0] == "ok"
        else:
            code = FAULTS[want.split(":")[0]]
            ok = out[0] == "fault" and out[1] == code and (
                ":" not in want or out[2] == want)
        if not ok:
            self.problems.append("%s: expected %s, got %s" % (
                label, want if isinstance(want, str) else want.__name__,
                short(out)))

    def check(self, cond, text):
        if not cond:
            self.problems.append(text)
        return cond

    def note(self, text):
        self.notes.append("[%s] %s" % (self.impl.name, text))


def fault_code(out):
    return out[1] if out[0] == "fault" else None


def compare(a, b, notes=None):
    """Differences between two sessions' entries (ref a, ours b).
    Accepted deviations (see the module doc) go to `notes`."""
    notes = [] if notes is None else notes
    diffs = []
    la = [e[0] for e in a.entries]
    lb = [e[0] for e in b.entries]
    if la != lb:
        diffs.append("the scripts took different paths:\n" + "\n".join(
            difflib.unified_diff(la, lb, "ref", "fv", lineterm="", n=1)))
    for (label, oa, cmp), (_, ob, _) in zip(a.entries, b.entries):
        if cmp == "none":
            continue
        if cmp == "ref500" or ref500(oa):
            # 4.2.5 fails with HTTP 500 (an argument type it does not
            # check): ours must answer, with a Fault or a value
            # (RELIABILITY.md G7).
            if ob[0] not in ("fault", "ok"):
                diffs.append("%s: 4.2.5 gives %s; ours must answer with a "
                             "Fault, got %s" % (label, short(oa), short(ob)))
            else:
                notes.append("%s: 4.2.5 %s, ours %s (accepted)" % (
                    label, short(oa), short(ob, 200)))
            continue
        if cmp == "kind":
            same = oa[0] == ob[0] and (
                oa[0] != "ok" or type(oa[1]) is type(ob[1]))
            if oa[0] == "fault":
                same = same and oa[1] == ob[1]
        else:
            same = oa == ob
        if not same and cmp == "typed" and ob[0] == "fault" and \
                ob[1] == FAULTS["INCORRECT_PARAMETERS"]:
            # A wrong-typed argument 4.2.5 coerces or reports otherwise;
            # INCORRECT_PARAMETERS from ours is the stricter, right answer.
            notes.append("%s: 4.2.5 %s, ours %s (stricter typing, "
                         "accepted)" % (label, short(oa), short(ob)))
            continue
        if not same:
            diffs.append("%s:\n    ref: %s\n    fv:  %s" % (
                label, short(oa, 1500), short(ob, 1500)))
    return diffs


def ref500(out):
    """4.2.5's answer to a wrong-typed argument it does not check."""
    return out[0] == "http" and out[1] >= 500


def run_script(name, script, make_daemon=None, start=True):
    """Run script(session) against every implementation and compare.

    make_daemon(impl, name) -> Daemon (default: standard programs).
    The daemon is started (and settled) before the script unless
    start=False.  Failing runs keep their sandbox."""
    impls = select_impls()
    report = []

    def one(impl):
        d = make_daemon(impl, name) if make_daemon else Daemon(impl, name)
        s = Session(d)
        ok = False
        try:
            if start:
                d.start()
            script(s)
            ok = True
        finally:
            keep = not ok or (s.problems and impl.is_ref)
            try:
                d.close(keep=keep)
            except Exception as e:     # noqa: BLE001
                report.append("[%s] cleanup: %r" % (impl.name, e))
            if keep:
                report.append("[%s] kept %s" % (impl.name, d.tmp))
                if not ok:
                    H.log("[%s] kept %s" % (impl.name, d.tmp))
        return s
    # Each implementation has its own sandbox: the runs overlap.
    sessions = H.in_parallel([lambda i=i: one(i) for i in impls])
    for s in sessions:
        for n in s.notes:
            H.log(n)
    dump = os.environ.get("FV_RPCDIFF_DUMP")
    if dump:
        os.makedirs(dump, exist_ok=True)
        for s in sessions:
            with open(os.path.join(dump, "%s.%s.txt" % (name, s.impl.name)),
                      "w") as f:
                for label, out, cmp in s.entries:
                    f.write("%s [%s]\n    %s\n" % (label, cmp,
                                                    short(out, 4000)))
    path = os.environ.get("FV_ITEST_NOTES")
    if path:
        with open(path, "a") as f:
            for s in sessions:
                for n in s.notes:
                    f.write("%s %s\n" % (name, n))
    for s in sessions:
        if not s.impl.is_ref:
            for label, out, _ in s.entries:
                if out[0] in ("http", "error") and (
                        out[0] == "error" or out[1] >= 500):
                    s.problems.append("%s: %s (G7: never a 5xx or a "
                                      "broken reply)" % (label, short(out)))
        for p in s.problems:
            report.append("[%s] %s" % (s.impl.name, p))
    if len(sessions) == 2:
        accepted = []
        report += ["[ref vs fv] " + x for x in compare(*sessions,
                                                        notes=accepted)]
        for n in accepted:
            H.log("[ref vs fv] " + n)
        if path:
            with open(path, "a") as f:
                f.write("".join("%s [ref vs fv] %s\n" % (name, n)
                                for n in accepted))
    assert not report, "%s: %d differences/problems:\n%s" % (
        name, len(report), "\n".join(report))
    return sessions


# ---------------------------------------------------------------------------
# supervisorctl

def ctl(d, *args, url=None, timeout=30, env=None, stdin=None):
    """Run Debian's supervisorctl (warm: warmctl.py); returns (rc, stdout,
    stderr)."""
    argv = [SUPERVISORCTL]
    if url:
        argv += ["-s", url]
        if url.startswith("http"):
            argv += ["-u", USER, "-p", PASSWORD]
    else:
        argv += ["-c", str(d.run.conf)]
    argv += list(args)
    e = d.run.env(env)
    if W.enabled():
        rc, out, err = W.run(argv[1:], e, d.tmp, input=stdin,
                             timeout=timeout)
    else:
        p = subprocess.run(argv, capture_output=True, timeout=timeout,
                           env=e, cwd=d.tmp,
                           stdin=subprocess.DEVNULL if stdin is None
                           else None, input=stdin)
        rc, out, err = p.returncode, p.stdout, p.stderr
    return (rc, out.decode(errors="replace"), err.decode(errors="replace"))


def wait_text(fn, pred, timeout, what):
    """Poll fn() until pred(value); returns the value."""
    box = {}

    def ok():
        box["v"] = fn()
        return pred(box["v"])
    try:
        H.wait_until(ok, timeout, interval=0.1, what=what)
    except H.HarnessError as e:
        raise H.HarnessError("%s; last value %s" % (e, short(box.get("v"))))
    return box["v"]
