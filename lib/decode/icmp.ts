/** ICMP (IPv4): type, code, checksum over the message (verified when read). */
import { verifies } from './checksum';
import { u16 } from './format';
import type { Packet } from './packet';
import { END } from './protocols';
import type { ChecksumStatus, IcmpLayer } from './types';

/** Echo (0, 8), timestamp (13, 14), information (15, 16), address mask (17, 18) carry identifier and sequence. */
function hasIdentifier(type: number): boolean {
  return type === 0 || type === 8 || (type >= 13 && type <= 18);
}

export class Icmp implements IcmpLayer {
  readonly kind = 'icmp' as const;
  readonly length = 8;
  constructor(
    /** @internal */ readonly bytes: Uint8Array,
    readonly offset: number,
    /** @internal Where the message ends by the IP length (may exceed the captured bytes). */
    readonly messageEnd: number,
    /** @internal */ readonly capturedEnd: number,
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
    if (this.messageEnd > this.capturedEnd) return 'unverified';
    return verifies(this.bytes, this.offset, this.messageEnd, 0) ? 'good' : 'bad';
  }
  get restOfHeader(): number {
    return (
      ((this.bytes[this.offset + 4]! << 24) |
        (u16(this.bytes, this.offset + 5) << 8) |
        this.bytes[this.offset + 7]!) >>>
      0
    );
  }
  get identifier(): number | undefined {
    return hasIdentifier(this.type) ? u16(this.bytes, this.offset + 4) : undefined;
  }
  get sequence(): number | undefined {
    return hasIdentifier(this.type) ? u16(this.bytes, this.offset + 6) : undefined;
  }
}

export function decodeIcmp(p: Packet): number {
  const o = p.payloadOffset;
  if (o + 8 > p.payloadEnd) return p.truncated('icmp', o, 8);
  p.layers.push(new Icmp(p.bytes, o, p.ipDeclaredEnd, p.end));
  p.payloadOffset = o + 8;
  return END;
}
