/** Tunnels decoded through to the inner packet: GRE (RFC 2784/2890, and PPTP's version 1) and VXLAN. */
import { u16, u24, u32 } from './format';
import type { Packet } from './packet';
import { END, ETHERNET, fromEtherType } from './protocols';
import type { GreLayer, VxlanLayer } from './types';

export class Gre implements GreLayer {
  readonly kind = 'gre' as const;
  constructor(
    /** @internal */ readonly bytes: Uint8Array,
    readonly offset: number,
    readonly length: number,
    readonly checksum: number | undefined,
    readonly key: number | undefined,
    readonly sequence: number | undefined,
  ) {}
  get flagsVersion(): number {
    return u16(this.bytes, this.offset);
  }
  get version(): number {
    return this.bytes[this.offset + 1]! & 7;
  }
  get protocol(): number {
    return u16(this.bytes, this.offset + 2);
  }
}

export function decodeGre(p: Packet): number {
  const b = p.bytes;
  const o = p.payloadOffset;
  if (o + 4 > p.payloadEnd) return p.truncated('gre', o, 4);
  const fv = u16(b, o);
  const version = fv & 7;
  if (version > 1) return p.fail('gre', 'bad-value', o, `version ${version}`);
  // C (or R: both imply checksum+offset), K, S; version 1 (PPTP) also has an ack number (A).
  const hasSum = (fv & 0xc000) !== 0;
  const hasKey = (fv & 0x2000) !== 0;
  const hasSeq = (fv & 0x1000) !== 0;
  const hasAck = version === 1 && (fv & 0x0080) !== 0;
  const routing = (fv & 0x4000) !== 0;
  let len = 4 + (hasSum ? 4 : 0) + (hasKey ? 4 : 0) + (hasSeq ? 4 : 0) + (hasAck ? 4 : 0);
  if (o + len > p.payloadEnd) return p.truncated('gre', o, len);
  let i = o + 4;
  const checksum = hasSum ? u16(b, i) : undefined;
  if (hasSum) i += 4;
  const key = hasKey ? u32(b, i) : undefined;
  if (hasKey) i += 4;
  const sequence = hasSeq ? u32(b, i) : undefined;
  if (hasSeq) i += 4;
  if (hasAck) i += 4;
  if (routing) {
    // RFC 1701 source route entries: address family, SRE offset, SRE length; a length of 0 ends the list.
    for (;;) {
      if (i + 4 > p.payloadEnd) return p.truncated('gre', o, i + 4 - o);
      const sreLen = b[i + 3]!;
      i += 4 + sreLen;
      if (sreLen === 0) break;
    }
    len = i - o;
    if (o + len > p.payloadEnd) return p.truncated('gre', o, len);
  }
  p.layers.push(new Gre(b, o, len, checksum, key, sequence));
  p.payloadOffset = o + len;
  const protocol = u16(b, o + 2);
  if (version === 1 || protocol === 0x880b)
    return p.fail('gre', 'unknown-type', o + len, 'PPP over GRE is not decoded', protocol);
  if (p.payloadOffset === p.payloadEnd) return END;
  return fromEtherType(p, protocol, 'gre', o + len);
}

export class Vxlan implements VxlanLayer {
  readonly kind = 'vxlan' as const;
  readonly length = 8;
  constructor(
    /** @internal */ readonly bytes: Uint8Array,
    readonly offset: number,
  ) {}
  get flags(): number {
    return this.bytes[this.offset]!;
  }
  get vni(): number {
    return u24(this.bytes, this.offset + 4);
  }
}

export function decodeVxlan(p: Packet): number {
  const o = p.payloadOffset;
  if (o + 8 > p.payloadEnd) return p.truncated('vxlan', o, 8);
  p.layers.push(new Vxlan(p.bytes, o));
  p.payloadOffset = o + 8;
  return ETHERNET;
}
