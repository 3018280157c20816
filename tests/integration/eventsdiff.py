"""eventsdiff: event-listener scenarios run against 4.2.5 and fleetvisord.

A scenario is a function drive(ctx) that acts on one running daemon (an
apiextra.Box with a unix server) whose event listeners are
listeners/recorder.py.  Each listener appends what it receives (headers and
payload, as childutils hands them over) to TMP/rec/<process>.jsonl.  The
scenario waits for what it needs (deadline polls), makes checks and puts
normalized values into ctx.keep(label, value); `run_both` runs it against
every implementation and compares the kept values label by label.

Three levels, as in the rest of the suite:
  ctx.check(cond, text)   must hold for both implementations
  ctx.ours(cond, text)    fleetvisord's fix of a 4.2.5 bug (issue 5): asserted
                          for ours, 4.2.5's outcome goes to the notes
  ctx.keep(label, value, cmp="eq")   compared between implementations;
                          cmp="none" records only (in the notes)

Normalization: pid:<N> -> pid:<PID>, when:<N> -> when:<T>.  Serials are kept
only where they are deterministic (a pool that subscribes to nothing that
timing can interleave, e.g. REMOTE_COMMUNICATION driven by the test); the
other checks on serials are structural (monotonic, poolserials contiguous).

Needs /usr/bin/python3 (supervisor.childutils for the listeners, and
supervisor.xmlrpc for the unix transport).
"""

import collections
import json
import os
import re
import time
from pathlib import Path

import apiextra as A
import fvharness as H

PY = "/usr/bin/python3"
LISTENERS = Path(__file__).resolve().parent / "listeners"
RECORDER = LISTENERS / "recorder.py"
UNKNOWN_LINE = ("%s: has entered the UNKNOWN state and will no longer "
                "receive events")


def listener(events, mode="ok", numprocs=1, args="", **keys):
    """An [eventlistener:x] section running recorder.py."""
    sec = {
        "command": "%s %s --out {tmp}/rec --mode %s %s" % (
            PY, RECORDER, mode, args),
        "events": events,
        "autorestart": True,
        "startsecs": 1,
        "stderr_logfile": "{tmp}/%(program_name)s-%(process_num)d.err",
        "stderr_logfile_maxbytes": "1MB",
        "stderr_logfile_backups": 1,
    }
    if numprocs > 1:
        sec["numprocs"] = numprocs
        sec["process_name"] = "%(program_name)s_%(process_num)d"
    sec.update(keys)
    return sec


def norm_payload(p):
    p = re.sub(r"\bpid:\d+", "pid:<PID>", p)
    p = re.sub(r"\bwhen:\d+", "when:<T>", p)
    return p


class Ctx:
    """One implementation's run of a scenario."""

    def __init__(self, name, box):
        self.name = name
        self.box = box
        self.impl = box.impl
        self.run = box.run
        self.recdir = box.tmp / "rec"
        self.kept = []          # (label, value, cmp)
        self.problems = []
        self.notes = []

    # -- the daemon ------------------------------------------------------

    def rpc(self):
        return self.box.rpc()

    def remote(self, typ, data):
        return self.rpc().supervisor.sendRemoteCommEvent(typ, data)

    def info(self, name):
        return self.rpc().supervisor.getProcessInfo(name)

    def healthy(self):
        """The agent answers and is RUNNING."""
        st = self.rpc().supervisor.getState()["statename"]
        self.check(st == "RUNNING", "getState is %s, not RUNNING" % st)
        self.check(self.run.alive(), "the daemon died")

    # -- recordings --------------------------------------------------------

    def records(self, proc):
        """Every JSON line of a listener process's record file."""
        path = self.recdir / (proc + ".jsonl")
        out = []
        try:
            text = path.read_text()
        except FileNotFoundError:
            return out
        for line in text.splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:      # a line being written
                break
        return out

    def got(self, proc, pool=None):
        """Delivered events of one listener process, in order."""
        return [r for r in self.records(proc) if "h" in r]

    def pool_got(self, pool):
        """Delivered events of every process of a pool (numprocs), ordered
        by the time each listener recorded them (file order per process,
        merged by poolserial)."""
        out = []
        for p in sorted(self.recdir.glob("*.jsonl")):
            stem = p.name[:-len(".jsonl")]
            if stem == pool or re.fullmatch(re.escape(pool) + r"_\d+", stem):
                for r in self.got(stem):
                    r = dict(r, proc=stem)
                    out.append(r)
        return out

    def errors(self, proc):
        return [r["error"] for r in self.records(proc) if "error" in r]

    def incarnations(self, proc):
        return max([r["start"] for r in self.records(proc) if "start" in r]
                   or [0])

    def wait_got(self, proc, pred, timeout=15, what=None):
        """Poll until pred(list of delivered events) holds."""
        last = []

        def ok():
            nonlocal last
            last = self.got(proc)
            return pred(last)
        try:
            H.wait_until(ok, timeout, what=what or "%s's events" % proc)
        except H.HarnessError as e:
            raise H.HarnessError("%s: %s; %s has %s\n%s" % (
                self.impl.name, e, proc, summarize(last),
                self.run.describe()))
        return last

    def wait_payload(self, proc, needle, count=1, timeout=15):
        return self.wait_got(
            proc, lambda ev: sum(needle in e["p"] for e in ev) >= count,
            timeout, "%s to receive %r x%d" % (proc, needle, count))

    def wait_idle(self, proc, timeout=15):
        """Wait until proc has answered every event it got and said READY
        again (its last record says so): a shutdown then finds it idle,
        so an event emitted at the shutdown can reach it in both
        implementations (4.2.5's slow stop gives a busy listener time to
        answer first; ours stops it at once)."""
        H.wait_until(lambda: "ready" in (self.records(proc) or [{}])[-1],
                     timeout, what="%s idle (READY after its last event)"
                     % proc)

    def wait_file(self, path, timeout=15):
        return H.wait_until(lambda: Path(path).exists(), timeout,
                            what=str(path))

    def go(self, proc):
        (self.recdir / (proc + ".go")).touch()

    def wait_log(self, pattern, timeout=15, count=1):
        return self.run.wait_log(pattern, timeout, count)

    def log_count(self, pattern):
        return len(self.run.find(pattern))

    # -- verdicts ----------------------------------------------------------

    def check(self, cond, text):
        if not cond:
            self.problems.append(text)
        return cond

    def ours(self, cond, text):
        if A.strict_ours(self.impl):
            return self.check(cond, "(ours only) " + text)
        if not cond:
            self.note("ours-only check fails: " + text)
        return cond

    def note(self, text):
        self.notes.append(text)

    def keep(self, label, value, cmp="eq"):
        self.kept.append((label, value, cmp))
        if cmp == "none":
            self.note("%s = %s" % (label, short(value)))


def short(v, limit=600):
    r = repr(v)
    return r if len(r) <= limit else r[:limit] + "...(%d chars)" % len(r)


def summarize(evs):
    return [(e.get("proc", ""), e["h"].get("eventname"), e["h"].get("serial"),
             e["p"][:60]) for e in evs]


def seq(evs, keys=("eventname",)):
    """Events as comparable tuples: header values named in keys, then the
    normalized payload."""
    return [tuple(e["h"].get(k) for k in keys) + (norm_payload(e["p"]),)
            for e in evs]


def subject(e):
    """Who an event is about: the process for process events, else the
    event name (ordering between subjects depends on timing)."""
    m = re.match(r"processname:(\S+)", e["p"])
    if m:
        return m.group(1)
    return e["h"].get("eventname")


def by_subject(evs, drop=("TICK_",)):
    """{subject: [(eventname, payload)]} without the timing-driven events
    (ticks) whose names start with a prefix in drop."""
    out = collections.defaultdict(list)
    for e in evs:
        name = e["h"].get("eventname", "")
        if any(name.startswith(d) for d in drop):
            continue
        out[subject(e)].append((name, norm_payload(e["p"])))
    return dict(out)


def serials_sane(ctx, evs, pool, allow_repeat=False):
    """Structural serial checks for one pool's deliveries in order: global
    serials increase, poolserials are 0.. without a gap, every serial maps
    to one poolserial, and (unless allow_repeat) nothing comes twice."""
    pairs = [(int(e["h"]["serial"]), int(e["h"]["poolserial"]))
             for e in evs]
    ps = sorted(set(p for _, p in pairs))
    ctx.check(ps == list(range(len(ps))),
              "%s: poolserials not contiguous from 0: %s" % (pool, ps))
    m = {}
    for s, p in pairs:
        ctx.check(m.setdefault(s, p) == p,
                  "%s: serial %d came with poolserials %d and %d" % (
                      pool, s, m[s], p))
    if not allow_repeat:
        ctx.check(len(pairs) == len(set(pairs)),
                  "%s: an event was delivered twice: %s" % (pool, pairs))
        ser = [s for s, _ in pairs]
        ctx.check(ser == sorted(ser),
                  "%s: global serials not increasing: %s" % (pool, ser))
    for e in evs:
        ctx.check(e["h"].get("pool") == pool.split(":")[0] and
                  e["h"].get("ver") == "3.0" and
                  e["h"].get("server") == "supervisor" and
                  int(e["h"]["len"]) == len(e["p"]),
                  "%s: bad envelope %r" % (pool, e["h"]))


def run_both(name, programs, drive, supervisord=None, stop=True):
    """Run drive(ctx) against every implementation on the same config and
    compare.  programs: config sections ({tmp}, {exit} expand).  With
    stop, the daemon gets SIGTERM at the end and must exit within 30 s (so
    scenarios can look at what listeners got during shutdown through
    ctx.after_stop, a list of callables)."""
    impls = H.implementations()
    report = []

    def one(impl):
        box = A.Box(impl, name, programs, unix=True, supervisord=supervisord)
        (box.tmp / "rec").mkdir()
        ctx = Ctx(name, box)
        ctx.after_stop = []
        ok = False
        t0 = time.monotonic()
        try:
            box.start()
            drive(ctx)
            if stop:
                rc = box.run.stop(30)
                ctx.check(rc == 0, "exit status %r at SIGTERM" % (rc,))
                for fn in ctx.after_stop:
                    fn()
            ok = True
        finally:
            keep = not ok or bool(ctx.problems)
            try:
                box.close(keep=keep)
            except Exception as e:          # noqa: BLE001
                report.append("[%s] cleanup: %r" % (impl.name, e))
            if keep:
                report.append("[%s] sandbox kept: %s" % (impl.name, box.tmp))
                if not ok:
                    H.log("[%s] sandbox kept: %s" % (impl.name, box.tmp))
        ctx.note("took %.1f s" % (time.monotonic() - t0))
        return ctx
    for impl in impls:
        if not os.access(impl.path, os.X_OK):
            report.append("[%s] binary missing: %s" % (impl.name, impl.path))
    # Each implementation has its own sandbox: the runs overlap.
    ctxs = H.in_parallel([lambda i=i: one(i) for i in impls
                          if os.access(i.path, os.X_OK)])
    notes_path = os.environ.get("FV_ITEST_NOTES")
    for c in ctxs:
        for n in c.notes:
            line = "%s [%s] %s" % (name, c.impl.name, n)
            H.log(line)
            if notes_path:
                with open(notes_path, "a") as f:
                    f.write(line + "\n")
        for p in c.problems:
            report.append("[%s] %s" % (c.impl.name, p))
    dump = os.environ.get("FV_EVENTS_DUMP")
    if dump:
        os.makedirs(dump, exist_ok=True)
        for c in ctxs:
            with open(os.path.join(dump, "%s.%s.txt" % (name, c.impl.name)),
                      "w") as f:
                for label, v, cmp in c.kept:
                    f.write("%s [%s]\n" % (label, cmp))
                    for x in (v if isinstance(v, list) else [v]):
                        f.write("    %r\n" % (x,))
    if len(ctxs) == 2:
        report += ["[ref vs fv] " + d for d in compare(*ctxs)]
    assert not report, "%s: %d differences/problems:\n%s" % (
        name, len(report), "\n".join(report))
    return ctxs


def compare(a, b):
    diffs = []
    la = [k[0] for k in a.kept]
    lb = [k[0] for k in b.kept]
    if la != lb:
        diffs.append("kept different labels: ref %s, fv %s" % (la, lb))
    vb = {k[0]: k[1] for k in b.kept}
    for label, va, cmp in a.kept:
        if cmp == "none" or label not in vb:
            continue
        if va != vb[label]:
            diffs.append("%s:\n    ref: %s\n    fv:  %s" % (
                label, short(va, 3000), short(vb[label], 3000)))
    return diffs
