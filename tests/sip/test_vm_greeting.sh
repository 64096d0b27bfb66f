#!/bin/sh
# A box's own greeting replaces the default: 1002 calls *97, presses 0
# (options) and 1 (record the busy greeting), speaks 2 s of known audio
# after the beep and presses # (RFC 4733). busy.wav in the box's folder
# holds that audio; the next caller finding 1002 busy hears it (and the
# beep, no default prompt) and leaves a message as before.
. "$(dirname "$0")/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
vm_config
start_tandemd "$WORK/tandem.conf"

python3 "$VM_PY" pcap "$WORK/greeting.pcap" 2 || fail "cannot write the pcap"
options_ms=$(($(prompt_ms vm-options) / 2))
record_ms=$(($(prompt_ms vm-record beep) + 800))
scen_subst vm_uac_greeting greeting "s|OWNER|1002|g; s|OPTIONS_MS|$options_ms|; s|RECORD_MS|$record_ms|; s|PCAP|$WORK/greeting.pcap|; s|AUDIO_MS|2300|"
SCEN=$WORK uac_run greeting '*97' -au 1002 -ap bob-1002 -auth_uri "*97@127.0.0.1:$port" \
	-mi 127.0.0.1 -mp "$(free_port)" -timeout 60
grep -q "box 1002 recorded its busy greeting" "$WORK/tandemd.log" || fail "no greeting recorded"
python3 "$VM_PY" check "$SPOOL/1002/busy.wav" 2 || fail "the greeting is not the audio spoken"

# the own greeting plays instead of "the person you are calling is on the phone..."
deposit vm1002 1.5 "$((2000 + $(prompt_ms beep) + 800))" after-greeting
grep -q "to box 1002 (busy, the box's own greeting)" "$WORK/tandemd.log" || fail "the own greeting was not played"
python3 "$VM_PY" check "$SPOOL/1002/INBOX/msg0000.wav" 1.5 || fail "the message after the own greeting"
assert_no_calls
echo "ok: the busy greeting recorded from the phone (2 s, intact) replaces the default one"
