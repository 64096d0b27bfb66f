#!/bin/sh
# mod_queue under load: CALLERS callers (500) join one queue at RATE per
# second (100) while AGENTS (20) registered phones, static members of the
# queue (linear, autofill: the callers behind the head are offered too), answer, talk
# HOLD seconds (1) and hang up (wrap-up 0). bench/queue/queue_load.py is
# every party. Printed: 182 updates sent per second, tandemd's CPU per
# 182 update and per caller, and whether any caller saw its position go
# up (it must not: the run fails then). No other PBX sends 182s with
# positions, so there is no peer to compare with in the same run.
# Usage: bench/queue/run-queue.sh BUILDDIR
# env: CALLERS (500), AGENTS (20), RATE (100), HOLD (1)
set -u
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
. "$top_srcdir/bench/lib.sh"
callers=${CALLERS:-500}
agents=${AGENTS:-20}
rate=${RATE:-100}
hold=${HOLD:-1}
port=$(free_port)
relay=$(free_port)
build=$top_builddir
"$top_srcdir/tools/make-prompts" "$WORK/sounds" >/dev/null || exit 1
python3 - "$agents" "$WORK" <<'PY'
import sys
n, work = int(sys.argv[1]), sys.argv[2]
users = ["%d" % (5000 + i) for i in range(n)]
with open(work + "/users.conf", "w") as f:
    f.write('users: { realm = "bench.local"; list = (\n')
    f.write(",\n".join('  { user = "%s"; password = "pw-%s"; }' % (u, u) for u in users))
    f.write("\n); };\n")
with open(work + "/members", "w") as f:
    f.write(", ".join('"%s"' % u for u in users))
PY
cat >"$WORK/tandem.conf" <<CONF
log_level = "notice";
modules = ( "auth", "registrar", "rtprelay", "queue" );
listen = ( { transport = "udp"; address = "127.0.0.1"; port = $port; } );
auth: { users_file = "users.conf"; algorithms = ( "MD5" ); };
rtprelay: { bind = "127.0.0.1"; port_min = $relay; port_max = $((relay + 3999)); };
queue: {
  sounds_dir = "$WORK/sounds";
  queues = ( { name = "load"; members = ( $(cat "$WORK/members") ); strategy = "linear";
               autologin = true; autofill = true; wrapup = 0; ring_timeout = 10; max_wait = 0; announce = 0; } );
};
dialplan: { internal: ( { match = "^q\$"; do = ( "queue(load)" ); } ); };
CONF
"$build/tandemd" -c "$WORK/tandem.conf" -M "$build/.libs" >"$WORK/tandemd.log" 2>&1 &
pid=$!
sleep 1
t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
python3 "$top_srcdir/bench/queue/queue_load.py" "$port" "$callers" "$agents" "$rate" "$hold" \
	>"$WORK/load.out" 2>&1
rc=$?
t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
kill -TERM "$pid"; wait "$pid"
cat "$WORK/load.out"
n182=$(sed -n 's/.* 182s \([0-9]*\) .*/\1/p' "$WORK/load.out")
hz=$(getconf CLK_TCK)
python3 -c "
cpu = ($t1 - $t0) / $hz
print('tandemd CPU %.2f s: %.1f us per 182 update, %.0f us per caller' % (cpu, cpu * 1e6 / max($n182, 1), cpu * 1e6 / $callers))"
exit $rc
