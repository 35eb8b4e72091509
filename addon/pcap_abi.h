// The parts of libpcap's public ABI this addon uses, declared here so the
// addon builds without libpcap's headers and never links against libpcap:
// the library is loaded at run time (loader.cc). Layouts follow pcap/pcap.h,
// which has kept them stable since libpcap 1.0.
#pragma once

#include <cstdint>
#include <cstdio>

#ifdef _WIN32
#include <winsock2.h>  // struct timeval, struct sockaddr
// <windows.h> (through winsock2.h) brings wingdi.h's `#define ERROR 0`,
// which would break pcapabi::ERROR below; the addon uses no GDI.
#ifdef ERROR
#undef ERROR
#endif
#else
#include <sys/socket.h>
#include <sys/time.h>
#endif

extern "C" {

typedef struct pcap pcap_t;
typedef struct pcap_dumper pcap_dumper_t;
typedef uint32_t bpf_u_int32;

struct bpf_insn {
  uint16_t code;
  uint8_t jt;
  uint8_t jf;
  bpf_u_int32 k;
};

struct bpf_program {
  unsigned int bf_len;
  struct bpf_insn* bf_insns;
};

struct pcap_pkthdr {
  struct timeval ts;
  bpf_u_int32 caplen;
  bpf_u_int32 len;
};

struct pcap_stat {
  unsigned int ps_recv;
  unsigned int ps_drop;
  unsigned int ps_ifdrop;
#ifdef _WIN32
  unsigned int ps_capt;
  unsigned int ps_sent;
  unsigned int ps_netdrop;
#endif
};

struct pcap_addr {
  struct pcap_addr* next;
  struct sockaddr* addr;
  struct sockaddr* netmask;
  struct sockaddr* broadaddr;
  struct sockaddr* dstaddr;
};

struct pcap_if {
  struct pcap_if* next;
  char* name;
  char* description;
  struct pcap_addr* addresses;
  bpf_u_int32 flags;
};

typedef struct pcap_if pcap_if_t;
typedef void (*pcap_handler)(unsigned char*, const struct pcap_pkthdr*, const unsigned char*);

}  // extern "C"

namespace pcapabi {
constexpr int ERRBUF_SIZE = 256;
constexpr int ERROR = -1;
constexpr int ERROR_BREAK = -2;
constexpr int ERROR_NO_SUCH_DEVICE = -5;
constexpr int ERROR_RFMON_NOTSUP = -6;
constexpr int ERROR_PERM_DENIED = -8;
constexpr int ERROR_IFACE_NOT_UP = -9;
constexpr int ERROR_CANTSET_TSTAMP_TYPE = -10;
constexpr int ERROR_PROMISC_PERM_DENIED = -11;
constexpr int ERROR_TSTAMP_PRECISION_NOTSUP = -12;
constexpr int TSTAMP_PRECISION_MICRO = 0;
constexpr int TSTAMP_PRECISION_NANO = 1;
constexpr bpf_u_int32 NETMASK_UNKNOWN = 0xffffffff;
constexpr unsigned int CHAR_ENC_UTF_8 = 1;
constexpr int D_INOUT = 0;
constexpr int D_IN = 1;
constexpr int D_OUT = 2;
}  // namespace pcapabi
