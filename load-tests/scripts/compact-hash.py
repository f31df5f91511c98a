#!/usr/bin/env python3
"""Redis time per HSET and HDEL on a shard's message hash while it is compact (ziplist) and once it is a hashtable.

    python3 load-tests/scripts/compact-hash.py REDIS_SERVER_BINARY [entries] [value bytes] [calls]   (500 900 20000)

Starts its own redis-server (the binary the embedded default extracts, e.g. /tmp/redis-*/redis-server-6.2.6-*)
with hash-max-ziplist-value 1024, fills one hash with `entries` values of `value bytes`, then adds and deletes
`calls` entries one at a time, keeping its size, and prints INFO commandstats' µs per call. Run once with the
compact limit above `entries` (Redis 6.2's default, 512) and once with the embedded Redis's 32.
Python's standard library only.
"""
import shutil
import socket
import subprocess
import sys
import tempfile
import time

binary = sys.argv[1]
entries = int(sys.argv[2]) if len(sys.argv) > 2 else 500
size = int(sys.argv[3]) if len(sys.argv) > 3 else 900
calls = int(sys.argv[4]) if len(sys.argv) > 4 else 20_000


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def run(limit):
    data = tempfile.mkdtemp(prefix="compact-hash-")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([binary, "--port", str(port), "--dir", data, "--save", "", "--appendonly", "no",
                               "--hash-max-ziplist-value", "1024", "--hash-max-ziplist-entries", str(limit)],
                              stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                conn = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                time.sleep(0.05)
        else:
            sys.exit("redis-server did not start")

        def command(*args):
            conn.sendall(encode(*args))
            buf = b""
            while not buf.endswith(b"\r\n"):
                buf += conn.recv(1 << 20)
            if buf.startswith(b"$"):
                n = int(buf[1:buf.index(b"\r\n")])
                while len(buf) < buf.index(b"\r\n") + 2 + n + 2:
                    buf += conn.recv(1 << 20)
            return buf.decode(errors="replace")

        value = b"x" * size
        for i in range(entries):
            command("HSET", "msgs", "m%d" % i, value)
        encoding = command("OBJECT", "ENCODING", "msgs").split("\r\n")[1]
        command("CONFIG", "RESETSTAT")
        for i in range(calls):
            command("HSET", "msgs", "n%d" % i, value)
            command("HDEL", "msgs", "n%d" % i)
        stats = {}
        for line in command("INFO", "commandstats").split("\r\n"):
            if line.startswith("cmdstat_h"):
                name, values = line[len("cmdstat_"):].split(":", 1)
                stats[name] = dict(v.split("=") for v in values.split(","))["usec_per_call"]
        print("hash-max-ziplist-entries %-4d %d entries of %d bytes, %-9s HSET %s µs, HDEL %s µs per call"
              % (limit, entries, size, encoding, stats.get("hset"), stats.get("hdel")))
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(data, ignore_errors=True)


run(512)
run(32)
