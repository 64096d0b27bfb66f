#!/bin/sh
# Signalling memory per held call: a SIPp caller places CALLS calls through
# tandemd to a SIPp callee (bench/cps/uac.xml, uas.xml, over UDP) and holds
# them all; tandemd's VmRSS is read before, once every call is up (their
# INVITE transactions still waiting out RFC 6026 Timer L, 64*T1), and again
# once those have ended; the delta / CALLS is the cost of one call. Then the
# calls end with BYE and tandemd must report "calls alive: 0".
# Usage: bench/memory/run-held-calls.sh BUILDDIR
# env: CALLS (10000), RATE (500 calls/s while setting up), BENCH_WRAP (e.g.
#      "valgrind --tool=massif --massif-out-file=/tmp/massif.out" to see where
#      the memory goes; RSS figures are then meaningless)
set -u
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
. "$top_srcdir/bench/lib.sh"
BSCEN="$top_srcdir/bench/cps"
calls=${CALLS:-10000}
rate=${RATE:-500}
t1_ms=500
timer_l=$(( 64 * t1_ms / 1000 ))
setup_s=$(( calls / rate ))
hold_ms=$(( (setup_s + timer_l + 12) * 1000 ))
port=$(free_port)
uas_port=$(free_port)
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

write_config "$WORK/tandem.conf" "$port" "
calls: { dial_timeout = 5; };
dialplan: { internal: ( { match = \"^([0-9]+)$\"; do = ( \"dial(sip:bob@127.0.0.1:\${1}, 5)\" ); } ); };"
sed -i "s/t1_ms = [0-9]*/t1_ms = $t1_ms/" "$WORK/tandem.conf"

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$TANDEM_PID/status"; }
# heap_kib: the heap tandemd has in use (glibc malloc_stats() through gdb,
# printed on its stderr, the log), which unlike RSS drops when the
# transactions of the set-up end; "?" without gdb.
heap_kib() {
	command -v gdb >/dev/null 2>&1 || { echo "?"; return; }
	gdb -p "$TANDEM_PID" -batch -ex 'call (void)malloc_stats()' >/dev/null 2>&1
	sleep 0.2
	awk '/^Total \(incl. mmap\):/ { t = 1 } t && /^in use bytes/ { v = $NF; t = 0 } END { print int(v / 1024) }' \
		"$WORK/tandemd.log"
}

# held PORT CALLS ARGS...: SIPp callee on PORT and caller (ARGS), both in
# the background (the caller in $WORK, where -trace_counts writes).
held() {
	p=$1 n=$2; shift 2
	sipp -sf "$BSCEN/uas.xml" -p "$p" -i 127.0.0.1 -nostdin -timeout 600 -m "$n" >/dev/null 2>&1 &
	UAS=$!
	sleep 0.2
	(cd "$WORK" && exec sipp -sf "$BSCEN/uac.xml" 127.0.0.1:"$port" -i 127.0.0.1 -p "$(free_port)" \
		-s "$p" -m "$n" -nostdin -timeout 600 -trace_stat -stf "$WORK/held.csv" -trace_counts -fd 1 \
		"$@" >/dev/null 2>&1) &
	UAC=$!
	BENCH_PIDS="$UAS $UAC"
}

# paused: the calls the caller holds in its pause right now.
paused() {
	f=$(ls "$WORK"/uac_*_counts.csv 2>/dev/null | head -1)
	[ -n "$f" ] && awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /_Pause_Sessions$/) c = i }
		END { if (c) print $c + 0; else print 0 }' "$f" || echo 0
}

bench_tandemd "$WORK/tandem.conf"
# warm-up: first-use allocations (tables, buffers) are not per-call memory;
# few calls, as their transactions are still in the heap for the baseline
w_port=$(free_port)
held "$w_port" 20 -r 100 -d 0
wait "$UAC"; wait "$UAS"
rm -f "$WORK"/uac_*_counts.csv
sleep 1
rss0=$(rss_kib)
heap0=$(heap_kib)

held "$uas_port" "$calls" -r "$rate" -l "$calls" -d "$hold_ms" -recv_timeout 20000
# until every call is either held or failed (a busy machine loses a few)
failed_now() { f=$(sipp_stat "$WORK/held.csv" "FailedCall(C)"); case "$f" in ''|*[!0-9]*) echo 0 ;; *) echo "$f" ;; esac; }
i=0
while [ $(( $(paused) + $(failed_now) )) -lt "$calls" ]; do
	i=$((i + 1))
	[ $i -le $(( setup_s + 30 )) ] || fail "only $(paused) of $calls calls up after $i s"
	kill -0 "$UAC" 2>/dev/null || fail "the caller ended early with $(paused) calls up"
	sleep 1
done
sleep 1
up=$(paused)
rss1=$(rss_kib)
echo "held-calls: $up of $calls calls up (setup at $rate calls/s); waiting $((timer_l + 2)) s for Timer L"
sleep $((timer_l + 2))
rss2=$(rss_kib)
heap2=$(heap_kib)
held_now=$(paused)
wait "$UAC"; uac_rc=$?
wait "$UAS"
BENCH_PIDS=""
ok=$(sipp_stat "$WORK/held.csv" "SuccessfulCall(C)")
bad=$(sipp_stat "$WORK/held.csv" "FailedCall(C)")
sleep 1
kill -TERM "$TANDEM_PID"; wait "$TANDEM_PID"; TANDEM_PID=""
alive=$(grep -o "calls alive: [0-9]*" "$WORK/tandemd.log" | tail -1)

per_call() { echo "scale=2; ($1 - $rss0) / $up" | bc -l | sed 's/^\./0./'; }
echo "RESULT memory per held call (tandemd VmRSS, $up calls held, UDP):"
echo "  before: $rss0 KiB"
echo "  all calls up:        $rss1 KiB  -> $(per_call "$rss1") KiB per call (setup transactions included)"
echo "  after Timer L (${timer_l} s): $rss2 KiB  -> $(per_call "$rss2") KiB per call ($held_now calls held; freed memory stays in the heap)"
if [ "$heap0" != "?" ]; then
	echo "  heap in use (malloc_stats): $heap0 KiB before, $heap2 KiB after Timer L" \
		"-> $(echo "scale=2; ($heap2 - $heap0) / $up" | bc -l | sed 's/^\./0./') KiB per held call"
fi
echo "  calls: $ok successful, $bad failed (SIPp exit $uac_rc); at stop: $alive"
echo "  goal: <= 8 KiB per call"
[ "$alive" = "calls alive: 0" ] || echo "  WARNING: calls left alive at stop"
