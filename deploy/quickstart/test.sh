#!/usr/bin/env bash
# Builds twice (gcc with -Werror, then clang with ASan+UBSan) and runs the
# whole test suite in both builds. The last line is the combined summary.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
bash deploy/quickstart/setup-deps.sh || exit 1

jobs=$(nproc 2>/dev/null || echo 2)
passed=0
failed=0
run_build() { # name, build dir, cmake args...
	local name=$1 dir=$2
	shift 2
	echo "== $name: configure and build"
	if ! cmake -S . -B "$dir" -DFV_WERROR=ON "$@" >"$dir.cmake.log" 2>&1; then
		cat "$dir.cmake.log"
		failed=$((failed + 1))
		return
	fi
	if ! cmake --build "$dir" -j"$jobs" >"$dir.build.log" 2>&1; then
		cat "$dir.build.log"
		failed=$((failed + 1))
		return
	fi
	echo "== $name: ctest"
	ctest --test-dir "$dir" --output-on-failure -j"$jobs" | tee "$dir.ctest.log"
	local line p t
	line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$dir.ctest.log" | tail -1)
	if [ -z "$line" ]; then
		failed=$((failed + 1))
		return
	fi
	t=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
	p=$(sed -E 's/.*tests passed, ([0-9]+) tests failed.*/\1/' <<<"$line")
	passed=$((passed + t - p))
	failed=$((failed + p))
}

mkdir -p build
run_build "gcc -Werror" build/gcc -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=gcc
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	run_build "clang ASan+UBSan" build/asan -DCMAKE_BUILD_TYPE=Debug \
	-DCMAKE_C_COMPILER=clang -DFV_SANITIZE=address,undefined
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
