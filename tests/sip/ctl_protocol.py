#!/usr/bin/env python3
"""The control socket's protocol (docs/CONTROL.md) spoken directly, as a
web panel would: python3 ctl_protocol.py SOCKET MAX_CONNECTIONS IDLE_TIMEOUT.
Exits non-zero with the reason on the first broken expectation."""
import json
import socket
import sys
import time

path, max_conns, idle = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    return s


def read_lines(s, n):
    """n answer lines, each parsed."""
    buf = b""
    while buf.count(b"\n") < n:
        chunk = s.recv(65536)
        if not chunk:
            fail("closed after %d of %d answers: %r" % (buf.count(b"\n"), n, buf))
        buf += chunk
    lines = buf.split(b"\n")
    if lines[n:] != [b""]:
        fail("more than %d answers: %r" % (n, buf))
    return [json.loads(l) for l in lines[:n]]


def closed(s, within):
    """True when the server closes s within the given seconds."""
    s.settimeout(within)
    try:
        while True:
            data = s.recv(65536)
            if not data:
                return True
    except ConnectionResetError:
        return True   # closed with our unread request still in its buffer
    except socket.timeout:
        return False


# several requests in one write, answered in order, ids echoed
s = connect()
s.sendall(b'{"command":"status","id":1}\n\n  \n{"command":"calls","args":[],"id":"two"}\n'
          b'{"command":"help","args":["hangup"],"id":[3]}\n')
a = read_lines(s, 3)
if not (a[0]["ok"] and a[0]["id"] == 1 and a[0]["result"]["pid"] > 0):
    fail("status: %r" % a[0])
if not (a[1]["ok"] and a[1]["id"] == "two" and a[1]["result"] == []):
    fail("calls: %r" % a[1])
if not (a[2]["ok"] and a[2]["id"] == [3] and a[2]["result"]["usage"] == "CALL"):
    fail("help hangup: %r" % a[2])

# malformed requests: usage errors, and the connection goes on
bad = [b'{"command": "status"', b'[1, 2]', b'{"args": []}', b'{"command": 7}',
       b'{"command": "hangup", "args": [1]}', b'{"command": "calls", "args": "x"}',
       b'{"command": "nosuch"}', b'\xff\xfe']
s.sendall(b"\n".join(bad) + b"\n")
for req, ans in zip(bad, read_lines(s, len(bad))):
    if ans.get("ok") is not False or ans.get("kind") != "usage" or not ans.get("error"):
        fail("%r got %r" % (req, ans))
s.sendall(b'{"command":"hangup","args":["no-such-call"]}\n')
ans = read_lines(s, 1)[0]
if ans != {"ok": False, "kind": "notfound", "error": "no call no-such-call"}:
    fail("hangup of no call: %r" % ans)
s.sendall(b'{"command":"modules"}\n')
if not read_lines(s, 1)[0]["ok"]:
    fail("the connection is not usable after errors")
s.close()

# a last request without its newline, then the client's end of sending
s = connect()
s.sendall(b'{"command":"loglevel"}')
s.shutdown(socket.SHUT_WR)
ans = read_lines(s, 1)[0]
if not ans["ok"] or "level" not in ans["result"]:
    fail("request at EOF: %r" % ans)
if not closed(s, 2):
    fail("not closed after the client's EOF")

# a request line over the limit: refused, then closed
s = connect()
try:
    s.sendall(b'{"command":"status","pad":"' + b"x" * (70 * 1024))
except OSError:
    pass
ans = read_lines(s, 1)[0]
if ans.get("kind") != "usage" or "longer than" not in ans.get("error", ""):
    fail("oversized request: %r" % ans)
if not closed(s, 2):
    fail("not closed after an oversized request")

# the connection limit: one more is told why and closed
held = [connect() for _ in range(max_conns)]
for h in held:   # each is accepted and served
    h.sendall(b'{"command":"status"}\n')
    read_lines(h, 1)
extra = connect()
ans = read_lines(extra, 1)[0]
if ans.get("ok") is not False or "too many" not in ans.get("error", ""):
    fail("connection %d: %r" % (max_conns + 1, ans))
if not closed(extra, 2):
    fail("the extra connection stays open")
for h in held:
    h.close()

# an idle connection is closed after the idle timeout, not before
time.sleep(0.2)
s = connect()
start = time.monotonic()
if not closed(s, idle + 3):
    fail("an idle connection stays open")
took = time.monotonic() - start
if took < idle * 0.8:
    fail("closed after %.2f s, the idle timeout is %.2f s" % (took, idle))
print("ok: protocol")
