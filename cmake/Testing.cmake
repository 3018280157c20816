# Tests are registered by tests/unit/CMakeLists.txt (one cmocka executable
# per test_<module>.c, labelled "unit") and tests/compat (labelled
# "compat"). Every test carries a TIMEOUT.
