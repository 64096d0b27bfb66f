# tandemctl: the control socket's command-line client (docs/CONTROL.md).
# Its output formatting is a file of its own so a unit test checks it.
sbin_PROGRAMS += tandemctl
tandemctl_SOURCES = tools/tandemctl.c tools/ctl_format.c tools/ctl_format.h
tandemctl_CPPFLAGS = $(AM_CPPFLAGS) -DTANDEM_SYSCONF_DIR='"$(sysconfdir)/tandem"'
tandemctl_LDADD = $(JANSSON_LIBS) $(LIBCONFIG_LIBS) -lm
EXTRA_DIST += docs/CONTROL.md
