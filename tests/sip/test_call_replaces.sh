#!/bin/sh
# Replaces (RFC 3891) through tandemd.
# 1. alice calls bob; carol sends tandem an INVITE with Replaces naming
#    alice's dialog (its Call-ID and tags as alice sees them): bob is
#    re-INVITEd with carol's offer, carol gets bob's answer, alice gets BYE,
#    and carol's BYE reaches bob.
# 2. an INVITE with Replaces naming no dialog gets 481.
# 3. attended transfer: alice talks to carol (call 2) and to bob (call 1),
#    and REFERs bob to carol with Refer-To ...?Replaces=<call 2's dialog>:
#    tandem re-INVITEs carol without an offer, puts carol's offer to bob, ACKs
#    carol with bob's answer, NOTIFYs alice (100, 200) and hangs up both of
#    alice's legs; carol's BYE reaches bob.
# 4. an INVITE with Replaces and no offer (RFC 3264 §5): the offer comes
#    from bob in the 200, carol's answer goes to bob in the ACK.
. "$(dirname "$0")/calls_lib.sh"
carol_port=$(free_port)
EXTRA_RULES="
    { match = \"^carol$\"; do = ( \"dial(sip:carol@127.0.0.1:$carol_port, 5)\" ); },"
write_calls_config
start_tandemd "$WORK/tandem.conf"

# dialog_of LOG: "Call-ID;to-tag=..;from-tag=.." of a caller's dialog, as
# the caller sees it, once its SIPp message log shows the ACK
dialog_of() {
	i=0
	until grep -q "^ACK " "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "no ACK in $1"
		sleep 0.1
	done
	cid=$(grep -m1 "^Call-ID:" "$1" | sed 's/^Call-ID: *//' | tr -d '\r')
	ftag=$(grep -m1 "^From:" "$1" | sed 's/.*tag=//' | tr -d '\r')
	ttag=$(grep "^To:.*tag=" "$1" | head -n 1 | sed 's/.*tag=//' | tr -d '\r')
	[ -n "$cid" ] && [ -n "$ftag" ] && [ -n "$ttag" ] || fail "no dialog in $1"
	echo "$cid;to-tag=$ttag;from-tag=$ftag"
}

# 1. INVITE with Replaces
scen_subst xfer_uas_transferee transferee_bob "s/OFFERER/carol/g"
scen_subst xfer_uac_replaced alice_replaced ""
SCEN=$WORK uas_start transferee_bob
SCEN=$WORK peer_start alice_replaced "$(free_port)" 127.0.0.1:"$port" -s bob
alice=$PEER_PID
replaces=$(dialog_of "$WORK/sipp-alice_replaced-msg.log")
scen_subst xfer_uac_replaces carol_replaces "s|REPLACES|$replaces|"
SCEN=$WORK uac_run carol_replaces bob
uas_wait transferee_bob
peer_wait alice_replaced "$alice"
grep -q "INVITE with Replaces" "$WORK/tandemd.log" || fail "no Replaces logged"

# 2. Replaces naming no dialog
sed "s/\"CODE\"/\"481\"/
/^Subject: tandem test/a\\
      Replaces: nosuch@127.0.0.1;to-tag=x1;from-tag=y1" "$SCEN/call_uac_fail.xml" >"$WORK/replaces_481.xml"
SCEN=$WORK uac_run replaces_481 bob

# 3. attended transfer: REFER with Refer-To ...?Replaces=
scen_subst xfer_uac_replaced alice_call2 ""
peer_start xfer_uas_stays "$carol_port"
carol=$PEER_PID
SCEN=$WORK peer_start alice_call2 "$(free_port)" 127.0.0.1:"$port" -s carol
alice2=$PEER_PID
call2=$(dialog_of "$WORK/sipp-alice_call2-msg.log" | sed 's/;/%3B/g; s/=/%3D/g; s/@/%40/g')
SCEN=$WORK uas_start transferee_bob
scen_subst xfer_uac_refer refer_attended "s|REFER_TO|sip:carol@127.0.0.1:$port?Replaces=$call2|"
SCEN=$WORK uac_run refer_attended bob
uas_wait transferee_bob
peer_wait xfer_uas_stays "$carol"
peer_wait alice_call2 "$alice2"

# 4. INVITE with Replaces and no offer: bob is re-INVITEd without one, its
#    offer reaches carol in the 200, and carol's answer reaches bob in the ACK
scen_subst xfer_uas_stays bob_stays 's/regexp="o=bob "/regexp="o=CAROL "/; s/o=carol /o=bob /g; s/o=CAROL /o=carol /'
scen_subst xfer_uac_replaced alice_late ""
SCEN=$WORK uas_start bob_stays
SCEN=$WORK peer_start alice_late "$(free_port)" 127.0.0.1:"$port" -s bob
alice=$PEER_PID
replaces=$(dialog_of "$WORK/sipp-alice_late-msg.log")
scen_subst xfer_uac_replaces_late carol_late "s|REPLACES|$replaces|"
SCEN=$WORK uac_run carol_late bob
uas_wait bob_stays
peer_wait alice_late "$alice"
assert_no_calls
echo "ok: INVITE with Replaces (with and without an offer), 481 for an unknown dialog, attended transfer with Refer-To ?Replaces="
