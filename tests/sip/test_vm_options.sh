#!/bin/sh
# Voicemail around the edges, the callers on TCP (every in-dialog request of
# the call, ours and theirs, on the caller's connection):
# 1. *98: the box number and PIN asked, keyed by SIP INFO; the right PIN
#    opens the box (log), the caller hangs up.
# 2. *98 with a wrong PIN three times (the box number asked again each time): "login incorrect", goodbye, and
#    tandem hangs up: its BYE reaches the caller over TCP.
# 3. A full box (max_messages = 1): the second caller hears "mailbox full"
#    and tandem hangs up; nothing more is stored.
# 4. The notify command of box 1003 runs for a new message, without a
#    shell in between: the caller's name arrives literally in VM_CALLER_NAME.
# 5. Unsolicited MWI: a phone registered as 1001 that never subscribes gets
#    a NOTIFY message-summary 1/0 when a message is left in its box.
. "$(dirname "$0")/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
VM_BOX_EXTRA='max_messages = 1;'
vm_config '
    { match = "^\\*98$"; do = ( "auth", "voicemail_main()" ); },
    { match = "^full(.+)$"; do = ( "auth", "voicemail(${1})" ); },'
# 1003 runs a command for each message; 1001 NOTIFYs its phones unasked
sed -i -e "s|{ user = \"1003\"; password = \"carol-1003\"; voicemail = { }; }|{ user = \"1003\"; password = \"carol-1003\"; voicemail = { notify = ( \"/bin/sh\", \"-c\", \"env > $WORK/notify.env.tmp \&\& mv $WORK/notify.env.tmp $WORK/notify.env\" ); }; }|" \
       -e 's|voicemail = { pin = "1111"; }|voicemail = { pin = "1111"; mwi = "unsolicited"; }|' "$WORK/users.conf"
grep -q 'notify = ' "$WORK/users.conf" && grep -q unsolicited "$WORK/users.conf" || fail "users.conf not edited"
start_tandemd "$WORK/tandem.conf"
greeting=$(($(prompt_ms vm-busy vm-leave beep) + 800))

# 1. *98 over TCP: box 1002, PIN 2222
vm_keys_scenario login 1001 bye 1500 1 0 0 2 '#' 2 2 2 2 '#'
SCEN=$WORK uac_run login '*98' -t t1 -au 1001 -ap alice-1001 -auth_uri "*98@127.0.0.1:$port" \
	-mi 127.0.0.1 -mp "$(free_port)" -timeout 60
grep -q "box 1002 opened by PIN (0 new, 0 old)" "$WORK/tandemd.log" || fail "the PIN did not open box 1002"

# 2. three wrong PINs: tandem says goodbye and sends its BYE over TCP
vm_keys_scenario badpin 1001 wait 1200 1 0 0 2 '#' 9 '#' 1 0 0 2 '#' 9 '#' 1 0 0 2 '#' 9 '#'
SCEN=$WORK uac_run badpin '*98' -t t1 -au 1001 -ap alice-1001 -auth_uri "*98@127.0.0.1:$port" \
	-mi 127.0.0.1 -mp "$(free_port)" -timeout 60
[ "$(grep -c "login to box 1002 failed" "$WORK/tandemd.log")" = 3 ] || fail "want 3 failed logins"
grep -q "retrieval over" "$WORK/tandemd.log" || fail "tandem did not hang up after the failed logins"

# 3. box 1002 holds one message at most
deposit vm1002 1.5 "$greeting" one
vm_keys_scenario full 1001 wait 100
SCEN=$WORK uac_run full full1002 -t t1 -au 1001 -ap alice-1001 -auth_uri "full1002@127.0.0.1:$port" \
	-mi 127.0.0.1 -mp "$(free_port)" -timeout 60
grep -q "box 1002 is full (1 messages)" "$WORK/tandemd.log" || fail "the full box was not noticed"
[ "$(spool_count 1002 INBOX)" = 1 ] || fail "a full box took another message"

# 5. (registered before the deposit of 4) a phone of 1001 that never subscribes
# (SIPp as a client drops requests of a Call-ID it did not start: the
# phone registers from its port, then a SIPp server listens there)
phone_port=$(free_port)
sipp -sf "$SCEN/vm_phone_register.xml" -m 1 -p "$phone_port" -i 127.0.0.1 -nostdin -timeout 15 \
	-timeout_error -s 1001 -au 1001 -ap alice-1001 127.0.0.1:"$port" >"$WORK/register.out" 2>&1 ||
	fail "the phone did not register: $(cat "$WORK/register.out")"
peer_start vm_phone_unsolicited "$phone_port" -timeout 60
phone=$PEER_PID
deposit vm1001 1.5 "$greeting" unsolicited
peer_wait vm_phone_unsolicited "$phone"

# 4. the notify command
deposit vm1003 1.5 "$greeting" notify
i=0
until [ -f "$WORK/notify.env" ]; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "the notify command did not run"; sleep 0.1
done
for want in VM_BOX=1003 VM_MSGNUM=0000 VM_CALLER_ID=1001 'VM_CALLER_NAME=Alice "A" Smith' \
	VM_REASON=busy "VM_WAV=$SPOOL/1003/INBOX/msg0000.wav"; do
	grep -qxF "$want" "$WORK/notify.env" || fail "notify env lacks $want: $(cat "$WORK/notify.env")"
done
grep -q "notify command for box 1003 message 0000 exited with status 0" "$WORK/tandemd.log" ||
	fail "the command's exit was not logged"

assert_no_calls
echo "ok: *98 PIN login and lockout over TCP (tandem's BYE on the connection), full box, notify command, unsolicited MWI"
