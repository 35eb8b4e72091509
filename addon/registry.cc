// The process-wide registry of capture handles (id -> handle) and their
// lifecycle: closing, the handles of an environment that goes away, and
// process shutdown.
#include <atomic>
#include <mutex>
#include <unordered_map>

#include "capture.h"
#include "errors.h"
#include "owned.h"

#ifdef _WIN32
#include <windows.h>
#else
#include <unistd.h>
#endif

namespace {

std::mutex registryMutex;
std::atomic<bool> shutdownRequested{false};
std::unordered_map<uint32_t, std::shared_ptr<CaptureHandle>> registry;
uint32_t nextId = 1;

// close(id): idempotent; pcap_close runs on the calling (worker) thread unless
// a concurrent call still holds the handle, in which case it runs when that
// call returns.
Napi::Value Close(const Napi::CallbackInfo& info) {
  std::shared_ptr<CaptureHandle> h = unregisterHandle(handleIdArg(info));
  return info.Env().Undefined();
}

Napi::Value HandleCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(handleCount()));
}

Napi::Value Shutdown(const Napi::CallbackInfo& info) {
  shutdownAllHandles();
  return info.Env().Undefined();
}

}  // namespace

CaptureHandle::~CaptureHandle() {
  if (pcap) lib->pcap_close(pcap);
#ifdef _WIN32
  if (wakeEvent) CloseHandle(static_cast<HANDLE>(wakeEvent));
#else
  if (wakeRead >= 0) ::close(wakeRead);
  if (wakeWrite >= 0 && wakeWrite != wakeRead) ::close(wakeWrite);
#endif
}

std::shared_ptr<CaptureHandle> findHandle(uint32_t id) {
  std::lock_guard<std::mutex> lock(registryMutex);
  auto it = registry.find(id);
  return it == registry.end() ? nullptr : it->second;
}

uint32_t registerHandle(std::shared_ptr<CaptureHandle> handle) {
  std::lock_guard<std::mutex> lock(registryMutex);
  uint32_t id = nextId++;
  if (nextId == 0) nextId = 1;
  handle->id = id;
  registry.emplace(id, std::move(handle));
  return id;
}

std::shared_ptr<CaptureHandle> unregisterHandle(uint32_t id) {
  std::lock_guard<std::mutex> lock(registryMutex);
  auto it = registry.find(id);
  if (it == registry.end()) return nullptr;
  std::shared_ptr<CaptureHandle> h = std::move(it->second);
  registry.erase(it);
  return h;
}

size_t handleCount() {
  std::lock_guard<std::mutex> lock(registryMutex);
  return registry.size();
}

void closeHandlesOwnedBy(napi_env env) {
  // pcap_close runs as the returned shared_ptrs go, outside the registry's lock.
  takeOwnedBy(registry, registryMutex, env);
}

void shutdownAllHandles() {
  shutdownRequested.store(true);
  std::lock_guard<std::mutex> lock(registryMutex);
  for (auto& entry : registry) entry.second->wake();
}

bool shuttingDown() { return shutdownRequested.load(); }

// Node sets no flag a native call can read when it stops a worker: it only
// makes Node-API refuse, from that moment, every call that may run
// JavaScript, and it joins the worker's own child threads (our capture
// threads) before the cleanup hooks run. So a call that may run JavaScript
// (a property look-up, running none here) is the probe: it fails with
// napi_pending_exception (napi_cannot_run_js from Node-API 10). A failure
// with an exception already pending is that exception's, not a stop.
// Its handles go in a scope of their own: a writer stalled in the middle of a
// packet keeps one native call probing every 250 ms for as long as it stalls.
bool environmentStopping(napi_env env) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) != napi_ok || pending) return false;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return false;
  bool stopping = false;
  napi_value global;
  if (napi_get_global(env, &global) == napi_ok) {
    bool has = false;
    stopping = napi_has_named_property(env, global, "undefined", &has) != napi_ok;
  }
  napi_close_handle_scope(env, scope);
  return stopping;
}

std::shared_ptr<CaptureHandle> requireHandle(Napi::Env env, uint32_t id) {
  std::shared_ptr<CaptureHandle> h = findHandle(id);
  if (!h) throwError(env, "ECLOSED", "the capture handle is closed");
  return h;
}

void initRegistry(Napi::Env env, Napi::Object exports) {
  exports.Set("close", Napi::Function::New(env, Close, "close"));
  exports.Set("handleCount", Napi::Function::New(env, HandleCount, "handleCount"));
  exports.Set("shutdown", Napi::Function::New(env, Shutdown, "shutdown"));
}
