#!/bin/sh
# tandemctl reload while a call is up: the call keeps the rule it started
# with (calls shows it) and its BYE still works, the next call follows the
# new rule; a broken dialplan is refused with FILE:LINE in tandemctl's
# output (and its JSON "errors"), exit status 1, and the rules in force
# still answer. loglevel shows and sets the level.
. "$(dirname "$0")/tandemctl_lib.sh"
# write_plan ACTION: the config, bob's rule doing ACTION
write_plan() {
	write_config "$WORK/tandem.conf" "$port" "
state_dir = \"$WORK\";
calls: { dial_timeout = 5; };
dialplan: {
  internal: (
    { match = \"^bob\$\"; do = ( \"$1\" ); }
  );
};"
}
write_plan "dial(sip:bob@127.0.0.1:$uas_port, 5)"
start_tandemd "$WORK/tandem.conf"

# a call that stays up 4 s, then the caller's BYE
sed 's/<pause milliseconds="200"\/>/<pause milliseconds="4000"\/>/' "$SCEN/call_uac.xml" >"$WORK/call_uac_long.xml"
grep -q 'milliseconds="4000"' "$WORK/call_uac_long.xml" || fail "call_uac.xml has no pause to lengthen"
uas_start call_uas
SCEN=$WORK caller_start call_uac_long bob tandemctl-reload-1
caller_pid=$PEER_PID
wait_calls 'len(v) == 1 and v[0]["state"] == "answered" and v[0]["rule"] == "^bob$"'

write_plan "reject(486, Busy In The New Plan)"
ctl_ok reload
grep -q "^reloaded: *true" "$WORK/ctl.out" || fail "reload output: $(cat "$WORK/ctl.out")"
grep -q "control: reloading $WORK/tandem.conf" "$WORK/tandemd.log" || fail "the reload is not logged"
# the call in progress keeps its plan, the next one meets the new rule
ctl_ok --json calls
json_assert 'len(v) == 1 and v[0]["call_id"] == "tandemctl-reload-1" and v[0]["state"] == "answered"'
uac_fail 486 bob
uas_wait call_uas
peer_wait call_uac_long "$caller_pid"
wait_calls 'v == []'

# a broken dialplan: refused, with the line of the bad action
write_plan "nosuchaction(1)"
bad_line=$(grep -n 'nosuchaction' "$WORK/tandem.conf" | cut -d: -f1)
ctl_expect 1 reload
grep -q "reload refused" "$WORK/ctl.err" || fail "reload refused message: $(cat "$WORK/ctl.err")"
grep -q "$WORK/tandem.conf:$bad_line: .*unknown action 'nosuchaction'" "$WORK/ctl.err" ||
	fail "the refusal does not name $WORK/tandem.conf:$bad_line: $(cat "$WORK/ctl.err")"
ctl_expect 1 --json reload
json_assert 'v["ok"] is False and v["kind"] == "failed"'
json_assert 'any(e.startswith("'"$WORK/tandem.conf:$bad_line:"'") for e in v["errors"])'
# a syntax error: its line too
write_plan "reject(486)"
echo "this is not libconfig" >>"$WORK/tandem.conf"
bad_line=$(wc -l <"$WORK/tandem.conf")
ctl_expect 1 reload
grep -q "$WORK/tandem.conf:$bad_line: " "$WORK/ctl.err" ||
	fail "the syntax error is not at $WORK/tandem.conf:$bad_line: $(cat "$WORK/ctl.err")"
# the rules in force still answer
uac_fail 486 bob
ctl_ok status
grep -q "^calls_total: *3$" "$WORK/ctl.out" || fail "status: $(cat "$WORK/ctl.out")"

# loglevel: show, set, refuse
ctl_ok loglevel
grep -q "^level: *debug$" "$WORK/ctl.out" || fail "loglevel: $(cat "$WORK/ctl.out")"
ctl_ok --json loglevel notice
json_assert 'v == {"level": "notice", "previous": "debug"}'
ctl_ok loglevel
grep -q "^level: *notice$" "$WORK/ctl.out" || fail "loglevel after setting: $(cat "$WORK/ctl.out")"
ctl_expect 2 loglevel loud
ctl_ok loglevel debug

assert_no_calls
echo "ok: reload keeps the call's rule, the next call follows the new one, a broken plan is refused"
