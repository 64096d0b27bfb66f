#!/bin/sh
# A trunk over TLS (mod_trunk, issue 12): the provider's certificate is
# verified by default (RFC 5922 §7.1: it must name the provider's host,
# here its address, and chain to a trusted CA: the trunk's tls_ca). A
# verified provider gets the INVITE, its 407 answered, the ACK and BYE on
# the same TLS connection; a provider whose certificate the trunk cannot
# verify never gets the call (the caller hears 503), unless the trunk
# says tls_verify = false.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/sip/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
. "$top_srcdir/tests/sip/queue_lib.sh"
. "$top_srcdir/tests/sip/trunk_lib.sh"

cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$2" -addext "subjectAltName=IP:$2" \
		-keyout "$WORK/$1.key" -out "$WORK/$1.pem" 2>/dev/null || fail "openssl req $1"
}
cert tandem 127.0.0.1
cert provider 127.0.0.1
cert stranger 127.0.0.1
port_s=$(free_port)
port_w=$(free_port)
port_n=$(free_port)
tlsport=$(free_port)
trunk_office "$(trunk_def s "$port_s" "transport = \"tls\"; tls_ca = \"$WORK/provider.pem\";"),
              $(trunk_def w "$port_w" "transport = \"tls\"; tls_ca = \"$WORK/stranger.pem\";"),
              $(trunk_def n "$port_n" "transport = \"tls\"; tls_verify = false;")"
sed -i -e 's/^  internal: (/  internal: (\n    { match = "^6(.+)$"; do = ( "auth", "dial(trunk:s\/${1})" ); },\n    { match = "^5(.+)$"; do = ( "auth", "dial(trunk:w\/${1})" ); },\n    { match = "^4(.+)$"; do = ( "auth", "dial(trunk:n\/${1})" ); },/' \
	-e "s#^listen = (#listen = (\n  { transport = \"tls\"; address = \"127.0.0.1\"; port = $tlsport; cert = \"$WORK/tandem.pem\"; key = \"$WORK/tandem.key\"; },#" \
	"$WORK/tandem.conf"
start_tandemd "$WORK/tandem.conf"

# tls_front PORT: the provider's TLS end (Debian's SIPp has no TLS): socat
# takes TLS on PORT with the provider's certificate and hands the stream to
# the SIPp provider on TCP at $back.
tls_front() {
	back=$(free_port)
	socat "OPENSSL-LISTEN:$1,bind=127.0.0.1,reuseaddr,fork,verify=0,cert=$WORK/provider.pem,key=$WORK/provider.key" \
		"TCP:127.0.0.1:$back" 2>>"$WORK/socat-$1.log" &
	PEER_PIDS="$PEER_PIDS $!"
	i=0
	until ss -ltn "sport = :$1" | grep -q LISTEN; do
		i=$((i + 1)); [ $i -lt 50 ] || fail "socat did not listen on $1"; sleep 0.1
	done
}
tls_args="-t t1"

# 1. Verified: the call goes through, every request on the TLS connection.
# shellcheck disable=SC2086
tls_front "$port_s"
provider prov-s "$back" "$(check ruri '^INVITE sip:4930111@127\.0\.0\.1:'"$port_s"';transport=tls SIP/2\.0'
	check via '^ *SIP/2\.0/TLS ' Via)" "$(p_challenge 407 office-s; ANSWER_CONTACT="127.0.0.1:$port_s;transport=tls" p_answer)" $tls_args -mi 127.0.0.1 -mp "$(free_port)"
s_pid=$PEER_PID
office_call 1001 64930111 "$(c_talks 500)"
peer_wait prov-s "$s_pid"
digest_ok prov-s office-s secret-s

# 2. The certificate does not chain to the trunk's CA: no call reaches
# the provider; the caller hears 503.
# shellcheck disable=SC2086
tls_front "$port_w"
provider prov-w "$back" "" "$(p_answer)" $tls_args -mi 127.0.0.1 -mp "$(free_port)"
w_pid=$PEER_PID
office_call 1001 54930222 "$(c_fails 503)"
grep -q "certificate verify failed" "$WORK/tandemd.log" || fail "no verification failure logged"
grep -q "INVITE sip:" "$WORK/sipp-prov-w-msg.log" 2>/dev/null && fail "the unverified provider got the INVITE"
kill "$w_pid" 2>/dev/null

# 3. tls_verify = false: the same certificate is taken (encryption only).
# shellcheck disable=SC2086
tls_front "$port_n"
provider prov-n "$back" "" "$(p_challenge 407 office-n; ANSWER_CONTACT="127.0.0.1:$port_n;transport=tls" p_answer)" $tls_args -mi 127.0.0.1 -mp "$(free_port)"
n_pid=$PEER_PID
office_call 1001 44930333 "$(c_talks 300)"
peer_wait prov-n "$n_pid"

assert_no_calls
echo "ok: TLS trunk verified by its CA and address; an unverifiable provider never gets the call; tls_verify = false connects"
