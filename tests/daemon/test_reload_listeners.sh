#!/bin/sh
# Reload swaps the listeners (issue 13) without touching the kept ones:
# SIGHUP with a config that adds a TCP listener (answered), removes a UDP
# one (silent; a response it owed is retransmitted from the kept UDP
# listener) and keeps a TCP one whose open connection goes on answering,
# whose registered phone stays reachable; a TLS listener whose files were
# renewed in place hands the new certificate to new connections while an
# old connection goes on. A config whose new port is taken is refused
# whole (a new UDP listener listed before it is not left open). Removing
# a TCP listener closes the connections accepted on it. Under the
# sanitizer build, stop_tandemd fails on any leak or use after free.
. "$(dirname "$0")/../sip/lib.sh"
port=$(free_port)      # udp + tcp, kept
gone=$(free_port)      # udp, removed by the first reload
added=$(free_port)     # tcp, added by the first reload, removed by the last
extra=$(free_port)     # udp, in the refused config only
taken=$(free_port)     # tcp, bound by the test: the refused config wants it
tls=$(free_port)       # tls, its files renewed in place

cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$1" \
		-keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null || fail "openssl req"
	cp "$WORK/cert.pem" "$WORK/cert-$1.pem"
}
cert first
mkdir -p "$WORK/state"
write_users "$WORK/users.conf" 1002:pw1002

# conf NAME LOGLEVEL LISTENER...: a config with these listeners
conf() {
	name=$1; level=$2; shift 2
	{
		echo "log_level = \"$level\";"
		echo 'state_dir = "state";'
		echo 'modules = ( "auth", "registrar" );'
		echo 'listen = ('
		sep=" "
		for l in "$@"; do
			echo "  $sep$l"
			sep=","
		done
		echo ');'
		echo 'sip: { t1_ms = 500; };'
		echo 'auth: { users_file = "users.conf"; };'
		echo 'registrar: { min_expires = 1; default_expires = 3600; };'
		echo 'dialplan: { internal: ( { match = "^10[0-9][0-9]$"; do = ( "dial(${exten})" ); } ); };'
	} >"$WORK/$name.conf"
}
udp() { echo "{ transport = \"udp\"; address = \"127.0.0.1\"; port = $1; }"; }
tcp() { echo "{ transport = \"tcp\"; address = \"127.0.0.1\"; port = $1; }"; }
tlsl() { echo "{ transport = \"tls\"; address = \"127.0.0.1\"; port = $1; cert = \"cert.pem\"; key = \"key.pem\"; }"; }
conf a debug "$(udp "$port")" "$(tcp "$port")" "$(udp "$gone")" "$(tlsl "$tls")"
# -l debug outranks this level at reload
conf b warn "$(udp "$port")" "$(tcp "$port")" "$(tcp "$added")" "$(tlsl "$tls")"
conf c debug "$(udp "$port")" "$(tcp "$port")" "$(tcp "$added")" "$(tlsl "$tls")" \
	"$(udp "$extra")" "$(tcp "$taken")"
conf d debug "$(udp "$port")" "$(tcp "$port")" "$(tlsl "$tls")"
cp "$WORK/a.conf" "$WORK/tandem.conf"
start_tandemd "$WORK/tandem.conf"

PYTHONPATH="$top_srcdir/tests/sip" python3 "$top_srcdir/tests/daemon/reload_listeners.py" \
	"$WORK" "$TANDEM_PID" "$port" "$gone" "$added" "$extra" "$taken" "$tls" ||
	fail "reload_listeners.py"
grep -q "listen TCP 127.0.0.1:$taken: Address already in use" "$WORK/tandemd.log" ||
	fail "the refusal does not say which port and why"
grep -q "stopped listening on UDP 127.0.0.1:$gone" "$WORK/tandemd.log" || fail "no log of the removed listener"
stop_tandemd
echo "ok: listeners added, removed and kept on reload; a taken port refuses it whole; TLS files read again"
