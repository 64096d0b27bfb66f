#!/bin/sh
# A module as UAC (tests/sip/mod_testevent.c, include/tandem/uac.h): its
# requests are challenged and tandem answers with the module's credentials
# (RFC 3261 §22.2), once per challenge:
# 1. SIPp challenges a MESSAGE with 401, then with 407 (MD5, qop=auth,
#    opaque); SIPp's verifyauth checks the retry: 200 only when right;
# 2. a Python peer offers MD5 and SHA-256 (401): tandem picks SHA-256; two
#    OPTIONS from one context share the Call-ID, CSeq grows;
# 3. Python proxies ask SHA-256 with 407 for a REGISTER sent to an explicit
#    destination (then say stale=true once: answered again), and MD5 for a MESSAGE sent through a Route (outbound proxy);
# 4. a wrong password: the second challenge ends it with 401, no third try;
# 5. nobody listening: 408/503, and the module hears of it; a request still
#    in flight at stop is cancelled by the module.
. "$(dirname "$0")/lib.sh"
MODDIR=$top_builddir/tests/sip/.libs
[ -f "$MODDIR/mod_testevent.so" ] || fail "mod_testevent.so not built (make check builds it)"
port=$(free_port); p1=$(free_port); p2=$(free_port); p3=$(free_port); p4=$(free_port)
p5=$(free_port); p6=$(free_port); p7=$(free_port)
PIDS=""
uac_cleanup() {
	for pid in $PIDS; do kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null; done
	cleanup
}
trap uac_cleanup EXIT

sipp_uas() { # NAME SCENARIO-FILE PORT
	sipp -sf "$2" -p "$3" -i 127.0.0.1 -m 1 -nostdin -timeout 20 -timeout_error \
		-trace_err -error_file "$WORK/sipp-$1-err.log" -trace_msg -message_file "$WORK/sipp-$1-msg.log" \
		>"$WORK/sipp-$1.out" 2>&1 &
	PIDS="$PIDS $!"
	eval "pid_$1=\$!"
}
py_uas() { # NAME PORT CODE ALGS USER PASSWORD OK REFUSED
	name=$1; shift
	python3 "$top_srcdir/tests/sip/digest_uas.py" "$@" >"$WORK/py-$name.out" 2>&1 &
	PIDS="$PIDS $!"
	eval "pid_$name=\$!"
}
wait_peer() { # NAME
	eval "pid=\$pid_$1"
	wait "$pid"
	rc=$?
	cat "$WORK/py-$1.out" 2>/dev/null
	if [ $rc -ne 0 ]; then
		cat "$WORK/sipp-$1-err.log" "$WORK/sipp-$1-msg.log" >&2 2>/dev/null
		fail "peer $1 exited with $rc"
	fi
}

# SIPp 3.6's verifyauth reads Authorization only: the 407 copy checks the
# Proxy-Authorization's form with a regexp (the Python proxies check the hash)
sed 's/401 Unauthorized/407 Proxy Authentication Required/; s/WWW-Authenticate:/Proxy-Authenticate:/;
     s/header="Authorization:"/header="Proxy-Authorization:"/;
     s|<verifyauth .*/>|<ereg regexp="^ *Digest username=.alice., realm=.sipp.test., nonce=.[0-9]+x[0-9]+., uri=.sip:svc@127.0.0.1:[0-9]+., response=.[0-9a-f]{32}., algorithm=MD5, cnonce=.[0-9a-f]{32}., qop=auth, nc=00000001, opaque=.0p4qu3.$" search_in="hdr" header="Proxy-Authorization:" assign_to="authvalid"/>|' \
	"$SCEN/uac_auth_uas.xml" >"$WORK/uac_auth_uas_407.xml"
sipp_uas s401 "$SCEN/uac_auth_uas.xml" "$p1"
sipp_uas s407 "$WORK/uac_auth_uas_407.xml" "$p2"
py_uas p401 "$p3" 401 MD5,SHA-256 bob pw-b 2 0
py_uas p407 "$p4" 407 SHA-256 carol pw-c 1 0 stale
py_uas p407m "$p7" 407 MD5 erin pw-e 1 0
py_uas pbad "$p5" 401 MD5 dave right 0 1
sleep 0.5

SIP_SETTINGS="t1_ms = 50;" write_config "$WORK/tandem.conf" "$port" "
testevent: { uac = (
  { method = \"MESSAGE\"; ruri = \"sip:svc@127.0.0.1:$p1\"; body = \"hello\"; user = \"alice\"; password = \"s3cret\"; },
  { method = \"MESSAGE\"; ruri = \"sip:svc@127.0.0.1:$p2\"; body = \"hello\"; user = \"alice\"; password = \"s3cret\"; realm = \"sipp.test\"; },
  { method = \"OPTIONS\"; ruri = \"sip:svc@127.0.0.1:$p3\"; user = \"bob\"; password = \"pw-b\"; count = 2; },
  { method = \"REGISTER\"; ruri = \"sip:127.0.0.1\"; dest = \"sip:127.0.0.1:$p4\"; user = \"carol\"; password = \"pw-c\"; },
  { method = \"OPTIONS\"; ruri = \"sip:svc@127.0.0.1:$p5\"; user = \"dave\"; password = \"wrong\"; },
  { method = \"OPTIONS\"; ruri = \"sip:nobody@127.0.0.1:$p6\"; user = \"x\"; password = \"y\"; },
  { method = \"MESSAGE\"; ruri = \"sip:svc@127.0.0.1:$p7\"; body = \"hi\"; route = \"<sip:127.0.0.1:$p7;lr>\"; user = \"erin\"; password = \"pw-e\"; },
  { method = \"OPTIONS\"; ruri = \"sip:late@127.0.0.1:$p6\"; delay_ms = 2500; }
); };"
sed -i 's/^modules = ( "echo" );/modules = ( "testevent" );/; /^echo: /d' "$WORK/tandem.conf"
start_tandemd "$WORK/tandem.conf"

for p in s401 s407 p401 p407 p407m pbad; do wait_peer $p; done
i=0
while [ $i -lt 100 ] && ! grep -q "uac 5 .* -> \(408\|503\)" "$WORK/tandemd.log"; do sleep 0.1; i=$((i + 1)); done
log() { grep "testevent: uac $1 " "$WORK/tandemd.log"; }
log 0 | grep -q -- "-> 200 Credentials OK" || fail "401 from SIPp: no 200 ($(log 0))"
log 1 | grep -q -- "-> 200 Credentials OK" || fail "407 from SIPp: no 200 ($(log 1))"
[ "$(log 2 | grep -c -- '-> 200 Verified')" -eq 2 ] || fail "two OPTIONS with SHA-256: $(log 2)"
# one context: the same Call-ID, CSeq growing (challenge + retry per request)
cids=$(log 2 | sed 's/.*Call-ID \([^,]*\),.*/\1/' | sort -u | wc -l)
[ "$cids" -eq 1 ] || fail "the context's requests have $cids Call-IDs"
cseqs=$(log 2 | sed 's/.*CSeq \([0-9]*\)).*/\1/' | tr '\n' ' ')
set -- $cseqs
[ $(($2 - $1)) -eq 2 ] || fail "CSeqs $cseqs: want the second two above the first"
log 3 | grep -q "REGISTER sip:127.0.0.1 -> 200 Verified" || fail "407 SHA-256 REGISTER: $(log 3)"
# stale=true: the right credentials with an old nonce are answered once more
[ "$(grep -c "uac: REGISTER sip:127.0.0.1: answering 407" "$WORK/tandemd.log")" -eq 2 ] ||
	fail "stale=true was not answered again"
log 6 | grep -q -- "-> 200 Verified" || fail "407 MD5 through a Route: $(log 6)"
log 4 | grep -q -- "-> 401 " || fail "refused credentials: $(log 4)"
grep -q "credentials for dave refused" "$WORK/tandemd.log" || fail "no refusal logged"
log 5 | grep -q -- "-> \(408\|503\)" || fail "no timeout or transport error: $(log 5)"
grep -q "answering 401 (realm py.test, SHA-256, qop=auth)" "$WORK/tandemd.log" || fail "SHA-256 not chosen"
grep -q "answering 407 (realm sipp.test, MD5, qop=auth)" "$WORK/tandemd.log" || fail "407 not answered"
# job 7 went out 2.5 s after start to nobody: still in flight now, the
# module cancels it at stop (no callback afterwards, nothing leaked)
grep -q "uac: OPTIONS sip:late@" "$WORK/tandemd.log" || fail "job 7 was not sent"
stop_tandemd
grep -q "uac 7 still in flight at stop: cancelled" "$WORK/tandemd.log" || fail "no cancel at stop"
log 7 | grep -q -- "->" && fail "a cancelled request called back: $(log 7)"
echo "ok: 401 and 407 answered (MD5 verified by SIPp, SHA-256 by a Python peer), one context, refusals and timeouts"
