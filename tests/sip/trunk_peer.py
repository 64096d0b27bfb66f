#!/usr/bin/env python3
"""Helpers of the trunk tests, on UDP at 127.0.0.1.

  trunk_peer.py probe PORT [SECONDS]
      send OPTIONS to PORT until something answers 200 (exit 0) or the
      time is up (exit 1): the provider is up.
  trunk_peer.py capture PORT SECONDS
      a dead provider's port: bind it, answer nothing, and print one line
      per distinct request (by Call-ID and CSeq) as it first arrives:
      "<seconds since start> <method> <Call-ID> <CSeq> <Expires>".
"""
import socket
import sys
import time


def header(msg, name):
    for line in msg.split("\r\n")[1:]:
        if not line:
            break
        k, _, v = line.partition(":")
        if k.strip().lower() == name.lower():
            return v.strip()
    return ""


def probe(port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(0.2)
    me = s.getsockname()[1]
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
        req = ("OPTIONS sip:127.0.0.1:%d SIP/2.0\r\n"
               "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKprobe%d\r\n"
               "From: <sip:probe@127.0.0.1>;tag=p%d\r\nTo: <sip:127.0.0.1:%d>\r\n"
               "Call-ID: probe-%d@127.0.0.1\r\nCSeq: %d OPTIONS\r\nMax-Forwards: 70\r\n"
               "Content-Length: 0\r\n\r\n" % (port, me, n, n, port, me, n))
        s.sendto(req.encode(), ("127.0.0.1", port))
        try:
            data = s.recv(65535).decode(errors="replace")
            if data.startswith("SIP/2.0 200"):
                return 0
        except (socket.timeout, ConnectionRefusedError):
            pass
        time.sleep(0.1)
    return 1


def capture(port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    end = time.monotonic() + 3
    while True:   # the provider's last process may still hold the port
        try:
            s.bind(("127.0.0.1", port))
            break
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.05)
    start = time.monotonic()
    seen = set()
    while True:
        left = start + seconds - time.monotonic()
        if left <= 0:
            return 0
        s.settimeout(left)
        try:
            data = s.recv(65535).decode(errors="replace")
        except socket.timeout:
            return 0
        if data.startswith("SIP/2.0"):
            continue
        key = (header(data, "Call-ID"), header(data, "CSeq"))
        if key in seen:
            continue   # a retransmission
        seen.add(key)
        print("%.3f %s %s %s %s" % (time.monotonic() - start, data.split(" ", 1)[0], key[0],
                                    key[1].split(" ")[0], header(data, "Expires") or "-"),
              flush=True)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "probe":
        return probe(int(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 10)
    if len(sys.argv) == 4 and sys.argv[1] == "capture":
        return capture(int(sys.argv[2]), float(sys.argv[3]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
