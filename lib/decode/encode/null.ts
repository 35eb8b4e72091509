/**
 * NULL and LOOP headers: a 4-byte address family, in the capturing host's
 * byte order for NULL and big-endian for LOOP.
 */
import { invalid } from '../../errors';
import { type LayerEncoder, nextLayer, put32, put32le, uint, wrap } from './context';
import type { NullInput } from './types';

export const encodeNull: LayerEncoder<NullInput> = (layer, inner, ctx) => {
  const out = wrap(4, inner);
  // The family depends on the capturing OS, so a given one is kept even with `recompute`.
  let family = layer.family;
  if (family === undefined) {
    const next = nextLayer(ctx)?.kind;
    // AF_INET6 differs by OS; 24 (NetBSD, OpenBSD) is the value libpcap's LINKTYPE_NULL documents first.
    if (next === 'ipv4') family = 2;
    else if (next === 'ipv6') family = 24;
    else throw invalid(`null.family: give it; it cannot be inferred from ${next ?? 'nothing'} after it`);
  }
  uint(family, 32, 'null.family');
  let bigEndian = layer.loop === true || layer.byteOrder === 'big';
  const src = ctx.source;
  if (!layer.loop && layer.byteOrder === undefined && src && layer.offset !== undefined) {
    // A decoded NULL header keeps the byte order it was captured in.
    bigEndian = src[layer.offset] === 0 && src[layer.offset + 1] === 0 && family !== 0;
  }
  if (bigEndian) put32(out, 0, family);
  else put32le(out, 0, family);
  return out;
};
