"""Load for mod_queue: CALLERS callers join one queue at RATE per second
while AGENTS registered phones (static members) answer the head of the
line, talk HOLD seconds and hang up. Every 182 is recorded per caller.
Prints: callers served, 182s received, 182s per second, and whether any
caller ever saw its position go up (it must not).
Usage: queue_load.py PORT CALLERS AGENTS RATE HOLD"""
import random
import re
import select
import socket
import sys
import time

sys.path.insert(0, __import__("os").path.join(__import__("os").path.dirname(__file__),
                                              "..", "..", "tests", "sip"))
from sipwire import digest, header, parse_status, request  # noqa: E402

port, ncallers, nagents, rate, hold = (int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]),
                                       float(sys.argv[4]), float(sys.argv[5]))
SERVER = ("127.0.0.1", port)
SDP = ("v=0\r\no=load 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


def sock():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind(("127.0.0.1", 0))
    return s


def reply(msg, status, reason, extra="", body=""):
    head = msg.split(b"\r\n\r\n", 1)[0].decode().split("\r\n")
    out = ["SIP/2.0 %d %s" % (status, reason)]
    for h in head[1:]:
        n = h.split(":", 1)[0].strip().lower()
        if n in ("via", "from", "call-id", "cseq"):
            out.append(h)
        elif n == "to":
            out.append(h if "tag=" in h else h + ";tag=agent")
    if extra:
        out.append(extra)
    if body:
        out.append("Content-Type: application/sdp")
    out.append("Content-Length: %d" % len(body))
    return ("\r\n".join(out) + "\r\n\r\n" + body).encode()


# ---- agents: register (401 + digest), then answer, talk, BYE ----
agents = []
for i in range(nagents):
    s = sock()
    user = "%d" % (5000 + i)
    lp = s.getsockname()[1]
    h = {"From": "<sip:%s@127.0.0.1>;tag=r%d" % (user, i), "To": "<sip:%s@127.0.0.1>" % user,
         "Call-ID": "reg-%s@load" % user, "Contact": "<sip:%s@127.0.0.1:%d>" % (user, lp),
         "Expires": "3600"}
    ruri = "sip:127.0.0.1:%d" % port
    s.sendto(request("REGISTER", ruri, headers=h, port=lp, cseq="1 REGISTER"), SERVER)
    r = s.recv(65536)
    chal = header(r, "WWW-Authenticate")
    h["Authorization"] = digest(chal, user, "pw-" + user, "REGISTER", ruri)
    s.sendto(request("REGISTER", ruri, headers=h, port=lp, cseq="2 REGISTER"), SERVER)
    r = s.recv(65536)
    assert parse_status(r)[0] == 200, r
    agents.append({"s": s, "user": user, "calls": {}})

# ---- callers ----
callers = []
by_sock = {}
positions = {}
t0 = time.time()
next_start = t0
started = served = n182 = 0
rising = []
deadline = t0 + ncallers / rate + 120
while time.time() < deadline and (started < ncallers or
                                   sum(1 for c in callers if c["done"]) < ncallers):
    now = time.time()
    while started < ncallers and now >= next_start:
        s = sock()
        lp = s.getsockname()[1]
        cid = "load-%d@q" % started
        c = {"s": s, "cid": cid, "done": False, "seen": []}
        h = {"From": "<sip:c%d@127.0.0.1>;tag=c%d" % (started, started), "To": "<sip:q@127.0.0.1>",
             "Call-ID": cid, "Contact": "<sip:c@127.0.0.1:%d>" % lp}
        c["h"] = h
        s.sendto(request("INVITE", "sip:q@127.0.0.1:%d" % port, headers=h, port=lp, body=SDP,
                         cseq="1 INVITE", extra=("Content-Type: application/sdp",)), SERVER)
        callers.append(c)
        by_sock[s.fileno()] = ("caller", c)
        started += 1
        next_start += 1.0 / rate
    for a in agents:
        by_sock[a["s"].fileno()] = ("agent", a)
        for cid, call in list(a["calls"].items()):
            if call["answered_at"] and now - call["answered_at"] >= hold and not call["bye"]:
                inv = call["invite"]
                frm = header(inv, "To") + ";tag=agent"
                to = header(inv, "From")
                target = re.search(r"<([^>]+)>", header(inv, "Contact")).group(1)
                a["s"].sendto(request("BYE", target, headers={"From": frm, "To": to,
                              "Call-ID": cid}, port=a["s"].getsockname()[1], cseq="1 BYE"), SERVER)
                call["bye"] = True
    rl, _, _ = select.select([x["s"] for x in callers] + [a["s"] for a in agents], [], [], 0.01)
    for s in rl:
        kind, obj = by_sock[s.fileno()]
        try:
            data = s.recv(65536)
        except OSError:
            continue
        if kind == "caller":
            st, why = parse_status(data)
            if st == 182:
                n182 += 1
                m = re.match(r"Queued (\d+)", why or "")
                if m:
                    p = int(m.group(1))
                    if obj["seen"] and p > obj["seen"][-1]:
                        rising.append((obj["cid"], obj["seen"][-1], p))
                    obj["seen"].append(p)
            elif st and st >= 200:
                to = header(data, "To")
                if st < 300:
                    target = re.search(r"<([^>]+)>", header(data, "Contact")).group(1)
                    s.sendto(request("ACK", target, headers={"From": obj["h"]["From"], "To": to,
                             "Call-ID": obj["cid"]}, port=s.getsockname()[1], cseq="1 ACK"), SERVER)
                    served += 1
                obj["done"] = True
            elif data.startswith(b"BYE "):
                s.sendto(reply(data, 200, "OK"), SERVER)
        else:
            if data.startswith(b"INVITE "):
                cid = header(data, "Call-ID")
                if cid not in obj["calls"]:
                    obj["calls"][cid] = {"invite": data, "answered_at": time.time(), "bye": False}
                s.sendto(reply(data, 200, "OK", "Contact: <sip:%s@127.0.0.1:%d>" % (
                    obj["user"], s.getsockname()[1]), SDP), SERVER)
            elif data.startswith(b"ACK ") or data.startswith(b"SIP/2.0 "):
                pass
            elif data.startswith(b"BYE ") or data.startswith(b"CANCEL "):
                s.sendto(reply(data, 200, "OK"), SERVER)
elapsed = time.time() - t0
print("callers %d served %d 182s %d elapsed %.1f s 182/s %.0f rising %d" %
      (ncallers, served, n182, elapsed, n182 / elapsed, len(rising)))
for r in rising[:5]:
    print("rising:", r)
sys.exit(1 if rising else 0)
