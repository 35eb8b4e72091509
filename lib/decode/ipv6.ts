/** IPv6 and its extension headers (hop-by-hop, routing, fragment, destination options, AH). */
import { formatIpv6, u16, u32 } from './format';
import type { Packet } from './packet';
import { END, fromIpProtocol } from './protocols';
import type { AhLayer, Ipv6FragmentLayer, Ipv6Layer, Ipv6OptionsLayer, Ipv6RoutingLayer } from './types';

export class Ipv6 implements Ipv6Layer {
  readonly kind = 'ipv6' as const;
  readonly length = 40;
  constructor(
    /** @internal */ readonly bytes: Uint8Array,
    readonly offset: number,
  ) {}

  get version(): number {
    return this.bytes[this.offset]! >>> 4;
  }
  get trafficClass(): number {
    return (u16(this.bytes, this.offset) >>> 4) & 0xff;
  }
  get flowLabel(): number {
    return u32(this.bytes, this.offset) & 0xfffff;
  }
  get payloadLength(): number {
    return u16(this.bytes, this.offset + 4);
  }
  get nextHeader(): number {
    return this.bytes[this.offset + 6]!;
  }
  get hopLimit(): number {
    return this.bytes[this.offset + 7]!;
  }
  get src(): string {
    return formatIpv6(this.bytes, this.offset + 8);
  }
  get dst(): string {
    return formatIpv6(this.bytes, this.offset + 24);
  }
}

export function decodeIpv6(p: Packet): number {
  const b = p.bytes;
  const o = p.payloadOffset;
  if (o + 40 > p.payloadEnd) return p.truncated('ipv6', o, 40);
  if (b[o]! >>> 4 !== 6) return p.fail('ipv6', 'bad-value', o, `version ${b[o]! >>> 4}, not 6`);
  const payloadLength = u16(b, o + 4);
  const next = b[o + 6]!;
  p.layers.push(new Ipv6(b, o));
  p.payloadOffset = o + 40;
  // Payload length 0 with a hop-by-hop header is a jumbogram (or TSO): the packet runs to the end.
  if (payloadLength !== 0 || next !== 0) {
    p.ipDeclaredEnd = o + 40 + payloadLength;
    if (o + 40 + payloadLength < p.payloadEnd) p.payloadEnd = o + 40 + payloadLength;
  } else p.ipDeclaredEnd = p.payloadEnd;
  p.ipAddrOffset = o + 8;
  p.ipDstOffset = o + 24;
  p.ipAddrLength = 16;
  return fromIpProtocol(p, next, 'ipv6', o + 40);
}

export class Ipv6Options implements Ipv6OptionsLayer {
  constructor(
    /** @internal */ readonly bytes: Uint8Array,
    readonly kind: 'ipv6-hop-by-hop' | 'ipv6-destination',
    readonly offset: number,
    readonly length: number,
  ) {}
  get nextHeader(): number {
    return this.bytes[this.offset]!;
  }
  get options(): Uint8Array {
    return this.bytes.subarray(this.offset + 2, this.offset + this.length);
  }
}

export class Ipv6Routing implements Ipv6RoutingLayer {
  readonly kind = 'ipv6-routing' as const;
  constructor(
    /** @internal */ readonly bytes: Uint8Array,
    readonly offset: number,
    readonly length: number,
  ) {}
  get nextHeader(): number {
    return this.bytes[this.offset]!;
  }
  get routingType(): number {
    return this.bytes[this.offset + 2]!;
  }
  get segmentsLeft(): number {
    return this.bytes[this.offset + 3]!;
  }
  get addresses(): readonly string[] {
    const t = this.routingType;
    const list: string[] = [];
    if (t !== 0 && t !== 4) return list;
    for (let a = this.offset + 8; a + 16 <= this.offset + this.length; a += 16) list.push(formatIpv6(this.bytes, a));
    return list;
  }
}

export class Ipv6Fragment implements Ipv6FragmentLayer {
  readonly kind = 'ipv6-fragment' as const;
  readonly length = 8;
  constructor(
    /** @internal */ readonly bytes: Uint8Array,
    readonly offset: number,
  ) {}
  get nextHeader(): number {
    return this.bytes[this.offset]!;
  }
  get fragmentOffset(): number {
    return u16(this.bytes, this.offset + 2) >>> 3;
  }
  get moreFragments(): boolean {
    return (this.bytes[this.offset + 3]! & 1) !== 0;
  }
  get identification(): number {
    return u32(this.bytes, this.offset + 4);
  }
}

export class Ah implements AhLayer {
  readonly kind = 'ah' as const;
  constructor(
    /** @internal */ readonly bytes: Uint8Array,
    readonly offset: number,
    readonly length: number,
  ) {}
  get nextHeader(): number {
    return this.bytes[this.offset]!;
  }
  get spi(): number {
    return u32(this.bytes, this.offset + 4);
  }
  get sequence(): number {
    return u32(this.bytes, this.offset + 8);
  }
  get icv(): Uint8Array {
    return this.bytes.subarray(this.offset + 12, this.offset + this.length);
  }
}

/** Hop-by-hop, routing and destination options: (length + 1) × 8 bytes. */
export function decodeIpv6Extension(p: Packet, kind: 'ipv6-hop-by-hop' | 'ipv6-destination' | 'ipv6-routing'): number {
  const b = p.bytes;
  const o = p.payloadOffset;
  if (o + 8 > p.payloadEnd) return p.truncated(kind, o, 8);
  const len = (b[o + 1]! + 1) * 8;
  if (o + len > p.payloadEnd) return p.truncated(kind, o, len);
  if (kind === 'ipv6-routing') {
    p.layers.push(new Ipv6Routing(b, o, len));
    // With segments left, the upper-layer checksum covers the final destination (RFC 8200 8.1):
    // the last address of a type 0 header, the first of a segment routing header (RFC 8754).
    const type = b[o + 2]!;
    const addresses = (len - 8) >>> 4;
    if (b[o + 3]! > 0 && addresses > 0 && (type === 0 || type === 2)) p.ipDstOffset = o + 8 + 16 * (addresses - 1);
    if (b[o + 3]! > 0 && addresses > 0 && type === 4) p.ipDstOffset = o + 8;
  } else p.layers.push(new Ipv6Options(b, kind, o, len));
  p.payloadOffset = o + len;
  return fromIpProtocol(p, b[o]!, kind, o + len);
}

export function decodeIpv6Fragment(p: Packet): number {
  const b = p.bytes;
  const o = p.payloadOffset;
  if (o + 8 > p.payloadEnd) return p.truncated('ipv6-fragment', o, 8);
  p.layers.push(new Ipv6Fragment(b, o));
  p.payloadOffset = o + 8;
  if (u16(b, o + 2) >>> 3 !== 0) return END;
  return fromIpProtocol(p, b[o]!, 'ipv6-fragment', o + 8);
}

/** AH: (payload length + 2) × 4 bytes (RFC 4302). */
export function decodeAh(p: Packet): number {
  const b = p.bytes;
  const o = p.payloadOffset;
  if (o + 12 > p.payloadEnd) return p.truncated('ah', o, 12);
  const len = (b[o + 1]! + 2) * 4;
  if (len < 12) return p.fail('ah', 'bad-length', o, `length ${len} < 12`);
  if (o + len > p.payloadEnd) return p.truncated('ah', o, len);
  p.layers.push(new Ah(b, o, len));
  p.payloadOffset = o + len;
  return fromIpProtocol(p, b[o]!, 'ah', o + len);
}
