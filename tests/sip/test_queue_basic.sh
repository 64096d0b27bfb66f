#!/bin/sh
# A queue that tells callers their place (mod_queue, SIPp over loopback):
# agent 1001 registers, logs in (*45) and pauses (*47); three callers
# queue and get 182 "Queued 1", "Queued 2", "Queued 3" (with
# Queue-Position) and early media (183). The agent unpauses: caller 1 is
# offered to it and connected (200 from the agent's phone), callers 2 and
# 3 get new 182s with 1 and 2; caller 3 CANCELs (caller 2 stays 1); caller
# 2 reaches max_wait and lands in on(timeout) (480 Queue Timeout).
# mod_queuewatch reads it all through mod_queue's state API.
. "$(dirname "$0")/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
. "$top_srcdir/tests/sip/queue_lib.sh"
QUEUE_MODULES=', "queuewatch"'
queue_modules
queue_config 'strategy = "linear"; wait = "early"; max_wait = 12; wrapup = 60; announce = 4;'
start_tandemd "$WORK/tandem.conf"

agent_phone 1001 "$(free_port)" queue_agent
agent=$PEER_PID
feature 1001 '*45'
wait_log "agent 1001 logged in in queue sales"
feature 1001 '*47'
wait_log "agent 1001 paused in queue sales"

connected_steps 2000 1 >"$WORK/steps1"   # caller 1: first, connected, hangs up after 2 s
{   # caller 2: second, then first; times out
	q_pos182 2 1
	q_pos182 1 2
	echo '  <recv response="480"><action><ereg regexp="^SIP/2.0 480 Queue Timeout" search_in="msg" check_it="true" assign_to="t"/></action></recv>'
	q_ack_failure
	echo '  <Reference variables="r1,h1,r2,h2,t"/>'
} >"$WORK/steps2"
{   # caller 3: third, then second; gives up
	q_pos182 3 1
	q_pos182 2 2
	q_cancel
	echo '  <Reference variables="r1,h1,r2,h2"/>'
} >"$WORK/steps3"

queue_caller caller1 "$WORK/steps1"; c1=$PEER_PID
wait_log "joins queue sales at position 1"
queue_caller caller2 "$WORK/steps2"; c2=$PEER_PID
wait_log "joins queue sales at position 2"
queue_caller caller3 "$WORK/steps3"; c3=$PEER_PID
wait_log "joins queue sales at position 3"
wait_log "queuewatch: queue sales linear callers 3 agents 2 free 0"
wait_log "queuewatch: sales caller [^ ]+ position 3"
wait_log "queuewatch: sales agent 1001 paused calls 0"
wait_log "queuewatch: sales agent 1002 logged-out calls 0"
feature 1001 '*47'
wait_log "agent 1001 unpaused in queue sales"
peer_wait caller1 "$c1"
peer_wait queue_agent-1001 "$agent"
peer_wait caller3 "$c3"
peer_wait caller2 "$c2"
grep -q "queue sales: connected to agent 1001" "$WORK/tandemd.log" || fail "caller 1 was not connected"
grep -q "left queue sales (hung up)" "$WORK/tandemd.log" || fail "caller 3's CANCEL was not a departure"
grep -q "queue sales: waited 12 s, the maximum" "$WORK/tandemd.log" || fail "caller 2 did not time out"
wait_log "queuewatch: queue sales linear callers 0 agents 2 free 0 answered 1 abandoned 1 timed_out 1"
wait_log "queuewatch: sales agent 1001 wrapup calls 1"
assert_no_calls
echo "ok: 182 Queued 1/2/3, caller 1 connected when the agent freed up, 2 and 3 moved up, CANCEL, max_wait -> on(timeout)"
