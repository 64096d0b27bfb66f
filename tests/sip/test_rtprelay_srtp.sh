#!/bin/sh
# mod_rtprelay bridging SRTP and plain RTP between two real phones: a
# baresip with mediaenc=srtp-mand (RTP/SAVP, SDES keys) calls a plain-RTP
# baresip and back. The dialplan picks each callee's profile with
# rtprelay(rtp) / rtprelay(srtp); each phone must see RTP it can use
# (CALL_RTPESTAB: the SRTP phone only gets there by authenticating and
# decrypting what the relay protected for it), and the relay's counters
# must show audio frames both ways with no SRTP failure.
. "$(dirname "$0")/rtprelay_lib.sh"
. "$top_srcdir/tests/sip/baresip_lib.sh"

phone secure "<sip:secure@127.0.0.1>;regint=0;answermode=auto;mediaenc=srtp-mand"
phone plain "<sip:plain@127.0.0.1>;regint=0;answermode=auto"
write_relay_config "media_timeout = 10;" "
    { match = \"^to-plain\$\"; do = ( \"rtprelay(rtp)\", \"dial(sip:plain@127.0.0.1:$sip_plain, 10)\" ); },
    { match = \"^to-secure\$\"; do = ( \"rtprelay(srtp)\", \"dial(sip:secure@127.0.0.1:$sip_secure, 10)\" ); },"
start_tandemd "$WORK/tandem.conf"
sleep 1   # the phones' ctrl_tcp listeners

# call FROM TO: FROM dials TO's number for 2 s, FROM hangs up; then the
# relay's counters of that call must show frames both ways.
call() {
	python3 "$top_srcdir/tests/sip/baresip_ctrl.py" "$1" "$2" "sip:$3@127.0.0.1:$port" a 2 \
		>>"$WORK/ctrl.out" 2>&1 ||
		fail "call to $3: $(cat "$WORK/ctrl.out"; tail -n 20 "$WORK"/baresip-*.log)"
	i=0
	until [ "$(grep -c "port pairs released" "$WORK/tandemd.log")" = "$4" ]; do
		i=$((i + 1))
		[ $i -lt 50 ] || fail "the call to $3 did not end in the relay"
		sleep 0.1
	done
	ca=$(relay_counters A)
	cb=$(relay_counters B)
	echo "call to $3: A: $ca" >>"$WORK/frames.out"
	echo "call to $3: B: $cb" >>"$WORK/frames.out"
	python3 - "$ca" "$cb" <<'PY' || fail "call to $3: relay counters: $ca / $cb"
import re, sys
a, b = (dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", line)) for line in sys.argv[1:3])
# 2 s of 20 ms frames is 100 each way; allow for set-up and teardown
assert a["rx_pkts"] >= 50 and b["rx_pkts"] >= 50, "too few frames"
# every frame received on one side went out on the other
assert a["rx_pkts"] == b["tx_pkts"] and b["rx_pkts"] == a["tx_pkts"], "frames lost in the relay"
# baresip sends one unprotected RTCP APP packet on its SRTP stream, which
# RFC 3711 §3.4 makes us drop; any SRTP RTP packet failing would show here
assert a["srtp"] + b["srtp"] <= 2, "SRTP authentication failures"
PY
}
call "$ctrl_secure" "$ctrl_plain" to-plain 1
grep -q "side A AES_CM_128_HMAC_SHA1_80, side B plain RTP" "$WORK/tandemd.log" ||
	fail "want the SRTP caller on SRTP and the plain callee on RTP"
call "$ctrl_plain" "$ctrl_secure" to-secure 2
grep -q "side A plain RTP, side B AES_CM_128_HMAC_SHA1_80" "$WORK/tandemd.log" ||
	fail "want the plain caller on RTP and the SRTP callee on SRTP"
phones_stop
assert_relay_idle
grep -q "inline:" "$WORK/tandemd.log" && fail "key material in the log"
cat "$WORK/frames.out"
echo "ok: SRTP <-> RTP both ways through the relay"
