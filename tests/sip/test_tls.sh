#!/bin/sh
# SIP over TLS (RFC 3261 §26.2.1 transport): a self-signed certificate is made
# at test time; a TLS client (Python's ssl module, i.e. OpenSSL on the other
# end of a real socket) sends OPTIONS to tandem and to mod_echo on one
# connection and gets both answers back on it, with received/rport set.
# (Debian's SIPp is built without TLS, and sipsak 0.9.8.1's GnuTLS mode
# truncates its own Request-URI and fails to read any TLS reply.)
. "$(dirname "$0")/lib.sh"
port=$(free_port)
tlsport=$((port + 1))
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null || fail "openssl req"
write_config "$WORK/tandem.conf" "$port"
sed -i "s#^listen = (#listen = (\n  { transport = \"tls\"; address = \"127.0.0.1\"; port = $tlsport; cert = \"$WORK/cert.pem\"; key = \"$WORK/key.pem\"; },#" "$WORK/tandem.conf"
start_tandemd "$WORK/tandem.conf"
PYTHONPATH="$top_srcdir/tests/sip" python3 - "$tlsport" "$WORK/cert.pem" <<'PY' || fail "OPTIONS over TLS"
import ssl, sys
from sipwire import Tcp, request, parse_status, header
port, cert = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=cert)   # verify tandem's certificate
ctx.check_hostname = False
t = Tcp(port, wrap=lambda s: ctx.wrap_socket(s))
print("TLS version:", t.s.version())
t.send(request("OPTIONS", ruri="sip:127.0.0.1", transport="TLS", port=t.local_port))
r = t.recv()
assert r and parse_status(r)[0] == 200, r
assert "INVITE" in header(r, "Allow"), r
via = header(r, "Via")
assert "SIP/2.0/TLS" in via and "rport=%d" % t.local_port in via and "received=127.0.0.1" in via, via
t.send(request("OPTIONS", ruri="sip:echo@127.0.0.1", transport="TLS", port=t.local_port,
               body="over tls", extra=("Content-Type: text/plain",)))
r = t.recv()
assert r and parse_status(r)[0] == 200 and header(r, "X-Echo-Count"), r
assert r.endswith(b"over tls"), r
print("ok: two OPTIONS answered over one TLS connection")
PY
grep -q "tls conn .*TLSv1\.[23]" "$WORK/tandemd.log" || fail "no TLS handshake line in the log"
stop_tandemd
echo "ok: OPTIONS over TLS"
