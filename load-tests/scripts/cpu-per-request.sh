#!/usr/bin/env bash
# CPU per request of a running Courier (java -jar target/courier.jar) and its embedded Redis, under wrk:
#   load-tests/scripts/cpu-per-request.sh /health
#   QSTASH_TOKEN=… load-tests/scripts/cpu-per-request.sh /v2/publish/http://127.0.0.1:9/x publish.lua
# Needs wrk and perf (Debian: apt-get install wrk linux-perf). Runs wrk for 10 s (128 connections, one
# thread) and counts CPU (perf task-clock) over its middle 6 s. The Redis figure leaves out AOF rewrites
# (forks); rewrite-cost.sh measures those.
# COURIER_URL (default http://127.0.0.1:8080) is the node to load; COURIER_PID picks its JVM when several
# run (default: the one listening on COURIER_URL's port). Its Redis is its embedded redis-server child.
set -euo pipefail
path=$1; script=${2:-}; url=${COURIER_URL:-http://127.0.0.1:8080}
here=$(cd "$(dirname "$0")" && pwd)
port=${url##*:}; port=${port%%/*}
courier=${COURIER_PID:-$(ss -ltnpH "sport = :$port" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2 || true)}
[ -n "$courier" ] || { echo "no process listens on port $port (set COURIER_URL or COURIER_PID)" >&2; exit 1; }
redis=$(pgrep -P "$courier" -f redis-server | head -1 || true)
[ -n "$redis" ] || { echo "Courier pid $courier has no embedded redis-server child" >&2; exit 1; }
out=$(mktemp -d)
wrk -t1 -c128 -d10s ${script:+-s "$here/$script"} "$url$path" > "$out/wrk" 2>&1 &
sleep 2
perf stat -x, -e task-clock -p "$courier" sleep 6 2> "$out/courier" &
perf stat -x, -e task-clock -p "$redis" sleep 6 2> "$out/redis"
wait
rate=$(awk '/Requests\/sec/ {print $2}' "$out/wrk")
if [ -z "$rate" ] || grep -q "unable to connect" "$out/wrk"; then
  echo "wrk failed:" >&2; cat "$out/wrk" >&2; rm -rf "$out"; exit 1
fi
ms() { awk -F, '$3 == "task-clock" {print $1}' "$1"; }
awk -v r="$rate" -v c="$(ms "$out/courier")" -v s="$(ms "$out/redis")" \
  'BEGIN { n = r * 6; printf "%.0f req/s; CPU per request: courier %.1f µs, redis %.1f µs\n", r, c * 1000 / n, s * 1000 / n }'
rm -rf "$out"
