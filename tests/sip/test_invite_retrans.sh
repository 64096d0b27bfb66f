#!/bin/sh
# An INVITE retransmission (same branch) is absorbed and answered with the
# same final response; the ACK for that final is absorbed (SIPp over UDP).
. "$(dirname "$0")/lib.sh"
port=$(free_port)
write_config "$WORK/tandem.conf" "$port"
start_tandemd "$WORK/tandem.conf"
sipp_run invite_retrans 127.0.0.1:"$port" -t u1 -i 127.0.0.1
stop_tandemd
echo "ok: INVITE retransmission absorbed"
