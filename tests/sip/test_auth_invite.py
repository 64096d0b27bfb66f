"""INVITE through the dialplan's `auth` action (407, Proxy-Authenticate):
the answers must not tell a known extension from an unknown one, nor a
wrong password from an unknown user (anti-enumeration); a right password
gets past auth (480 here: nobody is registered). Ends with that success,
which clears this address's failure count before the scanners run."""
import re
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from sipwire import Udp, parse_status, digest, transact  # noqa: E402

port = int(sys.argv[1])
u = Udp(port)
seq = [0]


def invite(exten, auth=None):
    seq[0] += 1
    ruri = "sip:%s@127.0.0.1:%d" % (exten, port)
    return transact(u, "INVITE", ruri, {"Proxy-Authorization": auth} if auth else {}, seq[0]), ruri


def creds(chal, user, pw, ruri):
    return digest(chal, user, pw, "INVITE", ruri)


def shape(r, exten):  # the answer minus what is random per request
    r = re.sub(rb'nonce="[0-9a-f]+"|tag=[^;\r\n>]*|branch=[^;\r\n]*|Call-ID: [^\r\n]*|'
               rb'CSeq: [^\r\n]*|rport=\d+', b"", r)
    return r.replace(exten.encode(), b"EXT")


known, ruri_known = invite("1002")
unknown, ruri_unknown = invite("1999")
assert parse_status(known)[0] == 407 and parse_status(unknown)[0] == 407, (known, unknown)
assert shape(known, "1002") == shape(unknown, "1999"), (known, unknown)

# wrong password of a real user and an unknown user: the same 407
bad, _ = invite("1002", creds(known, "1002", "wrong", ruri_known))
chal, _ = invite("1002")
nouser, _ = invite("1002", creds(chal, "1099", "wrong", ruri_known))
assert parse_status(bad)[0] == 407 and parse_status(nouser)[0] == 407, (bad, nouser)
assert shape(bad, "1002") == shape(nouser, "1002"), (bad, nouser)

# the right password gets past auth; 1002 has no phone registered
chal, _ = invite("1002")
ok, _ = invite("1002", creds(chal, "1003", "secret1003", ruri_known))
assert parse_status(ok)[0] == 480, ok
print("ok: 407 answers tell nothing; a right password gets through")
