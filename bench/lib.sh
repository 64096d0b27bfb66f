# Shared by the bench scripts: peers on free loopback ports (tests/sip/lib.sh),
# Kamailio started from a template under bench/kamailio/, SIPp statistics read
# by column name, and an interleaved search for the highest rate servers
# sustain. Benchmarks print figures; they never pass or fail on speed.
# A script sets top_srcdir and sources this with its BUILDDIR argument in $1.
[ -n "${1:-}" ] && [ -x "$1/tandemd" ] || { echo "usage: $0 BUILDDIR (with tandemd built)" >&2; exit 2; }
top_builddir=$(cd "$1" && pwd)
export top_srcdir top_builddir
. "$top_srcdir/tests/sip/lib.sh"

KAM_PID=""
BENCH_PIDS=""

# Install what the benchmarks need (Debian package names) when missing.
bench_deps() {
	missing=""
	command -v sipp >/dev/null 2>&1 || missing="$missing sip-tester"
	command -v kamailio >/dev/null 2>&1 || missing="$missing kamailio"
	command -v bc >/dev/null 2>&1 || missing="$missing bc"
	[ -z "$missing" ] && return 0
	echo "bench: installing$missing"
	SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
	$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
}

bench_cleanup() {
	for p in $BENCH_PIDS $KAM_PID; do
		kill -KILL "$p" 2>/dev/null
	done
	cleanup
}
trap bench_cleanup EXIT
bench_deps

# bench_tandemd CONF: tandemd (log level notice: no per-message logging) in
# the background, up when it logs "started".
bench_tandemd() {
	${BENCH_WRAP:-} "$TANDEMD" -c "$1" -M "$MODDIR" -l notice >"$WORK/tandemd.log" 2>&1 &
	TANDEM_PID=$!
	i=0
	until grep -q "started" "$WORK/tandemd.log" 2>/dev/null; do
		kill -0 "$TANDEM_PID" 2>/dev/null || fail "tandemd exited during start-up"
		i=$((i + 1)); [ $i -lt 100 ] || fail "tandemd did not start within 10 s"
		sleep 0.1
	done
}

# kamailio_start TEMPLATE SED-SCRIPT: the template with @NAMES@ replaced, in
# the foreground of its own process group (-DD), logging to stderr.
kamailio_start() {
	sed "$2" "$1" >"$WORK/kamailio.cfg"
	kamailio -c -f "$WORK/kamailio.cfg" >"$WORK/kamailio-check.log" 2>&1 ||
		{ cat "$WORK/kamailio-check.log" >&2; fail "kamailio rejects $WORK/kamailio.cfg"; }
	mkdir -p "$WORK/kamailio-run"
	# TLSF: Kamailio's fastest memory manager here (its default q_malloc
	# spent 45% of the worker's time in qm_malloc under this load)
	kamailio -f "$WORK/kamailio.cfg" -DD -E -x tlsf -m "${KAMAILIO_SHM_MB:-256}" -M 16 \
		-P "$WORK/kamailio.pid" -Y "$WORK/kamailio-run" >"$WORK/kamailio.log" 2>&1 &
	KAM_PID=$!
	i=0
	until [ -s "$WORK/kamailio.pid" ]; do
		kill -0 "$KAM_PID" 2>/dev/null || { cat "$WORK/kamailio.log" >&2; fail "kamailio exited during start-up"; }
		i=$((i + 1)); [ $i -lt 100 ] || fail "kamailio did not start within 10 s"
		sleep 0.1
	done
	sleep 0.5   # its children are forked after the pid file is written
}

kamailio_stop() {
	[ -n "$KAM_PID" ] || return 0
	kill -TERM "$KAM_PID" 2>/dev/null
	wait "$KAM_PID" 2>/dev/null
	KAM_PID=""
}

# kamailio_procs: how many processes Kamailio runs (the main one included).
kamailio_procs() {
	echo $(( $(pgrep -c -P "$KAM_PID") + 1 ))
}

# sipp_stat FILE COLUMN: COLUMN of the last line of a SIPp -trace_stat file.
sipp_stat() {
	awk -F';' -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i }
		END { if (c) print $c; else print "?" }' "$1" 2>/dev/null | tr -d '\r'
}

# A SIPp duration "HH:MM:SS:mmm:uuu" or "HH:MM:SS:uuuuuu" in milliseconds.
sipp_ms() {
	echo "$1" | awk -F: '{ if (NF >= 5) printf "%.1f", ($1*3600 + $2*60 + $3)*1000 + $4 + $5/1000;
		else if (NF == 4) printf "%.1f", ($1*3600 + $2*60 + $3)*1000 + $4/1000; else print "?" }'
}

# proc_cpu_ms PID...: user + system CPU time the processes used so far, in ms.
proc_cpu_ms() {
	for p in "$@"; do cat "/proc/$p/stat" 2>/dev/null; done |
		awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); t += $12 + $13 } END { printf "%d", t * 1000 / hz }'
}

# rate_step FN NAME RATE: one load step: FN RATE CALLS must run the client
# (RATE calls/s, CALLS calls), leave its -trace_stat file in $STEP_STAT, its
# wall time in seconds in $STEP_WALL and the CPU time the server used in ms
# in $STEP_CPU. The step passes when every call ended, under 0.1% failed,
# the mean time to the 200 stayed under MAX_SETUP_MS (500) and the client
# kept roughly to its rate (SIPp caps the calls in progress, so a slow server
# would slow it down). Each step is logged to $WORK/steps.
rate_step() {
	fn=$1 name=$2 rate=$3
	ncalls=$((rate * ${STEP_SECONDS:-4}))
	STEP_STAT="$WORK/stat-$name-$rate.csv"
	rm -f "$STEP_STAT"
	$fn "$rate" "$ncalls"
	ok=$(sipp_stat "$STEP_STAT" "SuccessfulCall(C)")
	bad=$(sipp_stat "$STEP_STAT" "FailedCall(C)")
	retr=$(sipp_stat "$STEP_STAT" "Retransmissions(C)")
	rtt=$(sipp_ms "$(sipp_stat "$STEP_STAT" "ResponseTime1(C)")")
	case "$ok$bad" in *[!0-9]*|"") ok=0; bad=$ncalls ;; esac
	# slack: SIPp's start, the last call's own length, and a loaded machine
	# (SIPp itself falls behind there); a server that cannot keep up shows
	# first in the time to the 200, which SIPp measures per call.
	budget=$(echo "$ncalls / $rate * 1.5 + ${STEP_SLACK:-3}" | bc -l)
	verdict=pass
	# a near miss (under 1% failed) is worth a second try on a busy machine
	STEP_NEAR=0
	[ $((bad * 100)) -lt "$ncalls" ] && STEP_NEAR=1
	[ $((ok + bad)) -eq "$ncalls" ] || verdict=FAIL
	[ $((bad * 1000)) -lt "$ncalls" ] || verdict=FAIL
	[ "$(echo "$STEP_WALL > $budget" | bc -l)" = 0 ] || verdict=FAIL
	awk -v t="$rtt" -v max="${MAX_SETUP_MS:-500}" 'BEGIN { exit !(t != "?" && t + 0 <= max) }' || verdict=FAIL
	cpu_us=$((STEP_CPU * 1000 / ncalls))
	printf '  %-10s %6d/s: %6d calls, ok %6d, failed %5d, retrans %5s, to 200 %6s ms, wall %5.1f s, server CPU %4d us/call  %s\n' \
		"$name" "$rate" "$ncalls" "$ok" "$bad" "$retr" "$rtt" "$STEP_WALL" "$cpu_us" "$verdict"
	echo "$name $rate $verdict $cpu_us" >>"$WORK/steps"
	# let the server drain what a failed step left behind
	if [ "$verdict" = pass ]; then sleep "${STEP_PAUSE:-1}"; return 0; fi
	sleep "${FAIL_PAUSE:-4}"
	return 1
}

# step_cpu NAME RATE: the server CPU per call (us) of NAME's passing step at RATE.
step_cpu() {
	awk -v n="$1" -v r="$2" '$1 == n && $2 == r && $3 == "pass" { c = $4 } END { print c }' "$WORK/steps"
}

# rate_search NAME FN [NAME FN...]: for each server NAME (a shell word), the
# highest rate at which FN passes rate_step: doubling from $START_RATE, then
# halving the gap until it is under 10%. Steps go round the servers so all
# see the same background load; a near miss is retried once (a noisy
# machine). Sets BEST_<NAME>.
rate_search() {
	names=""
	while [ $# -ge 2 ]; do
		eval "fn_$1=\$2 lo_$1=0 hi_$1=0 done_$1=0"
		names="$names $1"
		shift 2
	done
	left=1
	while [ $left = 1 ]; do
		left=0
		for name in $names; do
			eval "lo=\$lo_$name hi=\$hi_$name d=\$done_$name fn=\$fn_$name"
			[ "$d" = 1 ] && continue
			if [ "$hi" = 0 ]; then
				r=$(( lo ? lo * 2 : ${START_RATE:-500} ))
			else
				r=$(( (lo + hi) / 2 / 25 * 25 ))
			fi
			if rate_step "$fn" "$name" "$r" ||
			   { [ "$STEP_NEAR" = 1 ] && rate_step "$fn" "$name" "$r"; }; then
				lo=$r
			else
				hi=$r
			fi
			[ "$r" -ge "${MAX_RATE:-20000}" ] && [ "$hi" = 0 ] && d=1
			[ "$hi" != 0 ] && [ $(( (hi - lo) * 10 )) -le $(( lo > 250 ? lo : 250 )) ] && d=1
			[ "$d" = 1 ] || left=1
			eval "lo_$name=\$lo hi_$name=\$hi done_$name=\$d BEST_$name=\$lo"
		done
	done
}

# common_pass_rate NAME_A NAME_B: the highest rate both passed (empty if none).
common_pass_rate() {
	awk -v a="$1" -v b="$2" '$3 == "pass" { ok[$1 " " $2] = 1 }
		END { for (k in ok) { split(k, f, " "); if (f[1] == a && ok[b " " f[2]] && f[2] > m) m = f[2] }
		      if (m) print m }' "$WORK/steps"
}

# ratio A B: A/B with two decimals.
ratio() {
	if [ "$2" -gt 0 ]; then echo "scale=2; $1 / $2" | bc -l | sed 's/^\./0./'; else echo "n/a"; fi
}

# now: seconds since the epoch with fractions.
now() { date +%s.%N; }
