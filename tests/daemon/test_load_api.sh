#!/bin/sh
# The installed module APIs (include/tandem/registrar.h, auth.h, rtprelay.h)
# from a module built against include/ only (tests/daemon/mod_apiuser.c):
# each load_api helper names the module to load first when it is missing
# (and tandemd refuses to start), and with the three modules loaded each
# API answers across the module boundary.
. "$(dirname "$0")/../sip/lib.sh"
port=$(free_port)
relay_min=$(free_port)
mkdir -p "$WORK/mods"
for so in "$MODDIR"/mod_*.so "$top_builddir/tests/daemon/.libs/mod_apiuser.so"; do
	ln -s "$so" "$WORK/mods/" || fail "cannot link $so"
done
[ -e "$WORK/mods/mod_apiuser.so" ] || fail "mod_apiuser.so not built"
MODDIR="$WORK/mods"
write_users "$WORK/users.conf" 1001:secret1001
conf() { # MODULES NEEDS (a group only for the modules listed: tandemd refuses others)
	cat >"$WORK/tandem.conf" <<CONF
log_level = "debug";
modules = ( $1 );
listen = ( { transport = "udp"; address = "127.0.0.1"; port = $port; } );
apiuser: { needs = ( $2 ); };
CONF
	case $1 in *'"auth"'*) echo 'auth: { users_file = "users.conf"; };' >>"$WORK/tandem.conf" ;; esac
	case $1 in *'"rtprelay"'*) echo "rtprelay: { bind = \"127.0.0.1\"; port_min = $relay_min; port_max = $((relay_min + 19)); };" >>"$WORK/tandem.conf" ;; esac
}

# Each API missing in turn: start-up fails, the log says what to load.
missing() { # API LOADED-MODULES WHAT
	conf "$2, \"apiuser\"" "\"$1\""
	"$TANDEMD" -c "$WORK/tandem.conf" -M "$MODDIR" >"$WORK/missing-$1.out" 2>&1 &&
		fail "tandemd started without mod_$1 for a module that needs its API"
	grep -q "mod_apiuser: no $3: load module \"$1\" first" "$WORK/missing-$1.out" ||
		{ cat "$WORK/missing-$1.out"; fail "no log line naming mod_$1 to load first"; }
	grep -q "module apiuser: init failed" "$WORK/missing-$1.out" ||
		{ cat "$WORK/missing-$1.out"; fail "apiuser's init failure not reported"; }
}
missing registrar '"rtprelay"' "location service"
missing auth '"rtprelay"' "authentication service"
missing rtprelay '"auth", "registrar"' "media endpoints"

# All three loaded: each API works from the other module.
conf '"auth", "registrar", "rtprelay", "apiuser"' '"registrar", "auth", "rtprelay"'
start_tandemd "$WORK/tandem.conf"
for want in "apiuser: registrar: nobody has 0 contact(s)" \
	"apiuser: auth: context of nobody: (none)" \
	"apiuser: rtprelay endpoint on 127.0.0.1:[0-9]*: sent and received 160 samples"; do
	grep -q "$want" "$WORK/tandemd.log" || fail "missing log line: $want"
done
if grep -q "no .*: load module" "$WORK/tandemd.log"; then
	fail "a load_api helper logged a missing module although all were loaded"
fi
stop_tandemd
