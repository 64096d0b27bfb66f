#!/bin/sh
# mod_cdr: rotation and reload.
# - A file whose records are of an earlier day is rotated at start to its
#   dated name (rotate_daily), and the day's calls go to a fresh file.
# - rotate_size: many calls leave dated files no larger than the limit,
#   every one of whole lines, together every record exactly once.
# - SIGHUP with a broken cdr group is refused with its file:line and the
#   old outputs go on; one that cannot be opened is refused too; a good one
#   moves the records to its new file.
. "$(dirname "$0")/cdr_lib.sh"
settings='csv = "var/cdr/Master.csv"; json = "var/cdr/cdr.json"; rotate_size = 4096; rotate_daily = true; sync = true;'
cdr_config "$settings"
mkdir -p "$CDR_DIR"
old='"","old","1","internal","old","SIP/old-00000001","","Dial","","2020-01-01 10:00:00","","2020-01-01 10:00:05",5,0,"NO ANSWER","DOCUMENTATION","1577872800.1",""'
echo "$old" >"$CSV"
touch -d "2 days ago" "$CSV"
day=$(date -d "2 days ago" +%Y-%m-%d)
start_tandemd "$WORK/tandem.conf"
[ -f "$CDR_DIR/Master-$day.csv" ] || fail "yesterday's file was not rotated at start: $(ls "$CDR_DIR")"
[ "$(cat "$CDR_DIR/Master-$day.csv")" = "$old" ] || fail "the rotated file changed"
[ ! -s "$CSV" ] || fail "the day's file is not empty"

# 30 calls: each JSON record is ~1.4 kB, a CSV one ~250 bytes
n=30
sipp -sf "$SCEN/call_uas.xml" -p "$uas_port" -i 127.0.0.1 -m "$n" -nostdin -timeout 30 \
	-timeout_error -trace_err -error_file "$WORK/uas-err.log" >"$WORK/uas.out" 2>&1 &
UAS_PID=$!
sleep 0.3
sipp -sf "$SCEN/call_uac.xml" 127.0.0.1:"$port" -i 127.0.0.1 -s bob -m "$n" -r 20 -p "$(free_port)" \
	-nostdin -timeout 30 -timeout_error -trace_err -error_file "$WORK/uac-err.log" \
	>"$WORK/uac.out" 2>&1 || fail "caller: some of $n calls failed"
wait "$UAS_PID" || fail "callee: some calls failed"
UAS_PID=""
today=$(date +%Y-%m-%d)
python3 - "$CDR_DIR" "$today" "$n" <<'PY' || fail "rotated files"
import csv, json, os, re, sys
d, today, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
names = sorted(os.listdir(d))
ok = True
def bad(msg):
    global ok
    print(msg, file=sys.stderr); ok = False
for stem, ext in (("Master", ".csv"), ("cdr", ".json")):
    rot = [f for f in names if re.fullmatch(re.escape(stem) + "-" + today + r"(-\d+)?" + re.escape(ext), f)]
    if len(rot) < (1 if ext == ".csv" else 5):
        bad(f"{stem}{ext}: only {rot} rotated")
    ids = []
    for f in rot + [stem + ext]:
        data = open(os.path.join(d, f), "rb").read()
        if len(data) > 4096:
            bad(f"{f}: {len(data)} bytes, above rotate_size")
        if data and not data.endswith(b"\n"):
            bad(f"{f}: a torn last line")
        for line in data.decode().splitlines():
            if ext == ".csv":
                row = next(csv.reader([line]))
                if len(row) != 18:
                    bad(f"{f}: {len(row)} fields")
                ids.append(row[16])
            else:
                ids.append(json.loads(line)["uniqueid"])
    if sorted(ids) != sorted(set(ids)) or len(ids) != n:
        bad(f"{stem}{ext}: {len(ids)} records ({len(set(ids))} distinct), expected {n}")
sys.exit(0 if ok else 1)
PY
grep -q "cdr: $CSV rotated to $CDR_DIR/Master-$today" "$WORK/tandemd.log" || fail "no rotation logged"

# a broken group: refused with file:line, the old outputs stay
before=$(wc -l <"$CSV")
sed -i 's|rotate_size = 4096;|rotate_size = "lots";|' "$WORK/tandem.conf"
kill -HUP "$TANDEM_PID"
sleep 0.5
grep -q "mod_cdr: $WORK/tandem.conf:[0-9]*: 'rotate_size' = \"lots\"" "$WORK/tandemd.log" ||
	fail "the broken rotate_size was not refused with file:line"
grep -q "reload failed: the old configuration stays in force" "$WORK/tandemd.log" || fail "the reload was not refused"
uas_start call_uas
uac_run call_uac bob
uas_wait call_uas
[ "$(wc -l <"$CSV")" -eq $((before + 1)) ] || fail "after a refused reload the call went elsewhere"

# an output that cannot be opened: refused too
mkdir -p "$WORK/ro"
sed -i "s|rotate_size = \"lots\";|rotate_size = 0;|; s|json = \"var/cdr/cdr.json\";|json = \"/proc/self/none/cdr.json\";|" "$WORK/tandem.conf"
kill -HUP "$TANDEM_PID"
sleep 0.5
grep -q "cdr: cannot open /proc/self/none/cdr.json" "$WORK/tandemd.log" || fail "the unopenable output was not refused"
[ "$(grep -c 'reload failed' "$WORK/tandemd.log")" -eq 2 ] || fail "the second reload was not refused"
uas_start call_uas
uac_run call_uac bob
uas_wait call_uas
[ "$(wc -l <"$CSV")" -eq $((before + 2)) ] || fail "after the second refused reload the call went elsewhere"

# a good one: the next record goes to the new file
sed -i "s|json = \"/proc/self/none/cdr.json\";|json = \"var/cdr/cdr.json\";|; s|var/cdr/Master.csv|var/cdr/new.csv|" "$WORK/tandem.conf"
kill -HUP "$TANDEM_PID"
sleep 0.5
grep -q "reload done" "$WORK/tandemd.log" || fail "the good reload was not done"
uas_start call_uas
uac_run call_uac bob
uas_wait call_uas
[ "$(wc -l <"$CSV")" -eq $((before + 2)) ] || fail "the old file still got a record"
[ "$(wc -l <"$CDR_DIR/new.csv")" -eq 1 ] || fail "the new file did not get the record"
assert_no_calls
echo "ok: daily rotation at start, size rotation of whole records, reload refused and applied"
