"""(b) getProcessInfo and getAllProcessInfo throughput and latency.

For N programs (all RUNNING sleepers) each daemon in turn is loaded by
bench_load (C, epoll, HTTP/1.1 keep-alive on the UNIX socket) from 1 and
8 connections, closed loop. The client's own ceiling comes from the same
client against bench_canned, which answers the same request with the
reply recorded from fleetvisord (same bytes, nothing computed).
"""

from . import conf
from .procs import Daemon, Perf, parse_kv, poll, run_tool, spawn
from .table import Row, med

METHODS = {
    "getProcessInfo": lambda n: (
        "supervisor.getProcessInfo", "<param><value><string>p%04d</string>"
        "</value></param>" % (n // 2)),
    "getAllProcessInfo": lambda n: ("supervisor.getAllProcessInfo", ""),
}
CONNS = (1, 8)


def body(method, n):
    name, params = METHODS[method](n)
    return ("<?xml version='1.0'?>\n<methodCall><methodName>%s</methodName>"
            "<params>%s</params></methodCall>\n" % (name, params))


def load(ctx, sock, bodyfile, conns):
    t, w = (0.7, 0.2) if ctx.quick else (3.0, 0.5)
    r = parse_kv(run_tool([ctx.bin("load"), "-s", sock, "-b", bodyfile,
                           "-c", conns, "-t", t, "-w", w]))
    if r["faults"] or r["errors"]:
        raise SystemExit("faults or errors under load: %r" % r)
    return r


def run_daemon(ctx, impl, n, reps, res):
    d = Daemon(ctx, impl, "b%d" % n, conf.programs(n))
    d.start()
    d.wait_log(b"success: ", n, 600)
    d.wait_answer()
    for m in METHODS:
        (d.dir.parent / ("b%d-%s.xml" % (n, m))).write_text(body(m, n))
        if impl == "fleetvisord":
            run_tool([ctx.bin("load"), "-s", d.sock, "-b",
                      d.dir.parent / ("b%d-%s.xml" % (n, m)), "-n", 1, "-o",
                      d.dir.parent / ("b%d-%s.reply" % (n, m))])
    for rep in range(reps):
        for m in METHODS:
            for c in CONNS:
                with Perf(ctx, d, "b-%d-%s-c%d-r%d" % (n, m, c, rep)):
                    r = load(ctx, d.sock, d.dir.parent / (
                        "b%d-%s.xml" % (n, m)), c)
                res[(m, c, impl)].append(r)
                ctx.log("(b) N=%d %s %s c=%d: %.0f req/s p50 %d us "
                        "p99 %d us" % (n, impl, m, c, r["rps"],
                                       r["p50_us"], r["p99_us"]))
    d.stop()


def run_canned(ctx, n, reps, res):
    for m in METHODS:
        sock = ctx.workroot / ("canned-%d.sock" % n)
        reply = ctx.workroot / ("b%d-%s.reply" % (n, m))
        p = spawn([ctx.bin("canned"), sock, reply])
        poll(lambda: sock.exists() or p.poll() is not None, 10,
             "bench_canned")
        try:
            for rep in range(reps):
                for c in CONNS:
                    r = load(ctx, sock, ctx.workroot / (
                        "b%d-%s.xml" % (n, m)), c)
                    res[(m, c, "limit")].append(r)
                    ctx.log("(b) N=%d canned %s c=%d: %.0f req/s" % (
                        n, m, c, r["rps"]))
        finally:
            p.terminate()
            p.wait()
        sock.unlink()


def run(ctx):
    rows, raw = [], {}
    ns = [100] if ctx.quick else [100, 1000]
    reps = 1 if ctx.quick else 5
    for n in ns:
        res = {(m, c, who): [] for m in METHODS for c in CONNS
               for who in ("4.2.5", "fleetvisord", "limit")}
        # fleetvisord first: its replies are what bench_canned replays.
        run_daemon(ctx, "fleetvisord", n, reps, res)
        run_canned(ctx, n, reps, res)
        run_daemon(ctx, "4.2.5", n, reps, res)
        raw[n] = {"%s c=%d %s" % k: v for k, v in res.items()}
        for m in METHODS:
            for c in CONNS:
                rows += rows_for(n, m, c, res)
    return rows, raw


def rows_for(n, m, c, res):
    s = "b N=%d" % n
    get = lambda who, k: [r[k] for r in res[(m, c, who)]]  # noqa: E731
    target = n == 100
    return [
        Row(s, "%s c=%d (req/s)" % (m, c), get("4.2.5", "rps"),
            get("fleetvisord", "rps"), get("limit", "rps"),
            ">= 50% of canned" if target else "",
            (lambda o, f, lim: f >= 0.5 * lim) if target else None),
        Row(s, "%s c=%d p50 / p99 (us)" % (m, c), (), (), (), "",
            text=["%s / %s" % (pct(get(w, "p50_us")), pct(get(w, "p99_us")))
                  for w in ("4.2.5", "fleetvisord")] + ["", "%s / %s" % (
                      pct(get("limit", "p50_us")),
                      pct(get("limit", "p99_us"))), "", ""]),
    ]


def pct(xs):
    m = med(xs)
    return "-" if m is None else "%.0f" % m
