/**
 * The 802.11 MAC header: frame control, duration, the addresses the frame
 * carries, sequence control (management and data frames), the fourth address
 * (data frames between distribution systems), QoS control and HT control.
 * Multi-byte fields other than frame control are little-endian.
 */
import { writeMac } from './address';
import { type LayerEncoder, put16le, put32le, sourceRange, uint, wrap } from './context';
import type { Ieee80211Input } from './types';

export const encodeIeee80211: LayerEncoder<Ieee80211Input> = (layer, inner, ctx) => {
  // Frame control as the decoder gives it: first byte (subtype, type, version) << 8 | flags byte.
  const fc = uint(
    layer.frameControl ??
      (((uint(layer.subtype ?? 0, 4, 'ieee80211.subtype') << 4) | (uint(layer.type ?? 2, 2, 'ieee80211.type') << 2)) <<
        8) |
        uint(layer.flags ?? 0, 8, 'ieee80211.flags'),
    16,
    'ieee80211.frameControl',
  );
  const type = (fc >>> 10) & 3;
  const flags = fc & 0xff;
  const addresses = [layer.addr1, layer.addr2, layer.addr3].filter((a) => a !== undefined);
  // Management and data frames carry sequence control after the third address.
  const hasSequence = type === 0 || type === 2;
  const qos = layer.qosControl !== undefined;
  const htc = (flags & 0x80) !== 0 && (type === 0 || (type === 2 && qos));
  const length =
    4 +
    6 * addresses.length +
    (hasSequence ? 2 : 0) +
    (layer.addr4 !== undefined ? 6 : 0) +
    (qos ? 2 : 0) +
    (htc ? 4 : 0);
  const out = wrap(length, inner);
  out[0] = fc >>> 8;
  out[1] = flags;
  put16le(out, 2, uint(layer.duration ?? 0, 16, 'ieee80211.duration'));
  let at = 4;
  addresses.forEach((a, i) => {
    writeMac(a, out, at, `ieee80211.addr${i + 1}`);
    at += 6;
  });
  if (hasSequence) {
    const sequence = uint(layer.sequence ?? 0, 12, 'ieee80211.sequence');
    put16le(out, at, (sequence << 4) | uint(layer.fragment ?? 0, 4, 'ieee80211.fragment'));
    at += 2;
  }
  if (layer.addr4 !== undefined) {
    writeMac(layer.addr4, out, at, 'ieee80211.addr4');
    at += 6;
  }
  if (qos) {
    put16le(out, at, uint(layer.qosControl, 16, 'ieee80211.qosControl'));
    at += 2;
  }
  if (htc) {
    const decoded = layer.offset === undefined ? undefined : sourceRange(ctx, layer.offset + at, layer.offset + at + 4);
    if (layer.htControl === undefined && decoded) out.set(decoded, at);
    else put32le(out, at, uint(layer.htControl ?? 0, 32, 'ieee80211.htControl'));
  }
  return out;
};
