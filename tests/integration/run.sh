#!/usr/bin/env bash
# Runs the issue-3 integration suite (tests/integration) against Supervisor
# 4.2.5 and/or fleetvisord.  See tests/integration/README.md.
#
#   tests/integration/run.sh                     # the reference only
#   FLEETVISORD=build/gcc/agent/fleetvisord tests/integration/run.sh
#                                                # ours only
#   SUPERVISORD=/usr/bin/supervisord FLEETVISORD=... tests/integration/run.sh
#                                                # both, transcripts compared
#   tests/integration/run.sh -k stop             # extra args go to pytest
#
# Environment: FV_ITEST_JOBS (parallel shards, default 3: the scenarios
# mostly wait), FV_ITEST_BUILD (where the helpers are built, default
# build/itest-helpers), FV_ITEST_HELPERS (use prebuilt helpers instead),
# FV_ITEST_BIG / FV_ITEST_HUGE / FV_ITEST_REFERENCE_SLOW / FV_ITEST_KEEP
# (see the README).  Exit status 0 only if every shard passed.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
here="$top/tests/integration"
py=/usr/bin/python3
jobs=${FV_ITEST_JOBS:-3}
build=${FV_ITEST_BUILD:-$top/build/itest-helpers}

# The tests run from tests/integration: make the implementation paths
# absolute first.
for v in SUPERVISORD FLEETVISORD FV_ITEST_HELPERS; do
	if [ -n "${!v:-}" ] && [ "${!v#/}" = "${!v}" ]; then
		export "$v=$(readlink -m "${!v}")"
	fi
done

if [ -z "${FV_ITEST_HELPERS:-}" ]; then
	echo "== building the helper programs in $build"
	if cmake -S "$top" -B "$build" -DFV_WERROR=ON >"$build.cmake.log" 2>&1 &&
		cmake --build "$build" -j2 --target fvt-exit fvt-forker \
			fvt-spew fvt-verify >"$build.build.log" 2>&1; then
		export FV_ITEST_HELPERS="$build/tests/helpers"
	else
		echo "   CMake build failed (see $build.*.log); the harness" \
			"compiles the helpers itself"
	fi
fi
export PYTHONDONTWRITEBYTECODE=1
notes=${FV_ITEST_NOTES:-$build/itest-notes.txt}
mkdir -p "$(dirname "$notes")"
: >"$notes"
export FV_ITEST_NOTES="$notes"

out=$(mktemp -d /tmp/fvitest-run-XXXXXX)
failed=0
t0=$(date +%s)

# shards NAME N PYTEST-ARGS...: run the selection in N parallel shards.
shards() {
	local name=$1 n=$2
	shift 2
	local pids=() k
	for ((k = 0; k < n; k++)); do
		FV_ITEST_SHARD="$k/$n" $py -m pytest -q -p no:cacheprovider \
			-rfEs "$@" >"$out/$name.$k.log" 2>&1 &
		pids+=($!)
	done
	for ((k = 0; k < n; k++)); do
		wait "${pids[$k]}"
		local rc=$?
		echo "== $name shard $k/$n (exit $rc)"
		grep -vE '^\s*$' "$out/$name.$k.log" | tail -n 40
		# 5: this shard got no tests.
		if [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ]; then
			failed=1
		fi
	done
}

cd "$here" || exit 1
if [ "$#" -gt 0 ]; then
	shards selection "$jobs" "$@"
else
	# The volume scenarios keep both cores busy: run them on their own,
	# after the timing-sensitive ones.
	shards scenarios "$jobs" --ignore=test_bigdata.py .
	shards bigdata 1 test_bigdata.py
fi

echo "== notes (what each implementation did; $notes)"
cat "$notes"
echo "== integration suite took $(($(date +%s) - t0)) s; logs in $out"
if [ "$failed" -ne 0 ]; then
	echo "== FAILED"
	exit 1
fi
echo "== passed"
