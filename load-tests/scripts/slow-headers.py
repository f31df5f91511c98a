#!/usr/bin/env python3
"""Many connections that send most of a request head and stop: what a node holds before any token check.

    python3 load-tests/scripts/slow-headers.py [connections] [header bytes] [port]   (1500 200000 8080)

Against a node started with java -Xmx256m -jar target/courier.jar. Prints how many connections the node
still keeps after a few seconds, whether /health answers while they are held and after they are gone;
the node's log then shows whether it ran out of heap. Python's standard library only.
"""
import socket
import sys
import time
import urllib.request

count = int(sys.argv[1]) if len(sys.argv) > 1 else 1500
size = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
port = int(sys.argv[3]) if len(sys.argv) > 3 else 8080
head = (b"POST /v2/publish/http://127.0.0.1:9/x HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * size + b"\r\n")


def health():
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as r:
            return r.status
    except Exception as e:  # refused, reset or timed out: the node did not answer
        return type(e).__name__


held = []
for _ in range(count):
    try:
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(head)  # never the blank line that ends the head
        held.append(s)
    except OSError as e:
        print("stopped opening:", e)
        break
time.sleep(5)
kept = answered = 0
for s in held:
    s.setblocking(False)
    try:
        data = s.recv(64)
        answered += 1 if data.startswith(b"HTTP/") else 0  # an answer (431) means the node let go of it
    except BlockingIOError:
        kept += 1  # nothing to read and not closed: still held by the node
    except OSError:
        pass  # reset: closed by the node
print(f"opened {len(held)}, held by the node {kept}, answered {answered}, the rest closed; "
      f"/health while held: {health()}")
for s in held:
    s.close()
time.sleep(2)
print(f"/health after: {health()}")
