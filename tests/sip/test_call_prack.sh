#!/bin/sh
# RFC 3262: the callee's reliable 183 is PRACKed by tandem on the B side and
# reaches the caller as an ordinary (unreliable) 183 with its SDP.
. "$(dirname "$0")/calls_lib.sh"
write_calls_config
start_tandemd "$WORK/tandem.conf"
uas_start call_uas_prack
uac_run call_uac_prack bob
uas_wait call_uas_prack
assert_no_calls
echo "ok: reliable 183 PRACKed on the B side, relayed unreliably"
