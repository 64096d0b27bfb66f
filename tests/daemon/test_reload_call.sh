#!/bin/sh
# A reload during a call (issue 13): the call, set up by a rule the new
# config sends elsewhere, survives the SIGHUP (its BYE goes through, to its
# own callee), and the next call follows the new rule (the other callee).
# tandemd runs without -l: the new config's log level applies at reload.
. "$(dirname "$0")/../sip/calls_lib.sh"
other=$(free_port)

# rules LEVEL CALLEE_PORT: exten 100 dials the callee on that port
rules() {
	EXTRA_RULES="{ match = \"^100\$\"; do = ( \"dial(sip:100@127.0.0.1:$2, 5)\" ); },"
	write_calls_config
	sed -i "s/^log_level = .*/log_level = \"$1\";/" "$WORK/tandem.conf"
}
rules debug "$uas_port"
cp "$WORK/tandem.conf" "$WORK/a.conf"
rules notice "$other"
cp "$WORK/tandem.conf" "$WORK/b.conf"
cp "$WORK/a.conf" "$WORK/tandem.conf"

# started without -l (start_tandemd gives -l debug)
"$TANDEMD" -c "$WORK/tandem.conf" -M "$MODDIR" >"$WORK/tandemd.log" 2>&1 &
TANDEM_PID=$!
i=0
until grep -q "NOTICE tandemd .* started" "$WORK/tandemd.log"; do
	grep -q "not started" "$WORK/tandemd.log" && fail "tandemd refused to start"
	kill -0 "$TANDEM_PID" 2>/dev/null || fail "tandemd exited during start-up"
	i=$((i + 1)); [ $i -lt 300 ] || fail "tandemd did not start"
	sleep 0.1
done

# the first call holds for 3 s before its BYE; the reload comes meanwhile
uas_start call_uas
sed 's/<pause milliseconds="200"\/>/<pause milliseconds="3000"\/>/' "$SCEN/call_uac.xml" \
	>"$WORK/call_uac_long.xml"
grep -q 'milliseconds="3000"' "$WORK/call_uac_long.xml" || fail "no pause to stretch in call_uac.xml"
SCEN="$WORK" sipp -sf "$WORK/call_uac_long.xml" -m 1 -p "$(free_port)" -i 127.0.0.1 -s 100 \
	-nostdin -timeout 15 -timeout_error -trace_err -error_file "$WORK/sipp-long-err.log" \
	127.0.0.1:"$port" >"$WORK/sipp-long.out" 2>&1 &
uac=$!
i=0
until grep -q "ACK from A" "$WORK/tandemd.log"; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "the first call was not answered"
	sleep 0.1
done
cp "$WORK/b.conf" "$WORK/tandem.conf"
kill -HUP "$TANDEM_PID"
i=0
until grep -q "reload done" "$WORK/tandemd.log"; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "the reload was not done"
	sleep 0.1
done
wait "$uac" || { cat "$WORK/sipp-long-err.log" >&2; fail "the call across the reload failed (BYE)"; }
uas_wait call_uas

# the next call: the new rule's callee
UAS_PORT_USE=$other uas_start call_uas
uac_run call_uac 100
uas_wait call_uas

after=$(sed -n '/reload done/,$p' "$WORK/tandemd.log")
if printf '%s\n' "$after" | grep -q -E " (INFO|DEBUG) "; then
	fail "the new config's log level \"notice\" did not apply at reload"
fi
assert_no_calls
echo "ok: a call survives a reload that changes its rule; the next call follows the new one"
