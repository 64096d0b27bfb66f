# The control socket (include/tandem/control.h, docs/CONTROL.md): the
# command table, the Unix socket server, the core's own commands.
libtandemcore_a_SOURCES += \
	core/control/control_internal.h \
	core/control/control.c \
	core/control/server.c \
	core/control/commands.c
