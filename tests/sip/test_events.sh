#!/bin/sh
# A module serves an event package (tests/sip/mod_testevent.c, RFC 6665):
# 1. SIPp subscribes: 200 with Expires and Allow-Events, the initial NOTIFY
#    (active, count 0), a NOTIFY when a MESSAGE bumps the resource (count 1),
#    a refresh to 2 s (200, NOTIFY), then expiry: NOTIFY terminated;reason=timeout;
# 2. SIPp subscribes for 600 s (lowered to 300) and unsubscribes (Expires: 0):
#    200 and the final NOTIFY;
# 3. raw sockets (events_check.py): 489 + Allow-Events, 423 + Min-Expires, 400s,
#    the module's 403 and own 401, 481 for an unknown subscription dialog,
#    OPTIONS with Allow-Events, a fetch, a NOTIFY answered 481 or timing out
#    ending the subscription.
# Then without any package: OPTIONS has no Allow-Events and no SUBSCRIBE in Allow.
. "$(dirname "$0")/lib.sh"
MODDIR=$top_builddir/tests/sip/.libs
[ -f "$MODDIR/mod_testevent.so" ] || fail "mod_testevent.so not built (make check builds it)"
port=$(free_port)
SIP_SETTINGS="t1_ms = 50;" write_config "$WORK/tandem.conf" "$port" "
testevent: { package = \"x-test\"; min_expires = 2; max_expires = 300; default_expires = 60; };
dialplan: { internal: ( { match = \"^bump-(.+)$\"; do = ( \"testevent_bump(\${1})\" ); } ); };"
sed -i 's/^modules = ( "echo" );/modules = ( "testevent" );/; /^echo: /d' "$WORK/tandem.conf"
start_tandemd "$WORK/tandem.conf"
grep -q "event package x-test served" "$WORK/tandemd.log" || fail "the package was not registered"

sipp_run sub_expire 127.0.0.1:"$port" -i 127.0.0.1 -s 1000
grep -q "testevent: 1000 is now 1, 1 subscription(s) notified" "$WORK/tandemd.log" ||
	fail "the bump did not notify the subscriber"
grep -q "subscription to 1000 ended: timeout" "$WORK/tandemd.log" || fail "no expiry reached the module"

sipp_run sub_unsubscribe 127.0.0.1:"$port" -i 127.0.0.1 -s 2000
grep -q "unsubscribed" "$WORK/tandemd.log" || fail "the unsubscribe was not seen"
grep -q "subscription to 2000 ended: timeout" "$WORK/tandemd.log" || fail "unsubscribe did not end it"

python3 "$top_srcdir/tests/sip/events_check.py" "$port" >"$WORK/events_check.out" 2>&1
rc=$?
cat "$WORK/events_check.out"
[ $rc -eq 0 ] || fail "events_check.py failed"
grep -q "NOTIFY answered 481" "$WORK/tandemd.log" || fail "the 481 to a NOTIFY was not seen"
grep -q "subscription to silent ended: failed" "$WORK/tandemd.log" || fail "the NOTIFY timeout did not end it"
stop_tandemd
grep -q "testevent: stopped, 0 subscription(s) left" "$WORK/tandemd.log" ||
	fail "subscriptions left at stop: $(grep 'testevent: stopped' "$WORK/tandemd.log")"

# no package served: OPTIONS says so
port=$(free_port)
write_config "$WORK/plain.conf" "$port"
MODDIR=$top_builddir/.libs
start_tandemd "$WORK/plain.conf"
python3 -c "
import sys
sys.path.insert(0, '$top_srcdir/tests/sip')
from sipwire import Udp, request, header, parse_status
c = Udp($port)
c.send(request('OPTIONS', 'sip:127.0.0.1:$port', port=c.local_port))
r = c.recv()
ok = r is not None and parse_status(r)[0] == 200 and header(r, 'Allow-Events') is None \
     and 'SUBSCRIBE' not in (header(r, 'Allow') or '') and 'NOTIFY' in (header(r, 'Allow') or '')
print('ok' if ok else 'FAIL', 'OPTIONS without packages:', r and header(r, 'Allow'))
sys.exit(0 if ok else 1)
" || fail "OPTIONS without packages advertises events"
stop_tandemd
echo "ok: subscribe, NOTIFY on change, refresh, expiry, unsubscribe, 489/423/481, OPTIONS Allow-Events"
