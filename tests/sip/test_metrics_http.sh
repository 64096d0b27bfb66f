#!/bin/sh
# mod_metrics' HTTP side: 404 and 405 to curl, the raw-socket cases of
# metrics_http.py (400 for garbage, 408, 431, 505, the connection limit),
# a reload that moves the port (and one refused with file:line, the old
# port still serving), and the loopback rule (a non-loopback address only
# with allow_remote).
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/sip/metrics_lib.sh"
port=$(free_port)
conf() {
	write_config "$WORK/tandem.conf" "$port" "metrics: { $1 max_connections = 3; timeout = 2; max_request = 1024; };"
	with_metrics "$WORK/tandem.conf"
}
conf "listen = \"127.0.0.1:$mport\";"
start_tandemd "$WORK/tandem.conf"

[ "$(http_status GET /metrics)" = 200 ] || fail "GET /metrics"
[ "$(http_status GET /)" = 404 ] || fail "GET / is not 404"
[ "$(http_status GET /metrics/)" = 404 ] || fail "GET /metrics/ is not 404"
[ "$(http_status POST /metrics -d x=1)" = 405 ] || fail "POST is not 405"
[ "$(http_status DELETE /metrics)" = 405 ] || fail "DELETE is not 405"
curl -sS -I "http://127.0.0.1:$mport/metrics" >"$WORK/head.out" || fail "HEAD"
grep -q "^HTTP/1.1 200" "$WORK/head.out" || fail "HEAD: $(head -n 1 "$WORK/head.out")"
python3 "$top_srcdir/tests/sip/metrics_http.py" "$mport" 3 2 1024 >"$WORK/http.out" 2>&1 ||
	fail "HTTP cases: $(cat "$WORK/http.out")"
# tandemd is fine after all of it, and counted its answers
scrape "$WORK/m1"
for c in 404:4 405:3 400:8 408:1 414:1 431:1 503:1 505:1; do
	v=$(metric "$WORK/m1" "tandem_metrics_http_responses_total{code=\"${c%:*}\"}")
	[ "$v" = "${c#*:}" ] || fail "responses with ${c%:*}: $v, want ${c#*:}"
done
grep -q "runtime error\|AddressSanitizer" "$WORK/tandemd.log" && fail "sanitizer report"

# a reload moves the listener: the new port answers, the old one no more
mport2=$(free_port)
conf "listen = \"127.0.0.1:$mport2\";"
kill -HUP "$TANDEM_PID"
i=0
until grep -q "mod_metrics: moved from 127.0.0.1:$mport to http://127.0.0.1:$mport2/metrics" "$WORK/tandemd.log"; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "the reload did not move the port"; sleep 0.1
done
scrape "$WORK/m2" "$mport2"
curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$mport/metrics" && fail "the old port still answers"

# a port taken (tandemd's own SIP port over TCP): the reload is refused,
# with the file and line of the listen setting; the port in use stays
conf "listen = \"127.0.0.1:$port\";"
line=$(grep -n "listen = \"127.0.0.1:$port\"" "$WORK/tandem.conf" | cut -d: -f1)
kill -HUP "$TANDEM_PID"
i=0
until grep -q "reload failed" "$WORK/tandemd.log"; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "the reload to a taken port was not refused"; sleep 0.1
done
grep -q "mod_metrics: $WORK/tandem.conf:$line: cannot listen on 127.0.0.1:$port: Address already in use (still on 127.0.0.1:$mport2)" \
	"$WORK/tandemd.log" || fail "no file:line for the refused port: $(grep mod_metrics "$WORK/tandemd.log" | tail -n 2)"
scrape "$WORK/m3" "$mport2"

# IPv6 loopback
conf "listen = \"[::1]:$mport\";"
kill -HUP "$TANDEM_PID"
i=0
until grep -q "moved from 127.0.0.1:$mport2 to http://\[::1\]:$mport/metrics" "$WORK/tandemd.log"; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "the reload did not move to [::1]"; sleep 0.1
done
curl -sS -g -o "$WORK/m4" "http://[::1]:$mport/metrics" || fail "no metrics on [::1]"
promtool check metrics <"$WORK/m4" || fail "promtool on the [::1] scrape"
stop_tandemd

# loopback only, unless the config says otherwise: at start, and by reload
conf "listen = \"0.0.0.0:$mport\";"
"$TANDEMD" --check-config -c "$WORK/tandem.conf" -M "$MODDIR" >"$WORK/check.out" 2>&1 &&
	fail "a non-loopback listen address was accepted"
line=$(grep -n "listen = \"0.0.0.0:$mport\"" "$WORK/tandem.conf" | cut -d: -f1)
grep -q "mod_metrics: $WORK/tandem.conf:$line: listen = \"0.0.0.0:$mport\" is not a loopback address" \
	"$WORK/tandemd.log" "$WORK/check.out" || fail "no file:line for 0.0.0.0: $(cat "$WORK/check.out")"
conf "listen = \"0.0.0.0:$mport\"; allow_remote = true;"
"$TANDEMD" --check-config -c "$WORK/tandem.conf" -M "$MODDIR" >"$WORK/check.out" 2>&1 ||
	fail "allow_remote = true was not enough: $(cat "$WORK/check.out")"
conf "listen = \"localhost:$mport\";"
"$TANDEMD" --check-config -c "$WORK/tandem.conf" -M "$MODDIR" >"$WORK/check.out" 2>&1 &&
	fail "a name as listen address was accepted"
grep -q 'expected "a.b.c.d:PORT" or "\[v6\]:PORT"' "$WORK/check.out" || fail "no reason for 'localhost': $(cat "$WORK/check.out")"
echo "ok: the metrics endpoint's HTTP, reload and loopback rules"
