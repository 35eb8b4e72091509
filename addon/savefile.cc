// Savefiles: reading pcap/pcapng files through the same capture handles and
// loop as live devices, and writing packets with pcap_dump.
#include "savefile.h"

#include <cstring>
#include <mutex>
#ifndef _WIN32
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif
#ifdef __linux__
#include <stdio_ext.h>
#endif
#include <unordered_map>
#include <vector>

#include "batch_layout.h"
#include "capture.h"
#include "errors.h"
#include "owned.h"
#include "savefile_stream.h"

namespace {

struct Dumper {
  ~Dumper() {
    if (dumper) lib->pcap_dump_close(dumper);
    if (dead) lib->pcap_close(dead);
  }
  const Libpcap* lib = nullptr;
  napi_env owner = nullptr;  // the environment (thread) that opened it
  pcap_t* dead = nullptr;    // pcap_open_dead handle, when not writing a live capture
  pcap_dumper_t* dumper = nullptr;
  int precision = 0;
  uint32_t snaplen = 0;  // the file's: longer packets are cut to it, as a capture would
  std::mutex mutex;      // a writer may be used from more than one thread over its life
};

std::mutex dumpersMutex;
std::unordered_map<uint32_t, std::shared_ptr<Dumper>> dumpers;
uint32_t nextDumperId = 1;

uint32_t registerDumper(std::shared_ptr<Dumper> d) {
  std::lock_guard<std::mutex> lock(dumpersMutex);
  uint32_t id = nextDumperId++;
  dumpers.emplace(id, std::move(d));
  return id;
}

std::shared_ptr<Dumper> requireDumper(Napi::Env env, uint32_t id) {
  std::lock_guard<std::mutex> lock(dumpersMutex);
  auto it = dumpers.find(id);
  if (it == dumpers.end()) throwError(env, "ECLOSED", "the savefile writer is closed");
  return it->second;
}

// pcap_dump_open or, to append, pcap_dump_open_append (libpcap >= 1.7).
pcap_dumper_t* openDumper(Napi::Env env, const Libpcap& lib, pcap_t* p, const std::string& path, bool append) {
  if (append && !lib.pcap_dump_open_append) throwError(env, "EINVAL", "this libpcap cannot append to savefiles");
  pcap_dumper_t* dumper = append ? lib.pcap_dump_open_append(p, path.c_str()) : lib.pcap_dump_open(p, path.c_str());
  if (!dumper) throwError(env, "EPCAP", lib.pcap_geterr(p));
  return dumper;
}

// A path with a NUL byte would name another file once libpcap reads it as a
// C string. lib/options.ts rejects it; this keeps the addon safe on its own.
std::string pathArgument(Napi::Env env, const Napi::Value& value) {
  std::string path = value.As<Napi::String>().Utf8Value();
  if (path.find('\0') != std::string::npos) throwError(env, "EINVAL", "the savefile path contains a NUL byte");
  return path;
}

// The pcap format keeps seconds in 32 bits: a later time would be written
// wrapped, as another time.
constexpr uint64_t kMaxSeconds = 0xffffffffu;

// Bytes of stdio buffer for a savefile being read. libpcap reads a savefile
// through a FILE with the default buffer (st_blksize, 4 KiB on ext4): one
// read(2) per 4 KiB, ~18,500 for a million small packets. With 256 KiB the
// system calls all but vanish from the capture thread's profile.
constexpr size_t kSavefileBuffer = 256 * 1024;

// Opens a savefile for reading. On POSIX systems the file is opened here, with
// a large stdio buffer, and handed to libpcap (pcap_fopen_offline*); "-"
// (standard input) and any file that cannot be opened go to
// pcap_open_offline*, so that libpcap reports the failure in its own words.
// On Linux a FIFO, pipe, socket or terminal (and "-" when standard input is
// one) is read through a stream of our own (savefile_stream.cc), *stream set:
// O_NONBLOCK keeps open() from waiting for a FIFO's writer, and the stream's
// reads wait with poll(), bounded by close, exit and the end of `env`'s
// thread.
pcap_t* openSavefile(const Libpcap& lib, napi_env env, const std::string& path, int precision, char* errbuf,
                     std::unique_ptr<char[]>* buffer, void** stream) {
#ifndef _WIN32
  auto fopenOffline = [&](FILE* file) {
    return lib.pcap_fopen_offline_with_tstamp_precision
               ? lib.pcap_fopen_offline_with_tstamp_precision(file, precision, errbuf)
               : lib.pcap_fopen_offline(file, errbuf);
  };
#endif
#ifdef __linux__
  {
    int fd = -1;
    // statx (glibc 2.28), not stat: glibc 2.33 gave stat and fstat new
    // symbols, above the glibc 2.28 the prebuilds promise.
    struct statx st;
    if (path == "-") {
      if (statx(0, "", AT_EMPTY_PATH, STATX_TYPE, &st) == 0 && !S_ISREG(st.stx_mode)) fd = fcntl(0, F_DUPFD_CLOEXEC, 0);
    } else if (statx(AT_FDCWD, path.c_str(), 0, STATX_TYPE, &st) == 0 && !S_ISREG(st.stx_mode) &&
               !S_ISDIR(st.stx_mode)) {
      fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    }
    if (fd >= 0) {
      FILE* file = openSavefileStream(fd, env, stream);
      if (file) {
        pcap_t* p = fopenOffline(file);
        if (!p) {
          fclose(file);  // libpcap leaves the FILE to its caller when it fails
          *stream = nullptr;
        }
        return p;
      }
    }
  }
#else
  (void)env;
  (void)stream;
#endif
#ifndef _WIN32
  if (path != "-") {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    FILE* file = fd >= 0 ? fdopen(fd, "rb") : nullptr;
    if (!file && fd >= 0) ::close(fd);
    if (file) {
      auto storage = std::make_unique<char[]>(kSavefileBuffer);
      setvbuf(file, storage.get(), _IOFBF, kSavefileBuffer);
#ifdef __linux__
      // No two threads use this FILE at once: the capture thread that opens
      // it reads it, and whichever thread drops the last reference to the
      // handle closes it, after that (the shared_ptr's count orders the
      // two). So stdio's own lock is not needed. In a multi-threaded process
      // glibc takes it on every fread, and libpcap calls fread twice per
      // packet.
      // Measured on the 1,000,000-packet file (bench/offline.js readers, 12
      // fresh processes each, interleaved): 'packet' events 238 -> 216 ms,
      // batches with release() 166 -> 144 ms, after prewarm() 128 -> 115 ms.
      __fsetlocking(file, FSETLOCKING_BYCALLER);
#endif
      pcap_t* p = fopenOffline(file);
      if (p) {
        *buffer = std::move(storage);
      } else {
        fclose(file);  // libpcap leaves the FILE to its caller when it fails
      }
      return p;
    }
  }
#else
  (void)buffer;
#endif
  return lib.pcap_open_offline_with_tstamp_precision
             ? lib.pcap_open_offline_with_tstamp_precision(path.c_str(), precision, errbuf)
             : lib.pcap_open_offline(path.c_str(), errbuf);
}

// openOffline(path, precision) -> { id, datalink, datalinkName, precision, snaplen }
Napi::Value OpenOffline(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Libpcap& lib = requireLibpcap(env);
  std::string path = pathArgument(env, info[0]);
  int precision = info[1].As<Napi::Number>().Int32Value();
  char errbuf[pcapabi::ERRBUF_SIZE] = {0};
  std::unique_ptr<char[]> buffer;
  void* stream = nullptr;
  pcap_t* p = openSavefile(lib, env, path, precision, errbuf, &buffer, &stream);
  if (!p) {
    if (shuttingDown() || environmentStopping(env)) throwError(env, "ECLOSED", "the process or thread is exiting");
    throwError(env, "EPCAP", errbuf);
  }
  auto h = std::make_shared<CaptureHandle>();
  h->lib = &lib;
  h->pcap = p;
  if (stream) {
    attachSavefileStream(stream, h.get());
    std::string error;
    if (!createWakeChannel(h.get(), &error)) throwError(env, "EPCAP", error);
  }
  h->fileBuffer = std::move(buffer);
  h->owner = env;
  h->offline = true;
  h->snaplen = lib.pcap_snapshot(p);
  h->datalink = lib.pcap_datalink(p);
  h->precision = lib.pcap_get_tstamp_precision ? lib.pcap_get_tstamp_precision(p) : pcapabi::TSTAMP_PRECISION_MICRO;
  registerHandle(h);
  return describeOpened(env, *h, pcapabi::NETMASK_UNKNOWN, "");
}

// dumpOpen(path, linktype, snaplen, precision, append) -> id
//   A writer for packets of one link type, with a dead handle of its own.
Napi::Value DumpOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Libpcap& lib = requireLibpcap(env);
  std::string path = pathArgument(env, info[0]);
  int linktype = info[1].As<Napi::Number>().Int32Value();
  int snaplen = info[2].As<Napi::Number>().Int32Value();
  int precision = info[3].As<Napi::Number>().Int32Value();
  bool append = info[4].As<Napi::Boolean>().Value();
  auto d = std::make_shared<Dumper>();
  d->lib = &lib;
  d->owner = env;
  if (precision == pcapabi::TSTAMP_PRECISION_NANO) {
    if (!lib.pcap_open_dead_with_tstamp_precision) {
      throwError(env, "EINVAL", "this libpcap cannot write nanosecond savefiles");
    }
    d->dead = lib.pcap_open_dead_with_tstamp_precision(linktype, snaplen, precision);
  } else {
    d->dead = lib.pcap_open_dead(linktype, snaplen);
  }
  if (!d->dead) throwError(env, "EPCAP", "pcap_open_dead failed");
  d->precision = precision;
  d->snaplen = static_cast<uint32_t>(lib.pcap_snapshot(d->dead));
  d->dumper = openDumper(env, lib, d->dead, path, append);
  return Napi::Number::New(env, registerDumper(std::move(d)));
}

// dumpOpenFor(handleId, path, append) -> id
//   A writer for a capture handle's packets: its link type, snaplen and
//   precision. Runs on the handle's capture thread.
Napi::Value DumpOpenFor(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<CaptureHandle> h = findHandle(info[0].As<Napi::Number>().Uint32Value());
  if (!h) throwError(env, "ECLOSED", "the capture handle is closed");
  std::string path = pathArgument(env, info[1]);
  bool append = info[2].As<Napi::Boolean>().Value();
  const Libpcap& lib = *h->lib;
  auto d = std::make_shared<Dumper>();
  d->lib = &lib;
  d->owner = env;
  d->precision = h->precision;
  d->snaplen = static_cast<uint32_t>(lib.pcap_snapshot(h->pcap));
  d->dumper = openDumper(env, lib, h->pcap, path, append);
  return Napi::Number::New(env, registerDumper(std::move(d)));
}

void writeOne(Dumper& d, uint64_t seconds, uint32_t fraction, int fractionPrecision, uint32_t caplen, uint32_t length,
              const uint8_t* bytes) {
  if (fractionPrecision != d.precision) {
    fraction = fractionPrecision == pcapabi::TSTAMP_PRECISION_NANO ? fraction / 1000 : fraction * 1000;
  }
  struct pcap_pkthdr header;
  memset(&header, 0, sizeof header);
  header.ts.tv_sec = static_cast<decltype(header.ts.tv_sec)>(seconds);
  header.ts.tv_usec = static_cast<decltype(header.ts.tv_usec)>(fraction);
  // A packet longer than the file's snaplen is cut to it, its wire length
  // kept, as tcpdump -s would have captured it: libpcap and tcpdump refuse
  // to read past a record longer than the snaplen.
  header.len = length < caplen ? caplen : length;
  header.caplen = d.snaplen != 0 && caplen > d.snaplen ? d.snaplen : caplen;
  d.lib->pcap_dump(reinterpret_cast<unsigned char*>(d.dumper), &header, bytes);
}

// dumpBatch(id, batch ArrayBuffer, maxCount) -> packets written
Napi::Value DumpBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<Dumper> d = requireDumper(env, info[0].As<Napi::Number>().Uint32Value());
  Napi::ArrayBuffer buffer = info[1].As<Napi::ArrayBuffer>();
  uint32_t maxCount = info[2].As<Napi::Number>().Uint32Value();
  const uint8_t* base = static_cast<const uint8_t*>(buffer.Data());
  size_t size = buffer.ByteLength();
  if (size < batch::kHeaderWords * sizeof(uint32_t)) throwError(env, "EINVAL", "not a packet batch");
  const uint32_t* words = reinterpret_cast<const uint32_t*>(base);
  if (words[batch::kByteLength] > size) throwError(env, "EINVAL", "not a packet batch");
  size = words[batch::kByteLength];
  uint32_t count = words[batch::kCount];
  uint32_t dataStart = words[batch::kDataStart];
  int precision = static_cast<int>(words[batch::kPrecision]);
  if (dataStart > size || (batch::kHeaderWords + static_cast<uint64_t>(count) * batch::kRecordWords) * 4 > dataStart) {
    throwError(env, "EINVAL", "not a packet batch");
  }
  uint32_t n = count < maxCount ? count : maxCount;
  // Every record is checked before any is written: a batch is written whole or not at all.
  for (uint32_t i = 0; i < n; i++) {
    const uint32_t* r = words + batch::kHeaderWords + i * batch::kRecordWords;
    uint64_t offset = static_cast<uint64_t>(dataStart) + r[batch::kDataOffset];
    if (offset + r[batch::kCaplen] > size) throwError(env, "EINVAL", "not a packet batch");
    if (r[batch::kSecondsHigh] != 0) {
      throwError(env, "EINVAL",
                 "packet " + std::to_string(i) + " of the batch has a time past 2106, which a pcap file cannot hold");
    }
  }
  std::lock_guard<std::mutex> lock(d->mutex);
  for (uint32_t i = 0; i < n; i++) {
    const uint32_t* r = words + batch::kHeaderWords + i * batch::kRecordWords;
    uint64_t offset = static_cast<uint64_t>(dataStart) + r[batch::kDataOffset];
    uint64_t seconds = r[batch::kSecondsLow];
    writeOne(*d, seconds, r[batch::kFraction], precision, r[batch::kCaplen], r[batch::kWireLength], base + offset);
  }
  return Napi::Number::New(env, n);
}

// dumpPacket(id, seconds, fraction, fractionPrecision, wireLength, data)
Napi::Value DumpPacket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<Dumper> d = requireDumper(env, info[0].As<Napi::Number>().Uint32Value());
  double seconds = info[1].As<Napi::Number>().DoubleValue();
  uint32_t fraction = info[2].As<Napi::Number>().Uint32Value();
  int precision = info[3].As<Napi::Number>().Int32Value();
  uint32_t length = info[4].As<Napi::Number>().Uint32Value();
  Napi::Uint8Array data = info[5].As<Napi::Uint8Array>();
  if (!(seconds >= 0 && seconds <= static_cast<double>(kMaxSeconds))) {
    throwError(env, "EINVAL", "the packet time is outside what a pcap file holds (seconds 0 to 2^32-1)");
  }
  std::lock_guard<std::mutex> lock(d->mutex);
  writeOne(*d, static_cast<uint64_t>(seconds), fraction, precision, static_cast<uint32_t>(data.ByteLength()), length,
           data.Data());
  return env.Undefined();
}

Napi::Value DumpFlush(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<Dumper> d = requireDumper(env, info[0].As<Napi::Number>().Uint32Value());
  std::lock_guard<std::mutex> lock(d->mutex);
  if (d->lib->pcap_dump_flush(d->dumper) != 0)
    throwError(env, "EPCAP", "writing the savefile failed (pcap_dump_flush)");
  return env.Undefined();
}

// dumpClose(id): flushes and closes; idempotent.
Napi::Value DumpClose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<Dumper> d;
  {
    std::lock_guard<std::mutex> lock(dumpersMutex);
    auto it = dumpers.find(info[0].As<Napi::Number>().Uint32Value());
    if (it == dumpers.end()) return env.Undefined();
    d = std::move(it->second);
    dumpers.erase(it);
  }
  std::lock_guard<std::mutex> lock(d->mutex);
  bool ok = d->lib->pcap_dump_flush(d->dumper) == 0;
  d->lib->pcap_dump_close(d->dumper);
  d->dumper = nullptr;
  if (!ok) throwError(env, "EPCAP", "writing the savefile failed (pcap_dump_flush)");
  return env.Undefined();
}

Napi::Value DumperCount(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> lock(dumpersMutex);
  return Napi::Number::New(info.Env(), static_cast<double>(dumpers.size()));
}

}  // namespace

void closeDumpersOwnedBy(napi_env env) {
  // pcap_dump_close (which flushes) runs as the returned shared_ptrs go, outside the lock.
  takeOwnedBy(dumpers, dumpersMutex, env);
}

void initSavefile(Napi::Env env, Napi::Object exports) {
  exports.Set("openOffline", Napi::Function::New(env, OpenOffline, "openOffline"));
  exports.Set("dumpOpen", Napi::Function::New(env, DumpOpen, "dumpOpen"));
  exports.Set("dumpOpenFor", Napi::Function::New(env, DumpOpenFor, "dumpOpenFor"));
  exports.Set("dumpBatch", Napi::Function::New(env, DumpBatch, "dumpBatch"));
  exports.Set("dumpPacket", Napi::Function::New(env, DumpPacket, "dumpPacket"));
  exports.Set("dumpFlush", Napi::Function::New(env, DumpFlush, "dumpFlush"));
  exports.Set("dumpClose", Napi::Function::New(env, DumpClose, "dumpClose"));
  exports.Set("dumperCount", Napi::Function::New(env, DumperCount, "dumperCount"));
}
