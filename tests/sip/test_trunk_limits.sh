#!/bin/sh
# Trunk limits and health (mod_trunk, issue 12): a trunk at its max_calls
# is skipped (the next trunk of the hunt list takes the call), a user at
# max_calls_per_user gets 403; a trunk whose provider stops answering
# OPTIONS (qualify) is marked down and skipped without an INVITE, and is
# up again once the provider answers.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/sip/trunk_lib.sh"

pa=$(free_port)
pb=$(free_port)
pq=$(free_port)
TRUNK_MODULES=', "trunkwatch"'
test_modules trunkwatch
trunk_office "$(trunk_def a "$pa" 'max_calls = 1;'), $(trunk_def b "$pb"),
              $(trunk_def q "$pq" 'qualify = 1;')" "" "max_calls_per_user = 1;"
# 8<number>: the qualified trunk q first, then b; Timer F of 64 * 50 ms
sed -i -e 's/^  internal: (/  internal: (\n    { match = "^8(.+)$"; do = ( "auth", "dial(trunk:q\/${1}|trunk:b\/${1}, 8)" ); },/' \
	-e 's/^sip: { t1_ms = 500; };/sip: { t1_ms = 50; };/' "$WORK/tandem.conf"
watch_port "$pq"
start_tandemd "$WORK/tandem.conf"

# 1. 1001's call holds trunk a; 1002's call meanwhile finds a full and goes
# out through b; 1001's second call is over its limit.
provider prov-a "$pa" "" "$(p_answer)" -mi 127.0.0.1 -mp "$(free_port)"
a_pid=$PEER_PID
( office_call 1001 94930001 "$(c_talks 4000)" ) &
call1=$!
wait_log "answered \(B Call-ID"
provider prov-b "$pb" "$(check ruri '^INVITE sip:4930002@')" "$(p_answer)" -mi 127.0.0.1 -mp "$(free_port)"
b_pid=$PEER_PID
office_call 1002 94930002 "$(c_talks 300)"
peer_wait prov-b "$b_pid"
# the state API (what the control tool will show) has the call and the refusal
grep -q "trunkwatch: a target 'UDP 127.0.0.1:$pa' reg off since - next - expires 0 failures 0 error '' qualify off calls 1/1 total 1 refused 1" \
	"$WORK/tandemd.log" || fail "the trunk state API did not show trunk a full: $(grep 'trunkwatch: a ' "$WORK/tandemd.log")"
grep -q "trunk a is full (1 calls)" "$WORK/tandemd.log" || fail "trunk a's limit was not applied"
office_call 1001 94930003 "$(c_fails 403)"
grep -q "1001 has 1 trunk calls already" "$WORK/tandemd.log" || fail "the per-user limit was not applied"
wait "$call1" || fail "1001's first call failed"
peer_wait prov-a "$a_pid"

# 2. Nobody answers trunk q's OPTIONS: it goes down, and calls skip it.
wait_log "trunk q: down"
wait_log "trunkwatch: q target 'UDP 127.0.0.1:$pq' .* qualify down calls 0/0"
provider prov-b2 "$pb" "$(check ruri '^INVITE sip:4930004@')" "$(p_answer)" -mi 127.0.0.1 -mp "$(free_port)"
b_pid=$PEER_PID
office_call 1002 84930004 "$(c_talks 300)"
peer_wait prov-b2 "$b_pid"
grep -q "^OPTIONS " "$WORK/watch-$pq" || fail "trunk q was never qualified"
grep -q "^INVITE " "$WORK/watch-$pq" && fail "a call was sent to trunk q while it was down"
grep -q "trunk q is down (qualify)" "$WORK/tandemd.log" || fail "the down trunk was not skipped"

# 3. The provider answers OPTIONS again (SIPp): the trunk is up.
kill $PEER_PIDS 2>/dev/null
cat >"$WORK/options_uas.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="options_uas">
  <recv request="OPTIONS"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]Q[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
</scenario>
XML
sleep 0.3
SCEN=$WORK peer_start options_uas "$pq"
wait_log "trunk q: up"
wait_log "trunkwatch: q target 'UDP 127.0.0.1:$pq' .* qualify up calls 0/0"
peer_wait options_uas "$PEER_PID"

assert_no_calls
echo "ok: a full trunk is skipped, a user over its limit gets 403, a trunk down by qualify is skipped and comes back up"
