#!/bin/sh
# kill -9 in mid-recording loses nothing that was finished and leaves no
# torn message: a whole message is left first; a second caller is being
# recorded (its audio is in the box's tmp/) when tandemd is killed. After
# the restart tmp/ is empty, the INBOX holds exactly the first message
# (whole: its audio and metadata), the counts are rebuilt from the disk
# (the start-up line, and the first NOTIFY of a subscriber says 1/0).
. "$(dirname "$0")/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
vm_config
start_tandemd "$WORK/tandem.conf"
greeting=$(($(prompt_ms vm-busy vm-leave beep) + 800))

deposit vm1002 2 "$greeting" whole
[ "$(spool_count 1002 INBOX)" = 1 ] || fail "the first message was not stored"

# the second caller streams 10 s; tandemd dies 2.5 s into its recording
python3 "$VM_PY" pcap "$WORK/long.pcap" 10 || fail "cannot write the pcap"
scen_subst vm_uac_deposit long "s|PCAP|$WORK/long.pcap|; s|AUDIO_MS|10700|"
SCEN=$WORK peer_start long "$(free_port)" 127.0.0.1:"$port" -s vm1002 -d "$greeting" \
	-mi 127.0.0.1 -mp "$(free_port)" -timeout 60
caller=$PEER_PID
i=0
until [ "$(grep -c "to box 1002 (busy)" "$WORK/tandemd.log")" = 2 ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "the second call did not reach the box"; sleep 0.1
done
sleep "$(python3 -c "print($greeting / 1000 + 2.5)")"
partial=$(find "$SPOOL/1002/tmp" -type f -size +1k | head -n 1)
[ -n "$partial" ] || fail "no recording in progress in tmp/: $(ls -la "$SPOOL/1002/tmp")"
kill -KILL "$TANDEM_PID"
wait "$TANDEM_PID" 2>/dev/null
TANDEM_PID=""
kill -KILL "$caller" 2>/dev/null
wait "$caller" 2>/dev/null
[ "$(spool_count 1002 INBOX)" = 1 ] || fail "a message appeared in INBOX though its call was killed"

mv "$WORK/tandemd.log" "$WORK/tandemd-killed.log"
start_tandemd "$WORK/tandem.conf"
[ -z "$(ls -A "$SPOOL/1002/tmp")" ] || fail "tmp/ still holds $(ls "$SPOOL/1002/tmp") after the restart"
[ "$(spool_count 1002 INBOX)" = 1 ] || fail "want 1 message after the restart: $(ls -R "$SPOOL")"
python3 "$VM_PY" check "$SPOOL/1002/INBOX/msg0000.wav" 2 || fail "the finished message is not whole"
python3 "$VM_PY" meta "$SPOOL/1002/INBOX/msg0000.txt" box=1002 reason=busy || fail "its metadata"
grep -q "mod_voicemail: 3 boxes under .*, 1 new messages" "$WORK/tandemd.log" ||
	fail "counts not rebuilt: $(grep 'boxes under' "$WORK/tandemd.log")"
subscriber_start 1002 1002 bob-1002 1/0 yes -
peer_wait sub-1002 "$SUB_PID"
assert_no_calls
echo "ok: kill -9 in mid-recording: no partial message, the finished one whole, counts rebuilt (MWI 1/0)"
