#!/bin/sh
# Two real phones (baresip, headless) register with passwords to tandemd and
# call each other through it: dial(${exten}) finds the callee in the
# location service, the callee answers by itself, RTP flows, and either
# side's hangup ends the call on both sides with no call left in tandemd.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/sip/baresip_lib.sh"
port=$(free_port)

mkdir -p "$WORK/state"
write_users "$WORK/users.conf" 1001:pw-1001 1002:pw-1002
cat >"$WORK/tandem.conf" <<CONF
log_level = "debug";
state_dir = "state";
modules = ( "auth", "registrar" );
listen = ( { transport = "udp"; address = "127.0.0.1"; port = $port; } );
# baresip 1.0 (libre) refuses a 401 that offers any algorithm but MD5
auth: { users_file = "users.conf"; algorithms = ( "MD5" ); };
registrar: { min_expires = 30; };
dialplan: { internal: ( { match = "^10[0-9][0-9]\$"; do = ( "auth", "dial(\${exten})" ); } ); };
CONF
start_tandemd "$WORK/tandem.conf"

# phone USER: registers with its password and answers by itself.
user_phone() {
	phone "$1" "<sip:$1@127.0.0.1:$port>;auth_pass=pw-$1;answermode=auto;regint=60"
}
user_phone 1001
user_phone 1002

# both registered, through the 401 challenge
i=0
until grep -q "registrar: 1001 has 1 binding" "$WORK/tandemd.log" &&
      grep -q "registrar: 1002 has 1 binding" "$WORK/tandemd.log"; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "the phones did not register: $(cat "$WORK"/baresip-*.log)"
	sleep 0.1
done
[ "$(grep -c "refused: " "$WORK/tandemd.log")" = 0 ] || fail "a phone's credentials were refused"

run_call() {
	python3 "$top_srcdir/tests/sip/baresip_ctrl.py" "$@" >>"$WORK/ctrl.out" 2>&1 ||
		fail "call $*: $(cat "$WORK/ctrl.out"; tail -n 20 "$WORK"/baresip-*.log)"
}
# 1001 calls 1002 and hangs up; 1002 calls 1001 and 1002 hangs up
run_call "$ctrl_1001" "$ctrl_1002" 1002 a
run_call "$ctrl_1002" "$ctrl_1001" 1001 a
run_call "$ctrl_1001" "$ctrl_1002" 1002 b
[ "$(grep -c "answered (B Call-ID" "$WORK/tandemd.log")" = 3 ] || fail "want 3 answered calls in tandemd"

phones_stop
stop_tandemd
grep -q "calls alive: 0 (" "$WORK/tandemd.log" || fail "calls still alive at stop: $(grep 'calls alive' "$WORK/tandemd.log")"
echo "ok: two baresip phones registered and called each other through tandemd"
