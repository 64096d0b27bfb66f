"""Raw SIP over real sockets for tests: send bytes exactly as written (so
malformed messages stay malformed) and read what tandemd answers."""
import re
import socket

CRLF = "\r\n"


def request(method="OPTIONS", ruri="sip:127.0.0.1", headers=None, body="",
            drop=(), version="SIP/2.0", transport="UDP", port=5060, cseq=None,
            extra=(), branch=None, content_length=True):
    """Build a request; `drop` names headers to leave out, `extra` adds lines."""
    import random
    n = random.randrange(1 << 30)
    h = {
        "Via": "SIP/2.0/%s 127.0.0.1:%d;branch=%s;rport"
               % (transport, port, branch or "z9hG4bK-t%d" % n),
        "From": "<sip:tester@127.0.0.1>;tag=f%d" % n,
        "To": "<%s>" % ruri if ruri.startswith("sip") else "<sip:x@127.0.0.1>",
        "Call-ID": "c%d@127.0.0.1" % n,
        "CSeq": cseq or "1 %s" % method,
        "Max-Forwards": "70",
    }
    if headers:
        h.update(headers)
    lines = ["%s %s %s" % (method, ruri, version)]
    for k, v in h.items():
        if k not in drop:
            lines.append("%s: %s" % (k, v))
    lines.extend(extra)
    if content_length and "Content-Length" not in drop:
        lines.append("Content-Length: %d" % len(body.encode()))
    return (CRLF.join(lines) + CRLF + CRLF + body).encode()


def parse_status(data):
    m = re.match(rb"SIP/2\.0 (\d{3}) ([^\r\n]*)\r\n", data)
    return (int(m.group(1)), m.group(2).decode()) if m else (None, None)


def header(data, name):
    m = re.search(rb"\r\n" + name.encode() + rb":[ \t]*([^\r\n]*)", data, re.I)
    return m.group(1).decode() if m else None


class Udp:
    def __init__(self, port):
        self.port = port
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(("127.0.0.1", 0))
        self.local_port = self.s.getsockname()[1]

    def send(self, data):
        self.s.sendto(data, ("127.0.0.1", self.port))

    def recv(self, timeout=2.0):
        """Next datagram, skipping 100 Trying, or None on timeout."""
        self.s.settimeout(timeout)
        while True:
            try:
                data, _ = self.s.recvfrom(65536)
            except socket.timeout:
                return None
            if not data.startswith(b"SIP/2.0 100 "):
                return data

    def close(self):
        self.s.close()


class Tcp:
    def __init__(self, port, wrap=None):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=3)
        if wrap:
            self.s = wrap(self.s)
        self.local_port = self.s.getsockname()[1]
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def recv_raw(self, n, timeout=2.0):
        self.s.settimeout(timeout)
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                break
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self, timeout=2.0):
        """Next whole message (by Content-Length), skipping 100 Trying."""
        self.s.settimeout(timeout)
        while True:
            try:
                while b"\r\n\r\n" not in self.buf:
                    chunk = self.s.recv(65536)
                    if not chunk:
                        return None
                    self.buf += chunk
            except (socket.timeout, ConnectionError):
                return None
            head, _, rest = self.buf.partition(b"\r\n\r\n")
            cl = int(header(head + b"\r\n", "Content-Length") or header(head + b"\r\n", "l") or 0)
            while len(rest) < cl:
                rest += self.s.recv(65536)
            msg, self.buf = head + b"\r\n\r\n" + rest[:cl], rest[cl:]
            if not msg.startswith(b"SIP/2.0 100 "):
                return msg

    def close(self):
        self.s.close()


def digest(chal, user, pw, method, uri, alg="MD5", nc=1, cnonce="c0ffee"):
    """The Authorization value answering the challenge in chal (a 401/407 or
    its WWW-/Proxy-Authenticate value) with qop=auth (RFC 7616 §3.4)."""
    if isinstance(chal, bytes):
        chal = chal.decode("utf-8", "replace")
    realm = re.search(r'realm="([^"]*)"', chal).group(1)
    nonce = re.search(r'nonce="([^"]*)"', chal).group(1)
    import hashlib
    name = "sha256" if alg == "SHA-256" else "md5"
    H = (lambda s: hashlib.new(name, s.encode()).hexdigest())
    ha1, ha2 = H("%s:%s:%s" % (user, realm, pw)), H("%s:%s" % (method, uri))
    resp = H("%s:%s:%08x:%s:auth:%s" % (ha1, nonce, nc, cnonce, ha2))
    return ('Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", '
            'algorithm=%s, qop=auth, nc=%08x, cnonce="%s"'
            % (user, realm, nonce, uri, resp, alg, nc, cnonce))


def response(req, status, reason, to_tag="uas1", body="", extra=()):
    """A response to the request req (bytes) as a UA would send it."""
    head = req.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace").split("\r\n")
    lines = ["SIP/2.0 %d %s" % (status, reason)]
    for h in head[1:]:
        name = h.split(":", 1)[0].strip().lower()
        if name in ("via", "v", "from", "f", "call-id", "i", "cseq"):
            lines.append(h)
        elif name in ("to", "t"):
            lines.append(h if ";tag=" in h else "%s;tag=%s" % (h, to_tag))
    lines.extend(extra)
    lines.append("Content-Length: %d" % len(body.encode()))
    return (CRLF.join(lines) + CRLF + CRLF + body).encode()


def transact(sock, method, ruri, headers, n, body="", extra=()):
    """Send one out-of-dialog request (call n of this socket) and return its
    final answer; the ACK of a non-2xx INVITE answer is sent too, as it is
    part of the INVITE transaction (RFC 3261 §17.1.1.3)."""
    h = {"From": "<sip:caller@127.0.0.1>;tag=a%d" % n, "To": "<%s>" % ruri,
         "Call-ID": "tx-%d-%d@t" % (sock.local_port, n),
         "Contact": "<sip:caller@127.0.0.1:%d>" % sock.local_port}
    h.update(headers)
    branch = "z9hG4bK-tx%d-%d" % (sock.local_port, n)
    sock.send(request(method, ruri, headers=h, port=sock.local_port, branch=branch, body=body,
                      extra=extra))
    r = sock.recv()
    assert r is not None, "no answer to %s %s" % (method, ruri)
    if method == "INVITE" and not r.startswith(b"SIP/2.0 2"):
        ack = {"From": h["From"], "To": header(r, "To"), "Call-ID": h["Call-ID"]}
        sock.send(request("ACK", ruri, headers=ack, port=sock.local_port, branch=branch,
                          cseq="1 ACK"))
    return r
