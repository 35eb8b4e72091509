/** TCP: header, flags, options (MSS, window scale, SACK permitted, SACK, timestamps), checksum when read. */
import { pseudoSum, verifies } from './checksum';
import { u16, u32 } from './format';
import { parseOptions } from './ipv4';
import type { Packet } from './packet';
import { fromTcpPorts } from './protocols';
import type { ChecksumStatus, OptionEntry, TcpLayer } from './types';

/** Offset of the first option of `kind` in bytes[start, end), or -1; stops at a malformed length. */
function findOption(b: Uint8Array, start: number, end: number, kind: number): number {
  let i = start;
  while (i < end) {
    const t = b[i]!;
    if (t === 0) return -1;
    if (t === 1) {
      i++;
      continue;
    }
    if (i + 1 >= end) return -1;
    const len = b[i + 1]!;
    if (len < 2 || i + len > end) return -1;
    if (t === kind) return i;
    i += len;
  }
  return -1;
}

export class Tcp implements TcpLayer {
  readonly kind = 'tcp' as const;
  constructor(
    /** @internal */ readonly bytes: Uint8Array,
    readonly offset: number,
    readonly length: number,
    /** @internal Offsets of the IP addresses and their length (4/16), for the pseudo-header. */
    readonly ipAddrOffset: number,
    /** @internal */ readonly ipDstOffset: number,
    /** @internal */ readonly ipAddrLength: number,
    /** @internal Where the segment ends by the IP length (may exceed the captured bytes). */
    readonly segmentEnd: number,
    /** @internal The end of the captured bytes. */
    readonly capturedEnd: number,
  ) {}

  get srcPort(): number {
    return u16(this.bytes, this.offset);
  }
  get dstPort(): number {
    return u16(this.bytes, this.offset + 2);
  }
  get seq(): number {
    return u32(this.bytes, this.offset + 4);
  }
  get ack(): number {
    return u32(this.bytes, this.offset + 8);
  }
  get headerLength(): number {
    return this.length;
  }
  get flags(): number {
    return u16(this.bytes, this.offset + 12) & 0xfff;
  }
  get window(): number {
    return u16(this.bytes, this.offset + 14);
  }
  get checksum(): number {
    return u16(this.bytes, this.offset + 16);
  }
  get urgentPointer(): number {
    return u16(this.bytes, this.offset + 18);
  }
  get checksumStatus(): ChecksumStatus {
    if (this.ipAddrOffset < 0 || this.segmentEnd > this.capturedEnd) return 'unverified';
    const len = this.segmentEnd - this.offset;
    const initial = pseudoSum(this.bytes, this.ipAddrOffset, this.ipDstOffset, this.ipAddrLength, 6, len);
    return verifies(this.bytes, this.offset, this.segmentEnd, initial) ? 'good' : 'bad';
  }
  get options(): Uint8Array {
    return this.bytes.subarray(this.offset + 20, this.offset + this.length);
  }
  get optionList(): readonly OptionEntry[] {
    return parseOptions(this.bytes, this.offset + 20, this.offset + this.length);
  }
  private option(kind: number, length: number): number {
    const at = findOption(this.bytes, this.offset + 20, this.offset + this.length, kind);
    return at >= 0 && this.bytes[at + 1] === length ? at : -1;
  }
  get mss(): number | undefined {
    const at = this.option(2, 4);
    return at < 0 ? undefined : u16(this.bytes, at + 2);
  }
  get windowScale(): number | undefined {
    const at = this.option(3, 3);
    return at < 0 ? undefined : this.bytes[at + 2];
  }
  get sackPermitted(): boolean {
    return this.option(4, 2) >= 0;
  }
  get sackBlocks(): readonly number[] | undefined {
    const at = findOption(this.bytes, this.offset + 20, this.offset + this.length, 5);
    if (at < 0) return undefined;
    const len = this.bytes[at + 1]!;
    const blocks: number[] = [];
    for (let i = at + 2; i + 8 <= at + len; i += 8) blocks.push(u32(this.bytes, i), u32(this.bytes, i + 4));
    return blocks;
  }
  get tsval(): number | undefined {
    const at = this.option(8, 10);
    return at < 0 ? undefined : u32(this.bytes, at + 2);
  }
  get tsecr(): number | undefined {
    const at = this.option(8, 10);
    return at < 0 ? undefined : u32(this.bytes, at + 6);
  }
}

export function decodeTcp(p: Packet): number {
  const b = p.bytes;
  const o = p.payloadOffset;
  if (o + 20 > p.payloadEnd) return p.truncated('tcp', o, 20);
  const hl = (b[o + 12]! >>> 4) * 4;
  if (hl < 20) return p.fail('tcp', 'bad-length', o, `header length ${hl} < 20`);
  if (o + hl > p.payloadEnd) return p.truncated('tcp', o, hl);
  p.layers.push(new Tcp(b, o, hl, p.ipAddrOffset, p.ipDstOffset, p.ipAddrLength, p.ipDeclaredEnd, p.end));
  p.payloadOffset = o + hl;
  if (p.payloadOffset === p.payloadEnd) return 0;
  return fromTcpPorts(u16(b, o), u16(b, o + 2));
}
