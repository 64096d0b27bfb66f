#!/usr/bin/env python3
"""A SIP peer that never answers: it records when each request arrived.

usage: silent_peer.py PORT SECONDS OUTFILE
Binds 127.0.0.1:PORT over UDP, stays for SECONDS, then writes one line per
received request to OUTFILE: "<seconds since the first> <method> <branch>".
Tests use it to watch a client transaction's retransmissions (RFC 3261
§17.1.1.2 Timer A, §17.1.2.2 Timer E) and its end (Timers B and F)."""
import re
import socket
import sys
import time

port, seconds, out = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", port))
end = time.monotonic() + seconds
seen = []
while True:
    left = end - time.monotonic()
    if left <= 0:
        break
    sock.settimeout(left)
    try:
        data, _ = sock.recvfrom(65535)
    except socket.timeout:
        break
    text = data.decode("utf-8", "replace")
    method = text.split(" ", 1)[0]
    m = re.search(r"branch=([^;\s,]+)", text)
    seen.append((time.monotonic(), method, m.group(1) if m else "-"))
with open(out, "w") as f:
    for when, method, branch in seen:
        f.write("%.3f %s %s\n" % (when - seen[0][0], method, branch))
