#!/bin/sh
# A real phone leaves a message: baresip registers as 1001 with its
# password, calls 1003 (not registered: unavailable), passes the 407,
# hears the unavailable greeting and the beep, speaks (its 440 Hz source)
# and hangs up. 1003's INBOX then holds one message from 1001 of about
# the length it spoke after the beep, reason "unavailable".
. "$(dirname "$0")/calls_lib.sh"
. "$top_srcdir/tests/sip/baresip_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
vm_config '
    { match = "^1003$"; do = ( "auth", "dial(${exten}, 3)", "on(busy|noanswer|unavailable): voicemail(${exten})" ); },'
start_tandemd "$WORK/tandem.conf"
phone 1001 "<sip:1001@127.0.0.1:$port>;auth_pass=alice-1001;regint=60"
i=0
until grep -q "registrar: 1001 has 1 binding" "$WORK/tandemd.log"; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "baresip did not register: $(cat "$WORK"/baresip-*.log)"; sleep 0.1
done
greeting=$(prompt_ms vm-unavail vm-leave beep)
talk=$(python3 -c "print($greeting / 1000 + 3)")
python3 "$top_srcdir/tests/sip/vm_baresip.py" "$ctrl_1001" 1003 "$talk" >"$WORK/phone.out" 2>&1 ||
	fail "the phone's call: $(cat "$WORK/phone.out"; tail -n 30 "$WORK"/baresip-*.log)"
phones_stop
[ "$(spool_count 1003 INBOX)" = 1 ] || fail "want 1 message for 1003: $(ls -R "$SPOOL")"
python3 "$VM_PY" meta "$SPOOL/1003/INBOX/msg0000.txt" callerid=1001 box=1003 reason=unavailable ||
	fail "metadata"
ms=$(sed -n 's/^duration_ms=//p' "$SPOOL/1003/INBOX/msg0000.txt")
[ "$ms" -ge 2000 ] && [ "$ms" -le 4000 ] || fail "the message lasts $ms ms, want about 3000"
assert_no_calls
echo "ok: baresip (digest) left a ${ms} ms message in 1003's box"
