#!/bin/sh
# A module owns a call (tests/sip/mod_ctl.c ctl_ivr): it answers the caller
# itself with the SDP of a mod_rtprelay media endpoint, streams a WAV to it
# (SIPp -rtp_echo sends it back: the module counts the frames), collects
# five digits (RFC 4733 telephone-events from SIPp's dtmf_2833 pcaps, SIP
# INFO application/dtmf-relay and application/dtmf; a broken INFO gets 400)
# and logs each once, then bridges the caller to an agent (Python peer): the
# agent gets an offerless INVITE, its offer reaches the caller in a
# re-INVITE, the caller's answer the agent in its ACK, and RTP flows both
# ways through the relay (the agent's packets come back echoed).
. "$(dirname "$0")/calls_lib.sh"
[ -f "$top_builddir/tests/sip/.libs/mod_ctl.so" ] || fail "mod_ctl.so not built (make check builds it)"
# tandemd takes one module directory: mod_rtprelay and the test module
MODDIR=$WORK/modules
mkdir -p "$MODDIR"
ln -s "$top_builddir/.libs/mod_rtprelay.so" "$top_builddir/tests/sip/.libs/mod_ctl.so" "$MODDIR/"
[ -f /usr/share/sip-tester/dtmf_2833_1.pcap ] || fail "SIPp's dtmf_2833 pcaps are missing"
relay_min=$(free_port)
media_port=$(free_port)

# a 1 s prompt: 8 kHz, 16 bit, mono, 440 Hz
python3 - "$WORK/prompt.wav" <<'PY' || fail "cannot write the WAV"
import math, struct, sys, wave
w = wave.open(sys.argv[1], "wb")
w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 8000)))
                       for i in range(8000)))
w.close()
PY

cat >"$WORK/tandem.conf" <<CONF
log_level = "debug";
modules = ( "rtprelay", "ctl" );
listen = ( { transport = "udp"; address = "127.0.0.1"; port = $port; } );
sip: { t1_ms = 500; };
rtprelay: { bind = "127.0.0.1"; port_min = $relay_min; port_max = $((relay_min + 99)); };
calls: { dial_timeout = 10; };
dialplan: {
  internal: (
    { match = "^ivr$"; do = ( "ctl_ivr($WORK/prompt.wav, 5, sip:agent@127.0.0.1:$uas_port)" ); }
  );
};
CONF
start_tandemd "$WORK/tandem.conf"
log=$WORK/tandemd.log

python3 "$top_srcdir/tests/sip/ctl_callee.py" "$uas_port" >"$WORK/callee.out" 2>&1 &
UAS_PID=$!
uac_run ctl_uac_ivr ivr -rtp_echo -mi 127.0.0.1 -mp "$media_port"
wait "$UAS_PID" || { cat "$WORK/callee.out" >&2; fail "the agent failed"; }
UAS_PID=""
cat "$WORK/callee.out"

# each digit once, in order, whatever the end-bit retransmissions
[ "$(grep -c "ctl: call .* digit [0-9*#A-D] " "$log")" -eq 5 ] ||
	fail "digits not reported once each: $(grep "ctl: call .* digit " "$log" | tr '\n' ';')"
line=$(grep "ctl: call .* digits " "$log")
case "$line" in
*" digits 12345, "*) ;;
*) fail "the module collected '$line', not 12345" ;;
esac
# the prompt reached the caller: its echo came back to the endpoint
back=$(echo "$line" | sed -n 's/.*, \([0-9]*\) audio frames back.*/\1/p')
[ "${back:-0}" -ge 20 ] || fail "only ${back:-0} prompt frames came back from the caller"
grep -q "bridge done: answered 200" "$log" || fail "no bridge"
grep -q "INFO with a bad DTMF body: No DTMF Signal" "$log" || fail "the bad INFO was not refused"
assert_no_calls
last=$(grep "port pairs released" "$log" | tail -n 1)
case "$last" in *", 0 in use") ;; *) fail "relay ports still in use: $last" ;; esac
echo "ok: local answer, prompt streamed, RFC 4733 and INFO digits once each, bridge with media both ways"
