#!/bin/sh
# Listening to voicemail (*97) with RFC 4733 digits, and MWI following it:
# two messages wait in 1002's box (a subscriber sees 2/0). 1002 calls *97
# (challenged, then its digest: no PIN asked), hears "you have two new
# messages", the first message's header and audio, presses 2 (next: the
# first one was heard, it moves to Old: the subscriber's NOTIFY says 1/1),
# then 7 while the second plays (delete). Afterwards INBOX is empty, Old
# holds the first message whole, the second is gone, and a new subscriber
# is told 0/1 with Messages-Waiting: no.
# Then the other keys, by SIP INFO, with two new messages waiting: # skips
# the introduction, 9 saves the first (to Old), # skips the rest of the
# second (heard), * goes back (the second turns old) to the saved one, 7
# deletes it: Old then holds the earlier message and the second one.
. "$(dirname "$0")/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
vm_config
start_tandemd "$WORK/tandem.conf"
greeting=$(($(prompt_ms vm-busy vm-leave beep) + 800))
deposit vm1002 3 "$greeting" first
deposit vm1002 3 "$greeting" second
[ "$(spool_count 1002 INBOX)" = 2 ] || fail "want 2 messages to listen to: $(ls -R "$SPOOL")"

subscriber_start 1002 1002 bob-1002 2/0 yes 1/1
# when the keys go: 2 in the first message's menu, 7 in the second message
header="vm-from digits/1 digits/0 digits/0 digits/1"
first=$(($(prompt_ms vm-you-have digits/2 vm-new vm-messages vm-first $header) + 3000 + 1000))
key2=$(($(prompt_ms vm-next $header) + 1500))
scen_subst vm_uac_retrieve retrieve "s|OWNER|1002|g; s|KEY2_MS|$key2|"
SCEN=$WORK uac_run retrieve '*97' -au 1002 -ap bob-1002 -auth_uri "*97@127.0.0.1:$port" -d "$first" -mi 127.0.0.1 \
	-mp "$(free_port)" -timeout 60
peer_wait sub-1002 "$SUB_PID"

grep -q "box 1002 opened by 1002 (2 new, 0 old)" "$WORK/tandemd.log" || fail "the box was not opened"
grep -q "box 1002 message 0000 heard, now old 0000" "$WORK/tandemd.log" || fail "the first message was not moved to Old"
grep -q "box 1002 message 0001 (new) deleted" "$WORK/tandemd.log" || fail "the second message was not deleted"
[ "$(spool_count 1002 INBOX)" = 0 ] || fail "INBOX not empty: $(ls -R "$SPOOL/1002")"
[ "$(spool_count 1002 Old)" = 1 ] || fail "want 1 old message: $(ls -R "$SPOOL/1002")"
[ ! -e "$SPOOL/1002/INBOX/msg0001.wav" ] && [ ! -e "$SPOOL/1002/INBOX/msg0001.txt" ] ||
	fail "the deleted message's files are still there"
python3 "$VM_PY" check "$SPOOL/1002/Old/msg0000.wav" 3 || fail "the saved message is not whole"

subscriber_start 1002 1002 bob-1002 0/1 no -
peer_wait sub-1002 "$SUB_PID"

deposit vm1002 1 "$greeting" third
deposit vm1002 1 "$greeting" fourth
vm_keys_scenario keys 1002 bye 1200 '#' 9 '#' '*' 7
SCEN=$WORK uac_run keys '*97' -au 1002 -ap bob-1002 -auth_uri "*97@127.0.0.1:$port" \
	-mi 127.0.0.1 -mp "$(free_port)" -timeout 60
for line in "message 0000 heard, now old 0001" "message 0001 heard, now old 0002" \
	"message 0001 (old) deleted"; do
	grep -q "box 1002 $line" "$WORK/tandemd.log" || fail "keys 9 # * 7: no '$line'"
done
[ "$(spool_count 1002 INBOX)" = 0 ] || fail "INBOX not empty after the keys: $(ls -R "$SPOOL/1002")"
[ -e "$SPOOL/1002/Old/msg0000.wav" ] && [ -e "$SPOOL/1002/Old/msg0002.wav" ] &&
	[ ! -e "$SPOOL/1002/Old/msg0001.wav" ] || fail "Old is not 0000 and 0002: $(ls "$SPOOL/1002/Old")"
assert_no_calls
echo "ok: *97 with RFC 4733 keys: heard -> Old, deleted -> gone, MWI 2/0 -> 1/1 -> 0/1; INFO keys # 9 # * 7"
