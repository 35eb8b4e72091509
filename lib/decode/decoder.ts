/**
 * The decode loop: each layer decoder reads at `p.payloadOffset`, pushes its
 * layer, and returns the id of the next one; this loop dispatches on it.
 */
import { decodeArp } from './arp';
import { decodeDns, decodeDnsTcp } from './dns';
import { decodeIcmp } from './icmp';
import { decodeIcmpv6 } from './icmpv6';
import { decodeIeee80211 } from './ieee80211';
import { decodeRadiotap } from './radiotap';
import { decodeSctp } from './sctp';
import { decodeSll, decodeSll2 } from './sll';
import { decodeGre, decodeVxlan } from './tunnel';
import { decodeEthernet, decodeLlc, decodeVlan } from './ethernet';
import { decodeIpv4 } from './ipv4';
import { decodeAh, decodeIpv6, decodeIpv6Extension, decodeIpv6Fragment } from './ipv6';
import { decodeNull, decodeRaw } from './link';
import { Packet } from './packet';
import * as P from './protocols';
import { decodeTcp } from './tcp';
import type { DecodedPacket } from './types';
import { MAX_LAYERS } from './types';
import { decodeUdp } from './udp';

function step(p: Packet, next: number): number {
  switch (next) {
    case P.ETHERNET:
      return decodeEthernet(p);
    case P.VLAN:
      return decodeVlan(p);
    case P.LLC:
      return decodeLlc(p);
    case P.IPV4:
      return decodeIpv4(p);
    case P.IPV6:
      return decodeIpv6(p);
    case P.TCP:
      return decodeTcp(p);
    case P.UDP:
      return decodeUdp(p);
    case P.IPV6_HOP_BY_HOP:
      return decodeIpv6Extension(p, 'ipv6-hop-by-hop');
    case P.IPV6_DESTINATION:
      return decodeIpv6Extension(p, 'ipv6-destination');
    case P.IPV6_ROUTING:
      return decodeIpv6Extension(p, 'ipv6-routing');
    case P.IPV6_FRAGMENT:
      return decodeIpv6Fragment(p);
    case P.AH:
      return decodeAh(p);
    case P.NULL:
      return decodeNull(p, false);
    case P.LOOP:
      return decodeNull(p, true);
    case P.RAW:
      return decodeRaw(p);
    case P.ARP:
      return decodeArp(p);
    case P.ICMP:
      return decodeIcmp(p);
    case P.ICMPV6:
      return decodeIcmpv6(p);
    case P.SCTP:
      return decodeSctp(p);
    case P.GRE:
      return decodeGre(p);
    case P.VXLAN:
      return decodeVxlan(p);
    case P.DNS:
      return decodeDns(p);
    case P.DNS_TCP:
      return decodeDnsTcp(p);
    case P.SLL:
      return decodeSll(p);
    case P.SLL2:
      return decodeSll2(p);
    case P.RADIOTAP:
      return decodeRadiotap(p);
    case P.IEEE80211:
      return decodeIeee80211(p);
  }
  return P.END;
}

/**
 * Decodes one packet of a link type from bytes[offset, offset + length)
 * (the whole of `bytes` by default). Never throws; see types.ts.
 */
export function decode(linkType: number, bytes: Uint8Array, offset = 0, length = bytes.length - offset): DecodedPacket {
  const start = offset >= 0 && offset <= bytes.length ? offset | 0 : bytes.length;
  const end = length >= 0 && start + length <= bytes.length ? start + (length | 0) : bytes.length;
  const p = new Packet(linkType, bytes, start, end);
  let next = P.fromLinkType(p, linkType);
  while (next !== P.END) {
    if (p.layers.length >= MAX_LAYERS) {
      p.fail('link', 'loop', p.payloadOffset, `more than ${MAX_LAYERS} layers`);
      break;
    }
    next = step(p, next);
  }
  return p;
}
