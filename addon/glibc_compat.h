// Keeps the Linux build loadable on old glibc (the prebuilds promise glibc
// 2.28 and later, whatever glibc they were built on). Included first by
// loader.cc, the one file that calls the libdl functions; does nothing on
// other systems, on musl, or when EWPCAP_NO_GLIBC_COMPAT is defined.
//
// - glibc 2.34 moved dlopen/dlsym/dlerror from libdl into libc under a new
//   symbol version (GLIBC_2.34); the old versions are still there, so every
//   reference is pinned to the version the architecture started with.
// - libstdc++'s headers (GCC >= 11 on glibc >= 2.32) read
//   __libc_single_threaded, which older glibc lacks. The addon defines its
//   own hidden copy, always 0 ("maybe multi-threaded"): shared_ptr and
//   friends then always use atomic operations, which is correct everywhere.
//   The static libstdc++ linked in (binding.gyp) resolves to it as well.
//
// scripts/check-binary verifies the result (no GLIBC_ version above 2.28).
#pragma once

#if defined(__linux__) && !defined(EWPCAP_NO_GLIBC_COMPAT)
#include <features.h>  // defines __GLIBC__ on glibc, nothing on musl

#if defined(__GLIBC__)
#if defined(__x86_64__)
#define EWPCAP_GLIBC_BASE "GLIBC_2.2.5"
#elif defined(__aarch64__)
#define EWPCAP_GLIBC_BASE "GLIBC_2.17"
#endif

#ifdef EWPCAP_GLIBC_BASE
__asm__(".symver dlopen,dlopen@" EWPCAP_GLIBC_BASE);
__asm__(".symver dlsym,dlsym@" EWPCAP_GLIBC_BASE);
__asm__(".symver dlerror,dlerror@" EWPCAP_GLIBC_BASE);
#endif

extern "C" {
__attribute__((visibility("hidden"))) char __libc_single_threaded = 0;
}
#endif  // __GLIBC__
#endif  // __linux__
