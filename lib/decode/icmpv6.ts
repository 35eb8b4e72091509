/** ICMPv6, with the neighbour discovery target address and options (RFC 4861). */
import { pseudoSum, verifies } from './checksum';
import { formatHex, formatIpv6, formatMac, u16, u32 } from './format';
import type { Packet } from './packet';
import { END } from './protocols';
import type { ChecksumStatus, Icmpv6Layer, NdpOption } from './types';

/** Where the options of an ND message start, relative to the ICMPv6 header; 0 for other types. */
function ndpOptionsStart(type: number): number {
  switch (type) {
    case 133: // router solicitation
      return 8;
    case 134: // router advertisement
      return 16;
    case 135: // neighbour solicitation
    case 136: // neighbour advertisement
      return 24;
    case 137: // redirect
      return 40;
  }
  return 0;
}

export class Icmpv6 implements Icmpv6Layer {
  readonly kind = 'icmpv6' as const;
  readonly length = 8;
  constructor(
    /** @internal */ readonly bytes: Uint8Array,
    readonly offset: number,
    /** @internal */ readonly ipAddrOffset: number,
    /** @internal */ readonly ipDstOffset: number,
    /** @internal */ readonly ipAddrLength: number,
    /** @internal Where the message ends: by the IP length, and bounded by the captured bytes. */
    readonly messageEnd: number,
    /** @internal */ readonly boundEnd: number,
  ) {}
  get type(): number {
    return this.bytes[this.offset]!;
  }
  get code(): number {
    return this.bytes[this.offset + 1]!;
  }
  get checksum(): number {
    return u16(this.bytes, this.offset + 2);
  }
  get checksumStatus(): ChecksumStatus {
    if (this.ipAddrLength !== 16 || this.messageEnd > this.boundEnd) return 'unverified';
    const len = this.messageEnd - this.offset;
    const initial = pseudoSum(this.bytes, this.ipAddrOffset, this.ipDstOffset, 16, 58, len);
    return verifies(this.bytes, this.offset, this.messageEnd, initial) ? 'good' : 'bad';
  }
  get restOfHeader(): number {
    return u32(this.bytes, this.offset + 4);
  }
  get targetAddress(): string | undefined {
    const t = this.type;
    if (t < 135 || t > 137 || this.offset + 24 > this.end) return undefined;
    return formatIpv6(this.bytes, this.offset + 8);
  }
  get destinationAddress(): string | undefined {
    if (this.type !== 137 || this.offset + 40 > this.end) return undefined;
    return formatIpv6(this.bytes, this.offset + 24);
  }
  get reachableTime(): number | undefined {
    return this.type === 134 && this.offset + 16 <= this.end ? u32(this.bytes, this.offset + 8) : undefined;
  }
  get retransTimer(): number | undefined {
    return this.type === 134 && this.offset + 16 <= this.end ? u32(this.bytes, this.offset + 12) : undefined;
  }
  private get end(): number {
    return Math.min(this.messageEnd, this.boundEnd);
  }
  get ndpOptions(): readonly NdpOption[] {
    const list: NdpOption[] = [];
    const first = ndpOptionsStart(this.type);
    if (first === 0) return list;
    const b = this.bytes;
    const end = this.end;
    for (let i = this.offset + first; i + 2 <= end;) {
      const len = b[i + 1]! * 8;
      if (len === 0 || i + len > end) break;
      const type = b[i]!;
      let address: string | undefined;
      if (type === 1 || type === 2) address = len === 8 ? formatMac(b, i + 2) : formatHex(b, i + 2, len - 2);
      list.push({ type, length: len, offset: i, linkLayerAddress: address, data: b.subarray(i + 2, i + len) });
      i += len;
    }
    return list;
  }
}

export function decodeIcmpv6(p: Packet): number {
  const o = p.payloadOffset;
  if (o + 8 > p.payloadEnd) return p.truncated('icmpv6', o, 8);
  p.layers.push(new Icmpv6(p.bytes, o, p.ipAddrOffset, p.ipDstOffset, p.ipAddrLength, p.ipDeclaredEnd, p.end));
  p.payloadOffset = o + 8;
  return END;
}
