#!/bin/sh
# CANCEL before the answer (caller: 200 + 487; callee: CANCEL), and the dial
# timeout (callee CANCELed, the dialplan's on(noanswer) answers 480).
. "$(dirname "$0")/calls_lib.sh"
write_calls_config
start_tandemd "$WORK/tandem.conf"
uas_start call_uas_cancel
uac_run call_uac_cancel bob
uas_wait call_uas_cancel
uas_start call_uas_cancel
uac_fail 480 noanswer
uas_wait call_uas_cancel
grep -q "no answer within 2 s" "$WORK/tandemd.log" || fail "the dial timeout did not fire"
grep -q "answered 480 No Answer Here" "$WORK/tandemd.log" || fail "on(noanswer) did not answer"
assert_no_calls
echo "ok: CANCEL before answer, no answer -> 480"
