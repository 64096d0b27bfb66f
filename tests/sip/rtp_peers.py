"""A caller and a callee over real UDP sockets on 127.0.0.1 that place a call
through tandemd and exchange RTP through mod_rtprelay, for the relay tests.

    rtp_peers.py SCENARIO TANDEM_PORT CALLEE_PORT

SCENARIO: relay (offer/answer both point at tandem, RTP counted both ways,
hold re-INVITE, ports free after BYE), latch (the caller's SDP advertises a
wrong port; it gets media once it sends), lateoffer (INVITE without SDP,
the offer in the 2xx, the answer in the ACK), timeout (silence ends the
call with BYE to both sides; not while on hold). Exit 0 on success; a
failure prints why and exits 1."""
import random
import re
import select
import socket
import struct
import sys
import time

HOST = "127.0.0.1"


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


class Msg:
    def __init__(self, data):
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode(errors="replace").split("\r\n")
        self.start = lines[0]
        self.headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers.append((name.strip().lower(), value.strip()))
        self.body = body.decode(errors="replace")
        m = re.match(r"SIP/2\.0 (\d+)", self.start)
        self.status = int(m.group(1)) if m else None
        self.method = None if m else self.start.split(" ")[0]

    def hdr(self, name):
        for n, v in self.headers:
            if n == name.lower():
                return v
        return None

    def all(self, name):
        return [v for n, v in self.headers if n == name.lower()]


def sdp_media(body):
    """(address, port, direction, proto) of the first m-line."""
    addr = re.search(r"^c=IN IP4 (\S+)", body, re.M)
    m = re.search(r"^m=audio (\d+) (\S+)", body, re.M)
    if not addr or not m:
        fail("no c=/m=audio in SDP:\n" + body)
    d = re.search(r"^a=(sendrecv|sendonly|recvonly|inactive)", body, re.M)
    return addr.group(1), int(m.group(1)), d.group(1) if d else "sendrecv", m.group(2)


def sdp(port, user, direction=None, addr=HOST, version=1):
    lines = ["v=0", "o=%s 1000 %d IN IP4 %s" % (user, version, HOST), "s=-",
             "c=IN IP4 %s" % addr, "t=0 0", "m=audio %d RTP/AVP 0 101" % port,
             "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000"]
    if direction:
        lines.append("a=" + direction)
    return "\r\n".join(lines) + "\r\n"


class UA:
    """One SIP user agent on its own UDP socket, plus an RTP socket pair."""

    def __init__(self, name, sip_port=0):
        self.name = name
        self.sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sip.bind((HOST, sip_port))
        self.port = self.sip.getsockname()[1]
        self.rtp = self.bind_rtp()
        self.rtp_port = self.rtp.getsockname()[1]
        self.tag = "%s%d" % (name, random.randrange(1 << 30))
        self.cseq = 1
        self.queue = []

    @staticmethod
    def bind_rtp():
        for _ in range(100):
            p = random.randrange(40000, 60000, 2)
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.bind((HOST, p))
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
                return s
            except OSError:
                s.close()
        fail("no free RTP port")

    def send(self, data, dest):
        self.sip.sendto(data.encode() if isinstance(data, str) else data, dest)

    def recv(self, timeout=5.0, want=None):
        """The next message (matching want(msg) if given); answers stray
        retransmissions by ignoring them."""
        end = time.time() + timeout
        for i, m in enumerate(self.queue):
            if want is None or want(m):
                return self.queue.pop(i)
        while True:
            left = end - time.time()
            if left <= 0:
                return None
            r, _, _ = select.select([self.sip], [], [], left)
            if not r:
                return None
            data, src = self.sip.recvfrom(65535)
            m = Msg(data)
            m.src = src
            if m.status == 100:
                continue
            if want is None or want(m):
                return m
            self.queue.append(m)

    def expect(self, what, timeout=5.0, want=None):
        m = self.recv(timeout, want)
        if m is None:
            fail("%s: no %s within %.0f s" % (self.name, what, timeout))
        return m

    def reply(self, req, status, reason="OK", body="", extra=()):
        to = req.hdr("to")
        if ";tag=" not in to:
            to += ";tag=" + self.tag
        lines = ["SIP/2.0 %d %s" % (status, reason)]
        lines += ["Via: " + v for v in req.all("via")]
        lines += ["From: " + req.hdr("from"), "To: " + to, "Call-ID: " + req.hdr("call-id"),
                  "CSeq: " + req.hdr("cseq"), "Contact: <sip:%s@%s:%d>" % (self.name, HOST, self.port)]
        lines += list(extra)
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append("Content-Length: %d" % len(body))
        self.send("\r\n".join(lines) + "\r\n\r\n" + body, req.src)


class Dialog:
    """The caller's dialog with tandem (tandem is its only peer)."""

    def __init__(self, ua, tandem_port, callee):
        self.ua = ua
        self.dest = (HOST, tandem_port)
        self.call_id = "rtp%d@%s" % (random.randrange(1 << 30), HOST)
        self.ruri = "sip:%s@%s:%d" % (callee, HOST, tandem_port)
        self.to = "<sip:%s@%s>" % (callee, HOST)
        self.target = self.ruri
        self.cseq = 0

    def request(self, method, body="", cseq=None):
        if cseq is None:
            self.cseq += 1
            cseq = self.cseq
        branch = "z9hG4bK%d" % random.randrange(1 << 40)
        ruri = self.ruri if method == "INVITE" and self.target == self.ruri else self.target
        lines = ["%s %s SIP/2.0" % (method, ruri),
                 "Via: SIP/2.0/UDP %s:%d;branch=%s;rport" % (HOST, self.ua.port, branch),
                 "From: <sip:alice@%s>;tag=%s" % (HOST, self.ua.tag), "To: " + self.to,
                 "Call-ID: " + self.call_id, "CSeq: %d %s" % (cseq, method),
                 "Contact: <sip:alice@%s:%d>" % (HOST, self.ua.port), "Max-Forwards: 70"]
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append("Content-Length: %d" % len(body))
        self.ua.send("\r\n".join(lines) + "\r\n\r\n" + body, self.dest)
        return cseq

    def final(self, cseq, what):
        def mine(m):
            return m.status and m.hdr("cseq").startswith("%d " % cseq) and m.status >= 200
        m = self.ua.expect(what, want=mine)
        if m.status >= 300:
            fail("%s answered %s" % (what, m.start))
        return m

    def invite(self, body, ack_body=None):
        cseq = self.request("INVITE", body)
        m = self.final(cseq, "200 to INVITE")
        if ";tag=" in m.hdr("to"):
            self.to = m.hdr("to")
        c = re.search(r"<([^>]+)>", m.hdr("contact") or "")
        if c:
            self.target = c.group(1)
        self.request("ACK", ack_body or "", cseq=cseq)
        return m


def callee_request(ua, inv, method, body="", cseq=1):
    """A request of the callee inside the dialog tandem's INVITE inv made."""
    target = re.search(r"<([^>]+)>", inv.hdr("contact")).group(1)
    host, port = re.search(r"@?([0-9.]+):(\d+)", target).groups()
    to = inv.hdr("to")
    if ";tag=" not in to:
        to += ";tag=" + ua.tag
    lines = ["%s %s SIP/2.0" % (method, target),
             "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK%d;rport" % (HOST, ua.port, random.randrange(1 << 40)),
             "From: " + to, "To: " + inv.hdr("from"), "Call-ID: " + inv.hdr("call-id"),
             "CSeq: %d %s" % (cseq, method), "Contact: <sip:callee@%s:%d>" % (HOST, ua.port),
             "Max-Forwards: 70"]
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append("Content-Length: %d" % len(body))
    ua.send("\r\n".join(lines) + "\r\n\r\n" + body, (host, int(port)))


def callee_answer(ua, body_fn, what="INVITE"):
    """The callee takes the next INVITE and answers 200 with body_fn(invite)."""
    inv = ua.expect(what, want=lambda m: m.method == "INVITE")
    ua.reply(inv, 200, body=body_fn(inv))
    return inv


def rtp_packet(seq, ssrc, marker):
    hdr = struct.pack("!BBHII", 0x80, 0, seq & 0xffff, seq * 160 & 0xffffffff, ssrc)
    return hdr + marker + bytes(172 - 12 - len(marker))


def send_rtp(sock, dest, n, ssrc, marker, start=0):
    for i in range(n):
        sock.sendto(rtp_packet(start + i, ssrc, marker), dest)
        time.sleep(0.002)


def count_rtp(sock, marker, wait=0.5):
    """Packets queued on sock carrying marker, reading until quiet."""
    n = 0
    while True:
        r, _, _ = select.select([sock], [], [], wait)
        if not r:
            return n
        data = sock.recv(2048)
        if len(data) == 172 and data[12:12 + len(marker)] == marker:
            n += 1


def check_at_tandem(body, who):
    addr, port, _, _ = sdp_media(body)
    if addr != HOST:
        fail("%s's SDP does not point at tandem: c=%s" % (who, addr))
    return port


def establish(caller, callee, tandem_port, caller_sdp):
    dlg = Dialog(caller, tandem_port, "callee")
    holder = {}

    # the callee answers as soon as the INVITE comes
    cseq = dlg.request("INVITE", caller_sdp)
    inv = callee_answer(callee, lambda m: sdp(callee.rtp_port, "bob"))
    holder["inv"] = inv
    m = dlg.final(cseq, "200 to INVITE")
    dlg.to = m.hdr("to")
    dlg.target = re.search(r"<([^>]+)>", m.hdr("contact")).group(1)
    dlg.request("ACK", cseq=cseq)
    callee.expect("ACK", want=lambda x: x.method == "ACK")
    b_port = check_at_tandem(inv.body, "INVITE to the callee")
    a_port = check_at_tandem(m.body, "200 to the caller")
    if b_port == caller.rtp_port or a_port == callee.rtp_port:
        fail("an SDP was passed through unchanged")
    return dlg, inv, a_port, b_port


def exchange(caller, callee, a_port, b_port, n, tag):
    """n packets each way; returns (received by callee, received by caller)."""
    ma, mb = b"A" + tag, b"B" + tag
    send_rtp(caller.rtp, (HOST, a_port), n, 0x1111, ma)
    send_rtp(callee.rtp, (HOST, b_port), n, 0x2222, mb)
    return count_rtp(callee.rtp, ma), count_rtp(caller.rtp, mb)


def bye_from_caller(dlg, callee):
    cseq = dlg.request("BYE")
    bye = callee.expect("BYE", want=lambda m: m.method == "BYE")
    callee.reply(bye, 200)
    dlg.final(cseq, "200 to BYE")


def ports_free(ports, timeout=3.0):
    end = time.time() + timeout
    while True:
        busy = []
        for p in ports:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.bind((HOST, p))
            except OSError:
                busy.append(p)
            finally:
                s.close()
        if not busy:
            return
        if time.time() > end:
            fail("relay ports still bound after BYE: %s" % busy)
        time.sleep(0.1)


def scenario_relay(tandem_port, callee_port):
    caller, callee = UA("alice"), UA("callee", callee_port)
    dlg, inv, a_port, b_port = establish(caller, callee, tandem_port, sdp(caller.rtp_port, "alice"))
    if "telephone-event" not in inv.body:
        fail("telephone-event (RFC 4733) lost in the offer")
    got_b, got_a = exchange(caller, callee, a_port, b_port, 100, b"one")
    if (got_b, got_a) != (100, 100):
        fail("RTP through the relay: callee got %d/100, caller got %d/100" % (got_b, got_a))
    # hold (RFC 3264 §8.4): a=sendonly passes, still pointing at tandem
    cseq = dlg.request("INVITE", sdp(caller.rtp_port, "alice", "sendonly", version=2))
    reinv = callee.expect("re-INVITE", want=lambda m: m.method == "INVITE")
    addr, port, direction, _ = sdp_media(reinv.body)
    if (addr, port, direction) != (HOST, b_port, "sendonly"):
        fail("hold re-INVITE reached the callee as %s:%d %s" % (addr, port, direction))
    callee.reply(reinv, 200, body=sdp(callee.rtp_port, "bob", "recvonly", version=2))
    m = dlg.final(cseq, "200 to the hold re-INVITE")
    dlg.request("ACK", cseq=cseq)
    callee.expect("ACK", want=lambda x: x.method == "ACK")
    addr, port, direction, _ = sdp_media(m.body)
    if (addr, port, direction) != (HOST, a_port, "recvonly"):
        fail("hold answer reached the caller as %s:%d %s" % (addr, port, direction))
    send_rtp(caller.rtp, (HOST, a_port), 20, 0x1111, b"Ahold", start=100)
    n = count_rtp(callee.rtp, b"Ahold")
    if n != 20:
        fail("music on hold: callee got %d/20" % n)
    # the callee resumes with UPDATE (RFC 3311): its offer reaches the
    # caller pointing at tandem, the caller's answer comes back the same
    callee_request(callee, inv, "UPDATE", sdp(callee.rtp_port, "bob", version=3), cseq=1)
    upd = caller.expect("UPDATE", want=lambda m: m.method == "UPDATE")
    addr, port, direction, _ = sdp_media(upd.body)
    if (addr, port, direction) != (HOST, a_port, "sendrecv"):
        fail("UPDATE offer reached the caller as %s:%d %s" % (addr, port, direction))
    caller.reply(upd, 200, body=sdp(caller.rtp_port, "alice", version=3))
    ok = callee.expect("200 to UPDATE", want=lambda m: m.status == 200 and "UPDATE" in m.hdr("cseq"))
    if sdp_media(ok.body)[:2] != (HOST, b_port):
        fail("UPDATE answer reached the callee as %s" % (sdp_media(ok.body),))
    # an offerless re-INVITE: the offer in the callee's 200, the answer in
    # the caller's ACK, both through the relay
    cseq = dlg.request("INVITE")
    reinv = callee.expect("offerless re-INVITE", want=lambda m: m.method == "INVITE")
    if reinv.body:
        fail("the offerless re-INVITE got a body on the way")
    callee.reply(reinv, 200, body=sdp(callee.rtp_port, "bob", version=4))
    m = dlg.final(cseq, "200 with the offer")
    if sdp_media(m.body)[:2] != (HOST, a_port):
        fail("the re-INVITE's offer reached the caller as %s" % (sdp_media(m.body),))
    dlg.request("ACK", sdp(caller.rtp_port, "alice", version=4), cseq=cseq)
    ack = callee.expect("ACK with the answer", want=lambda x: x.method == "ACK")
    if sdp_media(ack.body)[:2] != (HOST, b_port):
        fail("the answer in the ACK reached the callee as %s" % (sdp_media(ack.body or "c=none"),))
    got_b, got_a = exchange(caller, callee, a_port, b_port, 50, b"two")
    if (got_b, got_a) != (50, 50):
        fail("RTP after UPDATE and re-INVITE: callee got %d/50, caller got %d/50" % (got_b, got_a))
    bye_from_caller(dlg, callee)
    ports_free([a_port, a_port + 1, b_port, b_port + 1])
    print("relay: 100/100 both ways, hold kept a=sendonly, UPDATE and offerless re-INVITE "
          "relayed, 50/50 after them, ports %d %d freed" % (a_port, b_port))


def scenario_latch(tandem_port, callee_port):
    caller, callee = UA("alice"), UA("callee", callee_port)
    decoy = UA.bind_rtp()   # what the caller's SDP claims: nobody reads it
    dlg, _, a_port, b_port = establish(caller, callee, tandem_port,
                                       sdp(decoy.getsockname()[1], "alice"))
    send_rtp(callee.rtp, (HOST, b_port), 20, 0x2222, b"Bearly")
    if count_rtp(decoy, b"Bearly") != 20:
        fail("before latching the relay must send where the SDP said")
    if count_rtp(caller.rtp, b"Bearly", 0.2):
        fail("the caller got media before it sent any")
    got_b, got_a = exchange(caller, callee, a_port, b_port, 50, b"late")
    if (got_b, got_a) != (50, 50):
        fail("after latching: callee got %d/50, caller got %d/50" % (got_b, got_a))
    if count_rtp(decoy, b"Blate", 0.2):
        fail("media still goes to the advertised address after latching")
    # a third address cannot take the latched leg over
    intruder = UA.bind_rtp()
    send_rtp(intruder, (HOST, a_port), 10, 0x3333, b"Xevil")
    if count_rtp(callee.rtp, b"Xevil", 0.3):
        fail("packets from a third address were relayed after latching")
    bye_from_caller(dlg, callee)
    print("latch: advertised address used until the caller sent, then its real one")


def scenario_lateoffer(tandem_port, callee_port):
    caller, callee = UA("alice"), UA("callee", callee_port)
    dlg = Dialog(caller, tandem_port, "callee")
    cseq = dlg.request("INVITE")
    inv = callee.expect("INVITE", want=lambda m: m.method == "INVITE")
    if inv.body:
        fail("an offerless INVITE got a body on the way")
    callee.reply(inv, 200, body=sdp(callee.rtp_port, "bob"))
    m = dlg.final(cseq, "200 with the offer")
    a_port = check_at_tandem(m.body, "offer in the 200 to the caller")
    dlg.to = m.hdr("to")
    dlg.target = re.search(r"<([^>]+)>", m.hdr("contact")).group(1)
    dlg.request("ACK", sdp(caller.rtp_port, "alice"), cseq=cseq)
    ack = callee.expect("ACK with the answer", want=lambda x: x.method == "ACK")
    if not ack.body:
        fail("the callee's ACK carries no answer")
    b_port = check_at_tandem(ack.body, "answer in the ACK to the callee")
    got_b, got_a = exchange(caller, callee, a_port, b_port, 50, b"lo")
    if (got_b, got_a) != (50, 50):
        fail("late offer RTP: callee got %d/50, caller got %d/50" % (got_b, got_a))
    bye_from_caller(dlg, callee)
    print("lateoffer: offer in 200 and answer in ACK rewritten, RTP 50/50 both ways")


def expect_bye(ua, timeout):
    bye = ua.recv(timeout, want=lambda m: m.method == "BYE")
    if bye:
        ua.reply(bye, 200)
    return bye


def scenario_timeout(tandem_port, callee_port):
    caller, callee = UA("alice"), UA("callee", callee_port)
    dlg, _, a_port, b_port = establish(caller, callee, tandem_port, sdp(caller.rtp_port, "alice"))
    got = exchange(caller, callee, a_port, b_port, 10, b"t")
    if got != (10, 10):
        fail("RTP before the timeout: %s" % (got,))
    # on hold: silence is fine
    cseq = dlg.request("INVITE", sdp(caller.rtp_port, "alice", "inactive", version=2))
    reinv = callee.expect("hold re-INVITE", want=lambda m: m.method == "INVITE")
    callee.reply(reinv, 200, body=sdp(callee.rtp_port, "bob", "inactive", version=2))
    dlg.final(cseq, "200 to hold")
    dlg.request("ACK", cseq=cseq)
    callee.expect("ACK", want=lambda x: x.method == "ACK")
    if expect_bye(caller, 4.0) or expect_bye(callee, 0.1):
        fail("the call was ended while on hold")
    # resumed and silent: BYE to both sides
    cseq = dlg.request("INVITE", sdp(caller.rtp_port, "alice", version=3))
    reinv = callee.expect("resume re-INVITE", want=lambda m: m.method == "INVITE")
    callee.reply(reinv, 200, body=sdp(callee.rtp_port, "bob", version=3))
    dlg.final(cseq, "200 to resume")
    dlg.request("ACK", cseq=cseq)
    callee.expect("ACK", want=lambda x: x.method == "ACK")
    t0 = time.time()
    if not expect_bye(caller, 6.0):
        fail("no BYE to the caller after the media timeout")
    if not expect_bye(callee, 2.0):
        fail("no BYE to the callee after the media timeout")
    ports_free([a_port, a_port + 1, b_port, b_port + 1])
    print("timeout: not while on hold; BYE to both sides %.1f s after resume" % (time.time() - t0))


if __name__ == "__main__":
    scenarios = {"relay": scenario_relay, "latch": scenario_latch,
                 "lateoffer": scenario_lateoffer, "timeout": scenario_timeout}
    if len(sys.argv) != 4 or sys.argv[1] not in scenarios:
        fail(__doc__)
    scenarios[sys.argv[1]](int(sys.argv[2]), int(sys.argv[3]))
