#!/bin/sh
# Many calls (500 at 100 calls/s): every one completes, and tandemd holds
# no call once they are over (its stop line says "calls alive: 0").
. "$(dirname "$0")/calls_lib.sh"
n=${CALL_LOAD_CALLS:-500}
write_calls_config
sed -i 's/log_level = "debug"/log_level = "notice"/' "$WORK/tandem.conf"
start_tandemd "$WORK/tandem.conf"
sipp -sf "$SCEN/call_uas.xml" -p "$uas_port" -i 127.0.0.1 -m "$n" -nostdin -timeout 60 \
	-timeout_error -trace_err -error_file "$WORK/uas-err.log" >"$WORK/uas.out" 2>&1 &
UAS_PID=$!
sleep 0.3
sipp -sf "$SCEN/call_uac.xml" 127.0.0.1:"$port" -i 127.0.0.1 -s bob -m "$n" -r 100 -l 200 \
	-nostdin -timeout 60 -timeout_error -trace_err -error_file "$WORK/uac-err.log" \
	-trace_stat -stf "$WORK/uac-stat.csv" >"$WORK/uac.out" 2>&1 || {
	head -c 3000 "$WORK/uac-err.log" >&2; fail "caller: some of $n calls failed"; }
wait "$UAS_PID" || { UAS_PID=""; head -c 3000 "$WORK/uas-err.log" >&2; fail "callee: some calls failed"; }
UAS_PID=""
assert_no_calls
grep -q "($n calls handled)" "$WORK/tandemd.log" || fail "expected $n calls handled: $(grep 'calls handled' "$WORK/tandemd.log")"
echo "ok: $n calls, 0 alive after"
