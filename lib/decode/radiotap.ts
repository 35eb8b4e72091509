/** Radiotap (IEEE802_11_RADIO): the header and the first namespace's common fields; 802.11 follows. */
import { u16le, u32le } from './format';
import type { Packet } from './packet';
import { IEEE80211 } from './protocols';
import type { RadiotapLayer } from './types';

/** Alignment and size of the fields of bits 0..13 of the default namespace (radiotap.org/fields/defined). */
const ALIGN = [8, 1, 1, 2, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1];
const SIZE = [8, 1, 1, 4, 2, 1, 1, 2, 2, 2, 1, 1, 1, 1];

export class Radiotap implements RadiotapLayer {
  readonly kind = 'radiotap' as const;
  tsft: bigint | undefined = undefined;
  flags: number | undefined = undefined;
  rate: number | undefined = undefined;
  channelFrequency: number | undefined = undefined;
  channelFlags: number | undefined = undefined;
  antennaSignal: number | undefined = undefined;
  antennaNoise: number | undefined = undefined;
  antenna: number | undefined = undefined;
  constructor(
    /** @internal */ readonly bytes: Uint8Array,
    readonly offset: number,
    readonly length: number,
  ) {}
  get version(): number {
    return this.bytes[this.offset]!;
  }
  get present(): number {
    return u32le(this.bytes, this.offset + 4);
  }
}

/** Reads the fields of bits 0..13 in order, as long as they lie inside the header. */
function readFields(r: Radiotap, b: Uint8Array, o: number, fieldsStart: number, end: number): void {
  const present = u32le(b, o + 4);
  let at = fieldsStart;
  for (let bit = 0; bit < 14; bit++) {
    if ((present & (1 << bit)) === 0) continue;
    const align = ALIGN[bit]!;
    // Alignment is relative to the start of the radiotap header.
    at = o + (((at - o + align - 1) / align) | 0) * align;
    if (at + SIZE[bit]! > end) return;
    switch (bit) {
      case 0:
        r.tsft = (BigInt(u32le(b, at + 4)) << 32n) | BigInt(u32le(b, at));
        break;
      case 1:
        r.flags = b[at]!;
        break;
      case 2:
        r.rate = b[at]!;
        break;
      case 3:
        r.channelFrequency = u16le(b, at);
        r.channelFlags = u16le(b, at + 2);
        break;
      case 5:
        r.antennaSignal = (b[at]! << 24) >> 24;
        break;
      case 6:
        r.antennaNoise = (b[at]! << 24) >> 24;
        break;
      case 11:
        r.antenna = b[at]!;
        break;
    }
    at += SIZE[bit]!;
  }
}

export function decodeRadiotap(p: Packet): number {
  const b = p.bytes;
  const o = p.payloadOffset;
  if (o + 8 > p.payloadEnd) return p.truncated('radiotap', o, 8);
  if (b[o] !== 0) return p.fail('radiotap', 'bad-value', o, `version ${b[o]}`);
  const len = u16le(b, o + 2);
  if (len < 8) return p.fail('radiotap', 'bad-length', o, `length ${len} < 8`);
  if (o + len > p.payloadEnd) return p.truncated('radiotap', o, len);
  // Extended presence bitmaps: bit 31 says another 32-bit word follows.
  let words = o + 4;
  while ((b[words + 3]! & 0x80) !== 0) {
    words += 4;
    if (words + 4 > o + len) return p.fail('radiotap', 'bad-length', o, 'presence bitmaps run past the header');
  }
  const r = new Radiotap(b, o, len);
  readFields(r, b, o, words + 4, o + len);
  p.layers.push(r);
  p.payloadOffset = o + len;
  // Flags 0x10: the frame ends with a 4-byte FCS.
  if (r.flags !== undefined && (r.flags & 0x10) !== 0 && p.payloadEnd - 4 >= o + len) p.payloadEnd -= 4;
  return IEEE80211;
}
