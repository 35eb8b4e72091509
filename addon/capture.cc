// A capture handle's open (pcap_create, options, pcap_activate) and its
// requests: stats, inject, filter, link types and timestamp types. The loop
// is in capture_loop.cc, the registry and lifecycle in registry.cc.
#include "capture.h"

#include <algorithm>
#include <cstring>
#include <mutex>

#include "errors.h"

std::string pcapError(const Libpcap& lib, pcap_t* p, int status) {
  std::string detail = p ? lib.pcap_geterr(p) : "";
  if (status == pcapabi::ERROR && !detail.empty()) return detail;
  std::string text = lib.pcap_statustostr(status);
  if (!detail.empty() && detail != text) text += ": " + detail;
  return text;
}

namespace {

// ---- argument helpers (lib/ validates; these only unpack) ------------------

int intOption(Napi::Object o, const char* key, int fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Int32Value() : fallback;
}

bool boolOption(Napi::Object o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsBoolean() && v.As<Napi::Boolean>().Value();
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
  if (immediate) {
    // A quarter of the ring's slots, each about a snaplen in immediate mode
    // (libpcap's default ring is 2 MiB): the wait is long for few packets
    // per system call, and the ring keeps room for a late wake-up.
    int64_t ring = buffer > 0 ? buffer : (2 << 20);
    int64_t slots = ring / (static_cast<int64_t>(h->snaplen) + 128);
    h->gatherTarget = static_cast<int>(std::min<int64_t>(256, std::max<int64_t>(16, slots / 4)));
  }
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

Napi::Value Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<CaptureHandle> h = requireHandle(env, handleIdArg(info));
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
  std::shared_ptr<CaptureHandle> h = requireHandle(env, handleIdArg(info));
  Napi::Uint8Array bytes = info[1].As<Napi::Uint8Array>();
  if (h->lib->pcap_sendpacket(h->pcap, bytes.Data(), static_cast<int>(bytes.ByteLength())) != 0) {
    throwError(env, "EPCAP", h->lib->pcap_geterr(h->pcap));
  }
  return env.Undefined();
}

// setFilter(id, expression, optimize, netmask) -> undefined
Napi::Value SetFilter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<CaptureHandle> h = requireHandle(env, handleIdArg(info));
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
  std::shared_ptr<CaptureHandle> h = requireHandle(env, handleIdArg(info));
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
  std::shared_ptr<CaptureHandle> h = requireHandle(env, handleIdArg(info));
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
  std::shared_ptr<CaptureHandle> h = requireHandle(env, handleIdArg(info));
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

}  // namespace

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
  initCaptureLoop(env, exports);
  initRegistry(env, exports);
  exports.Set("stats", Napi::Function::New(env, Stats, "stats"));
  exports.Set("inject", Napi::Function::New(env, Inject, "inject"));
  exports.Set("setFilter", Napi::Function::New(env, SetFilter, "setFilter"));
  exports.Set("datalinks", Napi::Function::New(env, Datalinks, "datalinks"));
  exports.Set("setDatalink", Napi::Function::New(env, SetDatalink, "setDatalink"));
  exports.Set("timestampTypes", Napi::Function::New(env, TimestampTypes, "timestampTypes"));
}
