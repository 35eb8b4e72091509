/** ICMP (RFC 792): type, code, checksum over the whole message, and the 4 bytes after it. */
import { internetChecksum } from './checksum';
import { type LayerEncoder, given, put16, put32, uint, wrap } from './context';
import type { IcmpInput } from './types';

export const encodeIcmp: LayerEncoder<IcmpInput> = (layer, inner, ctx) => {
  const out = wrap(8, inner);
  out[0] = uint(layer.type, 8, 'icmp.type');
  out[1] = uint(layer.code ?? 0, 8, 'icmp.code');
  const rest =
    layer.restOfHeader ??
    ((uint(layer.identifier ?? 0, 16, 'icmp.identifier') << 16) | uint(layer.sequence ?? 0, 16, 'icmp.sequence')) >>> 0;
  put32(out, 4, uint(rest, 32, 'icmp.restOfHeader'));
  put16(out, 2, uint(given(layer.checksum, ctx) ?? internetChecksum(out), 16, 'icmp.checksum'));
  return out;
};
