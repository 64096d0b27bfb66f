#!/bin/sh
# mod_cdr when an output fails: calls go on.
# - The CSV on a full disk (/dev/full): each call still completes and is
#   in the JSON; the error is logged once for the two calls (rate-limited)
#   with the count of records lost.
# - The database held by another writer (the sqlite3 shell in BEGIN
#   IMMEDIATE): the records wait in memory and land, in order, once the
#   lock is gone; the error and the recovery are logged.
. "$(dirname "$0")/cdr_lib.sh"
cdr_config 'csv = "/dev/full"; json = "var/cdr/cdr.json"; sqlite = "var/cdr/cdr.db";'
start_tandemd "$WORK/tandem.conf"
for i in 1 2; do
	uas_start call_uas
	uac_run call_uac bob
	uas_wait call_uas
done
[ "$(wc -l <"$JSONL")" -eq 2 ] || fail "the JSON lacks records while the CSV fails"
[ "$(grep -c 'cdr: /dev/full: cannot write: No space left on device' "$WORK/tandemd.log")" -eq 1 ] ||
	fail "the write error was not logged exactly once: $(grep 'cdr:' "$WORK/tandemd.log")"
[ "$(sqlite3 "$DB" 'SELECT count(*) FROM cdr')" -eq 2 ] || fail "SQLite lacks records"

# another writer holds the database for 3 s
mkfifo "$WORK/sql"
sqlite3 "$DB" <"$WORK/sql" >"$WORK/sqlite3.out" 2>&1 &
holder=$!
exec 9>"$WORK/sql"
echo "BEGIN IMMEDIATE; INSERT INTO cdr (uniqueid, call_number, a_call_id, accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, caller, start, \"end\", duration, billsec, disposition, status, amaflags, userfield) VALUES ('held', 0, 'held', '', '', '', '', '', '', '', '', '', '', 1, 1, 0, 0, 'FAILED', 500, 'DOCUMENTATION', '');" >&9
sleep 0.5
for i in 3 4; do
	uas_start call_uas
	uac_run call_uac bob
	uas_wait call_uas
done
[ "$(wc -l <"$JSONL")" -eq 4 ] || fail "the JSON lacks records while the database is locked"
grep -q "cdr: $DB: cannot insert: database is locked (1 record(s) waiting" "$WORK/tandemd.log" ||
	fail "the locked database was not logged: $(grep 'cdr:' "$WORK/tandemd.log")"
echo "ROLLBACK;" >&9
exec 9>&-
wait "$holder"
i=0
while [ "$(sqlite3 "$DB" 'SELECT count(*) FROM cdr')" -lt 4 ] && [ $i -lt 40 ]; do sleep 0.1; i=$((i + 1)); done
grep -q "cdr: $DB: inserting again" "$WORK/tandemd.log" || fail "no recovery logged"
assert_no_calls
python3 - "$JSONL" "$DB" <<'PY' || fail "the waiting records did not land in order"
import json, subprocess, sys
want = [json.loads(l)["a_call_id"] for l in open(sys.argv[1])]
got = subprocess.run(["sqlite3", sys.argv[2], "SELECT a_call_id FROM cdr ORDER BY id"],
                     capture_output=True, text=True, check=True).stdout.split()
if got != want:
    sys.exit(f"SQLite {got} != JSON {want}")
PY
echo "ok: a failing CSV and a locked database do not stop calls; the waiting rows land in order"
