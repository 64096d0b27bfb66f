#!/bin/sh
# Calls from providers (mod_trunk, issue 12): an INVITE from a trunk's
# provider address lands in the trunk's context with its DID (Request-URI
# user, or To user with did = "to") and reaches an extension; the same
# number from an unknown source is the internal context's (digest asked).
# Toll fraud: an unauthenticated INVITE to 9<number> never reaches a
# provider, even through a rule that forgot "auth".
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/sip/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
. "$top_srcdir/tests/sip/queue_lib.sh"
. "$top_srcdir/tests/sip/trunk_lib.sh"

pa=$(free_port)
pb=$(free_port)
pc=$(free_port)
trunk_office "$(trunk_def a "$pa" 'context = "from-a";'), $(trunk_def b "$pb"),
              $(trunk_def c "$pc" 'context = "from-a"; did = "to";')" '
  from-a: (
    { match = "^4930100(1[0-9]{3})$"; do = ( "dial(${1}, 10)" ); },
    { do = ( "reject(404, Unknown DID)" ); }
  ),
  leaky: ( { match = "^8(.+)$"; do = ( "dial(trunk:b/${1})" ); } ),'
# an admin's mistake: calls to 8... from anywhere run a rule without auth
sed -i 's/^  internal: (/  internal: (\n    { match = "^8(.+)$"; do = ( "goto(leaky)" ); },/' "$WORK/tandem.conf"
start_tandemd "$WORK/tandem.conf"
watch_port "$pb"

agent_phone 1001 "$(free_port)" queue_agent -m 2 -mi 127.0.0.1 -mp "$(free_port)"
phone=$PEER_PID

# 1. From trunk a's provider: DID 49301001001 -> 1001 answers.
provider_call from-a "$pa" 49301001001 "$(q_talk 800)" -mp "$(free_port)"
peer_wait from-a "$PEER_PID"
grep -q "from trunk a, DID 49301001001, context from-a" "$WORK/tandemd.log" ||
	fail "the provider's call was not taken as trunk a's"

# 2. Trunk c takes the DID from To (its Request-URI names the account).
to_did='s|To: <sip:\[service\]@|To: <sip:49301001001@|'
q_talk 800 | sed "$to_did" >"$WORK/from-c.steps"
sed -e "$to_did" -e "/^STEPS\$/r $WORK/from-c.steps" -e '/^STEPS$/d' "$SCEN/queue_uac.xml" >"$WORK/from-c.xml"
SCEN=$WORK peer_start from-c "$pc" 127.0.0.1:"$port" -s office-c -mi 127.0.0.1 -mp "$(free_port)" -timeout 40
peer_wait from-c "$PEER_PID"
grep -q "from trunk c, DID 49301001001, context from-a" "$WORK/tandemd.log" ||
	fail "trunk c's call did not take its DID from To"
peer_wait queue_agent-1001 "$phone"

# 3. The same DID from an unknown source: not a trunk's; digest is asked.
provider_call stranger "$(free_port)" 49301001001 "  <recv response=\"407\"/>
$(q_ack_failure)" -mp "$(free_port)"
peer_wait stranger "$PEER_PID"

# 4. Toll fraud: 9<number> unauthenticated gets the 407 and nothing goes
# out; 8<number> reaches a rule without auth, and mod_trunk refuses it.
provider_call fraud9 "$(free_port)" 94930555 "  <recv response=\"407\"/>
$(q_ack_failure)" -mp "$(free_port)"
peer_wait fraud9 "$PEER_PID"
provider_call fraud8 "$(free_port)" 84930555 "  <recv response=\"403\"/>
$(q_ack_failure)" -mp "$(free_port)"
peer_wait fraud8 "$PEER_PID"
grep -q "trunk b refused: the caller (from 127.0.0.1:[0-9]*) is not authenticated" "$WORK/tandemd.log" ||
	fail "mod_trunk did not refuse the unauthenticated call"
sleep 0.5
[ -s "$WORK/watch-$pb" ] && fail "the provider heard: $(cat "$WORK/watch-$pb")"
grep -q "out through trunk" "$WORK/tandemd.log" && fail "a call went out through a trunk"

assert_no_calls
echo "ok: DIDs from Request-URI and To reach 1001; strangers are asked for digest; no fraud reaches a provider"
