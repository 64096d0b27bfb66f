#!/bin/sh
# Attack tools from the sipvicious package against tandemd: svwar (extension
# enumeration, REGISTER and INVITE) must find nothing, because unknown and
# known extensions get the same challenge; svcrack (password guessing) must
# be stopped by the ban before it reaches the right password, after which
# the address's requests are dropped unanswered; a whitelisted network is
# never banned (there svcrack does find the password: the ban is what
# stopped it before).
. "$(dirname "$0")/lib.sh"
for tool in svwar svcrack; do
	command -v $tool >/dev/null || fail "$tool not installed (tools/deps installs sipvicious)"
done
port=$(free_port)
mkdir -p "$WORK/state"
write_users "$WORK/users.conf" 1001:4711 1002:secret1002 1003:secret1003
# whitelist: the networks that may fail as often as they like
conf() {
	cat >"$WORK/tandem.conf" <<CONF
log_level = "debug";
state_dir = "state";
modules = ( "auth", "registrar" );
listen = ( { transport = "udp"; address = "127.0.0.1"; port = $port; } );
# svcrack 0.3 knows MD5 only, and answers the first challenge it sees
auth: { users_file = "users.conf"; algorithms = ( "MD5" );
        ban: { failures = 5; window = 60; time = 600; whitelist = ( $1 ); }; };
registrar: { };
# authenticate before routing: the numbering plan is not disclosed either
dialplan: { internal: (
  { match = "^1[0-9]{3}\$"; do = ( "auth", "dial(\${exten})" ); },
  { do = ( "auth", "reject(404, No Such Extension)" ); } ); };
CONF
}
conf '"192.0.2.0/24", "2001:db8::/32"'
start_tandemd "$WORK/tandem.conf"
python3 "$top_srcdir/tests/sip/test_auth_invite.py" "$port" || fail "test_auth_invite.py"

# svwar: 1001..1003 exist among 1000-1010, it must not say so
for method in REGISTER INVITE; do
	for force in "" --force; do
		out="$WORK/svwar-$method$force.out"
		timeout 60 svwar -e1000-1010 -m $method $force -P "$(free_port)" -p "$port" 127.0.0.1 \
			>"$out" 2>&1 || fail "svwar -m $method $force exited with $?: $(cat "$out")"
		grep -q "found nothing" "$out" || fail "svwar -m $method $force found something: $(cat "$out")"
		! grep -q -E "extension '[0-9]+' (exists|probably exists)" "$out" \
			|| fail "svwar -m $method $force tells extensions apart: $(cat "$out")"
	done
done
grep -q "banning" "$WORK/tandemd.log" && fail "svwar (no credentials) must not cause a ban"

# svcrack: the right password is 10th, the ban comes after the 5th failure
printf '%s\n' 0000 1111 2222 3333 5555 6666 7777 8888 9999 4711 1234 >"$WORK/dict.txt"
crack() {
	timeout 60 svcrack -u1001 -d "$WORK/dict.txt" -P "$(free_port)" -p "$port" --maximumtime=2 \
		127.0.0.1 >"$WORK/svcrack.out" 2>&1 || fail "svcrack exited with $?: $(cat "$WORK/svcrack.out")"
}
before=$(grep -c "refused: wrong password" "$WORK/tandemd.log")
crack
if grep -q 4711 "$WORK/svcrack.out"; then
	fail "svcrack found the password: $(cat "$WORK/svcrack.out")"
fi
[ "$(grep -c 'auth: banning 127.0.0.1 for 600 s after 5 failed' "$WORK/tandemd.log")" = 1 ] \
	|| fail "want one ban log line for 127.0.0.1, got: $(grep banning "$WORK/tandemd.log")"
[ $(($(grep -c "refused: wrong password" "$WORK/tandemd.log") - before)) = 5 ] \
	|| fail "svcrack was answered after the ban: $(grep -c "refused: wrong password" "$WORK/tandemd.log") failures"
# banned: nothing is answered any more, not even OPTIONS
python3 - "$top_srcdir/tests/sip" "$port" <<'PY' || fail "a banned address was answered"
import sys
sys.path.insert(0, sys.argv[1])
from sipwire import Udp, request
u = Udp(int(sys.argv[2]))
for method in ("OPTIONS", "REGISTER", "INVITE"):
    u.send(request(method, "sip:1002@127.0.0.1", port=u.local_port))
    r = u.recv(timeout=1.0)
    assert r is None, r
PY
stop_tandemd
grep -q -E "stats: .*filtered [1-9]" "$WORK/tandemd.log" || fail "no request counted as filtered"
grep -q -E "mod_auth: .* [1-9][0-9]* dropped \(banned\)" "$WORK/tandemd.log" || fail "mod_auth dropped nothing"

# the same attack from a whitelisted network is never banned
conf '"10.0.0.0/8", "127.0.0.0/8", "::1/128"'
start_tandemd "$WORK/tandem.conf"
crack
grep -q -E "1001 +\| +4711" "$WORK/svcrack.out" || fail "svcrack did not crack from a whitelisted address: $(cat "$WORK/svcrack.out")"
grep -q "banning" "$WORK/tandemd.log" && fail "a whitelisted address was banned"
stop_tandemd
echo "ok: svwar finds nothing, svcrack is banned, whitelisted networks are not"
