#!/bin/sh
# Two real phones (baresip, headless) register with passwords to tandemd and
# call each other through it: dial(${exten}) finds the callee in the
# location service, the callee answers by itself, RTP flows, and either
# side's hangup ends the call on both sides with no call left in tandemd.
. "$(dirname "$0")/lib.sh"
command -v baresip >/dev/null || fail "baresip not installed (tools/deps installs it)"
port=$(free_port)
PHONE_PIDS=""
phones_cleanup() {
	for p in $PHONE_PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	cleanup
}
trap phones_cleanup EXIT

mkdir -p "$WORK/state"
cat >"$WORK/users.conf" <<USERS
users: { realm = "tandem.local";
  list = ( { user = "1001"; password = "pw-1001"; },
           { user = "1002"; password = "pw-1002"; } ); };
USERS
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

# phone USER: a baresip with its own config dir, no sound card: a sine
# source (48 kHz stereo only, resampled) and the aubridge player as sink.
phone() {
	user=$1
	dir="$WORK/phone-$user"
	mkdir -p "$dir"
	sip_port=$(free_port)
	ctrl_port=$(free_port)
	cat >"$dir/config" <<CONF
poll_method epoll
net_interface 127.0.0.1
sip_listen 127.0.0.1:$sip_port
call_local_timeout 20
audio_player aubridge,play-$user
audio_alert aubridge,play-$user
audio_source ausine,440
ausrc_srate 48000
ausrc_channels 2
module_path /usr/lib/baresip/modules
module g711.so
module ausine.so
module aubridge.so
module_tmp account.so
module_app menu.so
module_app ctrl_tcp.so
ctrl_tcp_listen 127.0.0.1:$ctrl_port
CONF
	echo "<sip:$user@127.0.0.1:$port>;auth_pass=pw-$user;answermode=auto;regint=60" >"$dir/accounts"
	: >"$dir/contacts"
	baresip -f "$dir" >"$WORK/baresip-$user.log" 2>&1 &
	PHONE_PIDS="$PHONE_PIDS $!"
	eval "ctrl_$user=$ctrl_port"
}
phone 1001
phone 1002

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

for p in $PHONE_PIDS; do
	kill -TERM "$p" 2>/dev/null
	wait "$p" 2>/dev/null
done
PHONE_PIDS=""
stop_tandemd
grep -q "calls alive: 0 (" "$WORK/tandemd.log" || fail "calls still alive at stop: $(grep 'calls alive' "$WORK/tandemd.log")"
echo "ok: two baresip phones registered and called each other through tandemd"
