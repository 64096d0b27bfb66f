#!/bin/sh
# A module that answers later (tests/sip/mod_later.c): its dialplan action
# returns SUSPEND and resumes the call from a timer with tandem_call_resume.
# 1. resumed with CONTINUE: the rest of the plan dials the callee;
# 2. resumed with REJECT 486: the caller gets 486;
# 3. the caller CANCELs while suspended: 487, the module's CALL_END hook
#    drops its timer, and no call is left.
. "$(dirname "$0")/calls_lib.sh"
MODDIR=$top_builddir/tests/sip/.libs
[ -f "$MODDIR/mod_later.so" ] || fail "mod_later.so not built (make check builds it)"
EXTRA_RULES="
    { match = \"^later$\"; do = ( \"later(300)\", \"dial(sip:bob@127.0.0.1:$uas_port, 5)\" ); },
    { match = \"^busy$\"; do = ( \"later(200, 486)\" ); },
    { match = \"^slowly$\"; do = ( \"later(5000)\", \"dial(sip:bob@127.0.0.1:$uas_port, 5)\" ); },"
write_calls_config
sed '/^echo: /d; s/^modules = ( "echo" );/modules = ( "later" );/' "$WORK/tandem.conf" >"$WORK/later.conf"
start_tandemd "$WORK/later.conf"

uas_start call_uas
uac_run call_uac later
uas_wait call_uas
grep -q "suspended the plan" "$WORK/tandemd.log" || fail "the plan was not suspended"
grep -q "resumed (continue)" "$WORK/tandemd.log" || fail "the plan was not resumed"

uac_fail 486 busy
grep -q "resumed (reject)" "$WORK/tandemd.log" || fail "no rejection after resuming"

# CANCEL while suspended: the caller waits for a 180 that never comes, so
# its scenario is edited to cancel after the 100 instead
sed '/<recv response="100" optional="true"\/>/d; s|<recv response="180"/>|<recv response="100"/>|' \
	"$SCEN/call_uac_cancel.xml" >"$WORK/cancel_early.xml"
SCEN=$WORK uac_run cancel_early slowly
grep -q "later: call .* ended while suspended" "$WORK/tandemd.log" || fail "CALL_END did not reach the module"
assert_no_calls
[ "$(grep -c "later: call .* resumes" "$WORK/tandemd.log")" -eq 2 ] || fail "a cancelled call was resumed"
echo "ok: SUSPEND then resume with continue and with reject; CANCEL while suspended"
