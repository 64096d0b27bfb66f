#!/bin/sh
# re-INVITE glare (RFC 3261 §14.1): the caller's hold re-INVITE is relayed
# to the callee, which sends a re-INVITE of its own before answering it.
# tandem answers 491 to the second one, the first completes end to end, and
# the callee's retry after a pause reaches the caller.
. "$(dirname "$0")/calls_lib.sh"
write_calls_config
start_tandemd "$WORK/tandem.conf"
uas_start call_uas_glare
uac_run call_uac_glare bob
uas_wait call_uas_glare
assert_no_calls
echo "ok: re-INVITE glare answered 491, the retry succeeds"
