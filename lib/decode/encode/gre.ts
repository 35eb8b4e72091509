/**
 * GRE (RFC 2784, RFC 2890 key and sequence, RFC 2637 PPTP's version 1), with
 * its optional checksum over the GRE header and payload.
 */
import { internetChecksum } from './checksum';
import { type LayerEncoder, given, givenType, nextEtherType, put16, put32, sourceRange, uint, wrap } from './context';
import type { GreInput } from './types';

const C = 0x8000;
const R = 0x4000;
const K = 0x2000;
const S = 0x1000;
const A = 0x0080;

export const encodeGre: LayerEncoder<GreInput> = (layer, inner, ctx) => {
  const fv = uint(
    layer.flagsVersion ??
      (layer.checksum !== undefined ? C : 0) |
        (layer.key !== undefined ? K : 0) |
        (layer.sequence !== undefined ? S : 0) |
        (layer.acknowledgment !== undefined ? A | 1 : 0),
    16,
    'gre.flagsVersion',
  );
  const hasSum = (fv & (C | R)) !== 0;
  const hasAck = (fv & 7) === 1 && (fv & A) !== 0;
  const fixed = 4 + (hasSum ? 4 : 0) + (fv & K ? 4 : 0) + (fv & S ? 4 : 0) + (hasAck ? 4 : 0);
  // RFC 1701 source routes (R) are carried over from a decoded header as they were.
  const at = layer.offset;
  const routes =
    fv & R && at !== undefined && layer.length !== undefined
      ? sourceRange(ctx, at + fixed, at + layer.length)
      : undefined;
  const out = wrap(fixed + (routes?.length ?? 0), inner);
  put16(out, 0, fv);
  put16(out, 2, uint(givenType(layer.protocol, ctx) ?? nextEtherType(ctx, 'gre.protocol'), 16, 'gre.protocol'));
  let i = 4;
  const sumAt = i;
  if (hasSum) {
    // The offset field after the checksum (meaningful only with R) is kept from a decoded header.
    const offset = at === undefined ? undefined : sourceRange(ctx, at + 6, at + 8);
    if (offset) out.set(offset, 6);
    i += 4;
  }
  if (fv & K) {
    put32(out, i, uint(layer.key ?? 0, 32, 'gre.key'));
    i += 4;
  }
  if (fv & S) {
    put32(out, i, uint(layer.sequence ?? 0, 32, 'gre.sequence'));
    i += 4;
  }
  if (hasAck) {
    const ack = layer.acknowledgment ?? (at === undefined ? undefined : sourceRange(ctx, at + i, at + i + 4));
    if (ack instanceof Uint8Array) out.set(ack, i);
    else put32(out, i, uint(ack ?? 0, 32, 'gre.acknowledgment'));
    i += 4;
  }
  if (routes) out.set(routes, i);
  if (hasSum) put16(out, sumAt, uint(given(layer.checksum, ctx) ?? internetChecksum(out), 16, 'gre.checksum'));
  return out;
};
