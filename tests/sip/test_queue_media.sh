#!/bin/sh
# What a waiting caller hears (mod_queue), over real sockets: agent 1001
# logs in (*45) and pauses (*47), so nobody is free, and a Python caller
# with its own RTP socket (queue_caller.py) calls one queue at a time:
#   early     182 Queued 1 (Queue-Position 1;wait=N), 183 with SDP, music
#             on hold as early media from the 183's address, never a 200;
#             CANCEL: 200, 487, and the music stops.
#   answered  182 Queued 1, 200 with SDP, ACK, music, BYE.
#   announce  announce = 2: the music, then "you are caller number one",
#             then the music where it stopped; no gap over 200 ms.
#   late      answered, an INVITE without an offer: 200 with tandem's offer,
#             the ACK's answer, music once the caller's RTP is seen.
#   nosdp     an INVITE without an offer in early mode: the 182 only.
. "$(dirname "$0")/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
. "$top_srcdir/tests/sip/queue_lib.sh"
queue_config 'announce = 0;' '
  , { name = "early"; members = ( "1001" ); wait = "early"; announce = 0; }
  , { name = "answered"; members = ( "1001" ); wait = "answered"; announce = 0; }
  , { name = "announce"; members = ( "1001" ); wait = "early"; announce = 2; }
  , { name = "late"; members = ( "1001" ); wait = "answered"; announce = 0; }
  , { name = "nosdp"; members = ( "1001" ); wait = "early"; announce = 0; }'
start_tandemd "$WORK/tandem.conf"
queue_agent_paused nosdp

for mode in early answered announce late nosdp; do
	queue_media "$mode" "$mode" || fail "$mode: see above"
done
grep -q "waits without music" "$WORK/tandemd.log" && fail "a caller waited without music: $(grep 'waits without music' "$WORK/tandemd.log")"
grep -q "offered to" "$WORK/tandemd.log" && fail "a paused agent was offered a caller"
assert_no_calls
echo "ok: early and answered music on hold, the announcement in the music, late offer, 182 only without an offer"
