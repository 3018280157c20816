"""An event listener written the way third-party listeners are: with
supervisor.childutils (Debian's package), reading stdin in text mode.

It appends one JSON line per thing that happens to OUT/<processname>.jsonl:

  {"start": N, "pid": P}                  incarnation N began
  {"i": N, "pid": P, "h": {headers}, "p": "payload", "act": "ok"}
  {"i": N, "pid": P, "error": "..."}      the stream desynchronized
  {"i": N, "pid": P, "ready": K}          READY sent after K events (a
                                          test can wait for its listener
                                          to be idle)

Behaviour (--mode), applied to the first incarnation only unless --always:
  ok          answer OK to everything (the default)
  fail-first  answer FAIL the first time an event (by serial) arrives,
              OK when it comes back
  hold        after the first event, wait for OUT/<name>.go before OK
  busy        after the first event whose name is --on (any if unset),
              touch OUT/<name>.busy and wait (the test kills us)
  garbage     write garbage instead of READY, then wait for .go, exit 1
  bigresult   answer the first event with "RESULT 999999999", then wait
              for .go, exit 1
  split       answer "RESULT 2\n", wait --delay s, then "OK"
  neverready  never say READY; wait for .go, exit 1
  diemid      answer the first event with a partial "RESULT 2\nO", exit 1
  badresult   answer the first event with "RESULT abc", wait for .go, exit 1
  stderr      write --stderr-bytes to stderr per event, answer OK

The incarnation count lives in OUT/<name>.n so an autorestarted listener
knows it is a new one.  Run with /usr/bin/python3.
"""

import argparse
import json
import os
import sys
import time

from supervisor import childutils


def touch(path):
    with open(path, "a"):
        pass


def wait_for(path, limit=120):
    deadline = time.monotonic() + limit
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--mode", default="ok")
    ap.add_argument("--on", default=None)
    ap.add_argument("--delay", type=float, default=2.0)
    ap.add_argument("--stderr-bytes", type=int, default=1 << 20)
    ap.add_argument("--always", action="store_true")
    args = ap.parse_args()

    name = os.environ["SUPERVISOR_PROCESS_NAME"]
    base = os.path.join(args.out, name)
    n = 1
    try:
        with open(base + ".n") as f:
            n = int(f.read() or "0") + 1
    except OSError:
        pass
    with open(base + ".n", "w") as f:
        f.write(str(n))
    rec = open(base + ".jsonl", "a")

    def write(obj):
        obj.setdefault("i", n)
        obj.setdefault("pid", os.getpid())
        rec.write(json.dumps(obj, ensure_ascii=True) + "\n")
        rec.flush()

    write({"start": n})
    mode = args.mode if (n == 1 or args.always) else "ok"
    out, inp = sys.stdout, sys.stdin

    if mode == "garbage":
        out.write("HELLO, I AM NOT A LISTENER\n")
        out.flush()
        wait_for(base + ".go")
        sys.exit(1)
    if mode == "neverready":
        wait_for(base + ".go")
        sys.exit(1)

    failed = set()
    first = True
    handled = 0
    while True:
        try:
            childutils.listener.ready(out)
            write({"ready": handled})
            line = inp.readline()
            if not line:
                write({"error": "eof"})
                return
            headers = childutils.get_headers(line)
            if headers.get("ver") != "3.0" or "len" not in headers:
                raise ValueError("bad header line %r" % line)
            payload = inp.read(int(headers["len"]))
        except Exception as e:      # a desynchronized stream
            write({"error": "%s: %s" % (type(e).__name__, e)})
            # Stay alive and silent: a crash would hide the desync behind
            # an autorestart.
            wait_for(base + ".go", 3600)
            return
        act = "ok"
        hit = args.on is None or headers.get("eventname") == args.on
        if mode == "fail-first" and headers["serial"] not in failed:
            failed.add(headers["serial"])
            act = "fail"
        elif mode == "busy" and first and hit:
            act = "busy"
        elif mode in ("bigresult", "badresult", "diemid", "split",
                      "hold") and first:
            act = mode
        handled += 1
        write({"h": headers, "p": payload, "act": act})
        if act == "ok":
            childutils.listener.ok(out)
        elif act == "fail":
            childutils.listener.fail(out)
        elif act == "busy":
            touch(base + ".busy")
            wait_for(base + ".go", 3600)
            sys.exit(1)
        elif act == "bigresult":
            out.write("RESULT 999999999\n")
            out.flush()
            wait_for(base + ".go")
            sys.exit(1)
        elif act == "badresult":
            out.write("RESULT abc\n")
            out.flush()
            wait_for(base + ".go")
            sys.exit(1)
        elif act == "diemid":
            out.write("RESULT 2\nO")
            out.flush()
            os._exit(1)
        elif act == "split":
            out.write("RESULT 2\n")
            out.flush()
            time.sleep(args.delay)
            out.write("OK")
            out.flush()
        elif act == "hold":
            touch(base + ".held")
            wait_for(base + ".go")
            childutils.listener.ok(out)
        if mode == "stderr":
            chunk = ("E" * 1023 + "\n") * 64
            left = args.stderr_bytes
            while left > 0:
                sys.stderr.write(chunk[:left])
                left -= len(chunk)
            sys.stderr.flush()
        if mode != "busy" or hit:
            first = False


if __name__ == "__main__":
    main()
