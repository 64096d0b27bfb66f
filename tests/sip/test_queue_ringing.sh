#!/bin/sh
# An agent whose phone rings for a call of its own is not offered a queue
# caller (app_queue users complain of agents rung while busy): 1001 (a
# static member) is rung directly and does not answer; a caller queues
# meanwhile and is not offered to 1001 while that rings (mod_queuewatch
# shows 1001 in-call); once the direct call gives up (its 3 s dial
# timeout), the caller is offered to 1001 (its phone's 180 reaches the
# caller), who then gives up.
. "$(dirname "$0")/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
. "$top_srcdir/tests/sip/queue_lib.sh"
QUEUE_MODULES=', "queuewatch"'
queue_modules
queue_config 'strategy = "linear"; autologin = true; max_wait = 30; announce = 0; ring_timeout = 5;'
sed -i 's|    { match = "^q\$";|    { match = "^d(1[0-9]{3})$"; do = ( "dial(${1}, 3)" ); },\n    { match = "^q$";|' "$WORK/tandem.conf"
start_tandemd "$WORK/tandem.conf"
agent_phone 1001 "$(free_port)" queue_agent_noanswer -m 2
phone=$PEER_PID

# the direct call rings 1001 for 3 s, then fails (480)
sed "s/\"CODE\"/\"480\"/" "$SCEN/call_uac_fail.xml" >"$WORK/direct.xml"
SCEN=$WORK peer_start direct "$(free_port)" 127.0.0.1:"$port" -s d1001 -timeout 30
direct=$PEER_PID
wait_log "B-leg 1001 "
{ q_pos182 1 1; echo '  <recv response="183"/>'; echo '  <recv response="180"/>'; q_cancel; echo '  <Reference variables="r1,h1"/>'; } >"$WORK/steps"
queue_caller caller "$WORK/steps"; caller=$PEER_PID
wait_log "joins queue sales at position 1"
wait_log "queuewatch: sales agent 1001 in-call"
grep -q "queue sales: offered to 1001" "$WORK/tandemd.log" && fail "1001 was offered while its phone rang"
peer_wait direct "$direct"
wait_log "queue sales: offered to 1001"
peer_wait caller "$caller"
peer_wait queue_agent_noanswer-1001 "$phone"
assert_no_calls
echo "ok: a member ringing for a direct call was not offered; offered once that call gave up"
