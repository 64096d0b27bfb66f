"""The location service seen from phones (RFC 3261 §10.3): MESSAGE to a
registered user reaches every contact (first 2xx or best failure back) and
480 for a user with none; a REGISTER with an older CSeq on the same Call-ID changes nothing
(§10.3 step 7); a binding expires on time with nobody asking; a phone
registered over TCP or TLS gets its INVITE on the connection it registered
on (it has no listening port). Usage: test_registrar.py PORT TLSPORT CERT STATE_FILE"""
import re
import ssl
import sys
import time

sys.path.insert(0, __import__("os").path.dirname(__file__))
from sipwire import Udp, Tcp, request, parse_status, header, digest, response  # noqa: E402

port, tlsport, cert, state_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
PW = {"1001": "pw1001", "1002": "pw1002"}


def register(sock, user, contact, callid, cseq, transport="UDP", expires=None, q=None):
    """REGISTER through the 401 challenge; the final answer. cseq and
    cseq + 1 are used."""
    ruri = "sip:127.0.0.1:%d" % port
    h = {"From": "<sip:%s@127.0.0.1>;tag=r%s" % (user, re.sub(r"\W", "", callid)),
         "To": "<sip:%s@127.0.0.1>" % user, "Call-ID": callid}
    if contact:
        h["Contact"] = "<%s>%s%s" % (contact, ";q=%s" % q if q else "",
                                      ";expires=%d" % expires if expires is not None else "")
    for n, auth in ((cseq, None), (cseq + 1, True)):
        if auth:
            h["Authorization"] = digest(r, user, PW[user], "REGISTER", ruri)
        sock.send(request("REGISTER", ruri, headers=h, cseq="%d REGISTER" % n,
                          transport=transport, port=sock.local_port))
        r = sock.recv()
        assert r is not None, "no answer to REGISTER %s" % user
        if parse_status(r)[0] != 401:
            break
    return r


def send_message(sock, user, text):
    sock.send(request("MESSAGE", "sip:%s@127.0.0.1:%d" % (user, port), body=text,
                      port=sock.local_port, extra=("Content-Type: text/plain",)))


def expect_request(sock, method):
    r = sock.recv()
    assert r is not None and r.startswith(method.encode() + b" "), "%s expected, got %r" % (method, r)
    return r


# -- MESSAGE goes to every phone of the user (RFC 3428 §6, as dial() rings
# them all); the sender gets the first 2xx, or the best failure once all
# failed; a user without bindings gets 480
low, high, sender = Udp(port), Udp(port), Udp(port)
c_low = "sip:1002@127.0.0.1:%d" % low.local_port
c_high = "sip:1002@127.0.0.1:%d" % high.local_port
assert parse_status(register(low, "1002", c_low, "low@t", 10, q="0.3"))[0] == 200
ok = register(high, "1002", c_high, "high@t", 10, q="0.8")
assert parse_status(ok)[0] == 200 and len(re.findall(rb"\r\nContact: ", ok)) == 2, ok
send_message(sender, "1002", "to every phone")
m_high = expect_request(high, "MESSAGE")
m_low = expect_request(low, "MESSAGE")
assert m_high.startswith(("MESSAGE %s " % c_high).encode()) and m_high.endswith(b"to every phone"), m_high
assert m_low.startswith(("MESSAGE %s " % c_low).encode()) and m_low.endswith(b"to every phone"), m_low
high.send(response(m_high, 486, "Busy Here"))
# (within T1, before tandem retransmits the copy to the silent phone)
assert sender.recv(timeout=0.3) is None, "answered before every copy had its answer"
low.send(response(m_low, 200, "OK"))
r = sender.recv()
assert parse_status(r)[0] == 200, r
# both fail: a 5xx is the least telling answer, the 486 is given
send_message(sender, "1002", "nobody takes it")
m_high = expect_request(high, "MESSAGE")
m_low = expect_request(low, "MESSAGE")
high.send(response(m_high, 500, "Server Error"))
low.send(response(m_low, 486, "Busy Here"))
r = sender.recv()
assert parse_status(r)[0] == 486, r
# a phone re-registers with another q: still one binding each
ok = register(low, "1002", c_low, "low@t", 20, q="1.0")
assert parse_status(ok)[0] == 200 and len(re.findall(rb"\r\nContact: ", ok)) == 2, ok
# q=1.0 is the default and goes unsaid (RFC 3261 §20.10)
assert re.search(rb"Contact: <" + c_low.encode() + rb">;expires=\d+\r\n", ok), ok
send_message(sender, "1001", "nobody home")
r = sender.recv()
assert parse_status(r)[0] == 480, r

# -- §10.3 step 7: same Call-ID, CSeq not above the last one: refused, no change
r = register(low, "1002", c_low, "low@t", 5, expires=30)   # 5 and 6 < 21
assert parse_status(r)[0] == 400, r
r = register(low, "1002", c_low, "low@t", 20, expires=30)  # 20 < 21, 21 == 21
assert parse_status(r)[0] == 400, r
r = register(high, "1002", None, "query@t", 1)             # a query (no Contact)
assert parse_status(r)[0] == 200, r
exp = re.search((r"Contact: <%s>;expires=(\d+)" % re.escape(c_low)).encode(), r)
assert exp and int(exp.group(1)) > 30, r                   # still the old expiry

# -- expiry by the timer: nobody looks the binding up
brief = Udp(port)
c_brief = "sip:1001@127.0.0.1:%d" % brief.local_port
assert parse_status(register(brief, "1001", c_brief, "brief@t", 1, expires=2))[0] == 200
assert c_brief in open(state_file).read()
time.sleep(3.5)
assert c_brief not in open(state_file).read(), "binding still on disk after it expired"


# -- dial(): every registered device rings, however many (5 here)
phones = [Udp(port) for _ in range(5)]
for i, p in enumerate(phones):
    c = "sip:1001@127.0.0.1:%d" % p.local_port
    assert parse_status(register(p, "1001", c, "fork%d@t" % i, 1))[0] == 200
caller = Udp(port)
caller.send(request("INVITE", "sip:1001@127.0.0.1:%d" % port, port=caller.local_port,
                    headers={"Contact": "<sip:caller@127.0.0.1:%d>" % caller.local_port}))
for p in phones:
    p.send(response(expect_request(p, "INVITE"), 486, "Busy Here"))
for p in phones:
    expect_request(p, "ACK")
assert parse_status(caller.recv())[0] == 486
for i, p in enumerate(phones):
    c = "sip:1001@127.0.0.1:%d" % p.local_port
    assert parse_status(register(p, "1001", c, "fork%d@t" % i, 3, expires=0))[0] == 200


# -- TCP and TLS: the INVITE comes back on the phone's own connection
def connection_reuse(sock, transport):
    contact = "sip:1001@127.0.0.1:9;transport=%s" % transport.lower()   # port 9: nobody there
    r = register(sock, "1001", contact, "conn-%s@t" % transport, 1, transport=transport)
    assert parse_status(r)[0] == 200, r
    caller = Udp(port)
    caller.send(request("INVITE", "sip:1001@127.0.0.1:%d" % port, port=caller.local_port,
                        headers={"Contact": "<sip:caller@127.0.0.1:%d>" % caller.local_port}))
    inv = expect_request(sock, "INVITE")
    assert inv.startswith(("INVITE %s " % contact).encode()), inv
    assert header(inv, "Via").startswith("SIP/2.0/%s " % transport), inv
    sock.send(response(inv, 486, "Busy Here"))
    ack = expect_request(sock, "ACK")                      # §17.1.1.3, hop by hop
    assert header(ack, "Call-ID") == header(inv, "Call-ID"), ack
    r = caller.recv()
    assert parse_status(r)[0] == 486, r
    # unbind (expires=0), or the next INVITE to 1001 would ring here too
    r = register(sock, "1001", contact, "conn-%s@t" % transport, 3, transport=transport, expires=0)
    assert parse_status(r)[0] == 200, r


connection_reuse(Tcp(port), "TCP")
ctx = ssl.create_default_context(cafile=cert)
ctx.check_hostname = False
connection_reuse(Tcp(tlsport, wrap=lambda s: ctx.wrap_socket(s)), "TLS")
print("ok: MESSAGE to every phone (first 2xx, best failure), 480, CSeq order, timer expiry, 5 phones ring, TCP/TLS connection reuse")
