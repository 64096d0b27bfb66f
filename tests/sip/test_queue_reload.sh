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

cat >"$WORK/steps1" <<'XML'
  <recv response="182"/>
  <recv response="183" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rrs="true"/>
  <send>
    <![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      [routes]
      From: caller <sip:caller-[pid]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <pause milliseconds="1000"/>
  <send retrans="500">
    <![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      [routes]
      From: caller <sip:caller-[pid]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
XML
cat >"$WORK/steps2" <<'XML'
  <recv response="182"/>
  <recv response="183" optional="true"/>
  <recv response="182">
    <action><ereg regexp="^SIP/2.0 182 Queued 1" search_in="msg" check_it="true" assign_to="one"/></action>
  </recv>
  <pause milliseconds="500"/>
  <send>
    <![CDATA[
      CANCEL sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      [last_Via:]
      From: caller <sip:caller-[pid]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 CANCEL
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
  <recv response="487"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      [last_Via:]
      From: caller <sip:caller-[pid]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <Reference variables="one"/>
XML
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
