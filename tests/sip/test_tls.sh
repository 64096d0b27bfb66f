#!/bin/sh
# OPTIONS over TLS from sipsak (GnuTLS) to tandemd's OpenSSL listener, with a
# self-signed certificate made at test time; then mod_echo over TLS too.
. "$(dirname "$0")/lib.sh"
command -v sipsak >/dev/null || fail "sipsak not installed (tools/deps installs it)"
port=$(free_port)
tlsport=$((port + 1))
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null || fail "openssl req"
write_config "$WORK/tandem.conf" "$port"
sed -i "s#^listen = (#listen = (\n  { transport = \"tls\"; address = \"127.0.0.1\"; port = $tlsport; cert = \"$WORK/cert.pem\"; key = \"$WORK/key.pem\"; },#" "$WORK/tandem.conf"
start_tandemd "$WORK/tandem.conf"
sipsak -vv --transport=tls --tls-ignore-cert-failure -s "sip:127.0.0.1:$tlsport" >"$WORK/sipsak.out" 2>&1 \
	|| { cat "$WORK/sipsak.out"; fail "sipsak OPTIONS over TLS did not get a 2xx"; }
grep -q "SIP/2.0 200" "$WORK/sipsak.out" || { cat "$WORK/sipsak.out"; fail "no 200 in sipsak output"; }
grep -q -i "^Via:.*TLS" "$WORK/sipsak.out" || { cat "$WORK/sipsak.out"; fail "no TLS Via in the answer"; }
sipsak -vv --transport=tls --tls-ignore-cert-failure -s "sip:echo@127.0.0.1:$tlsport" >"$WORK/sipsak2.out" 2>&1 \
	|| { cat "$WORK/sipsak2.out"; fail "sipsak OPTIONS to echo over TLS"; }
grep -q "X-Echo-Count" "$WORK/sipsak2.out" || { cat "$WORK/sipsak2.out"; fail "mod_echo did not answer over TLS"; }
grep -q "TLS" "$WORK/tandemd.log" || fail "no TLS line in the log"
stop_tandemd
echo "ok: OPTIONS over TLS"
