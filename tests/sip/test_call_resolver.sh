#!/bin/sh
# Dial target resolvers (include/tandem/call.h) and the one dial engine,
# through a test module serving the invented scheme test:NAME
# (tests/sip/mod_testresolve.c):
# 1. dial(test:bob) rings the SIPp callee the module names, with the
#    header line the resolver added; the call completes;
# 2. an unknown NAME: the caller gets the resolver's own status (410);
# 3. a resolution answered from a timer 200 ms later: the call completes;
# 4. a resolution still pending when the dial times out: the caller gets
#    480 and the resolver's abandon runs;
# 5. the caller CANCELs while a resolution is pending: 487, abandon runs,
#    no call is left;
# 6. hunt test:busy|test:bob: the first rejects 486, the second answers;
# 7. parallel test:bob&test:carol: bob answers, carol is CANCELled;
#    parallel test:never&test:bob: bob answers, the pending resolution of
#    never is abandoned; hunt test:busy|test:bob with busy declining 603:
#    the caller gets 603 and bob is never rung (RFC 3261 §16.7 step 5);
# 8. a transfer (REFER) whose target plan is test:busy|test:carol: the
#    transfer's dial goes through the same engine, carol answers;
# 9. a MESSAGE to test:slow waits for the resolver too, and one whose
#    resolver never answers gets 480 once calls.dial_timeout (5 s) is over;
# 10. a dial() of a scheme no module serves is refused at load with
#    file:line.
. "$(dirname "$0")/calls_lib.sh"
MODDIR=$top_builddir/tests/sip/.libs
[ -f "$MODDIR/mod_testresolve.so" ] || fail "mod_testresolve.so not built (make check builds it)"
carol_port=$(free_port)
busy_port=$(free_port)
EXTRA_RULES="
    { match = \"^bob$\"; do = ( \"dial(test:bob, 5)\" ); },
    { match = \"^nobody$\"; do = ( \"dial(test:nobody, 5)\" ); },
    { match = \"^slow$\"; do = ( \"dial(test:slow, 5)\" ); },
    { match = \"^never$\"; do = ( \"dial(test:never, 5)\" ); },
    { match = \"^neverto$\"; do = ( \"dial(test:never, 1)\" ); },
    { match = \"^hunt$\"; do = ( \"dial(test:busy | test:bob, 5)\" ); },
    { match = \"^group$\"; do = ( \"dial(test:bob & test:carol, 5)\" ); },
    { match = \"^racing$\"; do = ( \"dial(test:never & test:bob, 5)\" ); },
    { match = \"^carol$\"; do = ( \"dial(test:busy | test:carol, 5)\" ); },"
write_calls_config "
testresolve: {
  unknown = 410;
  targets = (
    { name = \"bob\"; port = $uas_port; },
    { name = \"carol\"; port = $carol_port; },
    { name = \"busy\"; port = $busy_port; },
    { name = \"slow\"; port = $uas_port; later_ms = 200; },
    { name = \"never\"; port = $uas_port; later_ms = 8000; }
  );
};"
sed '/^echo: /d; s/^modules = ( "echo" );/modules = ( "testresolve" );/' "$WORK/tandem.conf" >"$WORK/resolve.conf"

# 10. first, without the daemon: a typo in a scheme is a load error
sed 's/dial(test:nobody, 5)/dial(tset:nobody, 5)/' "$WORK/resolve.conf" >"$WORK/typo.conf"
"$TANDEMD" --check-config -c "$WORK/typo.conf" -M "$MODDIR" >"$WORK/check.out" 2>&1 &&
	fail "--check-config accepted a dial of a scheme nobody serves"
grep -q "typo.conf:[0-9]*: dial: no module serves 'tset:' targets" "$WORK/check.out" ||
	fail "the load error does not name file:line and the scheme: $(cat "$WORK/check.out")"
"$TANDEMD" --check-config -c "$WORK/resolve.conf" -M "$MODDIR" >"$WORK/check.out" 2>&1 ||
	fail "--check-config refused test: with mod_testresolve loaded: $(cat "$WORK/check.out")"

start_tandemd "$WORK/resolve.conf"

# 1. resolved at once
uas_start call_uas
uac_run call_uac bob
uas_wait call_uas
grep -q "^X-Resolved-By: testresolve" "$WORK/sipp-call_uas-msg.log" ||
	fail "the resolver's header line did not reach the callee"
grep -q "B-leg test:bob " "$WORK/tandemd.log" || fail "no B-leg labelled test:bob"

# 2. the resolver's status reaches the caller
uac_fail 410 nobody
grep -q "testresolve: no nobody: 410" "$WORK/tandemd.log" || fail "the resolver was not asked"

# 3. answered 200 ms later
uas_start call_uas
uac_run call_uac slow
uas_wait call_uas
grep -q "testresolve: slow pending for 200 ms" "$WORK/tandemd.log" || fail "slow was not pending"
grep -q "testresolve: slow answered later: 0" "$WORK/tandemd.log" || fail "slow was not answered later"

# 4. the dial timeout covers a pending resolution
uac_fail 480 neverto
grep -q "no answer within 1 s" "$WORK/tandemd.log" || fail "the timeout did not fire"
[ "$(grep -c "testresolve: never abandoned" "$WORK/tandemd.log")" -eq 1 ] ||
	fail "the timed-out resolution was not abandoned once"

# 5. CANCEL while pending: the caller waits for a 180 that never comes, so
# its scenario is edited to cancel after the 100 instead
sed '/<recv response="100" optional="true"\/>/d; s|<recv response="180"/>|<recv response="100"/>|' \
	"$SCEN/call_uac_cancel.xml" >"$WORK/cancel_early.xml"
SCEN=$WORK uac_run cancel_early never
[ "$(grep -c "testresolve: never abandoned" "$WORK/tandemd.log")" -eq 2 ] ||
	fail "the cancelled resolution was not abandoned"

# 6. hunt: busy rejects 486, then bob answers
sed "s/ CODE / 486 /" "$SCEN/call_uas_reject.xml" >"$WORK/busy.xml"
SCEN=$WORK peer_start busy "$busy_port"
busy_pid=$PEER_PID
uas_start call_uas
uac_run call_uac hunt
uas_wait call_uas
peer_wait busy "$busy_pid"
grep -q "B-leg test:busy failed: 486" "$WORK/tandemd.log" || fail "the hunt did not try busy first"

# 7. parallel: bob answers at once, carol rings and is CANCELled
peer_start call_uas_cancel "$carol_port"
carol_pid=$PEER_PID
uas_start call_uas
uac_run call_uac group
uas_wait call_uas
peer_wait call_uas_cancel "$carol_pid"

# a pending resolution loses to a callee that answers
uas_start call_uas
uac_run call_uac racing
uas_wait call_uas
[ "$(grep -c "testresolve: never abandoned" "$WORK/tandemd.log")" -eq 3 ] ||
	fail "the resolution that lost the race was not abandoned"

# a 6xx ends the hunt: nothing listens on bob's port, and the caller gets 603
sed "s/ CODE / 603 /" "$SCEN/call_uas_reject.xml" >"$WORK/decline.xml"
SCEN=$WORK peer_start decline "$busy_port"
decline_pid=$PEER_PID
uac_fail 603 hunt
peer_wait decline "$decline_pid"
grep -q "603 from test:busy: no further target is tried" "$WORK/tandemd.log" ||
	fail "the hunt went on after a 603"

# 8. the caller transfers bob to carol; carol's plan hunts busy then carol
scen_subst xfer_uas_target target_bob "s/TRANSFEREE/bob/g; s/REFERRER/alice/g"
scen_subst xfer_uas_transferee transferee_bob "s/OFFERER/carol/g"
scen_subst xfer_uac_refer refer_alice "s|REFER_TO|sip:carol@127.0.0.1:$port|"
SCEN=$WORK peer_start busy "$busy_port"
busy_pid=$PEER_PID
transfer_run target_bob transferee_bob refer_alice
peer_wait busy "$busy_pid"
grep -q "transfer target test:carol answered" "$WORK/tandemd.log" || fail "carol did not answer the transfer"
grep -q "transferred" "$WORK/tandemd.log" || fail "no transfer logged"
[ "$(grep -c "B-leg test:busy failed: 486" "$WORK/tandemd.log")" -eq 2 ] ||
	fail "the transfer's dial did not hunt through busy"

# 9. MESSAGE through a resolver answering later
n_slow=$(grep -c "testresolve: slow answered later" "$WORK/tandemd.log")
uas_start call_uas_message
uac_run call_uac_message slow
uas_wait call_uas_message
[ "$(grep -c "testresolve: slow answered later" "$WORK/tandemd.log")" -eq $((n_slow + 1)) ] ||
	fail "the MESSAGE did not wait for the resolver"
sed 's/"200"/"480"/' "$SCEN/call_uac_message.xml" >"$WORK/message_480.xml"
grep -q '"480"' "$WORK/message_480.xml" || fail "call_uac_message.xml no longer expects a 200"
SCEN=$WORK uac_run message_480 never
grep -q "MESSAGE .*: no resolution within 5 s" "$WORK/tandemd.log" || fail "no MESSAGE timeout logged"
[ "$(grep -c "testresolve: never abandoned" "$WORK/tandemd.log")" -eq 4 ] ||
	fail "the MESSAGE's resolution was not abandoned"

assert_no_calls
grep -q "still pending at stop" "$WORK/tandemd.log" && fail "a resolution was never abandoned"
echo "ok: test: resolver at once, unknown name, later, timed out and CANCELled while pending; hunt, parallel and a transfer through the one dial engine; an unserved scheme refused at load"
