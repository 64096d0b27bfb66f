# Calls whose legs use different transports (UDP, TCP, TLS; URI targets and
# registered phones): every in-dialog request on the right flow.
STREAM_TESTS = tests/sip/test_call_stream_callee.sh
TESTS += $(STREAM_TESTS)
EXTRA_DIST += tests/sip/stream_callee.py $(STREAM_TESTS)
