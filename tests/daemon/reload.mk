# Reload (SIGHUP; the control socket's "reload" runs the same tandem_reload).

# Listeners added, removed and kept; a taken port refuses the reload whole;
# TLS files read again; -l outranks the config's level.
TESTS += tests/daemon/test_reload_listeners.sh
EXTRA_DIST += tests/daemon/test_reload_listeners.sh tests/daemon/reload_listeners.py

# A call across a reload that changes its rule survives; the next call
# follows the new rule; without -l the config's level applies at reload.
TESTS += tests/daemon/test_reload_call.sh
EXTRA_DIST += tests/daemon/test_reload_call.sh

# A changed dns group: a new resolver, the lookups in flight end on the old.
TESTS += tests/daemon/test_reload_dns.sh
EXTRA_DIST += tests/daemon/test_reload_dns.sh
