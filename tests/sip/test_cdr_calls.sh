#!/bin/sh
# mod_cdr: an answered call held 2 s (with RTP both ways through the
# relay), a busy callee (486), no answer (the dial timeout) and a CANCEL
# each leave one record with the right disposition, times, parties and
# media counters, alike in the CSV (Asterisk's 18 columns), the JSON lines
# and the SQLite table (read with the sqlite3 CLI).
. "$(dirname "$0")/cdr_lib.sh"
cdr_config
start_tandemd "$WORK/tandem.conf"
# answered: the caller plays 2 s of G.711 for the callee, who echoes it
scen_subst call_uac cdr_uac_hold 's|<pause milliseconds="200"/>|<nop><action><exec play_pcap_audio="/usr/share/sip-tester/g711a.pcap"/></action></nop><pause milliseconds="2000"/>|'
grep -q "g711a.pcap" "$WORK/cdr_uac_hold.xml" || fail "the scenario edit did not apply"
uas_start call_uas -rtp_echo -mp "$(free_port)"
SCEN=$WORK uac_run cdr_uac_hold bob -mp "$(free_port)"
uas_wait call_uas
# busy
uas_reject 486
uac_fail 486 bob
uas_wait call_uas_reject_486
# no answer: the rule's dial gives up after 2 s, on(noanswer) answers 480
uas_start call_uas_cancel
uac_fail 480 noanswer
uas_wait call_uas_cancel
# cancelled by the caller while it rings
uas_start call_uas_cancel
uac_run call_uac_cancel bob
uas_wait call_uas_cancel
assert_no_calls
$CHECK calls "$CSV" "$JSONL" "$DB" "$WORK/tandemd.log" "$uas_port" || fail "the records are not right"
echo "ok: answered, busy, no answer and cancelled calls recorded in CSV, JSON and SQLite"
