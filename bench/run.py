#!/usr/bin/python3
"""Fleetvisor benchmark: supervisord 4.2.5 and fleetvisord in the same run,
on the same generated configs, against the machine's limits measured by
small C programs in the same run. See bench/README.md.

  bench/run.py [--quick] [--only a,b,c,d,e,f,i] [--fleetvisord PATH]
               [--json out.json] [--perf DIR] [--keep]

Without --fleetvisord it builds fleetvisord, fleetvisor-controller,
fleetvisorctl and the bench programs with CMake (Release) into
build/bench. Prints one table: scenario, metric, 4.2.5, fleetvisord,
ratio, machine limit, target and PASS/MISS, each value the median of the
repetitions with [min..max]. Not part of the test suite.
"""

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

from fvbench import (procs, scen_events, scen_fleet,  # noqa: E402
                     scen_group, scen_log, scen_rpc, scen_start, table)

ROOT = HERE.parent
PROGS = ("forkexec", "pipe2file", "unixrtt", "canned", "load", "lines",
         "listener")
# (i) is measured inside (a)'s 1000-program daemons.
SCENARIOS = {"a": scen_start, "b": scen_rpc, "c": scen_log,
             "d": scen_events, "e": scen_group, "f": scen_fleet}


class Ctx:
    def __init__(self, args, bindir, fleetvisord, workroot):
        self.args, self.quick = args, args.quick
        self.only = set(args.only.split(","))
        self.bindir, self.workroot = Path(bindir), Path(workroot)
        self.impls = {"4.2.5": args.supervisord, "fleetvisord": fleetvisord}
        self.controller, self.fleetvisorctl = (args.controller,
                                               args.fleetvisorctl)
        self.supervisorctl = args.supervisorctl
        self.t0 = time.monotonic()

    def bin(self, name):
        return self.bindir / ("bench_" + name)

    def order(self, rep):
        """Alternate which daemon goes first, so drift hits both."""
        o = ["4.2.5", "fleetvisord"]
        return o if rep % 2 == 0 else o[::-1]

    def log(self, msg):
        print("[%6.1f s] %s" % (time.monotonic() - self.t0, msg),
              file=sys.stderr, flush=True)


def build(args):
    """cmake Release into build/bench unless the paths were given."""
    bdir = Path(args.build_dir)
    need = args.bench_bin is None or args.fleetvisord is None
    if need:
        targets = [] if args.fleetvisord else [
            "fleetvisord", "fleetvisor-controller", "fleetvisorctl"]
        targets += [] if args.bench_bin else ["bench_" + p for p in PROGS]
        # -g only adds debug info (perf names file:function).
        subprocess.run(["cmake", "-S", ROOT, "-B", bdir,
                        "-DCMAKE_BUILD_TYPE=Release", "-DFV_WERROR=ON",
                        "-DCMAKE_C_FLAGS=-g"],
                       check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(["make", "-C", bdir, "-j%d" % os.cpu_count()] +
                       targets, check=True, stdout=subprocess.DEVNULL)
    fv = args.fleetvisord or bdir / "agent" / "fleetvisord"
    bb = args.bench_bin or bdir / "bench"
    fdir = Path(fv).parent.parent
    args.controller = os.path.abspath(
        args.controller or fdir / "controller" / "fleetvisor-controller")
    args.fleetvisorctl = os.path.abspath(
        args.fleetvisorctl or fdir / "ctl" / "fleetvisorctl")
    return os.path.abspath(fv), os.path.abspath(bb)


def machine():
    cpu = "?"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    load = open("/proc/loadavg").read().split()[:3]
    return "nproc %d, %s, Linux %s, load average before the run %s" % (
        os.cpu_count(), cpu, platform.release(), " ".join(load))


def limits_rows(ctx):
    """Raw limits shown on their own: UNIX-socket round trips."""
    rows = []
    reps = 2 if ctx.quick else 5
    for c in (1, 8):
        vals = [procs.parse_kv(procs.run_tool(
            [ctx.bin("unixrtt"), "-c", c, "-t", 1 if ctx.quick else 2]))
            for _ in range(reps)]
        rows.append(table.Row(
            "limit", "UNIX-socket round trips, %d conn (/s)" % c, (), (),
            [v["rps"] for v in vals]))
    return rows


def run_scenario(ctx, key, raw):
    """One scenario's rows. A scenario that fails (a wait that timed out,
    a client that answered wrongly: SystemExit with a message, or an
    exception) becomes a FAILED row and the run goes on with the others,
    so a long run keeps what it measured; an interruption (SIGINT,
    SIGTERM: SystemExit with a number) still ends it."""
    try:
        rows, raw[key] = SCENARIOS[key].run(ctx)
        return rows
    except SystemExit as e:
        if not isinstance(e.code, str):
            raise
        why = e.code
    except Exception as e:  # noqa: BLE001 - reported, not hidden
        why = "%s: %s" % (type(e).__name__, e)
    ctx.log("(%s) FAILED: %s" % (key, why))
    procs.sweep()
    raw[key] = {"failed": why}
    return [table.Row(key, "FAILED: " + why[:100], [], [],
                      text=["-", "-", "-", "-", "", "FAILED"])]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="fewer repetitions, shorter windows (< 2 min)")
    ap.add_argument("--only", default="a,b,c,d,e,f,i",
                    help="scenarios to run, e.g. a,c (i runs with a)")
    ap.add_argument("--fleetvisord", help="fleetvisord binary to measure")
    ap.add_argument("--controller", help="fleetvisor-controller for (f); "
                    "default: next to fleetvisord's build")
    ap.add_argument("--fleetvisorctl", help="fleetvisorctl for (f)")
    ap.add_argument("--supervisord", default="/usr/bin/supervisord")
    ap.add_argument("--supervisorctl", default="/usr/bin/supervisorctl")
    ap.add_argument("--bench-bin", help="directory of the bench_* programs")
    ap.add_argument("--build-dir", default=str(ROOT / "build" / "bench"))
    ap.add_argument("--json", help="also write every repetition here")
    ap.add_argument("--perf", metavar="DIR",
                    help="perf record fleetvisord in each measured phase")
    ap.add_argument("--keep", action="store_true", help="keep temp dirs")
    args = ap.parse_args()
    only = set(args.only.split(","))
    if "i" in only:
        only.add("a")
    unknown = only - set("abcdefi")
    if unknown:
        ap.error("unknown scenario(s): %s" % ",".join(sorted(unknown)))

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda s, f: sys.exit(128 + s))
    procs.become_subreaper()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    fv, bb = build(args)
    workroot = Path(tempfile.mkdtemp(prefix="fvbench-"))
    ctx = Ctx(args, bb, fv, workroot)
    ctx.log(machine())
    rows, raw = [], {"machine": machine(), "quick": args.quick,
                     "fleetvisord": fv}
    try:
        rows += limits_rows(ctx)
        for key in "abcdef":
            if key in only:
                rows += run_scenario(ctx, key, raw)
    finally:
        procs.sweep()
        if not args.keep:
            shutil.rmtree(workroot, ignore_errors=True)
    raw["load_after"] = open("/proc/loadavg").read().split()[:3]
    print("Machine: %s; after: %s" % (raw["machine"],
                                      " ".join(raw["load_after"])))
    print("Mode: %s; %.0f s" % ("quick" if args.quick else "full",
                                time.monotonic() - ctx.t0))
    print(table.render(rows))
    if args.json:
        raw["rows"] = [r.as_json() for r in rows]
        Path(args.json).write_text(json.dumps(raw, indent=1, default=str) +
                                   "\n")


if __name__ == "__main__":
    main()
