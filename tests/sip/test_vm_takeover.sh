#!/bin/sh
# voicemail.takeover = true: the BLEG_RESPONSE hook takes a busy callee's
# caller straight to the callee's box (no on(busy) in the dialplan):
# 1. 1002's only phone answers 486: the caller is answered by voicemail
#    (busy greeting) and its audio is stored in 1002's INBOX; the dialplan's
#    fallback (a 603) never reaches it.
# 2. 1002 has two phones, one busy, one that answers: one busy fork is no
#    final answer (RFC 3261 §16.7), the caller talks to the other phone and
#    nothing is taken over.
. "$(dirname "$0")/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
VM_SETTINGS='takeover = true;'
vm_config '
    { match = "^t(1[0-9]{3})$"; do = ( "dial(${1}, 5)", "on(busy|fail): reject(603, Decline)" ); },'
start_tandemd "$WORK/tandem.conf"
greeting=$(($(prompt_ms vm-busy vm-leave beep) + 800))

# register_phone PORT: a SIPp phone registers as 1002 from PORT
register_phone() {
	sipp -sf "$SCEN/vm_phone_register.xml" -m 1 -p "$1" -i 127.0.0.1 -nostdin -timeout 15 \
		-timeout_error -s 1002 -au 1002 -ap bob-1002 127.0.0.1:"$port" >"$WORK/register-$1.out" 2>&1 ||
		fail "phone $1 did not register: $(cat "$WORK/register-$1.out")"
}

# 1. the only phone is busy
busy_port=$(free_port)
register_phone "$busy_port"
sed "s/ CODE / 486 /" "$SCEN/call_uas_reject.xml" >"$WORK/busy1.xml"
SCEN=$WORK peer_start busy1 "$busy_port"
busy=$PEER_PID
deposit t1002 2 "$greeting" takeover
peer_wait busy1 "$busy"
grep -q "486 from 1002: taken to box 1002" "$WORK/tandemd.log" || fail "the busy callee's caller was not taken over"
python3 "$VM_PY" check "$SPOOL/1002/INBOX/msg0000.wav" 2 || fail "the message left after the takeover"
python3 "$VM_PY" meta "$SPOOL/1002/INBOX/msg0000.txt" reason=busy box=1002 || fail "metadata"
grep -q "603 Decline" "$WORK/tandemd.log" && fail "the dialplan's fallback ran after the takeover"

# 2. a second phone answers while the first is busy: no takeover
answer_port=$(free_port)
register_phone "$answer_port"
sed "s/ CODE / 486 /" "$SCEN/call_uas_reject.xml" >"$WORK/busy2.xml"
SCEN=$WORK peer_start busy2 "$busy_port"
busy=$PEER_PID
peer_start call_uas "$answer_port"
answer=$PEER_PID
uac_run call_uac t1002
peer_wait call_uas "$answer"
peer_wait busy2 "$busy"
[ "$(grep -c "taken to box" "$WORK/tandemd.log")" = 1 ] || fail "a busy fork was taken over while another phone rang"
[ "$(spool_count 1002 INBOX)" = 1 ] || fail "a message appeared for the answered call"
assert_no_calls
echo "ok: takeover: the only busy phone's caller left a message; a busy fork beside an answering phone was not taken"
