#!/bin/sh
# A waiting caller's media past the plain cases (mod_queue, over real
# sockets; agent 1001 logged in and paused, so nobody is free):
#   reinvite  answered mode; the caller holds by re-INVITE (a=sendonly,
#             RFC 3264 §8.4): the answer is recvonly or inactive (§6.1) and
#             the music stops; it resumes offering another RTP port: the
#             music goes there.
#   crowd     21 callers in early mode: the 21st hears "you are caller
#             number twenty one" (the prompt set's digits/20, digits/1).
# Both run, whatever the first gives; the test fails if either does.
. "$(dirname "$0")/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
. "$top_srcdir/tests/sip/queue_lib.sh"
queue_config 'announce = 0;' '
  , { name = "reinvite"; members = ( "1001" ); wait = "answered"; announce = 0; }
  , { name = "crowd"; members = ( "1001" ); wait = "early"; announce = 2; }'
start_tandemd "$WORK/tandem.conf"
queue_agent_paused crowd

failed=""
queue_media reinvite reinvite || failed="$failed reinvite"
queue_media crowd crowd || failed="$failed crowd"
[ -z "$failed" ] || fail "failed:$failed (see above)"
assert_no_calls
echo "ok: hold and a moved stream while waiting; caller 21 told \"twenty one\""
