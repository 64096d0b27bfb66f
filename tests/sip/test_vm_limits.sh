#!/bin/sh
# How a recording ends when the caller does not hang up (voicemail.silence
# = 2, max_message = 4); each time tandem says goodbye and sends the BYE:
# 1. 1.5 s of speech, then silence: the message ends 2 s into the silence
#    and keeps the 1.5 s (the silence that ended it is cut);
# 2. 5 s of speech: the message stops at 4 s;
# 3. 2 s of speech, then '#' by SIP INFO: the message is the 2 s.
. "$(dirname "$0")/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
VM_SILENCE=2
VM_SETTINGS='max_message = 4;'
vm_config
start_tandemd "$WORK/tandem.conf"
greeting=$(($(prompt_ms vm-busy vm-leave beep) + 800))

# ended TAG SECONDS QUIET KEY KEY_MS: a caller that streams and lets tandem end
ended() {
	python3 "$VM_PY" pcap "$WORK/$1.pcap" "$2" "$3" || fail "cannot write the pcap"
	if [ "$4" = - ]; then
		sed -e '/<!-- key -->/,/<!-- \/key -->/d' -e "s|PCAP|$WORK/$1.pcap|; s|KEY_MS|$5|" \
			"$SCEN/vm_uac_ended.xml" >"$WORK/$1.xml"
	else
		sed -e "s|PCAP|$WORK/$1.pcap|; s|KEY_MS|$5|; s|Signal=KEY|Signal=$4|" \
			"$SCEN/vm_uac_ended.xml" >"$WORK/$1.xml"
	fi
	before=$(deposits_logged)
	SCEN=$WORK uac_run "$1" vm1002 -d "$greeting" -mi 127.0.0.1 -mp "$(free_port)" -timeout 60
	[ "$(deposits_logged)" -gt "$before" ] || fail "$1: no message stored before the BYE"
}

ended silence 1.5 4 - 100
python3 "$VM_PY" check "$SPOOL/1002/INBOX/msg0000.wav" 1.5 || fail "the message ended by silence"
grep -q "message 0000 left in box 1002 .*ended by silence" "$WORK/tandemd.log" || fail "not ended by silence"

ended longest 5 0 - 100
python3 "$VM_PY" check "$SPOOL/1002/INBOX/msg0001.wav" 4 || fail "the message cut at max_message"
grep -q "message 0001 left in box 1002 .*ended by maximum length" "$WORK/tandemd.log" || fail "not ended by the maximum"

ended pound 2 0 '#' 2500
python3 "$VM_PY" check "$SPOOL/1002/INBOX/msg0002.wav" 2 || fail "the message ended by #"
grep -q "message 0002 left in box 1002 .*ended by #" "$WORK/tandemd.log" || fail "not ended by #"
assert_no_calls
echo "ok: messages end by silence (trimmed), at the maximum length and by '#' (INFO); tandem hangs up"
