"""A superlance-style HTTP watchdog: on every TICK_5 it fetches --url; when
the fetch fails or times out it restarts --name through the supervisor it
runs under (childutils.getRPCInterface(os.environ), as httpok does) and
appends what it did to --log.  Run with /usr/bin/python3.
"""

import argparse
import os
import sys
import time
import urllib.request

from supervisor import childutils


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--timeout", type=float, default=1.5)
    args = ap.parse_args()

    def log(msg):
        with open(args.log, "a") as f:
            f.write("%.3f %s\n" % (time.time(), msg))

    rpc = childutils.getRPCInterface(os.environ)
    log("started pid %d" % os.getpid())
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        if headers["eventname"] != "TICK_5":
            childutils.listener.ok(sys.stdout)
            continue
        try:
            with urllib.request.urlopen(args.url,
                                        timeout=args.timeout) as r:
                r.read()
            log("%s ok" % payload)
        except Exception as e:       # noqa: BLE001 - any failure restarts
            log("%s check failed: %s" % (payload, type(e).__name__))
            try:
                info = rpc.supervisor.getProcessInfo(args.name)
                if info["statename"] in ("RUNNING", "STARTING"):
                    rpc.supervisor.stopProcess(args.name)
                rpc.supervisor.startProcess(args.name)
                log("restarted %s (old pid %s)" % (args.name, info["pid"]))
            except Exception as e2:  # noqa: BLE001
                log("restart failed: %r" % (e2,))
        childutils.listener.ok(sys.stdout)


if __name__ == "__main__":
    main()
