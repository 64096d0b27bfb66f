#!/bin/sh
# The modules' control commands, mod_registrar and mod_auth: after SIPp
# REGISTERs (UDP from 127.0.0.1, TCP) `registrations` shows each binding
# (contact, expiry, transport, source, User-Agent) as a table and as
# JSON, `registrations AOR` only that AOR's (notfound for one with none);
# `ban add 127.0.0.2` drops that address's OPTIONS while 127.0.0.1 is
# still answered, `ban list` shows it, `ban remove` lifts it; failed
# logins from 127.0.0.3 show as counted, then as a ban.
. "$(dirname "$0")/ctlmod_lib.sh"
write_users "$WORK/users.conf" 1001:alice-1001 1002:bob-1002
cat >"$WORK/tandem.conf" <<CONF
log_level = "debug";
state_dir = "$WORK";
modules = ( "auth", "registrar" );
listen = (
  { transport = "udp"; address = "127.0.0.1"; port = $port; },
  { transport = "tcp"; address = "127.0.0.1"; port = $port; }
);
sip: { t1_ms = 500; };
auth: { users_file = "users.conf"; algorithms = ( "MD5" );
        ban: { failures = 3; window = 60; time = 600; }; };
registrar: { min_expires = 30; };
CONF
start_tandemd "$WORK/tandem.conf"

ctl_ok --json registrations
json_assert 'v == []'
ctl_expect 4 registrations 1001
grep -q "1001 has no binding" "$WORK/ctl.err" || fail "notfound message: $(cat "$WORK/ctl.err")"

register 1001 alice-1001 -i 127.0.0.1
register 1001 alice-1001 -i 127.0.0.1 -t t1
register 1002 bob-1002 -i 127.0.0.1

ctl_ok --json registrations
json_assert 'len(v) == 3 and [b["aor"] for b in v] == ["1001", "1001", "1002"]'
json_assert 'sorted(b["transport"] for b in v if b["aor"] == "1001") == ["TCP", "UDP"]'
json_assert 'all(b["user_agent"] == "Test Phone 1.0 (%s)" % b["transport"] for b in v)'
json_assert 'all(280 <= b["expires"] <= 300 for b in v)'
json_assert 'all(b["received"].startswith("127.0.0.1:") for b in v)'
json_assert 'all(b["contact"].startswith("sip:%s@127.0.0.1:" % b["aor"]) for b in v)'
json_assert '[b["flow"] for b in v if b["transport"] == "TCP"] == [True]'
json_assert 'list(v[0].keys())[:6] == ["aor", "contact", "expires", "transport", "received", "user_agent"]'

ctl_ok --json registrations 1002
json_assert 'len(v) == 1 and v[0]["aor"] == "1002" and v[0]["transport"] == "UDP"'

# the table: one header, a row per binding, in the members' order
ctl_ok registrations
head -n 1 "$WORK/ctl.out" | grep -q "^aor  *contact  *expires  *transport  *received  *user_agent" ||
	fail "registrations header: $(head -n 1 "$WORK/ctl.out")"
[ "$(wc -l <"$WORK/ctl.out")" -eq 4 ] || fail "not a header and 3 rows: $(cat "$WORK/ctl.out")"
grep -q "^1002  *sip:1002@127.0.0.1:[0-9]*;transport=UDP  *[0-9]*  *UDP  *127.0.0.1:[0-9]*  *Test Phone 1.0 (UDP)" \
	"$WORK/ctl.out" || fail "1002's row: $(cat "$WORK/ctl.out")"
ctl_expect 2 registrations 1001 1002

# ---- ban ----
ctl_ok --json ban list
json_assert 'v == []'
[ "$(options_from 127.0.0.2)" = 200 ] || fail "127.0.0.2 not answered before the ban"
ctl_ok --json ban add 127.0.0.2 120
json_assert 'v == {"address": "127.0.0.2", "banned": True, "remaining": 120}'
grep -q "auth: banning 127.0.0.2 for 120 s (control socket)" "$WORK/tandemd.log" || fail "no ban line in the log"
[ "$(options_from 127.0.0.2)" = none ] || fail "127.0.0.2 answered while banned"
[ "$(options_from 127.0.0.1)" = 200 ] || fail "127.0.0.1 not answered while 127.0.0.2 is banned"
ctl_ok --json ban list
json_assert 'len(v) == 1 and v[0]["address"] == "127.0.0.2" and v[0]["state"] == "banned"'
json_assert 'v[0]["by"] == "control" and 110 <= v[0]["remaining"] <= 120'
ctl_ok ban
grep -q "^address  *state  *remaining  *failures  *by" "$WORK/ctl.out" || fail "ban table: $(cat "$WORK/ctl.out")"
grep -q "^127.0.0.2  *banned  *1[0-9][0-9]  *0  *control" "$WORK/ctl.out" || fail "ban row: $(cat "$WORK/ctl.out")"
ctl_ok --json ban remove 127.0.0.2
json_assert 'v == {"address": "127.0.0.2", "banned": False}'
[ "$(options_from 127.0.0.2)" = 200 ] || fail "127.0.0.2 not answered after ban remove"
ctl_expect 4 ban remove 127.0.0.2
grep -q "127.0.0.2 is not banned" "$WORK/ctl.err" || fail "not banned: $(cat "$WORK/ctl.err")"
ctl_expect 2 ban add not-an-address
ctl_expect 2 ban add 127.0.0.2 0
ctl_expect 2 ban add 127.0.0.2 ten
ctl_expect 2 ban remove
ctl_expect 2 ban frobnicate
ctl_ok --json ban list
json_assert 'v == []'

# failed logins: counted, then a ban that failures started
for n in 1 2; do
	sipp -sf "$SCEN/ctlmod_register_bad.xml" -m 1 -p "$(free_port)" -i 127.0.0.3 -nostdin -timeout 15 \
		-timeout_error -s 1001 -au 1001 -ap wrong 127.0.0.1:"$port" >"$WORK/bad-$n.out" 2>&1 ||
		fail "wrong-password REGISTER $n: $(cat "$WORK/bad-$n.out")"
done
ctl_ok --json ban list
json_assert 'v == [{"address": "127.0.0.3", "state": "counting", "remaining": 0, "failures": 2, "by": None}]'
sipp -sf "$SCEN/ctlmod_register_bad.xml" -m 1 -p "$(free_port)" -i 127.0.0.3 -nostdin -timeout 15 \
	-timeout_error -s 1001 -au 1001 -ap wrong 127.0.0.1:"$port" >"$WORK/bad-3.out" 2>&1 ||
	fail "wrong-password REGISTER 3: $(cat "$WORK/bad-3.out")"
ctl_ok --json ban list
json_assert 'len(v) == 1 and v[0]["address"] == "127.0.0.3" and v[0]["state"] == "banned"'
json_assert 'v[0]["by"] == "failures" and v[0]["failures"] == 3 and 590 <= v[0]["remaining"] <= 600'
[ "$(options_from 127.0.0.3)" = none ] || fail "127.0.0.3 answered after its failures banned it"
ctl_ok ban remove 127.0.0.3
[ "$(options_from 127.0.0.3)" = 200 ] || fail "127.0.0.3 not answered after ban remove"

stop_tandemd
