#!/bin/sh
# mod_cdr under kill -9: SIPp places short calls at 100/s, tandemd is
# killed in the middle. Every call tandemd ended and every call the caller
# completed has its record (the few whose BYE was answered but whose
# callee's 200 had not come back yet excepted: tandemd had not ended them),
# and no line is torn (18 CSV fields, JSON objects; the database passes
# its integrity check). Then a torn tail is appended to each file: the
# restart cuts it (and says so), and the next call is recorded after it.
. "$(dirname "$0")/cdr_lib.sh"
cdr_config
start_tandemd "$WORK/tandem.conf"
scen_subst call_uac cdr_uac_load 's|<pause milliseconds="200"/>|<pause milliseconds="50"/>|; s|<recv response="200" crlf="true"/>|<recv response="200" crlf="true"><action><log message="done [call_id]"/></action></recv>|'
grep -q 'log message="done' "$WORK/cdr_uac_load.xml" || fail "the scenario edit did not apply"
sipp -sf "$SCEN/call_uas.xml" -p "$uas_port" -i 127.0.0.1 -m 100000 -nostdin \
	-trace_err -error_file "$WORK/uas-err.log" >"$WORK/uas.out" 2>&1 &
UAS_PID=$!
sleep 0.3
sipp -sf "$WORK/cdr_uac_load.xml" 127.0.0.1:"$port" -i 127.0.0.1 -s bob -m 100000 -r 100 -l 100 \
	-p "$(free_port)" -nostdin -timeout 6 -max_retrans 2 -trace_logs -log_file "$WORK/done.log" \
	>"$WORK/uac.out" 2>&1 &
uac=$!
sleep 3
kill -KILL "$TANDEM_PID"
wait "$TANDEM_PID" 2>/dev/null
TANDEM_PID=""
# SIPp ends by itself (-timeout); SIGTERM if it does not, it still writes its log
i=0
while kill -0 "$uac" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM "$uac" 2>/dev/null
wait "$uac"
kill -KILL "$UAS_PID"
wait "$UAS_PID" 2>/dev/null
UAS_PID=""
n=$(grep -c "^done " "$WORK/done.log")
[ "$n" -ge 100 ] || fail "only $n calls completed before the kill"
$CHECK complete "$JSONL" "$WORK/done.log" "$WORK/tandemd.log" "$DB" || fail "records lost"
records=$($CHECK lines "$CSV" "$JSONL") || fail "a torn line after kill -9"
echo "after kill -9: $records records, $n calls completed"

# a crash inside a write: the files end in half a record
torn_csv='"","alice","bob","internal","torn'
torn_json='{"id":99999,"a_call_id":"torn'
printf '%s' "$torn_csv" >>"$CSV"
printf '%s' "$torn_json" >>"$JSONL"
$CHECK lines "$CSV" "$JSONL" >/dev/null 2>&1 && fail "the checker took a torn line"
mv "$WORK/tandemd.log" "$WORK/tandemd-1.log"
start_tandemd "$WORK/tandem.conf"
grep -q "cdr: $CSV: cut ${#torn_csv} byte(s) of a torn last record" "$WORK/tandemd.log" || fail "the CSV's torn tail was not cut"
grep -q "cdr: $JSONL: cut ${#torn_json} byte(s) of a torn last record" "$WORK/tandemd.log" || fail "the JSON's torn tail was not cut"
after=$($CHECK lines "$CSV" "$JSONL") || fail "torn lines left after the restart"
[ "$after" -eq "$records" ] || fail "$after records after the restart, $records before"
grep -q torn "$CSV" "$JSONL" && fail "the torn text is still there"
uas_start call_uas
uac_run call_uac bob
uas_wait call_uas
assert_no_calls
after=$($CHECK lines "$CSV" "$JSONL") || fail "the new record"
[ "$after" -eq $((records + 1)) ] || fail "$after records, expected $((records + 1))"
tail -n 1 "$CSV" | grep -q '"ANSWERED"' || fail "the new call is not the last record"
rows=$(sqlite3 "$DB" "SELECT count(*) FROM cdr")
[ "$rows" -ge "$records" ] || fail "$rows SQLite rows, $records JSON records"
echo "ok: kill -9 under load lost no finished call ($records records), torn tails cut at restart"
