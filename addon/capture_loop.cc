// The capture loop: packets collected from libpcap into the handle's
// scratch space, flushed into batch buffers, the wait for packets or a
// wake-up, and the wake-up channel any thread can use to end that wait.
#include <cerrno>
#include <chrono>
#include <cstring>

#include "batch_layout.h"
#include "capture.h"
#include "errors.h"
#include "savefile_stream.h"

#ifdef _WIN32
#include <windows.h>
#else
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/eventfd.h>
#include <sys/mman.h>
#endif
#endif

namespace {

// The longest a capture loop stays in native code without returning to
// JavaScript. A worker thread can only be terminated (Worker.terminate(),
// the exit of the thread that owns it) while it runs JavaScript, so this
// bounds how long such a termination waits. 250 ms of idle wake-ups cost
// nothing measurable.
constexpr int kLivenessMs = 250;

// How often a coalescing wait looks whether the consumer caught up.
constexpr int64_t kCoalesceSliceUs = 200;
// The shortest and longest gathering wait. Between them the wait doubles
// when it found under half the handle's gatherTarget packets and halves when
// it found more, so that each wait finds about that many whatever the rate.
constexpr int64_t kGatherMinUs = 25;
constexpr int64_t kGatherMaxUs = 1000;

// Bytes beyond maxBytes (plus every packet's record) that a recycled batch
// buffer is given: a batch may overshoot maxBytes by the packets of one
// dispatch, and a buffer too small for the next batch is not reused.
constexpr size_t kRecycledSlack = 64 * 1024;

}  // namespace

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
static void drainWakeChannel(CaptureHandle* h) {
  uint64_t sink[8];
  while (read(h->wakeRead, sink, sizeof sink) > 0) {
  }
}
#endif

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

namespace {

// ---- packet collection ------------------------------------------------------

void collectPacket(unsigned char* user, const struct pcap_pkthdr* header, const unsigned char* bytes) {
  CaptureHandle* h = reinterpret_cast<CaptureHandle*>(user);
  uint32_t offset = static_cast<uint32_t>(h->data.size());
  // No copy for a zero-length packet: the scratch space of a batch that
  // holds no bytes yet appends at a null pointer, and memcpy to or from null
  // is undefined behaviour even for 0 bytes (UBSan reported it).
  if (header->caplen > 0) memcpy(h->data.append(header->caplen), bytes, header->caplen);
  uint32_t rec[batch::kRecordWords];
  // Classic pcap files store seconds as an unsigned 32-bit number, but
  // libpcap reads them into a signed one: times past 2038 (up to 2106) come
  // out negative. A negative time is never real here (live clocks and
  // pcapng are past 1970), so read it back as the unsigned value it was.
  int64_t rawSeconds = static_cast<int64_t>(header->ts.tv_sec);
  uint64_t seconds = rawSeconds < 0 ? static_cast<uint32_t>(rawSeconds) : static_cast<uint64_t>(rawSeconds);
  // A file's sub-second field can be out of range (a microsecond file with
  // 4,294,968 or more): libpcap hands it over as it is, and at nanosecond
  // precision multiplied by 1000, past 32 bits. The whole seconds in it are
  // carried into `seconds`, so the batch keeps the time the file means and
  // every time unit agrees on it.
  uint64_t unit = h->precision == pcapabi::TSTAMP_PRECISION_NANO ? 1000000000u : 1000000u;
  uint64_t fraction = static_cast<uint64_t>(header->ts.tv_usec);
  if (header->ts.tv_usec < 0) fraction = static_cast<uint32_t>(header->ts.tv_usec);  // as before: the raw field
  seconds += fraction / unit;
  rec[batch::kSecondsLow] = static_cast<uint32_t>(seconds);
  rec[batch::kSecondsHigh] = static_cast<uint32_t>(seconds >> 32);
  rec[batch::kFraction] = static_cast<uint32_t>(fraction % unit);
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
//
//   The same wait is taken when packets arrive faster than the thread
//   wakes up (a dispatch found more than one waiting): then the wait does
//   not watch the capture, only the wake-up channel, for gatherUs (25 µs to
//   1 ms, adapted to find about gatherTarget packets, a quarter of the
//   ring), and the packets gather in the ring meanwhile. In immediate mode every packet
//   otherwise wakes the thread (and a batch crosses to the main thread) on
//   its own: at 200,000 packets/s that was most of the CPU the capture
//   cost. Packets arriving one at a time, as at 1,000/s, are not held.
Napi::Value Next(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<CaptureHandle> h = requireHandle(env, handleIdArg(info));
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
  bool gathering = false;  // the last wait let packets gather: adapt gatherUs to what it found
  for (;;) {
    if (shuttingDown()) return Napi::Number::New(env, -2);
    if (h->wakeRequested.exchange(false)) {
      if (h->count > 0) return flush();
      return Napi::Number::New(env, 0);
    }
    // A savefile is read in small steps so a batch never overshoots maxBytes
    // by more than a few packets.
    uint32_t room = maxPackets - h->count;
    if (h->offline && room > 64) room = 64;
    if (h->stream) {
      // A FIFO, pipe or terminal: read only what has arrived, one packet at
      // a time (libpcap would wait for all `room`), and hand over what was
      // read as soon as the writer pauses.
      int ready = waitSavefileStream(h.get(), h->count > 0 ? 0 : kLivenessMs);
      if (ready < 0) throwError(env, "EPCAP", std::string("poll: ") + strerror(errno));
      if (ready == 2) {
#ifndef _WIN32
        drainWakeChannel(h.get());
#endif
        continue;  // wakeRequested is looked at above
      }
      if (ready == 0) {
        if (h->count > 0) return flush();
        return Napi::Number::New(env, 0);  // JavaScript's turn (Worker.terminate)
      }
      room = 1;
    }
    int n =
        lib.pcap_dispatch(h->pcap, static_cast<int>(room), collectPacket, reinterpret_cast<unsigned char*>(h.get()));
    if (n < 0 && (h->stopRequested.load() || (h->stream && savefileStreamAbandoned(h->stream)))) {
      // A close, the process's exit or the end of this thread ended a read
      // that waited in the middle of a packet: not an error of the capture's.
      if (h->count > 0) return flush();
      return Napi::Number::New(env, 0);
    }
    if (n < 0 && n != pcapabi::ERROR_BREAK) {
      std::string message = pcapError(lib, h->pcap, n);
      if (h->count > 0) {
        h->pendingError = message;
        return flush();
      }
      throwError(env, "EPCAP", message);
    }
    if (gathering) {
      gathering = false;
      if (n < h->gatherTarget / 2 && h->gatherUs < kGatherMaxUs) h->gatherUs *= 2;
      if (n > h->gatherTarget && h->gatherUs > kGatherMinUs) h->gatherUs /= 2;
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
      // A gathering wait that found nothing: the burst is over.
      gathering = h->gatherTarget > 0 && (n > 1 || (n == 1 && h->count > 1));
      if (!gathering && !consumerBehind()) return flush();
      int64_t slice = gathering ? h->gatherUs : kCoalesceSliceUs;
      if (left.count() > slice) left = std::chrono::microseconds(slice);
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
    // A gathering wait does not watch the capture (poll ignores fd -1).
    fds[0].fd = gathering ? -1 : h->selectableFd;
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

// wake(id, stop?): `stop` for a close request (see stopRequested).
Napi::Value Wake(const Napi::CallbackInfo& info) {
  std::shared_ptr<CaptureHandle> h = findHandle(handleIdArg(info));
  if (h && info.Length() > 1 && info[1].ToBoolean().Value()) h->stopRequested.store(true);
  if (h) h->wake();
  return info.Env().Undefined();
}

}  // namespace

void initCaptureLoop(Napi::Env env, Napi::Object exports) {
  exports.Set("next", Napi::Function::New(env, Next, "next"));
  exports.Set("wake", Napi::Function::New(env, Wake, "wake"));
}
