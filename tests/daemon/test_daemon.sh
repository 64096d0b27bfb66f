#!/bin/sh
# tandemd itself: --check-config with file:line errors, module load failures
# named, SIGHUP reload (good and bad), SIGTERM stop, -d with a pid file.
. "$(dirname "$0")/../sip/lib.sh"
port=$(free_port)
write_config "$WORK/tandem.conf" "$port"

"$TANDEMD" --check-config -c "$WORK/tandem.conf" -M "$MODDIR" >"$WORK/check.out" 2>&1 \
	|| { cat "$WORK/check.out"; fail "--check-config refused a good config"; }
grep -q "configuration OK" "$WORK/check.out" || fail "--check-config said nothing"

# A syntax error: file and line.
printf 'log_level = "info";\nmodules = ( "echo" )\nlisten = ( );\n' >"$WORK/syntax.conf"
"$TANDEMD" --check-config -c "$WORK/syntax.conf" -M "$MODDIR" >"$WORK/syntax.out" 2>&1 \
	&& fail "--check-config accepted a syntax error"
grep -q "syntax.conf:3:" "$WORK/syntax.out" || { cat "$WORK/syntax.out"; fail "syntax error not reported at syntax.conf:3"; }

# Several semantic errors, one in an @include'd file: all listed with file:line.
cat >"$WORK/sip.inc" <<CONF
sip: {
  t1_ms = 500;
  t2_ms = "fast";
};
CONF
cat >"$WORK/semantic.conf" <<CONF
log_level = "loud";
modules = ( "echo" );
listen = ( { transport = "sctp"; port = 5060; } );
@include "sip.inc"
colour = "blue";
CONF
"$TANDEMD" --check-config -c "$WORK/semantic.conf" -M "$MODDIR" >"$WORK/semantic.out" 2>&1 \
	&& fail "--check-config accepted a bad config"
for want in "semantic.conf:1:" "semantic.conf:3:" "sip.inc:3:" "semantic.conf:5:.*colour"; do
	grep -q "$want" "$WORK/semantic.out" || { cat "$WORK/semantic.out"; fail "missing error $want"; }
done

# Module failures stop start-up with the module's name and the reason.
try_module() { # NAME EXPECTED-TEXT
	write_config "$WORK/m.conf" "$port"
	sed -i "s/modules = ( \"echo\" );/modules = ( \"echo\", \"$1\" );/" "$WORK/m.conf"
	"$TANDEMD" -c "$WORK/m.conf" -M "$2" >"$WORK/m.out" 2>&1 && fail "tandemd started with module $1"
	grep -q "module $1.*$3" "$WORK/m.out" || { cat "$WORK/m.out"; fail "no message naming module $1 ($3)"; }
}
try_module missing "$MODDIR" "cannot load"
mkdir -p "$WORK/mods"
cp "$MODDIR/mod_echo.so" "$WORK/mods/"
cp "$top_builddir/tests/daemon/.libs/mod_badabi.so" "$WORK/mods/" || fail "mod_badabi.so not built"
cp "$top_builddir/tests/daemon/.libs/mod_nosym.so" "$WORK/mods/" || fail "mod_nosym.so not built"
try_module badabi "$WORK/mods" "ABI"
try_module nosym "$WORK/mods" "no symbol"
write_config "$WORK/m.conf" "$port"
sed -i 's/echo: { users = ( "echo" ); };/echo: { users = 5; };/' "$WORK/m.conf"
"$TANDEMD" -c "$WORK/m.conf" -M "$MODDIR" >"$WORK/m.out" 2>&1 && fail "tandemd started with a bad echo config"
grep -q "module echo: init failed" "$WORK/m.out" || { cat "$WORK/m.out"; fail "echo init failure not named"; }

# Reload: a good change applies, a bad one keeps the old config.
start_tandemd "$WORK/tandem.conf"
# A second tandemd on the same ports must fail, not share them.
"$TANDEMD" -c "$WORK/tandem.conf" -M "$MODDIR" >"$WORK/second.out" 2>&1 && fail "a second tandemd started on the same port"
grep -q "not started" "$WORK/second.out" || { cat "$WORK/second.out"; fail "second tandemd gave no reason"; }
sed -i 's/users = ( "echo" )/users = ( "echo", "mirror" )/' "$WORK/tandem.conf"
kill -HUP "$TANDEM_PID"
sleep 0.5
grep -q "reload done" "$WORK/tandemd.log" || fail "reload not done"
PYTHONPATH="$top_srcdir/tests/sip" python3 - "$port" <<'PY' || fail "mirror user not answered after reload"
import sys
from sipwire import Udp, request, header
u = Udp(int(sys.argv[1]))
u.send(request("OPTIONS", ruri="sip:mirror@127.0.0.1"))
r = u.recv()
sys.exit(0 if r and header(r, "X-Echo-Count") else 1)
PY
echo 'this is not a config' >>"$WORK/tandem.conf"
kill -HUP "$TANDEM_PID"
sleep 0.5
grep -q "reload failed: the old configuration stays in force" "$WORK/tandemd.log" || fail "bad reload not refused"
grep -q "tandem.conf:[0-9]*:" "$WORK/tandemd.log" || fail "bad reload error without file:line"
PYTHONPATH="$top_srcdir/tests/sip" python3 - "$port" <<'PY' || fail "old config not in force after a bad reload"
import sys
from sipwire import Udp, request, header
u = Udp(int(sys.argv[1]))
u.send(request("OPTIONS", ruri="sip:mirror@127.0.0.1"))
r = u.recv()
sys.exit(0 if r and header(r, "X-Echo-Count") else 1)
PY
stop_tandemd
grep -q "signal 15: stopping" "$WORK/tandemd.log" || fail "SIGTERM not logged"

# -d: the parent returns once the daemon runs; the pid file names it.
write_config "$WORK/d.conf" "$port"
"$TANDEMD" -d -c "$WORK/d.conf" -M "$MODDIR" -p "$WORK/tandemd.pid" || fail "tandemd -d failed"
pid=$(cat "$WORK/tandemd.pid")
kill -0 "$pid" 2>/dev/null || fail "daemon not running"
kill -TERM "$pid"
i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 "$pid" 2>/dev/null && fail "daemon did not stop on SIGTERM"
echo "ok: daemon behaviour"
