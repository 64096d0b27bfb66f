pkglib_LTLIBRARIES += mod_auth.la
mod_auth_la_SOURCES = modules/auth/mod_auth.c \
	modules/auth/users.c modules/auth/users.h \
	modules/auth/ban.c modules/auth/ban.h \
	modules/auth/sample.c modules/auth/sample.h \
	modules/auth/control.c modules/auth/control.h \
	modules/auth/metrics.c modules/auth/auth_metrics.h
mod_auth_la_LDFLAGS = $(MODULE_LDFLAGS)
mod_auth_la_LIBADD = $(OPENSSL_LIBS) $(LIBCONFIG_LIBS) $(JANSSON_LIBS)
