#!/bin/sh
# tandemctl against a live call: `calls` shows it (the caller's Call-ID,
# both parties, answered, its rule) as a table and as JSON; `hangup` by
# Call-ID ends it and both SIPp sides get a BYE; then the exit statuses
# scripts rely on: 4 for a call that is gone, 2 for a bad command or bad
# arguments (naming `tandemctl help`), 3 when no tandemd answers.
. "$(dirname "$0")/tandemctl_lib.sh"
write_calls_config "state_dir = \"$WORK\";"
start_tandemd "$WORK/tandem.conf"
[ -S "$CTL_SOCK" ] || fail "no control socket at $CTL_SOCK"
[ "$(stat -c %a "$CTL_SOCK")" = 660 ] || fail "socket mode $(stat -c %a "$CTL_SOCK"), not 660"

ctl_ok --json calls
json_assert 'v == []'

uas_start call_uas
caller_start tandemctl_uac_hungup bob tandemctl-hangup-1
caller_pid=$PEER_PID
wait_calls 'len(v) == 1 and v[0]["state"] == "answered"'
json_assert 'v[0]["call_id"] == "tandemctl-hangup-1"'
json_assert '"sip:alice@127.0.0.1" in v[0]["caller"] and v[0]["called"] == "bob"'
json_assert 'v[0]["callee"] == "sip:bob@127.0.0.1:'"$uas_port"'"'
json_assert 'v[0]["context"] == "internal" and v[0]["rule"] == "^(.+)$"'
json_assert 'v[0]["b_call_id"].endswith("@tandem") and v[0]["duration"] >= 0'
json_assert 'isinstance(v[0]["id"], int) and v[0]["owner"] is None'
call_no=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$WORK/ctl.out")

# the table: a header in the members' order, the call on one aligned row
ctl_ok calls
head -n 1 "$WORK/ctl.out" | grep -q "^id  *state  *caller  *called  *callee  *duration" ||
	fail "calls header: $(head -n 1 "$WORK/ctl.out")"
[ "$(wc -l <"$WORK/ctl.out")" -eq 2 ] || fail "calls is not one header and one row: $(cat "$WORK/ctl.out")"
grep -q "^$call_no  *answered  *.*bob  *sip:bob@127.0.0.1:$uas_port .*tandemctl-hangup-1" "$WORK/ctl.out" ||
	fail "the call's row: $(cat "$WORK/ctl.out")"
hdr=$(head -n 1 "$WORK/ctl.out")
row=$(tail -n 1 "$WORK/ctl.out")
col_h=$(printf '%s\n' "$hdr" | awk '{ print index($0, "call_id") }')
col_r=$(printf '%s\n' "$row" | awk '{ print index($0, "tandemctl-hangup-1") }')
[ "$col_h" = "$col_r" ] || fail "call_id column not aligned ($col_h vs $col_r)"

ctl_ok status
grep -q "^calls_active: *1$" "$WORK/ctl.out" || fail "status: $(cat "$WORK/ctl.out")"

# hangup by the caller's Call-ID: both sides get tandem's BYE
ctl_ok hangup tandemctl-hangup-1
grep -q "tandemctl-hangup-1" "$WORK/ctl.out" || fail "hangup shows the call: $(cat "$WORK/ctl.out")"
uas_wait call_uas
peer_wait tandemctl_uac_hungup "$caller_pid"
wait_calls 'v == []'
grep -q "hung up by a module: hung up from the control socket" "$WORK/tandemd.log" ||
	fail "no hangup line in the log"

# a second call, hung up by tandemd's call number
uas_start call_uas
caller_start tandemctl_uac_hungup bob tandemctl-hangup-2
caller_pid=$PEER_PID
wait_calls 'len(v) == 1 and v[0]["state"] == "answered"'
call_no=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$WORK/ctl.out")
ctl_ok --json hangup "$call_no"
json_assert 'v["call_id"] == "tandemctl-hangup-2"'
uas_wait call_uas
peer_wait tandemctl_uac_hungup "$caller_pid"

# exit statuses
ctl_expect 4 hangup tandemctl-hangup-1
grep -q "no call tandemctl-hangup-1" "$WORK/ctl.err" || fail "not-found message: $(cat "$WORK/ctl.err")"
ctl_expect 4 hangup 999999
ctl_expect 2 frobnicate
grep -q "unknown command 'frobnicate'" "$WORK/ctl.err" || fail "bad command message: $(cat "$WORK/ctl.err")"
grep -q "tandemctl help" "$WORK/ctl.err" || fail "the bad command's error does not name tandemctl help"
ctl_expect 2 hangup
grep -q "usage: hangup CALL" "$WORK/ctl.err" || fail "hangup without a call: $(cat "$WORK/ctl.err")"
ctl_expect 2 loglevel shouting
ctl_expect 2 calls extra
ctl_expect 2 --no-such-option status
"$TANDEMCTL" >/dev/null 2>&1; [ $? -eq 2 ] || fail "tandemctl without a command did not exit 2"
"$TANDEMCTL" -s "$WORK/nothere.ctl" status >/dev/null 2>"$WORK/ctl.err"
[ $? -eq 3 ] || fail "a missing socket did not exit 3"
grep -q "no control socket at $WORK/nothere.ctl" "$WORK/ctl.err" || fail "missing socket: $(cat "$WORK/ctl.err")"
# -c: the socket found through the config (state_dir)
"$TANDEMCTL" -c "$WORK/tandem.conf" status >"$WORK/ctl.out" 2>&1 || fail "-c: $(cat "$WORK/ctl.out")"
grep -q "^calls_total: *2$" "$WORK/ctl.out" || fail "status after two calls: $(cat "$WORK/ctl.out")"

assert_no_calls
[ -e "$CTL_SOCK" ] && fail "the socket is still there after tandemd stopped"
"$TANDEMCTL" -s "$CTL_SOCK" status >/dev/null 2>&1; [ $? -eq 3 ] || fail "a stopped tandemd did not exit 3"
echo "ok: tandemctl shows, hangs up (both legs BYE) and exits 0/2/3/4"
