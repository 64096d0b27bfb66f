#!/bin/sh
# REGISTER end to end: SIPp's digest (MD5) over UDP and TCP, a Python client
# for SHA-256 and the registrar rules, and bindings surviving kill -9.
. "$(dirname "$0")/lib.sh"
port=$(free_port)
mkdir -p "$WORK/state"
write_users "$WORK/users.conf" 1001:secret1001 1002:secret1002:internal
conf() {
	cat >"$WORK/tandem.conf" <<CONF
log_level = "debug";
state_dir = "state";
modules = ( "auth", "registrar" );
listen = (
  { transport = "udp"; address = "127.0.0.1"; port = $port; },
  { transport = "tcp"; address = "127.0.0.1"; port = $port; }
);
auth: { users_file = "users.conf"; $1 ban: { failures = 50; }; };
registrar: { min_expires = 60; max_expires = 3600; };
CONF
}
# SIPp 3.6 answers only MD5 challenges, and only the first one it sees.
conf 'algorithms = ( "MD5" );'
start_tandemd "$WORK/tandem.conf"
for t in UDP:u1 TCP:t1; do
	sed "s/TRANSPORT/${t%:*}/" "$SCEN/register_auth.xml" >"$WORK/register_auth_${t%:*}.xml"
	SCEN="$WORK" sipp_run "register_auth_${t%:*}" 127.0.0.1:"$port" -t "${t#*:}" -i 127.0.0.1 \
		-s 1001 -au 1001 -ap secret1001
done
# Each 200 was sent after its snapshot was written, fsynced and renamed
# into place: SIPp has seen both 200s, so both bindings are on disk now.
[ "$(grep -c '^B 1001 ' "$WORK/state/location.db")" = 2 ] || fail "two bindings for 1001 expected in location.db"
cp "$WORK/state/location.db" "$WORK/location.before"
# kill -9: the snapshot is all there is
kill -KILL "$TANDEM_PID"; wait "$TANDEM_PID" 2>/dev/null; TANDEM_PID=""
cmp -s "$WORK/state/location.db" "$WORK/location.before" || fail "location.db changed after the last 200"
conf ''
start_tandemd "$WORK/tandem.conf"
grep -q "mod_registrar: 2 binding(s) restored" "$WORK/tandemd.log" ||
	fail "bindings not restored after kill -9: $(grep 'restored\|skipped' "$WORK/tandemd.log"); location.db: $(cat "$WORK/state/location.db")"
[ -f "$WORK/state/auth.secret" ] || fail "no nonce secret in the state dir"
[ "$(stat -c %a "$WORK/state/auth.secret")" = 600 ] || fail "auth.secret is not 0600"
# over the network too: a query lists both (test_register.py starts with it)
python3 "$top_srcdir/tests/sip/test_register.py" "$port" || fail "test_register.py"
stop_tandemd
echo "ok: REGISTER with digest authentication"
