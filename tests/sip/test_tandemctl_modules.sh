#!/bin/sh
# A module's control commands and call members (tests/sip/mod_ctlcmd.c,
# include/tandem/control.h) through tandemctl, which knows nothing of
# them: help and modules list them, a listing with nested members is a
# table with flattened columns, a failure carries its detail and exits 1,
# bad arguments exit 2 with the usage; a call's object has the module's
# members; the core's command names cannot be taken.
. "$(dirname "$0")/tandemctl_lib.sh"
MODDIR=$top_builddir/tests/sip/.libs
[ -f "$MODDIR/mod_ctlcmd.so" ] || fail "mod_ctlcmd.so not built (make check builds it)"
write_calls_config "state_dir = \"$WORK\";"
sed '/^echo: /d; s/^modules = ( "echo" );/modules = ( "ctlcmd" );/' "$WORK/tandem.conf" >"$WORK/mod.conf"
start_tandemd "$WORK/mod.conf"
grep -q "ctlcmd: adding status: refused, taken" "$WORK/tandemd.log" ||
	fail "a module could take the core's status: $(grep ctlcmd "$WORK/tandemd.log")"

ctl_ok --json help
json_assert '[(c["command"], c["module"]) for c in v if c["module"] != "core"] == [("peers", "ctlcmd"), ("fail", "ctlcmd")]'
ctl_ok --json modules
json_assert 'v == [{"name": "ctlcmd", "started": True, "hooks": [], "actions": [], "commands": ["peers", "fail"]}]'

ctl_ok peers
cat >"$WORK/peers.want" <<'OUT'
name            state  stats.rx  stats.tx
alpha           up     10        20
beta-long-name  down   0         3
OUT
diff -u "$WORK/peers.want" "$WORK/ctl.out" >&2 || fail "peers as a table"
ctl_ok --json peers
json_assert 'v[1] == {"name": "beta-long-name", "state": "down", "stats": {"rx": 0, "tx": 3}}'

# an argument that looks like an option belongs to the command
ctl_expect 1 --json fail -x
json_assert 'v == {"ok": False, "kind": "failed", "error": "failed as asked: -x", "why": "-x"}'
grep -q "^tandemctl: failed as asked: -x$" "$WORK/ctl.err" || fail "fail's message: $(cat "$WORK/ctl.err")"
ctl_expect 2 fail
grep -q "say why (usage: fail WHY)" "$WORK/ctl.err" || fail "fail's usage: $(cat "$WORK/ctl.err")"

# the module's members in a live call, flattened in the table
uas_start call_uas
caller_start tandemctl_uac_hungup bob tandemctl-mod-1
caller_pid=$PEER_PID
wait_calls 'len(v) == 1 and v[0]["state"] == "answered"'
json_assert 'v[0]["ctlcmd"] == {"mark": "seen", "number": v[0]["id"]}'
ctl_ok calls
head -n 1 "$WORK/ctl.out" | grep -q "  ctlcmd.mark  ctlcmd.number$" || fail "calls header: $(head -n 1 "$WORK/ctl.out")"
tail -n 1 "$WORK/ctl.out" | grep -q "tandemctl-mod-1 .* seen  *[0-9][0-9]*$" || fail "calls row: $(tail -n 1 "$WORK/ctl.out")"
ctl_ok hangup tandemctl-mod-1
uas_wait call_uas
peer_wait tandemctl_uac_hungup "$caller_pid"
assert_no_calls
echo "ok: a module's commands and call members through tandemctl"
