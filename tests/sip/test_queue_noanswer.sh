#!/bin/sh
# An agent who does not answer (mod_queue, SIPp over loopback): queue sales
# is linear with ring_timeout 2; 1001's phone rings and never picks up
# (queue_agent_noanswer.xml: 180, then tandem's CANCEL, 487), 1002 answers.
# Caller 1 is offered to 1001, then, 2 s later, to 1002 (1001 skipped for
# it: linear alone would ring 1001 again) and connected. Caller 2, who
# joined while 1001 rang for caller 1, stays second all along ("Queued 2",
# then "Queued 1" only once caller 1 is connected); then it gets the same
# treatment. Caller 1 is never told anything but "Queued 1".
. "$(dirname "$0")/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
. "$top_srcdir/tests/sip/queue_lib.sh"
queue_config 'strategy = "linear"; ring_timeout = 2; wrapup = 0; max_wait = 15; announce = 0;'
start_tandemd "$WORK/tandem.conf"

agent_phone 1001 "$(free_port)" queue_agent_noanswer -m 2
ring=$PEER_PID
agent_phone 1002 "$(free_port)" queue_agent -m 2
answer=$PEER_PID
features '*45' 1001 1002
wait_log "agent 1001 logged in in queue sales"
wait_log "agent 1002 logged in in queue sales"
wait_log "hung up by a module: queue: feature code done" 2

connected_steps 300 1 >"$WORK/steps1"
connected_steps 300 2 1 >"$WORK/steps2"
queue_caller caller1 "$WORK/steps1"; c1=$PEER_PID
wait_log "queue sales: offered to 1001"
queue_caller caller2 "$WORK/steps2"; c2=$PEER_PID
wait_log "joins queue sales at position 2"
peer_wait caller1 "$c1"
peer_wait caller2 "$c2"
peer_wait queue_agent_noanswer-1001 "$ring"
peer_wait queue_agent-1002 "$answer"

log=$WORK/tandemd.log
id1=$(sed -n 's/.*: call \([^ ]*\): joins queue sales at position 1$/\1/p' "$log")
id2=$(sed -n 's/.*: call \([^ ]*\): joins queue sales at position 2$/\1/p' "$log")
[ -n "$id1" ] && [ -n "$id2" ] || fail "the callers did not join at positions 1 and 2"

# offers CALL: the agents CALL was offered to, in order.
offers() {
	sed -n "s/.*: call $1: queue sales: offered to \\([^ ]*\\)\$/\\1/p" "$log" | tr '\n' ' ' | sed 's/ $//'
}
for id in "$id1" "$id2"; do
	[ "$(offers "$id")" = "1001 1002" ] || fail "call $id was offered to: $(offers "$id"); want 1001 1002"
	grep -q "call $id: queue sales: no agent answered (noanswer), still first" "$log" ||
		fail "call $id: 1001's silence was not a no-answer"
	grep -q "call $id: queue sales: connected to agent 1002 after" "$log" ||
		fail "call $id was not connected to 1002"
done
[ "$(agents_connected sales)" = "1002 1002" ] || fail "connected to: $(agents_connected sales)"

# seconds CALL WHAT: the time of day (s) of CALL's first log line saying WHAT.
seconds() {
	grep -m 1 "call $1: .*$2" "$log" | sed 's/^[^T]*T\([0-9]*\):\([0-9]*\):\([0-9.]*\) .*/\1 \2 \3/' |
		awk '{ print $1 * 3600 + $2 * 60 + $3 }'
}
rang=$(awk -v a="$(seconds "$id1" "offered to 1001")" -v b="$(seconds "$id1" "no agent answered")" \
	'BEGIN { d = b - a; print (d >= 1.8 && d < 3) ? "ok" : d }')
[ "$rang" = ok ] || fail "1001 rang $rang s for caller 1, ring_timeout is 2"

# caller 1 was first throughout: every 182 it got says 1
msg1=$(tr -d '\r' <"$WORK/sipp-caller1-msg.log")
echo "$msg1" | grep "^SIP/2.0 182" | grep -q -v -x "SIP/2.0 182 Queued 1" &&
	fail "caller 1 was told: $(echo "$msg1" | grep '^SIP/2.0 182')"
echo "$msg1" | grep -i "^Queue-Position:" | grep -q -v -i "^Queue-Position: 1;" &&
	fail "caller 1's Queue-Position: $(echo "$msg1" | grep -i '^Queue-Position:')"
[ "$(grep -c "call $id1: queue sales position" "$log")" -eq 1 ] || fail "caller 1's place changed"
# caller 2 moved up only when caller 1 was with 1002, not when 1001 failed it
connected1=$(grep -n "call $id1: queue sales: connected to agent" "$log" | cut -d: -f1)
moved2=$(grep -n "call $id2: queue sales position 1" "$log" | cut -d: -f1)
noanswer1=$(grep -n "call $id1: queue sales: no agent answered" "$log" | cut -d: -f1)
[ -n "$moved2" ] && [ "$moved2" -gt "$connected1" ] && [ "$connected1" -gt "$noanswer1" ] ||
	fail "caller 2 moved up (log line ${moved2:-never}) before caller 1 was connected (line $connected1)"
assert_no_calls
echo "ok: 1001 rang 2 s and was skipped, 1002 answered; callers kept their places (caller 1 only ever Queued 1)"
