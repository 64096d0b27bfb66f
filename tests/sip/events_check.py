"""The event core's answers around the x-test package of mod_testevent, from
raw sockets: 489 with Allow-Events for unserved packages, 423 with
Min-Expires, 481 for an unknown subscription dialog, the module's verdicts
(403, its own 401), a fetch (Expires: 0), OPTIONS advertising the package,
and a NOTIFY answered 481 or never answered ending the subscription."""
import re
import sys
import time
from sipwire import Udp, request, response, parse_status, header

port = int(sys.argv[1])
failures = []


def check(name, ok, got=""):
    print("%-4s %-55s %s" % ("ok" if ok else "FAIL", name, got))
    if not ok:
        failures.append(name)


def subscribe(c, user, expires=None, event="x-test", extra=(), headers=None, drop=(), n=[0]):
    n[0] += 1
    h = {"From": "<sip:py@127.0.0.1>;tag=py%d" % n[0],
         "To": "<sip:%s@127.0.0.1>" % user,
         "Call-ID": "sub-%d-%d@py" % (c.local_port, n[0]),
         "Contact": "<sip:py@127.0.0.1:%d>" % c.local_port}
    if headers:
        h.update(headers)
    lines = list(extra)
    if event:
        lines.append("Event: " + event)
    if expires is not None:
        lines.append("Expires: %s" % expires)
    req = request("SUBSCRIBE", "sip:%s@127.0.0.1:%d" % (user, port), headers=h, port=c.local_port,
                  extra=lines, drop=drop)
    c.send(req)
    return req, c.recv()


def status(r):
    return parse_status(r)[0] if r else None


c = Udp(port)

# RFC 6665 §4.2.1.1: a package nobody serves is 489 with Allow-Events
_, r = subscribe(c, "1000", 60, event="presence")
check("SUBSCRIBE presence -> 489 with Allow-Events: x-test",
      status(r) == 489 and "x-test" in (header(r, "Allow-Events") or ""), parse_status(r) if r else r)
_, r = subscribe(c, "1000", 60, event=None)
check("SUBSCRIBE without Event -> 489", status(r) == 489, parse_status(r) if r else r)

# below min_expires (2): 423 with Min-Expires
_, r = subscribe(c, "1000", 1)
check("Expires 1 -> 423 Min-Expires: 2",
      status(r) == 423 and (header(r, "Min-Expires") or "").strip() == "2", parse_status(r) if r else r)
_, r = subscribe(c, "1000", "soon")
check("Expires soon -> 400", status(r) == 400, parse_status(r) if r else r)
_, r = subscribe(c, "1000", 60, drop=("Contact",))
check("no Contact -> 400", status(r) == 400, parse_status(r) if r else r)

# the module's verdicts
_, r = subscribe(c, "forbidden", 60)
check("resource forbidden -> 403 (module rejects)", status(r) == 403, parse_status(r) if r else r)
_, r = subscribe(c, "private", 60)
check("resource private -> the module's own 401",
      status(r) == 401 and "Digest" in (header(r, "WWW-Authenticate") or ""), parse_status(r) if r else r)

# an in-dialog SUBSCRIBE for a subscription we do not have
_, r = subscribe(c, "1000", 60, headers={"To": "<sip:1000@127.0.0.1>;tag=nosuchsub"})
check("in-dialog SUBSCRIBE, unknown dialog -> 481", status(r) == 481, parse_status(r) if r else r)

# OPTIONS to tandem lists the package and SUBSCRIBE
c.send(request("OPTIONS", "sip:127.0.0.1:%d" % port, port=c.local_port))
r = c.recv()
check("OPTIONS: Allow-Events: x-test, Allow has SUBSCRIBE",
      status(r) == 200 and "x-test" in (header(r, "Allow-Events") or "") and
      "SUBSCRIBE" in (header(r, "Allow") or ""), r and header(r, "Allow-Events"))

# a fetch (Expires: 0): 200 Expires 0, one NOTIFY terminated with the state
_, r = subscribe(c, "fetchme", 0)
check("fetch: 200 with Expires: 0", status(r) == 200 and (header(r, "Expires") or "").strip() == "0",
      parse_status(r) if r else r)
n = c.recv()
check("fetch: NOTIFY terminated;reason=timeout with the body",
      n is not None and n.startswith(b"NOTIFY ") and
      "terminated;reason=timeout" in (header(n, "Subscription-State") or "") and
      b"count: 0" in n, n and header(n, "Subscription-State"))
if n:
    c.send(response(n, 200, "OK"))

# a NOTIFY answered 481 ends the subscription: a refresh then gets 481
req, r = subscribe(c, "gone481", 60)
check("subscribe gone481 -> 200", status(r) == 200, parse_status(r) if r else r)
to = header(r, "To") if r else ""
n = c.recv()
check("gone481: first NOTIFY active", n is not None and "active" in (header(n, "Subscription-State") or ""))
if n:
    c.send(response(n, 481, "Subscription Does Not Exist"))
time.sleep(0.3)
cid = header(req, "Call-ID")
_, r = subscribe(c, "gone481", 60, headers={"To": to, "Call-ID": cid,
                                            "From": header(req, "From"), "CSeq": "2 SUBSCRIBE"})
check("gone481: refresh after the 481 -> 481", status(r) == 481, parse_status(r) if r else r)

# a NOTIFY never answered (Timer F, 64*T1 = 3.2 s at T1 50 ms) ends it too
req, r = subscribe(c, "silent", 60)
check("subscribe silent -> 200", status(r) == 200, parse_status(r) if r else r)
to = header(r, "To") if r else ""
deadline = time.time() + 6
while time.time() < deadline:
    c.recv(timeout=0.5)   # swallow the NOTIFY and its retransmissions
cid = header(req, "Call-ID")
_, r = subscribe(c, "silent", 60, headers={"To": to, "Call-ID": cid,
                                           "From": header(req, "From"), "CSeq": "2 SUBSCRIBE"})
check("silent: refresh after the NOTIFY timed out -> 481", status(r) == 481, parse_status(r) if r else r)

c.close()
sys.exit(1 if failures else 0)
