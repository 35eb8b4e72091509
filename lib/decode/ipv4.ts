/** IPv4: header fields, options, fragments, the header checksum (verified when read). */
import { verifies } from './checksum';
import { formatIpv4, u16, u32 } from './format';
import type { Packet } from './packet';
import { END, fromIpProtocol } from './protocols';
import type { ChecksumStatus, Ipv4Layer, OptionEntry } from './types';

/** Options of IPv4 and TCP: kind 0 ends the list, 1 is one byte, others are kind, length, data. */
export function parseOptions(b: Uint8Array, start: number, end: number): OptionEntry[] {
  const list: OptionEntry[] = [];
  let i = start;
  while (i < end) {
    const type = b[i]!;
    if (type === 0 || type === 1) {
      list.push({ type, length: 1, offset: i });
      if (type === 0) break;
      i++;
      continue;
    }
    if (i + 1 >= end) break;
    const len = b[i + 1]!;
    if (len < 2 || i + len > end) break;
    list.push({ type, length: len, offset: i });
    i += len;
  }
  return list;
}

export class Ipv4 implements Ipv4Layer {
  readonly kind = 'ipv4' as const;
  constructor(
    /** @internal */ readonly bytes: Uint8Array,
    readonly offset: number,
    readonly length: number,
  ) {}

  get version(): number {
    return this.bytes[this.offset]! >>> 4;
  }
  get headerLength(): number {
    return this.length;
  }
  get dscp(): number {
    return this.bytes[this.offset + 1]! >>> 2;
  }
  get ecn(): number {
    return this.bytes[this.offset + 1]! & 3;
  }
  get totalLength(): number {
    return u16(this.bytes, this.offset + 2);
  }
  get id(): number {
    return u16(this.bytes, this.offset + 4);
  }
  get flags(): number {
    return this.bytes[this.offset + 6]! >>> 5;
  }
  get dontFragment(): boolean {
    return (this.bytes[this.offset + 6]! & 0x40) !== 0;
  }
  get moreFragments(): boolean {
    return (this.bytes[this.offset + 6]! & 0x20) !== 0;
  }
  get fragmentOffset(): number {
    return u16(this.bytes, this.offset + 6) & 0x1fff;
  }
  get ttl(): number {
    return this.bytes[this.offset + 8]!;
  }
  get protocol(): number {
    return this.bytes[this.offset + 9]!;
  }
  get checksum(): number {
    return u16(this.bytes, this.offset + 10);
  }
  get checksumStatus(): ChecksumStatus {
    return verifies(this.bytes, this.offset, this.offset + this.length, 0) ? 'good' : 'bad';
  }
  get srcInt(): number {
    return u32(this.bytes, this.offset + 12);
  }
  get dstInt(): number {
    return u32(this.bytes, this.offset + 16);
  }
  get src(): string {
    return formatIpv4(this.bytes, this.offset + 12);
  }
  get dst(): string {
    return formatIpv4(this.bytes, this.offset + 16);
  }
  get options(): Uint8Array {
    return this.bytes.subarray(this.offset + 20, this.offset + this.length);
  }
  get optionList(): readonly OptionEntry[] {
    return parseOptions(this.bytes, this.offset + 20, this.offset + this.length);
  }
}

export function decodeIpv4(p: Packet): number {
  const b = p.bytes;
  const o = p.payloadOffset;
  if (o + 20 > p.payloadEnd) return p.truncated('ipv4', o, 20);
  const vihl = b[o]!;
  if (vihl >>> 4 !== 4) return p.fail('ipv4', 'bad-value', o, `version ${vihl >>> 4}, not 4`);
  const hl = (vihl & 15) * 4;
  if (hl < 20) return p.fail('ipv4', 'bad-length', o, `header length ${hl} < 20`);
  if (o + hl > p.payloadEnd) return p.truncated('ipv4', o, hl);
  let total = u16(b, o + 2);
  // Total length 0 is what TSO-capable NICs hand the capture: the packet runs to the end.
  if (total === 0) total = p.payloadEnd - o;
  else if (total < hl) return p.fail('ipv4', 'bad-length', o, `total length ${total} < header length ${hl}`);
  p.layers.push(new Ipv4(b, o, hl));
  p.payloadOffset = o + hl;
  p.ipDeclaredEnd = o + total;
  if (o + total < p.payloadEnd) p.payloadEnd = o + total;
  p.ipAddrOffset = o + 12;
  p.ipDstOffset = o + 16;
  p.ipAddrLength = 4;
  // A later fragment carries data, not the next header.
  if ((u16(b, o + 6) & 0x1fff) !== 0) return END;
  return fromIpProtocol(p, b[o + 9]!, 'ipv4', o + hl);
}
