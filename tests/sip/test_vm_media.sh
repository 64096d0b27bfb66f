#!/bin/sh
# Voicemail's media negotiation:
# 1. An INVITE without SDP: tandem's 200 offers PCMU, PCMA and
#    telephone-event, the caller's ACK answers; the caller's RTP is found
#    where it comes from, and its 2 s of audio are stored intact.
# 2. A caller that holds (re-INVITE a=sendonly: answered a=recvonly) and
#    resumes (a=sendrecv) during the greeting, then speaks: the same media
#    port takes its audio, stored intact.
# 3. An offer with SRTP only (RTP/SAVP): voicemail plays and records plain
#    G.711 only, so the caller gets 488 Not Acceptable Here (RFC 3261
#    §21.4.26) and nothing is stored.
. "$(dirname "$0")/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
vm_config
start_tandemd "$WORK/tandem.conf"
greeting=$(($(prompt_ms vm-busy vm-leave beep) + 800))

# 1. late offer
python3 "$VM_PY" pcap "$WORK/late.pcap" 2 || fail "cannot write the pcap"
scen_subst vm_uac_lateoffer late "s|PCAP|$WORK/late.pcap|; s|AUDIO_MS|2700|"
before=$(deposits_logged)
SCEN=$WORK uac_run late vm1002 -d "$greeting" -mi 127.0.0.1 -mp "$(free_port)" -timeout 60
wait_deposit "$before" "the late-offer message was not stored"
python3 "$VM_PY" check "$SPOOL/1002/INBOX/msg0000.wav" 2 || fail "the late-offer caller's audio"

# 2. hold and resume, then the message
python3 "$VM_PY" pcap "$WORK/hold.pcap" 2 || fail "cannot write the pcap"
scen_subst vm_uac_hold hold "s|PCAP|$WORK/hold.pcap|; s|AUDIO_MS|2700|"
before=$(deposits_logged)
SCEN=$WORK uac_run hold vm1002 -d "$greeting" -mi 127.0.0.1 -mp "$(free_port)" -timeout 60
wait_deposit "$before" "the message after hold/resume was not stored"
python3 "$VM_PY" check "$SPOOL/1002/INBOX/msg0001.wav" 2 || fail "the audio after hold and resume"

# 3. SRTP only: 488
sed -e 's|RTP/AVP 0|RTP/SAVP 0|' \
    -e 's|      a=rtpmap:0 PCMU/8000|      a=rtpmap:0 PCMU/8000\n      a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|' \
    -e 's/"CODE"/"488"/' "$SCEN/call_uac_fail.xml" >"$WORK/savp_488.xml"
grep -q "RTP/SAVP" "$WORK/savp_488.xml" || fail "the SRTP offer was not written"
SCEN=$WORK uac_run savp_488 vm1003
[ "$(spool_count 1003 INBOX)" = 0 ] || fail "an SRTP caller's message was stored"
grep -q "mod_voicemail: call .*: no media: " "$WORK/tandemd.log" || fail "no log line for the refused offer"

assert_no_calls
echo "ok: late offer answered in the ACK and recorded intact; hold answered recvonly, resume sendrecv, audio after it intact; SRTP-only offer refused with 488"
