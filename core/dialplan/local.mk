# The dialplan engine (pure: libconfig rules -> matched, expanded actions).
libtandemcore_a_SOURCES += \
	core/dialplan/dialplan.h \
	core/dialplan/dialplan_internal.h \
	core/dialplan/dialplan.c \
	core/dialplan/dialplan_parse.c \
	core/dialplan/dialplan_vars.c \
	core/dialplan/dialplan_exec.c
