# Shared by the voicemail tests (sourced after calls_lib.sh): tandemd with
# mod_auth, mod_registrar, mod_rtprelay and mod_voicemail, boxes for 1001,
# 1002 (unsolicited MWI off) and 1003, the prompt set made by
# tools/make-prompts once per build tree, and SIPp callers that leave
# messages with known audio.
SOUNDS="$top_builddir/tests/sounds"
SPOOL="$WORK/spool"
VM_PY="$top_srcdir/tests/sip/vm_media.py"

# The prompt set, made once (tests run in parallel: one maker at a time).
flock "$top_builddir/tests/sounds.lock" "$top_srcdir/tools/make-prompts" "$SOUNDS" \
	>"$WORK/make-prompts.out" 2>&1 || { cat "$WORK/make-prompts.out" >&2; fail "tools/make-prompts failed"; }

relay_min=$(free_port)

# office_head MODULES: the start of a test office's tandem.conf: UDP and
# TCP on $port, mod_auth (MD5: SIPp 3.6 and baresip 1.0 answer MD5
# challenges only), mod_registrar, mod_rtprelay on $relay_min.., and
# MODULES ('"voicemail"') after them.
office_head() {
	cat <<CONF
log_level = "debug";
state_dir = "state";
modules = ( "auth", "registrar", "rtprelay", $1 );
listen = (
  { transport = "udp"; address = "127.0.0.1"; port = $port; },
  { transport = "tcp"; address = "127.0.0.1"; port = $port; }
);
sip: { t1_ms = 500; };
auth: { users_file = "users.conf"; algorithms = ( "MD5" ); };
registrar: { min_expires = 30; };
rtprelay: { bind = "127.0.0.1"; port_min = $relay_min; port_max = $((relay_min + 59)); };
calls: { dial_timeout = 10; };
CONF
}

# vm_config [extra rules] [extra settings]: the office of the tests. 1xxx
# dials the SIPp callee for 3 s, then voicemail on busy / no answer;
# vmNNNN deposits straight into box NNNN; *97 listens (after digest).
vm_config() {
	cat >"$WORK/users.conf" <<USERS
users: { realm = "tandem.local"; list = (
  { user = "1001"; password = "alice-1001"; voicemail = { pin = "1111"; }; },
  { user = "1002"; password = "bob-1002"; voicemail = { pin = "2222"; ${VM_BOX_EXTRA:-} }; },
  { user = "1003"; password = "carol-1003"; voicemail = { }; }
); };
USERS
	mkdir -p "$WORK/state"
	{ office_head '"voicemail"'; cat <<CONF
voicemail: {
  users_file = "users.conf";
  spool_dir = "$SPOOL";
  sounds_dir = "$SOUNDS";
  min_message = 1;
  silence = ${VM_SILENCE:-0};
  ${VM_SETTINGS:-}
};
dialplan: {
  internal: (${1:-}
    { match = "^\\\\*97\$"; do = ( "auth", "voicemail_main(\${auth_user})" ); },
    { match = "^vm(.+)\$"; do = ( "voicemail(\${1}, busy)" ); },
    { match = "^1[0-9]{3}\$";
      do = ( "dial(sip:\${exten}@127.0.0.1:$uas_port, 3)",
             "on(busy|noanswer|unavailable): voicemail(\${exten})" ); }
  );
};
${2:-}
CONF
	} >"$WORK/tandem.conf"
}

# prompt_ms NAME...: how long these prompts of the set play, in ms.
prompt_ms() {
	files=""
	for p in "$@"; do files="$files $SOUNDS/$p.wav"; done
	# shellcheck disable=SC2086
	python3 "$VM_PY" ms $files
}

# deposit SERVICE SECONDS GREETING_MS [TAG]: a SIPp caller (From 1001,
# "Alice "A" Smith") calls SERVICE, waits GREETING_MS, streams SECONDS of
# the known audio and hangs up.
deposit() {
	svc=$1; secs=$2; wait_ms=$3; tag=${4:-$1}
	python3 "$VM_PY" pcap "$WORK/audio-$tag.pcap" "$secs" || fail "cannot write the pcap"
	audio_ms=$(python3 -c "print(int($secs * 1000) + 700)")
	scen_subst vm_uac_deposit "deposit-$tag" "s|PCAP|$WORK/audio-$tag.pcap|; s|AUDIO_MS|$audio_ms|"
	before=$(deposits_logged)
	SCEN=$WORK uac_run "deposit-$tag" "$svc" -d "$wait_ms" -mi 127.0.0.1 -mp "$(free_port)" -timeout 60
	wait_deposit "$before" "the message of $tag was neither stored nor dropped"
}

# wait_deposit BEFORE WHY: until a message more than BEFORE (deposits_logged)
# is stored or dropped, else fail WHY (the BYE's 200 may reach the caller
# before the message is written).
wait_deposit() {
	i=0
	until [ "$(deposits_logged)" -gt "$1" ]; do
		i=$((i + 1)); [ $i -lt 50 ] || fail "$2"
		sleep 0.1
	done
}

deposits_logged() {
	grep -c -E "mod_voicemail: call .*: (message [0-9]+ left in box|message for box .* dropped)" \
		"$WORK/tandemd.log"
}

# subscriber_start BOX USER PASSWORD INITIAL WAITING NEXT: a SIPp MWI
# subscriber in the background that must see INITIAL ("new/old") first,
# then a NOTIFY with NEXT (and Messages-Waiting: WAITING); NEXT "-" skips
# the wait for a change (WAITING then applies to the first NOTIFY).
subscriber_start() {
	if [ "$6" = "-" ]; then
		sed -e '/<!-- change -->/,/<!-- \/change -->/d' \
		    -e "s|Voice-Message: INITIAL|Voice-Message: $4|; s|Messages-Waiting: WAITING|Messages-Waiting: $5|" \
		    -e 's|assign_to="b1"/>|assign_to="b1"/><ereg regexp="Messages-Waiting: '"$5"'" search_in="body" check_it="true" assign_to="w1"/>|' \
		    -e 's|variables="ae,e1,s1,c1,b1,a1,w2,b2,s3"|variables="ae,e1,s1,c1,b1,a1,w1,s3"|' \
		    -e "s|sip:BOX@|sip:$1@|" "$SCEN/vm_sub_mwi.xml" >"$WORK/sub-$1.xml"
	else
		sed -e "s|Voice-Message: INITIAL|Voice-Message: $4|; s|Voice-Message: NEXT|Voice-Message: $6|" \
		    -e "s|Messages-Waiting: WAITING|Messages-Waiting: $5|; s|sip:BOX@|sip:$1@|" \
		    "$SCEN/vm_sub_mwi.xml" >"$WORK/sub-$1.xml"
	fi
	sub_port=$(free_port)
	SCEN=$WORK peer_start "sub-$1" "$sub_port" 127.0.0.1:"$port" -s "$1" -au "$2" -ap "$3" -auth_uri "$1@127.0.0.1:$port" -timeout 90
	SUB_PID=$PEER_PID
}

# spool_count BOX FOLDER: the messages (.wav) in a folder of the box.
spool_count() {
	spool_count_at "$SPOOL/$1" "$2"
}

# spool_count_at DIR FOLDER: the same for the box folder DIR.
spool_count_at() {
	find "$1/$2" -maxdepth 1 -name 'msg[0-9][0-9][0-9][0-9].wav' 2>/dev/null | wc -l
}
# vm_keys_scenario OUT CALLER END PAUSE_MS KEY...: $WORK/OUT.xml is
# vm_uac_keys.xml with one INFO per KEY (PAUSE_MS before each) and the
# ending END: "bye" (the caller hangs up after 1 s) or "wait" (tandem's BYE).
vm_keys_scenario() {
	out=$1; caller=$2; end=$3; pause=$4; shift 4
	cseq=3
	: >"$WORK/$out.keys"
	for k in "$@"; do
		cat >>"$WORK/$out.keys" <<XML
  <pause milliseconds="$pause"/>
  <send retrans="500">
    <![CDATA[
      INFO [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      [routes]
      From: <sip:$caller@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: $cseq INFO
      Contact: <sip:$caller@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Content-Type: application/dtmf-relay
      Content-Length: [len]

      Signal=$k
      Duration=160
    ]]>
  </send>
  <recv response="200"/>
XML
		cseq=$((cseq + 1))
	done
	if [ "$end" = bye ]; then
		cat >"$WORK/$out.end" <<XML
  <pause milliseconds="1000"/>
  <send retrans="500">
    <![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      [routes]
      From: <sip:$caller@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: $cseq BYE
      Contact: <sip:$caller@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
XML
	else
		{ echo '  <recv request="BYE" timeout="30000"/>'; sipp_ok; } >"$WORK/$out.end"
	fi
	sed -e "/^KEYS\$/r $WORK/$out.keys" -e '/^KEYS$/d' -e "/^END\$/r $WORK/$out.end" -e '/^END$/d' \
	    -e "s|CALLER|$caller|g" "$SCEN/vm_uac_keys.xml" >"$WORK/$out.xml"
}
