// Run-time loading of libpcap. Every libpcap function the addon calls is
// resolved once, into one table, the first time something needs libpcap.
#pragma once

#include <string>

#include "pcap_abi.h"

// X(name, return type, parameter list). REQUIRED functions exist in every
// libpcap >= 1.0 and in Npcap; OPTIONAL ones may be missing from older
// libraries and are checked for null before use.
#define EWPCAP_REQUIRED_FUNCTIONS(X)                                                                        \
  X(pcap_lib_version, const char*, (void))                                                                  \
  X(pcap_findalldevs, int, (pcap_if_t**, char*))                                                            \
  X(pcap_freealldevs, void, (pcap_if_t*))                                                                   \
  X(pcap_lookupnet, int, (const char*, bpf_u_int32*, bpf_u_int32*, char*))                                  \
  X(pcap_create, pcap_t*, (const char*, char*))                                                             \
  X(pcap_set_snaplen, int, (pcap_t*, int))                                                                  \
  X(pcap_set_promisc, int, (pcap_t*, int))                                                                  \
  X(pcap_set_timeout, int, (pcap_t*, int))                                                                  \
  X(pcap_set_buffer_size, int, (pcap_t*, int))                                                              \
  X(pcap_activate, int, (pcap_t*))                                                                          \
  X(pcap_close, void, (pcap_t*))                                                                            \
  X(pcap_geterr, char*, (pcap_t*))                                                                          \
  X(pcap_statustostr, const char*, (int))                                                                   \
  X(pcap_datalink, int, (pcap_t*))                                                                          \
  X(pcap_datalink_val_to_name, const char*, (int))                                                          \
  X(pcap_datalink_val_to_description, const char*, (int))                                                   \
  X(pcap_list_datalinks, int, (pcap_t*, int**))                                                             \
  X(pcap_set_datalink, int, (pcap_t*, int))                                                                 \
  X(pcap_compile, int, (pcap_t*, struct bpf_program*, const char*, int, bpf_u_int32))                       \
  X(pcap_setfilter, int, (pcap_t*, struct bpf_program*))                                                    \
  X(pcap_freecode, void, (struct bpf_program*))                                                             \
  X(pcap_sendpacket, int, (pcap_t*, const unsigned char*, int))                                             \
  X(pcap_stats, int, (pcap_t*, struct pcap_stat*))                                                          \
  X(pcap_setnonblock, int, (pcap_t*, int, char*))                                                           \
  X(pcap_dispatch, int, (pcap_t*, int, pcap_handler, unsigned char*))                                       \
  X(pcap_snapshot, int, (pcap_t*))                                                                          \
  X(pcap_open_dead, pcap_t*, (int, int))                                                                    \
  X(pcap_open_offline, pcap_t*, (const char*, char*))                                                       \
  X(pcap_offline_filter, int, (const struct bpf_program*, const struct pcap_pkthdr*, const unsigned char*)) \
  X(pcap_dump_open, pcap_dumper_t*, (pcap_t*, const char*))                                                 \
  X(pcap_dump, void, (unsigned char*, const struct pcap_pkthdr*, const unsigned char*))                     \
  X(pcap_dump_flush, int, (pcap_dumper_t*))                                                                 \
  X(pcap_dump_close, void, (pcap_dumper_t*))                                                                \
  X(pcap_datalink_name_to_val, int, (const char*))                                                          \
  X(pcap_free_datalinks, void, (int*))                                                                      \
  X(bpf_image, char*, (const struct bpf_insn*, int))

#ifdef _WIN32
#define EWPCAP_PLATFORM_FUNCTIONS(X) \
  X(pcap_getevent, void*, (pcap_t*)) \
  X(pcap_setmintocopy, int, (pcap_t*, int))
#else
#define EWPCAP_PLATFORM_FUNCTIONS(X)        \
  X(pcap_get_selectable_fd, int, (pcap_t*)) \
  X(pcap_fopen_offline, pcap_t*, (FILE*, char*))
#endif

#define EWPCAP_OPTIONAL_FUNCTIONS(X)                                                      \
  X(pcap_init, int, (unsigned int, char*))                                                \
  X(pcap_set_immediate_mode, int, (pcap_t*, int))                                         \
  X(pcap_set_rfmon, int, (pcap_t*, int))                                                  \
  X(pcap_setdirection, int, (pcap_t*, int))                                               \
  X(pcap_set_tstamp_precision, int, (pcap_t*, int))                                       \
  X(pcap_get_tstamp_precision, int, (pcap_t*))                                            \
  X(pcap_set_tstamp_type, int, (pcap_t*, int))                                            \
  X(pcap_list_tstamp_types, int, (pcap_t*, int**))                                        \
  X(pcap_free_tstamp_types, void, (int*))                                                 \
  X(pcap_tstamp_type_val_to_name, const char*, (int))                                     \
  X(pcap_tstamp_type_val_to_description, const char*, (int))                              \
  X(pcap_tstamp_type_name_to_val, int, (const char*))                                     \
  X(pcap_open_dead_with_tstamp_precision, pcap_t*, (int, int, unsigned int))              \
  X(pcap_open_offline_with_tstamp_precision, pcap_t*, (const char*, unsigned int, char*)) \
  X(pcap_fopen_offline_with_tstamp_precision, pcap_t*, (FILE*, unsigned int, char*))      \
  X(pcap_dump_open_append, pcap_dumper_t*, (pcap_t*, const char*))

struct Libpcap {
#define EWPCAP_DECLARE(name, ret, params) ret(*name) params = nullptr;
  EWPCAP_REQUIRED_FUNCTIONS(EWPCAP_DECLARE)
  EWPCAP_PLATFORM_FUNCTIONS(EWPCAP_DECLARE)
  EWPCAP_OPTIONAL_FUNCTIONS(EWPCAP_DECLARE)
#undef EWPCAP_DECLARE
  std::string path;  // the file that was loaded
};

// Loads libpcap once per process (thread-safe). Returns the table, or null
// with *error set to a message that says what to install.
const Libpcap* loadLibpcap(std::string* error);
