/**
 * The protocol ids the decoders hand each other (a decoder returns the id of
 * the next layer, the loop in decoder.ts dispatches on it), and the tables
 * from wire numbers (link types, ethertypes, IP protocols, ports) to them.
 */
import type { Packet } from './packet';
import type { LayerKind } from './types';

export const END = 0;
export const ETHERNET = 1;
export const VLAN = 2;
export const LLC = 3;
export const SLL = 4;
export const SLL2 = 5;
export const NULL = 6;
export const LOOP = 7;
export const RADIOTAP = 8;
export const IEEE80211 = 9;
export const RAW = 10;
export const ARP = 11;
export const IPV4 = 12;
export const IPV6 = 13;
export const IPV6_HOP_BY_HOP = 14;
export const IPV6_ROUTING = 15;
export const IPV6_FRAGMENT = 16;
export const IPV6_DESTINATION = 17;
export const AH = 18;
export const ICMP = 19;
export const ICMPV6 = 20;
export const TCP = 21;
export const UDP = 22;
export const SCTP = 23;
export const GRE = 24;
export const VXLAN = 25;
export const DNS = 26;
export const DNS_TCP = 27;
/** An IPv6 "no next header" (59): the payload, if any, is opaque. */
export const IPV6_NONE = 28;

/** LINKTYPE_ values (https://www.tcpdump.org/linktypes.html) and their DLT_ aliases. */
export const LinkType = {
  /** BSD loopback: a 4-byte address family in host byte order, then the packet. */
  NULL: 0,
  /** Ethernet. */
  EN10MB: 1,
  /** Raw IP, version in the first nibble (LINKTYPE_RAW). */
  RAW: 101,
  /** DLT_RAW on OpenBSD. */
  RAW_OPENBSD: 14,
  /** DLT_RAW on other BSDs. */
  RAW_BSD: 12,
  /** OpenBSD loopback: as NULL, with the address family in network byte order. */
  LOOP: 108,
  /** Linux "cooked" capture, version 1 (the `any` device). */
  LINUX_SLL: 113,
  /** IEEE 802.11 frames without a radio header. */
  IEEE802_11: 105,
  /** IEEE 802.11 frames after a radiotap header. */
  IEEE802_11_RADIO: 127,
  /** Raw IPv4. */
  IPV4: 228,
  /** Raw IPv6. */
  IPV6: 229,
  /** Linux "cooked" capture, version 2 (with the interface index). */
  LINUX_SLL2: 276,
} as const;

export function fromLinkType(p: Packet, linkType: number): number {
  switch (linkType) {
    case 1:
      return ETHERNET;
    case 0:
      return NULL;
    case 108:
      return LOOP;
    case 113:
      return SLL;
    case 276:
      return SLL2;
    case 101:
    case 12:
    case 14:
      return RAW;
    case 228:
      return IPV4;
    case 229:
      return IPV6;
    case 127:
      return RADIOTAP;
    case 105:
      return IEEE80211;
  }
  return p.fail('link', 'unknown-type', p.start, `link type ${linkType} is not decoded`, linkType);
}

/** The layer for an ethertype, or END with an 'unknown-type' error naming `layer`. */
export function fromEtherType(p: Packet, type: number, layer: LayerKind, at: number): number {
  p.etherType = type;
  switch (type) {
    case 0x0800:
      return IPV4;
    case 0x86dd:
      return IPV6;
    case 0x8100:
    case 0x88a8:
    case 0x9100:
      return VLAN;
    case 0x0806:
      return ARP;
    case 0x6558:
      return ETHERNET;
  }
  return p.unknownType(layer, at, 'ethertype', type);
}

/** The layer for an IP protocol / IPv6 next header value. */
export function fromIpProtocol(p: Packet, protocol: number, layer: LayerKind, at: number): number {
  switch (protocol) {
    case 6:
      return TCP;
    case 17:
      return UDP;
    case 1:
      return ICMP;
    case 58:
      return ICMPV6;
    case 4:
      return IPV4;
    case 41:
      return IPV6;
    case 0:
      return IPV6_HOP_BY_HOP;
    case 43:
      return IPV6_ROUTING;
    case 44:
      return IPV6_FRAGMENT;
    case 60:
      return IPV6_DESTINATION;
    case 51:
      return AH;
    case 132:
      return SCTP;
    case 47:
      return GRE;
    case 59:
      return IPV6_NONE;
  }
  return p.unknownType(layer, at, 'IP protocol', protocol);
}

/** UDP ports decoded past the UDP header (either port matches). */
export function fromUdpPorts(src: number, dst: number): number {
  if (src === 53 || dst === 53 || src === 5353 || dst === 5353) return DNS;
  if (dst === 4789 || src === 4789) return VXLAN;
  return END;
}

export function fromTcpPorts(src: number, dst: number): number {
  return src === 53 || dst === 53 ? DNS_TCP : END;
}
