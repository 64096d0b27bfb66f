#!/usr/bin/env python3
"""mod_metrics' HTTP server over raw sockets: what curl cannot send.

metrics_http.py PORT MAX_CONNECTIONS TIMEOUT_S MAX_REQUEST

Each case sends bytes, reads until the server closes, and checks the
status line (and for some the headers or the body). Exits 1 on the first
failure, naming it."""
import socket
import sys
import time

PORT, MAXC, TIMEOUT, MAXREQ = (int(a) for a in sys.argv[1:5])


def connect():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=TIMEOUT + 5)
    return s


def exchange(data, pause=0.0):
    """Send data (bytes, or a list of pieces with pause s between them),
    read the whole answer until EOF."""
    s = connect()
    for i, piece in enumerate(data if isinstance(data, list) else [data]):
        if i and pause:
            time.sleep(pause)
        if piece:
            s.sendall(piece)
    out = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
    s.close()
    return out


def status(answer):
    line = answer.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.1"):
        return None, line
    return int(parts[1]), line


def head_body(answer):
    head, _, body = answer.partition(b"\r\n\r\n")
    headers = {}
    for l in head.split(b"\r\n")[1:]:
        k, _, v = l.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    return headers, body


def check(name, data, want, pause=0.0):
    answer = exchange(data, pause)
    got, line = status(answer)
    if got != want:
        print("FAIL %s: want %d, got %r" % (name, want, line))
        sys.exit(1)
    headers, body = head_body(answer)
    if headers.get("connection") != "close":
        print("FAIL %s: no Connection: close" % name)
        sys.exit(1)
    if int(headers.get("content-length", -1)) != len(body) and not name.startswith("HEAD"):
        print("FAIL %s: Content-Length %s but %d bytes" % (name, headers.get("content-length"), len(body)))
        sys.exit(1)
    print("ok %s: %s" % (name, line))
    return headers, body


GET = b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

# what a client may send and must be served
check("plain GET", GET, 200)
check("HTTP/1.0 without Host", b"GET /metrics HTTP/1.0\r\n\r\n", 200)
check("bare LF line ends", b"GET /metrics HTTP/1.1\nHost: x\n\n", 200)
check("empty lines before the request", b"\r\n\r\n" + GET, 200)
check("absolute-form target", b"GET http://127.0.0.1/metrics HTTP/1.1\r\nHost: x\r\n\r\n", 200)
check("a query string", b"GET /metrics?name[]=x HTTP/1.1\r\nHost: x\r\n\r\n", 200)
check("in pieces", [GET[:5], GET[5:20], GET[20:]], 200, pause=0.2)
h, body = check("HEAD", b"HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 200)
if body or int(h.get("content-length", 0)) < 100:
    print("FAIL HEAD: a body (%d bytes) or no length (%s)" % (len(body), h.get("content-length")))
    sys.exit(1)
h, body = check("a body the server ignores",
                b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 200)
if b"tandem_calls_active" not in body:
    print("FAIL: the metrics are not in the answer")
    sys.exit(1)

# what is not ours, or not HTTP
check("another path", b"GET /other HTTP/1.1\r\nHost: x\r\n\r\n", 404)
check("a prefix of the path", b"GET /metricsx HTTP/1.1\r\nHost: x\r\n\r\n", 404)
h, _ = check("POST", b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405)
if h.get("allow") != "GET, HEAD":
    print("FAIL 405 without Allow: GET, HEAD (%r)" % h.get("allow"))
    sys.exit(1)
check("garbage", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400)
check("SIP, not HTTP", b"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP x\r\n\r\n", 400)
check("HTTP/1.1 without Host", b"GET /metrics HTTP/1.1\r\n\r\n", 400)
check("two Host headers", b"GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400)
check("space before the colon", b"GET /metrics HTTP/1.1\r\nHost : a\r\n\r\n", 400)
check("folded header", b"GET /metrics HTTP/1.1\r\nHost: a\r\n b\r\n\r\n", 400)
check("no version", b"GET /metrics\r\n\r\n", 400)
check("HTTP/2.0", b"GET /metrics HTTP/2.0\r\nHost: a\r\n\r\n", 505)
check("a bare CR inside", b"GET /metrics HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400)
check("target too long", b"GET /" + b"a" * 300 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414)
check("head too large", b"GET /metrics HTTP/1.1\r\nHost: a\r\nX: " + b"y" * MAXREQ + b"\r\n\r\n", 431)

# a request begun and never finished: 408 after the timeout
t0 = time.monotonic()
check("unfinished request", b"GET /metrics HTTP/1.1\r\nHost: a\r\n", 408)
waited = time.monotonic() - t0
if waited < TIMEOUT - 0.5 or waited > TIMEOUT + 2:
    print("FAIL 408 after %.1f s, want %d s" % (waited, TIMEOUT))
    sys.exit(1)

# a client that says nothing is closed at the timeout, with no answer
t0 = time.monotonic()
if exchange(b"") != b"":
    print("FAIL: an idle connection got an answer")
    sys.exit(1)
waited = time.monotonic() - t0
if waited < TIMEOUT - 0.5 or waited > TIMEOUT + 2:
    print("FAIL idle connection closed after %.1f s, want %d s" % (waited, TIMEOUT))
    sys.exit(1)
print("ok idle connection closed after %.1f s" % waited)

# the connection limit: MAXC idle clients, the next one gets 503 at once,
# and once they are gone the server serves again
idle = [connect() for _ in range(MAXC)]
time.sleep(0.2)
check("over the connection limit", GET, 503)
for s in idle:
    s.close()
time.sleep(0.3)
check("after the idle ones left", GET, 200)
print("ok: every HTTP case")
