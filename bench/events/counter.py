"""Benchmark listener: acknowledges every event at once and keeps
DIR/<process>.count holding "COUNT MONOTONIC_TIME" (rewritten at most every
50 ms, atomically), so the driver can compute a delivery rate from the
listener's own clock.  Run with /usr/bin/python3 (supervisor.childutils).
"""

import os
import sys
import time

from supervisor import childutils


def main():
    outdir = sys.argv[1]
    name = os.environ["SUPERVISOR_PROCESS_NAME"]
    path = os.path.join(outdir, name + ".count")
    n, last = 0, 0.0
    while True:
        childutils.listener.wait(sys.stdin, sys.stdout)
        n += 1
        childutils.listener.ok(sys.stdout)
        now = time.monotonic()
        if now - last >= 0.05:
            last = now
            with open(path + ".tmp", "w") as f:
                f.write("%d %.6f\n" % (n, now))
            os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
