# Shared by the call tests: tandemd between a SIPp caller (A) and a SIPp
# callee (B), each on a free loopback port, with a dialplan sending every
# number to the callee.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/sip/lib.sh"

port=$(free_port)
uas_port=$(free_port)
UAS_PID=""
PEER_PIDS=""

calls_cleanup() {
	for pid in $UAS_PID $PEER_PIDS; do
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	done
	cleanup
}
trap calls_cleanup EXIT

# write_calls_config [extra settings...]: the dialplan dials the callee.
write_calls_config() {
	write_config "$WORK/tandem.conf" "$port" "
calls: { dial_timeout = 5; };
dialplan: {
  internal: (${EXTRA_RULES:-}
    { match = \"^noanswer$\"; do = ( \"dial(sip:noanswer@127.0.0.1:$uas_port, 2)\", \"on(noanswer): reject(480, No Answer Here)\" ); },
    { match = \"^reject$\"; do = ( \"reject(603, Go Away)\" ); },
    { match = \"^redirect$\"; do = ( \"redirect(sip:elsewhere@127.0.0.1:$uas_port)\" ); },
    { match = \"^trunk$\"; do = ( \"dial(trunk:nowhere/1)\" ); },
    { match = \"^(.+)$\"; do = ( \"dial(sip:\${1}@127.0.0.1:$uas_port, 5)\" ); }
  );
};
$*"
}

# uas_start NAME [ARGS...]: the callee in the background (on $UAS_PORT_USE
# when set, else $uas_port).
uas_start() {
	name=$1; shift
	sipp -sf "$SCEN/$name.xml" -p "${UAS_PORT_USE:-$uas_port}" -i 127.0.0.1 -m 1 -nostdin -timeout 20 \
		-timeout_error -trace_err -error_file "$WORK/sipp-$name-err.log" \
		-trace_msg -message_file "$WORK/sipp-$name-msg.log" "$@" \
		>"$WORK/sipp-$name.out" 2>&1 &
	UAS_PID=$!
	sleep 0.3
}

# uas_wait NAME: the callee must end with success.
uas_wait() {
	wait "$UAS_PID"
	rc=$?
	UAS_PID=""
	if [ $rc -ne 0 ]; then
		cat "$WORK/sipp-$1-err.log" "$WORK/sipp-$1-msg.log" >&2 2>/dev/null
		fail "callee scenario $1 exited with $rc"
	fi
}

# uac_run NAME SERVICE [ARGS...]: the caller through tandemd.
uac_run() {
	name=$1; svc=$2; shift 2
	sipp_run "$name" 127.0.0.1:"$port" -i 127.0.0.1 -s "$svc" "$@"
}

# Calls must all be gone once the peers are done.
assert_no_calls() {
	stop_tandemd
	grep -q "calls alive: 0 " "$WORK/tandemd.log" || fail "calls still alive at stop: $(grep 'calls alive' "$WORK/tandemd.log")"
	# every final answer to a caller's INVITE must have met its ACK (§17.2.1)
	if [ -z "${ALLOW_MISSING_ACK:-}" ] && grep -q "no ACK for our" "$WORK/tandemd.log"; then
		fail "a caller never ACKed: $(grep 'no ACK for our' "$WORK/tandemd.log")"
	fi
}

# uac_fail CODE SERVICE: the caller's call must end with CODE.
uac_fail() {
	sed "s/\"CODE\"/\"$1\"/" "$SCEN/call_uac_fail.xml" >"$WORK/call_uac_fail_$1.xml"
	SCEN="$WORK" sipp_run "call_uac_fail_$1" 127.0.0.1:"$port" -i 127.0.0.1 -s "$2"
}

# uas_reject CODE: a callee that rejects with CODE.
uas_reject() {
	sed "s/ CODE / $1 /" "$SCEN/call_uas_reject.xml" >"$WORK/call_uas_reject_$1.xml"
	SCEN="$WORK" uas_start "call_uas_reject_$1"
}

# sipp_ok: a SIPp peer's 200 without a body to the request it received
# last (a BYE, an INFO).
sipp_ok() {
	cat <<'XML'
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
XML
}

# peer_start NAME PORT [ARGS...]: one more SIPp peer in the background on
# PORT (a callee, or a caller when ARGS name tandemd); its pid in PEER_PID.
peer_start() {
	pname=$1; pport=$2; shift 2
	keep_pid=$UAS_PID
	UAS_PORT_USE=$pport uas_start "$pname" "$@"
	PEER_PID=$UAS_PID
	UAS_PID=$keep_pid
	PEER_PIDS="$PEER_PIDS $PEER_PID"
}

# peer_wait NAME PID: that peer must end with success.
peer_wait() {
	UAS_PID=$2
	uas_wait "$1"
}

# scen_subst NAME OUT SED-SCRIPT: $WORK/OUT.xml is scenario NAME edited
# (the transfer scenarios name their targets and parties as placeholders).
scen_subst() {
	sed "$3" "$SCEN/$1.xml" >"$WORK/$2.xml"
}

# transfer_run TARGET CALLEE CALLER: one transfer, every scenario from $WORK:
# TARGET in the background on $carol_port, CALLEE on $uas_port, CALLER
# calling bob through tandemd; all three must end with success.
transfer_run() {
	SCEN=$WORK peer_start "$1" "$carol_port"
	target_pid=$PEER_PID
	SCEN=$WORK uas_start "$2"
	SCEN=$WORK uac_run "$3" bob
	uas_wait "$2"
	peer_wait "$1" "$target_pid"
}
