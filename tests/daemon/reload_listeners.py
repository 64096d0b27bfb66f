"""Driven by test_reload_listeners.sh: phones and peers on real sockets
across SIGHUP reloads that change tandemd's listeners. Usage:
reload_listeners.py WORK PID PORT GONE ADDED EXTRA TAKEN TLS"""
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time

from sipwire import Udp, Tcp, request, parse_status, header, digest, response

work = sys.argv[1]
pid = int(sys.argv[2])
port, gone, added, extra, taken, tls = (int(a) for a in sys.argv[3:9])
log = os.path.join(work, "tandemd.log")


def log_count(text):
    with open(log, errors="replace") as f:
        return f.read().count(text)


def reload(name, outcome):
    """Make NAME.conf the config, SIGHUP, wait for outcome in the log."""
    before = log_count(outcome)
    shutil.copy(os.path.join(work, name + ".conf"), os.path.join(work, "tandem.conf"))
    os.kill(pid, signal.SIGHUP)
    for _ in range(100):
        if log_count(outcome) > before:
            return
        time.sleep(0.05)
    raise AssertionError("reload %s: no '%s' in the log" % (name, outcome))


def options(sock, lport=None, transport="UDP"):
    """OPTIONS to tandem itself over sock: its status, None for silence."""
    try:
        sock.send(request("OPTIONS", "sip:127.0.0.1:%d" % (lport or port),
                          transport=transport, port=sock.local_port))
    except OSError:
        return None
    r = sock.recv(timeout=1.0)
    return parse_status(r)[0] if r else None


def register(sock, user, pw, contact, callid, transport):
    ruri = "sip:127.0.0.1:%d" % port
    h = {"From": "<sip:%s@127.0.0.1>;tag=r1" % user, "To": "<sip:%s@127.0.0.1>" % user,
         "Call-ID": callid, "Contact": "<%s>" % contact}
    r = None
    for n, auth in ((1, False), (2, True)):
        if auth:
            h["Authorization"] = digest(r, user, pw, "REGISTER", ruri)
        sock.send(request("REGISTER", ruri, headers=h, cseq="%d REGISTER" % n,
                          transport=transport, port=sock.local_port))
        r = sock.recv()
        assert r is not None, "no answer to REGISTER"
        if parse_status(r)[0] != 401:
            break
    return parse_status(r)[0]


def message_reaches(phone, text):
    """A MESSAGE from a UDP sender to 1002 arrives on the phone's TCP
    connection; its 200 gets back to the sender."""
    sender = Udp(port)
    sender.send(request("MESSAGE", "sip:1002@127.0.0.1:%d" % port, body=text,
                        port=sender.local_port, extra=("Content-Type: text/plain",)))
    m = phone.recv()
    assert m is not None and m.startswith(b"MESSAGE ") and m.endswith(text.encode()), m
    phone.send(response(m, 200, "OK"))
    r = sender.recv()
    assert r is not None and parse_status(r)[0] == 200, r
    sender.close()


def der(path):
    with open(path) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


def tls_connect():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return Tcp(tls, wrap=lambda s: ctx.wrap_socket(s))


# ---- config a: udp+tcp PORT, udp GONE, tls TLS
kept_tcp = Tcp(port)
assert options(kept_tcp, transport="TCP") == 200
phone = Tcp(port)
assert register(phone, "1002", "pw1002", "sip:1002@127.0.0.1:9;transport=tcp",
                "phone@t", "TCP") == 200
message_reaches(phone, "before")
to_gone = Udp(gone)
assert options(to_gone, gone) == 200, "the UDP listener to remove does not answer"
old_tls = tls_connect()
assert old_tls.s.getpeercert(binary_form=True) == der(os.path.join(work, "cert-first.pem"))
assert options(old_tls, tls, "TLS") == 200

# a final answer on GONE that is never ACKed: tandem retransmits it
# (RFC 3261 §17.2.1) after the listener is gone, from the kept one
asker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
asker.bind(("127.0.0.1", 0))
me = asker.getsockname()[1]
inv = request("INVITE", "sip:999@127.0.0.1:%d" % gone, port=me, branch="z9hG4bK-owed1",
              headers={"Contact": "<sip:a@127.0.0.1:%d>" % me})
asker.sendto(inv, ("127.0.0.1", gone))
asker.settimeout(2)
while True:
    data, src = asker.recvfrom(65536)
    if not data.startswith(b"SIP/2.0 100 "):
        break
assert parse_status(data)[0] == 404 and src[1] == gone, (data, src)

# renewed in place, as a certificate renewal does
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=second", "-keyout", os.path.join(work, "key.pem"),
                "-out", os.path.join(work, "cert.pem")], check=True, capture_output=True)

# ---- config b: GONE removed, ADDED (tcp) new, TCP and TLS kept
reload("b", "reload done")
deadline = time.time() + 5
while True:
    asker.settimeout(max(0.1, deadline - time.time()))
    data, src = asker.recvfrom(65536)
    if src[1] == port:
        break
    assert time.time() < deadline, "no retransmission after the reload"
assert parse_status(data)[0] == 404, data
ack = request("ACK", "sip:999@127.0.0.1:%d" % gone, port=me, branch="z9hG4bK-owed1",
              cseq="1 ACK", headers={"Call-ID": header(inv, "Call-ID"),
                                     "From": header(inv, "From"), "To": header(data, "To")})
asker.sendto(ack, ("127.0.0.1", port))

assert options(kept_tcp, transport="TCP") == 200, "the kept TCP connection is not answered"
assert options(Udp(port)) == 200, "the kept UDP listener is not answered"
assert options(to_gone, gone) is None, "the removed UDP listener still answers"
new_tcp = Tcp(added)
assert options(new_tcp, added, "TCP") == 200, "the added TCP listener is not answered"
message_reaches(phone, "after")   # the phone registered over TCP keeps its flow
assert options(old_tls, tls, "TLS") == 200, "the kept TLS connection is not answered"
fresh_tls = tls_connect()
assert fresh_tls.s.getpeercert(binary_form=True) == der(os.path.join(work, "cert.pem")), \
    "a new TLS connection still gets the old certificate"
assert options(fresh_tls, tls, "TLS") == 200
# -l debug given: the config's "warn" does not apply (the connections
# just accepted are logged at debug)
with open(log, errors="replace") as f:
    assert " DEBUG " in f.read().split("reload done", 1)[1], \
        "the config's log level overrode -l at reload"

# ---- config c: a new UDP listener, then a TCP one on a port that is taken
holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
holder.bind(("127.0.0.1", taken))
holder.listen(1)
reload("c", "reload failed")
assert options(Udp(extra), extra) is None, "the refused config's UDP listener was left open"
assert options(new_tcp, added, "TCP") == 200, "a refused reload touched the running listeners"
assert options(kept_tcp, transport="TCP") == 200
assert options(Udp(port)) == 200
holder.close()

# ---- config d: ADDED removed while a connection is open on it
reload("d", "reload done")
new_tcp.s.settimeout(2)
try:
    eof = new_tcp.s.recv(1) == b""
except ConnectionResetError:
    eof = True
assert eof, "the connection accepted on the removed TCP listener is still open"
try:
    Tcp(added)
    raise AssertionError("the removed TCP listener still accepts")
except ConnectionRefusedError:
    pass
assert options(kept_tcp, transport="TCP") == 200
message_reaches(phone, "still")
print("ok")
