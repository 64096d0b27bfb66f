#!/bin/sh
# REGISTER with digest authentication per second, tandem against Kamailio,
# in one run. SIPp registers USERS users in turn (bench/register/register.xml:
# REGISTER, 401, REGISTER with MD5 credentials, 200; one registration = one
# SIPp call) over UDP on loopback, against:
#   tandem      mod_auth + mod_registrar as shipped: every change to the
#               bindings is written to <state_dir>/location.db (temporary
#               file, fsync, rename) before the 200 goes out;
#   tandem_mem  the same without a state_dir: bindings in memory only;
#   kamailio    bench/kamailio/registrar.cfg: auth (pv_www_authenticate
#               against a password table in htable) + registrar + usrloc
#               with db_mode=0, i.e. memory only.
# For each, the highest rate with every registration ended and under 0.1%
# failed; load steps go round the three servers.
# Usage: bench/register/run-register.sh BUILDDIR
# env: USERS (1000), STEP_SECONDS (3), START_RATE (500), MAX_RATE (20000),
#      KAMAILIO_CHILDREN (1)
set -u
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
STEP_SECONDS=${STEP_SECONDS:-3}
. "$top_srcdir/bench/lib.sh"
users=${USERS:-1000}
children=${KAMAILIO_CHILDREN:-1}
t_port=$(free_port)
m_port=$(free_port)
k_port=$(free_port)

# One password per user, written for each party: tandem's users.conf,
# Kamailio's password table, SIPp's -inf file.
python3 - "$users" "$WORK" <<'PY'
import secrets, sys
n, work = int(sys.argv[1]), sys.argv[2]
users = [("u%d" % (1000 + i), secrets.token_hex(8)) for i in range(n)]
with open(work + "/users.conf", "w") as f:
    f.write('users: { realm = "bench.local";\n  list = (\n')
    f.write(",\n".join('    { user = "%s"; password = "%s"; }' % u for u in users))
    f.write("\n  );\n};\n")
with open(work + "/kamailio-users.cfg", "w") as f:
    for u, p in users:
        f.write('$sht(users=>%s) = "%s";\n' % (u, p))
with open(work + "/users.inf", "w") as f:
    f.write("SEQUENTIAL\n")
    for u, p in users:
        f.write("%s;[authentication username=%s password=%s]\n" % (u, u, p))
PY

# tandem_conf FILE PORT STATE_DIR_LINE
tandem_conf() {
	cat >"$1" <<CONF
log_level = "notice";
$3
modules = ( "auth", "registrar" );
listen = ( { transport = "udp"; address = "127.0.0.1"; port = $2; } );
auth: { users_file = "users.conf"; algorithms = ( "MD5" ); };
registrar: { min_expires = 60; max_expires = 3600; };
CONF
}
mkdir -p "$WORK/state"
tandem_conf "$WORK/tandem.conf" "$t_port" 'state_dir = "state";'
tandem_conf "$WORK/tandem-mem.conf" "$m_port" ''

# reg_client PORT "SERVER PIDS" CLIENT_PORT RATE CALLS: one load step. Each
# server sees one client port throughout, so a user's later REGISTERs refresh
# the binding the first one made (one Contact per user, as from a phone).
reg_client() {
	cpu0=$(proc_cpu_ms $2)
	t0=$(now)
	sipp -sf "$top_srcdir/bench/register/register.xml" 127.0.0.1:"$1" -i 127.0.0.1 -p "$3" \
		-inf "$WORK/users.inf" -r "$4" -m "$5" -l $(( $4 * 2 )) -recv_timeout 5000 \
		-timeout $(( $5 / $4 + 12 )) -nostdin -trace_stat -stf "$STEP_STAT" >/dev/null 2>&1
	STEP_WALL=$(echo "$(now) - $t0" | bc -l)
	STEP_CPU=$(( $(proc_cpu_ms $2) - cpu0 ))
}

bench_tandemd "$WORK/tandem.conf"
T_PID=$TANDEM_PID
TANDEM_LOG="$WORK/tandemd.log"
# the memory-only tandemd: its own log, stopped by the same cleanup
"$TANDEMD" -c "$WORK/tandem-mem.conf" -M "$MODDIR" -l notice >"$WORK/tandemd-mem.log" 2>&1 &
M_PID=$!
BENCH_PIDS=$M_PID
kamailio_start "$top_srcdir/bench/kamailio/registrar.cfg" \
	"s/@PORT@/$k_port/;s/@CHILDREN@/$children/;s|@USERS@|$WORK/kamailio-users.cfg|"
sleep 0.5
grep -q started "$WORK/tandemd-mem.log" || fail "the memory-only tandemd did not start"
kprocs=$(kamailio_procs)

t_client=$(free_port) m_client=$(free_port) k_client=$(free_port)
tandem_step() { reg_client "$t_port" "$T_PID" "$t_client" "$@"; }
tandem_mem_step() { reg_client "$m_port" "$M_PID" "$m_client" "$@"; }
kamailio_step() { reg_client "$k_port" "$KAM_PID $(pgrep -P "$KAM_PID" | tr '\n' ' ')" "$k_client" "$@"; }

load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "register: $users users, SIPp REGISTER/401/REGISTER/200 over UDP on 127.0.0.1, ${STEP_SECONDS} s per step"
rate_search tandem tandem_step tandem_mem tandem_mem_step kamailio kamailio_step
load1=$(cut -d' ' -f1-3 /proc/loadavg)
bindings=$(grep -c '^B ' "$WORK/state/location.db" 2>/dev/null)
kamailio_stop
kill -TERM "$M_PID"; wait "$M_PID"
kill -TERM "$T_PID"; wait "$T_PID"; TANDEM_PID=""; BENCH_PIDS=""

echo "RESULT register (highest rate of authenticated registrations with every one ended and <0.1% failed):"
printf '  tandem     %6d reg/s  (location.db rewritten + fsync per REGISTER: %s bindings on disk at the end)\n' \
	"$BEST_tandem" "$bindings"
printf '  tandem_mem %6d reg/s  (no state_dir: bindings in memory only)\n' "$BEST_tandem_mem"
printf '  kamailio   %6d reg/s  (usrloc db_mode=0: memory only; -x tlsf, children=%s: %s processes)\n' \
	"$BEST_kamailio" "$children" "$kprocs"
echo "  ratio tandem/kamailio: $(ratio "$BEST_tandem" "$BEST_kamailio") (persistent vs memory-only)," \
	"tandem_mem/kamailio: $(ratio "$BEST_tandem_mem" "$BEST_kamailio") (both memory-only)"
both=$(common_pass_rate tandem_mem kamailio)
if [ -n "$both" ]; then
	echo "  server CPU per registration at $both reg/s: tandem $(step_cpu tandem "$both") us," \
		"tandem_mem $(step_cpu tandem_mem "$both") us, kamailio $(step_cpu kamailio "$both") us"
fi
echo "  machine: $(nproc) cores; load average $load0 before, $load1 after (shared machine: figures are noisy)"
