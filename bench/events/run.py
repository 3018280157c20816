#!/usr/bin/python3
"""Event-throughput benchmark: supervisord 4.2.5 and fleetvisord side by side.

Each implementation runs, in a temp dir, PROGRAMS programs that flap
(--command, default "/bin/sleep 0.2", with startsecs=0 and
autorestart=true: STARTING, RUNNING, EXITED, again and again) and one [eventlistener:pool] of LISTENERS
processes (counter.py) subscribed to PROCESS_STATE with buffer_size
BUFFER.  After a warm-up it measures for SECONDS:

  generated  process-state events made: the main log's spawned:, success:
             and exited: lines (one event each)
  delivered  events the listeners acknowledged (their own counters)
  dropped    "event buffer overflowed" lines
  rate       delivered per second, by the listeners' clock

and prints both implementations and the ratio ours/4.2.5.  Run as root or
not; needs /usr/bin/python3 with Debian's supervisor package (the listener
uses supervisor.childutils).

  bench/events/run.py --fleetvisord build/gcc/agent/fleetvisord
  bench/events/run.py --fleetvisord ... --seconds 20 --programs 50 \
      --listeners 4 --buffer 10 --json out.json
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from pathlib import Path

from supervisor.xmlrpc import SupervisorTransport

HERE = Path(__file__).resolve().parent
PY = "/usr/bin/python3"
GEN = re.compile(rb"(spawned: '|success: |exited: )(p\d+)")
DROP = re.compile(rb"event buffer overflowed")


def config(tmp, args):
    lines = [
        "[supervisord]",
        "logfile=%s/main.log" % tmp, "logfile_maxbytes=0",
        "pidfile=%s/supervisord.pid" % tmp, "childlogdir=%s" % tmp,
        "loglevel=info",
        "[unix_http_server]", "file=%s/sock" % tmp,
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory="
        "supervisor.rpcinterface:make_main_rpcinterface",
        "[eventlistener:pool]",
        "command=%s %s %s" % (PY, HERE / "counter.py", tmp),
        "events=PROCESS_STATE", "numprocs=%d" % args.listeners,
        "process_name=%(program_name)s_%(process_num)d",
        "buffer_size=%d" % args.buffer, "stdout_logfile=NONE",
        "stderr_logfile=%s/listener.err" % tmp,
    ]
    for i in range(args.programs):
        lines += ["[program:p%02d]" % i, "command=%s" % args.command,
                  "startsecs=0", "autorestart=true",
                  "stdout_logfile=NONE", "stderr_logfile=NONE"]
    (tmp / "supervisord.conf").write_text("\n".join(lines) + "\n")


def rpc(tmp):
    t = SupervisorTransport(None, None, "unix://%s/sock" % tmp)
    return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=t)


def wait_until(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise SystemExit("timed out waiting for %s" % what)


def counts(tmp, listeners):
    """Sum of the listeners' counters and the newest of their clocks."""
    total, when = 0, 0.0
    for i in range(listeners):
        try:
            n, t = (tmp / ("pool_%d.count" % i)).read_text().split()
        except (OSError, ValueError):
            continue
        total += int(n)
        when = max(when, float(t))
    return total, when


def log_counts(tmp):
    data = (tmp / "main.log").read_bytes()
    return len(GEN.findall(data)), len(DROP.findall(data))


def measure(name, binary, args):
    tmp = Path(tempfile.mkdtemp(prefix="fvbench-events-%s-" % name))
    config(tmp, args)
    err = open(tmp / "daemon.err", "wb")
    proc = subprocess.Popen([binary, "-n", "-c", str(tmp / "supervisord.conf")],
                            stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                            cwd=tmp, start_new_session=True)
    try:
        def up():
            if proc.poll() is not None:
                raise SystemExit("%s exited %s; see %s" % (
                    name, proc.returncode, tmp))
            try:
                return rpc(tmp).supervisor.getState()["statename"] == \
                    "RUNNING"
            except Exception:          # noqa: BLE001 - not up yet
                return False
        wait_until(up, 30, "%s to answer" % name)
        wait_until(lambda: counts(tmp, args.listeners)[0] > 0, 30,
                   "the first delivery")
        time.sleep(args.warmup)
        d0, t0 = counts(tmp, args.listeners)
        g0, x0 = log_counts(tmp)
        w0 = time.monotonic()
        time.sleep(args.seconds)
        d1, t1 = counts(tmp, args.listeners)
        g1, x1 = log_counts(tmp)
        w1 = time.monotonic()
        cpu = cpu_seconds(proc.pid)
        res = {
            "impl": name, "binary": binary,
            "seconds": round(w1 - w0, 3),
            "generated": g1 - g0, "delivered": d1 - d0, "dropped": x1 - x0,
            "generated_per_s": round((g1 - g0) / (w1 - w0), 1),
            "delivered_per_s": round((d1 - d0) / max(t1 - t0, 1e-6), 1),
            "daemon_cpu_s_total": cpu,
        }
        return res
    finally:
        stop(proc, args.stop_timeout)
        err.close()
        if args.keep:
            print("kept %s" % tmp, file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for t in os.listdir("/proc/%d/task" % p):
                kids = open("/proc/%d/task/%s/children" % (p, t)).read()
                for k in kids.split():
                    out.append(int(k))
                    todo.append(int(k))
        except OSError:
            pass
    return out


def stop(proc, timeout):
    """SIGTERM the daemon; if it is not gone in time (a hung daemon is a
    result too: it is reported), SIGKILL it and everything it started."""
    if proc.poll() is not None:
        return
    tree = descendants(proc.pid)
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
        return
    except subprocess.TimeoutExpired:
        print("%s did not exit %.0f s after SIGTERM; killing it" % (
            proc.args[0], timeout), file=sys.stderr)
    tree = set(tree) | set(descendants(proc.pid))
    proc.kill()
    for p in tree:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()


def cpu_seconds(pid):
    try:
        f = open("/proc/%d/stat" % pid).read()
        rest = f[f.rindex(")") + 2:].split()
        return round((int(rest[11]) + int(rest[12])) /
                     os.sysconf("SC_CLK_TCK"), 2)
    except OSError:
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--supervisord", default="/usr/bin/supervisord")
    ap.add_argument("--fleetvisord", default=os.environ.get("FLEETVISORD"))
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--warmup", type=float, default=2)
    ap.add_argument("--programs", type=int, default=50)
    ap.add_argument("--listeners", type=int, default=4)
    ap.add_argument("--buffer", type=int, default=10)
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--keep", action="store_true", help="keep temp dirs")
    ap.add_argument("--stop-timeout", type=float, default=30)
    ap.add_argument("--command", default="/bin/sleep 0.2",
                    help="what each flapping program runs (it must exit)")
    args = ap.parse_args()
    # An interrupted run still stops its daemons (finally clauses run).
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda s, f: sys.exit(128 + s))
    impls = [("4.2.5", args.supervisord)]
    if args.fleetvisord:
        impls.append(("fleetvisord", os.path.abspath(args.fleetvisord)))
    results = [measure(n, b, args) for n, b in impls]
    cols = ("impl", "generated", "delivered", "dropped", "generated_per_s",
            "delivered_per_s", "daemon_cpu_s_total")
    print("%d flapping programs, %d listeners, buffer_size=%d, %.0f s" % (
        args.programs, args.listeners, args.buffer, args.seconds))
    print("  ".join("%16s" % c for c in cols))
    for r in results:
        print("  ".join("%16s" % r[c] for c in cols))
    if len(results) == 2 and results[0]["delivered_per_s"]:
        ratio = results[1]["delivered_per_s"] / results[0]["delivered_per_s"]
        print("delivered/s ratio fleetvisord / 4.2.5: %.2f" % ratio)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
