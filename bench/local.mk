# Benchmarks: built by `make bench`, never run by `make check`.

# mod_rtprelay: relay vs minimal mmsg forwarder, SRTP cost (run: bench/relay/relay_bench [s])
EXTRA_PROGRAMS = bench/relay/relay_bench
bench_relay_relay_bench_SOURCES = bench/relay/relay_bench.c bench/relay/bench_udp.h \
	modules/rtprelay/ports.c modules/rtprelay/relay.c modules/rtprelay/srtp.c
bench_relay_relay_bench_CFLAGS = $(AM_CFLAGS) $(SRTP_CFLAGS)
bench_relay_relay_bench_LDADD = $(SRTP_LIBS) -lpthread
bench: bench/relay/relay_bench
.PHONY: bench

# mod_rtprelay: concurrent G.711 calls (50 pps each way) relayed with < 0.1% loss
# (run: bench/relay/calls_bench [seconds] [media threads] [calls...])
EXTRA_PROGRAMS += bench/relay/calls_bench
bench_relay_calls_bench_SOURCES = bench/relay/calls_bench.c bench/relay/bench_udp.h \
	modules/rtprelay/ports.c modules/rtprelay/relay.c modules/rtprelay/srtp.c
bench_relay_calls_bench_CFLAGS = $(AM_CFLAGS) $(SRTP_CFLAGS)
bench_relay_calls_bench_LDADD = $(SRTP_LIBS) -lpthread
bench: bench/relay/calls_bench
EXTRA_DIST += bench/relay/README.md

# SIP parser: INVITE with SDP in a loop; bench/run-parse.sh adds callgrind
# instruction counts (run: bench/parse [iterations] [--validate])
EXTRA_PROGRAMS += bench/parse
bench_parse_SOURCES = bench/parse.c
bench_parse_LDADD = libtandemcore.a $(CORE_LIBS)
EXTRA_DIST += bench/run-parse.sh
bench: bench/parse

# Against Kamailio, in the same run (scripts install sipp and kamailio with
# apt-get when missing; run from a build dir, e.g. ../bench/cps/run-cps.sh .):
# calls/s through tandemd vs a Kamailio stateful proxy, memory per held call,
# REGISTER with digest authentication per second.
EXTRA_DIST += bench/README.md bench/lib.sh bench/cps/run-cps.sh bench/cps/uac.xml bench/cps/uas.xml \
	bench/kamailio/proxy.cfg bench/kamailio/registrar.cfg bench/memory/run-held-calls.sh \
	bench/register/run-register.sh bench/register/register.xml

# Per-call module data: ns per tandem_call_data lookup (run: bench/module_data [n])
EXTRA_PROGRAMS += bench/module_data
bench_module_data_SOURCES = bench/module_data.c
bench_module_data_CPPFLAGS = $(CORE_CPPFLAGS)
bench_module_data_LDADD = libtandemcore.a $(CORE_LIBS)
bench: bench/module_data

# mod_queue: 500 callers in one queue, 20 agents (run: bench/queue/run-queue.sh BUILDDIR)
EXTRA_DIST += bench/queue/run-queue.sh bench/queue/queue_load.py
