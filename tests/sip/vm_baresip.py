"""A baresip phone leaves a voicemail: through its ctrl_tcp port it dials
EXTEN, waits until tandem answers and media flows, talks (its sine source)
for SECONDS and hangs up. Usage: vm_baresip.py CTRL_PORT EXTEN SECONDS"""
import sys
import time

from baresip_ctrl import Ctrl

phone = Ctrl("phone", int(sys.argv[1]))
phone.command("dial", sys.argv[2])
phone.event("CALL_ESTABLISHED", 15)
phone.event("CALL_RTPESTAB", 15)   # tandem's greeting reaches the phone
time.sleep(float(sys.argv[3]))
phone.command("hangup")
phone.event("CALL_CLOSED")
print("ok: %s answered by voicemail, message spoken, hung up" % sys.argv[2])
