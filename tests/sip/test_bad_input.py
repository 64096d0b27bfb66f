"""Bad input gets the answer RFC 3261 asks for, with a reason phrase naming
the fault, or is dropped when no answer can be built; tandemd keeps serving."""
import sys
from sipwire import Udp, Tcp, request, parse_status, header

port = int(sys.argv[1])
failures = []


def expect(name, data, status, reason_part=None, conn=None, check=None):
    c = conn or Udp(port)
    c.send(data)
    resp = c.recv()
    got, reason = parse_status(resp) if resp else (None, None)
    ok = got == status and (reason_part is None or reason_part.lower() in (reason or "").lower())
    if ok and check:
        ok = check(resp)
    print("%-4s %-45s -> %s %s" % ("ok" if ok else "FAIL", name, got, reason))
    if not ok:
        failures.append(name)
    if not conn:
        c.close()
    return resp


def expect_silence(name, data):
    c = Udp(port)
    c.send(data)
    resp = c.recv(timeout=0.7)
    print("%-4s %-45s -> %s" % ("ok" if resp is None else "FAIL", name,
                                 "no answer" if resp is None else parse_status(resp)))
    if resp is not None:
        failures.append(name)
    c.close()


for hdr in ("Call-ID", "From", "To", "CSeq", "Max-Forwards"):
    expect("missing " + hdr, request(drop=(hdr,)), 400, hdr)
expect("CSeq method mismatch", request("OPTIONS", cseq="1 INVITE"), 400, "CSeq")
expect("Content-Length larger than body",
       request(extra=("Content-Length: 300",), drop=("Content-Length",), body="short"), 400,
       "Content-Length")
expect("SIP/7.0 version", request(version="SIP/7.0"), 505)
expect("unknown URI scheme (RFC 4475 unksm)", request("INVITE", ruri="isbn:2983792873",
       headers={"To": "<sip:j@example.com>"}), 416)
expect("Max-Forwards 0 on INVITE", request("INVITE", ruri="sip:1001@127.0.0.1",
       headers={"Max-Forwards": "0"}), 483)
expect("Require of an unknown extension", request("OPTIONS", extra=("Require: nothing-like-it",)),
       420, check=lambda r: "nothing-like-it" in (header(r, "Unsupported") or ""))
expect("unknown method", request("FOOBAR"), 501,
       check=lambda r: "INVITE" in (header(r, "Allow") or ""))
expect("in-dialog request for no dialog", request("BYE", ruri="sip:1001@127.0.0.1",
       headers={"To": "<sip:1001@127.0.0.1>;tag=nosuchdialog"}), 481)
expect("CANCEL matching no transaction", request("CANCEL", ruri="sip:1001@127.0.0.1"), 481)
expect("SUBSCRIBE to an event package nobody serves", request("SUBSCRIBE",
       ruri="sip:1001@127.0.0.1", extra=("Event: presence", "Expires: 600")), 489, "Bad Event")
expect("NOTIFY outside any subscription", request("NOTIFY", ruri="sip:1001@127.0.0.1",
       extra=("Event: refer", "Subscription-State: active")), 481, "Subscription")
expect("message over max_message_size", request("OPTIONS", body="x" * 5000,
       extra=("Content-Type: text/plain",)), 513)
expect_silence("garbage datagram", b"\x00\x01garbage that is not SIP\r\n\r\n")
expect_silence("missing Via (nowhere to answer)", request(drop=("Via",)))
expect_silence("ACK is never answered", request("ACK", drop=("Call-ID",)))
expect("OPTIONS still answered after all that", request(), 200)

# TCP: framing, keep-alive, and a stream without Content-Length.
t = Tcp(port)
t.send(request(transport="TCP") + request(transport="TCP"))
for i in (1, 2):
    r = t.recv()
    st = parse_status(r)[0] if r else None
    print("%-4s two requests in one TCP write, answer %d -> %s" % ("ok" if st == 200 else "FAIL", i, st))
    if st != 200:
        failures.append("tcp pipelining %d" % i)
t.send(b"\r\n\r\n")
pong = t.recv_raw(2)
print("%-4s CRLFCRLF keep-alive answered with CRLF -> %r" % ("ok" if pong == b"\r\n" else "FAIL", pong))
if pong != b"\r\n":
    failures.append("keep-alive")
expect("TCP request without Content-Length", request(transport="TCP", content_length=False),
       400, "Content-Length", conn=t)
t.close()

if failures:
    print("FAILED: " + ", ".join(failures))
    sys.exit(1)
print("all bad-input cases answered as expected")
