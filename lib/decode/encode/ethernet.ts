/** Ethernet II / IEEE 802.3 header: destination, source, ethertype or 802.3 length. */
import { writeMac } from './address';
import { type LayerEncoder, givenType, nextEtherType, nextLayer, put16, uint, wrap } from './context';
import type { EthernetInput } from './types';

export const encodeEthernet: LayerEncoder<EthernetInput> = (layer, inner, ctx) => {
  const out = wrap(14, inner);
  writeMac(layer.dst, out, 0, 'ethernet.dst');
  writeMac(layer.src, out, 6, 'ethernet.src');
  // Before an LLC header the field is the 802.3 length of what follows.
  const type =
    givenType(layer.type, ctx) ?? (nextLayer(ctx)?.kind === 'llc' ? inner.length : nextEtherType(ctx, 'ethernet.type'));
  put16(out, 12, uint(type, 16, 'ethernet.type'));
  return out;
};
