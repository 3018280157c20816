"""Scenarios as data: a config, steps, and the expected main-log lines.

A Scenario is run once per implementation (see fvharness.implementations).
For each run:

1. a sandbox is made and the config written ([supervisord] paths come from
   the harness; `supervisord` overrides them, `sections` adds the rest);
2. the daemon is started (`args`, default "-n"; optional `prefix` such as
   prlimit or unshare; `env` adds environment variables);
3. the `steps` run in order (WaitLog, Signal, Call, Sleep, WaitExit, ...);
4. unless `shutdown` is False, the daemon gets SIGTERM and must exit with
   `expect_rc` within `shutdown_timeout`;
5. the normalized transcript (fvharness.normalize) must contain `expect` as
   an ordered subsequence, and for each name in `expect_exact` the lines
   about that process must be exactly the given list; no line may match a
   regex of `forbid`; then every function in `checks` runs (it gets the
   Ctx and asserts);
6. `ours_only` checks are asserted for fleetvisord only.  For the reference
   they run too, and their outcome is recorded in the test output (these
   encode the safe behaviour where 4.2.5 is known to fall short);
   FV_ITEST_STRICT_OURS=0 records them for fleetvisord too (handy while
   it is incomplete, and to run the suite with the reference on both sides);
7. every function in `record` returns a line of text describing what the
   implementation did (never asserted): that is how the suite documents
   4.2.5's behaviour where we have not decided to copy it.

Notes (ours-only outcomes, records, kept temp dirs) go to stderr and, when
FV_ITEST_NOTES names a file, are appended to it.

When both implementations run, their transcripts are compared with
fvharness.compare_transcripts (ignoring `compare_ignore` regexes).

Expected lines are written already normalized: "LEVEL message" with
<PID>, <TMP>, <HELPERS> and <RAND> standing for pids, the sandbox path,
the helper directory and the random part of AUTO log names.
"""

import dataclasses
import os
import re
import signal
import time
import traceback
from typing import Any, Callable, Dict, List, Optional, Sequence

import fvharness as H


@dataclasses.dataclass
class Ctx:
    """What steps and checks get: the run and a scratch dict."""
    run: H.Run
    impl: H.Impl
    vars: Dict[str, Any] = dataclasses.field(default_factory=dict)
    recs: Optional[list] = None          # final main-log records
    transcript: Optional[list] = None    # final normalized lines

    @property
    def is_ref(self):
        return self.impl.is_ref


# ---------------------------------------------------------------------------
# Steps

class WaitLog:
    """Wait until `count` main-log messages match `pattern`."""

    def __init__(self, pattern, timeout=15, count=1, save=None):
        self.pattern, self.timeout, self.count = pattern, timeout, count
        self.save = save

    def __call__(self, ctx):
        recs = ctx.run.wait_log(self.pattern, self.timeout, self.count)
        if self.save:
            ctx.vars[self.save] = recs

    def __repr__(self):
        return "WaitLog(%r, %s, count=%d)" % (self.pattern, self.timeout,
                                              self.count)


class Signal:
    """Send a signal (name like "HUP" or number) to the daemon."""

    def __init__(self, sig):
        self.sig = sig if isinstance(sig, int) else getattr(
            signal, "SIG" + sig.upper().replace("SIG", ""))

    def __call__(self, ctx):
        ctx.vars.setdefault("signals", []).append((self.sig, time.time()))
        ctx.run.signal(self.sig)

    def __repr__(self):
        return "Signal(%s)" % signal.Signals(self.sig).name


class Sleep:
    """Let time pass.  Only for "nothing must happen meanwhile" checks;
    never to wait for a state (use WaitLog / WaitUntil)."""

    def __init__(self, seconds):
        self.seconds = seconds

    def __call__(self, ctx):
        time.sleep(self.seconds)

    def __repr__(self):
        return "Sleep(%s)" % self.seconds


class WaitUntil:
    """Poll pred(ctx) until truthy (deadline `timeout`)."""

    def __init__(self, pred, timeout=15, what=None):
        self.pred, self.timeout = pred, timeout
        self.what = what or getattr(pred, "__name__", "predicate")

    def __call__(self, ctx):
        H.wait_until(lambda: self.pred(ctx), self.timeout, what=self.what)

    def __repr__(self):
        return "WaitUntil(%s, %s)" % (self.what, self.timeout)


class WaitExit:
    """Wait for the launched daemon process to exit (with status rc)."""

    def __init__(self, timeout=30, rc=None):
        self.timeout, self.rc = timeout, rc

    def __call__(self, ctx):
        rc = ctx.run.wait_exit(self.timeout)
        ctx.vars["rc"] = rc
        if self.rc is not None:
            assert rc == self.rc, "daemon exit status %s, expected %s\n%s" % (
                rc, self.rc, ctx.run.describe())

    def __repr__(self):
        return "WaitExit(%s, rc=%s)" % (self.timeout, self.rc)


class Call:
    """Run fn(ctx): moves files, records pids, asserts mid-run, ..."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, ctx):
        return self.fn(ctx)

    @property
    def __name__(self):
        return getattr(self.fn, "__name__", repr(self.fn))

    def __repr__(self):
        return "Call(%s)" % self.__name__


# ---------------------------------------------------------------------------
# Scenario

@dataclasses.dataclass
class Scenario:
    name: str
    doc: str
    sections: Dict[str, Dict[str, Any]] = dataclasses.field(
        default_factory=dict)
    supervisord: Dict[str, Any] = dataclasses.field(default_factory=dict)
    text: str = ""                        # raw INI appended to the config
    args: Sequence[str] = ("-n",)
    prefix: Sequence[str] = ()
    env: Dict[str, str] = dataclasses.field(default_factory=dict)
                                          # daemon environment; values are
                                          # formatted like config values
    launch: str = "fg"                    # see fvharness.Run.start
    setup: Optional[Callable] = None      # fn(ctx) before configure/start
    steps: List[Callable] = dataclasses.field(default_factory=list)
    shutdown: bool = True
    shutdown_timeout: float = 30
    expect_rc: Optional[int] = 0
    expect: List[str] = dataclasses.field(default_factory=list)
    expect_exact: Dict[str, List[str]] = dataclasses.field(
        default_factory=dict)
    forbid: List[str] = dataclasses.field(default_factory=list)
    checks: List[Callable] = dataclasses.field(default_factory=list)
    ours_only: List[Callable] = dataclasses.field(default_factory=list)
    record: List[Callable] = dataclasses.field(default_factory=list)
    compare_ignore: List[str] = dataclasses.field(default_factory=list)
    compare: bool = True
    needs_root: bool = False
    slow_ref: bool = False                # skip for 4.2.5 unless
                                          # FV_ITEST_REFERENCE_SLOW=1
    only: Optional[str] = None            # "ref" or "fv": run only there

    def __repr__(self):
        return "Scenario(%s)" % self.name


def is_subsequence(expected, lines):
    """Index in `expected` of the first line not found in order, or -1."""
    it = iter(lines)
    for i, e in enumerate(expected):
        for line in it:
            if line == e:
                break
        else:
            return i
    return -1


def per_subject(lines, name):
    return [x for x in lines if H.subject_of(x) == name]


class ScenarioFailure(AssertionError):
    pass


def fname(fn):
    """Readable name of a check, step or record function."""
    return getattr(fn, "__name__", None) or repr(fn)


def run_once(scn, impl, notes):
    """Run scn against impl and return its Ctx; raises ScenarioFailure (or
    HarnessError) on failure, keeping the sandbox for a look."""
    run = H.Run(impl, scn.name)
    ctx = Ctx(run, impl)
    ok = False
    try:
        if scn.setup:
            scn.setup(ctx)
        run.configure(scn.sections, text=scn.text,
                      supervisord=scn.supervisord)
        env = {k: str(v).format(**run.subst) for k, v in scn.env.items()}
        run.start(args=scn.args, prefix=scn.prefix, launch=scn.launch,
                  env=env)
        for step in scn.steps:
            try:
                step(ctx)
            except AssertionError as e:
                raise ScenarioFailure("[%s] step %r failed: %s" %
                                      (impl.name, step, e)) from None
        if scn.shutdown:
            rc = run.stop(scn.shutdown_timeout)
            if scn.expect_rc is not None and rc != scn.expect_rc:
                raise ScenarioFailure("[%s] exit status %s, expected %s\n%s"
                                      % (impl.name, rc, scn.expect_rc,
                                         run.describe()))
        ctx.recs = run.records()
        ctx.transcript = run.transcript(ctx.recs)
        t = ctx.transcript
        i = is_subsequence(scn.expect, t)
        if i >= 0:
            raise ScenarioFailure(
                "[%s] expected line #%d not found in order: %r\n"
                "transcript:\n  %s" % (impl.name, i, scn.expect[i],
                                        "\n  ".join(t)))
        for name, want in scn.expect_exact.items():
            got = per_subject(t, name)
            if got != want:
                raise ScenarioFailure(
                    "[%s] lines about %s differ\nwant:\n  %s\ngot:\n  %s"
                    % (impl.name, name, "\n  ".join(want),
                       "\n  ".join(got)))
        for rx in scn.forbid:
            bad = [x for x in t if re.search(rx, x)]
            if bad:
                raise ScenarioFailure("[%s] forbidden %r matched %r" %
                                      (impl.name, rx, bad))
        for chk in scn.checks:
            try:
                chk(ctx)
            except AssertionError as e:
                raise ScenarioFailure("[%s] check %s failed: %s\n%s" % (
                    impl.name, fname(chk), e, run.describe())) from None
        for chk in scn.ours_only:
            try:
                chk(ctx)
                outcome = "holds"
            except AssertionError as e:
                if not impl.is_ref and \
                        os.environ.get("FV_ITEST_STRICT_OURS", "1") != "0":
                    raise ScenarioFailure("[%s] check %s failed: %s\n%s" % (
                        impl.name, fname(chk), e,
                        run.describe())) from None
                outcome = "does NOT hold (recorded): %s" % (
                    str(e).splitlines()[0] if str(e) else "assert")
            notes.append("%s [%s] ours-only check %s %s" % (
                scn.name, impl.name, fname(chk), outcome))
        for rec in scn.record:
            try:
                notes.append("%s [%s] record %s: %s" % (
                    scn.name, impl.name, fname(rec), rec(ctx)))
            except Exception as e:      # a record never fails a test
                notes.append("%s [%s] record %s raised %r" % (
                    scn.name, impl.name, fname(rec), e))
        ok = True
        return ctx
    finally:
        keep = not ok
        try:
            run.cleanup(keep=keep)
        except Exception:
            traceback.print_exc()
        if keep:
            notes.append("kept %s" % run.tmp)


def execute(scn, notes=None):
    """Run a scenario against every selected implementation (pytest
    entry point).  Returns the list of contexts."""
    import pytest
    notes = [] if notes is None else notes
    if scn.needs_root and os.geteuid() != 0:
        pytest.skip("needs root")
    impls = H.implementations()
    if scn.only:
        impls = [i for i in impls if i.name == scn.only]
        if not impls:
            pytest.skip("scenario runs only against %s" % scn.only)
    if scn.slow_ref and os.environ.get("FV_ITEST_REFERENCE_SLOW") != "1":
        impls = [i for i in impls if not i.is_ref]
        if not impls:
            pytest.skip("reference too slow: set FV_ITEST_REFERENCE_SLOW=1")
    ctxs = []
    try:
        for impl in impls:
            ctxs.append(run_once(scn, impl, notes))
    finally:
        for n in notes:
            H.log(n)
        path = os.environ.get("FV_ITEST_NOTES")
        if path and notes:
            with open(path, "a") as f:
                f.write("".join(n.rstrip() + "\n" for n in notes))
    if scn.compare and len(ctxs) == 2:
        diff = H.compare_transcripts(ctxs[0].transcript, ctxs[1].transcript,
                                     scn.compare_ignore)
        assert not diff, "transcripts differ (ref vs fv):\n" + "\n".join(diff)
    return ctxs
