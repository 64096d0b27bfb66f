# Call queues (mod_queue, issue 11): 182 Queued positions, agents by
# feature code, offers through the dial engine.
QUEUE_TESTS = tests/sip/test_queue_basic.sh tests/sip/test_queue_reload.sh tests/sip/test_queue_busy.sh \
	tests/sip/test_queue_media.sh tests/sip/test_queue_media_edge.sh \
	tests/sip/test_queue_strategies.sh tests/sip/test_queue_noanswer.sh tests/sip/test_queue_ringing.sh
TESTS += $(QUEUE_TESTS)
EXTRA_DIST += $(QUEUE_TESTS) tests/sip/queue_lib.sh tests/sip/queue_caller.py

# A user of mod_queue's state API (include/tandem/queue.h).
check_LTLIBRARIES += tests/sip/mod_queuewatch.la
tests_sip_mod_queuewatch_la_SOURCES = tests/sip/mod_queuewatch.c
tests_sip_mod_queuewatch_la_LDFLAGS = $(MODULE_LDFLAGS) -rpath /nowhere
