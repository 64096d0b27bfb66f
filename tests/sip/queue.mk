# Call queues (mod_queue, issue 11): 182 Queued positions, agents by
# feature code, offers through the dial engine.
QUEUE_TESTS = tests/sip/test_queue_basic.sh tests/sip/test_queue_strategies.sh \
	tests/sip/test_queue_noanswer.sh
TESTS += $(QUEUE_TESTS)
EXTRA_DIST += $(QUEUE_TESTS) tests/sip/queue_lib.sh
