#!/bin/sh
# Calls per second through tandemd on loopback: SIPp UAC -> tandemd -> SIPp
# UAS (tests/sip/scenarios/call_uac.xml / call_uas.xml: INVITE, 180, 200,
# ACK, 200 ms, BYE). For each rate, N calls; prints failed calls and the
# calls tandemd still holds at the end.
# Usage: bench/cps/run-cps.sh BUILDDIR [RATE...]   (env: CALLS, default 5000)
set -u
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
top_builddir=$(cd "${1:?build dir}" && pwd); shift
rates=${*:-500 1000 2000}
calls=${CALLS:-5000}
export top_srcdir top_builddir
. "$top_srcdir/tests/sip/calls_lib.sh"
write_calls_config
sed -i 's/log_level = "debug"/log_level = "notice"/' "$WORK/tandem.conf"
"$TANDEMD" -c "$WORK/tandem.conf" -M "$MODDIR" >"$WORK/tandemd.log" 2>&1 &
TANDEM_PID=$!
sleep 0.5
for r in $rates; do
	sipp -sf "$SCEN/call_uas.xml" -p "$uas_port" -i 127.0.0.1 -nostdin -timeout 120 \
		-m "$calls" >/dev/null 2>&1 &
	UAS_PID=$!
	sleep 0.3
	start=$(date +%s.%N)
	sipp -sf "$SCEN/call_uac.xml" 127.0.0.1:"$port" -i 127.0.0.1 -s bob -m "$calls" \
		-r "$r" -l $((r * 2)) -nostdin -timeout 120 -trace_stat -stf "$WORK/stat-$r.csv" \
		>/dev/null 2>&1
	end=$(date +%s.%N)
	wait "$UAS_PID"
	UAS_PID=""
	failed=$(tail -1 "$WORK/stat-$r.csv" | awk -F';' '{print $18}')
	ok=$(tail -1 "$WORK/stat-$r.csv" | awk -F';' '{print $16}')
	echo "rate $r/s: $calls calls, successful $ok, failed $failed, wall $(echo "$end - $start" | bc) s"
done
kill -TERM "$TANDEM_PID"; wait "$TANDEM_PID"; TANDEM_PID=""
grep "calls alive" "$WORK/tandemd.log"
