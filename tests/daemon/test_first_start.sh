#!/bin/sh
# First start of the sample office on a fresh tree (issue 13), on ports of
# the test's own: --check-config accepts etc/ as shipped; with no TLS
# certificate tandemd refuses to start and says which file is missing and
# the command that makes one; tools/make-cert makes it (private key mode
# 0600, a no-op the second time) and tandemd starts; mod_auth warns naming
# every user still on a sample password, and after one password changes
# (SIGHUP) names only the others.
. "$(dirname "$0")/../sip/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
cp -r "$top_srcdir/etc" "$WORK/etc"
mkdir -p "$WORK/var"
ln -s "$SOUNDS" "$WORK/var/sounds"
tls_port=$(free_port)
sed -i -e "s/port = 5060;/port = $port;/g" -e "s/port = 5061;/port = $tls_port;/" \
	-e "s/port_min = 20000;/port_min = $relay_min;/" -e "s/port_max = 29999;/port_max = $((relay_min + 99));/" \
	"$WORK/etc/tandem.conf"
grep -q "port = $tls_port;" "$WORK/etc/tandem.conf" || fail "the sample config's ports could not be moved"
"$TANDEMD" --check-config -c "$WORK/etc/tandem.conf" -M "$MODDIR" >"$WORK/check.out" 2>&1 ||
	fail "the sample config does not check: $(cat "$WORK/check.out")"
grep -q "still have the sample configuration's password.*: 1001, 1002, 1003;" "$WORK/check.out" ||
	fail "--check-config does not name the sample passwords: $(cat "$WORK/check.out")"

# 1. no certificate: not started, and told how to make one
crt="$WORK/etc/../var/tls/tandem.crt"
key="$WORK/etc/../var/tls/tandem.key"
"$TANDEMD" -c "$WORK/etc/tandem.conf" -M "$MODDIR" >"$WORK/nocert.log" 2>&1 &
pid=$!
i=0
while kill -0 "$pid" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 100 ] || { kill -KILL "$pid"; fail "tandemd started without its certificate"; }
	sleep 0.1
done
wait "$pid" && fail "tandemd exited 0 without its certificate"
grep -q "tls: cannot read $crt: No such file or directory" "$WORK/nocert.log" ||
	fail "the missing certificate is not named: $(cat "$WORK/nocert.log")"
grep -q "openssl req -x509 .* -keyout $key -out $crt (in a source tree: tools/make-cert $crt $key)" \
	"$WORK/nocert.log" || fail "no command to make the certificate: $(cat "$WORK/nocert.log")"
grep -q "not started" "$WORK/nocert.log" || fail "no 'not started' line"

# 2. the documented way makes it, once
"$top_srcdir/tools/make-cert" "$crt" "$key" >"$WORK/cert.out" 2>&1 || fail "tools/make-cert: $(cat "$WORK/cert.out")"
[ "$(stat -c %a "$key")" = 600 ] || fail "the key is mode $(stat -c %a "$key")"
openssl x509 -in "$crt" -noout -checkend 86400 >/dev/null || fail "not a valid certificate"
sum=$(cksum <"$crt")
"$top_srcdir/tools/make-cert" "$crt" "$key" >/dev/null 2>&1 || fail "a second tools/make-cert failed"
[ "$(cksum <"$crt")" = "$sum" ] || fail "a second tools/make-cert made a new certificate"

# 3. it starts, warning about the sample passwords; one changed, two left
start_tandemd "$WORK/etc/tandem.conf"
grep -q "WARN mod_auth: 3 user(s) still have the sample configuration's password, which anyone can read: 1001, 1002, 1003;" \
	"$WORK/tandemd.log" || fail "no warning naming the sample users"
sed -i 's/password = "bob-1002";/password = "a-secret-of-bobs";/' "$WORK/etc/users.conf"
kill -HUP "$TANDEM_PID"
i=0
until grep -q "reload done" "$WORK/tandemd.log"; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "the reload did not finish"
	sleep 0.1
done
grep -q "WARN mod_auth: 2 user(s) .*: 1001, 1003;" "$WORK/tandemd.log" ||
	fail "the reload does not name the two left: $(grep mod_auth "$WORK/tandemd.log")"
assert_no_calls
echo "ok: a missing certificate is named with the command that makes it; tools/make-cert makes it once; the sample passwords are named at start and reload"
