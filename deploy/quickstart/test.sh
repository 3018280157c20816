#!/usr/bin/env bash
# Runs the banned-function check, builds twice (gcc with -Werror, then
# clang with ASan+UBSan) and runs the whole test suite in both builds, then,
# when clang is there, builds the libFuzzer targets (build/fuzz) and runs
# each for FV_FUZZ_SECONDS (default 20) on a copy of its corpus. Every
# stage goes on after a failure; the last line is the combined summary.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
bash deploy/quickstart/setup-deps.sh || exit 1

jobs=$(nproc 2>/dev/null || echo 2)
# At least as many as the integration suite's "fvint" slots.
slots=$(sed -nE 's/.*"slots": *([0-9]+).*/\1/p' tests/integration/resources.json)
ctest_jobs=$((jobs > ${slots:-1} ? jobs : ${slots:-1}))
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
	# The resource spec lets the I/O-bound integration files share the
	# machine while the timing-sensitive ones run alone
	# (tests/integration/CMakeLists.txt); -j must leave room for that.
	ctest --test-dir "$dir" --output-on-failure -j"$ctest_jobs" \
		--resource-spec-file "$top/tests/integration/resources.json" |
		tee "$dir.ctest.log"
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

# One test: every tracked C file is formatted as .clang-format says.
run_format() {
	local bad
	echo "== clang-format"
	if ! command -v clang-format >/dev/null 2>&1; then
		echo "clang-format missing"
		failed=$((failed + 1))
		return
	fi
	bad=$(git ls-files '*.c' '*.h' 2>/dev/null | while read -r f; do
		clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || echo "$f"
	done)
	if [ -z "$bad" ]; then
		passed=$((passed + 1))
	else
		echo "not formatted (run clang-format -i on them):"
		echo "$bad"
		failed=$((failed + 1))
	fi
}

# One test: the banned-function check (STYLE 2.9).
run_banned() {
	echo "== banned functions"
	if bash tests/lint/banned.sh; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
}

# One test per fuzzer listed in build/fuzz/fuzz-targets.tsv (written by
# cmake/Fuzz.cmake): name, binary, corpus, dict, max_len. Each runs on a
# copy of its corpus (CI never grows the tracked one); a crash, leak,
# timeout or OOM fails it and its reproducer is kept in
# build/fuzz/artifacts/<name>/.
run_fuzz() {
	local dir=build/fuzz secs=${FV_FUZZ_SECONDS:-20}
	local name bin corpus dict maxlen work art log rc repro targets
	if ! command -v clang >/dev/null 2>&1; then
		echo "== fuzz: skipped (no clang)"
		return
	fi
	echo "== fuzz: configure and build"
	if ! cmake -S . -B "$dir" -DFV_WERROR=ON -DCMAKE_BUILD_TYPE=Debug \
		-DCMAKE_C_COMPILER=clang -DFV_FUZZ=ON >"$dir.cmake.log" 2>&1 ||
		[ ! -s "$dir/fuzz-targets.tsv" ]; then
		cat "$dir.cmake.log"
		failed=$((failed + 1))
		return
	fi
	targets=$(cut -f1 "$dir/fuzz-targets.tsv" | sed 's/^/fuzz_/')
	# shellcheck disable=SC2086 # one word per target
	if ! cmake --build "$dir" -j"$jobs" --target $targets \
		>"$dir.build.log" 2>&1; then
		cat "$dir.build.log"
		failed=$((failed + 1))
		return
	fi
	while IFS=$'\t' read -r name bin corpus dict maxlen; do
		echo "== fuzz: $name for ${secs}s"
		work=$(mktemp -d "${TMPDIR:-/tmp}/fvfuzz.XXXXXX")
		art=$top/$dir/artifacts/$name
		log=$top/$dir/fuzz-$name.log
		mkdir -p "$art"
		cp -R "$corpus" "$work/corpus"
		set -- -max_total_time="$secs" -max_len="$maxlen" -timeout=10 \
			-rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix="$art/"
		[ "$dict" != "-" ] && set -- "$@" -dict="$dict"
		TMPDIR=$work timeout $((secs + 120)) "$bin" "$@" \
			"$work/corpus" >"$log" 2>&1 </dev/null
		rc=$?
		grep -E '^(Done [0-9]+ runs|stat::(number_of_executed_units|average_exec_per_sec|new_units_added))' "$log"
		repro=$(grep -oE "Test unit written to [^ ]+" "$log" | tail -1 |
			sed 's/^Test unit written to //')
		if [ "$rc" -eq 0 ]; then
			passed=$((passed + 1))
		else
			tail -n 60 "$log"
			echo "fuzz $name FAILED (exit $rc); full log: $log"
			if [ -n "$repro" ]; then
				echo "reproducer: $repro"
				echo "  replay: $bin $repro"
				echo "  keep it: cp $repro $corpus/"
			fi
			failed=$((failed + 1))
		fi
		rm -rf "$work"
	done <"$dir/fuzz-targets.tsv"
}

mkdir -p build
run_format
run_banned
run_build "gcc -Werror" build/gcc -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=gcc
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	LSAN_OPTIONS=suppressions=$top/tests/lsan.supp:print_suppressions=0 \
	run_build "clang ASan+UBSan" build/asan -DCMAKE_BUILD_TYPE=Debug \
	-DCMAKE_C_COMPILER=clang -DFV_SANITIZE=address,undefined
run_fuzz
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
