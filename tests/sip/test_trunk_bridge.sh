#!/bin/sh
# Bridging two trunks (mod_trunk, issue 12): provider A's call to DID
# 555NNN goes out through trunk b as 49NNN (the number rewritten by the
# dialplan's capture). Both legs see consistent SDP: with the media relay
# each side is offered and answered the relay's address (and RTP flows
# both ways through it); with media = "direct" each side gets the other
# provider's own address. INFO (DTMF) and a re-INVITE (hold) from A reach
# B and come back answered.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/sip/trunk_lib.sh"

pa=$(free_port)
pb=$(free_port)
python3 "$VM_PY" pcap "$WORK/talk.pcap" 1.5 || fail "cannot write the pcap"

# A's side after its INVITE: answered, INFO with a DTMF digit, hold by
# re-INVITE (sendonly), audio, BYE. CSeqs 1 (INVITE, ACK) to 4 (BYE).
a_steps() {
	cat <<'XML'
  <recv response="180" optional="true"/>
  <recv response="200" rrs="true">
    <action><ereg regexp=".*" search_in="body" assign_to="answer"/></action>
  </recv>
XML
	q_request ACK 1
	q_request INFO 2 "      Content-Type: application/dtmf-relay
      Content-Length: [len]

      Signal=5
      Duration=160"
	echo '  <recv response="200"/>'
	q_request INVITE 3 "      Contact: <sip:caller@[local_ip]:[local_port]>
      Content-Type: application/sdp
      Content-Length: [len]

$(sdp caller 2 "0 PCMU" sendonly)"
	cat <<'XML'
  <recv response="100" optional="true"/>
  <recv response="200">
    <action><ereg regexp="a=recvonly" search_in="body" check_it="true" assign_to="held"/></action>
  </recv>
XML
	q_request ACK 3
	echo '  <nop><action><exec play_pcap_audio="PCAP"/></action></nop>'
	echo '  <pause milliseconds="2500"/>'
	q_request BYE 4
	echo '  <recv response="200"/>'
	echo '  <Reference variables="answer,held"/>'
}

# B's side after the answer (p_answer without its end): the INFO, the
# re-INVITE with hold answered recvonly, then A's BYE.
b_steps() {
	ANSWER_PT="0 PCMU" p_answer | sed '/<recv request="BYE"\/>/,$d'
	cat <<'XML'
  <recv request="INFO">
    <action><ereg regexp="Signal=5" search_in="body" check_it="true" assign_to="digit"/></action>
  </recv>
XML
	sipp_ok
	cat <<XML
  <recv request="INVITE">
    <action><ereg regexp="a=sendonly" search_in="body" check_it="true" assign_to="hold"/></action>
  </recv>
  <send retrans="500">
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:provider@[local_ip]:[local_port]>
      Content-Type: application/sdp
      Content-Length: [len]

$(sdp provider 8 "0 PCMU" recvonly)

    ]]>
  </send>
  <recv request="ACK"/>
XML
	ANSWER_PT="0 PCMU" p_answer | sed -n '/<recv request="BYE"\/>/,$p'
}

# sdp_port LOG FIRSTLINE: the m=audio port of the first message in SIPp's
# LOG whose start line matches FIRSTLINE (received or sent).
sdp_port() {
	python3 - "$1" "$2" <<'PY'
import re, sys
text = open(sys.argv[1], errors="replace").read()
# SIPp's log: a line of dashes, "UDP message received [N] bytes :" or
# "UDP message sent (N bytes):", then the message
for chunk in re.split(r"^-{10,}.*$", text, flags=re.M):
    msg = chunk.strip("\n").split("\n", 1)[-1].strip("\n")
    if re.match(sys.argv[2], msg):
        m = re.search(r"^m=audio (\d+)", msg, re.M)
        if m:
            print(m.group(1))
            break
PY
}

# bridge MEDIA: one call A -> tandem -> B with both trunks' media = MEDIA.
bridge() {
	amp=$(free_port); bmp=$(free_port)
	trunk_office "$(trunk_def a "$pa" "context = \"from-a\"; media = \"$1\";"),
	              $(trunk_def b "$pb" "media = \"$1\";")" '
  from-a: ( { match = "^555(.+)$"; do = ( "dial(trunk:b/49${1}, 10)" ); } ),'
	start_tandemd "$WORK/tandem.conf"
	provider "b-$1" "$pb" "$(check ruri '^INVITE sip:49123@127\.0\.0\.1:'"$pb"' SIP/2\.0'
		check from '^ *.caller. &lt;sip:caller-[0-9]+@127\.0\.0\.1&gt;;tag=' From)" \
		"$(b_steps)" -rtp_echo -mi 127.0.0.1 -mp "$bmp"
	b_pid=$PEER_PID
	a_steps | sed "s|PCAP|$WORK/talk.pcap|" >"$WORK/a-$1.steps"
	provider_call "a-$1" "$pa" 555123 "$(cat "$WORK/a-$1.steps")" -mp "$amp"
	peer_wait "a-$1" "$PEER_PID"
	peer_wait "b-$1" "$b_pid"
	offered=$(sdp_port "$WORK/sipp-b-$1-msg.log" "INVITE sip:49123@")
	answered=$(sdp_port "$WORK/sipp-a-$1-msg.log" "SIP/2.0 200 OK")
	[ -n "$offered" ] && [ -n "$answered" ] || fail "no SDP seen (offer '$offered', answer '$answered')"
	cid=$(call_out_cid b)
	if [ "$1" = relay ]; then
		for p in "$offered" "$answered"; do
			[ "$p" -ge "$relay_min" ] && [ "$p" -le $((relay_min + 59)) ] ||
				fail "media port $p is not the relay's ($relay_min..)"
		done
		for side in A B; do
			rx=$(rx_of "$cid" "$side")
			[ "${rx:-0}" -ge 30 ] || fail "side $side of the bridged call received ${rx:-0} RTP packets"
		done
	else
		[ "$offered" = "$amp" ] || fail "B was offered port $offered, not A's $amp"
		[ "$answered" = "$bmp" ] || fail "A was answered port $answered, not B's $bmp"
	fi
	assert_no_calls
}

bridge relay
bridge direct
echo "ok: trunk a -> trunk b bridged with the number rewritten, SDP consistent with and without the relay, INFO and hold passed"
