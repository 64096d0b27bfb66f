#!/bin/sh
# A whole trunk against a real provider (mod_trunk, issue 12): Kamailio
# (tests/sip/trunk_provider.cfg with calls) is the provider, SIPp the
# public network behind it. tandem registers the account; office phone
# 1001 calls out: Kamailio's proxy asks for digest (407), tandem answers
# it, the call reaches the network and media flows through the relay both
# ways. Then the network calls the office's number: Kamailio finds tandem's
# registration (lookup), tandem knows the call for the trunk's by its
# Contact user and takes the DID from To, and 1001's phone answers.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/sip/trunk_lib.sh"
. "$top_srcdir/tests/sip/kamailio_lib.sh"
command -v kamailio >/dev/null || fail "kamailio is not installed (tools/deps)"
KAM_PID=""
kam_cleanup() {
	[ -n "$KAM_PID" ] && kill -TERM "$KAM_PID" 2>/dev/null && sleep 0.2
	calls_cleanup
}
trap kam_cleanup EXIT

kport=$(free_port)
pstn=$(free_port)
KAM_DEFINES="-A PSTN_PORT=$pstn -A PSTN_URI=\"sip:127.0.0.1:$pstn\""
kam_start
trunk_office "{ name = \"a\"; host = \"127.0.0.1:$kport\"; username = \"office\"; password = \"trunk-secret\";
                contact_user = \"office-line\"; register = true; expires = 60; context = \"from-prov\"; }" '
  from-prov: ( { match = "^4930100(1[0-9]{3})$"; do = ( "dial(${1}, 10)" ); } ),'
start_tandemd "$WORK/tandem.conf"
kam_wait 1 "REGISTERED aor=sip:office@127.0.0.1 contact=<sip:office-line@127.0.0.1:$port>" 10 ||
	fail "tandem did not register at Kamailio: $(tail -5 "$WORK/kamailio.log")"
python3 "$VM_PY" pcap "$WORK/talk.pcap" 1.5 || fail "cannot write the pcap"

# 1. Out: 1001 -> tandem -> Kamailio (407 answered) -> the network.
provider pstn-in "$pstn" "$(check ruri '^INVITE sip:4930555@127\.0\.0\.1:'"$kport"' SIP/2\.0'
	check rr '&lt;sip:127\.0\.0\.1:'"$kport"';lr' Record-Route)" "$(p_answer)" \
	-rtp_echo -mi 127.0.0.1 -mp "$(free_port)"
pstn_pid=$PEER_PID
office_call 1001 94930555 "$(c_talks 2500 "$WORK/talk.pcap")"
peer_wait pstn-in "$pstn_pid"
kam_wait 1 "CALL-OUT ruri=sip:4930555@127.0.0.1:$kport from=sip:1001@127.0.0.1" 2 ||
	fail "Kamailio did not authenticate the call: $(grep -E 'CALL|auth' "$WORK/kamailio.log" | tail -3)"
cid=$(call_out_cid a)
for side in A B; do
	rx=$(rx_of "$cid" "$side")
	[ "${rx:-0}" -ge 50 ] || fail "side $side of the call out received ${rx:-0} RTP packets"
done

# 2. In: the network calls the office's account at Kamailio; the DID in To.
agent_phone 1001 "$(free_port)" queue_agent -m 1 -mi 127.0.0.1 -mp "$(free_port)"
phone=$PEER_PID
to_did='s|To: <sip:\[service\]@|To: <sip:49301001001@|'
q_talk 800 | sed "$to_did" >"$WORK/pstn-out.steps"
sed -e "$to_did" -e "/^STEPS\$/r $WORK/pstn-out.steps" -e '/^STEPS$/d' "$SCEN/queue_uac.xml" >"$WORK/pstn-out.xml"
SCEN=$WORK peer_start pstn-out "$pstn" 127.0.0.1:"$kport" -s office -mi 127.0.0.1 -mp "$(free_port)" -timeout 40
peer_wait pstn-out "$PEER_PID"
peer_wait queue_agent-1001 "$phone"
kam_wait 1 "CALL-IN ruri=sip:office-line@127.0.0.1:$port" 2 || fail "Kamailio did not send the call to tandem's registration"
grep -q "from trunk a, DID 49301001001, context from-prov" "$WORK/tandemd.log" ||
	fail "tandem did not take the call for the trunk's"

assert_no_calls
kam_wait 1 "UNREGISTERED aor=sip:office@127.0.0.1" 3 || fail "no unregister at tandem's stop"
echo "ok: registered at Kamailio, out with its 407 answered and media relayed, in by the registration with the DID from To"
