"""fvharness: run a supervisord-compatible daemon in a sandbox and watch it.

The integration suite of issue 3 drives an implementation chosen by the
environment and observes it only from the outside: the main log file, the
child log files, /proc and ps.  No XML-RPC is used (fleetvisord has none yet).

  SUPERVISORD=/usr/bin/supervisord   the reference, Supervisor 4.2.5 (default
                                     when neither variable is set)
  FLEETVISORD=/path/to/fleetvisord   ours
  both set                           every scenario runs against both and the
                                     normalized transcripts are compared

Other knobs: FV_ITEST_HELPERS (directory holding fvt-exit, fvt-forker,
fvt-spew, fvt-verify; otherwise they are compiled on the fly into /tmp),
FV_ITEST_KEEP=1 (keep every temp dir; failed ones are always kept),
FV_ITEST_TMP (parent of the temp dirs, default /tmp).

Rules kept here: every wait is a poll with a deadline; teardown kills every
process whose environment carries the test's unique marker (so daemonized
instances, orphans and grandchildren die too) and every process group seen.

Python stdlib only; run with Debian's /usr/bin/python3.
"""

import collections
import dataclasses
import hashlib
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HELPER_SRC = REPO / "tests" / "helpers"
HELPERS = ("fvt-exit", "fvt-forker", "fvt-spew", "fvt-verify")
MARKER_VAR = "FVT_MARKER"
REFERENCE_DEFAULT = "/usr/bin/supervisord"

LOG_LINE = re.compile(
    r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}),(\d{3}) "
    r"(CRIT|ERRO|WARN|INFO|DEBG|TRAC|BLAT) (.*)$")


class HarnessError(AssertionError):
    """A wait ran out, or the daemon did something the step did not allow."""


# ---------------------------------------------------------------------------
# Implementations and helper binaries

@dataclasses.dataclass(frozen=True)
class Impl:
    name: str      # "ref" (Supervisor 4.2.5) or "fv" (fleetvisord)
    path: str

    @property
    def is_ref(self):
        return self.name == "ref"


def implementations():
    """Implementations to run, from SUPERVISORD / FLEETVISORD."""
    ref = os.environ.get("SUPERVISORD", "")
    fv = os.environ.get("FLEETVISORD", "")
    if not ref and not fv:
        ref = REFERENCE_DEFAULT
    impls = []
    if ref:
        impls.append(Impl("ref", ref))
    if fv:
        impls.append(Impl("fv", fv))
    return impls


_helpers_cache = None


def helpers_dir():
    """Directory with the four helper programs (built on demand)."""
    global _helpers_cache
    if _helpers_cache is not None:
        return _helpers_cache
    env = os.environ.get("FV_ITEST_HELPERS")
    if env:
        d = Path(env)
        missing = [h for h in HELPERS if not (d / h).is_file()]
        if missing:
            raise HarnessError("FV_ITEST_HELPERS=%s lacks %s" % (d, missing))
        _helpers_cache = d
        return d
    # Fallback: compile with cc into a cache dir keyed by the sources, so
    # plain "pytest tests/integration" works without a CMake build.
    srcs = sorted(HELPER_SRC.glob("*.[ch]"))
    h = hashlib.sha256()
    for s in srcs:
        h.update(s.name.encode())
        h.update(s.read_bytes())
    d = Path(os.environ.get("FV_ITEST_TMP", "/tmp")) / (
        "fvt-helpers-" + h.hexdigest()[:16])
    if not all((d / x).is_file() for x in HELPERS):
        tmp = Path(tempfile.mkdtemp(prefix="fvt-helpers-build-"))
        try:
            for prog in HELPERS:
                cmd = ["cc", "-std=c11", "-O2", "-D_GNU_SOURCE", "-Wall",
                       "-Wextra", "-I", str(HELPER_SRC), "-o",
                       str(tmp / prog), str(HELPER_SRC / (prog + ".c")),
                       str(HELPER_SRC / "fvt_util.c")]
                subprocess.run(cmd, check=True)
            # Programs may run as another user (user=nobody).
            os.chmod(tmp, 0o755)
            try:
                tmp.rename(d)
            except OSError:
                shutil.rmtree(tmp, ignore_errors=True)   # lost a race
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    _helpers_cache = d
    return d


def helper(name):
    return str(helpers_dir() / name)


# ---------------------------------------------------------------------------
# Main log parsing and normalization

@dataclasses.dataclass
class Rec:
    ts: float       # epoch seconds (local time, ms resolution)
    level: str      # CRIT ERRO WARN INFO DEBG TRAC BLAT
    msg: str        # first line plus any continuation lines

    @property
    def line(self):
        return "%s %s" % (self.level, self.msg)


def parse_main_log(text):
    """Main log text -> list of Rec; continuation lines join the previous."""
    recs = []
    for raw in text.splitlines():
        m = LOG_LINE.match(raw)
        if m:
            ts = time.mktime(time.strptime(m.group(1), "%Y-%m-%d %H:%M:%S"))
            recs.append(Rec(ts + int(m.group(2)) / 1000.0, m.group(3),
                            m.group(4)))
        elif recs:
            recs[-1].msg += "\n" + raw
    return recs


_NORMALIZERS = [
    (re.compile(r"with pid \d+"), "with pid <PID>"),
    (re.compile(r"\(pid \d+\)"), "(pid <PID>)"),
    (re.compile(r"reaped unknown pid \d+"), "reaped unknown pid <PID>"),
    (re.compile(r"killing '([^']*)' \(\d+\) with SIGKILL"),
     r"killing '\1' (<PID>) with SIGKILL"),
    (re.compile(r"---(\w+)-[A-Za-z0-9_]{8}\.log"), r"---\1-<RAND>.log"),
]


def normalize(line, tmp=None):
    """Replace pids, temp paths and random names with stable tokens."""
    if tmp:
        line = line.replace(str(tmp), "<TMP>")
    hd = _helpers_cache
    if hd:
        line = line.replace(str(hd), "<HELPERS>")
    for rx, rep in _NORMALIZERS:
        line = rx.sub(rep, line)
    return line


_SUBJECT = [
    re.compile(r"^\w+ spawned: '([^']+)'"),
    re.compile(r"^\w+ success: (\S+) entered RUNNING"),
    re.compile(r"^\w+ exited: (\S+) \("),
    re.compile(r"^\w+ gave up: (\S+) entered FATAL"),
    re.compile(r"^\w+ stopped: (\S+) \("),
    re.compile(r"^\w+ killing '([^']+)'"),
    re.compile(r"^\w+ waiting for (\S+) to stop"),
]


def subject_of(nline):
    """Process name a normalized transcript line is about, or None."""
    for rx in _SUBJECT:
        m = rx.match(nline)
        if m:
            return m.group(1)
    return None


_TIMING_NOISE = re.compile(r"^\w+ waiting for .* to (die|stop)$")


def compare_transcripts(a, b, ignore=()):
    """Differences between two normalized transcripts, as text lines.

    Lines about one process must appear in the same order in both.  Lines
    about the daemon (or several processes) must occur the same number of
    times.  Of the "waiting for ... to die" reports, whose repetition
    depends on timing (4.2.5 repeats them every 3 s), only the first one
    after each "received SIG..." line is compared.  Lines matching a regex
    in `ignore` are dropped first.
    """
    import difflib
    ign = [re.compile(x) for x in ignore]

    def split(t):
        per, other = collections.defaultdict(list), []
        first_wait = True
        for line in t:
            if any(rx.search(line) for rx in ign):
                continue
            if re.match(r"^\w+ received SIG", line):
                first_wait = True
            s = subject_of(line)
            if s is not None:
                per[s].append(line)
            elif _TIMING_NOISE.match(line):
                if first_wait:
                    other.append(line)
                first_wait = False
            else:
                other.append(line)
        return per, collections.Counter(other)

    pa, oa = split(a)
    pb, ob = split(b)
    out = []
    for name in sorted(set(pa) | set(pb)):
        if pa.get(name, []) != pb.get(name, []):
            out.append("process %s:" % name)
            out.extend("  " + d for d in difflib.unified_diff(
                pa.get(name, []), pb.get(name, []), "ref", "fv", lineterm="",
                n=1))
    if oa != ob:
        for line in sorted(set(oa) | set(ob)):
            if oa[line] != ob[line]:
                out.append("daemon line %r: %d vs %d" %
                           (line, oa[line], ob[line]))
    return out


# ---------------------------------------------------------------------------
# /proc helpers

def proc_stat(pid):
    """(state, ppid, pgid, sid) of pid, or None if it is gone."""
    try:
        data = Path("/proc/%d/stat" % pid).read_text()
    except OSError:
        return None
    rest = data[data.rindex(")") + 2:].split()
    return rest[0], int(rest[1]), int(rest[2]), int(rest[3])


def pid_alive(pid):
    """True if pid exists and is not a zombie."""
    st = proc_stat(pid)
    return st is not None and st[0] not in ("Z", "X")


def all_pids():
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            out.append(int(d))
    return out


def children_of(pid):
    """Direct children of pid (from /proc/PID/task/*/children)."""
    kids = []
    try:
        for t in os.listdir("/proc/%d/task" % pid):
            try:
                txt = Path("/proc/%d/task/%s/children" % (pid, t)).read_text()
            except OSError:
                continue
            kids.extend(int(x) for x in txt.split())
    except OSError:
        pass
    return kids


def zombies_of(pid):
    """Children of pid that are zombies."""
    return [k for k in children_of(pid)
            if (proc_stat(k) or ("?",))[0] == "Z"]


def no_zombies(pid):
    """True if pid has no zombie children right now."""
    return not zombies_of(pid)


def pids_with_marker(marker):
    """Processes whose environment holds FVT_MARKER=<marker>."""
    needle = ("%s=%s\0" % (MARKER_VAR, marker)).encode()
    found = []
    me = os.getpid()
    for pid in all_pids():
        if pid == me:
            continue
        try:
            env = Path("/proc/%d/environ" % pid).read_bytes()
        except OSError:
            continue
        if needle in env:
            found.append(pid)
    return found


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = (int(x) for x in f.read().split())
            return lo, hi
    except (OSError, ValueError):
        return 32768, 60999


def _port_free(port, hosts):
    for host in hosts:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((host, port))
            except OSError:
                return False
    return True


def free_port(count=1, hosts=("0.0.0.0", "127.0.0.1")):
    """A TCP port P (with P+1..P+count-1 too) that nobody listens on now,
    taken OUTSIDE the kernel's ephemeral range.  A port found by bind(0)
    and closed is handed out again at once as the source port of another
    test's outgoing connection (the suite runs files in parallel, some
    with a thousand connections), and the daemon meant to listen on it
    then fails.  Checked on every interface, as ':port' binds them all."""
    lo, hi = _ephemeral_range()
    first, last = (10000, lo - count) if lo - count > 11000 else \
        (hi + 1, 65535 - count)
    rnd = random.Random()
    for _ in range(500):
        p = rnd.randint(first, last)
        if all(_port_free(p + i, hosts) for i in range(count)):
            return p
    raise HarnessError("no free port outside %d-%d" % (lo, hi))


def wait_until(pred, timeout, interval=0.05, what="condition"):
    """Poll pred() until it returns a truthy value; HarnessError on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise HarnessError("timed out after %.1fs waiting for %s" %
                               (timeout, what))
        time.sleep(interval)


def in_parallel(fns):
    """Call every fn() in a thread of its own and return their results in
    order.  Independent runs (one per implementation or per client, each
    in its own sandbox) mostly wait on their daemons: overlapping them
    saves that time.  Every call runs to its end (so each cleans up after
    itself); then the first exception, in list order, is raised.
    FV_ITEST_SERIAL=1 calls them one after the other instead (for
    debugging)."""
    fns = list(fns)
    results = [None] * len(fns)
    errors = [None] * len(fns)

    def call(i):
        try:
            results[i] = fns[i]()
        except BaseException as e:      # noqa: BLE001 - re-raised below
            errors[i] = e
    if os.environ.get("FV_ITEST_SERIAL") == "1" or len(fns) < 2:
        for i in range(len(fns)):
            call(i)
    else:
        threads = [threading.Thread(target=call, args=(i,), daemon=True)
                   for i in range(len(fns))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for e in errors:
        if e is not None:
            raise e
    return results


# ---------------------------------------------------------------------------
# Config rendering

def render_config(sections, subst):
    """sections: {"program:x": {key: value}} (ordered) -> INI text.

    Values are str.format()ed with subst ({exit}, {forker}, {spew},
    {verify}, {tmp}, {logdir}, {marker}); Python values become INI text
    (True -> "true", lists -> comma-joined).
    """
    out = []
    for name, keys in sections.items():
        out.append("[%s]" % name)
        for k, v in keys.items():
            if v is None:
                continue
            if isinstance(v, bool):
                v = "true" if v else "false"
            elif isinstance(v, (list, tuple)):
                v = ",".join(str(x) for x in v)
            v = str(v).format(**subst)
            out.append("%s=%s" % (k, v))
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------------
# One daemon run

class Run:
    """One implementation run inside its own temp dir.

    Typical use:
        run = Run(impl, "name")
        run.configure({"program:a": {"command": "{exit} --sleep inf"}})
        run.start()
        run.wait_log(r"success: a entered RUNNING", 10)
        run.stop()
        run.cleanup()
    """

    def __init__(self, impl, name, parent=None):
        self.impl = impl
        self.name = name
        base = Path(parent or os.environ.get("FV_ITEST_TMP", "/tmp"))
        self.tmp = Path(tempfile.mkdtemp(prefix="fvitest-%s-%s-" %
                                         (re.sub(r"\W", "_", name),
                                          impl.name), dir=base))
        self.marker = uuid.uuid4().hex
        self.logdir = self.tmp / "childlogs"
        self.logdir.mkdir()
        self.mainlog = self.tmp / "main.log"
        self.pidfile = self.tmp / "supervisord.pid"
        self.conf = self.tmp / "supervisord.conf"
        self.stdout_path = self.tmp / "daemon.stdout"
        self.stderr_path = self.tmp / "daemon.stderr"
        self.proc = None
        self.rc = None
        self.launch = "fg"
        self.main_pid = None
        self.launcher_rc = None
        self.mounts = []
        self.seen_pids = set()
        self.extra_procs = []
        self.t_start = None
        # Older main logs (moved away before a reopen), oldest first.
        self.extra_mainlogs = []
        # More {name} substitutions for the config (a setup can add a
        # free port, say).
        self.subst_extra = {}

    # -- configuration -----------------------------------------------------

    @property
    def subst(self):
        d = helpers_dir()
        return {
            "exit": str(d / "fvt-exit"), "forker": str(d / "fvt-forker"),
            "spew": str(d / "fvt-spew"), "verify": str(d / "fvt-verify"),
            "tmp": str(self.tmp), "logdir": str(self.logdir),
            "marker": self.marker, **self.subst_extra,
        }

    def base_supervisord(self):
        return {
            "logfile": str(self.mainlog),
            "logfile_maxbytes": "0",
            "pidfile": str(self.pidfile),
            "childlogdir": str(self.logdir),
            "loglevel": "info",
            "environment": '%s="%s"' % (MARKER_VAR, self.marker),
        }

    def configure(self, sections=None, text=None, supervisord=None):
        """Write the config: a [supervisord] section with the sandbox paths
        (overridden by `supervisord`), then `sections` or raw `text`."""
        sup = self.base_supervisord()
        sup.update(supervisord or {})
        allsec = {"supervisord": sup}
        allsec.update(sections or {})
        body = render_config(allsec, self.subst)
        if text:
            body += "\n" + text.format(**self.subst)
        self.conf.write_text(body)
        return self.conf

    # -- starting and stopping ---------------------------------------------

    def env(self, extra=None):
        e = dict(os.environ)
        for k in ("SUPERVISORD", "FLEETVISORD", "PYTEST_CURRENT_TEST"):
            e.pop(k, None)
        e[MARKER_VAR] = self.marker
        e.update(extra or {})
        return e

    def start(self, args=("-n",), prefix=(), env=None, launch="fg",
              timeout=15):
        """Start the implementation: PREFIX... IMPL -c CONF ARGS...

        stdout/stderr go to files in the temp dir; cores are disabled;
        the launched process gets a session of its own.  `launch` says
        which process is the daemon we watch:
          "fg"      the launched process itself (-n);
          "child"   the launched process's first child (a PREFIX such as
                    `unshare --fork` runs the daemon as its child);
          "daemon"  the process named in the pidfile once the launcher has
                    exited (daemon mode: supervisord forks and detaches).
        """
        argv = list(prefix) + [self.impl.path, "-c", str(self.conf)]
        argv += list(args)
        out = open(self.stdout_path, "ab")
        err = open(self.stderr_path, "ab")

        def pre():
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

        self.t_start = time.time()
        try:
            self.proc = subprocess.Popen(
                argv, cwd=self.tmp, stdin=subprocess.DEVNULL, stdout=out,
                stderr=err, env=self.env(env), start_new_session=True,
                preexec_fn=pre)
        finally:
            out.close()
            err.close()
        self.seen_pids.add(self.proc.pid)
        self.launch = launch
        if launch == "fg":
            self.main_pid = self.proc.pid
        elif launch == "child":
            kids = wait_until(
                lambda: children_of(self.proc.pid) or
                (self.proc.poll() is not None and [-1]),
                timeout, what="the launcher's child")
            self.main_pid = kids[0] if kids[0] > 0 else None
        elif launch == "daemon":
            self.launcher_rc = self.wait_exit(timeout)

            def readpid():
                try:
                    txt = self.pidfile.read_text().strip()
                    return int(txt) if txt else None
                except (OSError, ValueError):
                    return None
            if self.launcher_rc == 0:
                self.main_pid = wait_until(readpid, timeout,
                                           what="the pidfile")
        else:
            raise ValueError(launch)
        if self.main_pid:
            self.seen_pids.add(self.main_pid)
        return self.proc

    def start_extra(self, argv, **kw):
        """Start another process in the sandbox (marker set, killed in
        cleanup); returns the Popen."""
        kw.setdefault("cwd", self.tmp)
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("env", self.env())
        kw.setdefault("start_new_session", True)
        p = subprocess.Popen(argv, **kw)
        self.extra_procs.append(p)
        self.seen_pids.add(p.pid)
        return p

    def daemon_pid(self):
        """Pid (in our namespace) of the running daemon, or None."""
        return self.main_pid if self.alive() else None

    def alive(self):
        """True while the daemon we watch is running (zombies count as
        dead)."""
        if self.proc is not None:
            self.proc.poll()      # reap the launcher if it is done
        return self.main_pid is not None and pid_alive(self.main_pid)

    def signal(self, sig, pid=None):
        pid = pid or self.daemon_pid()
        if pid is None:
            raise HarnessError("daemon is not running; cannot send %s" % sig)
        os.kill(pid, sig)

    def wait_exit(self, timeout):
        """Wait for the daemon to exit.  Returns its exit status when we
        launched it directly (fg, child: the launcher's status), else
        None."""
        if self.launch == "daemon" and self.main_pid:
            wait_until(lambda: not pid_alive(self.main_pid), timeout,
                       what="daemon pid %d to exit" % self.main_pid)
            return None
        try:
            self.rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise HarnessError("%s still running after %.1fs\n%s" %
                               (self.impl.name, timeout, self.describe()))
        return self.rc

    def stop(self, timeout=30):
        """SIGTERM the daemon and wait for it to exit; returns status."""
        if self.alive():
            self.signal(signal.SIGTERM)
            return self.wait_exit(timeout)
        if self.proc is not None and self.launch != "daemon":
            self.rc = self.proc.poll()
        return self.rc

    # -- observing -----------------------------------------------------------

    def log_text(self, path=None):
        try:
            return Path(path or self.mainlog).read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def records(self):
        text = "".join(self.log_text(p) for p in self.extra_mainlogs)
        return parse_main_log(text + self.log_text())

    def transcript(self, recs=None):
        """Normalized "LEVEL message" lines of the main log."""
        recs = self.records() if recs is None else recs
        return [normalize(r.line, self.tmp) for r in recs]

    def find(self, pattern, recs=None):
        rx = re.compile(pattern)
        recs = self.records() if recs is None else recs
        return [r for r in recs if rx.search(r.msg)]

    def wait_log(self, pattern, timeout, count=1, allow_exit=False):
        """Wait until `count` main-log messages match `pattern` (re.search
        on the message); returns the matching records."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            recs = [r for r in self.records() if rx.search(r.msg)]
            if len(recs) >= count:
                return recs
            if not allow_exit and self.main_pid is not None and \
                    not self.alive():
                # One last read: the line may have landed just before exit.
                recs = [r for r in self.records() if rx.search(r.msg)]
                if len(recs) >= count:
                    return recs
                raise HarnessError(
                    "daemon exited (status %s) while waiting for %r x%d\n%s"
                    % (self.proc.poll() if self.proc else None, pattern,
                       count, self.describe()))
            if time.monotonic() >= deadline:
                raise HarnessError(
                    "timed out after %.1fs waiting for %r x%d (have %d)\n%s"
                    % (timeout, pattern, count, len(recs), self.describe()))
            time.sleep(0.05)

    def wait_for_log(self, pattern, timeout, count=1):
        """Alias of wait_log."""
        return self.wait_log(pattern, timeout, count)

    def wait_file(self, path, timeout, pred=None, what=None):
        """Wait until path exists (and pred(text) holds); returns text."""
        path = Path(path)

        def ok():
            try:
                data = path.read_bytes()
            except OSError:
                return None
            if pred is None or pred(data):
                return data or b"\0"
            return None
        data = wait_until(ok, timeout, what=what or str(path))
        return path.read_bytes() if data == b"\0" else data

    wait_for_file = wait_file

    def spawned(self, name=None):
        """Pids from "spawned: 'NAME' with pid N" lines, in order."""
        out = []
        for r in self.records():
            m = re.match(r"spawned: '([^']+)' with pid (\d+)", r.msg)
            if m and (name is None or m.group(1) == name):
                out.append(int(m.group(2)))
        self.seen_pids.update(out)
        return out

    def child_logs(self, name=None, channel=None):
        """AUTO child log files in childlogdir (optionally filtered)."""
        out = []
        for p in sorted(self.logdir.iterdir()):
            m = re.match(r"(.+)-(stdout|stderr)---", p.name)
            if not m:
                continue
            if name is not None and m.group(1) != name:
                continue
            if channel is not None and m.group(2) != channel:
                continue
            out.append(p)
        return out

    def describe(self, lines=40):
        """Tail of the main log and the daemon's stdout/stderr, for
        failure messages."""
        parts = ["--- %s main log (last %d lines) %s" % (self.impl.name,
                                                         lines, self.tmp)]
        parts += self.log_text().splitlines()[-lines:]
        for p in (self.stdout_path, self.stderr_path):
            txt = self.log_text(p).splitlines()[-15:]
            if txt:
                parts.append("--- %s" % p.name)
                parts += txt
        return "\n".join(parts)

    # -- teardown ------------------------------------------------------------

    def kill_everything(self, timeout=10):
        """SIGKILL every process carrying our marker or in a seen group,
        until none is left.  Returns the pids killed."""
        killed = set()
        deadline = time.monotonic() + timeout
        groups = set()
        for pid in self.seen_pids:
            st = proc_stat(pid)
            if st and st[2] > 1 and st[2] != os.getpgrp():
                groups.add(st[2])
        while True:
            victims = pids_with_marker(self.marker)
            for pid in victims:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.add(pid)
                except ProcessLookupError:
                    pass
            for g in list(groups):
                try:
                    os.killpg(g, signal.SIGKILL)
                except ProcessLookupError:
                    groups.discard(g)
                except PermissionError:
                    groups.discard(g)
            for p in [self.proc] + self.extra_procs:
                if p is not None:
                    try:
                        p.wait(0.01)
                    except subprocess.TimeoutExpired:
                        pass
            alive = [p for p in pids_with_marker(self.marker) if pid_alive(p)]
            if not alive:
                break
            if time.monotonic() > deadline:
                raise HarnessError("could not kill %s" % alive)
            time.sleep(0.05)
        return killed

    def mount_tmpfs(self, path, size):
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % size,
                        "tmpfs", str(path)], check=True)
        self.mounts.append(path)
        return path

    def cleanup(self, keep=False):
        self.kill_everything()
        for m in reversed(self.mounts):
            subprocess.run(["umount", "-l", str(m)], check=False)
        self.mounts = []
        if keep or os.environ.get("FV_ITEST_KEEP") == "1":
            return
        shutil.rmtree(self.tmp, ignore_errors=True)


# ---------------------------------------------------------------------------
# Utilities used by scenarios

def verify_stream(files, mode, stream="out", expect_records=None):
    """Run fvt-verify over files (oldest first); returns (rc, dict, text)."""
    argv = [helper("fvt-verify"), "--mode", mode, "--stream", stream]
    if expect_records is not None:
        argv += ["--expect-records", str(expect_records)]
    argv += [str(f) for f in files]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    info = {}
    for line in p.stdout.splitlines():
        if line.startswith("stream="):
            kv = dict(x.split("=", 1) for x in line.split())
            info[kv["stream"]] = kv
    return p.returncode, info, p.stdout + p.stderr


def rotated_files(path):
    """path.N ... path.1 path, oldest first (only those that exist)."""
    path = Path(path)
    backups = []
    for p in path.parent.glob(path.name + ".*"):
        suf = p.name[len(path.name) + 1:]
        if suf.isdigit():
            backups.append((int(suf), p))
    out = [p for _, p in sorted(backups, reverse=True)]
    if path.exists():
        out.append(path)
    return out


def log(msg):
    """Record a note in the test output (shown with -s or on failure)."""
    sys.stderr.write(msg.rstrip() + "\n")
