#!/usr/bin/env bash
# The main job: a local fleet. Build the three programs, start a
# fleetvisor-controller and three fleetvisord agents (web, db, cache: each
# its own config, socket, secret and sample programs) that dial it and
# prove their names, then drive the fleet through the controller with
# fleetvisorctl: the registry, one status table for every host, a restart
# fanned out by label, the events it caused, a stop by host glob. Debian's
# unchanged supervisorctl still speaks to any one agent. Ctrl-C or the end
# of the script stops everything it started.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
bash deploy/quickstart/setup-deps.sh
cmake -S . -B build/gcc -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=gcc >/dev/null
cmake --build build/gcc -j"$(nproc)" \
	--target fleetvisord fleetvisor-controller fleetvisorctl >/dev/null
demo=$top/build/demo
rm -rf "$demo"
mkdir -p "$demo/secrets"
chmod 700 "$demo/secrets"
bin=$top/build/gcc
port=${FLEETVISOR_DEMO_PORT:-7400}     # agents: port, port+1
cport=$((port + 10))                    # clients: cport, cport+1
pids=()
stop_all() {
	# Agents first (each stops its programs), then the controller.
	for p in "${pids[@]:1}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]:1}"; do wait "$p" 2>/dev/null || true; done
	[ "${#pids[@]}" -gt 0 ] && kill -TERM "${pids[0]}" 2>/dev/null || true
	wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT TERM

echo "== fleetvisor-controller on tcp://127.0.0.1:$port (agents), :$cport (clients)"
cat >"$demo/controller.conf" <<EOF
[controller]
agents = tcp://127.0.0.1:$port
clients = tcp://127.0.0.1:$cport
secrets_dir = $demo/secrets
heartbeat = 1
logfile = $demo/controller.log
pidfile = $demo/controller.pid
EOF
"$bin/controller/fleetvisor-controller" -n -c "$demo/controller.conf" \
	>"$demo/controller.out" 2>&1 &
pids+=($!)

# One agent: its secret (the controller has the same file under the node's
# name), its [fleet] section, and a few programs.
agent() { # name, role, programs...
	local name=$1 role=$2 dir=$demo/$1
	shift 2
	mkdir -p "$dir"
	head -c 32 /dev/urandom | base64 >"$demo/secrets/$name"
	chmod 600 "$demo/secrets/$name"
	cp "$demo/secrets/$name" "$dir/secret"
	cat >"$dir/supervisord.conf" <<EOF
[unix_http_server]
file=$dir/supervisor.sock
[supervisord]
identifier=$name
logfile=$dir/supervisord.log
pidfile=$dir/supervisord.pid
childlogdir=$dir
nodaemon=true
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[fleet]
controller = tcp://127.0.0.1:$port
name = $name
labels = role=$role,site=demo
secret_file = $dir/secret
heartbeat = 1
EOF
	for prog in "$@"; do
		cat >>"$dir/supervisord.conf" <<EOF
[program:${prog%%=*}]
command=/bin/sh -c 'while :; do echo "$name ${prog%%=*} serving"; sleep 2; done'
numprocs=${prog##*=}
process_name=%(program_name)s-%(process_num)d
startsecs=1
EOF
	done
	"$bin/agent/fleetvisord" -c "$dir/supervisord.conf" >"$dir/stdout.txt" 2>&1 &
	pids+=($!)
}
agent web frontend web=2 worker=3
agent db storage db=1
agent cache storage cache=2

fctl() {
	echo "\$ fleetvisorctl -s tcp://127.0.0.1:$cport $*"
	"$bin/ctl/fleetvisorctl" -s "tcp://127.0.0.1:$cport" "$@" || true
}
# Wait (at most 20 s) until the three agents have joined and their eight
# processes run.
for _ in $(seq 200); do
	n=$("$bin/ctl/fleetvisorctl" -s "tcp://127.0.0.1:$cport" status 2>/dev/null |
		grep -c ' RUNNING ' || true)
	[ "${n:-0}" -ge 8 ] && break
	sleep 0.1
done
echo "== the fleet: three agents joined the controller"
fctl hosts
echo "== one status table for every host"
fctl status
echo "== the events of a restart fanned out to the storage hosts (by label)"
"$bin/ctl/fleetvisorctl" -s "tcp://127.0.0.1:$cport" events --type PROCESS_STATE \
	-n 12 >"$demo/events.txt" 2>&1 &
events=$!
# The subscription is live once events has printed its starting serials.
for _ in $(seq 50); do
	grep -q ' START ' "$demo/events.txt" 2>/dev/null && break
	sleep 0.1
done
fctl -l role=storage restart all
wait "$events" || true
grep -v ' START ' "$demo/events.txt" || true
echo "== host globs and --json, as with several servers"
fctl stop 'c*/cache:*'
fctl --json pid 'web/all'
fctl status 'cache/cache:*'
echo "== Debian's supervisorctl, unchanged, on one agent's socket"
echo "\$ supervisorctl -s unix://$demo/db/supervisor.sock status"
supervisorctl -s "unix://$demo/db/supervisor.sock" status || true

echo "== stopping: the agents stop their programs, then the controller"
stop_all
pids=()
trap - EXIT
grep -h "lost the connection\|stopped:" "$demo"/*/supervisord.log | tail -n 4 || true
tail -n 3 "$demo/controller.log"
