// Module entry. The addon is context-aware (Node-API): it is loaded by the
// main thread and by every capture worker thread; state shared between them
// (the libpcap table, the handle registry) is process-wide and locked.
#include <napi.h>

#include "batch_layout.h"
#include "capture.h"
#include "devices.h"
#include "filter.h"
#include "savefile.h"
#include "source_fingerprint.h"

namespace {

Napi::Object BatchLayout(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("headerWords", batch::kHeaderWords);
  o.Set("recordWords", batch::kRecordWords);
  o.Set("count", static_cast<uint32_t>(batch::kCount));
  o.Set("dataStart", static_cast<uint32_t>(batch::kDataStart));
  o.Set("precision", static_cast<uint32_t>(batch::kPrecision));
  o.Set("datalink", static_cast<uint32_t>(batch::kDatalink));
  o.Set("byteLength", static_cast<uint32_t>(batch::kByteLength));
  o.Set("secondsLow", static_cast<uint32_t>(batch::kSecondsLow));
  o.Set("secondsHigh", static_cast<uint32_t>(batch::kSecondsHigh));
  o.Set("fraction", static_cast<uint32_t>(batch::kFraction));
  o.Set("caplen", static_cast<uint32_t>(batch::kCaplen));
  o.Set("wireLength", static_cast<uint32_t>(batch::kWireLength));
  o.Set("dataOffset", static_cast<uint32_t>(batch::kDataOffset));
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  initDevices(env, exports);
  initCapture(env, exports);
  initSavefile(env, exports);
  initFilter(env, exports);
  exports.Set("batchLayout", BatchLayout(env));
  exports.Set("sourceFingerprint", EWPCAP_SOURCE_FINGERPRINT_STRING);
  // A worker thread that goes away (terminate(), process exit) takes its
  // handles and savefile writers with it.
  napi_env raw = env;
  env.AddCleanupHook([raw]() {
    closeHandlesOwnedBy(raw);
    closeDumpersOwnedBy(raw);
  });
  return exports;
}

}  // namespace

NODE_API_MODULE(ewpcap, Init)
