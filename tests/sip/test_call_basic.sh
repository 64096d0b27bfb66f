#!/bin/sh
# A basic call through the B2BUA: the callee sees none of the caller's
# identifiers (Call-ID, Via, Contact), Max-Forwards went down by one, the
# SDP passes unchanged, and the caller's BYE reaches the callee.
. "$(dirname "$0")/calls_lib.sh"
write_calls_config
start_tandemd "$WORK/tandem.conf"
uas_start call_uas
uac_run call_uac bob
uas_wait call_uas
grep -q "answered" "$WORK/tandemd.log" || fail "no answered line"
assert_no_calls
echo "ok: basic call, BYE from the caller"
