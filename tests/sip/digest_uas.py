"""A server that challenges every request tandem sends it (401 or 407) and
checks the answer as a registrar or proxy would (RFC 3261 §22, RFC 7616):
the algorithm chosen is the strongest offered, the response is right for
the password, nc counts per nonce, opaque comes back, the retry keeps the
Call-ID and has CSeq + 1. Right credentials get 200; wrong ones a fresh
challenge (a client must not try the same credentials again).

usage: digest_uas.py PORT CODE ALGS USER PASSWORD OK REFUSED [stale]
  ALGS: the challenges offered, in order, e.g. "MD5,SHA-256"
  OK: requests to accept; REFUSED: refusals to see before exiting.
  stale: the first right answer gets a fresh challenge with stale=true
  (RFC 7616 §3.3: the nonce was old), which the client must answer again.
Prints one line per verdict; exit status 0 when every check passed."""
import hashlib
import re
import socket
import sys
import time

port, code, algs = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(",")
user, password = sys.argv[4], sys.argv[5]
want_ok, want_refused = int(sys.argv[6]), int(sys.argv[7])
stale_once = len(sys.argv) > 8 and sys.argv[8] == "stale"
realm, opaque = "py.test", "0paque/42"
strongest = "SHA-256" if "SHA-256" in algs else "MD5"
auth_name = "authorization" if code == 401 else "proxy-authorization"
chal_name = "WWW-Authenticate" if code == 401 else "Proxy-Authenticate"
reason = "Unauthorized" if code == 401 else "Proxy Authentication Required"

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
errors, ok, refused, n = [], 0, 0, 0
challenged = {}    # Call-ID -> (CSeq number, nonce) of the last challenge
seen_nc = {}       # nonce -> last nc


def H(alg, text):
    return hashlib.new("sha256" if alg == "SHA-256" else "md5", text.encode()).hexdigest()


def parse(data):
    head = data.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace").split("\r\n")
    method, ruri, _ = head[0].split(" ", 2)
    hdrs = []
    for line in head[1:]:
        name, _, value = line.partition(":")
        hdrs.append((name.strip(), value.strip()))
    return method, ruri, hdrs


def get(hdrs, name):
    for k, v in hdrs:
        if k.lower() == name:
            return v
    return None


def answer(addr, hdrs, status, why, extra=()):
    lines = ["SIP/2.0 %d %s" % (status, why)]
    for k, v in hdrs:
        if k.lower() in ("via", "from", "call-id", "cseq"):
            lines.append("%s: %s" % (k, v))
        elif k.lower() == "to":
            lines.append("To: %s%s" % (v, "" if ";tag=" in v else ";tag=py"))
    lines.extend(extra)
    lines.append("Content-Length: 0")
    s.sendto(("\r\n".join(lines) + "\r\n\r\n").encode(), addr)


def challenge(addr, hdrs, stale=False):
    global n
    n += 1
    nonce = "py%dn%d" % (port, n)
    cid = get(hdrs, "call-id")
    challenged[cid] = (int(get(hdrs, "cseq").split()[0]), nonce)
    answer(addr, hdrs, code, reason, ['%s: Digest realm="%s", nonce="%s", opaque="%s", '
                                      'algorithm=%s, qop="auth"%s' % (chal_name, realm, nonce, opaque, a,
                                                                      ", stale=true" if stale else "")
                                      for a in algs])


def params(value):
    if not value.startswith("Digest "):
        return {}
    return {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
            for m in re.finditer(r'([A-Za-z-]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))', value[7:])}


deadline = time.time() + 25
s.settimeout(0.5)
while time.time() < deadline and (ok < want_ok or refused < want_refused):
    try:
        data, addr = s.recvfrom(65536)
    except socket.timeout:
        continue
    if data.startswith(b"SIP/2.0"):
        continue
    method, ruri, hdrs = parse(data)
    cid, cseq = get(hdrs, "call-id"), int(get(hdrs, "cseq").split()[0])
    cred = get(hdrs, auth_name)
    if not cred:
        challenge(addr, hdrs)
        continue
    p = params(cred)
    prev = challenged.get(cid)
    problems = []
    if not prev:
        problems.append("credentials without a challenge")
    else:
        if cseq != prev[0] + 1:
            problems.append("CSeq %d after %d" % (cseq, prev[0]))
        if p.get("nonce") != prev[1]:
            problems.append("nonce %s, not %s" % (p.get("nonce"), prev[1]))
    alg = p.get("algorithm", "MD5")
    if alg != strongest:
        problems.append("algorithm %s, not %s" % (alg, strongest))
    for k, want in (("username", user), ("realm", realm), ("uri", ruri), ("opaque", opaque),
                    ("qop", "auth")):
        if p.get(k) != want:
            problems.append("%s=%s, not %s" % (k, p.get(k), want))
    if method == "REGISTER" and (not get(hdrs, "contact") or get(hdrs, "expires") != "60"):
        problems.append("REGISTER without Contact or Expires: 60")
    if method != "REGISTER" and get(hdrs, "expires") is not None:
        problems.append("Expires on a %s" % method)
    nc = p.get("nc", "")
    last = seen_nc.get(p.get("nonce"), 0)
    if not re.fullmatch(r"[0-9a-f]{8}", nc) or int(nc, 16) != last + 1:
        problems.append("nc %s after %08x" % (nc, last))
    else:
        seen_nc[p.get("nonce")] = int(nc, 16)
    ha1 = H(alg, "%s:%s:%s" % (user, realm, password))
    ha2 = H(alg, "%s:%s" % (method, ruri))
    want = H(alg, "%s:%s:%s:%s:auth:%s" % (ha1, p.get("nonce"), nc, p.get("cnonce", ""), ha2))
    right = p.get("response") == want
    if problems:
        errors.extend(problems)
        print("FAIL %s %s: %s" % (method, cid, "; ".join(problems)))
        answer(addr, hdrs, 400, "Bad Credentials")
    elif right and stale_once:
        stale_once = False
        print("ok   %s %s CSeq %d %s: right, but answered stale=true" % (method, cid, cseq, alg))
        challenge(addr, hdrs, stale=True)
    elif right:
        ok += 1
        print("ok   %s %s CSeq %d %s nc=%s: 200" % (method, cid, cseq, alg, nc))
        answer(addr, hdrs, 200, "Verified")
    else:
        refused += 1
        print("ok   %s %s CSeq %d %s: wrong password, challenged again" % (method, cid, cseq, alg))
        challenge(addr, hdrs)

# nothing more may come: a refused client must not retry the same credentials
s.settimeout(1.0)
try:
    data, addr = s.recvfrom(65536)
    if not data.startswith(b"SIP/2.0"):
        errors.append("another request after the last verdict")
        print("FAIL another request: %s" % data.split(b"\r\n", 1)[0].decode())
except socket.timeout:
    pass
if ok < want_ok or refused < want_refused:
    errors.append("saw %d accepted / %d refused, wanted %d / %d" % (ok, refused, want_ok, want_refused))
    print("FAIL " + errors[-1])
sys.exit(1 if errors else 0)
