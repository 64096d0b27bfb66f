"""REGISTER against mod_auth + mod_registrar with a client that computes
Digest itself: bindings restored after kill -9 (a query lists them),
SHA-256 (RFC 7616), same answer for unknown user and wrong
password, nonce-count replay, 423 Min-Expires, Contact: *, and a query."""
import re
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from sipwire import Udp, request, parse_status, header, digest  # noqa: E402

port = int(sys.argv[1])
u = Udp(port)
ruri = "sip:127.0.0.1:%d" % port
seq = [0]


def reg(user, extra_hdrs=None, callid="reg-%d@t" % port, contact=True):
    seq[0] += 1
    h = {"From": "<sip:%s@127.0.0.1>;tag=a" % user, "To": "<sip:%s@127.0.0.1>" % user,
         "Call-ID": callid}
    if contact:
        h["Contact"] = "<sip:%s@127.0.0.1:%d>" % (user, u.local_port)
    h.update(extra_hdrs or {})
    u.send(request("REGISTER", ruri, headers=h, cseq="%d REGISTER" % seq[0], port=u.local_port))
    r = u.recv()
    assert r is not None, "no answer"
    return r


def creds(chal, user, pw, alg, nc=1):
    return digest(chal, user, pw, "REGISTER", ruri, alg, nc)


def challenge(r):
    st, _ = parse_status(r)
    assert st == 401, r
    hs = re.findall(rb"WWW-Authenticate: ([^\r\n]*)", r)
    assert len(hs) == 2 and b"SHA-256" in hs[0] and b"MD5" in hs[1], hs  # RFC 8760 order
    return hs[0].decode()


def shape(r):  # the answer minus what is random per challenge
    return re.sub(rb'nonce="[0-9a-f]+"|tag=[^;\r\n]*|branch=[^;\r\n]*|CSeq: [^\r\n]*', b"", r)


# test_register.sh registered 1001 over UDP and TCP, then killed tandemd
# with SIGKILL: a query (no Contact, §10.2.3) must list both bindings
c0 = challenge(reg("1001", callid="query-%d@t" % port, contact=False))
q = reg("1001", {"Authorization": creds(c0, "1001", "secret1001", "SHA-256")},
        callid="query-%d@t" % port, contact=False)
assert parse_status(q)[0] == 200, q
for t in (b"UDP", b"TCP"):
    assert re.search(rb"Contact: <sip:1001@127\.0\.0\.1:\d+;transport=" + t + rb">;expires=\d+", q), q

chal = challenge(reg("1002"))
ok = reg("1002", {"Authorization": creds(chal, "1002", "secret1002", "SHA-256")})
assert parse_status(ok)[0] == 200, ok
assert re.search(rb"Contact: <sip:1002@127\.0\.0\.1:\d+>;expires=(3[0-5]\d\d|3600)", ok), ok
# nc replay of the same nonce: a stale challenge, never a 200
again = reg("1002", {"Authorization": creds(chal, "1002", "secret1002", "SHA-256")})
assert parse_status(again)[0] == 401 and b"stale=true" in again, again
# nc 2 on the same nonce is fine
ok = reg("1002", {"Authorization": creds(chal, "1002", "secret1002", "SHA-256", nc=2)})
assert parse_status(ok)[0] == 200, ok
# wrong password and unknown user: the same answer
c1 = challenge(reg("1002"))
bad = reg("1002", {"Authorization": creds(c1, "1002", "nope", "MD5")})
c2 = challenge(reg("1099"))
unk = reg("1099", {"Authorization": creds(c2, "1099", "nope", "MD5")})
assert parse_status(bad)[0] == 401 and parse_status(unk)[0] == 401
assert shape(bad).replace(b"1002", b"X") == shape(unk).replace(b"1099", b"X"), (bad, unk)
# user 1001 may not register 1002's AOR
c3 = challenge(reg("1002"))
h = creds(c3, "1001", "secret1001", "MD5")
r = reg("1002", {"Authorization": h})
assert parse_status(r)[0] == 403, r


def authed(user, pw, extra):
    c = challenge(reg(user, extra))
    e = dict(extra)
    e["Authorization"] = creds(c, user, pw, "SHA-256")
    return reg(user, e, contact="Contact" not in extra)


# 423 with Min-Expires below the minimum
r = authed("1002", "secret1002", {"Expires": "10"})
assert parse_status(r)[0] == 423 and header(r, "Min-Expires") == "60", r
# Contact: * without Expires: 0 is a 400; with it, everything goes
r = authed("1002", "secret1002", {"Contact": "*", "Expires": "60"})
assert parse_status(r)[0] == 400, r
r = authed("1002", "secret1002", {"Contact": "*", "Expires": "0"})
assert parse_status(r)[0] == 200 and header(r, "Contact") is None, r
print("ok: SHA-256, replay, anti-enumeration, 403, 423, Contact: *")
