pkglib_LTLIBRARIES += mod_echo.la
mod_echo_la_SOURCES = modules/echo/mod_echo.c
mod_echo_la_LDFLAGS = $(MODULE_LDFLAGS)
