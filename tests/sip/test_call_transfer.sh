#!/bin/sh
# Blind transfer (RFC 3515) through tandemd: the caller, then the callee,
# REFERs the other party to carol. tandem answers 202, calls carol on a
# B-leg of its own (offerless INVITE, tandem's Call-ID, Referred-By passed
# on), NOTIFYs the referrer with sipfrags "100 Trying" then "200 OK", puts
# carol's offer to the transferee in a re-INVITE, ACKs carol with the
# answer and hangs up on the referrer; carol's BYE reaches the transferee.
# A transfer to a busy target ends in a "486 Rejected" sipfrag (the
# target's own status line) and the call stays up; REFER without or with two
# Refer-To gets 400 naming the fault.
. "$(dirname "$0")/calls_lib.sh"
carol_port=$(free_port)
EXTRA_RULES="
    { match = \"^carol$\"; do = ( \"dial(sip:carol@127.0.0.1:$carol_port, 5)\" ); },"
write_calls_config
start_tandemd "$WORK/tandem.conf"

# 1. the caller transfers the callee (bob) to carol
scen_subst xfer_uas_target target_bob "s/TRANSFEREE/bob/g; s/REFERRER/alice/g"
scen_subst xfer_uas_transferee transferee_bob "s/OFFERER/carol/g"
scen_subst xfer_uac_refer refer_alice "s|REFER_TO|sip:carol@127.0.0.1:$port|"
transfer_run target_bob transferee_bob refer_alice
grep -q "transferred" "$WORK/tandemd.log" || fail "no transfer logged"

# 2. the callee transfers the caller (alice) to carol
scen_subst xfer_uas_target target_alice "s/TRANSFEREE/alice/g; s/REFERRER/bob/g"
scen_subst xfer_uas_refer refer_bob "s|REFER_TO|sip:carol@127.0.0.1:$port|"
scen_subst xfer_uac_transferee transferee_alice ""
transfer_run target_alice refer_bob transferee_alice

# 3. carol is busy: the referrer hears so and its call stays up
sed "s/ CODE / 486 /" "$SCEN/call_uas_reject.xml" >"$WORK/busy.xml"
scen_subst xfer_uac_refer_fail refer_fail "s|REFER_TO|sip:carol@127.0.0.1:$port|; s|FINAL|SIP/2.0 486 Rejected|"
SCEN=$WORK peer_start busy "$carol_port"
busy=$PEER_PID
uas_start call_uas
SCEN=$WORK uac_run refer_fail bob
uas_wait call_uas
peer_wait busy "$busy"
grep -q "transfer failed: 486" "$WORK/tandemd.log" || fail "no failed transfer logged"
assert_no_calls
echo "ok: blind transfer by the caller and by the callee, failed transfer, bad REFERs"
