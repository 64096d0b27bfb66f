#!/bin/sh
# Transfer corner cases through tandemd:
# 1. the target never answers: after the dial timeout it is CANCELed, the
#    referrer gets a "480" sipfrag and the original call stays up;
# 2. the referrer hangs up right after the NOTIFY "100 Trying" (RFC 5589
#    §6.1): the transfer goes on, the transferee stays up and ends up
#    talking to the target, whose BYE reaches it;
# 3. an INVITE with two Replaces headers gets 400 (RFC 3891 §3);
# 4. the transferee answers tandem's re-INVITE with 491 (glare): tandem
#    sends it again after 2.1-4 s (RFC 3261 §14.1) and the transfer completes.
. "$(dirname "$0")/calls_lib.sh"
carol_port=$(free_port)
EXTRA_RULES="
    { match = \"^carol$\"; do = ( \"dial(sip:carol@127.0.0.1:$carol_port, 5)\" ); },
    { match = \"^slow$\"; do = ( \"dial(sip:slow@127.0.0.1:$carol_port, 2)\" ); },"
write_calls_config
start_tandemd "$WORK/tandem.conf"

# 1. no answer
scen_subst xfer_uac_refer_fail refer_slow "s|REFER_TO|sip:slow@127.0.0.1:$port|; s|FINAL|SIP/2.0 480 |"
peer_start call_uas_cancel "$carol_port"
slow=$PEER_PID
uas_start call_uas
SCEN=$WORK uac_run refer_slow bob
uas_wait call_uas
peer_wait call_uas_cancel "$slow"
grep -q "transfer target did not answer within 2 s" "$WORK/tandemd.log" || fail "no transfer timeout logged"

# 2. the referrer leaves early; carol answers after it is gone
scen_subst xfer_uas_target target_slow "s/TRANSFEREE/bob/g; s/REFERRER/alice/g
0,/^  <send retrans=\"500\">/s//  <pause milliseconds=\"800\"\/>\n&/"
grep -q '<pause milliseconds="800"/>' "$WORK/target_slow.xml" || fail "could not slow the target down"
scen_subst xfer_uas_transferee transferee_bob "s/OFFERER/carol/g"
scen_subst xfer_uac_refer_leave refer_leave "s|REFER_TO|sip:carol@127.0.0.1:$port|"
transfer_run target_slow transferee_bob refer_leave
grep -q "the referrer hung up; the transfer goes on" "$WORK/tandemd.log" || fail "no early hang-up logged"

# 3. two Replaces
sed "s/\"CODE\"/\"400\"/
/^Subject: tandem test/a\\
      Replaces: one@127.0.0.1;to-tag=x1;from-tag=y1\\
      Replaces: two@127.0.0.1;to-tag=x2;from-tag=y2" "$SCEN/call_uac_fail.xml" >"$WORK/replaces_400.xml"
SCEN=$WORK uac_run replaces_400 bob
grep -q "Multiple Replaces" "$WORK/sipp-replaces_400-msg.log" || fail "the 400 does not name the fault"

# 4. 491 from the transferee, then the retry
scen_subst xfer_uas_target target_bob "s/TRANSFEREE/bob/g; s/REFERRER/alice/g"
scen_subst xfer_uas_transferee_491 transferee_491 "s/OFFERER/carol/g"
scen_subst xfer_uac_refer refer_alice "s|REFER_TO|sip:carol@127.0.0.1:$port|"
transfer_run target_bob transferee_491 refer_alice
grep -q "transfer re-INVITE met 491: again in [234]\." "$WORK/tandemd.log" || fail "no retry after 491"
assert_no_calls
echo "ok: transfer target timeout, referrer hanging up early, two Replaces, 491 on the transfer's re-INVITE retried"
