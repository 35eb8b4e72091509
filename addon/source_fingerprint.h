// The source fingerprint compiled into the addon and exported as
// `sourceFingerprint`: binding.gyp defines EWPCAP_SOURCE_FINGERPRINT as the
// bare hex digest printed by scripts/fingerprint.js (sha256 of addon/ and
// binding.gyp), and this turns it into a string. A build without it (a
// compiler run by hand) reports "unknown".
#pragma once

#define EWPCAP_STRINGIFY_(x) #x
#define EWPCAP_STRINGIFY(x) EWPCAP_STRINGIFY_(x)

#ifdef EWPCAP_SOURCE_FINGERPRINT
#define EWPCAP_SOURCE_FINGERPRINT_STRING EWPCAP_STRINGIFY(EWPCAP_SOURCE_FINGERPRINT)
#else
#define EWPCAP_SOURCE_FINGERPRINT_STRING "unknown"
#endif
