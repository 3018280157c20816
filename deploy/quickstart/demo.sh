#!/usr/bin/env bash
# The main job as it stands today: build fleetvisord and fleetvisorctl, run
# the bundled example supervisord.conf under fleetvisord (a web tier of two
# HTTP servers, three workers and an event listener), show the processes it
# started, drive it with Debian's unchanged supervisorctl, start two more
# agents (a "db" and a "cache" host) and drive all three at once with
# fleetvisorctl, then stop the first as an init system would (SIGTERM) and
# show the orderly shutdown. When the fleet controller lands, the agents
# join a local controller and the script shows fleet status through it.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
bash deploy/quickstart/setup-deps.sh
cmake -S . -B build/gcc -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=gcc >/dev/null
cmake --build build/gcc -j"$(nproc)" --target fleetvisord fleetvisorctl \
	>/dev/null
mkdir -p build/demo
rm -f build/demo/*.log build/demo/*.log.* build/demo/supervisord.pid
example=deploy/examples/supervisord.conf
agent=build/gcc/agent/fleetvisord

echo "== $agent -c $example"
"$agent" -c "$example" >build/demo/stdout.txt 2>&1 &
pid=$!
extra=()
trap 'kill -TERM $pid "${extra[@]}" 2>/dev/null || true' EXIT

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
# Two more hosts' agents, each with its own identifier= and socket.
host_conf() { # name, numprocs
	local dir=$top/build/demo/$1
	mkdir -p "$dir"
	rm -f "$dir"/*.log "$dir"/*.log.*
	cat >"$dir/supervisord.conf" <<EOF
[unix_http_server]
file=$dir/supervisor.sock
[supervisord]
identifier=$1
logfile=$dir/supervisord.log
pidfile=$dir/supervisord.pid
childlogdir=$dir
nodaemon=true
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[program:$1]
command=/bin/sh -c 'while :; do echo "$1 serving"; sleep 2; done'
numprocs=$2
process_name=%(program_name)s-%(process_num)d
startsecs=1
EOF
	"$agent" -c "$dir/supervisord.conf" >"$dir/stdout.txt" 2>&1 &
	extra+=($!)
}
host_conf db 1
host_conf cache 2
urls=(-s "unix://$top/build/demo/supervisor.sock"
	-s "unix://$top/build/demo/db/supervisor.sock"
	-s "unix://$top/build/demo/cache/supervisor.sock")
fctl() {
	echo "\$ fleetvisorctl -s ... -s ... -s ... $*"
	build/gcc/ctl/fleetvisorctl "${urls[@]}" "$@" || true
}
for _ in $(seq 150); do
	n=$(cat build/demo/db/supervisord.log build/demo/cache/supervisord.log \
		2>/dev/null | grep -c ' success: ' || true)
	[ "${n:-0}" -ge 3 ] && break
	sleep 0.1
done
echo "== fleetvisorctl: three agents at once (one table, a host column)"
fctl status
fctl restart 'cache/cache:*' db/all
fctl --json pid
fctl stop 'db*/all'
fctl status db/all cache/all
kill -TERM "${extra[@]}"
wait "${extra[@]}" || true
extra=()

echo "== build/demo/supervisord.log"
cat build/demo/supervisord.log
echo "== a worker's AUTO log"
tail -n 2 build/demo/worker-0-stdout---*.log 2>/dev/null || true

echo "== SIGTERM: orderly shutdown in reverse priority order"
kill -TERM "$pid"
wait "$pid" || true
trap - EXIT
sed -n '/received SIGTERM/,$p' build/demo/supervisord.log
