"""pytest glue for the integration suite.

FV_ITEST_SHARD=K/N keeps every N-th test starting at K (run.sh runs N
shards in parallel; pytest-xdist is not in Debian's python3-pytest).
FV_ITEST_LOCK=PATH:exclusive|shared (set by CMakeLists.txt) holds a flock
on PATH for the whole session: a file that measures timing windows waits
until no other file runs, an I/O-bound one only for the timing files.  It
is what keeps `ctest -jN` without the resource spec file safe.
The helper programs are built once per session before any test runs.
"""

import fcntl
import os
import sys
import time

# No __pycache__ in the source tree (.gitignore only covers build/).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fvharness  # noqa: E402


def pytest_collection_modifyitems(config, items):
    shard = os.environ.get("FV_ITEST_SHARD")
    if not shard:
        return
    k, n = (int(x) for x in shard.split("/"))
    keep, drop = [], []
    for i, item in enumerate(items):
        (keep if i % n == k else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    items[:] = keep


_lock_fd = None


def pytest_configure(config):
    global _lock_fd
    spec = os.environ.get("FV_ITEST_LOCK")
    if not spec:
        return
    path, mode = spec.rsplit(":", 1)
    _lock_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    t0 = time.monotonic()
    fcntl.flock(_lock_fd, fcntl.LOCK_EX if mode == "exclusive" else
                fcntl.LOCK_SH)
    waited = time.monotonic() - t0
    if waited >= 1:
        sys.stderr.write("fleetvisor integration: waited %.0f s for the %s "
                         "lock %s\n" % (waited, mode, path))


def pytest_sessionstart(session):
    fvharness.helpers_dir()


def pytest_report_header(config):
    impls = ", ".join("%s=%s" % (i.name, i.path)
                      for i in fvharness.implementations())
    return "fleetvisor integration: %s; helpers %s" % (
        impls, fvharness.helpers_dir())
