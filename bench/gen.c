/*
 * ewpcap bench traffic generator: 60-byte Ethernet frames sent with
 * sendmmsg(2) on an AF_PACKET socket (PACKET_QDISC_BYPASS), either as fast
 * as it goes or paced to a rate. Compiled by bench/common.js into
 * bench/.build/gen at run time; only ever used inside the benchmark's
 * private network namespace.
 *
 *   gen -i IFACE -d DSTMAC [-n COUNT] [-r PPS] [-b BURST] [-T]
 *
 *   -n  frames to send (default 2,000,000; 0 = until SIGTERM/SIGINT)
 *   -r  frames per second (default 0 = top speed)
 *   -b  frames per sendmmsg call (default 256 at top speed, else derived
 *       from the rate so that bursts stay <= 100 us apart)
 *   -T  put CLOCK_MONOTONIC nanoseconds (the clock of Node's
 *       process.hrtime) into each frame just before it is sent
 *
 * Frame: dst, src, ethertype 0x88B5 (IEEE 802 local experimental: no
 * protocol handler takes it, so the stack drops it right after the taps),
 * then "EWPB", u32 reserved, u64 sequence, u64 monotonic ns (with -T), zero
 * padding to 60 bytes.
 *
 * Prints one JSON line on stdout at the end:
 *   {"sent":N,"seconds":S,"pps":R,"enobufs":E,"calls":C}
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME 60
#define MAXBURST 1024
#ifndef PACKET_QDISC_BYPASS
#define PACKET_QDISC_BYPASS 20
#endif

static volatile sig_atomic_t stop;
static void on_signal(int s) { (void)s; stop = 1; }

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int parse_mac(const char* s, unsigned char* mac) {
  unsigned v[6];
  if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6) return -1;
  for (int i = 0; i < 6; i++) mac[i] = (unsigned char)v[i];
  return 0;
}

int main(int argc, char** argv) {
  const char* ifname = NULL;
  unsigned char dst[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  unsigned char src[6] = {0x02, 0, 0, 0, 0, 1};
  uint64_t count = 2000000, rate = 0;
  int burst = 0, stamp = 0, opt;
  while ((opt = getopt(argc, argv, "i:d:s:n:r:b:T")) != -1) {
    switch (opt) {
      case 'i': ifname = optarg; break;
      case 'd': if (parse_mac(optarg, dst)) { fprintf(stderr, "bad -d\n"); return 2; } break;
      case 's': if (parse_mac(optarg, src)) { fprintf(stderr, "bad -s\n"); return 2; } break;
      case 'n': count = strtoull(optarg, NULL, 10); break;
      case 'r': rate = strtoull(optarg, NULL, 10); break;
      case 'b': burst = atoi(optarg); break;
      case 'T': stamp = 1; break;
      default:
        fprintf(stderr, "usage: gen -i IFACE -d DSTMAC [-s SRCMAC] [-n COUNT] [-r PPS] [-b BURST] [-T]\n");
        return 2;
    }
  }
  if (!ifname) { fprintf(stderr, "gen: -i IFACE is required\n"); return 2; }
  if (burst <= 0) {
    if (rate == 0) burst = 256;
    else {
      burst = (int)(rate / 10000);  // ~10,000 bursts a second at most
      if (burst < 1) burst = 1;
    }
  }
  if (burst > MAXBURST) burst = MAXBURST;
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  // Precise sleeps for pacing (the default timer slack is 50 us).
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

  int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
  if (fd < 0) { perror("gen: socket"); return 1; }
  int one = 1;
  if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one) != 0) perror("gen: PACKET_QDISC_BYPASS (ignored)");
  int sndbuf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = (int)if_nametoindex(ifname);
  if (sll.sll_ifindex == 0) { perror("gen: if_nametoindex"); return 1; }
  sll.sll_halen = 6;
  memcpy(sll.sll_addr, dst, 6);
  // Bind with protocol 0 so the socket never receives anything itself.
  struct sockaddr_ll bnd = sll;
  bnd.sll_protocol = 0;
  if (bind(fd, (struct sockaddr*)&bnd, sizeof bnd) != 0) { perror("gen: bind"); return 1; }

  static unsigned char frames[MAXBURST][FRAME];
  static struct iovec iov[MAXBURST];
  static struct mmsghdr msgs[MAXBURST];
  for (int i = 0; i < MAXBURST; i++) {
    unsigned char* f = frames[i];
    memset(f, 0, FRAME);
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = 0x88;
    f[13] = 0xb5;
    memcpy(f + 14, "EWPB", 4);
    iov[i].iov_base = f;
    iov[i].iov_len = FRAME;
    memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }

  uint64_t sent = 0, enobufs = 0, calls = 0;
  const uint64_t start = now_ns();
  uint64_t next = start;
  const double interval = rate ? 1e9 / (double)rate : 0;  // ns per frame
  while (!stop && (count == 0 || sent < count)) {
    int n = burst;
    if (count && count - sent < (uint64_t)n) n = (int)(count - sent);
    if (rate) {
      // Pace: sleep while ahead, spin only the last ~20 us.
      next = start + (uint64_t)((double)sent * interval);
      for (;;) {
        uint64_t t = now_ns();
        if (t >= next) break;
        if (next - t > 30000) {
          uint64_t d = next - t - 20000;
          struct timespec ts = {(time_t)(d / 1000000000ull), (long)(d % 1000000000ull)};
          nanosleep(&ts, NULL);
        }
      }
    }
    uint64_t t = stamp ? now_ns() : 0;
    for (int i = 0; i < n; i++) {
      uint64_t seq = sent + (uint64_t)i;
      memcpy(frames[i] + 22, &seq, 8);
      if (stamp) memcpy(frames[i] + 30, &t, 8);
    }
    int r = sendmmsg(fd, msgs, (unsigned)n, 0);
    calls++;
    if (r < 0) {
      if (errno == ENOBUFS || errno == EAGAIN) { enobufs++; continue; }
      if (errno == EINTR) continue;
      perror("gen: sendmmsg");
      return 1;
    }
    sent += (uint64_t)r;
  }
  double seconds = (double)(now_ns() - start) / 1e9;
  printf("{\"sent\":%llu,\"seconds\":%.6f,\"pps\":%.0f,\"enobufs\":%llu,\"calls\":%llu,\"burst\":%d}\n",
         (unsigned long long)sent, seconds, seconds > 0 ? (double)sent / seconds : 0.0,
         (unsigned long long)enobufs, (unsigned long long)calls, burst);
  close(fd);
  return 0;
}
