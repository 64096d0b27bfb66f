"""A callee on a TCP or TLS connection (RFC 3261 §18), for
test_call_stream_callee.sh. It either listens (a plain URI target:
sip:...;transport=tcp, sips:) or registers through mod_registrar on a
connection of its own and is rung on it (a registered phone: it has no
listening port, RFC 5626 §5.3). Its 200s carry a Contact that names no
transport, as SIPp and many phones send. Every request tandem sends it in
a dialog must arrive on that same connection with a Via naming the stream
transport; a request that does not come within the timeout fails the run.

Usage: stream_callee.py listen|register PROTO PORT SCRIPT... [USER]
  listen:   accept tandem's connection on 127.0.0.1:PORT
  register: REGISTER USER over PROTO to tandem at 127.0.0.1:PORT first
  PROTO:    tcp or tls (a self-signed certificate in $CERT / $KEY)
  SCRIPT:   one call each, in order:
    callerbye  INVITE, ACK, hold re-INVITE + ACK, INFO, UPDATE,
               resume re-INVITE + ACK, BYE from the caller
    calleebye  INVITE, ACK; we hold and resume the caller with re-INVITEs,
               then send BYE
    drop       (register, tcp) INVITE, ACK; we reset the connection and
               listen on its port: the caller's BYE must still come, on a
               new connection to the flow's address
    vanish     (register, tcp) INVITE, ACK; we reset the connection and
               go: tandem's BYE cannot be delivered
    prack      INVITE, reliable 183 (RFC 3262): its PRACK, then 200, ACK,
               BYE from the caller
    cancel     INVITE, 180; the caller's CANCEL, 487 and its ACK
    reject     INVITE, 486 and its ACK
Prints "ready" once it can be called."""
import os
import random
import select
import socket
import ssl
import struct
import sys

sys.path.insert(0, os.path.dirname(__file__))
from sipwire import Tcp, header, parse_status, request, response  # noqa: E402

mode, proto, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
args = sys.argv[4:]
user = args.pop() if mode == "register" else "bob"
scripts = args
VIA = proto.upper()
TIMEOUT = 3.0


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def server_ctx():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.environ["CERT"], os.environ["KEY"])
    return ctx


def client_ctx():
    ctx = ssl.create_default_context(cafile=os.environ["CERT"])
    ctx.check_hostname = False
    return ctx


class Conn(Tcp):
    """sipwire.Tcp over a socket we already have (accepted or connected)."""

    def __init__(self, sock):  # noqa: super().__init__ connects; we have one
        self.s = sock
        self.local_port = sock.getsockname()[1]
        self.buf = b""


class Peer:
    def __init__(self):
        self.lsock = None
        self.conn = None          # the connection every request must use
        self.sdp_ver = 1
        if mode == "register":
            s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
            if proto == "tls":
                s = client_ctx().wrap_socket(s)
            self.conn = Conn(s)
            self.register()
        else:
            self.listen(port)

    def listen(self, lport):
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", lport))
        ls.listen(4)
        self.lsock = ls
        self.lport = lport

    def accept(self):
        r, _, _ = select.select([self.lsock], [], [], TIMEOUT)
        if not r:
            fail("tandem opened no %s connection to port %d" % (VIA, self.lport))
        s, _ = self.lsock.accept()
        if proto == "tls":
            s = server_ctx().wrap_socket(s, server_side=True)
        return Conn(s)

    @property
    def contact(self):
        # RFC 3261 §19.1.1: no transport parameter (the UDP default): the
        # dialog must keep the transport it was set up on regardless
        return "<sip:%s@127.0.0.1:%d>" % (user, self.conn.local_port if mode == "register"
                                          else self.lport)

    def register(self):
        ruri = "sip:127.0.0.1:%d" % port
        self.conn.send(request("REGISTER", ruri, transport=VIA, port=self.conn.local_port, headers={
            "From": "<sip:%s@127.0.0.1>;tag=reg%d" % (user, self.conn.local_port),
            "To": "<sip:%s@127.0.0.1>" % user, "Call-ID": "reg-%s-%d@t" % (user, self.conn.local_port),
            "Contact": "<sip:%s@127.0.0.1:%d;transport=%s>;expires=60" % (user, self.conn.local_port, proto)}))
        r = self.conn.recv(TIMEOUT)
        if not r or parse_status(r)[0] != 200:
            fail("REGISTER over %s: %r" % (VIA, r))

    def expect(self, method, what):
        """The next request: method, on our connection, Via naming VIA."""
        if self.conn is None:
            self.conn = self.accept()
        m = self.conn.recv(TIMEOUT)
        if m is None and self.lsock is not None:
            # a second connection would mean the dialog lost its flow
            r, _, _ = select.select([self.lsock], [], [], 0)
            if r:
                fail("%s came on a new connection, not the dialog's" % what)
        if m is None:
            fail("%s (%s) never arrived over %s" % (what, method, VIA))
        if not m.startswith(method.encode() + b" "):
            fail("%s expected (%s), got %r" % (method, what, m[:200]))
        via = header(m, "Via") or ""
        if not via.startswith("SIP/2.0/%s " % VIA):
            fail("%s: Via %r does not name %s" % (what, via, VIA))
        ct = header(m, "Contact")
        if method in ("INVITE", "UPDATE") and ("transport=%s" % proto) not in (ct or ""):
            fail("%s: Contact %r does not name transport=%s" % (what, ct, proto))
        return m

    def sdp(self, direction):
        self.sdp_ver += 1
        return ("v=0\r\no=bob 1 %d IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                "m=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=%s\r\n" % (self.sdp_ver, direction))

    def answer(self, req, body="", extra=()):
        ex = list(extra)
        if body:
            ex.append("Content-Type: application/sdp")
        self.conn.send(response(req, 200, "OK", to_tag=self.tag, body=body, extra=ex))

    def invite_answered(self, req, direction):
        self.answer(req, self.sdp(direction), ("Contact: " + self.contact,))

    # -- our own requests in the dialog (tandem's INVITE made it)
    def dialog_from(self, inv):
        self.tag = "cb%d" % random.randrange(1 << 30)
        self.remote_uri = header(inv, "Contact").strip("<>").split(">")[0]
        self.call_id = header(inv, "Call-ID")
        self.their = header(inv, "From")
        self.ours = header(inv, "To") + ";tag=" + self.tag
        self.cseq = 100

    def provisional(self, req, status, reason, extra=()):
        self.conn.send(response(req, status, reason, to_tag=self.tag,
                                extra=("Contact: " + self.contact,) + tuple(extra)))

    def send_req(self, method, body="", cseq=None):
        if cseq is None:
            self.cseq += 1
        n = cseq or self.cseq
        extra = ["Contact: " + self.contact]
        if body:
            extra.append("Content-Type: application/sdp")
        self.branch = "z9hG4bK-sc%d" % random.randrange(1 << 30)
        self.conn.send(request(method, self.remote_uri, transport=VIA, port=self.conn.local_port,
                               branch=self.branch, cseq="%d %s" % (n, method), body=body, extra=extra,
                               headers={"From": self.ours, "To": self.their, "Call-ID": self.call_id}))

    def final(self, method):
        while True:
            r = self.conn.recv(TIMEOUT)
            if r is None:
                fail("no answer to our %s" % method)
            if r.startswith(b"SIP/2.0 ") and (header(r, "CSeq") or "").endswith(method):
                st = parse_status(r)[0]
                if st >= 200:
                    return r, st

    def reinvite(self, direction, expect_in_answer):
        self.send_req("INVITE", self.sdp(direction))
        r, st = self.final("INVITE")
        if st != 200 or expect_in_answer.encode() not in r:
            fail("our re-INVITE (%s): %r" % (direction, r[:300]))
        self.send_req("ACK", cseq=self.cseq)

    # -- the calls
    def call_start(self, name):
        inv = self.expect("INVITE", name + ": the initial INVITE")
        self.dialog_from(inv)
        self.invite_answered(inv, "sendrecv")
        # RFC 3261 §13.2.2.4, §12.2.1.1: the ACK for our 2xx goes over the
        # dialog's flow, not by UDP to the Contact
        self.expect("ACK", name + ": the ACK for our 200")
        return inv

    def callerbye(self):
        self.call_start("callerbye")
        inv = self.expect("INVITE", "the hold re-INVITE")
        if b"a=sendonly" not in inv:
            fail("the hold re-INVITE has no a=sendonly")
        self.invite_answered(inv, "recvonly")
        self.expect("ACK", "the ACK of the hold re-INVITE")
        info = self.expect("INFO", "the INFO")
        if b"Signal=5" not in info:
            fail("INFO body lost: %r" % info)
        self.answer(info)
        upd = self.expect("UPDATE", "the UPDATE")
        self.answer(upd, extra=("Contact: " + self.contact,))
        inv = self.expect("INVITE", "the resume re-INVITE")
        self.invite_answered(inv, "sendrecv")
        self.expect("ACK", "the ACK of the resume re-INVITE")
        self.answer(self.expect("BYE", "the caller's BYE"))

    def calleebye(self):
        self.call_start("calleebye")
        self.reinvite("sendonly", "a=recvonly")
        self.reinvite("sendrecv", "a=sendrecv")
        self.send_req("BYE")
        _, st = self.final("BYE")
        if st != 200:
            fail("our BYE got %d" % st)

    def drop(self):
        self.call_start("drop")
        lport = self.conn.local_port
        # RST, no TIME_WAIT: the port can be listened on at once
        self.conn.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.conn.close()
        self.listen(lport)
        print("dropped", flush=True)
        self.conn = self.accept()
        self.answer(self.expect("BYE", "the caller's BYE after the flow broke"))

    def vanish(self):
        self.call_start("vanish")
        self.conn.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.conn.close()
        print("dropped", flush=True)

    def prack(self):
        inv = self.expect("INVITE", "prack: the initial INVITE")
        self.dialog_from(inv)
        self.provisional(inv, 183, "Session Progress", ("Require: 100rel", "RSeq: 1"))
        pr = self.expect("PRACK", "the PRACK for our reliable 183")
        if not (header(pr, "RAck") or "").startswith("1 "):
            fail("PRACK RAck: %r" % header(pr, "RAck"))
        self.answer(pr)
        self.invite_answered(inv, "sendrecv")
        self.expect("ACK", "prack: the ACK for our 200")
        self.answer(self.expect("BYE", "prack: the caller's BYE"))

    def cancel(self):
        inv = self.expect("INVITE", "cancel: the initial INVITE")
        self.dialog_from(inv)
        self.provisional(inv, 180, "Ringing")
        # RFC 3261 §9.1: the CANCEL goes where the INVITE went, hop by hop
        can = self.expect("CANCEL", "the CANCEL")
        self.conn.send(response(can, 200, "OK", to_tag=self.tag))
        self.conn.send(response(inv, 487, "Request Terminated", to_tag=self.tag))
        ack = self.expect("ACK", "the ACK for our 487")
        if header(ack, "Via").split("branch=")[1] != header(inv, "Via").split("branch=")[1]:
            fail("§17.1.1.3: the 487's ACK has another branch than the INVITE")

    def reject(self):
        inv = self.expect("INVITE", "reject: the initial INVITE")
        self.dialog_from(inv)
        self.conn.send(response(inv, 486, "Busy Here", to_tag=self.tag))
        self.expect("ACK", "the ACK for our 486")


peer = Peer()
print("ready", flush=True)
for s in scripts:
    getattr(peer, s)()
    print("ok: " + s, flush=True)
