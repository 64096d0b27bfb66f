#!/bin/sh
# OPTIONS over UDP and TCP, IPv4 and IPv6, from SIPp: tandem's own answer,
# and mod_echo's (a dlopen'd module answering through the REQUEST hook).
. "$(dirname "$0")/lib.sh"
port=$(free_port)
write_config "$WORK/tandem.conf" "$port"
# IPv6 listeners too, where the machine has ::1
v6=""
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	v6=yes
	sed -i "s|^listen = (|listen = (\n  { transport = \"udp\"; address = \"::1\"; port = $port; },\n  { transport = \"tcp\"; address = \"::1\"; port = $port; },|" "$WORK/tandem.conf"
fi
start_tandemd "$WORK/tandem.conf"
for t in u1 t1; do
	sipp_run options 127.0.0.1:"$port" -t $t -i 127.0.0.1
	sipp_run options_echo 127.0.0.1:"$port" -t $t -i 127.0.0.1
	[ -n "$v6" ] || continue
	sipp_run options "[::1]:$port" -t $t -i ::1
	# §18.2.1: received carries the IPv6 address without brackets
	grep -q "received=::1" "$WORK/sipp-options-msg.log" || fail "no received=::1 in the IPv6 answer"
	sipp_run options_echo "[::1]:$port" -t $t -i ::1
done
grep -q "module echo loaded" "$WORK/tandemd.log" || fail "no load line for mod_echo"
stop_tandemd
n=2; [ -n "$v6" ] && n=4
grep -q "mod_echo: answered $n OPTIONS" "$WORK/tandemd.log" || fail "mod_echo did not count $n answers"
echo "ok: OPTIONS over UDP and TCP${v6:+, IPv4 and IPv6}"
