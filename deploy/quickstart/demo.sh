#!/usr/bin/env bash
# The main job as it stands today: build fleetvisord, run the bundled example
# supervisord.conf under it (a web tier of two HTTP servers, three workers
# and an event listener), show the processes it started and its log, then
# stop it as an init system would (SIGTERM) and show the orderly shutdown.
# When the fleet controller lands, this script starts a controller with a
# few agents instead and shows fleet status.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
bash deploy/quickstart/setup-deps.sh
cmake -S . -B build/gcc -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=gcc >/dev/null
cmake --build build/gcc -j"$(nproc)" --target fleetvisord >/dev/null
mkdir -p build/demo
rm -f build/demo/*.log build/demo/*.log.* build/demo/supervisord.pid
example=deploy/examples/supervisord.conf
agent=build/gcc/agent/fleetvisord

echo "== $agent -c $example"
"$agent" -c "$example" >build/demo/stdout.txt 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT

# Wait (at most 15 s) until the five programs have passed their startsecs.
for _ in $(seq 150); do
	n=$(grep -c ' success: ' build/demo/supervisord.log 2>/dev/null || true)
	[ "${n:-0}" -ge 5 ] && break
	sleep 0.1
done
echo "== processes under fleetvisord (pid $pid)"
ps --ppid "$pid" -o pid,pgid,stat,etime,args
# Debian's own supervisorctl, unchanged, speaks to fleetvisord's XML-RPC
# API on the UNIX socket of the example config.
ctl() { echo "\$ supervisorctl $*"; supervisorctl -c "$example" "$@" || true; }
echo "== Debian's supervisorctl against fleetvisord"
ctl status
ctl restart app:worker-1
ctl tail app:worker-0
ctl pid app:web_00
echo "== build/demo/supervisord.log"
cat build/demo/supervisord.log
echo "== a worker's AUTO log"
tail -n 2 build/demo/worker-0-stdout---*.log 2>/dev/null || true

echo "== SIGTERM: orderly shutdown in reverse priority order"
kill -TERM "$pid"
wait "$pid" || true
trap - EXIT
sed -n '/received SIGTERM/,$p' build/demo/supervisord.log
