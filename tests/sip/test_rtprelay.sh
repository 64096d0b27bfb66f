#!/bin/sh
# mod_rtprelay end to end: a caller and a callee (tests/sip/rtp_peers.py)
# call through tandemd; both SDPs point at tandem, 100 RTP packets arrive
# each way, hold keeps a=sendonly, the callee's UPDATE and an offerless
# re-INVITE (answer in the ACK) are rewritten too, the ports are free after
# BYE; latching (a caller advertising a wrong port still gets media once it
# sends); a late offer (SDP in the 200, the answer in the ACK).
. "$(dirname "$0")/rtprelay_lib.sh"
write_relay_config "media_timeout = 0;"
start_tandemd "$WORK/tandem.conf"
peers relay
c=$(relay_counters A)
case "$c" in
*"rx_pkts=170 "*"tx_pkts=150 "*) ;;
*) fail "side A counters: $c" ;;
esac
peers latch
peers lateoffer
assert_relay_idle
grep -q "inline:" "$WORK/tandemd.log" && fail "key material in the log"
echo "ok: relay, hold, UPDATE, offerless re-INVITE, latching, late offer"
