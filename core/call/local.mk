# The B2BUA call core: dialogs, calls and legs, transfers, MESSAGE relaying.
libtandemcore_a_SOURCES += \
	core/call/call.h \
	core/call/call_internal.h \
	core/call/dialog.h \
	core/call/dialog.c \
	core/call/call.c \
	core/call/invite.c \
	core/call/dial.h \
	core/call/dial.c \
	core/call/dial_rules.h \
	core/call/dial_rules.c \
	core/call/resolve.h \
	core/call/resolve.c \
	core/call/bleg.c \
	core/call/indialog.c \
	core/call/module_api.c \
	core/call/call_config.c \
	core/call/media.c \
	core/call/message.c \
	core/call/transfer.c \
	core/call/route_action.c \
	core/call/events.h \
	core/call/uac.c \
	core/call/subscription.c \
	core/call/owner.c \
	core/call/bridge.c \
	core/call/facts.c
