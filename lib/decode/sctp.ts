/** SCTP: common header and the chunk list (RFC 9260); chunk contents are left to the caller. */
import { u16, u32le, u32 } from './format';
import type { Packet } from './packet';
import { END } from './protocols';
import type { SctpChunk, SctpLayer } from './types';

class Chunk implements SctpChunk {
  constructor(
    /** @internal */ readonly bytes: Uint8Array,
    readonly type: number,
    readonly flags: number,
    readonly length: number,
    readonly offset: number,
    /** @internal The captured end. */ readonly end: number,
  ) {}
  get value(): Uint8Array {
    return this.bytes.subarray(this.offset + 4, Math.min(this.offset + this.length, this.end));
  }
}

export class Sctp implements SctpLayer {
  readonly kind = 'sctp' as const;
  readonly length = 12;
  constructor(
    /** @internal */ readonly bytes: Uint8Array,
    readonly offset: number,
    readonly chunks: readonly SctpChunk[],
  ) {}
  get srcPort(): number {
    return u16(this.bytes, this.offset);
  }
  get dstPort(): number {
    return u16(this.bytes, this.offset + 2);
  }
  get verificationTag(): number {
    return u32(this.bytes, this.offset + 4);
  }
  /** CRC32c, as the little-endian value the wire carries. */
  get checksum(): number {
    return u32le(this.bytes, this.offset + 8);
  }
}

export function decodeSctp(p: Packet): number {
  const b = p.bytes;
  const o = p.payloadOffset;
  const end = p.payloadEnd;
  if (o + 12 > end) return p.truncated('sctp', o, 12);
  const chunks: SctpChunk[] = [];
  p.layers.push(new Sctp(b, o, chunks));
  let i = o + 12;
  p.payloadOffset = i;
  while (i + 4 <= end) {
    const len = u16(b, i + 2);
    if (len < 4) return p.fail('sctp', 'bad-length', i, `chunk length ${len} < 4`);
    chunks.push(new Chunk(b, b[i]!, b[i + 1]!, len, i, end));
    // Chunks are padded to 4 bytes; the last one may be cut by snaplen.
    i += (len + 3) & ~3;
  }
  p.payloadOffset = Math.min(i, end);
  if (i < end) return p.truncated('sctp', i, 4);
  return END;
}
