#!/bin/sh
# The issue's queue test: two agents (static members, SIPp phones) both
# busy in calls of their own; three callers queue and get 182 Queued 1, 2
# and 3. Agent 1001's call ends: caller 1 is connected to 1001 and media
# flows both ways (the relay's counters), callers 2 and 3 get new 182s;
# caller 3 CANCELs and caller 2 stays first; caller 2 reaches max_wait and
# lands in the timeout continuation (a reject here). 1002's own call ends
# later: it was never rung while busy.
. "$(dirname "$0")/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
. "$top_srcdir/tests/sip/queue_lib.sh"
queue_config 'strategy = "ringall"; autologin = true; max_wait = 12; wrapup = 60; announce = 0;'
sed -i 's|    { match = "^q\$";|    { match = "^d(1[0-9]{3})$"; do = ( "dial(${1}, 10)" ); },\n    { match = "^q$";|' "$WORK/tandem.conf"
grep -q '"^d(1\[0-9\]{3})\$"' "$WORK/tandem.conf" || fail "the direct-call rule was not added"
start_tandemd "$WORK/tandem.conf"

# each agent's phone answers two calls: its own, then (maybe) the queue's
agent_phone 1001 "$(free_port)" queue_agent -m 2 -rtp_echo -mi 127.0.0.1 -mp "$(free_port)"
a1=$PEER_PID
agent_phone 1002 "$(free_port)" queue_agent -m 1
a2=$PEER_PID

# both agents busy in calls of their own (8 s and 26 s)
q_talk 8000 >"$WORK/busy1"
q_talk 26000 >"$WORK/busy2"
sed -e "/^STEPS\$/r $WORK/busy1" -e '/^STEPS$/d' "$SCEN/queue_uac.xml" >"$WORK/direct1.xml"
sed -e "/^STEPS\$/r $WORK/busy2" -e '/^STEPS$/d' "$SCEN/queue_uac.xml" >"$WORK/direct2.xml"
SCEN=$WORK peer_start direct1 "$(free_port)" 127.0.0.1:"$port" -s d1001 -timeout 90
d1=$PEER_PID
SCEN=$WORK peer_start direct2 "$(free_port)" 127.0.0.1:"$port" -s d1002 -timeout 90
d2=$PEER_PID
wait_log "answered \(B Call-ID" 2

python3 "$VM_PY" pcap "$WORK/talk.pcap" 1.5 || fail "cannot write the pcap"
{ q_pos182 1 1; q_talk 2500 "$WORK/talk.pcap"; echo '  <Reference variables="r1,h1"/>'; } >"$WORK/steps1"
{ q_pos182 2 1; q_pos182 1 2; echo '  <recv response="480"/>'; q_ack_failure
  echo '  <Reference variables="r1,h1,r2,h2"/>'; } >"$WORK/steps2"
{ q_pos182 3 1; q_pos182 2 2; q_cancel; echo '  <Reference variables="r1,h1,r2,h2"/>'; } >"$WORK/steps3"
queue_caller caller1 "$WORK/steps1"; c1=$PEER_PID
wait_log "joins queue sales at position 1"
queue_caller caller2 "$WORK/steps2"; c2=$PEER_PID
wait_log "joins queue sales at position 2"
queue_caller caller3 "$WORK/steps3"; c3=$PEER_PID
wait_log "joins queue sales at position 3"

peer_wait direct1 "$d1"
peer_wait caller1 "$c1"
peer_wait caller3 "$c3"
peer_wait caller2 "$c2"
peer_wait queue_agent-1001 "$a1"
peer_wait direct2 "$d2"
peer_wait queue_agent-1002 "$a2"
grep -q "queue sales: connected to agent 1001" "$WORK/tandemd.log" || fail "caller 1 did not get 1001"
# media flowed once connected: caller 1's audio reached the agent, which
# echoed it back (the relay's counters at the call's end)
cid1=$(sed -n 's/.*mod_queue: call \([^ ]*\): queue sales: connected to agent 1001.*/\1/p' "$WORK/tandemd.log")
for side in A B; do
	rx=$(sed -n "s/.*rtprelay: call $cid1 stream 0 side $side: rx_pkts=\([0-9]*\).*/\1/p" "$WORK/tandemd.log")
	[ "${rx:-0}" -ge 50 ] || fail "side $side of caller 1's call received ${rx:-0} RTP packets"
done
[ "$(grep -c "queue sales: offered to" "$WORK/tandemd.log")" = 1 ] ||
	fail "an agent was offered while busy: $(grep 'offered to' "$WORK/tandemd.log")"
grep -q "queue sales: waited 12 s, the maximum" "$WORK/tandemd.log" || fail "caller 2 did not time out"
assert_no_calls
echo "ok: busy agents never rung; 1001's call ended -> caller 1 connected, 2 and 3 moved up, CANCEL, timeout"
