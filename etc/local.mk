# Sample configuration, installed under $(sysconfdir)/tandem.
tandemconfdir = $(sysconfdir)/tandem
dist_tandemconf_DATA = etc/tandem.conf etc/users.conf etc/dialplan.conf

# The systemd unit (paths of this build's install) and the user it runs
# as (systemd-sysusers). Installed unless configure got
# --without-systemdsystemunitdir.
EXTRA_DIST += etc/tandemd.service.in etc/sysusers/tandem.conf
CLEANFILES += etc/tandemd.service
etc/tandemd.service: $(srcdir)/etc/tandemd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc && sed -e 's|@sbindir[@]|$(sbindir)|g' \
		-e 's|@sysconfdir[@]|$(sysconfdir)|g' $(srcdir)/etc/tandemd.service.in >$@.tmp && mv $@.tmp $@
if HAVE_SYSTEMD
systemdsystemunit_DATA = etc/tandemd.service
sysusersdir = $(SYSUSERS_DIR)
sysusers_DATA = etc/sysusers/tandem.conf
else
noinst_DATA = etc/tandemd.service
endif
