# Benchmarks: built by `make bench`, never run by `make check`.

# mod_rtprelay: relay vs minimal mmsg forwarder, SRTP cost (run: bench/relay/relay_bench [s])
EXTRA_PROGRAMS = bench/relay/relay_bench
bench_relay_relay_bench_SOURCES = bench/relay/relay_bench.c \
	modules/rtprelay/ports.c modules/rtprelay/relay.c modules/rtprelay/srtp.c
bench_relay_relay_bench_CFLAGS = $(AM_CFLAGS) $(SRTP_CFLAGS)
bench_relay_relay_bench_LDADD = $(SRTP_LIBS) -lpthread
bench: bench/relay/relay_bench
.PHONY: bench

# SIP parser: INVITE with SDP in a loop; bench/run-parse.sh adds callgrind
# instruction counts (run: bench/parse [iterations] [--validate])
EXTRA_PROGRAMS += bench/parse
bench_parse_SOURCES = bench/parse.c
bench_parse_LDADD = libtandemcore.a $(CORE_LIBS)
EXTRA_DIST += bench/run-parse.sh
bench: bench/parse
