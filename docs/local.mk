# The guides, installed in $(docdir) (the module-writing guide with the
# example's source, examples/local.mk), and the manual pages.
dist_doc_DATA = README.md docs/ARCHITECTURE.md docs/MODULES.md docs/QUEUE.md \
	docs/TRUNKS.md docs/VOICEMAIL.md docs/CDR.md docs/CONTROL.md docs/METRICS.md

# Manual pages, with this build's install paths.
man_MANS = docs/man/tandemd.8 docs/man/tandemctl.8 docs/man/tandem.conf.5
EXTRA_DIST += docs/man/tandemd.8.in docs/man/tandemctl.8.in docs/man/tandem.conf.5.in
CLEANFILES += $(man_MANS)
MAN_SED = sed -e 's|@sysconfdir[@]|$(sysconfdir)|g' -e 's|@pkglibdir[@]|$(pkglibdir)|g' \
	-e 's|@docdir[@]|$(docdir)|g'
docs/man/tandemd.8: $(srcdir)/docs/man/tandemd.8.in Makefile
	$(AM_V_GEN)$(MKDIR_P) docs/man && $(MAN_SED) $(srcdir)/docs/man/tandemd.8.in >$@
docs/man/tandemctl.8: $(srcdir)/docs/man/tandemctl.8.in Makefile
	$(AM_V_GEN)$(MKDIR_P) docs/man && $(MAN_SED) $(srcdir)/docs/man/tandemctl.8.in >$@
docs/man/tandem.conf.5: $(srcdir)/docs/man/tandem.conf.5.in Makefile
	$(AM_V_GEN)$(MKDIR_P) docs/man && $(MAN_SED) $(srcdir)/docs/man/tandem.conf.5.in >$@

# What the README's commands and the tests run (tools/make-cert: sdk.mk).
EXTRA_DIST += tools/run tools/test tools/build tools/deps
