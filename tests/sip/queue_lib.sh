# Shared by the queue tests (sourced after calls_lib.sh and vm_lib.sh, which
# makes the prompt set): tandemd with mod_auth (MD5), mod_registrar,
# mod_rtprelay and mod_queue; agents 1001 and 1002 (SIPp phones that
# register and answer), callers built from queue_uac.xml.

# queue_config QUEUE_SETTINGS [MORE_QUEUES]: the office of the tests, queue
# "sales" (dialled as q) with QUEUE_SETTINGS; MORE_QUEUES (", { name = ...; }"
# entries) are dialled as q-NAME. QUEUE_MODULES adds modules
# (', "queuewatch"': then call queue_modules).
queue_config() {
	write_users "$WORK/users.conf" 1001:alice-1001 1002:bob-1002 1003:carol-1003
	mkdir -p "$WORK/state"
	cat >"$WORK/tandem.conf" <<CONF
log_level = "debug";
state_dir = "state";
modules = ( "auth", "registrar", "rtprelay", "queue"${QUEUE_MODULES:-} );
listen = (
  { transport = "udp"; address = "127.0.0.1"; port = $port; },
  { transport = "tcp"; address = "127.0.0.1"; port = $port; }
);
sip: { t1_ms = 500; };
auth: { users_file = "users.conf"; algorithms = ( "MD5" ); };
registrar: { min_expires = 30; };
rtprelay: { bind = "127.0.0.1"; port_min = $relay_min; port_max = $((relay_min + 199)); };
calls: { dial_timeout = 10; };
queue: {
  sounds_dir = "$SOUNDS";
  queues = ( { name = "sales"; members = ( "1001", "1002" ); $1 }${2:-} );
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
}

# agent_phone USER PORT SCENARIO [SIPP ARGS]: a SIPp phone registered as
# USER from PORT that then runs SCENARIO there (a callee) in the
# background: $PEER_PID (-m N: it answers N calls).
agent_phone() {
	sipp -sf "$SCEN/vm_phone_register.xml" -m 1 -p "$2" -i 127.0.0.1 -nostdin -timeout 15 \
		-timeout_error -s "$1" -au "$1" -ap "$(agent_pw "$1")" 127.0.0.1:"$port" \
		>"$WORK/register-$1.out" 2>&1 || fail "$1 did not register: $(cat "$WORK/register-$1.out")"
	a_scen=$3; a_port=$2; shift 3
	peer_start "$a_scen" "$a_port" -timeout 90 "$@"
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

# queue_caller NAME STEPS_FILE: a caller in the background ($PEER_PID).
queue_caller() {
	sed -e "/^STEPS\$/r $2" -e '/^STEPS$/d' "$SCEN/queue_uac.xml" >"$WORK/$1.xml"
	SCEN=$WORK peer_start "$1" "$(free_port)" 127.0.0.1:"$port" -s q -mi 127.0.0.1 \
		-mp "$(free_port)" -timeout 90
}

# wait_log PATTERN [COUNT]: until the tandemd log has COUNT (1) such lines.
wait_log() {
	i=0
	until [ "$(grep -c -E "$1" "$WORK/tandemd.log")" -ge "${2:-1}" ]; do
		i=$((i + 1)); [ $i -lt 200 ] || fail "never logged: $1"; sleep 0.1
	done
}

# queue_modules: tandemd's module folder with the test modules too.
queue_modules() {
	[ -f "$top_builddir/tests/sip/.libs/mod_queuewatch.so" ] || fail "mod_queuewatch.so not built (make check builds it)"
	MODDIR=$WORK/modules
	mkdir -p "$MODDIR"
	ln -s "$top_builddir"/.libs/mod_*.so "$top_builddir/tests/sip/.libs/mod_queuewatch.so" "$MODDIR/"
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
