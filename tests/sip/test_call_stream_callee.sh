#!/bin/sh
# Calls across transports (RFC 3261 §12.2.1.1, §18.1.1; RFC 5626 §5.3):
# a UDP caller and a callee on TCP or TLS, rung as a plain URI target
# (sip:...;transport=tcp, sips:) or as a phone registered over its own
# connection. The callee's 200 carries a Contact naming no transport; every
# request of the B-leg dialog (ACK for the 200, hold and resume re-INVITEs
# with their ACKs, INFO, UPDATE, BYE) must still reach the callee on its
# connection, and the callee's own re-INVITEs and BYE must reach the caller.
# Then the other mismatch: a TCP caller and a UDP callee. A registered
# phone whose connection broke still gets the BYE on a new connection.
# Each case ends with no call left in tandemd as soon as the peers are done.
. "$(dirname "$0")/calls_lib.sh"
tlsport=$((port + 1))
callee_port=$(free_port)
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null || fail "openssl req"
export CERT="$WORK/cert.pem" KEY="$WORK/key.pem"
mkdir -p "$WORK/state"
write_users "$WORK/users.conf" 1001:pw1001
cat >"$WORK/tandem.conf" <<CONF
log_level = "debug";
state_dir = "state";
modules = ( "auth", "registrar" );
listen = (
  { transport = "udp"; address = "127.0.0.1"; port = $port; },
  { transport = "tcp"; address = "127.0.0.1"; port = $port; },
  { transport = "tls"; address = "127.0.0.1"; port = $tlsport; cert = "$CERT"; key = "$KEY"; }
);
sip: { t1_ms = 500; tcp_idle_timeout = 30; };
calls: { dial_timeout = 5; };
auth: { users_file = "users.conf"; };
registrar: { authenticate = false; min_expires = 1; };
dialplan: {
  internal: (
    { match = "^sipptcp\$"; do = ( "dial(sip:bob@127.0.0.1:$uas_port;transport=tcp)" ); },
    { match = "^tcpuri\$"; do = ( "dial(sip:bob@127.0.0.1:$callee_port;transport=tcp)" ); },
    { match = "^tlsuri\$"; do = ( "dial(sips:bob@127.0.0.1:$callee_port)" ); },
    { match = "^udpuri\$"; do = ( "dial(sip:bob@127.0.0.1:$uas_port)" ); },
    { match = "^10[0-9][0-9]\$"; do = ( "dial(\${exten})" ); }
  );
};
CONF

# callee_start MODE PROTO SCRIPT... [USER]: stream_callee.py in the
# background, once it says it can be called.
callee_start() {
	python3 "$top_srcdir/tests/sip/stream_callee.py" "$@" >"$WORK/callee.out" 2>&1 &
	CALLEE_PID=$!
	PEER_PIDS="$PEER_PIDS $CALLEE_PID"
	i=0
	until grep -q "^ready" "$WORK/callee.out"; do
		kill -0 "$CALLEE_PID" 2>/dev/null || { cat "$WORK/callee.out" >&2; fail "callee $* died"; }
		[ $i -lt 50 ] || fail "callee $* not ready"
		sleep 0.1
		i=$((i + 1))
	done
}

callee_wait() {
	wait "$CALLEE_PID" || { cat "$WORK/callee.out" >&2; fail "callee: $(grep FAIL "$WORK/callee.out")"; }
}

# case_done WHAT: tandemd must hold no call (stopped now, so a call left
# waiting for a BYE answer that can never come is caught), then restarts
# with no bindings.
case_done() {
	assert_no_calls
	echo "ok: $1"
	mv "$WORK/tandemd.log" "$WORK/tandemd-$(echo "$1" | tr -c 'a-zA-Z0-9\n' _).log"
	rm -f "$WORK"/state/*   # bindings of closed connections would ring too
	start_tandemd "$WORK/tandem.conf"
}

start_tandemd "$WORK/tandem.conf"

# -- a SIPp callee over TCP, dialled as sip:...;transport=tcp
uas_start call_uas_stream -t t1
uac_run call_uac_stream sipptcp
uas_wait call_uas_stream
case_done "UDP caller -> SIPp TCP callee (URI): ACK, re-INVITEs, INFO, UPDATE, BYE over TCP"

# -- Python callees on TCP and TLS, as URI targets: the caller hangs up,
# then, in a second call, the callee does (after re-INVITEing the caller)
for p in tcp tls; do
	callee_start listen $p "$callee_port" callerbye calleebye
	uac_run call_uac_stream ${p}uri
	uac_run call_uac_byeb ${p}uri
	callee_wait
	case_done "UDP caller -> $p callee (URI target): every request over $p both ways"
done

# -- the same callees registered over their own connection, dialled by
# extension: the dialog keeps the registration's flow
for p in tcp tls; do
	[ $p = tcp ] && rport=$port || rport=$tlsport
	callee_start register $p "$rport" callerbye calleebye 1001
	uac_run call_uac_stream 1001
	uac_run call_uac_byeb 1001
	callee_wait
	case_done "UDP caller -> $p callee (registered): every request on its flow both ways"
done

# -- the other mismatch: a TCP caller, a UDP callee
uas_start call_uas_stream
uac_run call_uac_stream udpuri -t t1
uas_wait call_uas_stream
uas_start call_uas_byeb
uac_run call_uac_byeb udpuri -t t1
uas_wait call_uas_byeb
case_done "TCP caller -> UDP callee: every request both ways"

# -- transaction-level requests go hop by hop where the INVITE went
# (RFC 3261 §9.1, §17.1.1.3), and the PRACK within the early dialog
callee_start listen tcp "$callee_port" prack cancel reject
uac_run call_uac tcpuri
uac_run call_uac_cancel tcpuri
uac_fail 486 tcpuri
callee_wait
case_done "UDP caller -> tcp callee: PRACK, CANCEL, ACK of a 487 and of a 486 over tcp"
callee_start register tls "$tlsport" prack cancel reject 1001
uac_run call_uac 1001
uac_run call_uac_cancel 1001
uac_fail 486 1001
callee_wait
case_done "UDP caller -> registered tls callee: PRACK, CANCEL, ACK of a 487 and of a 486 over tls"

# -- a registered phone's connection breaks mid-call: the BYE goes out on
# a new connection to the flow's address, never by UDP
callee_start register tcp "$port" drop 1002
uac_run call_uac 1002
callee_wait
grep -q "^dropped" "$WORK/callee.out" || fail "the callee did not drop its connection"
case_done "registered TCP callee whose connection broke still gets the BYE"

# -- gone for good: the BYE cannot be delivered; it fails at once (503,
# logged), not after Timer F, and the call ends
callee_start register tcp "$port" vanish 1002
uac_run call_uac 1002
callee_wait
i=0
until grep -q "BYE failed in transport (503)" "$WORK/tandemd.log"; do
	[ $i -lt 20 ] || fail "the BYE to a vanished phone did not fail at once"
	sleep 0.1
	i=$((i + 1))
done
case_done "registered TCP callee gone for good: its BYE fails at once, the call ends"
stop_tandemd
