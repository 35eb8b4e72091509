/** IEEE 802.2 LLC header, and the SNAP header that follows LLC AA-AA-03. */
import { type LayerEncoder, givenType, nextEtherType, put16, uint, wrap } from './context';
import type { LlcInput, SnapInput } from './types';

export const encodeLlc: LayerEncoder<LlcInput> = (layer, inner) => {
  const control = layer.control ?? 0x03;
  // U frames (low two bits of the first control byte 11) have a 1-byte control field; I and S
  // frames a 2-byte one, which the decoder gives as first byte << 8 | second.
  const wide = layer.length !== undefined ? layer.length === 4 : control > 0xff || (control & 0x03) !== 0x03;
  const out = wrap(wide ? 4 : 3, inner);
  out[0] = uint(layer.dsap, 8, 'llc.dsap');
  out[1] = uint(layer.ssap, 8, 'llc.ssap');
  if (wide) put16(out, 2, uint(control, 16, 'llc.control'));
  else out[2] = uint(control, 8, 'llc.control');
  return out;
};

export const encodeSnap: LayerEncoder<SnapInput> = (layer, inner, ctx) => {
  const out = wrap(5, inner);
  const oui = uint(layer.oui ?? 0, 24, 'snap.oui');
  out[0] = oui >>> 16;
  put16(out, 1, oui & 0xffff);
  put16(out, 3, uint(givenType(layer.protocolId, ctx) ?? nextEtherType(ctx, 'snap.protocolId'), 16, 'snap.protocolId'));
  return out;
};
