#!/bin/sh
# Calls per second, tandem against Kamailio, in one run: SIPp caller ->
# server -> SIPp callee over UDP on loopback (bench/cps/uac.xml, uas.xml:
# INVITE with SDP, 180, 200, ACK, a pause of HOLD_MS, BYE). The servers are
# tandemd (a B2BUA: two dialogs per call) and a Kamailio stateful proxy
# (bench/kamailio/proxy.cfg: tm, record-route, so ACK and BYE pass it too).
# For each, the highest rate with every call ended, under 0.1% failed and the
# caller never held back; load steps alternate between the two servers.
# Usage: bench/cps/run-cps.sh BUILDDIR
# env: STEP_SECONDS (4) seconds of calls per step, HOLD_MS (200),
#      START_RATE (500), MAX_RATE (20000), KAMAILIO_CHILDREN (1)
set -u
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
. "$top_srcdir/bench/lib.sh"
BSCEN="$top_srcdir/bench/cps"
hold=${HOLD_MS:-200}
children=${KAMAILIO_CHILDREN:-1}
t_port=$(free_port)
k_port=$(free_port)

# Both servers send a call to the callee port dialled as the user part.
write_config "$WORK/tandem.conf" "$t_port" "
calls: { dial_timeout = 5; };
dialplan: { internal: ( { match = \"^([0-9]+)$\"; do = ( \"dial(sip:bob@127.0.0.1:\${1}, 5)\" ); } ); };"

# cps_client PORT "SERVER PIDS" RATE CALLS: one load step against the server
# on PORT, with a callee on a fresh port.
cps_client() {
	uas_port=$(free_port)
	sipp -sf "$BSCEN/uas.xml" -p "$uas_port" -i 127.0.0.1 -nostdin -m "$4" \
		-timeout $(( $4 / $3 + 20 )) >/dev/null 2>&1 &
	uas=$!
	BENCH_PIDS=$uas
	sleep 0.2
	cpu0=$(proc_cpu_ms $2)
	t0=$(now)
	sipp -sf "$BSCEN/uac.xml" 127.0.0.1:"$1" -i 127.0.0.1 -p "$(free_port)" -s "$uas_port" \
		-r "$3" -m "$4" -l $(( $3 * 2 )) -d "$hold" -recv_timeout 5000 \
		-timeout $(( $4 / $3 + 12 )) -nostdin -trace_stat -stf "$STEP_STAT" >/dev/null 2>&1
	STEP_WALL=$(echo "$(now) - $t0" | bc -l)
	STEP_CPU=$(( $(proc_cpu_ms $2) - cpu0 ))
	i=0
	while kill -0 "$uas" 2>/dev/null && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
	kill -KILL "$uas" 2>/dev/null
	wait "$uas" 2>/dev/null
	BENCH_PIDS=""
}
tandem_step() { cps_client "$t_port" "$TANDEM_PID" "$@"; }
kamailio_step() { cps_client "$k_port" "$KAM_PID $(pgrep -P "$KAM_PID" | tr '\n' ' ')" "$@"; }

bench_tandemd "$WORK/tandem.conf"
kamailio_start "$top_srcdir/bench/kamailio/proxy.cfg" \
	"s/@PORT@/$k_port/;s/@CHILDREN@/$children/"
kprocs=$(kamailio_procs)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "cps: SIPp UAC -> server -> SIPp UAS, UDP on 127.0.0.1, hold ${hold} ms, ${STEP_SECONDS:-4} s per step"
rate_search tandem tandem_step kamailio kamailio_step
load1=$(cut -d' ' -f1-3 /proc/loadavg)
kamailio_stop
sleep 1
kill -TERM "$TANDEM_PID"; wait "$TANDEM_PID"; TANDEM_PID=""
alive=$(grep -o "calls alive: [0-9]*" "$WORK/tandemd.log" | tail -1)

echo "RESULT cps (highest rate with every call ended and <0.1% failed):"
printf '  tandem   %6d calls/s  (single-threaded signalling; %s at stop)\n' "$BEST_tandem" "$alive"
[ "$alive" = "calls alive: 0" ] ||
	echo "           (calls of a failed step end on tandem's own timers, within 64*T1 = 32 s)"
printf '  kamailio %6d calls/s  (stateful proxy, tm + record-route, -x tlsf, children=%s: %s processes)\n' \
	"$BEST_kamailio" "$children" "$kprocs"
echo "  ratio tandem/kamailio: $(ratio "$BEST_tandem" "$BEST_kamailio")"
both=$(common_pass_rate tandem kamailio)
if [ -n "$both" ]; then
	ca=$(step_cpu tandem "$both") cb=$(step_cpu kamailio "$both")
	echo "  server CPU per call at $both calls/s (all processes): tandem ${ca} us, kamailio ${cb} us"
fi
echo "  machine: $(nproc) cores; load average $load0 before, $load1 after (shared machine: figures are noisy)"
