# mod_queue: call queues that tell callers their place with 182 Queued (issue 11)
pkglib_LTLIBRARIES += mod_queue.la
mod_queue_la_SOURCES = modules/queue/mod_queue.c modules/queue/queue.h \
	modules/queue/line.c modules/queue/line.h \
	modules/queue/caller.c modules/queue/agents.c modules/queue/state.c \
	modules/queue/control.c \
	modules/queue/metrics.c
mod_queue_la_CFLAGS = $(AM_CFLAGS) $(SRTP_CFLAGS)
mod_queue_la_LDFLAGS = $(MODULE_LDFLAGS)
mod_queue_la_LIBADD = $(JANSSON_LIBS)
