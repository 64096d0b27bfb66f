#!/bin/sh
# Calls out through trunks (mod_trunk, issue 12), the providers played by
# SIPp: the provider's 407 answered with the trunk's credentials (SIPp
# verifies the digest), caller ID and P-Asserted-Identity as configured,
# media relayed both ways; failover from a provider answering 503 to the
# next trunk; no failover after the callee's 486; a trunk over TCP (every
# request of the call on the provider's connection); an outbound proxy.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/sip/trunk_lib.sh"

pa=$(free_port)
pb=$(free_port)
pt=$(free_port)
p_proxy=$(free_port)
trunk_office "$(trunk_def a "$pa" 'caller_id = "+493012345"; caller_name = "Office"; pai = true; codecs = [ "PCMA" ];'),
              $(trunk_def b "$pb" 'privacy = true; pai = true;'), $(trunk_def t "$pt" 'transport = "tcp";'),
              { name = \"p\"; host = \"sip.provider.example\"; outbound_proxy = \"sip:127.0.0.1:$p_proxy\";
                username = \"office-p\"; password = \"secret-p\"; }"
# 7<number> goes out through the TCP trunk, 6<number> through the proxy
sed -i 's/^  internal: (/  internal: (\n    { match = "^7(.+)$"; do = ( "auth", "dial(trunk:t\/${1})" ); },\n    { match = "^6(.+)$"; do = ( "auth", "dial(trunk:p\/${1})" ); },/' "$WORK/tandem.conf"
start_tandemd "$WORK/tandem.conf"
python3 "$VM_PY" pcap "$WORK/talk.pcap" 1.5 || fail "cannot write the pcap"

# 1. Out through a: the 407 answered, the caller ID as configured (the
# account in From, the office number in P-Asserted-Identity), only PCMA
# offered (telephone-event kept), answered, media both ways.
provider prov-a "$pa" "$(check ruri '^INVITE sip:4930555@127\.0\.0\.1:'"$pa"' SIP/2\.0'
	check from '^ *.Office. &lt;sip:office-a@127\.0\.0\.1&gt;;tag=' From
	check pai '^ *.Office. &lt;sip:\+493012345@127\.0\.0\.1&gt;$' P-Asserted-Identity
	check codecs 'm=audio [0-9]+ RTP/AVP 8 101'
	echo '      <ereg regexp="G729|PCMU" search_in="body" check_it_inverse="true" assign_to="nocodec"/>')" \
	"$(p_challenge 407 office-a; p_answer)" -rtp_echo -mi 127.0.0.1 -mp "$(free_port)"
pa_pid=$PEER_PID
office_call 1001 94930555 "$(c_talks 2500 "$WORK/talk.pcap")"
peer_wait prov-a "$pa_pid"
digest_ok prov-a office-a secret-a
cid=$(call_out_cid a)
[ -n "$cid" ] || fail "no call out through trunk a logged"
for side in A B; do
	rx=$(rx_of "$cid" "$side")
	[ "${rx:-0}" -ge 50 ] || fail "side $side of the trunk call received ${rx:-0} RTP packets"
done
grep -q "INVITE again for mod_trunk" "$WORK/tandemd.log" || fail "the 407 was not answered by mod_trunk"

# 2. a answers 503: the call fails over to b, which challenges with 401
# (SIPp checks the credentials) and answers. Trunk b keeps the caller
# private (RFC 3323 §4.1.1.3: an anonymous From, Privacy: id; the identity
# only in P-Asserted-Identity, RFC 3325).
provider prov-a503 "$pa" "" "$(p_reject 503)"
pa_pid=$PEER_PID
provider prov-b "$pb" "$(check ruri '^INVITE sip:4930666@127\.0\.0\.1:'"$pb"' SIP/2\.0'
	check anon '^ *.Anonymous. &lt;sip:anonymous@anonymous\.invalid&gt;;tag=' From
	check privacy '^ *id$' Privacy
	check pai '&lt;sip:1001@127\.0\.0\.1&gt;' P-Asserted-Identity)" \
	"$(p_challenge 401 office-b; p_answer)" -rtp_echo -mi 127.0.0.1 -mp "$(free_port)"
pb_pid=$PEER_PID
office_call 1001 94930666 "$(c_talks 500)"
peer_wait prov-a503 "$pa_pid"
peer_wait prov-b "$pb_pid"

# 3. a answers 486 (the callee is busy): the caller gets 486, b is never
# tried (its SIPp would fail on an INVITE it was not told to expect: here it
# only waits, and must have seen nothing).
provider prov-a486 "$pa" "" "$(p_reject 486)"
pa_pid=$PEER_PID
office_call 1001 94930777 "$(c_fails 486)"
peer_wait prov-a486 "$pa_pid"
grep -q "486 from provider leg trunk:a/4930777: no further target is tried" "$WORK/tandemd.log" ||
	fail "the 486 did not stop the failover"
grep -q "B-leg trunk:b/4930777" "$WORK/tandemd.log" && fail "trunk b was tried after a 486"

# 4. A trunk over TCP: the INVITE (with ;transport=tcp), its 407, the ACK
# and the BYE all go over the provider's connection (SIPp listens on TCP
# only: anything sent over UDP would be lost and the call fail).
provider prov-tcp "$pt" "$(check ruri '^INVITE sip:4930888@127\.0\.0\.1:'"$pt"';transport=tcp SIP/2\.0'
	check via '^ *SIP/2\.0/TCP ' Via)" "$(p_challenge 407 office-t; p_answer)" -t t1 -mi 127.0.0.1 -mp "$(free_port)"
pt_pid=$PEER_PID
office_call 1001 74930888 "$(c_talks 500)"
peer_wait prov-tcp "$pt_pid"
digest_ok prov-tcp office-t secret-t

# 5. A provider behind an outbound proxy (RFC 3261 §8.1.2): the INVITE for
# sip:NUMBER@sip.provider.example goes to the proxy, with a loose Route to
# it (the provider's name is never looked up).
provider prov-proxy "$p_proxy" "$(check ruri '^INVITE sip:4930999@sip\.provider\.example SIP/2\.0'
	check route '^ *&lt;sip:127\.0\.0\.1:'"$p_proxy"';lr&gt;$' Route
	check from '&lt;sip:1001@sip\.provider\.example&gt;' From)" "$(p_challenge 407 office-p; p_answer)" \
	-mi 127.0.0.1 -mp "$(free_port)"
pp_pid=$PEER_PID
office_call 1001 64930999 "$(c_talks 300)"
peer_wait prov-proxy "$pp_pid"

assert_no_calls
echo "ok: 407 answered, caller ID and codecs as configured, media relayed; 503 fails over, 486 does not; TCP trunk; outbound proxy"
