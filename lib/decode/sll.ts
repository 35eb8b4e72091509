/** Linux cooked captures: LINUX_SLL (v1, 16 bytes) and LINUX_SLL2 (v2, 20 bytes). */
import { formatHex, u16, u32 } from './format';
import type { Packet } from './packet';
import { fromEtherType, LLC } from './protocols';
import type { Sll2Layer, SllLayer } from './types';

/**
 * The protocol field is an ethertype except for a few ARPHRD types and the
 * Linux protocol numbers below 0x0600 (ETH_P_802_2 = 4: an LLC header follows).
 */
function fromSllProtocol(p: Packet, protocol: number, arphrd: number, layer: 'sll' | 'sll2', at: number): number {
  // ARPHRD_IPGRE (778): the protocol is GRE's; ARPHRD_NETLINK (824), ARPHRD_IEEE80211_RADIOTAP (803) differ.
  if (arphrd === 824 || arphrd === 803) {
    return p.fail(layer, 'unknown-type', at, `ARPHRD type ${arphrd} is not decoded`, arphrd);
  }
  if (protocol === 4) return LLC;
  if (protocol < 0x0600)
    return p.fail(layer, 'unknown-type', at, `Linux protocol ${protocol} is not decoded`, protocol);
  return fromEtherType(p, protocol, layer, at);
}

export class Sll implements SllLayer {
  readonly kind = 'sll' as const;
  readonly length = 16;
  constructor(
    /** @internal */ readonly bytes: Uint8Array,
    readonly offset: number,
  ) {}
  get packetType(): number {
    return u16(this.bytes, this.offset);
  }
  get arphrdType(): number {
    return u16(this.bytes, this.offset + 2);
  }
  get addressLength(): number {
    return u16(this.bytes, this.offset + 4);
  }
  get address(): string {
    return formatHex(this.bytes, this.offset + 6, Math.min(8, this.addressLength));
  }
  get protocol(): number {
    return u16(this.bytes, this.offset + 14);
  }
}

export function decodeSll(p: Packet): number {
  const b = p.bytes;
  const o = p.payloadOffset;
  if (o + 16 > p.payloadEnd) return p.truncated('sll', o, 16);
  p.layers.push(new Sll(b, o));
  p.payloadOffset = o + 16;
  return fromSllProtocol(p, u16(b, o + 14), u16(b, o + 2), 'sll', o + 16);
}

export class Sll2 implements Sll2Layer {
  readonly kind = 'sll2' as const;
  readonly length = 20;
  constructor(
    /** @internal */ readonly bytes: Uint8Array,
    readonly offset: number,
  ) {}
  get protocol(): number {
    return u16(this.bytes, this.offset);
  }
  get interfaceIndex(): number {
    return u32(this.bytes, this.offset + 4);
  }
  get arphrdType(): number {
    return u16(this.bytes, this.offset + 8);
  }
  get packetType(): number {
    return this.bytes[this.offset + 10]!;
  }
  get addressLength(): number {
    return this.bytes[this.offset + 11]!;
  }
  get address(): string {
    return formatHex(this.bytes, this.offset + 12, Math.min(8, this.addressLength));
  }
}

export function decodeSll2(p: Packet): number {
  const b = p.bytes;
  const o = p.payloadOffset;
  if (o + 20 > p.payloadEnd) return p.truncated('sll2', o, 20);
  p.layers.push(new Sll2(b, o));
  p.payloadOffset = o + 20;
  return fromSllProtocol(p, u16(b, o), u16(b, o + 8), 'sll2', o + 20);
}
