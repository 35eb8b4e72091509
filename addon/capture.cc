#include "capture.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "batch_layout.h"
#include "errors.h"
#include "owned.h"

#ifdef _WIN32
#include <windows.h>
#else
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#ifdef __linux__
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#endif
#endif

namespace {

std::mutex registryMutex;
std::atomic<bool> shuttingDown{false};

// The longest a capture loop stays in native code without returning to
// JavaScript. A worker thread can only be terminated (Worker.terminate(),
// the exit of the thread that owns it) while it runs JavaScript, so this
// bounds how long such a termination waits. 250 ms of idle wake-ups cost
// nothing measurable.
constexpr int kLivenessMs = 250;

// How often a coalescing wait looks whether the consumer caught up.
constexpr int64_t kCoalesceSliceUs = 200;

// Bytes beyond maxBytes (plus every packet's record) that a recycled batch
// buffer is given: a batch may overshoot maxBytes by the packets of one
// dispatch, and a buffer too small for the next batch is not reused.
constexpr size_t kRecycledSlack = 64 * 1024;
std::unordered_map<uint32_t, std::shared_ptr<CaptureHandle>> registry;
uint32_t nextId = 1;

// ---- wake-up channel -------------------------------------------------------

bool createWakeChannel(CaptureHandle* h, std::string* error) {
#ifdef _WIN32
  h->wakeEvent = CreateEventW(nullptr, FALSE, FALSE, nullptr);  // auto-reset
  if (!h->wakeEvent) {
    *error = "CreateEvent failed";
    return false;
  }
#elif defined(__linux__)
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) {
    *error = std::string("eventfd: ") + strerror(errno);
    return false;
  }
  h->wakeRead = h->wakeWrite = fd;
#else
  int fds[2];
  if (pipe(fds) != 0) {
    *error = std::string("pipe: ") + strerror(errno);
    return false;
  }
  for (int fd : fds) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  h->wakeRead = fds[0];
  h->wakeWrite = fds[1];
#endif
  return true;
}

#ifndef _WIN32
void drainWakeChannel(CaptureHandle* h) {
  uint64_t sink[8];
  while (read(h->wakeRead, sink, sizeof sink) > 0) {
  }
}
#endif

// ---- packet collection ------------------------------------------------------

void collectPacket(unsigned char* user, const struct pcap_pkthdr* header, const unsigned char* bytes) {
  CaptureHandle* h = reinterpret_cast<CaptureHandle*>(user);
  uint32_t offset = static_cast<uint32_t>(h->data.size());
  memcpy(h->data.append(header->caplen), bytes, header->caplen);
  uint32_t rec[batch::kRecordWords];
  // Classic pcap files store seconds as an unsigned 32-bit number, but
  // libpcap reads them into a signed one: times past 2038 (up to 2106) come
  // out negative. A negative time is never real here (live clocks and
  // pcapng are past 1970), so read it back as the unsigned value it was.
  int64_t rawSeconds = static_cast<int64_t>(header->ts.tv_sec);
  uint64_t seconds = rawSeconds < 0 ? static_cast<uint32_t>(rawSeconds) : static_cast<uint64_t>(rawSeconds);
  rec[batch::kSecondsLow] = static_cast<uint32_t>(seconds);
  rec[batch::kSecondsHigh] = static_cast<uint32_t>(seconds >> 32);
  rec[batch::kFraction] = static_cast<uint32_t>(header->ts.tv_usec);
  rec[batch::kCaplen] = header->caplen;
  rec[batch::kWireLength] = header->len;
  rec[batch::kDataOffset] = offset;
  memcpy(h->records.append(sizeof rec), rec, sizeof rec);
  h->count++;
}

#ifdef __linux__
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14
#endif
std::atomic<bool> populateWorks{true};
#endif

// Maps in, with one system call, the pages of a fresh batch buffer that
// flushBatch()'s copy would otherwise fault in one by one: most of a buffer
// is memory the process never touched (its allocator grows while dead
// batches wait for the collector). On this project's VM a page fault costs
// 12-16 us, and handling the faults of these copies was a fifth of a capture
// thread reading a savefile (perf). Buffers below 16 KiB are left alone;
// kernels without MADV_POPULATE_WRITE say EINVAL once and are not asked again.
void populate(uint8_t* data, size_t size) {
#ifdef __linux__
  if (size < (16 << 10) || !populateWorks.load(std::memory_order_relaxed)) return;
  static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  uintptr_t from = (reinterpret_cast<uintptr_t>(data) + page - 1) & ~(page - 1);
  uintptr_t to = (reinterpret_cast<uintptr_t>(data) + size) & ~(page - 1);
  if (to <= from) return;
  if (madvise(reinterpret_cast<void*>(from), to - from, MADV_POPULATE_WRITE) != 0 && errno == EINVAL) {
    populateWorks.store(false, std::memory_order_relaxed);
  }
#else
  (void)data;
  (void)size;
#endif
}

// Moves the collected packets into an ArrayBuffer and resets the scratch
// space. The buffer is `spare` when one was given and is large enough: a
// batch JavaScript released (PacketBatch.release()), which nobody can see any
// more. Otherwise it is fresh memory, never reused while JavaScript may hold
// views into it, from napi_create_buffer, which does not zero it (every byte
// used is written below), where napi_create_arraybuffer would: that memset was
// 13% of a capture thread reading a savefile. When the consumer recycles
// batches (a spare was given) a fresh buffer gets `recycledCapacity` bytes, so
// that it fits any later batch when it comes back.
Napi::ArrayBuffer flushBatch(Napi::Env env, CaptureHandle* h, Napi::Value spare, size_t recycledCapacity) {
  size_t headerBytes = batch::kHeaderWords * sizeof(uint32_t);
  size_t recordBytes = h->records.size();
  size_t total = headerBytes + recordBytes + h->data.size();
  Napi::ArrayBuffer buffer;
  if (spare.IsArrayBuffer() && spare.As<Napi::ArrayBuffer>().ByteLength() >= total) {
    buffer = spare.As<Napi::ArrayBuffer>();
  } else {
    size_t size = spare.IsArrayBuffer() && recycledCapacity > total ? recycledCapacity : total;
    buffer = Napi::Buffer<uint8_t>::New(env, size).ArrayBuffer();
    populate(static_cast<uint8_t*>(buffer.Data()), total);
  }
  uint8_t* out = static_cast<uint8_t*>(buffer.Data());
  uint32_t header[batch::kHeaderWords] = {0};
  header[batch::kCount] = h->count;
  header[batch::kDataStart] = static_cast<uint32_t>(headerBytes + recordBytes);
  header[batch::kPrecision] = static_cast<uint32_t>(h->precision);
  header[batch::kDatalink] = static_cast<uint32_t>(h->datalink);
  header[batch::kByteLength] = static_cast<uint32_t>(total);
  memcpy(out, header, headerBytes);
  if (recordBytes) memcpy(out + headerBytes, h->records.data(), recordBytes);
  if (!h->data.empty()) memcpy(out + headerBytes + recordBytes, h->data.data(), h->data.size());
  h->delivered += h->count;
  h->count = 0;
  h->records.clear();
  h->data.clear();
  return buffer;
}

}  // namespace

std::string pcapError(const Libpcap& lib, pcap_t* p, int status) {
  std::string detail = p ? lib.pcap_geterr(p) : "";
  if (status == pcapabi::ERROR && !detail.empty()) return detail;
  std::string text = lib.pcap_statustostr(status);
  if (!detail.empty() && detail != text) text += ": " + detail;
  return text;
}

namespace {

// ---- argument helpers (lib/ validates; these only unpack) ------------------

uint32_t idArg(const Napi::CallbackInfo& info) { return info[0].As<Napi::Number>().Uint32Value(); }

int intOption(Napi::Object o, const char* key, int fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Int32Value() : fallback;
}

bool boolOption(Napi::Object o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsBoolean() && v.As<Napi::Boolean>().Value();
}

std::shared_ptr<CaptureHandle> requireHandle(Napi::Env env, uint32_t id) {
  std::shared_ptr<CaptureHandle> h = findHandle(id);
  if (!h) throwError(env, "ECLOSED", "the capture handle is closed");
  return h;
}

}  // namespace

Napi::Object describeOpened(Napi::Env env, const CaptureHandle& h, uint32_t netmask, const std::string& warning) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("id", h.id);
  result.Set("datalink", h.datalink);
  result.Set("datalinkName", datalinkName(*h.lib, h.datalink));
  result.Set("precision", h.precision);
  result.Set("snaplen", h.snaplen);
  result.Set("netmask", Napi::Number::New(env, netmask));
  if (!warning.empty()) result.Set("warning", warning);
  return result;
}

const char* datalinkName(const Libpcap& lib, int dlt) {
  const char* name = lib.pcap_datalink_val_to_name(dlt);
  return name ? name : "";
}

namespace {

// ---- exported functions ------------------------------------------------------

// open(device, { snaplen, promisc, timeout, immediate, buffer, monitor,
//                precision, direction }) -> { id, datalink, ... }
Napi::Value Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Libpcap& lib = requireLibpcap(env);
  std::string device = info[0].As<Napi::String>().Utf8Value();
  Napi::Object o = info[1].As<Napi::Object>();
  int snaplen = intOption(o, "snaplen", 65535);
  int timeout = intOption(o, "timeout", 0);
  bool immediate = boolOption(o, "immediate");
  int buffer = intOption(o, "buffer", 0);
  int precision = intOption(o, "precision", pcapabi::TSTAMP_PRECISION_MICRO);
  int direction = intOption(o, "direction", -1);
  int tstampType = intOption(o, "tstampType", -1);

  char errbuf[pcapabi::ERRBUF_SIZE] = {0};
  pcap_t* p = lib.pcap_create(device.c_str(), errbuf);
  if (!p) throwError(env, "EPCAP", errbuf);
  // From here on every failure closes p: no half-open handle escapes.
  auto fail = [&](const char* code, const std::string& message) {
    lib.pcap_close(p);
    throwError(env, code, message);
  };

  lib.pcap_set_snaplen(p, snaplen);
  lib.pcap_set_promisc(p, boolOption(o, "promisc") ? 1 : 0);
  if (immediate && lib.pcap_set_immediate_mode) {
    lib.pcap_set_immediate_mode(p, 1);
    lib.pcap_set_timeout(p, 1000);
  } else {
    // Without immediate mode support (libpcap < 1.5) a 1 ms timeout is the
    // closest thing to it.
    lib.pcap_set_timeout(p, immediate ? 1 : timeout);
  }
  if (buffer > 0) lib.pcap_set_buffer_size(p, buffer);
  if (boolOption(o, "monitor")) {
    if (!lib.pcap_set_rfmon) fail("EINVAL", "this libpcap does not support monitor mode");
    lib.pcap_set_rfmon(p, 1);
  }
  if (precision == pcapabi::TSTAMP_PRECISION_NANO && lib.pcap_set_tstamp_precision) {
    // Unsupported nanosecond precision is not an error: we read back what
    // libpcap gives and report it, and JavaScript scales microseconds.
    lib.pcap_set_tstamp_precision(p, pcapabi::TSTAMP_PRECISION_NANO);
  }

  if (tstampType >= 0) {
    if (!lib.pcap_set_tstamp_type) fail("EINVAL", "this libpcap cannot select a time stamp type");
    int st = lib.pcap_set_tstamp_type(p, tstampType);
    if (st < 0) fail("EINVAL", pcapError(lib, p, st));
  }

  int status = lib.pcap_activate(p);
  if (status < 0) fail(codeForStatus(status), pcapError(lib, p, status));
  std::string warning = status > 0 ? pcapError(lib, p, status) : "";

  if (direction >= 0) {
    if (!lib.pcap_setdirection) fail("EINVAL", "this libpcap cannot select a capture direction");
    if (lib.pcap_setdirection(p, direction) != 0) fail("EINVAL", lib.pcap_geterr(p));
  }
  if (lib.pcap_setnonblock(p, 1, errbuf) != 0) fail("EPCAP", errbuf);

  auto h = std::make_shared<CaptureHandle>();
  h->lib = &lib;
  h->pcap = p;
  h->owner = env;
  h->snaplen = lib.pcap_snapshot(p);
  h->precision = lib.pcap_get_tstamp_precision ? lib.pcap_get_tstamp_precision(p) : pcapabi::TSTAMP_PRECISION_MICRO;
  std::string why;
#ifdef _WIN32
  h->pcapEvent = lib.pcap_getevent(p);
  // Npcap buffers until min-to-copy bytes arrive; 0 delivers each packet.
  if (immediate) lib.pcap_setmintocopy(p, 0);
#else
  h->selectableFd = lib.pcap_get_selectable_fd(p);
  if (h->selectableFd < 0) {
    h->pcap = nullptr;
    fail("EPCAP", "this device cannot be waited on (no selectable file descriptor)");
  }
#endif
  if (!createWakeChannel(h.get(), &why)) {
    h->pcap = nullptr;
    fail("EPCAP", why);
  }
  // Where poll() on the capture descriptor does not honour the packet-buffer
  // timeout (BPF on macOS, Npcap's event), the wait itself must time out.
#if defined(__linux__)
  h->pollTimeout = -1;
#else
  h->pollTimeout = (!immediate && timeout > 0) ? timeout : -1;
#endif

  h->datalink = lib.pcap_datalink(p);
  bpf_u_int32 net = 0, mask = 0;
  uint32_t netmask = pcapabi::NETMASK_UNKNOWN;
  if (lib.pcap_lookupnet(device.c_str(), &net, &mask, errbuf) == 0) netmask = mask;

  registerHandle(h);
  return describeOpened(env, *h, netmask, warning);
}

// next(id, maxPackets, maxBytes, flushMicros, control, ackedIndex, posted, spare?)
//     -> ArrayBuffer | 0 | -1 | -2
//   ArrayBuffer: a batch (`spare`, a released batch's buffer, when it fits;
//   see flushBatch); 0: woken (or a wait timed out) with nothing to
//   deliver; -1: end of a savefile; -2: the process is shutting down. Throws
//   on a capture error, after the packets before it were delivered.
//
//   A batch is handed over when it is full (maxPackets / maxBytes), when
//   packets have kept coming for flushMicros since its first one, or when
//   no more packets are ready. While the consumer has not taken an earlier
//   batch yet (control[ackedIndex], the shared count of batches it took, is
//   below `posted`), handing over sooner gains nothing, so the loop waits for
//   more packets up to flushMicros after the first one instead: fewer, larger
//   batches exactly when the consumer is behind. The count is read live, in
//   slices of kCoalesceSliceUs, so a consumer that catches up gets the
//   waiting packets at once.
Napi::Value Next(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<CaptureHandle> h = requireHandle(env, idArg(info));
  uint32_t maxPackets = info[1].As<Napi::Number>().Uint32Value();
  size_t maxBytes = info[2].As<Napi::Number>().Uint32Value();
  auto flushAfter = std::chrono::microseconds(info[3].As<Napi::Number>().Int64Value());
  // An Int32Array over a SharedArrayBuffer: the main thread bumps the word
  // as it consumes batches (lib/protocol.ts, CONTROL_ACKED).
  Napi::Int32Array control = info[4].As<Napi::Int32Array>();
  uint32_t ackedIndex = info[5].As<Napi::Number>().Uint32Value();
  int32_t posted = info[6].As<Napi::Number>().Int32Value();
  if (ackedIndex >= control.ElementLength()) throwError(env, "EINVAL", "bad control index");
  const int32_t* acked = control.Data() + ackedIndex;
  // Both counts are int32s that wrap (lib/protocol.ts, COUNTER_START): the
  // difference is taken in uint32, where wrapping is defined.
  auto consumerBehind = [&]() {
    uint32_t ahead = static_cast<uint32_t>(posted) - static_cast<uint32_t>(__atomic_load_n(acked, __ATOMIC_ACQUIRE));
    return static_cast<int32_t>(ahead) > 0;
  };
  Napi::Value spare = info[7];
  // Room for a full batch of packets that overshot maxBytes by a dispatch.
  size_t recycledCapacity = batch::kHeaderWords * sizeof(uint32_t) +
                            static_cast<size_t>(maxPackets) * batch::kRecordWords * sizeof(uint32_t) + maxBytes +
                            kRecycledSlack;
  auto flush = [&]() { return flushBatch(env, h.get(), spare, recycledCapacity); };
  const Libpcap& lib = *h->lib;
  using Clock = std::chrono::steady_clock;

  if (!h->pendingError.empty()) {
    std::string message;
    message.swap(h->pendingError);
    throwError(env, "EPCAP", message);
  }
  Clock::time_point batchStart;
  bool batchStarted = false;
  for (;;) {
    if (shuttingDown.load()) return Napi::Number::New(env, -2);
    if (h->wakeRequested.exchange(false)) {
      if (h->count > 0) return flush();
      return Napi::Number::New(env, 0);
    }
    // A savefile is read in small steps so a batch never overshoots maxBytes
    // by more than a few packets.
    uint32_t room = maxPackets - h->count;
    if (h->offline && room > 64) room = 64;
    int n =
        lib.pcap_dispatch(h->pcap, static_cast<int>(room), collectPacket, reinterpret_cast<unsigned char*>(h.get()));
    if (n < 0 && n != pcapabi::ERROR_BREAK) {
      std::string message = pcapError(lib, h->pcap, n);
      if (h->count > 0) {
        h->pendingError = message;
        return flush();
      }
      throwError(env, "EPCAP", message);
    }
    if (h->count >= maxPackets || h->data.size() >= maxBytes) return flush();
    if (h->offline) {
      if (n > 0) continue;
      if (h->count > 0) return flush();
      return Napi::Number::New(env, -1);
    }
    if (h->count > 0 && !batchStarted) {
      batchStarted = true;
      batchStart = Clock::now();
    }
    std::chrono::microseconds left(-1);  // -1: wait for packets or a wake-up
    if (h->count > 0) {
      left = flushAfter - std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - batchStart);
      if (left.count() <= 0) return flush();
      // A dispatch that filled its room may have left packets behind: keep
      // draining. One that returned fewer emptied the ring: no second
      // dispatch (its poll() would be a wasted system call).
      if (n > 0 && static_cast<uint32_t>(n) >= room) continue;
      if (!consumerBehind()) return flush();
      if (left.count() > kCoalesceSliceUs) left = std::chrono::microseconds(kCoalesceSliceUs);
    }
    // Nothing (more) is ready: wait for packets, a wake-up, or the time left.
    int timeoutMs = left.count() >= 0 ? static_cast<int>((left.count() + 999) / 1000)
                                      : (h->pollTimeout < 0 ? kLivenessMs : h->pollTimeout);
#ifdef _WIN32
    HANDLE waits[2] = {static_cast<HANDLE>(h->pcapEvent), static_cast<HANDLE>(h->wakeEvent)};
    DWORD r = WaitForMultipleObjects(2, waits, FALSE, static_cast<DWORD>(timeoutMs));
    if (r == WAIT_OBJECT_0 + 1) {
      h->wakeRequested.store(false);
      if (h->count > 0) return flush();
      return Napi::Number::New(env, 0);
    }
    if (r == WAIT_TIMEOUT) {
      if (h->count > 0) continue;  // a coalescing slice ended: look again
      // Npcap hands over a timed-out buffer only on a read: read once more
      // before returning to JavaScript.
      lib.pcap_dispatch(h->pcap, static_cast<int>(maxPackets - h->count), collectPacket,
                        reinterpret_cast<unsigned char*>(h.get()));
      if (h->count > 0) return flush();
      return Napi::Number::New(env, 0);
    }
#else
    struct pollfd fds[2];
    fds[0].fd = h->selectableFd;
    fds[0].events = POLLIN;
    fds[0].revents = 0;
    fds[1].fd = h->wakeRead;
    fds[1].events = POLLIN;
    fds[1].revents = 0;
    int r;
#ifdef __linux__
    if (left.count() >= 0) {
      // Microsecond precision for the coalescing wait.
      struct timespec ts;
      ts.tv_sec = left.count() / 1000000;
      ts.tv_nsec = (left.count() % 1000000) * 1000;
      r = ppoll(fds, 2, &ts, nullptr);
    } else {
      r = poll(fds, 2, timeoutMs);
    }
#else
    r = poll(fds, 2, timeoutMs);
#endif
    if (r < 0 && errno != EINTR) throwError(env, "EPCAP", std::string("poll: ") + strerror(errno));
    if (r > 0 && (fds[1].revents & POLLIN)) {
      drainWakeChannel(h.get());
      h->wakeRequested.store(false);
      if (h->count > 0) return flush();
      return Napi::Number::New(env, 0);
    }
    if (r == 0) {
      // A coalescing slice ended: look again (the loop flushes when the
      // time is up or the consumer caught up). Otherwise let JavaScript look
      // around.
      if (h->count > 0) continue;
      return Napi::Number::New(env, 0);
    }
#endif
  }
}

Napi::Value Wake(const Napi::CallbackInfo& info) {
  std::shared_ptr<CaptureHandle> h = findHandle(idArg(info));
  if (h) h->wake();
  return info.Env().Undefined();
}

// close(id): idempotent; pcap_close runs on the calling (worker) thread unless
// a concurrent call still holds the handle, in which case it runs when that
// call returns.
Napi::Value Close(const Napi::CallbackInfo& info) {
  std::shared_ptr<CaptureHandle> h = unregisterHandle(idArg(info));
  return info.Env().Undefined();
}

Napi::Value Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<CaptureHandle> h = requireHandle(env, idArg(info));
  struct pcap_stat st;
  memset(&st, 0, sizeof st);
  if (h->lib->pcap_stats(h->pcap, &st) != 0) throwError(env, "EPCAP", h->lib->pcap_geterr(h->pcap));
  Napi::Object result = Napi::Object::New(env);
  result.Set("recv", Napi::Number::New(env, st.ps_recv));
  result.Set("drop", Napi::Number::New(env, st.ps_drop));
  result.Set("ifdrop", Napi::Number::New(env, st.ps_ifdrop));
  result.Set("capt", Napi::Number::New(env, static_cast<double>(h->delivered)));
  return result;
}

// inject(id, bytes) -> undefined
Napi::Value Inject(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<CaptureHandle> h = requireHandle(env, idArg(info));
  Napi::Uint8Array bytes = info[1].As<Napi::Uint8Array>();
  if (h->lib->pcap_sendpacket(h->pcap, bytes.Data(), static_cast<int>(bytes.ByteLength())) != 0) {
    throwError(env, "EPCAP", h->lib->pcap_geterr(h->pcap));
  }
  return env.Undefined();
}

// setFilter(id, expression, optimize, netmask) -> undefined
Napi::Value SetFilter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<CaptureHandle> h = requireHandle(env, idArg(info));
  std::string expression = info[1].As<Napi::String>().Utf8Value();
  bool optimize = info[2].As<Napi::Boolean>().Value();
  uint32_t netmask = info[3].As<Napi::Number>().Uint32Value();
  struct bpf_program program;
  std::string error;
  if (!compileFilter(*h->lib, h->pcap, expression, optimize, netmask, &program, &error)) {
    throwError(env, "EFILTER", error);
  }
  int status = h->lib->pcap_setfilter(h->pcap, &program);
  h->lib->pcap_freecode(&program);
  if (status != 0) throwError(env, "EPCAP", h->lib->pcap_geterr(h->pcap));
  return env.Undefined();
}

Napi::Object describeDatalink(Napi::Env env, const Libpcap& lib, int dlt) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("value", dlt);
  o.Set("name", datalinkName(lib, dlt));
  const char* description = lib.pcap_datalink_val_to_description(dlt);
  o.Set("description", description ? description : "");
  return o;
}

// datalinks(id) -> [{ value, name, description }]
Napi::Value Datalinks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<CaptureHandle> h = requireHandle(env, idArg(info));
  const Libpcap& lib = *h->lib;
  int* list = nullptr;
  int n = lib.pcap_list_datalinks(h->pcap, &list);
  if (n < 0) throwError(env, "EPCAP", lib.pcap_geterr(h->pcap));
  Napi::Array out = Napi::Array::New(env, n);
  for (int i = 0; i < n; i++) out.Set(i, describeDatalink(env, lib, list[i]));
  lib.pcap_free_datalinks(list);
  return out;
}

// setDatalink(id, value) -> the new { value, name, description }
Napi::Value SetDatalink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<CaptureHandle> h = requireHandle(env, idArg(info));
  const Libpcap& lib = *h->lib;
  if (lib.pcap_set_datalink(h->pcap, info[1].As<Napi::Number>().Int32Value()) != 0) {
    throwError(env, "EINVAL", lib.pcap_geterr(h->pcap));
  }
  h->datalink = lib.pcap_datalink(h->pcap);
  return describeDatalink(env, lib, h->datalink);
}

// timestampTypes(id) -> [{ value, name, description }]
Napi::Value TimestampTypes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<CaptureHandle> h = requireHandle(env, idArg(info));
  const Libpcap& lib = *h->lib;
  Napi::Array out = Napi::Array::New(env);
  if (!lib.pcap_list_tstamp_types) return out;
  int* list = nullptr;
  int n = lib.pcap_list_tstamp_types(h->pcap, &list);
  if (n < 0) throwError(env, "EPCAP", lib.pcap_geterr(h->pcap));
  for (int i = 0; i < n; i++) {
    Napi::Object o = Napi::Object::New(env);
    const char* name = lib.pcap_tstamp_type_val_to_name ? lib.pcap_tstamp_type_val_to_name(list[i]) : nullptr;
    const char* description =
        lib.pcap_tstamp_type_val_to_description ? lib.pcap_tstamp_type_val_to_description(list[i]) : nullptr;
    o.Set("value", list[i]);
    o.Set("name", name ? name : "");
    o.Set("description", description ? description : "");
    out.Set(i, o);
  }
  if (list && lib.pcap_free_tstamp_types) lib.pcap_free_tstamp_types(list);
  return out;
}

Napi::Value HandleCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(handleCount()));
}

Napi::Value Shutdown(const Napi::CallbackInfo& info) {
  shutdownAllHandles();
  return info.Env().Undefined();
}

// ---- the capture thread's time slice ----------------------------------------

#if defined(__linux__) && defined(SYS_sched_setattr) && defined(SYS_sched_getattr)
// struct sched_attr of the system calls (glibc before 2.41 has no wrapper and
// no declaration); the kernel accepts this first version's size.
struct SchedAttr {
  uint32_t size;
  uint32_t policy;
  uint64_t flags;
  int32_t nice;
  uint32_t priority;
  uint64_t runtime;  // for SCHED_OTHER since Linux 6.12: the thread's time slice
  uint64_t deadline;
  uint64_t period;
};
#define EWPCAP_HAVE_SCHED_ATTR 1
#endif

// setThreadSlice(ns) -> ns: asks for a time slice of `ns` nanoseconds for
// the calling thread (0: the kernel's default), keeping its policy and nice
// value, and answers the slice now in effect (after 0, the kernel's base
// slice): 0 where the kernel has no per-thread slices (before Linux 6.12,
// other systems) or the thread is not SCHED_OTHER. The EEVDF scheduler gives
// a thread with a longer slice a later virtual deadline: a waking main thread
// then runs before it instead of queueing behind it, while its share of the
// CPU stays the same (nice sets that). Never throws for what the system
// refuses: it is a hint.
Napi::Value SetThreadSlice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throwError(env, "EINVAL", "setThreadSlice(ns): ns must be a number");
  double ns = info[0].As<Napi::Number>().DoubleValue();
  if (!(ns >= 0) || ns > 1e9) throwError(env, "EINVAL", "setThreadSlice(ns): ns must be 0 to 1e9");
#ifdef EWPCAP_HAVE_SCHED_ATTR
  SchedAttr attr;
  memset(&attr, 0, sizeof attr);
  if (syscall(SYS_sched_getattr, 0, &attr, static_cast<unsigned>(sizeof attr), 0u) != 0 || attr.policy != SCHED_OTHER)
    return Napi::Number::New(env, 0);
  attr.size = sizeof attr;
  attr.flags &= 0x01;  // SCHED_FLAG_RESET_ON_FORK, as it was; nothing else asked for
  attr.runtime = static_cast<uint64_t>(ns);
  if (syscall(SYS_sched_setattr, 0, &attr, 0u) != 0) return Napi::Number::New(env, 0);
  memset(&attr, 0, sizeof attr);
  if (syscall(SYS_sched_getattr, 0, &attr, static_cast<unsigned>(sizeof attr), 0u) != 0)
    return Napi::Number::New(env, 0);
  return Napi::Number::New(env, static_cast<double>(attr.runtime));
#else
  return Napi::Number::New(env, 0);
#endif
}

}  // namespace

// ---- CaptureHandle and registry -------------------------------------------

CaptureHandle::~CaptureHandle() {
  if (pcap) lib->pcap_close(pcap);
#ifdef _WIN32
  if (wakeEvent) CloseHandle(static_cast<HANDLE>(wakeEvent));
#else
  if (wakeRead >= 0) ::close(wakeRead);
  if (wakeWrite >= 0 && wakeWrite != wakeRead) ::close(wakeWrite);
#endif
}

void CaptureHandle::wake() {
  wakeRequested.store(true);
#ifdef _WIN32
  if (wakeEvent) SetEvent(static_cast<HANDLE>(wakeEvent));
#else
  if (wakeWrite >= 0) {
    uint64_t one = 1;
    // A full pipe/eventfd already wakes the reader: a failed write is fine.
    ssize_t ignored = write(wakeWrite, &one, sizeof one);
    (void)ignored;
  }
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
  shuttingDown.store(true);
  std::lock_guard<std::mutex> lock(registryMutex);
  for (auto& entry : registry) entry.second->wake();
}

bool compileFilter(const Libpcap& lib, pcap_t* pcap, const std::string& expression, bool optimize, uint32_t netmask,
                   struct bpf_program* program, std::string* error) {
  // libpcap before 1.8 compiled through global parser state: one at a time.
  static std::mutex compileMutex;
  std::lock_guard<std::mutex> lock(compileMutex);
  memset(program, 0, sizeof *program);
  if (lib.pcap_compile(pcap, program, expression.c_str(), optimize ? 1 : 0, netmask) != 0) {
    *error = lib.pcap_geterr(pcap);
    return false;
  }
  return true;
}

void initCapture(Napi::Env env, Napi::Object exports) {
  exports.Set("open", Napi::Function::New(env, Open, "open"));
  exports.Set("next", Napi::Function::New(env, Next, "next"));
  exports.Set("wake", Napi::Function::New(env, Wake, "wake"));
  exports.Set("shutdown", Napi::Function::New(env, Shutdown, "shutdown"));
  exports.Set("close", Napi::Function::New(env, Close, "close"));
  exports.Set("stats", Napi::Function::New(env, Stats, "stats"));
  exports.Set("inject", Napi::Function::New(env, Inject, "inject"));
  exports.Set("setFilter", Napi::Function::New(env, SetFilter, "setFilter"));
  exports.Set("handleCount", Napi::Function::New(env, HandleCount, "handleCount"));
  exports.Set("datalinks", Napi::Function::New(env, Datalinks, "datalinks"));
  exports.Set("setDatalink", Napi::Function::New(env, SetDatalink, "setDatalink"));
  exports.Set("timestampTypes", Napi::Function::New(env, TimestampTypes, "timestampTypes"));
  exports.Set("setThreadSlice", Napi::Function::New(env, SetThreadSlice, "setThreadSlice"));
}
