/**
 * Radiotap header (radiotap.org): version, length, one presence word and the
 * typed fields of the decoder's layer, each aligned to its size from the
 * start of the header. A decoded header that carries more than those fields
 * (other presence bits, extended bitmaps, vendor namespaces) is copied from the
 * decoded packet's bytes as it was.
 */
import { invalid } from '../../errors';
import { type LayerEncoder, put16le, put32le, sourceRange, uint, wrap } from './context';
import type { RadiotapInput } from './types';

/** The presence bits encoded from fields: TSFT, flags, rate, channel, antenna signal and noise, antenna. */
const TYPED = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 6) | (1 << 11);
const ALIGN: Record<number, number> = { 0: 8, 1: 1, 2: 1, 3: 2, 5: 1, 6: 1, 11: 1 };
const SIZE: Record<number, number> = { 0: 8, 1: 1, 2: 1, 3: 4, 5: 1, 6: 1, 11: 1 };

/** A signed byte (dBm) as its two's complement. */
function int8(value: number, field: string): number {
  return uint(value + 128, 8, field) ^ 0x80;
}

function presentFromFields(layer: RadiotapInput): number {
  return (
    (layer.tsft !== undefined ? 1 << 0 : 0) |
    (layer.flags !== undefined ? 1 << 1 : 0) |
    (layer.rate !== undefined ? 1 << 2 : 0) |
    (layer.channelFrequency !== undefined ? 1 << 3 : 0) |
    (layer.antennaSignal !== undefined ? 1 << 5 : 0) |
    (layer.antennaNoise !== undefined ? 1 << 6 : 0) |
    (layer.antenna !== undefined ? 1 << 11 : 0)
  );
}

/** Header length for `present`: 8 bytes, then each field at its alignment. */
function headerLength(present: number): number {
  let at = 8;
  for (let bit = 0; bit < 12; bit++) {
    if ((present & (1 << bit)) === 0) continue;
    at = Math.ceil(at / ALIGN[bit]!) * ALIGN[bit]! + SIZE[bit]!;
  }
  return at;
}

export const encodeRadiotap: LayerEncoder<RadiotapInput> = (layer, inner, ctx) => {
  const present = (layer.present ?? presentFromFields(layer)) >>> 0;
  const typed = (present & ~TYPED) === 0;
  const length = typed ? headerLength(present) : -1;
  if (!typed || (layer.length !== undefined && layer.length !== length)) {
    const raw =
      layer.offset !== undefined && layer.length !== undefined
        ? sourceRange(ctx, layer.offset, layer.offset + layer.length)
        : undefined;
    if (raw === undefined) {
      throw invalid(`radiotap.present: 0x${present.toString(16)} has fields beyond those the encoder writes`);
    }
    const copy = wrap(raw.length, inner);
    copy.set(raw, 0);
    return copy;
  }
  const out = wrap(length, inner);
  out[0] = uint(layer.version ?? 0, 8, 'radiotap.version');
  put16le(out, 2, length);
  put32le(out, 4, present);
  let at = 8;
  for (let bit = 0; bit < 12; bit++) {
    if ((present & (1 << bit)) === 0) continue;
    at = Math.ceil(at / ALIGN[bit]!) * ALIGN[bit]!;
    switch (bit) {
      case 0: {
        const tsft = BigInt.asUintN(64, layer.tsft ?? 0n);
        put32le(out, at, Number(tsft & 0xffffffffn));
        put32le(out, at + 4, Number(tsft >> 32n));
        break;
      }
      case 1:
        out[at] = uint(layer.flags ?? 0, 8, 'radiotap.flags');
        break;
      case 2:
        out[at] = uint(layer.rate ?? 0, 8, 'radiotap.rate');
        break;
      case 3:
        put16le(out, at, uint(layer.channelFrequency ?? 0, 16, 'radiotap.channelFrequency'));
        put16le(out, at + 2, uint(layer.channelFlags ?? 0, 16, 'radiotap.channelFlags'));
        break;
      case 5:
        out[at] = int8(layer.antennaSignal ?? 0, 'radiotap.antennaSignal');
        break;
      case 6:
        out[at] = int8(layer.antennaNoise ?? 0, 'radiotap.antennaNoise');
        break;
      case 11:
        out[at] = uint(layer.antenna ?? 0, 8, 'radiotap.antenna');
        break;
    }
    at += SIZE[bit]!;
  }
  return out;
};
