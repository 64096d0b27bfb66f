#!/bin/sh
# Leaving a voicemail (mod_voicemail), with message-waiting:
# 1. An MWI subscriber for box 1002 is challenged (401), then, with 1002's
#    digest, gets 200 and NOTIFY "0/0"; a user who is not the owner gets 403.
# 2. A SIPp caller calls 1002, whose SIPp callee answers 486: tandem answers
#    with the busy greeting and the beep; the caller streams 3 s of known
#    audio (a pcap) and hangs up. The box's INBOX holds msg0000.wav with that
#    audio (3 s +-1 frame, the same samples) and its metadata names the
#    caller, its name, the box and "busy"; the subscriber gets NOTIFY "1/0".
# 3. 1002 rings and does not answer: after the 3 s dial timeout the caller
#    hears the unavailable greeting and leaves msg0001 ("unavailable").
# 4. A message under min_message is not kept.
. "$(dirname "$0")/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
vm_config
start_tandemd "$WORK/tandem.conf"

# 1. message-waiting: challenged, then the owner's first NOTIFY
subscriber_start 1002 1002 bob-1002 0/0 yes 1/0
sed "s|nosy@|1001@|" "$SCEN/vm_sub_forbidden.xml" >"$WORK/vm_sub_forbidden.xml"
SCEN=$WORK uac_run vm_sub_forbidden 1002 -au 1001 -ap alice-1001 -auth_uri "1002@127.0.0.1:$port"

# 2. busy: the busy greeting, then the caller's audio is recorded
busy_greeting=$(($(prompt_ms vm-busy vm-leave beep) + 800))
uas_reject 486
deposit 1002 3 "$busy_greeting" busy
uas_wait call_uas_reject_486
peer_wait "sub-1002" "$SUB_PID"
[ "$(spool_count 1002 INBOX)" = 1 ] || fail "want 1 message in 1002's INBOX: $(ls -R "$SPOOL")"
python3 "$VM_PY" check "$SPOOL/1002/INBOX/msg0000.wav" 3 || fail "the stored audio is not what the caller sent"
python3 "$VM_PY" meta "$SPOOL/1002/INBOX/msg0000.txt" callerid=1001 'callername=Alice "A" Smith' \
	box=1002 reason=busy || fail "metadata"
grep -q "message 0000 left in box 1002 by 1001 .*busy" "$WORK/tandemd.log" || fail "no deposit log line"
grep -q "call .*: to box 1002 (busy)" "$WORK/tandemd.log" || fail "not the busy greeting"

# 3. no answer: the unavailable greeting
greeting=$(($(prompt_ms vm-unavail vm-leave beep) + 800))
uas_start call_uas_cancel
deposit 1002 2 "$((greeting + 3000))" noanswer
uas_wait call_uas_cancel
[ "$(spool_count 1002 INBOX)" = 2 ] || fail "want 2 messages in 1002's INBOX: $(ls -R "$SPOOL")"
python3 "$VM_PY" check "$SPOOL/1002/INBOX/msg0001.wav" 2 || fail "the second message's audio"
python3 "$VM_PY" meta "$SPOOL/1002/INBOX/msg0001.txt" reason=unavailable box=1002 || fail "metadata"
grep -q "call .*: to box 1002 (unavailable)" "$WORK/tandemd.log" || fail "not the unavailable greeting"

# 4. too short: dropped, nothing left behind
deposit vm1003 0.4 "$busy_greeting" short
[ "$(spool_count 1003 INBOX)" = 0 ] || fail "a 0.4 s message was kept"
[ -z "$(ls -A "$SPOOL/1003/tmp")" ] || fail "a dropped message left $(ls "$SPOOL/1003/tmp")"
grep -q "message for box 1003 dropped: .* under the 1000 ms minimum" "$WORK/tandemd.log" ||
	fail "the short message was not reported as dropped"

assert_no_calls
last=$(grep "port pairs released" "$WORK/tandemd.log" | tail -n 1)
case "$last" in *", 0 in use") ;; *) fail "media ports still in use: $last" ;; esac
echo "ok: busy and no-answer messages stored with the caller's audio and metadata, MWI NOTIFY on deposit, owner-only subscriptions"
