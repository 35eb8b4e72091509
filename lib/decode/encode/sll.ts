/** Linux cooked capture headers, LINUX_SLL (v1, 16 bytes) and LINUX_SLL2 (v2, 20 bytes). */
import { hexLength, writeHex } from './address';
import {
  type EncodeContext,
  type LayerEncoder,
  given,
  givenType,
  nextEtherType,
  put16,
  put32,
  sourceRange,
  uint,
  wrap,
} from './context';
import type { Sll2Input, SllInput } from './types';

/**
 * The 8-byte address field at `at`: the address's bytes, then the bytes a
 * decoded header had after them (a kernel may leave any value there), or zeros.
 */
function writeAddress(
  layer: SllInput | Sll2Input,
  out: Uint8Array,
  at: number,
  sourceAt: number | undefined,
  ctx: EncodeContext,
  field: string,
): number {
  const address = layer.address ?? '';
  const n = writeHex(address, out, at, field, 8);
  const rest = sourceAt === undefined ? undefined : sourceRange(ctx, sourceAt + n, sourceAt + 8);
  if (rest) out.set(rest, at + n);
  return given(layer.addressLength, ctx) ?? hexLength(address);
}

export const encodeSll: LayerEncoder<SllInput> = (layer, inner, ctx) => {
  const out = wrap(16, inner);
  put16(out, 0, uint(layer.packetType ?? 0, 16, 'sll.packetType'));
  put16(out, 2, uint(layer.arphrdType ?? 1, 16, 'sll.arphrdType'));
  const addressAt = layer.offset === undefined ? undefined : layer.offset + 6;
  put16(out, 4, uint(writeAddress(layer, out, 6, addressAt, ctx, 'sll.address'), 16, 'sll.addressLength'));
  put16(out, 14, uint(givenType(layer.protocol, ctx) ?? nextEtherType(ctx, 'sll.protocol'), 16, 'sll.protocol'));
  return out;
};

export const encodeSll2: LayerEncoder<Sll2Input> = (layer, inner, ctx) => {
  const out = wrap(20, inner);
  put16(out, 0, uint(givenType(layer.protocol, ctx) ?? nextEtherType(ctx, 'sll2.protocol'), 16, 'sll2.protocol'));
  // Bytes 2-3 are reserved (zero).
  put32(out, 4, uint(layer.interfaceIndex ?? 0, 32, 'sll2.interfaceIndex'));
  put16(out, 8, uint(layer.arphrdType ?? 1, 16, 'sll2.arphrdType'));
  out[10] = uint(layer.packetType ?? 0, 8, 'sll2.packetType');
  const addressAt = layer.offset === undefined ? undefined : layer.offset + 12;
  out[11] = uint(writeAddress(layer, out, 12, addressAt, ctx, 'sll2.address'), 8, 'sll2.addressLength');
  return out;
};
