"""(e) stopProcessGroup then startProcessGroup (wait=true) of 100.

One daemon per implementation runs group "g" of 100 sleepers
(startsecs=0); each repetition times stopProcessGroup("g") and then
startProcessGroup("g"), both waiting, as one stop+start. The limit is
bench_forkexec -n 100 over as many rounds: SIGTERM to 100 children, reap
them, close their pipes (stop), then fork+exec 100 again (start).
"""

import time

from . import conf
from .procs import Daemon, Perf, parse_kv, run_tool
from .table import Row

N = 100


def run(ctx):
    reps = 3 if ctx.quick else 7
    res = {"4.2.5": [], "fleetvisord": [], "limit": []}
    rounds = [parse_kv(line) for line in run_tool(
        [ctx.bin("forkexec"), "-n", N, "-r", reps + 1, "--", "/bin/sleep",
         "100000"]).splitlines()]
    for a, b in zip(rounds, rounds[1:]):
        res["limit"].append(a["stop_s"] + b["spawn_s"])
    names = ["c%04d" % i for i in range(N)]
    for impl in ctx.order(0):
        d = Daemon(ctx, impl, "e", conf.programs(N, "c") +
                   conf.group("g", names))
        d.start()
        d.wait_log(b"success: ", N, 120)
        d.wait_answer()
        s = d.rpc().supervisor
        for rep in range(reps):
            with Perf(ctx, d, "e-r%d" % rep):
                t0 = time.monotonic()
                s.stopProcessGroup("g", True)
                t1 = time.monotonic()
                s.startProcessGroup("g", True)
                t2 = time.monotonic()
            run_ = sum(1 for p in s.getAllProcessInfo()
                       if p["statename"] == "RUNNING")
            if run_ != N:
                raise SystemExit("%s: %d of %d RUNNING after start" % (
                    impl, run_, N))
            res[impl].append({"stop_s": t1 - t0, "start_s": t2 - t1,
                              "total_s": t2 - t0})
            ctx.log("(e) rep %d %s: stop %.3f s + start %.3f s" % (
                rep + 1, impl, t1 - t0, t2 - t1))
        d.stop()
    get = lambda who, k: [r[k] for r in res[who]]  # noqa: E731
    s = "e group 100"
    return [
        Row(s, "stop+start (s)", get("4.2.5", "total_s"),
            get("fleetvisord", "total_s"), res["limit"], "<= 2x limit",
            lambda o, f, lim: f <= 2 * lim),
        Row(s, "  of which stopProcessGroup (s)", get("4.2.5", "stop_s"),
            get("fleetvisord", "stop_s"), [r["stop_s"] for r in rounds]),
        Row(s, "  of which startProcessGroup (s)", get("4.2.5", "start_s"),
            get("fleetvisord", "start_s"), [r["spawn_s"] for r in rounds]),
    ], res
