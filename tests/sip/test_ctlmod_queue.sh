#!/bin/sh
# The modules' control commands, mod_queue: agent 1001 logs in and pauses,
# two SIPp callers wait in queue sales; `queues` shows the queue with 2
# waiting (table and JSON), `queues sales` its callers in line (position,
# caller, waiting seconds) and agents (paused, logged-out). The agent
# unpauses: caller 1 is connected, caller 2 moves up to position 1, the
# agent shows in-call; once all have gone the counters and the agent's
# calls taken show it.
. "$(dirname "$0")/ctlmod_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
. "$top_srcdir/tests/sip/queue_lib.sh"
CTL_SOCK="$WORK/state/tandemd.ctl"
queue_config 'strategy = "linear"; wait = "early"; max_wait = 30; wrapup = 60;'
start_tandemd "$WORK/tandem.conf"

ctl_ok --json queues
json_assert 'v == [{"queue": "sales", "strategy": "linear", "waiting": 0, "longest_wait": 0, "agents": 2, "agents_free": 0, "answered": 0, "abandoned": 0, "timed_out": 0, "average_wait": 0}]'

agent_phone 1001 "$(free_port)" queue_agent
agent=$PEER_PID
queue_agent_paused sales

connected_steps 3000 1 >"$WORK/steps1"   # caller 1: first, connected, hangs up after 3 s
{   # caller 2: second, then first; gives up 2.5 s later
	q_pos182 2 1
	q_pos182 1 2
	echo '  <pause milliseconds="2000"/>'
	q_cancel
	echo '  <Reference variables="r1,h1,r2,h2"/>'
} >"$WORK/steps2"
queue_caller caller1 "$WORK/steps1"; c1=$PEER_PID
wait_log "joins queue sales at position 1"
queue_caller caller2 "$WORK/steps2"; c2=$PEER_PID
wait_log "joins queue sales at position 2"
sleep 1

ctl_ok --json queues
json_assert 'len(v) == 1 and v[0]["queue"] == "sales" and v[0]["waiting"] == 2'
json_assert 'v[0]["agents"] == 2 and v[0]["agents_free"] == 0 and v[0]["longest_wait"] >= 1'
ctl_ok queues
head -n 1 "$WORK/ctl.out" | grep -q "^queue  *strategy  *waiting  *longest_wait  *agents  *agents_free" ||
	fail "queues header: $(head -n 1 "$WORK/ctl.out")"
grep -q "^sales  *linear  *2  *[0-9]*  *2  *0 " "$WORK/ctl.out" || fail "queues row: $(cat "$WORK/ctl.out")"

ctl_ok --json queues sales
json_assert 'v["queue"] == "sales" and v["waiting"] == 2 and v["agents"] == 2 and [c["position"] for c in v["callers"]] == [1, 2]'
json_assert 'all("sip:caller-" in c["caller"] for c in v["callers"])'
json_assert 'v["callers"][0]["waiting"] >= v["callers"][1]["waiting"] >= 1'
json_assert 'v["callers"][0]["call_id"] != v["callers"][1]["call_id"]'
json_assert '[(a["agent"], a["state"], a["calls_taken"]) for a in v["members"]] == [("1001", "paused", 0), ("1002", "logged-out", 0)]'
ctl_ok queues sales
grep -q "^  position  *caller  *waiting" "$WORK/ctl.out" || fail "no callers table: $(cat "$WORK/ctl.out")"
grep -q "^  agent  *state  *calls_taken" "$WORK/ctl.out" || fail "no agents table: $(cat "$WORK/ctl.out")"
grep -q "^  1001  *paused  *0" "$WORK/ctl.out" || fail "agent 1001's row: $(cat "$WORK/ctl.out")"

# the agent comes back: caller 1 goes to it, caller 2 is first now
feature 1001 '*47'
wait_log "agent 1001 unpaused in queue sales"
ctl_wait 'len(v["callers"]) == 1 and v["callers"][0]["position"] == 1 and v["members"][0]["state"] == "in-call"' \
	queues sales
peer_wait caller2 "$c2"
peer_wait caller1 "$c1"
peer_wait queue_agent-1001 "$agent"
ctl_wait 'v[0]["waiting"] == 0 and v[0]["answered"] == 1 and v[0]["abandoned"] == 1' queues
ctl_ok --json queues sales
json_assert 'v["callers"] == [] and v["members"][0]["agent"] == "1001" and v["members"][0]["calls_taken"] == 1'
json_assert 'v["members"][0]["state"] == "wrapup" and v["members"][0]["last_call"] is not None'

ctl_expect 4 queues nosuch
grep -q "no queue nosuch" "$WORK/ctl.err" || fail "notfound message: $(cat "$WORK/ctl.err")"
ctl_expect 2 queues sales more
assert_no_calls
