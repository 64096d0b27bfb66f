#!/bin/sh
# Boxes change on reload (SIGHUP), and a bad users file changes nothing:
# 1. users.conf broken (a box with a PIN that is not digits): the reload is
#    refused with the file and line, and box 1002 still takes messages.
# 2. users.conf with a new user 1004 and its box: after the reload a
#    message for 1004 is stored, and a subscriber of 1004 is accepted.
. "$(dirname "$0")/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
vm_config
start_tandemd "$WORK/tandem.conf"
greeting=$(($(prompt_ms vm-busy vm-leave beep) + 800))
cp "$WORK/users.conf" "$WORK/users.good"

reload() {
	n=$(grep -c "SIGHUP: reloading" "$WORK/tandemd.log")
	kill -HUP "$TANDEM_PID"
	i=0
	until [ "$(grep -c -E "reload failed|reloaded, [0-9]+ boxes" "$WORK/tandemd.log")" -gt "$n" ]; do
		i=$((i + 1)); [ $i -lt 50 ] || fail "the reload did not finish"; sleep 0.1
	done
}

# 1. a bad PIN on line 3: refused, the old boxes stay
sed 's|pin = "2222";|pin = "22x2";|' "$WORK/users.good" >"$WORK/users.conf"
reload
grep -q "mod_voicemail: $WORK/users.conf:3: user .1002.: pin must be" "$WORK/tandemd.log" ||
	fail "the error does not name users.conf:3: $(grep -i 'voicemail.*users.conf' "$WORK/tandemd.log")"
grep -q "reload failed: the old configuration stays in force" "$WORK/tandemd.log" || fail "the bad reload was not refused"
deposit vm1002 1.5 "$greeting" after-bad
[ "$(spool_count 1002 INBOX)" = 1 ] || fail "box 1002 lost after a refused reload"

# 2. a new box
sed 's|^); };$|, { user = "1004"; password = "dave-1004"; voicemail = { pin = "4444"; }; }\n); };|' \
	"$WORK/users.good" >"$WORK/users.conf"
grep -q 1004 "$WORK/users.conf" || fail "users.conf not edited"
reload
grep -q "mod_voicemail: reloaded, 4 boxes" "$WORK/tandemd.log" || fail "the new box was not loaded"
deposit vm1004 1.5 "$greeting" new-box
[ "$(spool_count 1004 INBOX)" = 1 ] || fail "no message in the new box 1004"
subscriber_start 1004 1004 dave-1004 1/0 yes -
peer_wait sub-1004 "$SUB_PID"
assert_no_calls
echo "ok: a bad users file is refused with file:line and the old boxes stay; a new box works after the reload"
