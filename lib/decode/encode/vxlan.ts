/** VXLAN header (RFC 7348): flags (0x08: the VNI is valid), reserved bytes, the 24-bit VNI. */
import { type LayerEncoder, uint, wrap } from './context';
import type { VxlanInput } from './types';

export const encodeVxlan: LayerEncoder<VxlanInput> = (layer, inner) => {
  const out = wrap(8, inner);
  out[0] = uint(layer.flags ?? 0x08, 8, 'vxlan.flags');
  const vni = uint(layer.vni, 24, 'vxlan.vni');
  out[4] = vni >>> 16;
  out[5] = (vni >>> 8) & 0xff;
  out[6] = vni & 0xff;
  return out;
};
