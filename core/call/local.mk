# The B2BUA call core: dialogs, calls and legs, transfers, MESSAGE relaying.
libtandemcore_a_SOURCES += \
	core/call/call.h \
	core/call/call_internal.h \
	core/call/dialog.h \
	core/call/dialog.c \
	core/call/call.c \
	core/call/call_media.c \
	core/call/call_message.c \
	core/call/call_transfer.c \
	core/call/route_action.c
