#!/bin/sh
# Redirect instead of voicemail, on busy: bob's phone answers 486, and
# 1. on(busy): redirect(URI) gives the caller a 302 whose Contact is URI
#    (RFC 3261 §21.3.3), which it ACKs; nothing else rings;
# 2. on(busy): dial(URI) has tandem ring the new target itself: carol's
#    phone answers and the caller talks to carol (200, ACK, BYE).
. "$(dirname "$0")/calls_lib.sh"
carol_port=$(free_port)
EXTRA_RULES="
    { match = \"^to302$\"; do = ( \"dial(sip:bob@127.0.0.1:$uas_port, 5)\",
        \"on(busy): redirect(sip:carol@127.0.0.1:$carol_port)\" ); },
    { match = \"^todial$\"; do = ( \"dial(sip:bob@127.0.0.1:$uas_port, 5)\",
        \"on(busy): dial(sip:carol@127.0.0.1:$carol_port, 5)\" ); },"
write_calls_config
start_tandemd "$WORK/tandem.conf"

# 1. a 302 to the caller, Contact = the target
sed -e "s|<recv response=\"CODE\"/>|<recv response=\"302\"><action><ereg regexp=\"\\&lt;sip:carol@127.0.0.1:$carol_port\\&gt;\" search_in=\"hdr\" header=\"Contact:\" check_it=\"true\" assign_to=\"contact\"/></action></recv>|" \
    -e 's|</scenario>|<Reference variables="contact"/></scenario>|' \
    "$SCEN/call_uac_fail.xml" >"$WORK/redirect_302.xml"
uas_reject 486
SCEN=$WORK uac_run redirect_302 to302
uas_wait call_uas_reject_486

# 2. tandem dials the new target
uas_reject 486
peer_start call_uas "$carol_port"
carol=$PEER_PID
uac_run call_uac todial
uas_wait call_uas_reject_486
peer_wait call_uas "$carol"
assert_no_calls
echo "ok: on(busy) redirect: a 302 with the target as Contact; on(busy) dial: tandem rang the target"
