/** UDP: ports, length (bounds the payload), checksum when read. */
import { pseudoSum, verifies } from './checksum';
import { u16 } from './format';
import type { Packet } from './packet';
import { fromUdpPorts } from './protocols';
import type { ChecksumStatus, UdpLayer } from './types';

export class Udp implements UdpLayer {
  readonly kind = 'udp' as const;
  readonly length = 8;
  constructor(
    /** @internal */ readonly bytes: Uint8Array,
    readonly offset: number,
    /** @internal */ readonly ipAddrOffset: number,
    /** @internal */ readonly ipDstOffset: number,
    /** @internal */ readonly ipAddrLength: number,
    /** @internal Where the IP payload ends by its header (may exceed the captured bytes). */
    readonly ipPayloadEnd: number,
    /** @internal The end of the captured bytes. */
    readonly capturedEnd: number,
  ) {}

  get srcPort(): number {
    return u16(this.bytes, this.offset);
  }
  get dstPort(): number {
    return u16(this.bytes, this.offset + 2);
  }
  get udpLength(): number {
    return u16(this.bytes, this.offset + 4);
  }
  get checksum(): number {
    return u16(this.bytes, this.offset + 6);
  }
  get checksumStatus(): ChecksumStatus {
    const sum = this.checksum;
    if (this.ipAddrOffset < 0 || (sum === 0 && this.ipAddrLength === 4)) return 'unverified';
    const end = this.offset + this.udpLength;
    // As tshark: only when the whole IP payload was captured.
    if (end > this.capturedEnd || this.ipPayloadEnd > this.capturedEnd) return 'unverified';
    const initial = pseudoSum(this.bytes, this.ipAddrOffset, this.ipDstOffset, this.ipAddrLength, 17, this.udpLength);
    return verifies(this.bytes, this.offset, end, initial) ? 'good' : 'bad';
  }
}

export function decodeUdp(p: Packet): number {
  const b = p.bytes;
  const o = p.payloadOffset;
  if (o + 8 > p.payloadEnd) return p.truncated('udp', o, 8);
  const len = u16(b, o + 4);
  // Length 0 over IPv6 is a jumbogram's (RFC 2675): the IP length rules.
  if (len < 8 && !(len === 0 && p.ipAddrLength === 16)) {
    return p.fail('udp', 'bad-length', o, `length ${len} < 8`);
  }
  p.layers.push(new Udp(b, o, p.ipAddrOffset, p.ipDstOffset, p.ipAddrLength, p.ipDeclaredEnd, p.end));
  p.payloadOffset = o + 8;
  if (len >= 8 && o + len < p.payloadEnd) p.payloadEnd = o + len;
  if (p.payloadOffset >= p.payloadEnd) return 0;
  return fromUdpPorts(u16(b, o), u16(b, o + 2));
}
