#!/bin/sh
# Call control for modules, with tests/sip/mod_ctl.c loaded (SIPp caller and
# callee around tandemd):
#  1. queue: the module sends 182 "Queued 3", "Queued 2", "Queued 1" to the
#     caller (asserted in order), then bridges it unanswered to the callee,
#     whose 200 is relayed;
#  2. BLEG_RESPONSE DONE: the callee's 486 is taken over, the module
#     answers the caller itself (200, ACK, BYE from the caller); again
#     with A's in-dialog requests (re-INVITE answered with the module's SDP,
#     INFO, DTMF INFO to the module) and tandem_call_hangup (BYE to A);
#  3. BLEG_RESPONSE RETRY: a callee's 407 is answered with the module's
#     Proxy-Authorization, the INVITE goes again (same Call-ID and From
#     tag, CSeq one more, no To tag) and the call completes;
#  4. REJECT at BLEG_RESPONSE (the caller gets 403, the callee a CANCEL),
#     at ANSWER (606; the callee's 200 is ACKed and BYEd), at BLEG_CREATE
#     (that target is skipped: alone, the caller gets 404; in a hunt, the
#     next target answers);
#  5. call facts logged at CALL_END (disposition, status, hangup side,
#     context, rule, owner) for answered, busy and cancelled calls, and the
#     second CALL_END handler runs although the first returned DONE.
. "$(dirname "$0")/calls_lib.sh"
MODDIR=$top_builddir/tests/sip/.libs
[ -f "$MODDIR/mod_ctl.so" ] || fail "mod_ctl.so not built (make check builds it)"
B=127.0.0.1:$uas_port
EXTRA_RULES="
    { match = \"^queue$\"; do = ( \"ctl_queue(sip:agent@$B)\" ); },
    { match = \"^tolocal$\"; do = ( \"dial(sip:tolocal@$B, 5)\", \"reject(500, Plan Went On)\" ); },
    { match = \"^tolocalbye$\"; do = ( \"dial(sip:tolocalbye@$B, 5)\" ); },
    { match = \"^auth$\"; do = ( \"dial(sip:auth@$B, 5)\" ); },
    { match = \"^rejresp$\"; do = ( \"dial(sip:rejresp@$B, 5)\" ); },
    { match = \"^rejans$\"; do = ( \"dial(sip:rejans@$B, 5)\" ); },
    { match = \"^rejcreate$\"; do = ( \"dial(sip:rejcreate@$B, 5)\" ); },
    { match = \"^skip$\"; do = ( \"dial(sip:rejcreate@$B|sip:bob@$B, 5)\" ); },"
write_calls_config
sed '/^echo: /d; s/^modules = ( "echo" );/modules = ( "ctl" );/' "$WORK/tandem.conf" >"$WORK/ctl.conf"
start_tandemd "$WORK/ctl.conf"
log=$WORK/tandemd.log

# facts LINE-PATTERN: the facts of the one call whose called number is $1
facts() {
	grep "ctl: facts .* called=$1 " "$log" | tail -n 1
}
has() {
	case "$1" in *"$2"*) ;; *) fail "facts of $3 lack '$2': $1" ;; esac
}

# 1. queue
uas_start call_uas
uac_run ctl_uac_queue queue
uas_wait call_uas
grep -q "bridge done: answered 200" "$log" || fail "the queue's bridge did not report its answer"
f=$(facts queue)
has "$f" "disposition=ANSWERED status=200 side=caller cause=BYE" queue
has "$f" "owner=ctl callee=sip:agent@$B ringing=yes answered=yes ended=yes" queue

# 2. 486 taken over: answered by the module, the plan does not go on
uas_reject 486
uac_run call_uac tolocal
uas_wait call_uas_reject_486
grep -q "ctl: call .* 486 from B-leg 1: taken over" "$log" || fail "no BLEG_RESPONSE DONE"
grep -q "mod_ctl takes the call" "$log" || fail "the core did not hand the call over"
grep -q "answered here after the busy callee: 0" "$log" || fail "tandem_call_answer failed"
grep -q "Plan Went On" "$log" && fail "the dialplan went on after DONE"
f=$(facts tolocal)
has "$f" "disposition=ANSWERED status=200 side=caller cause=BYE" tolocal
has "$f" "owner=ctl" tolocal

# ... and the module keeps the dialog: A's re-INVITE gets the module's SDP
# from the core, a non-DTMF INFO 200, a DTMF INFO reaches the module, then
# the module hangs up (BYE to the caller)
uas_reject 486
uac_run ctl_uac_owned tolocalbye
uas_wait call_uas_reject_486
grep -q "ctl: call .* digit 7 (250 ms)" "$log" || fail "the INFO digit did not reach the owner"
grep -q "hung up by a module: ctl: goodbye" "$log" || fail "tandem_call_hangup did not end the call"
f=$(facts tolocalbye)
has "$f" "disposition=ANSWERED status=200 side=tandem cause=ctl: goodbye" tolocalbye

# 3. 407 and RETRY
uas_start ctl_uas_407
uac_run call_uac auth
uas_wait ctl_uas_407
cseqs=$(grep -E "^CSeq: [0-9]+ INVITE" "$WORK/sipp-ctl_uas_407-msg.log" | awk '{print $2}' | uniq)
set -- $cseqs
[ $# -eq 2 ] && [ "$2" -eq $(($1 + 1)) ] || fail "the INVITE after 407 should have CSeq + 1: got $cseqs"
grep -q "INVITE again for mod_ctl" "$log" || fail "no RETRY logged"

# 4. REJECT at BLEG_RESPONSE, ANSWER, BLEG_CREATE
uas_start call_uas_cancel
uac_fail 403 rejresp
uas_wait call_uas_cancel
grep -q "180 from B-leg sip:rejresp@$B: mod_ctl rejects the call with 403" "$log" ||
	fail "no REJECT at BLEG_RESPONSE"
f=$(facts rejresp)
has "$f" "disposition=FAILED status=403 side=tandem cause=403 rejected by a module" rejresp
uas_start call_uas
uac_fail 606 rejans
uas_wait call_uas
grep -q "refused by mod_ctl: 606" "$log" || fail "no REJECT at ANSWER"
uac_fail 404 rejcreate
grep -q "B-leg sip:rejcreate@$B refused by mod_ctl: 404" "$log" || fail "no REJECT at BLEG_CREATE"
uas_start call_uas
uac_run call_uac skip
uas_wait call_uas
f=$(facts skip)
has "$f" "disposition=ANSWERED" skip
has "$f" "callee=sip:bob@$B" skip

# 5. facts of a plain answered, a busy and a cancelled call
uas_start call_uas
uac_run call_uac bob
uas_wait call_uas
f=$(facts bob)
has "$f" "disposition=ANSWERED status=200 side=caller cause=BYE context=internal rule=^(.+)\$ owner=-" bob
uas_reject 486
uac_fail 486 busy
uas_wait call_uas_reject_486
f=$(facts busy)
has "$f" "disposition=BUSY status=486 side=callee cause=486 Rejected context=internal rule=^(.+)\$" busy
has "$f" "answered=no" busy
uas_start call_uas_cancel
uac_run call_uac_cancel carol
uas_wait call_uas_cancel
f=$(facts carol)
has "$f" "disposition=CANCELLED status=487 side=caller cause=CANCEL context=internal" carol
has "$f" "ringing=yes answered=no ended=yes" carol

# every call met CALL_END's second handler (the first returned DONE)
n=$(grep -c "ctl: facts " "$log")
[ "$n" -eq 11 ] || fail "CALL_END's second handler ran $n times for 11 calls"
assert_no_calls
echo "ok: queue 182s then bridge, 486 taken over, RETRY on 407, REJECT at BLEG_RESPONSE/ANSWER/BLEG_CREATE, call facts"
