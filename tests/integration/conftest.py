"""pytest glue for the integration suite.

FV_ITEST_SHARD=K/N keeps every N-th test starting at K (run.sh runs N
shards in parallel; pytest-xdist is not in Debian's python3-pytest).
The helper programs are built once per session before any test runs.
"""

import os
import sys

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


def pytest_sessionstart(session):
    fvharness.helpers_dir()


def pytest_report_header(config):
    impls = ", ".join("%s=%s" % (i.name, i.path)
                      for i in fvharness.implementations())
    return "fleetvisor integration: %s; helpers %s" % (
        impls, fvharness.helpers_dir())
