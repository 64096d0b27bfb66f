# Shared by the SIP test scripts: start tandemd on a config of the test's own,
# on free loopback ports, and stop it (its exit status must be 0: under the
# sanitizer build a leak at exit fails the test).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
TANDEMD="$top_builddir/tandemd"
MODDIR="$top_builddir/.libs"
SCEN="$top_srcdir/tests/sip/scenarios"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tandem-test.XXXXXX")
TANDEM_PID=""
export TANDEM_NO_DLCLOSE=1   # keep module symbols readable in leak reports
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

cleanup() {
	[ -n "${KEEP_WORK:-}" ] && cp -r "$WORK" /tmp/kept-work 2>/dev/null
	if [ -n "$TANDEM_PID" ] && kill -0 "$TANDEM_PID" 2>/dev/null; then
		kill -KILL "$TANDEM_PID" 2>/dev/null
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	if [ -f "$WORK/tandemd.log" ]; then
		echo "--- tandemd log (last 60 lines) ---" >&2
		tail -n 60 "$WORK/tandemd.log" >&2
	fi
	exit 1
}

# A port free for both UDP and TCP on 127.0.0.1 (and the next one too).
free_port() {
	python3 - <<'PY'
import random, socket
for _ in range(200):
    p = random.randrange(20000, 60000, 2)
    try:
        for port in (p, p + 1):
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                s = socket.socket(socket.AF_INET, kind)
                s.bind(("127.0.0.1", port))
                s.close()
        print(p)
        break
    except OSError:
        continue
PY
}

# start_tandemd CONF: start in the foreground (background job), wait until up.
# TANDEM_WRAPPER runs it under a tool, e.g. "valgrind --error-exitcode=99
# --leak-check=full" (stop_tandemd then fails the test on any error).
start_tandemd() {
	${TANDEM_WRAPPER:-} "$TANDEMD" -c "$1" -M "$MODDIR" -l debug >"$WORK/tandemd.log" 2>&1 &
	TANDEM_PID=$!
	i=0
	while [ $i -lt 300 ]; do
		grep -q "not started" "$WORK/tandemd.log" 2>/dev/null && fail "tandemd refused to start"
		grep -q "started" "$WORK/tandemd.log" 2>/dev/null && return 0
		kill -0 "$TANDEM_PID" 2>/dev/null || fail "tandemd exited during start-up"
		sleep 0.1
		i=$((i + 1))
	done
	fail "tandemd did not start within 30 s"
}

# stop_tandemd: SIGTERM, then the exit status must be 0.
stop_tandemd() {
	kill -TERM "$TANDEM_PID" 2>/dev/null || fail "tandemd was not running at the end"
	wait "$TANDEM_PID"
	rc=$?
	TANDEM_PID=""
	[ $rc -eq 0 ] || fail "tandemd exited with status $rc"
	if grep -q -E "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$WORK/tandemd.log"; then
		fail "sanitizer report in the tandemd log"
	fi
}

# write_config FILE PORT [extra settings...]: a minimal config on PORT (UDP+TCP).
# SIP_SETTINGS replaces the default "t1_ms = 500;" in the sip group.
write_config() {
	f=$1; port=$2; shift 2
	cat >"$f" <<CONF
log_level = "debug";
modules = ( "echo" );
listen = (
  { transport = "udp"; address = "127.0.0.1"; port = $port; },
  { transport = "tcp"; address = "127.0.0.1"; port = $port; }
);
sip: { ${SIP_SETTINGS:-t1_ms = 500;} tcp_idle_timeout = 30; };
echo: { users = ( "echo" ); };
$*
CONF
}

# sipp_run NAME ARGS...: run a SIPp scenario as a client, fail on any failed call.
sipp_run() {
	name=$1; shift
	sipp -sf "$SCEN/$name.xml" -m 1 -p "$(free_port)" -nostdin -timeout 15 -timeout_error \
		-trace_err -error_file "$WORK/sipp-$name-err.log" \
		-trace_msg -message_file "$WORK/sipp-$name-msg.log" "$@" >"$WORK/sipp-$name.out" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		cat "$WORK/sipp-$name-err.log" "$WORK/sipp-$name-msg.log" >&2 2>/dev/null
		fail "sipp scenario $name exited with $rc"
	fi
}

# write_users FILE USER:PASSWORD[:CONTEXT]...: a mod_auth users file, realm
# tandem.local.
write_users() {
	f=$1; shift
	{
		echo 'users: { realm = "tandem.local"; list = ('
		sep=" "
		for u in "$@"; do
			name=${u%%:*}; rest=${u#*:}; pw=${rest%%:*}; ctx=""
			[ "$rest" != "$pw" ] && ctx=" context = \"${rest#*:}\";"
			echo "  $sep{ user = \"$name\"; password = \"$pw\";$ctx }"
			sep=","
		done
		echo '); };'
	} >"$f"
}
