# Shared by the tandemctl tests: tandemd between SIPp peers (calls_lib.sh)
# with its control socket in $WORK, and helpers to ask it.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/sip/calls_lib.sh"
TANDEMCTL="$top_builddir/tandemctl"
CTL_SOCK="$WORK/tandemd.ctl"

# ctl ARGS...: tandemctl on the test's socket; its output in $WORK/ctl.out,
# its errors in $WORK/ctl.err, its exit status in $ctl_rc.
ctl() {
	"$TANDEMCTL" -s "$CTL_SOCK" "$@" >"$WORK/ctl.out" 2>"$WORK/ctl.err"
	ctl_rc=$?
}

# ctl_ok ARGS...: the command must succeed.
ctl_ok() {
	ctl "$@"
	[ "$ctl_rc" -eq 0 ] || fail "tandemctl $* exited with $ctl_rc: $(cat "$WORK/ctl.err")"
}

# ctl_expect STATUS ARGS...: the command must exit with STATUS.
ctl_expect() {
	want=$1; shift
	ctl "$@"
	[ "$ctl_rc" -eq "$want" ] ||
		fail "tandemctl $* exited with $ctl_rc, not $want: $(cat "$WORK/ctl.out" "$WORK/ctl.err")"
}

# json_assert PYTHON-EXPRESSION: true of v, the JSON in $WORK/ctl.out.
json_assert() {
	python3 - "$WORK/ctl.out" "$1" <<'PY' || fail "tandemctl's JSON: $1 is false: $(cat "$WORK/ctl.out")"
import json, sys
v = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}

# ctl_wait EXPRESSION ARGS...: poll `tandemctl --json ARGS` until
# EXPRESSION (Python, of v, the result) holds, 10 s at most.
ctl_wait() {
	cw_expr=$1; shift
	i=0
	while [ $i -lt 100 ]; do
		ctl --json "$@"
		if [ "$ctl_rc" -eq 0 ] && python3 - "$WORK/ctl.out" "$cw_expr" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
		then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	fail "tandemctl $* never showed $cw_expr: $(cat "$WORK/ctl.out" "$WORK/ctl.err")"
}

# wait_calls EXPRESSION: ctl_wait on `calls` (v, a list).
wait_calls() { ctl_wait "$1" calls; }

# caller_start NAME SERVICE CALL-ID [ARGS...]: a SIPp caller in the
# background, its Call-ID CALL-ID; its pid in PEER_PID.
caller_start() {
	cname=$1; csvc=$2; ccid=$3; shift 3
	peer_start "$cname" "$(free_port)" 127.0.0.1:"$port" -s "$csvc" -cid_str "$ccid" "$@"
}
