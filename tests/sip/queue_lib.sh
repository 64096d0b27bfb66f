# Shared by the queue tests (sourced after calls_lib.sh and vm_lib.sh, which
# makes the prompt set): tandemd with mod_auth (MD5), mod_registrar,
# mod_rtprelay and mod_queue; agents 1001, 1002 and 1003 (SIPp phones that
# register and answer), callers built from queue_uac.xml.

# queue_config QUEUE_SETTINGS [MORE_QUEUES]: the office of the tests, queue
# "sales" (members 1001, 1002; dialled as q) with QUEUE_SETTINGS, and the
# queues of MORE_QUEUES after it (queue_def groups, with or without a
# leading comma), dialled as q-NAME. QUEUE_MODULES adds modules
# (', "queuewatch"': then call queue_modules).
queue_config() {
	more=$(printf '%s' "${2:-}" | tr '\n' ' ' | sed 's/^[[:space:]]*,[[:space:]]*//')
	write_users "$WORK/users.conf" 1001:alice-1001 1002:bob-1002 1003:carol-1003
	mkdir -p "$WORK/state"
	{ office_head "\"queue\"${QUEUE_MODULES:-}"; cat <<CONF
queue: {
  sounds_dir = "$SOUNDS";
  queues = ( { name = "sales"; members = ( "1001", "1002" ); $1 }${more:+, $more} );
};
dialplan: {
  internal: (
    { match = "^\\\\*45\$"; do = ( "auth", "queue_login()" ); },
    { match = "^\\\\*46\$"; do = ( "auth", "queue_logout()" ); },
    { match = "^\\\\*47\$"; do = ( "auth", "queue_pause()" ); },
    { match = "^q\$"; do = ( "queue(sales)", "on(timeout): reject(480, Queue Timeout)",
                            "on(full): reject(486, Queue Full)", "on(empty): reject(480, No Agents)" ); },
    { match = "^q-(.+)\$"; do = ( "queue(\${1})", "on(timeout): reject(480, Queue Timeout)",
                                 "on(full): reject(486, Queue Full)", "on(empty): reject(480, No Agents)" ); }
  );
};
CONF
	} >"$WORK/tandem.conf"
}

# queue_def NAME MEMBERS SETTINGS: one more queue for queue_config, MEMBERS
# as "1001 1002 1003".
queue_def() {
	m=""
	for u in $2; do m="$m${m:+, }\"$u\""; done
	echo "{ name = \"$1\"; members = ( $m ); $3 }"
}

# agent_phone USER PORT SCENARIO [ARGS...]: a SIPp phone registered as USER
# from PORT that then runs SCENARIO there (a callee) in the background:
# $PEER_PID, to wait for as "SCENARIO-USER" (its own logs). ARGS go to that
# SIPp (-m N: it answers N calls, then ends).
agent_phone() {
	au=$1; ap=$2; as=$3; shift 3
	sipp -sf "$SCEN/vm_phone_register.xml" -m 1 -p "$ap" -i 127.0.0.1 -nostdin -timeout 15 \
		-timeout_error -s "$au" -au "$au" -ap "$(agent_pw "$au")" 127.0.0.1:"$port" \
		>"$WORK/register-$au.out" 2>&1 || fail "$au did not register: $(cat "$WORK/register-$au.out")"
	cp "$SCEN/$as.xml" "$WORK/$as-$au.xml"
	SCEN=$WORK peer_start "$as-$au" "$ap" -timeout 90 "$@"
}

agent_pw() {
	case $1 in 1001) echo alice-1001 ;; 1002) echo bob-1002 ;; *) echo carol-1003 ;; esac
}

# feature USER CODE: USER dials the feature code (digest), hears the
# confirmation and is hung up on.
feature() {
	vm_keys_scenario "feature-$1-$(date +%s%N)" "$1" wait 100
	f=$(ls -t "$WORK"/feature-"$1"-*.xml | head -n 1)
	f=$(basename "$f" .xml)
	SCEN=$WORK uac_run "$f" "$2" -au "$1" -ap "$(agent_pw "$1")" -auth_uri "$2@127.0.0.1:$port" \
		-mi 127.0.0.1 -mp "$(free_port)" -timeout 30
}

# queue_caller NAME STEPS_FILE [SERVICE]: a caller of SERVICE (q: sales) in
# the background ($PEER_PID).
queue_caller() {
	sed -e "/^STEPS\$/r $2" -e '/^STEPS$/d' "$SCEN/queue_uac.xml" >"$WORK/$1.xml"
	SCEN=$WORK peer_start "$1" "$(free_port)" 127.0.0.1:"$port" -s "${3:-q}" -mi 127.0.0.1 \
		-mp "$(free_port)" -timeout 90
}

# The STEPS of a caller (queue_uac.xml), piece by piece:
# q_pos182 N K: maybe the 183 of the early media, then a 182 that must say
# "Queued N" with Queue-Position N (variables rK, hK). (The optional recv
# first: SIPp takes no optional one right before a pause.)
q_pos182() {
	cat <<XML
  <recv response="183" optional="true"/>
  <recv response="182">
    <action>
      <ereg regexp="^SIP/2.0 182 Queued ${1}[^0-9]" search_in="msg" check_it="true" assign_to="r$2"/>
      <ereg regexp="^ *$1;wait=[0-9]+" search_in="hdr" header="Queue-Position:" check_it="true" assign_to="h$2"/>
    </action>
  </recv>
XML
}

# q_request METHOD CSEQ [LINES]: the caller's in-dialog request (RFC 3261
# §12.2.1.1: the route set, the remote target, the dialog's tags), with
# LINES (more headers, a blank line and a body; default: no body); sent
# again every 500 ms unless it is an ACK. TALK_FROM as for q_talk.
q_request() {
	from=${TALK_FROM:-caller <sip:caller-[pid]@[local_ip]:[local_port]>}
	retrans=' retrans="500"'
	[ "$1" = ACK ] && retrans=""
	lines=${3:-"      Content-Length: 0"}
	cat <<XML
  <send$retrans>
    <![CDATA[
      $1 [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      [routes]
      From: $from;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: $2 $1
      Max-Forwards: 70
$lines

    ]]>
  </send>
XML
}

# q_talk HOLD_MS [PCAP]: answered (an agent's 180/183 may come first), ACK,
# HOLD_MS of talk (PCAP's audio sent meanwhile), BYE. A caller whose
# INVITE went again (after a 407) sets TALK_CSEQ (its CSeq) and TALK_FROM
# (its From without the tag).
q_talk() {
	cseq=${TALK_CSEQ:-1}
	play=""
	[ -n "${2:-}" ] && play="  <nop><action><exec play_pcap_audio=\"$2\"/></action></nop>"
	cat <<XML
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rrs="true"/>
XML
	q_request ACK "$cseq"
	echo "$play"
	echo "  <pause milliseconds=\"$1\"/>"
	q_request BYE $((cseq + 1))
	echo '  <recv response="200"/>'
}

# q_ack_failure: the ACK of a final failure (the INVITE's branch, RFC 3261
# §17.1.1.3).
q_ack_failure() {
	cat <<XML
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      [last_Via:]
      From: ${TALK_FROM:-caller <sip:caller-[pid]@[local_ip]:[local_port]>};tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: ${TALK_CSEQ:-1} ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
XML
}

# q_cancel: after half a second the caller gives up: CANCEL, 200, 487, ACK.
q_cancel() {
	cat <<'XML'
  <pause milliseconds="500"/>
  <send>
    <![CDATA[
      CANCEL sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      [last_Via:]
      From: caller <sip:caller-[pid]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 CANCEL
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
  <recv response="487"/>
XML
	q_ack_failure
}

# connected_steps HOLD_MS [POSITION...]: the STEPS of a caller told
# "Queued N" for each POSITION in turn (1 when none; no other 182 may come),
# then answered by an agent; it hangs up after HOLD_MS.
connected_steps() {
	hold=$1; shift
	[ $# -gt 0 ] || set -- 1
	k=0; refs=""
	for pos in "$@"; do
		k=$((k + 1)); refs="$refs${refs:+,}r$k,h$k"
		q_pos182 "$pos" "$k"
	done
	q_talk "$hold"
	echo "  <Reference variables=\"$refs\"/>"
}

# queue_call NAME STEPS_FILE SERVICE: one caller in the foreground; it must
# succeed. Callers one after another share two ports (a SIP and a media
# one): no port search per call, whose Python start-up would cost more
# than a sweep of the queue.
queue_call() {
	: "${QC_PORT:=$(free_port)}" "${QC_MPORT:=$(free_port)}"
	while [ "$QC_MPORT" = "$QC_PORT" ]; do QC_MPORT=$(free_port); done
	sed -e "/^STEPS\$/r $2" -e '/^STEPS$/d' "$SCEN/queue_uac.xml" >"$WORK/$1.xml"
	sipp -sf "$WORK/$1.xml" -m 1 -p "$QC_PORT" -i 127.0.0.1 -nostdin -timeout 30 -timeout_error \
		-trace_err -error_file "$WORK/sipp-$1-err.log" -trace_msg -message_file "$WORK/sipp-$1-msg.log" \
		-s "$3" -mi 127.0.0.1 -mp "$QC_MPORT" 127.0.0.1:"$port" >"$WORK/sipp-$1.out" 2>&1 || {
		cat "$WORK/sipp-$1-err.log" "$WORK/sipp-$1-msg.log" >&2 2>/dev/null
		fail "caller $1 of $3 failed"
	}
}

# features CODE USER...: the USERs dial CODE at the same time (as feature).
features() {
	fcode=$1; shift
	fpids=""
	for u in "$@"; do
		( feature "$u" "$fcode" ) &
		fpids="$fpids $!"
	done
	for p in $fpids; do
		wait "$p" || fail "feature code $fcode of one of $* failed"
	done
}

# agents_connected QUEUE: the agents queue QUEUE connected callers to, in
# order, on one line.
agents_connected() {
	sed -n "s/.*: queue $1: connected to agent \([^ ]*\) after .*/\1/p" "$WORK/tandemd.log" |
		tr '\n' ' ' | sed 's/ $//'
}

# wait_log PATTERN [COUNT]: until the tandemd log has COUNT (1) such lines.
wait_log() {
	i=0
	until [ "$(grep -c -E "$1" "$WORK/tandemd.log")" -ge "${2:-1}" ]; do
		i=$((i + 1)); [ $i -lt 200 ] || fail "never logged: $1"; sleep 0.1
	done
}

# test_modules NAME...: tandemd's module folder with the test modules
# mod_NAME.so (tests/sip) too.
test_modules() {
	MODDIR=$WORK/modules
	mkdir -p "$MODDIR"
	ln -sf "$top_builddir"/.libs/mod_*.so "$MODDIR/"
	for m in "$@"; do
		[ -f "$top_builddir/tests/sip/.libs/mod_$m.so" ] || fail "mod_$m.so not built (make check builds it)"
		ln -sf "$top_builddir/tests/sip/.libs/mod_$m.so" "$MODDIR/"
	done
}

# queue_modules: with mod_queuewatch.
queue_modules() {
	test_modules queuewatch
}

# queue_agent_paused QUEUE: agent 1001 logs in (*45) and pauses (*47) in
# every queue it is a member of (QUEUE the last listed): nobody is free.
queue_agent_paused() {
	feature 1001 '*45'
	wait_log "agent 1001 logged in in queue $1"
	feature 1001 '*47'
	wait_log "agent 1001 paused in queue $1"
}

# queue_media MODE QUEUE: tests/sip/queue_caller.py calls q-QUEUE in MODE
# and must succeed; it then has left the line. Its output in
# $WORK/caller-MODE.out, shown.
queue_media() {
	python3 "$top_srcdir/tests/sip/queue_caller.py" "$port" "q-$2" "$SOUNDS" "$1" \
		>"$WORK/caller-$1.out" 2>&1 || { cat "$WORK/caller-$1.out" >&2; return 1; }
	cat "$WORK/caller-$1.out"
	wait_log "left queue $2 \\(hung up\\)"
}
