#!/bin/sh
# The callee's rejections reach the caller with the same status; the
# dialplan's reject(), redirect() and an unavailable trunk answer directly.
. "$(dirname "$0")/calls_lib.sh"
write_calls_config
start_tandemd "$WORK/tandem.conf"
for code in 486 404 603 480; do
	uas_reject "$code"
	uac_fail "$code" bob
	uas_wait "call_uas_reject_$code"
done
uac_fail 603 reject
uac_fail 302 redirect
uac_fail 503 trunk
assert_no_calls
echo "ok: 486/404/603/480 relayed; reject, redirect, trunk"
