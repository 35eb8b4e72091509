/** The IEEE 802.11 MAC header; data frames that are not protected go on to LLC/SNAP. */
import { formatMac, u16le } from './format';
import type { Packet } from './packet';
import { END, LLC } from './protocols';
import type { Ieee80211Layer } from './types';

export class Ieee80211 implements Ieee80211Layer {
  readonly kind = 'ieee80211' as const;
  constructor(
    /** @internal */ readonly bytes: Uint8Array,
    readonly offset: number,
    readonly length: number,
    /** @internal How many addresses the header carries (1..4). */
    readonly addressCount: number,
    readonly qosControl: number | undefined,
  ) {}
  get frameControl(): number {
    return (this.bytes[this.offset]! << 8) | this.bytes[this.offset + 1]!;
  }
  get type(): number {
    return (this.bytes[this.offset]! >>> 2) & 3;
  }
  get subtype(): number {
    return this.bytes[this.offset]! >>> 4;
  }
  get flags(): number {
    return this.bytes[this.offset + 1]!;
  }
  get duration(): number {
    return u16le(this.bytes, this.offset + 2);
  }
  private addr(n: number): string | undefined {
    if (n > this.addressCount) return undefined;
    // Addresses 1-3 at 4, 10, 16; address 4 after the sequence control at 24.
    return formatMac(this.bytes, this.offset + (n === 4 ? 24 : 4 + 6 * (n - 1)));
  }
  get addr1(): string {
    return this.addr(1)!;
  }
  get addr2(): string | undefined {
    return this.addr(2);
  }
  get addr3(): string | undefined {
    return this.addr(3);
  }
  get addr4(): string | undefined {
    return this.addr(4);
  }
  get receiver(): string {
    return this.addr(1)!;
  }
  get transmitter(): string | undefined {
    return this.addr(2);
  }
  /** The DS bits as 0..3: 1 toDS, 2 fromDS. */
  private get ds(): number {
    return this.bytes[this.offset + 1]! & 3;
  }
  private get hasDsAddresses(): boolean {
    const t = this.type;
    return t === 0 || t === 2;
  }
  get destination(): string | undefined {
    if (!this.hasDsAddresses) return undefined;
    return this.addr(this.ds === 0 || this.ds === 2 ? 1 : 3);
  }
  get source(): string | undefined {
    if (!this.hasDsAddresses) return undefined;
    const ds = this.ds;
    return this.addr(ds === 0 || ds === 1 ? 2 : ds === 2 ? 3 : 4);
  }
  get bssid(): string | undefined {
    if (!this.hasDsAddresses) {
      // PS-Poll carries the BSSID in address 1; CF-End and CF-End+Ack in address 2.
      const s = this.subtype;
      if (this.type === 1 && s === 10) return this.addr(1);
      if (this.type === 1 && (s === 14 || s === 15)) return this.addr(2);
      return undefined;
    }
    const ds = this.ds;
    return ds === 0 ? this.addr(3) : ds === 1 ? this.addr(1) : ds === 2 ? this.addr(2) : undefined;
  }
  get sequence(): number | undefined {
    return this.addressCount >= 3 ? u16le(this.bytes, this.offset + 22) >>> 4 : undefined;
  }
  get fragment(): number | undefined {
    return this.addressCount >= 3 ? this.bytes[this.offset + 22]! & 15 : undefined;
  }
}

export function decodeIeee80211(p: Packet): number {
  const b = p.bytes;
  const o = p.payloadOffset;
  if (o + 10 > p.payloadEnd) return p.truncated('ieee80211', o, 10);
  const fc0 = b[o]!;
  const flags = b[o + 1]!;
  const type = (fc0 >>> 2) & 3;
  const subtype = fc0 >>> 4;
  let len: number;
  let addresses: number;
  let qos = false;
  if (type === 0) {
    len = 24;
    addresses = 3;
    if ((flags & 0x80) !== 0) len += 4; // HT control
  } else if (type === 1) {
    // CTS and ACK carry only the receiver; the other control frames a receiver and a transmitter.
    addresses = subtype === 12 || subtype === 13 ? 1 : 2;
    len = addresses === 1 ? 10 : 16;
  } else if (type === 2) {
    addresses = (flags & 3) === 3 ? 4 : 3;
    len = addresses === 4 ? 30 : 24;
    qos = (subtype & 8) !== 0;
    if (qos) len += 2;
    if (qos && (flags & 0x80) !== 0) len += 4; // HT control
  } else {
    addresses = 1;
    len = 10;
  }
  if (o + len > p.payloadEnd) return p.truncated('ieee80211', o, len);
  const qosControl = qos ? u16le(b, o + len - ((flags & 0x80) !== 0 ? 6 : 2)) : undefined;
  p.layers.push(new Ieee80211(b, o, len, addresses, qosControl));
  p.payloadOffset = o + len;
  // Only unprotected data frames with a body and no A-MSDU aggregation carry LLC directly.
  if (type !== 2 || (subtype & 4) !== 0 || (flags & 0x40) !== 0) return END;
  if (qosControl !== undefined && (qosControl & 0x80) !== 0) return END;
  if (p.payloadOffset >= p.payloadEnd) return END;
  return LLC;
}
