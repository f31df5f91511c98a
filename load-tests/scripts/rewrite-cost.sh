#!/usr/bin/env bash
# CPU of one AOF rewrite of a Redis as it is now, compressed and uncompressed (the fork's CPU, read from the
# parent's cutime + cstime once it ends), and the size of the base it wrote:
#   load-tests/scripts/rewrite-cost.sh REDIS_PORT
# Fill it first, e.g. wrk -d25s with publish.lua against a Courier whose Redis has
# auto-aof-rewrite-percentage 0 (so no rewrite runs while it fills). Leaves rdbcompression as it found it.
set -euo pipefail
port=$1
redis() { exec 3<>"/dev/tcp/127.0.0.1/$port"; printf '%s\r\n' "$*" >&3; timeout 1 cat <&3 || true; exec 3>&-; }
pid=$(pgrep -f "redis-server.*:$port" | head -1)
children() { awk '{ sub(/.*\) /, ""); split($0, f, " "); print (f[14] + f[15]) / 100 }' "/proc/$pid/stat"; }
rewrite() {
  local before; before=$(children)
  redis BGREWRITEAOF > /dev/null
  sleep 1
  while redis INFO persistence | grep -q 'aof_rewrite_in_progress:1'; do sleep 0.5; done
  sleep 0.5
  printf '%-24s child CPU %.2f s, base %s bytes, %s messages\n' "$1" "$(awk -v a="$(children)" -v b="$before" 'BEGIN { print a - b }')" \
    "$(redis INFO persistence | awk -F: '/aof_base_size/ {print $2}' | tr -d '\r')" \
    "$(redis HLEN 'courier:{s0}:msgs' | tr -d ':\r')"  # the default prefix and shard count
}
was=$(redis CONFIG GET rdbcompression | sed -n 4p | tr -d '\r')
redis CONFIG SET rdbcompression yes > /dev/null; rewrite "rdbcompression yes"
redis CONFIG SET rdbcompression no > /dev/null; rewrite "rdbcompression no"
redis CONFIG SET rdbcompression "$was" > /dev/null
