# The guides, installed in $(docdir) (the module-writing guide with the
# example's source, examples/local.mk), and the manual pages.
dist_doc_DATA = README.md docs/ARCHITECTURE.md docs/MODULES.md docs/QUEUE.md \
	docs/TRUNKS.md docs/VOICEMAIL.md
