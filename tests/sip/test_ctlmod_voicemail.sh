#!/bin/sh
# The modules' control commands, mod_voicemail: `voicemail` lists the
# boxes (owners, new/old counts, subscribers) as a table and as JSON; an
# MWI subscriber of box 1002 shows in its count and its subscriptions; a
# SIPp caller leaves a message in 1002 and `voicemail` counts it,
# `voicemail 1002` lists it (id, new, date, caller, duration, reason);
# once the subscriber unsubscribed it is gone from the list.
. "$(dirname "$0")/ctlmod_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
CTL_SOCK="$WORK/state/tandemd.ctl"
vm_config
start_tandemd "$WORK/tandem.conf"

ctl_ok --json voicemail
json_assert '[b["box"] for b in v] == ["1001", "1002", "1003"]'
json_assert 'all(b["owners"] == [b["box"]] and b["new"] == 0 and b["old"] == 0 and b["subscribers"] == 0 for b in v)'
json_assert 'list(v[0].keys())[:4] == ["box", "owners", "new", "old"]'

subscriber_start 1002 1002 bob-1002 0/0 yes 1/0
ctl_wait 'v["subscribers"] == 1 and len(v["subscriptions"]) == 1' voicemail 1002
json_assert '"sip:1002@127.0.0.1" in v["subscriptions"][0]["subscriber"] and 250 <= v["subscriptions"][0]["expires"] <= 300'
json_assert 'v["messages"] == []'
ctl_ok --json voicemail
json_assert '[b["subscribers"] for b in v] == [0, 1, 0]'

before=$(date +%s)
deposit vm1002 2 "$(($(prompt_ms vm-busy vm-leave beep) + 800))" busy
peer_wait "sub-1002" "$SUB_PID"
after=$(date +%s)

ctl_ok --json voicemail
json_assert '[(b["box"], b["new"], b["old"]) for b in v] == [("1001", 0, 0), ("1002", 1, 0), ("1003", 0, 0)]'
ctl_ok voicemail
head -n 1 "$WORK/ctl.out" | grep -q "^box  *owners  *new  *old  *max_messages  *subscribers" ||
	fail "voicemail header: $(head -n 1 "$WORK/ctl.out")"
grep -q "^1002  *1002  *1  *0 " "$WORK/ctl.out" || fail "1002's row: $(cat "$WORK/ctl.out")"

ctl_wait 'v["subscriptions"] == [] and v["subscribers"] == 0' voicemail 1002
json_assert 'v["new"] == 1 and len(v["messages"]) == 1'
json_assert 'v["messages"][0]["id"] == 0 and v["messages"][0]["status"] == "new"'
json_assert 'v["messages"][0]["caller"] == "1001" and v["messages"][0]["caller_name"] == "Alice \"A\" Smith"'
json_assert 'v["messages"][0]["reason"] == "busy" and 1.5 <= v["messages"][0]["duration"] <= 2.5'
python3 - "$WORK/ctl.out" "$before" "$after" <<'PY' || fail "the message's date: $(cat "$WORK/ctl.out")"
import calendar, json, sys, time
v = json.load(open(sys.argv[1]))
t = calendar.timegm(time.strptime(v["messages"][0]["date"], "%Y-%m-%dT%H:%M:%SZ"))
sys.exit(0 if int(sys.argv[2]) - 1 <= t <= int(sys.argv[3]) + 1 else 1)
PY
ctl_ok voicemail 1002
grep -q "^  id  *status  *date  *caller  *caller_name  *duration  *reason" "$WORK/ctl.out" ||
	fail "no messages table: $(cat "$WORK/ctl.out")"
grep -q "^  0  *new  *20[0-9-]*T[0-9:]*Z  *1001 " "$WORK/ctl.out" || fail "the message's row: $(cat "$WORK/ctl.out")"

ctl_expect 4 voicemail 9999
grep -q "no voicemail box 9999" "$WORK/ctl.err" || fail "notfound message: $(cat "$WORK/ctl.err")"
ctl_expect 2 voicemail 1002 extra
assert_no_calls
