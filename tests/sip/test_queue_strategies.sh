#!/bin/sh
# Whom a queue offers its callers to (mod_queue, line.h's strategies, SIPp
# over loopback). Agents 1001, 1002 and 1003 register and log in (*45);
# each SIPp phone answers every call it gets (-m: exactly as many as the
# expected orders give it). Queues rr, lr and fc (roundrobin, leastrecent,
# fewestcalls; wrapup 0) each take 12 callers one after another (Queued 1,
# connected, BYE after 300 ms): the first 5 while 1003 is paused (*47, it
# must be skipped), the other 7 once it is back. Sequential callers with
# everyone free would get a,b,c,a,b,c from all three strategies; the pause
# is what tells them apart:
#   roundrobin  goes on after the agent offered last, in member order;
#   leastrecent takes 1003 first (never had a call), then whoever's last
#               call ended longest ago;
#   fewestcalls gives 1003 calls until the counts are level again.
# Then queue wrap (linear, wrapup 3): 1001 takes a caller, the next one goes
# to 1002 (1001 in wrap-up), and once the wrap-up is over 1001 again; queue
# lin (linear, wrapup 0): 1001 takes a caller, logs out (*46), the next one
# goes to 1002.
. "$(dirname "$0")/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
. "$top_srcdir/tests/sip/queue_lib.sh"

AGENTS="1001 1002 1003"
# the first five callers come while 1003 is paused
RR="1001 1002 1001 1002 1001 1002 1003 1001 1002 1003 1001 1002"
LR="1001 1002 1001 1002 1001 1003 1002 1001 1003 1002 1001 1003"
FC="1001 1002 1001 1002 1001 1003 1003 1002 1003 1001 1002 1003"
WRAP="1001 1002 1001"
LIN="1001 1002"

# ring_timeout 5: a wrong order leaves a phone done with its -m calls, and
# a caller offered to it fails in 5 s rather than 15
queue_config 'strategy = "linear";' "$(queue_def rr "$AGENTS" 'strategy = "roundrobin"; wrapup = 0; ring_timeout = 5;'),
  $(queue_def lr "$AGENTS" 'strategy = "leastrecent"; wrapup = 0; ring_timeout = 5;'),
  $(queue_def fc "$AGENTS" 'strategy = "fewestcalls"; wrapup = 0; ring_timeout = 5;'),
  $(queue_def wrap "$AGENTS" 'strategy = "linear"; wrapup = 3; ring_timeout = 5;'),
  $(queue_def lin "$AGENTS" 'strategy = "linear"; wrapup = 0; ring_timeout = 5;')"
start_tandemd "$WORK/tandem.conf"

# calls_for USER: how many calls the expected orders give USER.
calls_for() {
	echo "$RR $LR $FC $WRAP $LIN" | tr ' ' '\n' | grep -c -x "$1"
}
for u in $AGENTS; do
	agent_phone "$u" "$(free_port)" queue_agent -m "$(calls_for "$u")" -timeout 150
	eval "phone_$u=\$PEER_PID"
done

features_done=0
# code CODE USER...: feature codes, and tandem done with their calls (a
# feature call counts as the agent being in a call while it lasts).
code() {
	features "$@"
	features_done=$((features_done + $# - 1))
	wait_log "hung up by a module: queue: feature code done" "$features_done"
}

ncall=0
# callers QUEUE N EXPECTED: N callers of QUEUE, each after the one before
# hung up; after each, the agents QUEUE connected its callers to so far
# must begin EXPECTED (the whole order, all parts).
callers() {
	left=$2   # not i: wait_log's
	while [ "$left" -gt 0 ]; do
		left=$((left - 1)); ncall=$((ncall + 1))
		idle=$(grep -c "destroyed (0 alive)" "$WORK/tandemd.log")
		queue_call "c$ncall-$1" "$WORK/steps" "q-$1"
		# its agent is free once tandem is done with the call (the
		# agent's 200 for the BYE may come after the caller's)
		wait_log "destroyed \(0 alive\)" $((idle + 1))
		got=$(agents_connected "$1")
		n=$(echo "$got" | wc -w)
		want=$(echo "$3" | cut -d ' ' -f 1-"$n")
		[ "$got" = "$want" ] || fail "queue $1 connected callers to: $got; line.h says: $3"
	done
}

# order QUEUE EXPECTED: all of EXPECTED happened.
order() {
	got=$(agents_connected "$1")
	[ "$got" = "$2" ] || fail "queue $1 connected callers to: $got; line.h says: $2"
}

connected_steps 300 >"$WORK/steps"
code '*45' 1001 1002 1003
wait_log "agent 1003 logged in in queue lin"
code '*47' 1003
wait_log "agent 1003 paused in queue lin"
callers rr 5 "$RR"
callers lr 5 "$LR"
callers fc 5 "$FC"
code '*47' 1003
wait_log "agent 1003 unpaused in queue lin"
callers rr 7 "$RR"
callers lr 7 "$LR"
callers fc 7 "$FC"
order rr "$RR"
order lr "$LR"
order fc "$FC"
grep -q "offered to 1003" "$WORK/tandemd.log" || fail "1003 was never offered a caller"

# wrap-up: 1001 ended its call less than 3 s before the next caller joins
callers wrap 2 "$WRAP"
sleep 3
callers wrap 1 "$WRAP"
order wrap "$WRAP"

callers lin 1 "$LIN"
code '*46' 1001
wait_log "agent 1001 logged out in queue lin"
callers lin 1 "$LIN"
order lin "$LIN"

grep -q "no agent answered" "$WORK/tandemd.log" && fail "an agent did not answer: $(grep 'no agent answered' "$WORK/tandemd.log")"
for u in $AGENTS; do
	eval "peer_wait queue_agent-$u \$phone_$u"
done
assert_no_calls
echo "ok: roundrobin, leastrecent and fewestcalls orders over 12 callers each (a paused agent skipped), wrap-up and logged-out agents skipped"
