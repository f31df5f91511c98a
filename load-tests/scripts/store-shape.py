#!/usr/bin/env python3
"""Redis CPU per message for ways of storing a batch of publishes: what a cheaper store saves.

    python3 load-tests/scripts/store-shape.py REDIS_SERVER_BINARY [batch] [messages] [shapes]   (14 200000 hash,bighash,string,hash,bighash,string)

Starts its own redis-server (the binary the embedded default extracts, e.g. /tmp/redis-*/redis-server-6.2.6-*)
with AOF on (appendfsync everysec, no rewrites) in a fresh directory, and for each shape writes `messages`
messages in transactions of `batch` (the bench's publishes per transaction), one transaction in flight:

    hash     MULTI, per message HSET msg:<id> m <300 bytes> t 30000 r 0, one ZADD due, EXEC  (storage layout 1)
    bighash  MULTI, one HSET msgs <id> <300 bytes> ... for the whole batch, one ZADD due, EXEC (layout 2, today's)
    string   MULTI, one MSET of every message as a plain string key, one ZADD due, EXEC

and prints Redis's CPU per message (its utime + stime) with INFO commandstats' time per message. The shapes
alternate, so a noisy neighbour hits both. Python's standard library only.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

binary = sys.argv[1]
batch = int(sys.argv[2]) if len(sys.argv) > 2 else 14
total = int(sys.argv[3]) if len(sys.argv) > 3 else 200_000
shapes = (sys.argv[4] if len(sys.argv) > 4 else "hash,bighash,string,hash,bighash,string").split(",")

data = tempfile.mkdtemp(prefix="store-shape-")
with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
server = subprocess.Popen([binary, "--port", str(port), "--dir", data, "--appendonly", "yes",
                           "--appendfsync", "everysec", "--save", "", "--auto-aof-rewrite-percentage", "0"],
                          stdout=subprocess.DEVNULL)
for _ in range(100):
    try:
        conn = socket.create_connection(("127.0.0.1", port))
        break
    except OSError:
        time.sleep(0.05)
else:
    sys.exit("redis-server did not start")


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def read_lines(count):
    """Reads until `count` CRLF-terminated reply lines arrived (every reply here is one line per element)."""
    buf = b""
    while buf.count(b"\r\n") < count:
        buf += conn.recv(1 << 20)
    return buf


def command(*args):
    conn.sendall(encode(*args))
    time.sleep(0.05)
    return conn.recv(1 << 20).decode()


def cpu_seconds():
    fields = open("/proc/%d/stat" % server.pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


body = b"x" * 300
try:
    for shape in shapes:
        command("FLUSHALL")
        command("CONFIG", "RESETSTAT")
        before = cpu_seconds()
        for first in range(0, total, batch):
            ids = ["msg_%020d" % n for n in range(first, first + batch)]
            due = ["ZADD", "courier:{s0}:due"]
            for n, i in enumerate(ids):
                due += [1764020000000 + (first + n) // 40, i]
            if shape == "hash":
                parts = [encode("HSET", "courier:{s0}:msg:" + i, "m", body, "t", 30000, "r", 0) for i in ids]
                replies = 1 + (batch + 1) + 1 + (batch + 1)  # OK, QUEUED per command, EXEC's array and items
            elif shape == "bighash":
                hset = ["HSET", "courier:{s0}:msgs"]
                for i in ids:
                    hset += [i, body]
                parts = [encode(*hset)]
                replies = 1 + 2 + 1 + 2
            else:
                mset = ["MSET"]
                for i in ids:
                    mset += ["courier:{s0}:msg:" + i, body]
                parts = [encode(*mset)]
                replies = 1 + 2 + 1 + 2
            conn.sendall(encode("MULTI") + b"".join(parts) + encode(*due) + encode("EXEC"))
            read_lines(replies)
        used = cpu_seconds() - before
        stats = {}
        for line in command("INFO", "commandstats").split("\r\n"):
            if line.startswith("cmdstat_"):
                name, values = line[len("cmdstat_"):].split(":", 1)
                stats[name] = float(dict(v.split("=") for v in values.split(","))["usec"])
        inside = ", ".join("%s %.2f" % (k, v / total) for k, v in sorted(stats.items()) if k in
                           ("hset", "mset", "zadd", "exec"))
        print("%-7s redis CPU %.2f µs per message; inside commands (µs per message): %s"
              % (shape, used * 1e6 / total, inside))
finally:
    server.terminate()
    server.wait()
    shutil.rmtree(data, ignore_errors=True)
