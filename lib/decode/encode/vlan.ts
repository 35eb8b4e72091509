/**
 * An 802.1Q / 802.1ad tag after the ethertype that announced it: priority,
 * DEI, VLAN id, then the next ethertype. The tag's TPID is written by the
 * layer before it (an Ethernet type or the previous tag's type).
 */
import { type LayerEncoder, givenType, nextEtherType, nextLayer, put16, uint, wrap } from './context';
import type { VlanInput } from './types';

export const encodeVlan: LayerEncoder<VlanInput> = (layer, inner, ctx) => {
  const out = wrap(4, inner);
  const tci =
    (uint(layer.priority ?? 0, 3, 'vlan.priority') << 13) | (layer.dei ? 0x1000 : 0) | uint(layer.id, 12, 'vlan.id');
  put16(out, 0, tci);
  const type =
    givenType(layer.type, ctx) ?? (nextLayer(ctx)?.kind === 'llc' ? inner.length : nextEtherType(ctx, 'vlan.type'));
  put16(out, 2, uint(type, 16, 'vlan.type'));
  return out;
};
