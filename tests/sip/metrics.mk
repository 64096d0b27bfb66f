# mod_metrics and the collectors (docs/METRICS.md): scraped with curl,
# checked by promtool (the prometheus package), over 127.0.0.1.
METRICS_TESTS = tests/sip/test_metrics_call.sh tests/sip/test_metrics_http.sh \
	tests/sip/test_metrics_modules.sh tests/sip/test_metrics_queue.sh
TESTS += $(METRICS_TESTS)
EXTRA_DIST += tests/sip/metrics_lib.sh tests/sip/metrics_http.py tests/sip/metrics_rtp.py \
	$(METRICS_TESTS)

# The exposition writer (core/metrics.c): escaping, histograms, collectors
check_PROGRAMS += tests/unit/test_metrics
TESTS += tests/unit/test_metrics
tests_unit_test_metrics_SOURCES = tests/unit/test_metrics.c
tests_unit_test_metrics_CFLAGS = $(TANDEM_UNIT_CFLAGS)
tests_unit_test_metrics_LDADD = $(TANDEM_UNIT_LIBS)
