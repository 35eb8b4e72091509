// Device listing: pcap_findalldevs off the main thread (it can take seconds
// on Windows), converted to plain values; lib/devices.ts formats addresses.
#include "devices.h"

#include <cstring>
#include <vector>

#include "errors.h"

#ifdef _WIN32
#include <ws2tcpip.h>
#else
#include <netinet/in.h>
#if defined(__linux__)
#include <netpacket/packet.h>
#elif defined(__APPLE__) || defined(__FreeBSD__)
#include <net/if_dl.h>
#endif
#endif

namespace {

struct SocketAddress {
  bool present = false;
  const char* family = "";
  std::vector<uint8_t> bytes;
  uint32_t scopeId = 0;
};

struct AddressEntry {
  SocketAddress addr, netmask, broadaddr, dstaddr;
};

struct DeviceEntry {
  std::string name;
  std::string description;
  uint32_t flags = 0;
  std::vector<AddressEntry> addresses;
};

SocketAddress convert(const struct sockaddr* sa) {
  SocketAddress out;
  if (!sa) return out;
  if (sa->sa_family == AF_INET) {
    auto in = reinterpret_cast<const struct sockaddr_in*>(sa);
    const uint8_t* b = reinterpret_cast<const uint8_t*>(&in->sin_addr);
    out.present = true;
    out.family = "inet";
    out.bytes.assign(b, b + 4);
  } else if (sa->sa_family == AF_INET6) {
    auto in6 = reinterpret_cast<const struct sockaddr_in6*>(sa);
    const uint8_t* b = reinterpret_cast<const uint8_t*>(&in6->sin6_addr);
    out.present = true;
    out.family = "inet6";
    out.bytes.assign(b, b + 16);
    out.scopeId = in6->sin6_scope_id;
#if defined(__linux__)
  } else if (sa->sa_family == AF_PACKET) {
    auto ll = reinterpret_cast<const struct sockaddr_ll*>(sa);
    out.present = true;
    out.family = "link";
    out.bytes.assign(ll->sll_addr, ll->sll_addr + (ll->sll_halen <= 8 ? ll->sll_halen : 8));
#elif defined(__APPLE__) || defined(__FreeBSD__)
  } else if (sa->sa_family == AF_LINK) {
    auto dl = reinterpret_cast<const struct sockaddr_dl*>(sa);
    const uint8_t* b = reinterpret_cast<const uint8_t*>(LLADDR(dl));
    out.present = true;
    out.family = "link";
    out.bytes.assign(b, b + dl->sdl_alen);
#endif
  }
  return out;
}

Napi::Value toJs(Napi::Env env, const SocketAddress& a) {
  if (!a.present) return env.Undefined();
  Napi::Object o = Napi::Object::New(env);
  o.Set("family", a.family);
  Napi::Buffer<uint8_t> bytes = Napi::Buffer<uint8_t>::Copy(env, a.bytes.data(), a.bytes.size());
  o.Set("bytes", bytes);
  if (a.scopeId) o.Set("scopeId", a.scopeId);
  return o;
}

class FindAllDevicesWorker : public Napi::AsyncWorker {
 public:
  FindAllDevicesWorker(Napi::Env env, const Libpcap& lib)
      : Napi::AsyncWorker(env), lib_(lib), deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    char errbuf[pcapabi::ERRBUF_SIZE] = {0};
    pcap_if_t* all = nullptr;
    if (lib_.pcap_findalldevs(&all, errbuf) != 0) {
      error_ = errbuf;
      return;
    }
    for (pcap_if_t* d = all; d; d = d->next) {
      DeviceEntry entry;
      entry.name = d->name ? d->name : "";
      entry.description = d->description ? d->description : "";
      entry.flags = d->flags;
      for (struct pcap_addr* a = d->addresses; a; a = a->next) {
        AddressEntry address;
        address.addr = convert(a->addr);
        if (!address.addr.present) continue;  // families we do not describe
        address.netmask = convert(a->netmask);
        address.broadaddr = convert(a->broadaddr);
        address.dstaddr = convert(a->dstaddr);
        entry.addresses.push_back(std::move(address));
      }
      devices_.push_back(std::move(entry));
    }
    lib_.pcap_freealldevs(all);  // ewpcap never frees this list
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (!error_.empty()) {
      deferred_.Reject(makeError(env, NativeError{"EPCAP", error_}).Value());
      return;
    }
    Napi::Array list = Napi::Array::New(env, devices_.size());
    for (size_t i = 0; i < devices_.size(); i++) {
      const DeviceEntry& d = devices_[i];
      Napi::Object o = Napi::Object::New(env);
      o.Set("name", d.name);
      o.Set("description", d.description);
      o.Set("flags", d.flags);
      Napi::Array addresses = Napi::Array::New(env, d.addresses.size());
      for (size_t j = 0; j < d.addresses.size(); j++) {
        const AddressEntry& a = d.addresses[j];
        Napi::Object ao = Napi::Object::New(env);
        ao.Set("addr", toJs(env, a.addr));
        ao.Set("netmask", toJs(env, a.netmask));
        ao.Set("broadaddr", toJs(env, a.broadaddr));
        ao.Set("dstaddr", toJs(env, a.dstaddr));
        addresses.Set(j, ao);
      }
      o.Set("addresses", addresses);
      list.Set(i, o);
    }
    deferred_.Resolve(list);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  const Libpcap& lib_;
  Napi::Promise::Deferred deferred_;
  std::vector<DeviceEntry> devices_;
  std::string error_;
};

// findAllDevices() -> Promise<device[]>; rejects with ELIBPCAP when libpcap
// cannot be loaded.
Napi::Value FindAllDevices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Value rejected;
  const Libpcap* lib = libpcapOrRejected(env, &rejected);
  if (!lib) return rejected;
  auto* worker = new FindAllDevicesWorker(env, *lib);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// libVersion() -> string; throws ELIBPCAP.
Napi::Value LibVersion(const Napi::CallbackInfo& info) {
  const Libpcap& lib = requireLibpcap(info.Env());
  return Napi::String::New(info.Env(), lib.pcap_lib_version());
}

Napi::Value LibPath(const Napi::CallbackInfo& info) {
  const Libpcap& lib = requireLibpcap(info.Env());
  return Napi::String::New(info.Env(), lib.path);
}

}  // namespace

void initDevices(Napi::Env env, Napi::Object exports) {
  exports.Set("findAllDevices", Napi::Function::New(env, FindAllDevices, "findAllDevices"));
  exports.Set("libVersion", Napi::Function::New(env, LibVersion, "libVersion"));
  exports.Set("libPath", Napi::Function::New(env, LibPath, "libPath"));
}
