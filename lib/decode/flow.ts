/**
 * The fast path for the monitor question (addresses, protocol, ports of
 * every packet), in the spirit of gopacket's DecodingLayerParser: one
 * reused object is filled with numbers; nothing is allocated per packet.
 * It walks Ethernet (802.3 frames stop), stacked VLAN tags, SLL, SLL2,
 * NULL/LOOP and RAW links, IPv4, IPv6 with its extension headers, and the
 * TCP, UDP and SCTP ports. Anything else stops with `stop` set: decode()
 * is the tool for the rest.
 */
import { formatIpv4Int, formatIpv6 } from './format';
import { FlowStop, type Flow } from './types';

const EMPTY = new Uint8Array(0);

export class FlowDecoder implements Flow {
  bytes: Uint8Array = EMPTY;
  linkType = 0;
  etherType = 0;
  vlan = -1;
  ipVersion = 0;
  srcOffset = -1;
  dstOffset = -1;
  src4 = 0;
  dst4 = 0;
  protocol = -1;
  srcPort = -1;
  dstPort = -1;
  tcpFlags = 0;
  ipLength = 0;
  payloadOffset = 0;
  payloadLength = 0;
  stop = 0;

  /** Source address as text ('' without IP). Allocates the string. */
  srcAddress(): string {
    if (this.ipVersion === 4) return formatIpv4Int(this.src4);
    if (this.ipVersion === 6) return formatIpv6(this.bytes, this.srcOffset);
    return '';
  }

  dstAddress(): string {
    if (this.ipVersion === 4) return formatIpv4Int(this.dst4);
    if (this.ipVersion === 6) return formatIpv6(this.bytes, this.dstOffset);
    return '';
  }

  /**
   * Decodes bytes[offset, offset + length) of a link type into this object
   * and returns it. Never throws, never reads outside that range.
   */
  decode(linkType: number, bytes: Uint8Array, offset = 0, length = bytes.length - offset): this {
    const start = offset >= 0 && offset <= bytes.length ? offset | 0 : bytes.length;
    let end = length >= 0 && start + length <= bytes.length ? start + (length | 0) : bytes.length;
    this.bytes = bytes;
    this.linkType = linkType;
    this.etherType = 0;
    this.vlan = -1;
    this.ipVersion = 0;
    this.srcOffset = -1;
    this.dstOffset = -1;
    this.src4 = 0;
    this.dst4 = 0;
    this.protocol = -1;
    this.srcPort = -1;
    this.dstPort = -1;
    this.tcpFlags = 0;
    this.ipLength = 0;
    this.stop = FlowStop.ok;

    let o = start;
    let type: number; // ethertype, or 4/6 for an IP version known from the link
    switch (linkType) {
      case 1: {
        if (o + 14 > end) return this.halt(o, end, FlowStop.truncated);
        type = (bytes[o + 12]! << 8) | bytes[o + 13]!;
        o += 14;
        break;
      }
      case 113: {
        if (o + 16 > end) return this.halt(o, end, FlowStop.truncated);
        type = (bytes[o + 14]! << 8) | bytes[o + 15]!;
        o += 16;
        break;
      }
      case 276: {
        if (o + 20 > end) return this.halt(o, end, FlowStop.truncated);
        type = (bytes[o]! << 8) | bytes[o + 1]!;
        o += 20;
        break;
      }
      case 0:
      case 108: {
        if (o + 4 > end) return this.halt(o, end, FlowStop.truncated);
        const family =
          linkType === 108 || (bytes[o]! === 0 && bytes[o + 1]! === 0)
            ? (bytes[o + 2]! << 8) | bytes[o + 3]!
            : bytes[o]! | (bytes[o + 1]! << 8);
        if (family === 2) type = 4;
        else if (family === 10 || family === 24 || family === 28 || family === 30) type = 6;
        else return this.halt(o, end, FlowStop.unsupported);
        o += 4;
        break;
      }
      case 101:
      case 12:
      case 14:
      case 228:
      case 229: {
        if (o >= end) return this.halt(o, end, FlowStop.truncated);
        type = bytes[o]! >>> 4;
        break;
      }
      default:
        return this.halt(o, end, FlowStop.unsupported);
    }
    // VLAN tags, any depth.
    while (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
      if (o + 4 > end) return this.halt(o, end, FlowStop.truncated);
      if (this.vlan < 0) this.vlan = ((bytes[o]! << 8) | bytes[o + 1]!) & 0xfff;
      type = (bytes[o + 2]! << 8) | bytes[o + 3]!;
      o += 4;
    }
    if (type > 6) this.etherType = type;
    let proto: number;
    if (type === 0x0800 || type === 4) {
      if (o + 20 > end) return this.halt(o, end, FlowStop.truncated);
      const vihl = bytes[o]!;
      const hl = (vihl & 15) << 2;
      if (vihl >>> 4 !== 4) return this.halt(o, end, FlowStop.unsupported);
      if (hl < 20) return this.halt(o, end, FlowStop.badLength);
      if (o + hl > end) return this.halt(o, end, FlowStop.truncated);
      let total = (bytes[o + 2]! << 8) | bytes[o + 3]!;
      if (total === 0) total = end - o;
      else if (total < hl) return this.halt(o, end, FlowStop.badLength);
      if (o + total < end) end = o + total;
      this.ipVersion = 4;
      this.ipLength = total;
      this.srcOffset = o + 12;
      this.dstOffset = o + 16;
      this.src4 = ((bytes[o + 12]! << 24) | (bytes[o + 13]! << 16) | (bytes[o + 14]! << 8) | bytes[o + 15]!) >>> 0;
      this.dst4 = ((bytes[o + 16]! << 24) | (bytes[o + 17]! << 16) | (bytes[o + 18]! << 8) | bytes[o + 19]!) >>> 0;
      proto = bytes[o + 9]!;
      this.protocol = proto;
      // A later fragment has no transport header.
      if ((((bytes[o + 6]! & 0x1f) << 8) | bytes[o + 7]!) !== 0) return this.halt(o + hl, end, FlowStop.ok);
      o += hl;
    } else if (type === 0x86dd || type === 6) {
      if (o + 40 > end) return this.halt(o, end, FlowStop.truncated);
      if (bytes[o]! >>> 4 !== 6) return this.halt(o, end, FlowStop.unsupported);
      const payload = (bytes[o + 4]! << 8) | bytes[o + 5]!;
      proto = bytes[o + 6]!;
      if ((payload !== 0 || proto !== 0) && o + 40 + payload < end) end = o + 40 + payload;
      this.ipVersion = 6;
      this.ipLength = 40 + payload;
      this.srcOffset = o + 8;
      this.dstOffset = o + 24;
      o += 40;
      // Extension headers: hop-by-hop, routing, destination options, fragment, AH.
      for (;;) {
        if (proto === 0 || proto === 43 || proto === 60) {
          if (o + 8 > end) return this.halt(o, end, FlowStop.truncated);
          const len = (bytes[o + 1]! + 1) << 3;
          if (o + len > end) return this.halt(o, end, FlowStop.truncated);
          proto = bytes[o]!;
          o += len;
        } else if (proto === 44) {
          if (o + 8 > end) return this.halt(o, end, FlowStop.truncated);
          const fragmentOffset = ((bytes[o + 2]! << 8) | bytes[o + 3]!) >>> 3;
          proto = bytes[o]!;
          o += 8;
          if (fragmentOffset !== 0) {
            this.protocol = proto;
            return this.halt(o, end, FlowStop.ok);
          }
        } else if (proto === 51) {
          if (o + 12 > end) return this.halt(o, end, FlowStop.truncated);
          const len = (bytes[o + 1]! + 2) << 2;
          if (o + len > end) return this.halt(o, end, FlowStop.truncated);
          proto = bytes[o]!;
          o += len;
        } else break;
      }
      this.protocol = proto;
    } else {
      return this.halt(o, end, FlowStop.unsupported);
    }
    if (proto === 6) {
      if (o + 20 > end) return this.halt(o, end, FlowStop.truncated);
      const hl = (bytes[o + 12]! >>> 4) << 2;
      if (hl < 20) return this.halt(o, end, FlowStop.badLength);
      if (o + hl > end) return this.halt(o, end, FlowStop.truncated);
      this.srcPort = (bytes[o]! << 8) | bytes[o + 1]!;
      this.dstPort = (bytes[o + 2]! << 8) | bytes[o + 3]!;
      this.tcpFlags = ((bytes[o + 12]! & 0x0f) << 8) | bytes[o + 13]!;
      return this.halt(o + hl, end, FlowStop.ok);
    }
    if (proto === 17) {
      if (o + 8 > end) return this.halt(o, end, FlowStop.truncated);
      this.srcPort = (bytes[o]! << 8) | bytes[o + 1]!;
      this.dstPort = (bytes[o + 2]! << 8) | bytes[o + 3]!;
      const len = (bytes[o + 4]! << 8) | bytes[o + 5]!;
      if (len >= 8 && o + len < end) end = o + len;
      return this.halt(o + 8, end, FlowStop.ok);
    }
    if (proto === 132) {
      if (o + 12 > end) return this.halt(o, end, FlowStop.truncated);
      this.srcPort = (bytes[o]! << 8) | bytes[o + 1]!;
      this.dstPort = (bytes[o + 2]! << 8) | bytes[o + 3]!;
      return this.halt(o + 12, end, FlowStop.ok);
    }
    return this.halt(o, end, FlowStop.ok);
  }

  private halt(at: number, end: number, stop: number): this {
    this.payloadOffset = at;
    this.payloadLength = end > at ? end - at : 0;
    this.stop = stop;
    return this;
  }
}
