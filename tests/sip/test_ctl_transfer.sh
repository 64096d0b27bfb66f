#!/bin/sh
# B-legs a transfer starts meet the BLEG_RESPONSE hook too: the callee
# REFERs the caller to a busy target whose 486 mod_ctl (tests/sip/mod_ctl.c)
# turns into REJECT 403; the transfer then fails with 403, which the
# referrer hears in the final NOTIFY's sipfrag (without the hook it would
# be the target's 486), and the call stays up.
. "$(dirname "$0")/calls_lib.sh"
MODDIR=$top_builddir/tests/sip/.libs
[ -f "$MODDIR/mod_ctl.so" ] || fail "mod_ctl.so not built (make check builds it)"
carol_port=$(free_port)
EXTRA_RULES="
    { match = \"^xferrej$\"; do = ( \"dial(sip:xferrej@127.0.0.1:$carol_port, 5)\" ); },"
write_calls_config
sed '/^echo: /d; s/^modules = ( "echo" );/modules = ( "ctl" );/' "$WORK/tandem.conf" >"$WORK/ctl.conf"
start_tandemd "$WORK/ctl.conf"

sed "s/ CODE / 486 /" "$SCEN/call_uas_reject.xml" >"$WORK/busy.xml"
scen_subst xfer_uac_refer_fail refer_fail "s|REFER_TO|sip:xferrej@127.0.0.1:$port|; s|FINAL|SIP/2.0 403 Forbidden|"
SCEN=$WORK peer_start busy "$carol_port"
busy=$PEER_PID
uas_start call_uas
SCEN=$WORK uac_run refer_fail bob
uas_wait call_uas
peer_wait busy "$busy"
grep -q "ctl: call .* 486 from transfer target sip:xferrej@" "$WORK/tandemd.log" ||
	fail "the transfer's B-leg did not meet BLEG_RESPONSE"
grep -q "transfer failed: 403" "$WORK/tandemd.log" || fail "the transfer did not fail with the hook's code"
assert_no_calls
echo "ok: a transfer's B-leg meets BLEG_RESPONSE, its REJECT fails the transfer with the module's code"
