// BPF programs without a device: compile for a link type (pcap_open_dead),
// show them as tcpdump -d does (bpf_image), and match packets in user space
// (pcap_offline_filter).
#include "filter.h"

#include <cstring>
#include <mutex>
#include <vector>

#include "capture.h"
#include "errors.h"

namespace {

std::mutex imageMutex;  // bpf_image writes a static buffer

class CompileWorker : public Napi::AsyncWorker {
 public:
  CompileWorker(Napi::Env env, const Libpcap& lib, int linktype, int snaplen, std::string expression, bool optimize,
                uint32_t netmask)
      : Napi::AsyncWorker(env),
        lib_(lib),
        linktype_(linktype),
        snaplen_(snaplen),
        expression_(std::move(expression)),
        optimize_(optimize),
        netmask_(netmask),
        deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    pcap_t* dead = lib_.pcap_open_dead(linktype_, snaplen_);
    if (!dead) {
      code_ = "EPCAP";
      error_ = "pcap_open_dead failed";
      return;
    }
    struct bpf_program program;
    if (!compileFilter(lib_, dead, expression_, optimize_, netmask_, &program, &error_)) {
      code_ = "EFILTER";
    } else {
      insns_.assign(program.bf_insns, program.bf_insns + program.bf_len);
      lib_.pcap_freecode(&program);
    }
    lib_.pcap_close(dead);
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (!code_.empty()) {
      deferred_.Reject(makeError(env, NativeError{code_, error_}).Value());
      return;
    }
    deferred_.Resolve(Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(insns_.data()),
                                                  insns_.size() * sizeof(struct bpf_insn)));
  }

 private:
  const Libpcap& lib_;
  int linktype_, snaplen_;
  std::string expression_;
  bool optimize_;
  uint32_t netmask_;
  Napi::Promise::Deferred deferred_;
  std::vector<struct bpf_insn> insns_;
  std::string code_, error_;
};

// compile(linktype, snaplen, expression, optimize, netmask) -> Promise<Buffer of bpf_insn>
Napi::Value Compile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Value rejected;
  const Libpcap* lib = libpcapOrRejected(env, &rejected);
  if (!lib) return rejected;
  auto* worker = new CompileWorker(env, *lib, info[0].As<Napi::Number>().Int32Value(),
                                   info[1].As<Napi::Number>().Int32Value(), info[2].As<Napi::String>().Utf8Value(),
                                   info[3].As<Napi::Boolean>().Value(), info[4].As<Napi::Number>().Uint32Value());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

struct bpf_program programOf(Napi::Uint8Array insns) {
  struct bpf_program program;
  program.bf_len = static_cast<unsigned int>(insns.ByteLength() / sizeof(struct bpf_insn));
  program.bf_insns = reinterpret_cast<struct bpf_insn*>(insns.Data());
  return program;
}

// match(insns, data, wireLength) -> boolean
Napi::Value Match(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Libpcap& lib = requireLibpcap(env);
  struct bpf_program program = programOf(info[0].As<Napi::Uint8Array>());
  Napi::Uint8Array data = info[1].As<Napi::Uint8Array>();
  uint32_t length = info[2].As<Napi::Number>().Uint32Value();
  struct pcap_pkthdr header;
  memset(&header, 0, sizeof header);
  header.caplen = static_cast<bpf_u_int32>(data.ByteLength());
  header.len = length < header.caplen ? header.caplen : length;
  return Napi::Boolean::New(env, lib.pcap_offline_filter(&program, &header, data.Data()) != 0);
}

// image(insns) -> string[]: one line per instruction, as tcpdump -d prints them.
Napi::Value Image(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Libpcap& lib = requireLibpcap(env);
  struct bpf_program program = programOf(info[0].As<Napi::Uint8Array>());
  Napi::Array lines = Napi::Array::New(env, program.bf_len);
  std::lock_guard<std::mutex> lock(imageMutex);
  for (unsigned int i = 0; i < program.bf_len; i++) {
    struct bpf_insn insn;
    memcpy(&insn, &program.bf_insns[i], sizeof insn);  // the Buffer may be unaligned
    lines.Set(i, lib.bpf_image(&insn, static_cast<int>(i)));
  }
  return lines;
}

// datalinkValue(name) -> DLT value or -1
Napi::Value DatalinkValue(const Napi::CallbackInfo& info) {
  const Libpcap& lib = requireLibpcap(info.Env());
  return Napi::Number::New(info.Env(), lib.pcap_datalink_name_to_val(info[0].As<Napi::String>().Utf8Value().c_str()));
}

// datalinkName(value) -> name or ""
Napi::Value DatalinkNameOf(const Napi::CallbackInfo& info) {
  const Libpcap& lib = requireLibpcap(info.Env());
  return Napi::String::New(info.Env(), datalinkName(lib, info[0].As<Napi::Number>().Int32Value()));
}

// timestampTypeValue(name) -> value or -1
Napi::Value TimestampTypeValue(const Napi::CallbackInfo& info) {
  const Libpcap& lib = requireLibpcap(info.Env());
  if (!lib.pcap_tstamp_type_name_to_val) return Napi::Number::New(info.Env(), -1);
  return Napi::Number::New(info.Env(),
                           lib.pcap_tstamp_type_name_to_val(info[0].As<Napi::String>().Utf8Value().c_str()));
}

}  // namespace

void initFilter(Napi::Env env, Napi::Object exports) {
  exports.Set("compile", Napi::Function::New(env, Compile, "compile"));
  exports.Set("match", Napi::Function::New(env, Match, "match"));
  exports.Set("image", Napi::Function::New(env, Image, "image"));
  exports.Set("datalinkValue", Napi::Function::New(env, DatalinkValue, "datalinkValue"));
  exports.Set("datalinkName", Napi::Function::New(env, DatalinkNameOf, "datalinkName"));
  exports.Set("timestampTypeValue", Napi::Function::New(env, TimestampTypeValue, "timestampTypeValue"));
}
