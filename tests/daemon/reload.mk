# Reload (SIGHUP; the control socket's "reload" runs the same tandem_reload).

# Listeners added, removed and kept; a taken port refuses the reload whole;
# TLS files read again; -l outranks the config's level.
TESTS += tests/daemon/test_reload_listeners.sh
EXTRA_DIST += tests/daemon/test_reload_listeners.sh tests/daemon/reload_listeners.py
