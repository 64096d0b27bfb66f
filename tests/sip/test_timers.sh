#!/bin/sh
# Client transaction timers through tandemd against a peer that never
# answers (RFC 3261 §17.1): an INVITE B-leg is retransmitted on Timer A
# (doubling from T1) until Timer B gives up after 64*T1 and the caller gets
# 408; a MESSAGE is retransmitted on Timer E (doubling, capped at T2) until
# Timer F gives up and the sender gets 408. T1 is small so the test is quick.
. "$(dirname "$0")/calls_lib.sh"
silent=$(free_port)
T1=50; T2=200
SIP_SETTINGS="t1_ms = $T1; t2_ms = $T2;" write_config "$WORK/tandem.conf" "$port" "
calls: { dial_timeout = 30; };
dialplan: {
  internal: (
    { match = \"^silent$\"; do = ( \"dial(sip:silent@127.0.0.1:$silent, 30)\" ); }
  );
};"
start_tandemd "$WORK/tandem.conf"

# check_retrans FILE METHOD MIN MAX CAP: the gaps between transmissions of
# METHOD double from T1 (and stay at CAP once they reach it), with MIN..MAX
# transmissions in all.
check_retrans() {
	python3 - "$@" <<'PY' || fail "retransmissions of $2 wrong: $(tr '\n' ' ' <"$1")"
import sys
path, method, lo, hi, cap = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
t1 = 0.050
rows = [l.split() for l in open(path)]
times = [float(r[0]) for r in rows if r[1] == method]
branches = {r[2] for r in rows if r[1] == method}
assert len(branches) == 1, "one transaction expected, got branches %s" % branches
assert lo <= len(times) <= hi, "%d transmissions" % len(times)
want = t1
for a, b in zip(times, times[1:]):
    gap = b - a
    # never early, beyond the noise of the peer's own clock reading (it may
    # note a datagram some ms late); late only by scheduling noise
    assert gap >= 0.8 * want - 0.025, "gap %.3f s, expected %.3f s" % (gap, want)
    assert gap <= want + 0.5, "gap %.3f s, expected %.3f s" % (gap, want)
    want = min(2 * want, cap)
PY
}

# INVITE: sent at 0, T1, 3T1, 7T1, 15T1, 31T1 (63T1 races Timer B at 64T1).
python3 "$top_srcdir/tests/sip/silent_peer.py" "$silent" 6 "$WORK/invite.txt" &
PEER=$!
sleep 0.3
start=$(date +%s%N)
uac_fail 408 silent
took_ms=$(( ($(date +%s%N) - start) / 1000000 ))
wait $PEER
check_retrans "$WORK/invite.txt" INVITE 6 7 1e9
# Timer B is 64*T1 = 3.2 s: not before, and no CANCEL for a silent peer
[ "$took_ms" -ge 3100 ] || fail "caller got 408 after only $took_ms ms"
grep -q CANCEL "$WORK/invite.txt" && fail "a CANCEL went to a peer that never answered"

# MESSAGE: gaps T1, 2T1, 4T1 = T2, then T2 until Timer F (64*T1).
python3 "$top_srcdir/tests/sip/silent_peer.py" "$silent" 6 "$WORK/message.txt" &
PEER=$!
sleep 0.3
sed 's/"200"/"408"/' "$SCEN/call_uac_message.xml" >"$WORK/message_408.xml"
SCEN="$WORK" sipp_run message_408 127.0.0.1:"$port" -i 127.0.0.1 -s silent
wait $PEER
check_retrans "$WORK/message.txt" MESSAGE 14 19 0.2

assert_no_calls
grep -q "transaction timeouts 2," "$WORK/tandemd.log" ||
	fail "expected 2 transaction timeouts: $(grep 'stats:' "$WORK/tandemd.log")"
echo "ok: Timer A/B on the INVITE B-leg, Timer E/F on MESSAGE, 408 to the senders"
