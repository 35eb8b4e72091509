// Errors cross the native boundary as a code and a message; lib/errors.ts
// turns them into the public PcapError. The codes are the ones listed there.
#pragma once

#include <napi.h>

#include <string>

#include "loader.h"

struct NativeError {
  std::string code;
  std::string message;
};

inline Napi::Error makeError(Napi::Env env, const NativeError& e) {
  Napi::Error error = Napi::Error::New(env, e.message);
  error.Set("code", Napi::String::New(env, e.code));
  return error;
}

[[noreturn]] inline void throwError(Napi::Env env, const std::string& code, const std::string& message) {
  throw makeError(env, NativeError{code, message});
}

// The libpcap table, or a thrown ELIBPCAP error.
inline const Libpcap& requireLibpcap(Napi::Env env) {
  std::string why;
  const Libpcap* lib = loadLibpcap(&why);
  if (!lib) throwError(env, "ELIBPCAP", why);
  return *lib;
}

// For functions that return a promise: the libpcap table, or null with
// *rejected set to a promise already rejected with ELIBPCAP.
inline const Libpcap* libpcapOrRejected(Napi::Env env, Napi::Value* rejected) {
  std::string why;
  const Libpcap* lib = loadLibpcap(&why);
  if (!lib) {
    auto deferred = Napi::Promise::Deferred::New(env);
    deferred.Reject(makeError(env, NativeError{"ELIBPCAP", why}).Value());
    *rejected = deferred.Promise();
  }
  return lib;
}

// Maps a pcap_activate() / pcap_* status to one of our codes.
inline const char* codeForStatus(int status) {
  switch (status) {
    case pcapabi::ERROR_NO_SUCH_DEVICE:
      return "ENODEV";
    case pcapabi::ERROR_PERM_DENIED:
    case pcapabi::ERROR_PROMISC_PERM_DENIED:
      return "EPERM";
    case pcapabi::ERROR_RFMON_NOTSUP:
    case pcapabi::ERROR_TSTAMP_PRECISION_NOTSUP:
    case pcapabi::ERROR_CANTSET_TSTAMP_TYPE:
      return "EINVAL";
    default:
      return "EPCAP";
  }
}
