"""(a) start N programs, first answer, stop-all, idle RSS; (i) idle cost.

Each repetition starts a fresh daemon on N sleepers with startsecs=0 and
times, from the daemon's exec: every program RUNNING (the N-th "success:"
line of the main log), and the first answered getState counted from the
moment the socket file appears (a thread polls for it every ms while the
daemon spawns). Then RSS, then (N = 1000, first repetition) the idle
window of (i), then stopAllProcesses() is timed. The limit is
bench_forkexec on the same command in the same repetition.
"""

import time

from . import conf
from .procs import Daemon, FirstAnswer, Perf, parse_kv, run_tool
from .table import Row, fmt_num


def one(ctx, impl, n, rep, idle_s):
    d = Daemon(ctx, impl, "a%d" % n, conf.programs(n))
    probe = FirstAnswer(d)
    d.start()
    probe.start()
    with Perf(ctx, d, "a-start-%d-r%d" % (n, rep)):
        t_all = d.wait_log(b"success: ", n, 600) - d.t_exec
        cpu_start = d.cpu_s()
    first = probe.latency()
    info = d.rpc().supervisor.getAllProcessInfo()
    running = sum(1 for p in info if p["statename"] == "RUNNING")
    if running != n:
        raise SystemExit("%s: %d of %d RUNNING" % (impl, running, n))
    res = {"all_running_s": t_all, "start_cpu_s": cpu_start,
           "first_answer_ms": first * 1000,
           "rss_mib": d.rss_kib() / 1024}
    if idle_s:
        res.update(idle(ctx, d, idle_s))
    with Perf(ctx, d, "a-stopall-%d-r%d" % (n, rep)):
        t0 = time.monotonic()
        d.rpc().supervisor.stopAllProcesses()
        res["stop_all_s"] = time.monotonic() - t0
    d.stop()
    return res


def idle(ctx, d, seconds):
    """CPU and RSS of an idle daemon, in 10 slices of the window."""
    with Perf(ctx, d, "i-idle"):
        rss0, cpu0, t0 = d.rss_kib(), d.cpu_s(), time.monotonic()
        slices, last_cpu, last_t = [], cpu0, t0
        for i in range(10):
            # A measurement window, not a wait for a state.
            time.sleep(max(0, t0 + seconds * (i + 1) / 10 - time.monotonic()))
            c, t = d.cpu_s(), time.monotonic()
            slices.append(100 * (c - last_cpu) / (t - last_t))
            last_cpu, last_t = c, t
        rss1 = d.rss_kib()
    return {"idle_cpu_pct": 100 * (last_cpu - cpu0) / (last_t - t0),
            "idle_cpu_slices": slices, "idle_rss_growth_kib": rss1 - rss0,
            "idle_cpu_ticks": round((last_cpu - cpu0) * 100),
            "idle_window_s": last_t - t0}


def run(ctx):
    rows, raw = [], {}
    ns = [1000] if ctx.quick else [100, 500, 1000]
    idle_s = 0 if "i" not in ctx.only else 3 if ctx.quick else 60
    for n in ns:
        reps = 1 if ctx.quick else (3 if n == 1000 else 5)
        res = {"4.2.5": [], "fleetvisord": [], "limit": [], "limit_seq": []}
        for rep in range(reps):
            cmd = ["--", "/bin/sleep", "100000"]
            lim = parse_kv(run_tool([ctx.bin("forkexec"), "-n", n] + cmd))
            seq = parse_kv(run_tool([ctx.bin("forkexec"), "-s", "-n", n] +
                                    cmd))
            res["limit"].append(lim)
            res["limit_seq"].append(seq)
            ctx.log("(a) N=%d rep %d: fork+exec limit %.3f s (%.3f s one "
                    "by one)" % (n, rep + 1, lim["spawn_s"], seq["spawn_s"]))
            for impl in ctx.order(rep):
                r = one(ctx, impl, n, rep, idle_s if (
                    n == 1000 and rep == 0) else 0)
                res[impl].append(r)
                ctx.log("(a) N=%d rep %d %s: all RUNNING %.2f s, first "
                        "answer %.1f ms, RSS %.1f MiB, stop-all %.2f s" % (
                            n, rep + 1, impl, r["all_running_s"],
                            r["first_answer_ms"], r["rss_mib"],
                            r["stop_all_s"]))
        raw[n] = res
        rows += rows_for(n, res)
    if idle_s:
        rows += rows_idle(raw[1000])
    return rows, raw


def col(res, impl, key):
    return [r[key] for r in res[impl] if key in r]


def rows_for(n, res):
    s = "a N=%d" % n
    lim_spawn = [x["spawn_s"] for x in res["limit"]]
    lim_stop = [x["stop_s"] for x in res["limit"]]
    big = n == 1000
    return [
        Row(s, "all RUNNING after exec (s)", col(res, "4.2.5",
            "all_running_s"), col(res, "fleetvisord", "all_running_s"),
            lim_spawn, "<= 1.5x limit" if big else "",
            (lambda o, f, lim: f <= 1.5 * lim) if big else None),
        Row(s, "  agent CPU until then (s)", col(res, "4.2.5", "start_cpu_s"),
            col(res, "fleetvisord", "start_cpu_s")),
        Row(s, "  limit if each exec is confirmed before the next fork "
            "(s)", (), (), [x["spawn_s"] for x in res["limit_seq"]]),
        Row(s, "first answer after socket (ms)",
            col(res, "4.2.5", "first_answer_ms"),
            col(res, "fleetvisord", "first_answer_ms"), (), "<= 50 ms",
            lambda o, f, lim: f <= 50),
        Row(s, "stopAllProcesses (s)", col(res, "4.2.5", "stop_all_s"),
            col(res, "fleetvisord", "stop_all_s"), lim_stop),
        Row(s, "agent RSS, all RUNNING (MiB)", col(res, "4.2.5", "rss_mib"),
            col(res, "fleetvisord", "rss_mib"), (),
            "<= 1/5 of 4.2.5" if big else "",
            (lambda o, f, lim: f <= o / 5) if big else None),
    ]


def rows_idle(res):
    o = [r for r in res["4.2.5"] if "idle_cpu_pct" in r]
    f = [r for r in res["fleetvisord"] if "idle_cpu_pct" in r]
    w = f[0]["idle_window_s"] if f else 0

    def cpu(rs):
        if not rs:
            return "-"
        sl = rs[0]["idle_cpu_slices"]
        return "%.3g%% (%d ticks; tenths %s..%s)" % (
            rs[0]["idle_cpu_pct"], rs[0]["idle_cpu_ticks"],
            fmt_num(min(sl)), fmt_num(max(sl)))
    ok = bool(f) and f[0]["idle_cpu_ticks"] <= 1
    return [
        Row("i N=1000", "idle CPU, %% of a core over %.0f s" % w, (), (),
            text=[cpu(o), cpu(f), "", "", "<= 1 tick (10 ms)",
                  "PASS" if ok else "MISS"]),
        Row("i N=1000", "idle RSS growth over the window (KiB)",
            [r["idle_rss_growth_kib"] for r in o],
            [r["idle_rss_growth_kib"] for r in f], (), "<= 0",
            lambda a, b, lim: b <= 0),
    ]
