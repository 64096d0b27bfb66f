#!/bin/sh
# A queue in the metrics: agent 1001 logs in and pauses, a caller waits
# (callers 1, its wait growing, 1001 paused, 1002 logged out), 1001
# unpauses and answers: the caller leaves the line answered, its wait in
# the histogram, 1001 in wrapup; a second caller hangs up while waiting
# (abandoned). The call itself counts ANSWERED, with its post-dial delay
# (the queue's first 182).
. "$(dirname "$0")/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
. "$top_srcdir/tests/sip/queue_lib.sh"
. "$top_srcdir/tests/sip/metrics_lib.sh"
QUEUE_MODULES=', "metrics"'
queue_config 'strategy = "linear"; wait = "early"; wrapup = 60; announce = 0;'
metrics_group >>"$WORK/tandem.conf"
start_tandemd "$WORK/tandem.conf"

agent_phone 1001 "$(free_port)" queue_agent
agent=$PEER_PID
queue_agent_paused sales
connected_steps 1000 1 >"$WORK/steps1"
queue_caller caller1 "$WORK/steps1"; c1=$PEER_PID
wait_log "joins queue sales at position 1"
# caller 2 waits 2.5 s behind caller 1, then hangs up (its 183 of music
# comes right after the 182: caller.c sends them in that order)
{ q_pos182 2 1; echo '  <recv response="183"/>'; q_cancel | sed 's/milliseconds="500"/milliseconds="2500"/'; echo '  <Reference variables="r1,h1"/>'; } >"$WORK/steps2"
grep -q 'milliseconds="2500"' "$WORK/steps2" || fail "no longer wait for caller 2"
queue_caller caller2 "$WORK/steps2"; c2=$PEER_PID
wait_log "joins queue sales at position 2"
sleep 1
scrape "$WORK/m1"
expect "$WORK/m1" 'tandem_queue_callers{queue="sales"}' 2
expect "$WORK/m1" 'tandem_queue_agents{queue="sales",state="paused"}' 1
expect "$WORK/m1" 'tandem_queue_agents{queue="sales",state="logged-out"}' 1
expect "$WORK/m1" 'tandem_queue_agents{queue="sales",state="free"}' 0
expect "$WORK/m1" tandem_calls_active 2
w=$(metric "$WORK/m1" 'tandem_queue_longest_wait_seconds{queue="sales"}')
awk -v w="$w" 'BEGIN { exit !(w >= 1 && w < 10) }' || fail "longest wait $w s, want 1..10"
expect "$WORK/m1" 'tandem_queue_wait_seconds_count{queue="sales"}' 0
peer_wait caller2 "$c2"
wait_log "left queue sales \(hung up\)"
feature 1001 '*47'
wait_log "agent 1001 unpaused in queue sales"
peer_wait caller1 "$c1"
peer_wait queue_agent-1001 "$agent"
grep -q "queue sales: connected to agent 1001" "$WORK/tandemd.log" || fail "caller 1 was not connected"
i=0
until scrape "$WORK/m2" && [ "$(metric "$WORK/m2" tandem_calls_active)" = 0 ]; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "calls still active"; sleep 0.1
done
expect "$WORK/m2" 'tandem_queue_callers{queue="sales"}' 0
expect "$WORK/m2" 'tandem_queue_longest_wait_seconds{queue="sales"}' 0
expect "$WORK/m2" 'tandem_queue_callers_total{queue="sales",outcome="answered"}' 1
expect "$WORK/m2" 'tandem_queue_callers_total{queue="sales",outcome="abandoned"}' 1
expect "$WORK/m2" 'tandem_queue_callers_total{queue="sales",outcome="timeout"}' 0
expect "$WORK/m2" 'tandem_queue_wait_seconds_count{queue="sales"}' 1
expect "$WORK/m2" 'tandem_queue_wait_seconds_bucket{queue="sales",le="+Inf"}' 1
expect "$WORK/m2" 'tandem_queue_wait_seconds_bucket{queue="sales",le="60"}' 1
expect "$WORK/m2" 'tandem_queue_agents{queue="sales",state="wrapup"}' 1
# caller 1 answered, caller 2 gave up; the feature codes were answered too
expect "$WORK/m2" 'tandem_calls_total{disposition="CANCELLED"}' 1
a=$(metric "$WORK/m2" 'tandem_calls_total{disposition="ANSWERED"}')
[ "$a" -ge 2 ] || fail "ANSWERED $a, want the queue call and the feature codes"
assert_no_calls
echo "ok: a queue's callers, waits, agents and outcomes in the metrics"
