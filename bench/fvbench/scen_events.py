"""(d) events: 50 flapping programs, one pool of 4 fast listeners.

The 50 programs of group "flap" run /bin/sh -c '[ -e STOPFILE ]' with
startsecs=0, exitcodes=0 and autorestart=unexpected: each cycle is
STARTING, RUNNING, EXITED (three PROCESS_STATE events) as fast as the
daemon restarts them, and creating STOPFILE ends every program's flapping
in both daemons alike. [eventlistener:pool] runs 4 bench_listener (C)
with the default buffer_size. The group starts once the 4 listeners are
RUNNING; after a 1 s warm-up, events delivered per second are measured by
the listeners' counters over the window. Then STOPFILE is created, all 50
must be EXITED, the listeners must go quiet, and the pool serials they
never saw are the events lost (a pool numbers an event when it accepts it,
before an overflowing buffer drops one). The limit is three events per
fork+exec+wait cycle of the same command (bench_forkexec, 50 at a time).
"""

import time

from .procs import Daemon, Perf, parse_kv, poll, run_tool
from .table import Row

FLAPPERS, LISTENERS = 50, 4


def config(ctx, d):
    stop = d.dir / "stop"
    out = ["[eventlistener:pool]",
           "command=%s %s" % (ctx.bin("listener"), d.dir),
           "events=PROCESS_STATE", "numprocs=%d" % LISTENERS,
           "process_name=%(program_name)s_%(process_num)d",
           "stdout_logfile=NONE", "stderr_logfile=%(here)s/listener.err"]
    for i in range(FLAPPERS):
        out += ["[program:f%02d]" % i,
                "command=/bin/sh -c '[ -e %s ]'" % stop,
                "autostart=false", "startsecs=0", "exitcodes=0",
                "autorestart=unexpected", "stdout_logfile=NONE",
                "stderr_logfile=NONE"]
    out += ["[group:flap]", "programs=" + ",".join(
        "f%02d" % i for i in range(FLAPPERS))]
    return "\n".join(out) + "\n"


def counts(d):
    """(delivered, min pool serial, max pool serial) over the listeners."""
    tot, lo, hi = 0, None, None
    for i in range(LISTENERS):
        try:
            c, a, b, _ = (d.dir / ("pool_%d.count" % i)).read_text().split()
        except (OSError, ValueError):
            continue
        c, a, b = int(c), int(a), int(b)
        if c:
            tot += c
            lo = a if lo is None else min(lo, a)
            hi = b if hi is None else max(hi, b)
    return tot, lo, hi


def states(d, group):
    return [p["statename"] for p in d.rpc().supervisor.getAllProcessInfo()
            if p["group"] == group]


def one(ctx, impl, window, rep):
    d = Daemon(ctx, impl, "d", "")
    d.conf.write_text(d.header() + config(ctx, d))
    d.start()
    d.wait_answer()
    poll(lambda: states(d, "pool").count("RUNNING") == LISTENERS, 60,
         "the listeners to run", 0.05)
    cpu0 = d.cpu_s()
    d.rpc().supervisor.startProcessGroup("flap", False)
    poll(lambda: counts(d)[0] > 0, 30, "a first delivery", 0.02)
    w0 = time.monotonic() + 1.0
    time.sleep(w0 - time.monotonic())  # warm-up: a window, not a state
    with Perf(ctx, d, "d-r%d" % rep):
        c0, t0 = counts(d), time.monotonic()
        time.sleep(window)  # the measurement window
        c1, t1 = counts(d), time.monotonic()
    (d.dir / "stop").touch()
    poll(lambda: all(s in ("EXITED", "STOPPED", "FATAL")
                     for s in states(d, "flap")), 120,
         "the flapping to end", 0.1)
    quiet = {"last": None, "same": 0}

    def settled():
        c = counts(d)
        quiet["same"] = quiet["same"] + 1 if c == quiet["last"] else 0
        quiet["last"] = c
        return quiet["same"] >= 10
    poll(settled, 120, "the listeners to go quiet", 0.05)
    total, lo, hi = counts(d)
    cpu = d.cpu_s() - cpu0
    dropped = d.mainlog.read_bytes().count(b"event buffer overflowed")
    d.stop()
    seen = hi - lo + 1
    return {"delivered_per_s": (c1[0] - c0[0]) / (t1 - t0),
            "generated_per_s": (c1[2] - c0[2]) / (t1 - t0),
            "accepted": seen, "delivered": total, "lost": seen - total,
            "lost_pct": 100.0 * (seen - total) / seen,
            "overflow_lines": dropped, "daemon_cpu_s": cpu}


def run(ctx):
    window = 3 if ctx.quick else 10
    reps = 1 if ctx.quick else 3
    res = {"4.2.5": [], "fleetvisord": [], "limit": []}
    for rep in range(reps):
        lim = parse_kv(run_tool([ctx.bin("forkexec"), "-n", FLAPPERS, "-r",
                                 3, "--", "/bin/sh", "-c",
                                 "[ -e /nonexistent ]"]).splitlines()[-1])
        res["limit"].append(3 * FLAPPERS / (lim["spawn_s"] + lim["stop_s"]))
        for impl in ctx.order(rep):
            r = one(ctx, impl, window, rep)
            res[impl].append(r)
            ctx.log("(d) rep %d %s: %.0f delivered/s, %.0f generated/s, "
                    "lost %d of %d" % (rep + 1, impl, r["delivered_per_s"],
                                       r["generated_per_s"], r["lost"],
                                       r["accepted"]))
    s = "d 50 flap"
    get = lambda who, k: [r[k] for r in res[who]]  # noqa: E731
    rows = [
        Row(s, "events delivered (/s)", get("4.2.5", "delivered_per_s"),
            get("fleetvisord", "delivered_per_s"), res["limit"],
            ">= 50x 4.2.5", lambda o, f, lim: f >= 50 * o),
        Row(s, "events generated (/s)", get("4.2.5", "generated_per_s"),
            get("fleetvisord", "generated_per_s"), res["limit"]),
        Row(s, "events lost (% of accepted)", get("4.2.5", "lost_pct"),
            get("fleetvisord", "lost_pct"), (), "0 in every run",
            lambda o, f, lim: all(r["lost"] == 0
                                  for r in res["fleetvisord"])),
    ]
    return rows, res
