/**
 * SCTP common header and chunks (RFC 9260), with the CRC32c checksum over the
 * whole packet, stored little-endian as the RFC's appendix A specifies.
 */
import { invalid } from '../../errors';
import { crc32c } from './checksum';
import { type LayerEncoder, given, put16, put32, put32le, sourceRange, uint, wrap } from './context';
import type { SctpInput } from './types';

export const encodeSctp: LayerEncoder<SctpInput> = (layer, inner, ctx) => {
  const values = (layer.chunks ?? []).map((c, i) => {
    // A decoded chunk's value is a view (shorter than its length field says when cut by snaplen).
    const value =
      c.value ??
      (c.offset !== undefined && c.length !== undefined
        ? sourceRange(ctx, c.offset + 4, c.offset + c.length)
        : undefined);
    if (value === undefined) throw invalid(`sctp.chunks[${i}].value: give the chunk's value bytes`);
    return value;
  });
  // Each chunk is padded with zeros to 4 bytes; the length field does not count the padding.
  const size = values.reduce((n, v) => n + 4 + ((v.length + 3) & ~3), 0);
  const out = wrap(12 + size, inner);
  put16(out, 0, uint(layer.srcPort, 16, 'sctp.srcPort'));
  put16(out, 2, uint(layer.dstPort, 16, 'sctp.dstPort'));
  put32(out, 4, uint(layer.verificationTag ?? 0, 32, 'sctp.verificationTag'));
  let at = 12;
  layer.chunks?.forEach((c, i) => {
    const value = values[i]!;
    out[at] = uint(c.type, 8, `sctp.chunks[${i}].type`);
    out[at + 1] = uint(c.flags ?? 0, 8, `sctp.chunks[${i}].flags`);
    put16(out, at + 2, uint(given(c.length, ctx) ?? 4 + value.length, 16, `sctp.chunks[${i}].length`));
    out.set(value, at + 4);
    at += 4 + ((value.length + 3) & ~3);
  });
  put32le(out, 8, uint(given(layer.checksum, ctx) ?? crc32c(out), 32, 'sctp.checksum'));
  return out;
};
