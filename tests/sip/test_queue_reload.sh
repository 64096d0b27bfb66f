#!/bin/sh
# A reload keeps the queue's waiting callers and its agents' state: agent
# 1001 logged in and paused, two callers waiting (182 Queued 1 and 2);
# SIGHUP with a changed queue (a new member 1003, another strategy, new
# limits): the callers are still in line in their order, 1001 still
# paused and logged in; unpaused, it takes caller 1. A broken queue
# config is refused with file:line, the running one stays.
. "$(dirname "$0")/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
. "$top_srcdir/tests/sip/queue_lib.sh"
QUEUE_MODULES=', "queuewatch"'
queue_modules
queue_config 'strategy = "linear"; max_wait = 40; wrapup = 60; announce = 0;'
start_tandemd "$WORK/tandem.conf"
agent_phone 1001 "$(free_port)" queue_agent
agent=$PEER_PID
feature 1001 '*45'
feature 1001 '*47'
wait_log "agent 1001 paused in queue sales"

{ echo '  <recv response="182"/>'; q_talk 1000; } >"$WORK/steps1"
{ echo '  <recv response="182"/>'; q_pos182 1 1; q_cancel; echo '  <Reference variables="r1,h1"/>'; } >"$WORK/steps2"
queue_caller caller1 "$WORK/steps1"; c1=$PEER_PID
wait_log "joins queue sales at position 1"
queue_caller caller2 "$WORK/steps2"; c2=$PEER_PID
wait_log "joins queue sales at position 2"

reload() {
	n=$(grep -c "SIGHUP: reloading" "$WORK/tandemd.log")
	kill -HUP "$TANDEM_PID"
	i=0
	until [ "$(grep -c -E "reload failed|mod_queue: reloaded" "$WORK/tandemd.log")" -gt "$n" ]; do
		i=$((i + 1)); [ $i -lt 50 ] || fail "the reload did not finish"; sleep 0.1
	done
}
cp "$WORK/tandem.conf" "$WORK/tandem.good"
sed -i 's|members = ( "1001", "1002" ); strategy = "linear";|members = ( "1001", "1002" ); strategy = "sideways";|' "$WORK/tandem.conf"
reload
grep -q "mod_queue: .*tandem.conf:[0-9]*: queue sales: strategy 'sideways'" "$WORK/tandemd.log" ||
	fail "the bad strategy was not reported with file:line"
sed 's|members = ( "1001", "1002" ); strategy = "linear";|members = ( "1001", "1002", "1003" ); strategy = "roundrobin"; max_callers = 5;|' \
	"$WORK/tandem.good" >"$WORK/tandem.conf"
reload
grep -q "mod_queue: reloaded, 1 queues" "$WORK/tandemd.log" || fail "the reload was refused"
wait_log "queuewatch: queue sales roundrobin callers 2 agents 3 free 0"
wait_log "queuewatch: sales agent 1001 paused calls 0"
feature 1001 '*47'
peer_wait caller1 "$c1"
peer_wait caller2 "$c2"
peer_wait queue_agent-1001 "$agent"
grep -q "queue sales: connected to agent 1001" "$WORK/tandemd.log" || fail "caller 1 was not connected after the reload"
assert_no_calls
echo "ok: a reload kept both callers in order and the agent's state; a bad one was refused with file:line"
