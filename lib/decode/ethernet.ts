/**
 * Ethernet II and IEEE 802.3 (with 802.2 LLC and SNAP), and 802.1Q/802.1ad
 * tags, each tag its own `vlan` layer so stacked tags (QinQ) stay in order.
 */
import { formatMac, u16, u24 } from './format';
import type { Packet } from './packet';
import { END, fromEtherType, LLC } from './protocols';
import type { EthernetLayer, LlcLayer, SnapLayer, VlanLayer } from './types';

export class Ethernet implements EthernetLayer {
  readonly kind = 'ethernet' as const;
  readonly length = 14;
  constructor(
    /** @internal */ readonly bytes: Uint8Array,
    readonly offset: number,
    readonly type: number,
  ) {}

  get dst(): string {
    return formatMac(this.bytes, this.offset);
  }

  get src(): string {
    return formatMac(this.bytes, this.offset + 6);
  }
}

/** After an Ethernet type or a tag's type: 802.3 lengths (≤ 1500) bound the frame and lead to LLC. */
function afterType(p: Packet, type: number, layer: 'ethernet' | 'vlan', next: number): number {
  if (type <= 1500) {
    // 802.3: the length field counts the LLC header and data; the rest is padding.
    if (next + type < p.payloadEnd) p.payloadEnd = next + type;
    return LLC;
  }
  return fromEtherType(p, type, layer, next);
}

export function decodeEthernet(p: Packet): number {
  const b = p.bytes;
  const o = p.payloadOffset;
  if (o + 14 > p.payloadEnd) return p.truncated('ethernet', o, 14);
  const type = u16(b, o + 12);
  p.layers.push(new Ethernet(b, o, type));
  p.payloadOffset = o + 14;
  return afterType(p, type, 'ethernet', o + 14);
}

export class Vlan implements VlanLayer {
  readonly kind = 'vlan' as const;
  readonly length = 4;
  constructor(
    readonly offset: number,
    readonly tpid: number,
    readonly priority: number,
    readonly dei: boolean,
    readonly id: number,
    readonly type: number,
  ) {}
}

export function decodeVlan(p: Packet): number {
  const b = p.bytes;
  const o = p.payloadOffset;
  if (o + 4 > p.payloadEnd) return p.truncated('vlan', o, 4);
  const tci = u16(b, o);
  const type = u16(b, o + 2);
  p.layers.push(new Vlan(o, p.etherType, tci >>> 13, (tci & 0x1000) !== 0, tci & 0xfff, type));
  p.payloadOffset = o + 4;
  return afterType(p, type, 'vlan', o + 4);
}

export class Llc implements LlcLayer {
  readonly kind = 'llc' as const;
  constructor(
    readonly offset: number,
    readonly length: number,
    readonly dsap: number,
    readonly ssap: number,
    readonly control: number,
  ) {}
}

export class Snap implements SnapLayer {
  readonly kind = 'snap' as const;
  readonly length = 5;
  constructor(
    readonly offset: number,
    readonly oui: number,
    readonly protocolId: number,
  ) {}
}

/** 802.2 LLC; with SNAP (0xaa/0xaa, UI) the SNAP protocol id is the next ethertype. */
export function decodeLlc(p: Packet): number {
  const b = p.bytes;
  const o = p.payloadOffset;
  if (o + 3 > p.payloadEnd) return p.truncated('llc', o, 3);
  const dsap = b[o]!;
  const ssap = b[o + 1]!;
  // I and S frames (low control bits 0 or 01) have a 2-byte control field; U frames (11) one byte.
  const control1 = b[o + 2]!;
  const long = (control1 & 3) !== 3;
  const len = long ? 4 : 3;
  if (o + len > p.payloadEnd) return p.truncated('llc', o, len);
  p.layers.push(new Llc(o, len, dsap, ssap, long ? (control1 << 8) | b[o + 3]! : control1));
  p.payloadOffset = o + len;
  if (dsap !== 0xaa || ssap !== 0xaa || long) return END;
  const s = o + len;
  if (s + 5 > p.payloadEnd) return p.truncated('snap', s, 5);
  const oui = u24(b, s);
  const pid = u16(b, s + 3);
  p.layers.push(new Snap(s, oui, pid));
  p.payloadOffset = s + 5;
  // Only OUI 0 (and Cisco's 0x0000f8 for 802.1H bridge tunnels) carry ethertypes.
  if (oui !== 0 && oui !== 0xf8) return END;
  return fromEtherType(p, pid, 'snap', s + 5);
}
