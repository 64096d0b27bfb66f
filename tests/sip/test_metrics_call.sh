#!/bin/sh
# The metrics during and after a call: a scrape while SIPp's call through
# tandemd is up shows it active, one after it ended counts it ANSWERED
# with its post-dial delay, and the SIP counters saw the INVITE, the 200
# and the BYE both ways. Every scrape passes promtool check metrics.
. "$(dirname "$0")/calls_lib.sh"
. "$top_srcdir/tests/sip/metrics_lib.sh"
write_calls_config "$(metrics_group)"
with_metrics "$WORK/tandem.conf"
start_tandemd "$WORK/tandem.conf"
grep -q "mod_metrics: serving http://127.0.0.1:$mport/metrics" "$WORK/tandemd.log" ||
	fail "mod_metrics did not say where it serves"

scrape "$WORK/m0"
expect "$WORK/m0" tandem_calls_active 0
expect "$WORK/m0" 'tandem_calls_total{disposition="ANSWERED"}' 0
expect "$WORK/m0" tandem_call_setup_seconds_count 0

# the caller holds the call for 3 s before its BYE
scen_subst call_uac call_uac_long 's/<pause milliseconds="200"\/>/<pause milliseconds="3000"\/>/'
grep -q 'milliseconds="3000"' "$WORK/call_uac_long.xml" || fail "no long pause in the scenario"
uas_start call_uas
SCEN=$WORK uac_run call_uac_long bob &
uac_pid=$!
i=0
while :; do
	scrape "$WORK/m1"
	[ "$(metric "$WORK/m1" tandem_calls_active)" = 1 ] && break
	i=$((i + 1))
	[ $i -lt 40 ] || fail "the call never showed as active: $(grep calls_active "$WORK/m1")"
	sleep 0.1
done
# answered by now? the call is up (active) and has heard its 18x or 200
expect "$WORK/m1" tandem_call_setup_seconds_count 1
expect "$WORK/m1" 'tandem_calls_total{disposition="ANSWERED"}' 0
wait $uac_pid || fail "the caller failed"
uas_wait call_uas

# the call core counts a call when it is gone: the BYE's transaction may
# still be finishing for a moment
i=0
while :; do
	scrape "$WORK/m2"
	[ "$(metric "$WORK/m2" tandem_calls_active)" = 0 ] && break
	i=$((i + 1))
	[ $i -lt 40 ] || fail "the call is still active after the BYE"
	sleep 0.1
done
expect "$WORK/m2" 'tandem_calls_total{disposition="ANSWERED"}' 1
for d in BUSY "NO ANSWER" FAILED CANCELLED; do
	expect "$WORK/m2" "tandem_calls_total{disposition=\"$d\"}" 0
done
expect "$WORK/m2" tandem_call_setup_seconds_count 1
expect "$WORK/m2" 'tandem_call_setup_seconds_bucket{le="+Inf"}' 1
# on loopback SIPp answers at once: well under 2 s
expect "$WORK/m2" 'tandem_call_setup_seconds_bucket{le="2"}' 1
# A's INVITE and BYE came in; B's INVITE and BYE went out; 200s both ways
for s in 'tandem_sip_requests_received_total{method="INVITE"}' \
         'tandem_sip_requests_received_total{method="BYE"}' \
         'tandem_sip_requests_received_total{method="ACK"}' \
         'tandem_sip_requests_sent_total{method="INVITE"}' \
         'tandem_sip_requests_sent_total{method="BYE"}' \
         'tandem_sip_requests_sent_total{method="ACK"}' \
         'tandem_sip_responses_received_total{class="2xx"}' \
         'tandem_sip_responses_sent_total{class="2xx"}' \
         'tandem_sip_responses_sent_total{class="1xx"}' \
         'tandem_sip_transactions_total{role="server"}' \
         'tandem_sip_transactions_total{role="client"}'; do
	v=$(metric "$WORK/m2" "$s")
	[ -n "$v" ] && [ "$v" -ge 1 ] || fail "$s is '$v', want at least 1"
done
# and every sample family the core writes is there with its type
for f in 'tandem_calls_active gauge' 'tandem_calls_total counter' \
         'tandem_call_setup_seconds histogram' 'tandem_sip_retransmissions_sent_total counter' \
         'tandem_sip_bad_messages_total counter' 'tandem_sip_transactions gauge'; do
	grep -q "^# TYPE $f\$" "$WORK/m2" || fail "no '# TYPE $f'"
done
# the metrics port is not a SIP port: its traffic is in no SIP counter
before=$(metric "$WORK/m2" 'tandem_sip_requests_received_total{method="OTHER"}')
scrape "$WORK/m3"
expect "$WORK/m3" 'tandem_sip_requests_received_total{method="OTHER"}' "$before"
expect "$WORK/m3" 'tandem_calls_total{disposition="ANSWERED"}' 1
assert_no_calls
echo "ok: a call in the metrics while up and in the totals after"
