# Shared by the trunk tests (it sources calls_lib.sh, vm_lib.sh and
# queue_lib.sh, whose pieces it builds on): the test office (office_head:
# auth, registrar, rtprelay) with mod_trunk, providers played by SIPp
# (trunk_prov_uas.xml with the test's checks and steps), office phones
# calling out with digest (trunk_uac_auth.xml).
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/sip/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
. "$top_srcdir/tests/sip/queue_lib.sh"

# trunk_office TRUNKS CONTEXTS [SETTINGS]: tandem.conf with the trunks
# (groups for trunk.trunks), the internal context (9NUMBER out through
# trunk a then b, authenticated) and CONTEXTS (more contexts: "name: ( rules ),");
# TRUNK_MODULES adds modules (", \"trunkwatch\"": then test_modules trunkwatch).
trunk_office() {
	write_users "$WORK/users.conf" 1001:alice-1001 1002:bob-1002
	mkdir -p "$WORK/state"
	{ office_head "\"trunk\"${TRUNK_MODULES:-}"; cat <<CONF
trunk: { trunks = ( $1 ); ${3:-} };
dialplan: {
  ${2:-}
  internal: (
    { match = "^9(.+)\$"; do = ( "auth", "dial(trunk:a/\${1}|trunk:b/\${1}, 8)" ); },
    { match = "^1[0-9]{3}\$"; do = ( "auth", "dial(\${exten}, 10)" ); },
    { do = ( "auth", "reject(404, No Such Extension)" ); }
  );
};
CONF
	} >"$WORK/tandem.conf"
}

# trunk_def NAME PORT [SETTINGS]: a trunk at SIPp on 127.0.0.1:PORT.
trunk_def() {
	echo "{ name = \"$1\"; host = \"127.0.0.1:$2\"; username = \"office-$1\"; password = \"secret-$1\"; ${3:-} }"
}

# provider NAME PORT CHECKS STEPS [SIPP ARGS]: a provider in the background
# ($PEER_PID): CHECKS (ereg actions on the first INVITE) and STEPS (the
# p_* pieces below) put into trunk_prov_uas.xml, their variables referenced.
provider() {
	printf '%s\n' "$3" >"$WORK/$1.checks"
	refs=$(printf '%s\n' "$3" "$4" | grep -o 'assign_to="[^"]*"' | sed 's/assign_to="\(.*\)"/\1/' |
		tr '\n' ',' | sed 's/,$//')
	printf '%s\n  <Reference variables="inv1%s"/>\n' "$4" "${refs:+,$refs}" >"$WORK/$1.steps"
	sed -e "/^CHECKS\$/r $WORK/$1.checks" -e '/^CHECKS$/d' \
		-e "/^STEPS\$/r $WORK/$1.steps" -e '/^STEPS$/d' "$SCEN/trunk_prov_uas.xml" >"$WORK/$1.xml"
	prov_name=$1; prov_port=$2; shift 4
	SCEN=$WORK peer_start "$prov_name" "$prov_port" -timeout 40 "$@"
}

# check NAME REGEXP [HEADER]: an ereg that must match the INVITE's header
# (or its whole text); variable NAME.
check() {
	if [ -n "${3:-}" ]; then
		echo "      <ereg regexp=\"$2\" search_in=\"hdr\" header=\"$3:\" check_it=\"true\" assign_to=\"$1\"/>"
	else
		echo "      <ereg regexp=\"$2\" search_in=\"msg\" check_it=\"true\" assign_to=\"$1\"/>"
	fi
}

# p_challenge CODE USER: a digest challenge (realm "provider", qop=auth)
# in a 401 or 407; the INVITE again must answer it: for a 401 SIPp checks
# the credentials itself (verifyauth takes Authorization only), a 407's
# Proxy-Authorization is checked by digest_ok on SIPp's message log.
p_challenge() {
	if [ "$1" = 401 ]; then
		hdr="WWW-Authenticate"; phrase="Unauthorized"
		verify="<verifyauth assign_to=\"authok\" username=\"$2\" password=\"secret-${2#office-}\"/>"
	else
		hdr="Proxy-Authenticate"; phrase="Proxy Authentication Required"
		verify="<ereg regexp=\"^ *Digest username=.$2., realm=.provider.\" search_in=\"hdr\" header=\"Proxy-Authorization:\" check_it=\"true\" assign_to=\"authok\"/>"
	fi
	cat <<XML
  <send>
    <![CDATA[
      SIP/2.0 $1 $phrase
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]PAuth[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      $hdr: Digest realm="provider", nonce="[pid][call_number]abc", qop="auth", algorithm=MD5
      Content-Length: 0

    ]]>
  </send>
  <recv request="ACK"/>
  <recv request="INVITE" rrs="true">
    <action>
      $verify
    </action>
  </recv>
  <nop condexec="authok" condexec_inverse="true">
    <action><error message="the INVITE again did not carry valid credentials for $2"/></action>
  </nop>
XML
}

# digest_ok NAME USER PASSWORD: the Proxy-Authorization in provider NAME's
# message log is right for USER and PASSWORD (RFC 7616 §3.4.1, qop=auth).
digest_ok() {
	python3 - "$WORK/sipp-$1-msg.log" "$2" "$3" <<'PY' || fail "provider $1 got wrong credentials"
import hashlib, re, sys
text = open(sys.argv[1], errors="replace").read()
m = re.search(r"^INVITE (\S+) SIP/2.0$(?:(?!^$).)*?^Proxy-Authorization: Digest (.*?)$", text, re.M | re.S)
if not m:
    sys.exit("no INVITE with Proxy-Authorization")
p = dict(re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]+))', m.group(2)) and
         [(k, a or b) for k, a, b in re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]+))', m.group(2))])
h = lambda s: hashlib.md5(s.encode()).hexdigest()
ha1 = h(f"{sys.argv[2]}:{p['realm']}:{sys.argv[3]}")
ha2 = h(f"INVITE:{p['uri']}")
want = h(f"{ha1}:{p['nonce']}:{p['nc']}:{p['cnonce']}:auth:{ha2}")
if p["response"] != want or p["uri"] != m.group(1):
    sys.exit(f"response {p['response']} != {want} or uri {p['uri']} != {m.group(1)}")
PY
}

# sdp ORIGIN VERSION "PT NAME" [DIRECTION]: a SIPp peer's SDP lines (one
# audio stream with telephone-event), for its messages' bodies.
sdp() {
	cat <<XML
      v=0
      o=$1 7 $2 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP ${3% *} 101
      a=rtpmap:${3% *} ${3#* }/8000
      a=rtpmap:101 telephone-event/8000
XML
	[ -n "${4:-}" ] && echo "      a=$4"
	return 0
}

# p_answer: ringing, then answered (PCMA, or the codec of ANSWER_PT:
# "0 PCMU"; RTP echoed with -rtp_echo), the ACK, and the caller's BYE.
# ANSWER_CONTACT: the host:port of its Contact when not SIPp's own. The
# request's Record-Route is copied (RFC 3261 §12.1.1), for a provider's
# proxy in the path.
p_answer() {
	pt=${ANSWER_PT:-8 PCMA}
	contact=${ANSWER_CONTACT:-[local_ip]:[local_port]}
	cat <<XML
  <send>
    <![CDATA[
      SIP/2.0 180 Ringing
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]PTag[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      [last_Record-Route:]
      Contact: <sip:provider@$contact>
      Content-Length: 0

    ]]>
  </send>
  <send retrans="500">
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]PTag[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      [last_Record-Route:]
      Contact: <sip:provider@$contact>
      Content-Type: application/sdp
      Content-Length: [len]

$(sdp provider 7 "$pt")

    ]]>
  </send>
  <recv request="ACK" crlf="true"/>
  <recv request="BYE"/>
XML
	sipp_ok
}

# p_reject CODE: the INVITE fails with CODE.
p_reject() {
	cat <<XML
  <send>
    <![CDATA[
      SIP/2.0 $1 Trunk Test $1
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]PTag[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
  <recv request="ACK"/>
XML
}

# office_call USER SERVICE FINAL [SIPP ARGS]: USER's phone (SIPp with its
# digest) calls SERVICE; FINAL are the steps after the INVITE with
# credentials (q_talk ..., or a failure); must succeed.
office_call() {
	ou=$1; os=$2
	printf '%s\n' "$3" | sed "s/\[field0\]/$ou/g" >"$WORK/call-$ou-$os.final"
	sed -e "/^FINAL\$/r $WORK/call-$ou-$os.final" -e '/^FINAL$/d' -e "s/\[field0\]/$ou/g" \
		"$SCEN/trunk_uac_auth.xml" >"$WORK/call-$ou-$os.xml"
	shift 3
	SCEN=$WORK uac_run "call-$ou-$os" "$os" -au "$ou" -ap "$(agent_pw "$ou")" \
		-auth_uri "$os@127.0.0.1:$port" -mi 127.0.0.1 -mp "$(free_port)" -timeout 40 "$@"
}

# The steps of an office caller whose call fails with CODE.
c_fails() {
	echo "  <recv response=\"180\" optional=\"true\"/>"
	echo "  <recv response=\"$1\"/>"
	TALK_CSEQ=2 TALK_FROM='"Alice Office" <sip:[field0]@[remote_ip]:[remote_port]>' q_ack_failure
}

# The steps of an office caller answered: HOLD_MS of talk with PCAP sent.
c_talks() {
	TALK_CSEQ=2 TALK_FROM='"Alice Office" <sip:[field0]@[remote_ip]:[remote_port]>' q_talk "$@"
}

# rx_of CALL_ID SIDE: RTP packets the relay received on SIDE (A, B) of the
# call, once it ended (the counters are logged then: the last BYE's 200
# may still be on its way).
rx_of() {
	wait_log "rtprelay: call $1 stream 0 side $2: rx_pkts="
	sed -n "s/.*rtprelay: call $1 stream 0 side $2: rx_pkts=\([0-9]*\).*/\1/p" "$WORK/tandemd.log" | tail -n 1
}

# call_out_cid TRUNK: the Call-ID (A's) of the last call out through TRUNK.
call_out_cid() {
	sed -n "s/.*call \([^ ]*\): out through trunk $1 to .*/\1/p" "$WORK/tandemd.log" | tail -n 1
}

# provider_call NAME PORT SERVICE STEPS [SIPP ARGS]: a provider's call to
# tandem from PORT (queue_uac.xml with STEPS), in the background ($PEER_PID).
provider_call() {
	printf '%s\n' "$4" >"$WORK/$1.steps"
	sed -e "/^STEPS\$/r $WORK/$1.steps" -e '/^STEPS$/d' "$SCEN/queue_uac.xml" >"$WORK/$1.xml"
	call_name=$1; call_port=$2; call_svc=$3; shift 4
	SCEN=$WORK peer_start "$call_name" "$call_port" 127.0.0.1:"$port" -s "$call_svc" -mi 127.0.0.1 -timeout 40 "$@"
}

# watch_port PORT: every datagram reaching 127.0.0.1:PORT is noted in
# $WORK/watch-PORT (a provider that must hear nothing); stops at cleanup.
watch_port() {
	python3 - "$1" "$WORK/watch-$1" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
open(sys.argv[2], "w").close()
while True:
    data = s.recv(65535)
    with open(sys.argv[2], "a") as f:
        f.write(data.split(b"\r\n", 1)[0].decode(errors="replace") + "\n")
PY
	PEER_PIDS="$PEER_PIDS $!"
	i=0
	until [ -f "$WORK/watch-$1" ]; do i=$((i + 1)); [ $i -lt 50 ] || fail "watcher did not start"; sleep 0.1; done
}
