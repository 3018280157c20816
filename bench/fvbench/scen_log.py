"""(c) capture of a child's output into a rotated log.

One program, bench_lines write, emits SIZE bytes of numbered 100-byte
lines to stdout, one write(2) per line (a line-buffered program: the
case that costs a supervisor most per byte; the full run also does 64 KiB
writes, shown without targets), which the daemon logs with
stdout_logfile_maxbytes = SIZE/4 and 10 backups (so nothing is rotated
away). Timed from startProcess until the log files hold every byte; the
daemon's CPU over the same span gives CPU per MiB; bench_lines verify
counts lost, repeated, reordered and torn lines across the rotated files.
The limit is bench_pipe2file: the same writer into a pipe, copied to a
file with the same rotation by one thread, reading eagerly, coalescing
reads (-g 1: a 1 ms pause after a small read, as the agent does), and
coalescing on a pipe that was polled once (-g 1 -p). The throughput
target is judged against the last: once a pipe has been polled, the
kernel (fs/pipe.c, poll_usage) wakes its wait queue on every write for
the rest of the pipe's life, which slows a line-by-line writer, and a
supervisor cannot avoid polling: it watches many pipes with one thread,
and cannot know which pipe will be busy before it has watched it. The
better of the two unpolled readers, a limit only a reader that never
polls (a blocking thread per pipe) could reach, is a row of its own.
CPU per MiB takes the lower of the eager and coalescing readers.
"""

import time

from .procs import Daemon, Perf, parse_kv, poll, run_tool
from .table import Row

LINE = 100


def files(d, backups):
    base = d.dir / "writer.log"
    return [base.with_name("writer.log.%d" % i)
            for i in range(backups, 0, -1)] + [base]


def one(ctx, impl, size, chunk, rep):
    maxbytes, backups = size // 4, 10
    d = Daemon(ctx, impl, "c", "\n".join([
        "[program:writer]",
        "command=%s write %d %d %d" % (ctx.bin("lines"), size, LINE,
                                       chunk),
        "autostart=false", "autorestart=false", "startsecs=0",
        "stdout_logfile=%s" % "%(here)s/writer.log",
        "stdout_logfile_maxbytes=%d" % maxbytes,
        "stdout_logfile_backups=%d" % backups,
        "stderr_logfile=%(here)s/writer.err", ""]))
    d.start()
    d.wait_answer()
    expect = (size // LINE) * LINE
    paths = files(d, backups)

    def size_now():
        n = 0
        for p in paths:
            try:
                n += p.stat().st_size
            except FileNotFoundError:
                pass
        return n >= expect

    with Perf(ctx, d, "c-%d-r%d" % (chunk, rep)):
        cpu0 = d.cpu_s()
        t0 = time.monotonic()
        d.rpc().supervisor.startProcess("writer", False)
        poll(size_now, 600, "%s to log %d bytes" % (impl, expect))
        secs = time.monotonic() - t0
        poll(lambda: d.rpc().supervisor.getProcessInfo("writer")[
            "statename"] == "EXITED", 60, "the writer to exit", 0.02)
        cpu = d.cpu_s() - cpu0
    out = run_tool([ctx.bin("lines"), "verify", LINE, size // LINE] +
                   [p for p in paths if p.exists()], 600, ok_codes=(0, 1))
    d.stop()
    v = parse_kv(out)
    mib = expect / 1048576
    return {"mib_s": mib / secs, "cpu_ms_per_mib": 1000 * cpu / mib,
            "lost": v["lost"], "dup": v["dup"], "bad": v["bad"],
            "backwards": v["backwards"], "seconds": secs, "cpu_s": cpu}


def run(ctx):
    size = (64 if ctx.quick else 200) << 20
    rows, raw = [], {}
    for chunk in [LINE] if ctx.quick else [LINE, 65536]:
        r, raw[chunk] = variant(ctx, size, chunk)
        rows += r
    return rows, raw


def variant(ctx, size, chunk):
    reps = 2 if ctx.quick else 5
    res = {"4.2.5": [], "fleetvisord": [], "limit": []}
    for rep in range(reps):
        tmp = ctx.workroot / "pipe2file"
        tmp.mkdir(exist_ok=True)
        runs = []
        for mode in ([], ["-g", "1"], ["-g", "1", "-p"]):
            r = parse_kv(run_tool([ctx.bin("pipe2file")] + mode +
                                  [tmp / "w.log", size // 4, 10,
                                   ctx.bin("lines"), "write", size, LINE,
                                   chunk]))
            for p in tmp.iterdir():
                p.unlink()
            r["cpu_ms_per_mib"] = 1000 * r["cpu_s"] / (r["bytes"] / 2**20)
            runs.append(r)
        lim = {"mib_s": runs[2]["mib_s"],
               "unpolled_mib_s": max(r["mib_s"] for r in runs[:2]),
               "cpu_ms_per_mib": min(r["cpu_ms_per_mib"] for r in runs[:2]),
               "eager": runs[0], "gather": runs[1], "polled": runs[2]}
        res["limit"].append(lim)
        ctx.log("(c) %d-byte writes, rep %d: pipe-to-file limit %.0f "
                "MiB/s, coalescing on a polled pipe (eager %.0f MiB/s "
                "%.2f ms CPU/MiB %d reads, coalescing %.0f MiB/s %.2f ms "
                "CPU/MiB %d reads, both on a pipe never polled)" % (
                    chunk, rep + 1, lim["mib_s"], runs[0]["mib_s"],
                    runs[0]["cpu_ms_per_mib"], runs[0]["reads"],
                    runs[1]["mib_s"], runs[1]["cpu_ms_per_mib"],
                    runs[1]["reads"]))
        for impl in ctx.order(rep):
            r = one(ctx, impl, size, chunk, rep)
            res[impl].append(r)
            ctx.log("(c) %d-byte writes, rep %d %s: %.1f MiB/s, %.2f ms "
                    "CPU/MiB, lost %d dup %d bad %d reordered %d" % (
                        chunk, rep + 1, impl, r["mib_s"],
                        r["cpu_ms_per_mib"], r["lost"], r["dup"], r["bad"],
                        r["backwards"]))
    s = "c %d MiB, %s writes" % (size >> 20, "line" if chunk == LINE
                                 else "%d KiB" % (chunk >> 10))
    t = chunk == LINE
    get = lambda who, k: [r[k] for r in res[who]]  # noqa: E731
    bad = lambda r: r["lost"] + r["dup"] + r["bad"] + r["backwards"]  # noqa
    rows = [
        Row(s, "capture throughput (MiB/s)", get("4.2.5", "mib_s"),
            get("fleetvisord", "mib_s"), get("limit", "mib_s"),
            ">= 90% of limit" if t else "",
            (lambda o, f, lim: f >= 0.9 * lim) if t else None),
        Row(s, "  limit if the pipe is never polled (MiB/s)", (), (),
            get("limit", "unpolled_mib_s")),
        Row(s, "agent CPU per MiB (ms)", get("4.2.5", "cpu_ms_per_mib"),
            get("fleetvisord", "cpu_ms_per_mib"),
            get("limit", "cpu_ms_per_mib"), "<= 1/5 of 4.2.5" if t else "",
            (lambda o, f, lim: f <= o / 5) if t else None),
        Row(s, "lines lost (+dup, torn, reordered)",
            [bad(r) for r in res["4.2.5"]],
            [bad(r) for r in res["fleetvisord"]], (), "0 in every run",
            lambda o, f, lim: all(bad(r) == 0 for r in res["fleetvisord"])),
    ]
    return rows, res
