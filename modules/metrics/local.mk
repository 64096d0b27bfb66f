# mod_metrics: the Prometheus endpoint, GET /metrics over HTTP (issue 13)
pkglib_LTLIBRARIES += mod_metrics.la
mod_metrics_la_SOURCES = modules/metrics/mod_metrics.c \
	modules/metrics/http.c modules/metrics/http_request.c modules/metrics/http.h
mod_metrics_la_LDFLAGS = $(MODULE_LDFLAGS)
