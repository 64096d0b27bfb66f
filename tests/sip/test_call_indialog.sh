#!/bin/sh
# In-dialog requests from the caller: hold (a=sendonly) and resume, INFO
# with DTMF, each re-issued on the callee's dialog; an unknown dialog gets 481.
. "$(dirname "$0")/calls_lib.sh"
write_calls_config
start_tandemd "$WORK/tandem.conf"
uas_start call_uas_hold
uac_run call_uac_hold bob
uas_wait call_uas_hold
uac_run call_481 bob
assert_no_calls
echo "ok: re-INVITE hold/resume, INFO, 481"
