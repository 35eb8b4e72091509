// Capture handles: one pcap_t with its wake-up channel and batch scratch
// space. Handles live in a process-wide registry keyed by a numeric id, so
// that the main thread can wake (wake) the worker thread that owns the
// handle while that worker blocks in the capture loop.
//
//   capture.cc       open and the handle's requests (stats, inject, filter, ...)
//   capture_loop.cc  the loop: collect, flush, wait, wake
//   registry.cc      the registry and the handles' lifecycle
#pragma once

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "loader.h"

// A growable byte buffer that, unlike std::vector::resize, does not zero
// what it is about to overwrite: the capture loop appends every packet here.
class ScratchBuffer {
 public:
  uint8_t* append(size_t n) {
    if (size_ + n > capacity_) grow(size_ + n);
    uint8_t* at = bytes_.get() + size_;
    size_ += n;
    return at;
  }
  const uint8_t* data() const { return bytes_.get(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() { size_ = 0; }

 private:
  void grow(size_t needed) {
    size_t capacity = capacity_ ? capacity_ * 2 : 64 * 1024;
    while (capacity < needed) capacity *= 2;
    std::unique_ptr<uint8_t[]> bigger(new uint8_t[capacity]);
    if (size_) memcpy(bigger.get(), bytes_.get(), size_);
    bytes_ = std::move(bigger);
    capacity_ = capacity;
  }
  std::unique_ptr<uint8_t[]> bytes_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

struct CaptureHandle {
  ~CaptureHandle();

  uint32_t id = 0;
  const Libpcap* lib = nullptr;
  pcap_t* pcap = nullptr;
  napi_env owner = nullptr;  // the environment (thread) that opened it
  bool offline = false;
  int precision = 0;  // pcapabi::TSTAMP_PRECISION_*
  int snaplen = 0;
  int datalink = 0;
  uint64_t delivered = 0;  // packets handed to JavaScript in batches
  int pollTimeout = -1;    // ms for the wait in next(); -1 waits until woken
  // How long a coalescing wait lets packets gather in the ring, in µs:
  // adapted to the rate so that a wait finds about gatherTarget packets
  // (capture_loop.cc, Next()). 0: no gathering (a timeout's blocks already
  // batch packets; immediate mode sets it at open).
  int64_t gatherUs = 100;
  int gatherTarget = 0;
  // A savefile's stdio buffer (see openSavefile in savefile.cc); libpcap's
  // FILE uses it until pcap_close, which the destructor calls first.
  std::unique_ptr<char[]> fileBuffer;
  // A savefile on a FIFO, pipe or terminal (savefile_stream.cc): its read
  // state, owned by libpcap's FILE. Null for regular files and live devices.
  void* stream = nullptr;
  // Set by a close request only (wake(id, true)): ends a stream read that
  // waits in the middle of a packet. Other wake-ups leave such a read be,
  // since giving up there would lose the packet.
  std::atomic<bool> stopRequested{false};

  // Set by wake() from any thread; the capture loop returns to JavaScript
  // as soon as it sees it.
  std::atomic<bool> wakeRequested{false};
#ifdef _WIN32
  void* pcapEvent = nullptr;  // HANDLE from pcap_getevent, owned by libpcap
  void* wakeEvent = nullptr;  // HANDLE, ours
#else
  int selectableFd = -1;
  int wakeRead = -1;  // eventfd on Linux (wakeRead == wakeWrite), pipe elsewhere
  int wakeWrite = -1;
#endif

  // Batch scratch space, reused between batches (never handed out).
  ScratchBuffer records;  // kRecordWords uint32 per packet
  ScratchBuffer data;     // packet bytes
  uint32_t count = 0;
  // An error met after some packets were batched; reported on the next call
  // so that those packets are delivered first.
  std::string pendingError;

  void wake();
};

// Registry access, for any thread (registry.cc).
std::shared_ptr<CaptureHandle> findHandle(uint32_t id);
uint32_t registerHandle(std::shared_ptr<CaptureHandle> handle);
std::shared_ptr<CaptureHandle> unregisterHandle(uint32_t id);
size_t handleCount();
void closeHandlesOwnedBy(napi_env env);
// Process shutdown: every capture loop returns to JavaScript at once and
// from then on next() reports kShutdown, so no worker thread stays blocked
// while Node.js joins it.
void shutdownAllHandles();
// Whether shutdownAllHandles() was called.
bool shuttingDown();
// Whether the calling thread's environment is being torn down
// (Worker.terminate() or process.exit() in a worker) while a native call of
// that thread waits. Call only on that thread, inside one of its calls.
bool environmentStopping(napi_env env);
// The registered handle `id`, or ECLOSED thrown to JavaScript.
std::shared_ptr<CaptureHandle> requireHandle(Napi::Env env, uint32_t id);
// The handle id every per-handle function takes first.
inline uint32_t handleIdArg(const Napi::CallbackInfo& info) { return info[0].As<Napi::Number>().Uint32Value(); }

// The handle's wake-up channel: an eventfd on Linux, a pipe elsewhere, an
// event on Windows (capture_loop.cc).
bool createWakeChannel(CaptureHandle* h, std::string* error);

// libpcap's message for a failed call: pcap_geterr, with the status text.
std::string pcapError(const Libpcap& lib, pcap_t* p, int status);
// A link type's libpcap name ("EN10MB"), or "" when libpcap has none.
const char* datalinkName(const Libpcap& lib, int dlt);

// What open() and openOffline() return for a registered handle:
// { id, datalink, datalinkName, precision, snaplen, netmask[, warning] }.
Napi::Object describeOpened(Napi::Env env, const CaptureHandle& h, uint32_t netmask, const std::string& warning);

// A pcap_compile() for any handle; returns false with *error set.
bool compileFilter(const Libpcap& lib, pcap_t* pcap, const std::string& expression, bool optimize, uint32_t netmask,
                   struct bpf_program* program, std::string* error);

// The exported functions of each file; initCapture registers them all.
void initCapture(Napi::Env env, Napi::Object exports);
void initCaptureLoop(Napi::Env env, Napi::Object exports);
void initRegistry(Napi::Env env, Napi::Object exports);
