"""The sample office of etc/ as its users meet it: 1001 (alice-1001) calls
1002, who has no phone registered; digest (SHA-256, the first algorithm
offered) gets past the 407, voicemail answers with the unavailable
greeting, 1001 speaks 2 s (PCMU) and hangs up. 1002 subscribes to its
message-waiting state (401, digest) and is told 1/0, then listens with *97.
Then 1003 calls sales (2000): no agent is logged in, so the queue sends it
on to the sales box, where it leaves a message. Last the ring group 600:
1002's and 1003's phones register, 1001 calls 600, both ring at once, 1003
answers and 1002's phone gets a CANCEL; 1001's BYE reaches 1003.
Usage: sample_office.py SIP_PORT GREETING_MS"""
import re
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, __import__("os").path.dirname(__file__))
from sipwire import Udp, digest, header, parse_status, request, response  # noqa: E402

port, greeting_ms = int(sys.argv[1]), int(sys.argv[2])
sip = Udp(port)
rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rtp.bind(("127.0.0.1", 0))
rtp_port = rtp.getsockname()[1]
SDP = ("v=0\r\no=office 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio %d RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
       "a=rtpmap:101 telephone-event/8000\r\n" % rtp_port)


def expect(data, status, what):
    got = parse_status(data)[0] if data else None
    assert got == status, "%s: want %d, got %r" % (what, status, data)
    return data


class Call:
    """One INVITE dialog of user (password pw) to exten, through the 407."""

    def __init__(self, user, pw, exten, name):
        self.ruri = "sip:%s@127.0.0.1:%d" % (exten, port)
        self.frm = '"%s" <sip:%s@127.0.0.1>;tag=o%s' % (name, user, exten.strip("*"))
        self.cid = "office-%s-%d@t" % (exten.strip("*"), sip.local_port)
        self.cseq = 1
        h = self.headers()
        r = self.send("INVITE", h, SDP, branch="z9hG4bK-o1" + self.cid[:8])
        expect(r, 407, "INVITE %s without credentials" % exten)
        self.ack_failure(r, "z9hG4bK-o1" + self.cid[:8])
        self.cseq += 1
        chal = header(r, "Proxy-Authenticate")
        h["Proxy-Authorization"] = digest(chal, user, pw, "INVITE", self.ruri,
                                          alg="SHA-256" if "SHA-256" in chal else "MD5")
        r = self.send("INVITE", h, SDP)
        while r is not None and parse_status(r)[0] < 200:
            r = sip.recv(5)
        self.ok = expect(r, 200, "INVITE %s with credentials" % exten)
        self.to = header(r, "To")
        self.target = re.search(r"<([^>]+)>", header(r, "Contact")).group(1)
        body = r.split(b"\r\n\r\n", 1)[1].decode()
        self.media = (re.search(r"c=IN IP4 (\S+)", body).group(1),
                      int(re.search(r"m=audio (\d+)", body).group(1)))
        sip.send(request("ACK", self.target, headers={"From": self.frm, "To": self.to,
                         "Call-ID": self.cid}, port=sip.local_port, cseq="%d ACK" % self.cseq))

    def headers(self):
        return {"From": self.frm, "To": "<%s>" % self.ruri, "Call-ID": self.cid,
                "Contact": "<sip:office@127.0.0.1:%d>" % sip.local_port}

    def send(self, method, h, body="", branch=None):
        sip.send(request(method, self.ruri, headers=h, port=sip.local_port, body=body,
                         cseq="%d %s" % (self.cseq, method), branch=branch,
                         extra=("Content-Type: application/sdp",) if body else ()))
        return sip.recv(5)

    def ack_failure(self, r, branch):
        sip.send(request("ACK", self.ruri, headers={"From": self.frm, "To": header(r, "To"),
                         "Call-ID": self.cid}, port=sip.local_port, branch=branch,
                         cseq="%d ACK" % self.cseq))

    def bye(self):
        self.cseq += 1
        sip.send(request("BYE", self.target, headers={"From": self.frm, "To": self.to,
                         "Call-ID": self.cid}, port=sip.local_port, cseq="%d BYE" % self.cseq))
        expect(sip.recv(5), 200, "BYE")


def speak(call, frames):
    """frames x 20 ms of a tone, paced like a phone."""
    seq, ts = 100, 8000
    for k in range(frames):
        payload = bytes([0x80 + (k & 0x3F) if i % 20 < 10 else 0x20 for i in range(160)])
        rtp.sendto(struct.pack("!BBHII", 0x80, 0, seq, ts, 0x0FF1CE) + payload, call.media)
        seq, ts = seq + 1, ts + 160
        time.sleep(0.02)
    time.sleep(0.3)


# 1. 1001 leaves 1002 a message
call = Call("1001", "alice-1001", "1002", "Alice")
time.sleep(greeting_ms / 1000.0)
speak(call, 100)
call.bye()
print("ok: 1001 left a message for 1002 (answered by voicemail, 2 s spoken)")

# 2. 1002's message-waiting light
ruri = "sip:1002@127.0.0.1:%d" % port
h = {"From": "<sip:1002@127.0.0.1>;tag=mwi", "To": "<%s>" % ruri, "Call-ID": "mwi-%d@t" % port,
     "Contact": "<sip:phone@127.0.0.1:%d>" % sip.local_port, "Event": "message-summary",
     "Expires": "60"}
sip.send(request("SUBSCRIBE", ruri, headers=h, port=sip.local_port, cseq="1 SUBSCRIBE"))
r = expect(sip.recv(5), 401, "SUBSCRIBE without credentials")
chal = header(r, "WWW-Authenticate")
h["Authorization"] = digest(chal, "1002", "bob-1002", "SUBSCRIBE", ruri,
                            alg="SHA-256" if "SHA-256" in chal else "MD5")
sip.send(request("SUBSCRIBE", ruri, headers=h, port=sip.local_port, cseq="2 SUBSCRIBE"))
got = {}
deadline = time.time() + 5
while len(got) < 2 and time.time() < deadline:
    m = sip.recv(5)
    if m is None:
        break
    if m.startswith(b"NOTIFY "):
        got["notify"] = m
        head = m.split(b"\r\n\r\n", 1)[0] + b"\r\n"
        sip.send(b"SIP/2.0 200 OK\r\n" + b"".join(
            line + b"\r\n" for line in head.split(b"\r\n")
            if re.match(rb"(?i)(via|from|to|call-id|cseq):", line)) + b"Content-Length: 0\r\n\r\n")
    else:
        got["answer"] = m
expect(got.get("answer"), 200, "SUBSCRIBE with credentials")
assert b"Voice-Message: 1/0" in got.get("notify", b""), "NOTIFY: %r" % got.get("notify")
assert b"Messages-Waiting: yes" in got["notify"], got["notify"]
print("ok: 1002's subscription: 401, 200, NOTIFY 1/0")

# 3. 1002 listens (*97): answered without a PIN
call = Call("1002", "bob-1002", "*97", "Bob")
time.sleep(1.5)
call.bye()
print("ok: *97 answered for 1002")

# 4. sales with no agent logged in: the sales box
call = Call("1003", "carol-1003", "2000", "Carol")
time.sleep(greeting_ms / 1000.0)
speak(call, 75)
call.bye()
print("ok: 2000 (queue sales, no agent) went to the sales box")


# 5. the ring group 600: every phone of 1001, 1002 and 1003 rings at once
def register(user, pw, phone):
    ruri = "sip:127.0.0.1:%d" % port
    h = {"From": "<sip:%s@127.0.0.1>;tag=r%s" % (user, user), "To": "<sip:%s@127.0.0.1>" % user,
         "Call-ID": "reg-%s-%d@t" % (user, port), "Expires": "60",
         "Contact": "<sip:%s@127.0.0.1:%d>" % (user, phone.local_port)}
    phone.send(request("REGISTER", ruri, headers=h, port=phone.local_port, cseq="1 REGISTER"))
    r = expect(phone.recv(5), 401, "REGISTER %s without credentials" % user)
    chal = header(r, "WWW-Authenticate")
    h["Authorization"] = digest(chal, user, pw, "REGISTER", ruri,
                                alg="SHA-256" if "SHA-256" in chal else "MD5")
    phone.send(request("REGISTER", ruri, headers=h, port=phone.local_port, cseq="2 REGISTER"))
    expect(phone.recv(5), 200, "REGISTER %s with credentials" % user)


def ring(phone, answer, seen):
    """A phone of the group: 180 to the INVITE; answer: 200 after 0.5 s and
    wait for the BYE; else wait for the CANCEL (200, then 487 and the ACK)."""
    inv = phone.recv(5)
    assert inv is not None and inv.startswith(b"INVITE "), "no INVITE: %r" % inv
    seen.append(("invite", phone.local_port))
    phone.send(response(inv, 180, "Ringing"))
    if answer:
        time.sleep(0.5)
        body = SDP.replace("m=audio %d" % rtp_port, "m=audio %d" % (phone.local_port + 1))
        phone.send(response(inv, 200, "OK", body=body,
                            extra=("Contact: <sip:ph@127.0.0.1:%d>" % phone.local_port,
                                   "Content-Type: application/sdp")))
        want = (b"ACK ", b"BYE ")
    else:
        want = (b"CANCEL ",)
    for w in want:
        m = phone.recv(6)
        assert m is not None and m.startswith(w), "want %r, got %r" % (w, m)
        seen.append((w.decode().strip().lower(), phone.local_port))
        if w != b"ACK ":
            phone.send(response(m, 200, "OK"))
    if not answer:
        phone.send(response(inv, 487, "Request Terminated"))
        m = phone.recv(5)
        assert m is not None and m.startswith(b"ACK "), "no ACK for the 487: %r" % m


bob, carol = Udp(port), Udp(port)
register("1002", "bob-1002", bob)
register("1003", "carol-1003", carol)
seen, errors = [], []


def run(phone, answer):
    try:
        ring(phone, answer, seen)
    except AssertionError as e:
        errors.append(str(e))


threads = [threading.Thread(target=run, args=(bob, False)),
           threading.Thread(target=run, args=(carol, True))]
for t in threads:
    t.start()
call = Call("1001", "alice-1001", "600", "Alice")
time.sleep(0.5)
call.bye()
for t in threads:
    t.join(10)
assert not errors, errors
assert ("invite", bob.local_port) in seen and ("invite", carol.local_port) in seen, seen
assert ("cancel", bob.local_port) in seen and ("bye", carol.local_port) in seen, seen
print("ok: 600 rang 1002 and 1003 at once; 1003 answered, 1002 got CANCEL, the BYE reached 1003")
