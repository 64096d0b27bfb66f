#!/bin/sh
# Blind transfer with mod_rtprelay loaded: the target takes the referrer's
# place in the media session too, so the relay keeps anchoring the media.
# The target's offer reaches the transferee rewritten by the relay and the
# transferee's answer reaches the target (in its ACK) with a relay port; at
# the end every relay port is released.
. "$(dirname "$0")/calls_lib.sh"
carol_port=$(free_port)
relay_min=$(free_port)
relay_max=$((relay_min + 99))
EXTRA_RULES="
    { match = \"^carol$\"; do = ( \"dial(sip:carol@127.0.0.1:$carol_port, 5)\" ); },"
write_calls_config "rtprelay: { bind = \"127.0.0.1\"; port_min = $relay_min; port_max = $relay_max; };"
sed 's/^modules = ( "echo" );/modules = ( "echo", "rtprelay" );/' "$WORK/tandem.conf" >"$WORK/relay.conf"
start_tandemd "$WORK/relay.conf"

# sdp_port LOG START: the m= port of the first message in a SIPp message
# log whose first line starts with START
sdp_port() {
	awk -v first="$2" 'index($0, first) == 1 { on = 1 } on && /^m=audio / { print $2; exit }' "$1"
}
in_relay_range() {
	[ -n "$1" ] && [ "$1" -ge "$relay_min" ] && [ "$1" -le "$relay_max" ]
}

# the SDP o= lines are the relay's now: the parties' checks accept any
relaxed="s/o=OFFERER /o=[a-z-]* /; s/o=TRANSFEREE /o=[a-z-]* /"
for who in caller callee; do
	if [ $who = caller ]; then
		scen_subst xfer_uas_target target "$relaxed; s/TRANSFEREE/bob/g; s/REFERRER/alice/g"
		scen_subst xfer_uas_transferee transferee "$relaxed; s/OFFERER/carol/g"
		scen_subst xfer_uac_refer referrer "s|REFER_TO|sip:carol@127.0.0.1:$port|"
		transfer_run target transferee referrer
	else
		scen_subst xfer_uas_target target "$relaxed; s/TRANSFEREE/alice/g; s/REFERRER/bob/g"
		scen_subst xfer_uac_transferee transferee "$relaxed"
		scen_subst xfer_uas_refer referrer "s|REFER_TO|sip:carol@127.0.0.1:$port|"
		sed -i 's/o=carol /o=[a-z-]* /' "$WORK/transferee.xml"
		transfer_run target referrer transferee
	fi
	p=$(sdp_port "$WORK/sipp-target-msg.log" "ACK ")
	in_relay_range "$p" || fail "$who transfer: the target's ACK has m= port '$p', not a relay port"
	# the second INVITE in the transferee's log is tandem's re-INVITE
	p=$(awk '/^INVITE / { n++ } n == 2 && /^m=audio / { print $2; exit }' "$WORK/sipp-transferee-msg.log")
	in_relay_range "$p" || fail "$who transfer: the transferee's re-INVITE has m= port '$p', not a relay port"
done
assert_no_calls
last=$(grep "port pairs released" "$WORK/tandemd.log" | tail -n 1)
case "$last" in
*", 0 in use") ;;
*) fail "relay ports still in use after the last call: $last" ;;
esac
echo "ok: blind transfers by the caller and by the callee keep the media on the relay"
