#!/bin/sh
# Signals during start-up (issue 13): SIGHUP sent over and over from
# tandemd's first log line (its listener is open) until it says it started
# never kills it (SIGHUP's default action would), the held SIGHUP reloads
# once the loop runs, and OPTIONS are answered; a SIGTERM sent as soon as
# the listener is open stops it cleanly (exit status 0).
. "$(dirname "$0")/../sip/lib.sh"
port=$(free_port)
relay=$(free_port)
# the relay too: more to start between the listener and the loop
write_config "$WORK/tandem.conf" "$port" \
	"rtprelay: { bind = \"127.0.0.1\"; port_min = $relay; port_max = $((relay + 9)); };"
sed -i 's/^modules = ( "echo" );/modules = ( "echo", "rtprelay" );/' "$WORK/tandem.conf"

options_ok() {
	python3 - "$port" <<'PY'
import socket, sys
p = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(2)
me = s.getsockname()[1]
s.sendto(("OPTIONS sip:echo@127.0.0.1:%d SIP/2.0\r\n"
          "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKsignals1\r\n"
          "Max-Forwards: 70\r\nFrom: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:echo@127.0.0.1>\r\n"
          "Call-ID: signals-%d@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
          % (p, me, me)).encode(), ("127.0.0.1", p))
sys.exit(0 if s.recv(65535).startswith(b"SIP/2.0 200") else 1)
PY
}

# start_logging: tandemd in the background; returns once it logged a line.
start_logging() {
	rm -f "$WORK/tandemd.log"
	"$TANDEMD" -c "$WORK/tandem.conf" -M "$MODDIR" -l debug >"$WORK/tandemd.log" 2>&1 &
	TANDEM_PID=$!
	i=0
	until [ -s "$WORK/tandemd.log" ]; do
		kill -0 "$TANDEM_PID" 2>/dev/null || fail "tandemd exited before its first line"
		i=$((i + 1)); [ $i -lt 3000 ] || fail "tandemd logged nothing"
	done
}

# 1. a SIGHUP storm from the listener's opening to "started"
start_logging
n=0
until grep -q "NOTICE tandemd .* started" "$WORK/tandemd.log"; do
	kill -HUP "$TANDEM_PID" 2>/dev/null || fail "tandemd died of a SIGHUP during start-up (after $n)"
	n=$((n + 1))
	[ $n -lt 5000 ] || fail "tandemd did not start"
done
sleep 0.3
kill -0 "$TANDEM_PID" 2>/dev/null || fail "tandemd died of an early SIGHUP"
grep -q "SIGHUP: reloading" "$WORK/tandemd.log" || fail "the held SIGHUP did not reload"
options_ok || fail "no answer to OPTIONS after $n SIGHUPs"
stop_tandemd

# 2. SIGTERM as soon as the listener is open: held, then a clean stop
start_logging
kill -TERM "$TANDEM_PID"
wait "$TANDEM_PID"
rc=$?
TANDEM_PID=""
[ $rc -eq 0 ] || fail "an early SIGTERM: exit status $rc (killed instead of stopped)"
grep -q "tandemd stopped" "$WORK/tandemd.log" || fail "no clean stop after an early SIGTERM"
echo "ok: $n SIGHUPs during start-up held, one reload, OPTIONS answered; an early SIGTERM stops cleanly"
