/** ARP (and RARP-shaped packets): any hardware/protocol address lengths. */
import { formatHex, formatIpv4, formatMac, u16 } from './format';
import type { Packet } from './packet';
import { END } from './protocols';
import type { ArpLayer } from './types';

/** IPv4 protocol addresses as a dotted quad, 6-byte hardware addresses as MAC, others as hex. */
function formatAddress(b: Uint8Array, o: number, n: number, ipv4: boolean): string {
  if (ipv4 && n === 4) return formatIpv4(b, o);
  if (n === 6) return formatMac(b, o);
  return formatHex(b, o, n);
}

export class Arp implements ArpLayer {
  readonly kind = 'arp' as const;
  constructor(
    /** @internal */ readonly bytes: Uint8Array,
    readonly offset: number,
    readonly length: number,
  ) {}
  get hardwareType(): number {
    return u16(this.bytes, this.offset);
  }
  get protocolType(): number {
    return u16(this.bytes, this.offset + 2);
  }
  get hardwareLength(): number {
    return this.bytes[this.offset + 4]!;
  }
  get protocolLength(): number {
    return this.bytes[this.offset + 5]!;
  }
  get opcode(): number {
    return u16(this.bytes, this.offset + 6);
  }
  get senderHardware(): string {
    return formatAddress(this.bytes, this.offset + 8, this.hardwareLength, false);
  }
  get senderProtocol(): string {
    return formatAddress(
      this.bytes,
      this.offset + 8 + this.hardwareLength,
      this.protocolLength,
      this.protocolType === 0x0800,
    );
  }
  get targetHardware(): string {
    const h = this.hardwareLength;
    return formatAddress(this.bytes, this.offset + 8 + h + this.protocolLength, h, false);
  }
  get targetProtocol(): string {
    const h = this.hardwareLength;
    const n = this.protocolLength;
    return formatAddress(this.bytes, this.offset + 8 + 2 * h + n, n, this.protocolType === 0x0800);
  }
}

export function decodeArp(p: Packet): number {
  const b = p.bytes;
  const o = p.payloadOffset;
  if (o + 8 > p.payloadEnd) return p.truncated('arp', o, 8);
  const len = 8 + 2 * (b[o + 4]! + b[o + 5]!);
  if (o + len > p.payloadEnd) return p.truncated('arp', o, len);
  p.layers.push(new Arp(b, o, len));
  p.payloadOffset = o + len;
  return END;
}
