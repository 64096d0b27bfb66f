"""The dialplan's `auth` action: the authenticated user is ${auth_user},
and a user with a context of its own (users.conf) goes on there.
Usage: test_auth_context.py PORT"""
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from sipwire import Udp, parse_status, digest, transact  # noqa: E402

port = int(sys.argv[1])
u = Udp(port)
n = [0]


def authed(method, user, exten, body=""):
    """method to exten as user, through the 407: the final answer."""
    ruri = "sip:%s@127.0.0.1:%d" % (exten, port)
    extra = ("Content-Type: text/plain",) if body else ()
    n[0] += 1
    chal = transact(u, method, ruri, {}, n[0], body=body, extra=extra)
    assert parse_status(chal)[0] == 407, chal
    n[0] += 1
    auth = digest(chal, user, "pw" + user, method, ruri)
    return transact(u, method, ruri, {"Proxy-Authorization": auth}, n[0], body=body, extra=extra)


cases = [
    ("INVITE", "1001", "2000", 486, "Staff 1001"),      # context staff
    ("INVITE", "1002", "2000", 403, "No Context 1002"),  # no context: the same rule goes on
    ("INVITE", "1003", "3000", 480, "Guest 1003"),       # context guests
    ("INVITE", "1003", "2000", 404, "No Route"),         # nothing for 2000 in guests
    ("MESSAGE", "1001", "2000", 486, "Staff 1001"),
    ("MESSAGE", "1002", "2000", 403, "No Context 1002"),
]
for method, user, exten, status, reason in cases:
    r = authed(method, user, exten, body="hi" if method == "MESSAGE" else "")
    assert parse_status(r) == (status, reason), (method, user, exten, r)
print("ok: ${auth_user} set, the user's context chosen")
