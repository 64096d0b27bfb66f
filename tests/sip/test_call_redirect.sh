#!/bin/sh
# Redirects and loops.
# 1. A 302 from the callee is followed: tandem rings the Contact (carol) in
#    the same dial, with its own identifiers; the caller just gets carol's
#    200 and never sees the redirect.
# 2. A dialplan that dials tandem itself: Max-Forwards goes down by one per
#    pass, so the loop ends with 483 Too Many Hops, which the caller gets.
. "$(dirname "$0")/calls_lib.sh"
carol_port=$(free_port)
EXTRA_RULES="
    { match = \"^loop$\"; do = ( \"dial(sip:loop@127.0.0.1:$port, 10)\" ); },"
write_calls_config
start_tandemd "$WORK/tandem.conf"

scen_subst call_uas_redirect redirect "s|REDIRECT_TO|sip:carol@127.0.0.1:$carol_port|"
peer_start call_uas "$carol_port"
carol=$PEER_PID
SCEN=$WORK uas_start redirect
uac_run call_uac bob
uas_wait redirect
peer_wait call_uas "$carol"
grep -q "302 from .*following to sip:carol@" "$WORK/tandemd.log" || fail "no redirect followed"

sed "s/\"CODE\"/\"483\"/" \
	"$SCEN/call_uac_fail.xml" >"$WORK/loop_483.xml"
SCEN=$WORK uac_run loop_483 loop
passes=$(grep -c "INVITE alice -> loop" "$WORK/tandemd.log")
[ "$passes" -ge 60 ] || fail "the loop ended after $passes passes, not by Max-Forwards"
assert_no_calls
echo "ok: 302 followed, a loop through tandem ends in 483 after $passes passes"
