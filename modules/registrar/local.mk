pkglib_LTLIBRARIES += mod_registrar.la
mod_registrar_la_SOURCES = modules/registrar/mod_registrar.c \
	modules/registrar/location.c modules/registrar/location.h \
	modules/registrar/control.c modules/registrar/control.h \
	modules/registrar/metrics.c modules/registrar/reg_metrics.h
mod_registrar_la_LDFLAGS = $(MODULE_LDFLAGS)
mod_registrar_la_LIBADD = $(LIBCONFIG_LIBS) $(JANSSON_LIBS)
