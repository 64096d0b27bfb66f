# Headless baresip phones for tests (sourced after lib.sh): each has its own
# config dir, no sound card (a sine source, 48 kHz stereo resampled, and
# the aubridge player as sink), G.711, SDES SRTP available, and ctrl_tcp
# so baresip_ctrl.py can drive it. Killed by phones_cleanup (the EXIT trap).
command -v baresip >/dev/null || fail "baresip not installed (tools/deps installs it)"
PHONE_PIDS=""
phones_cleanup() {
	for p in $PHONE_PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	cleanup
}
trap phones_cleanup EXIT

# phone NAME ACCOUNT: start one; its SIP port is then $sip_NAME and its
# ctrl_tcp port $ctrl_NAME. ACCOUNT is the accounts line.
phone() {
	name=$1
	dir="$WORK/phone-$name"
	mkdir -p "$dir"
	sip_port=$(free_port)
	ctrl_port=$(free_port)
	cat >"$dir/config" <<CONF
poll_method epoll
net_interface 127.0.0.1
sip_listen 127.0.0.1:$sip_port
call_local_timeout 20
audio_player aubridge,play-$name
audio_alert aubridge,play-$name
audio_source ausine,440
ausrc_srate 48000
ausrc_channels 2
module_path /usr/lib/baresip/modules
module g711.so
module ausine.so
module aubridge.so
module srtp.so
module_tmp account.so
module_app menu.so
module_app ctrl_tcp.so
ctrl_tcp_listen 127.0.0.1:$ctrl_port
CONF
	echo "$2" >"$dir/accounts"
	: >"$dir/contacts"
	baresip -f "$dir" >"$WORK/baresip-$name.log" 2>&1 &
	PHONE_PIDS="$PHONE_PIDS $!"
	eval "sip_$name=$sip_port ctrl_$name=$ctrl_port"
}

phones_stop() {
	for p in $PHONE_PIDS; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	PHONE_PIDS=""
}
