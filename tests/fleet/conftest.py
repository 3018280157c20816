"""pytest glue for the fleet suite: the integration suite's harness is on
the path (fleetharness builds on fvharness and apiextra), and the same
machine-sharing lock as the integration files (FV_ITEST_LOCK, set by
CMakeLists.txt; README.md here says why the fleet files take it shared).
"""

import os
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
sys.path.insert(0, HERE)

import importlib.util  # noqa: E402

# The integration conftest's lock and helper build, reused as they are
# (loaded under another name: this file is "conftest" too).
_spec = importlib.util.spec_from_file_location(
    "fv_integration_conftest",
    os.path.join(os.path.dirname(HERE), "integration", "conftest.py"))
_itest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_itest)
pytest_configure = _itest.pytest_configure
pytest_sessionstart = _itest.pytest_sessionstart
