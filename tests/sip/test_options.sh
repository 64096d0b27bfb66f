#!/bin/sh
# OPTIONS over UDP and TCP from SIPp: tandem's own answer, and mod_echo's
# (a dlopen'd module answering through the REQUEST hook).
. "$(dirname "$0")/lib.sh"
port=$(free_port)
write_config "$WORK/tandem.conf" "$port"
start_tandemd "$WORK/tandem.conf"
for t in u1 t1; do
	sipp_run options 127.0.0.1:"$port" -t $t -i 127.0.0.1
	sipp_run options_echo 127.0.0.1:"$port" -t $t -i 127.0.0.1
done
grep -q "module echo loaded" "$WORK/tandemd.log" || fail "no load line for mod_echo"
stop_tandemd
grep -q "mod_echo: answered 2 OPTIONS" "$WORK/tandemd.log" || fail "mod_echo did not count 2 answers"
echo "ok: OPTIONS over UDP and TCP"
