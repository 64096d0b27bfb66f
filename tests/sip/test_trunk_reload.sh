#!/bin/sh
# Reloading trunks (mod_trunk, issue 12): a broken trunk group is refused
# with its file:line and the running trunks go on working; a good one
# adds a trunk, removes another and changes a kept trunk's caller ID, all
# in force for the next call.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/sip/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
. "$top_srcdir/tests/sip/queue_lib.sh"
. "$top_srcdir/tests/sip/trunk_lib.sh"

pa=$(free_port)
pb=$(free_port)
pc=$(free_port)
office() {
	trunk_office "$1" ""
	sed -i -e 's/^  internal: (/  internal: (\n    { match = "^5(.+)$"; do = ( "auth", "dial(trunk:b\/${1})" ); },\n    { match = "^6(.+)$"; do = ( "auth", "dial(trunk:c\/${1})" ); },/' \
		"$WORK/tandem.conf"
}
reload() {
	n=$(grep -c -E "reload failed|mod_trunk: reloaded" "$WORK/tandemd.log")
	kill -HUP "$TANDEM_PID"
	i=0
	until [ "$(grep -c -E "reload failed|mod_trunk: reloaded" "$WORK/tandemd.log")" -gt "$n" ]; do
		i=$((i + 1)); [ $i -lt 50 ] || fail "the reload did not finish"; sleep 0.1
	done
}
office "$(trunk_def a "$pa" 'caller_id = "111";'), $(trunk_def b "$pb")"
start_tandemd "$WORK/tandem.conf"

# 1. Trunk b loses its host: refused, with file and line; b still works.
cp "$WORK/tandem.conf" "$WORK/tandem.good"
sed -i "s|host = \"127.0.0.1:$pb\";||" "$WORK/tandem.conf"
reload
grep -q "tandem.conf:[0-9]*: trunk b: 'host' (the provider's name or address) is missing" "$WORK/tandemd.log" ||
	fail "the broken trunk was not reported with file:line"
grep -q "reload failed: the old configuration stays in force" "$WORK/tandemd.log" || fail "the reload was not refused"
provider prov-b "$pb" "$(check ruri '^INVITE sip:4930500@')" "$(p_answer)" -mi 127.0.0.1 -mp "$(free_port)"
b_pid=$PEER_PID
office_call 1001 54930500 "$(c_talks 300)"
peer_wait prov-b "$b_pid"

# 2. b goes, c comes, a's caller ID changes.
office "$(trunk_def a "$pa" 'caller_id = "222";'), $(trunk_def c "$pc")"
reload
grep -q "mod_trunk: reloaded, 2 trunks" "$WORK/tandemd.log" || fail "the good reload was refused"
provider prov-c "$pc" "$(check ruri '^INVITE sip:4930600@')" "$(p_answer)" -mi 127.0.0.1 -mp "$(free_port)"
c_pid=$PEER_PID
office_call 1001 64930600 "$(c_talks 300)"
peer_wait prov-c "$c_pid"
provider prov-a "$pa" "$(check from '^ *.Alice Office. &lt;sip:222@' From)" "$(p_answer)" -mi 127.0.0.1 -mp "$(free_port)"
a_pid=$PEER_PID
office_call 1001 94930700 "$(c_talks 300)"
peer_wait prov-a "$a_pid"
office_call 1001 54930800 "$(c_fails 404)"
grep -q "dial: no trunk named b" "$WORK/tandemd.log" || fail "trunk b was still there"

assert_no_calls
echo "ok: a broken trunk group refused with file:line (the old trunks work on); trunks added, removed and changed by a reload"
