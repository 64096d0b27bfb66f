#!/bin/sh
# The location service end to end with phones on real sockets (UDP, TCP,
# TLS): MESSAGE forked to every phone, 480, §10.3 step 7 CSeq order, expiry by the timer,
# requests sent back on the phone's own TCP/TLS connection.
. "$(dirname "$0")/lib.sh"
port=$(free_port)
tlsport=$((port + 1))
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null || fail "openssl req"
mkdir -p "$WORK/state"
write_users "$WORK/users.conf" 1001:pw1001 1002:pw1002
cat >"$WORK/tandem.conf" <<CONF
log_level = "debug";
state_dir = "state";
modules = ( "auth", "registrar" );
listen = (
  { transport = "udp"; address = "127.0.0.1"; port = $port; },
  { transport = "tcp"; address = "127.0.0.1"; port = $port; },
  { transport = "tls"; address = "127.0.0.1"; port = $tlsport; cert = "$WORK/cert.pem"; key = "$WORK/key.pem"; }
);
sip: { t1_ms = 500; };
calls: { dial_timeout = 5; };
auth: { users_file = "users.conf"; };
registrar: { min_expires = 1; default_expires = 3600; };
dialplan: { internal: ( { match = "^10[0-9][0-9]\$"; do = ( "dial(\${exten})" ); } ); };
CONF
start_tandemd "$WORK/tandem.conf"
python3 "$top_srcdir/tests/sip/test_registrar.py" "$port" "$tlsport" "$WORK/cert.pem" \
	"$WORK/state/location.db" || fail "test_registrar.py"
grep -q "registrar: 1 binding(s) expired" "$WORK/tandemd.log" || fail "no expiry by the timer in the log"
stop_tandemd
grep -q "calls alive: 0 (" "$WORK/tandemd.log" || fail "calls left at stop"
echo "ok: location service: MESSAGE forked, 480, CSeq order, timer expiry, TCP/TLS reuse"
