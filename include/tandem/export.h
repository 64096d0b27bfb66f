/* tandem — which declarations tandemd exports to modules.
 *
 * The core is compiled with -fvisibility=hidden: none of its functions is
 * visible to a dlopen'd module unless it is declared between
 * TANDEM_API_BEGIN and TANDEM_API_END, which every include/tandem/ header
 * wraps around its declarations. A definition takes the visibility of the
 * declaration it follows, so declaring a function here is what exports it
 * and there is no second list to keep in step. tandemd's link further
 * limits the dynamic symbol table to tandem_* and sip_*
 * (core/tandemd.dynlist); tests/daemon/test_exports.sh checks both ways.
 *
 * For a module these macros change nothing (its own symbols are its own
 * business; the loader dlopens it RTLD_LOCAL). */
#ifndef TANDEM_EXPORT_H
#define TANDEM_EXPORT_H

#if defined(__GNUC__)
#define TANDEM_API_BEGIN _Pragma("GCC visibility push(default)")
#define TANDEM_API_END   _Pragma("GCC visibility pop")
#else
#define TANDEM_API_BEGIN
#define TANDEM_API_END
#endif

#endif
