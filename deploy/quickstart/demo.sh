#!/usr/bin/env bash
# The main job as it stands today: build fleetvisord and show it reading the
# bundled example supervisord.conf, printing the fully expanded model
# (programs, groups, event listeners, servers) that the daemon will run.
# When process supervision and the fleet controller land, this script starts
# a controller with a few agents instead and shows fleet status.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
bash deploy/quickstart/setup-deps.sh
cmake -S . -B build/gcc -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=gcc >/dev/null
cmake --build build/gcc -j"$(nproc)" --target fleetvisord >/dev/null
mkdir -p build/demo
example=deploy/examples/supervisord.conf
echo "== fleetvisord -c $example --dump-config"
build/gcc/agent/fleetvisord -c "$example" --dump-config |
	/usr/bin/python3 -m json.tool
