#!/bin/sh
# The sample office of etc/ (what ./tools/run starts), on ports of the
# test's own: it loads, a user who calls an extension with no phone leaves
# a voicemail after the digest, the owner's subscription says 1/0 and *97
# opens the box without a PIN. The message lands under the office's
# var/voicemail as 8 kHz 16-bit mono WAV with its metadata. The sales
# number (2000, the queue) with no agent logged in goes to the sales box;
# the ring group 600 rings two phones at once.
. "$(dirname "$0")/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
cp -r "$top_srcdir/etc" "$WORK/etc"
mkdir -p "$WORK/var/tls"
ln -s "$SOUNDS" "$WORK/var/sounds"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
	-keyout "$WORK/var/tls/tandem.key" -out "$WORK/var/tls/tandem.crt" 2>/dev/null ||
	fail "no certificate for the sample TLS listener"
tls_port=$(free_port)
metrics_port=$(free_port)
sed -i -e "s/port = 5060;/port = $port;/g" -e "s/port = 5061;/port = $tls_port;/" \
	-e "s/\"127.0.0.1:9060\"/\"127.0.0.1:$metrics_port\"/" \
	-e "s/port_min = 20000;/port_min = $relay_min;/" -e "s/port_max = 29999;/port_max = $((relay_min + 99));/" \
	"$WORK/etc/tandem.conf"
grep -q "port = $port;" "$WORK/etc/tandem.conf" && grep -q "port_min = $relay_min;" "$WORK/etc/tandem.conf" &&
	grep -q "127.0.0.1:$metrics_port" "$WORK/etc/tandem.conf" ||
	fail "the sample config's ports could not be moved"
"$TANDEMD" --check-config -c "$WORK/etc/tandem.conf" -M "$MODDIR" >"$WORK/check.out" 2>&1 ||
	fail "the sample config does not check: $(cat "$WORK/check.out")"
start_tandemd "$WORK/etc/tandem.conf"
grep -q "mod_voicemail: 4 boxes under $WORK/etc/../var/voicemail" "$WORK/tandemd.log" ||
	fail "voicemail did not start on the sample boxes: $(grep voicemail "$WORK/tandemd.log")"

greeting=$(($(prompt_ms vm-unavail vm-leave beep) + 800))
python3 "$top_srcdir/tests/sip/sample_office.py" "$port" "$greeting" >"$WORK/office.out" 2>&1 ||
	fail "the office: $(cat "$WORK/office.out")"
cat "$WORK/office.out"
box="$WORK/var/voicemail/1002"
[ "$(spool_count_at "$box" INBOX)" = 1 ] || fail "want 1 message for 1002: $(ls -R "$WORK/var/voicemail")"
python3 "$VM_PY" meta "$box/INBOX/msg0000.txt" callerid=1001 callername=Alice box=1002 \
	reason=unavailable || fail "metadata"
ms=$(sed -n 's/^duration_ms=//p' "$box/INBOX/msg0000.txt")
[ "$ms" -ge 1900 ] && [ "$ms" -le 2100 ] || fail "the message lasts $ms ms, want 2000"
grep -q "box 1002 opened by 1002 (1 new, 0 old)" "$WORK/tandemd.log" || fail "*97 did not open 1002's box"
grep -q "queue sales has no agent logged in" "$WORK/tandemd.log" || fail "2000 did not reach the queue"
[ "$(spool_count_at "$WORK/var/voicemail/sales" INBOX)" = 1 ] || fail "no message in the sales box"
# the sample's metrics endpoint: every module's collector, promtool-clean
curl -sS -o "$WORK/metrics.txt" --max-time 5 "http://127.0.0.1:$metrics_port/metrics" ||
	fail "no metrics from the sample office"
promtool check metrics <"$WORK/metrics.txt" >"$WORK/promtool.out" 2>&1 ||
	fail "the sample office's metrics: $(cat "$WORK/promtool.out")"
grep -q '^tandem_queue_callers{queue="sales"} 0$' "$WORK/metrics.txt" || fail "no sales queue in the metrics"
assert_no_calls
# mod_cdr recorded the office's calls under var/cdr
grep -q '"1001","1002","internal",.*"ANSWERED"' "$WORK/var/cdr/Master.csv" ||
	fail "no CDR of 1001's call to 1002: $(cat "$WORK/var/cdr/Master.csv")"
[ "$(wc -l <"$WORK/var/cdr/Master.csv")" -eq "$(wc -l <"$WORK/var/cdr/cdr.json")" ] || fail "CSV and JSON records differ"
echo "ok: the sample office takes a voicemail, lights 1002's MWI, opens its box on *97, sends sales callers with no agent to the sales box, rings the 600 group; its calls are recorded"
