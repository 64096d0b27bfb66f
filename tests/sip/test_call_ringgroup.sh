#!/bin/sh
# Ring groups: parallel a&b (the first 2xx wins, the other callee is
# CANCELed) and hunt a|b (the first rejects, the second answers). A loser
# whose 200 crosses the CANCEL gets ACK and then BYE (RFC 3261 §13.2.2.4).
. "$(dirname "$0")/calls_lib.sh"
port2=$(free_port)
UAS2_PID=""
trap '[ -n "$UAS2_PID" ] && kill -KILL "$UAS2_PID" 2>/dev/null; calls_cleanup' EXIT
EXTRA_RULES="
    { match = \"^group$\"; do = ( \"dial(sip:bob@127.0.0.1:$uas_port & sip:carol@127.0.0.1:$port2, 5)\" ); },
    { match = \"^hunt$\"; do = ( \"dial(sip:carol@127.0.0.1:$port2 | sip:bob@127.0.0.1:$uas_port, 5)\" ); },"
write_calls_config
start_tandemd "$WORK/tandem.conf"

# group_call CAROL_SCENARIO: alice calls the group; bob answers at once,
# carol plays the scenario given
group_call() {
	UAS_PORT_USE=$port2 uas_start "$1"
	UAS2_PID=$UAS_PID
	uas_start call_uas
	uac_run call_uac group
	uas_wait call_uas
	UAS_PID=$UAS2_PID; UAS2_PID=""
	uas_wait "$1"
}

# parallel: carol only rings and is CANCELed once bob answers
group_call call_uas_cancel

# hunt: carol is unavailable, then bob answers
sed "s/ CODE / 480 /" "$SCEN/call_uas_reject.xml" >"$WORK/call_uas_reject_480.xml"
SCEN="$WORK" UAS_PORT_USE=$port2 uas_start call_uas_reject_480
UAS2_PID=$UAS_PID
uas_start call_uas
uac_run call_uac hunt
uas_wait call_uas
UAS_PID=$UAS2_PID; UAS2_PID=""
uas_wait call_uas_reject_480

# parallel again: carol answers after the CANCEL (late 2xx)
group_call call_uas_late200
grep -q "late 200 from sip:carol@.*: ACK and BYE" "$WORK/tandemd.log" || fail "the late 2xx was not logged"
assert_no_calls
echo "ok: parallel ring group, hunt group, late 2xx from a loser gets ACK and BYE"
