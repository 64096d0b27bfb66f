# Sample configuration, installed under $(sysconfdir)/tandem.
tandemconfdir = $(sysconfdir)/tandem
dist_tandemconf_DATA = etc/tandem.conf etc/users.conf etc/dialplan.conf
