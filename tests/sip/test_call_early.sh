#!/bin/sh
# Early media: the callee's 183 with SDP reaches the caller; the callee's own
# 100 is never relayed (the caller gets exactly one, tandem's).
. "$(dirname "$0")/calls_lib.sh"
write_calls_config
start_tandemd "$WORK/tandem.conf"
uas_start call_uas_early
uac_run call_uac_early bob
uas_wait call_uas_early
assert_no_calls
echo "ok: 183 with SDP relayed, 100 not relayed"
