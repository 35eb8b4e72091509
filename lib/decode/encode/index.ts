/**
 * The encoder of `ewpcap/decode`: layers in the decoder's shapes to the bytes
 * of a frame, with lengths, next-protocol numbers and checksums filled in.
 *
 * Layers are encoded from the innermost out: each wraps the bytes of what
 * follows it, so a length or checksum is computed over bytes already final.
 */
import { invalid } from '../../errors';
import { encodeArp } from './arp';
import { arena, HEADROOM, type EncodeContext, type LayerEncoder } from './context';
import { encodeDns } from './dns';
import { encodeEthernet } from './ethernet';
import { encodeGre } from './gre';
import { encodeIcmp } from './icmp';
import { encodeIcmpv6 } from './icmpv6';
import { encodeIeee80211 } from './ieee80211';
import { encodeIpv4 } from './ipv4';
import { encodeAh, encodeIpv6, encodeIpv6Fragment, encodeIpv6Options, encodeIpv6Routing } from './ipv6';
import { encodeLlc, encodeSnap } from './llc';
import { encodeNull } from './null';
import { encodeRadiotap } from './radiotap';
import { encodeSctp } from './sctp';
import { encodeSll, encodeSll2 } from './sll';
import { encodeTcp } from './tcp';
import type { EncodeOptions, LayerInput, PacketInput } from './types';
import { encodeUdp } from './udp';
import { encodeVlan } from './vlan';
import { encodeVxlan } from './vxlan';

const ENCODERS: { [K in LayerInput['kind']]: LayerEncoder<Extract<LayerInput, { kind: K }>> } = {
  ethernet: encodeEthernet,
  vlan: encodeVlan,
  llc: encodeLlc,
  snap: encodeSnap,
  sll: encodeSll,
  sll2: encodeSll2,
  null: encodeNull,
  radiotap: encodeRadiotap,
  ieee80211: encodeIeee80211,
  arp: encodeArp,
  ipv4: encodeIpv4,
  ipv6: encodeIpv6,
  'ipv6-hop-by-hop': encodeIpv6Options,
  'ipv6-destination': encodeIpv6Options,
  'ipv6-routing': encodeIpv6Routing,
  'ipv6-fragment': encodeIpv6Fragment,
  ah: encodeAh,
  icmp: encodeIcmp,
  icmpv6: encodeIcmpv6,
  tcp: encodeTcp,
  udp: encodeUdp,
  sctp: encodeSctp,
  gre: encodeGre,
  vxlan: encodeVxlan,
  dns: encodeDns,
};

const EMPTY = new Uint8Array(0);

function bytesOf(value: unknown, field: string): Uint8Array {
  if (value === undefined) return EMPTY;
  if (!(value instanceof Uint8Array)) throw invalid(`${field}: must be a Uint8Array (or Buffer)`);
  return value;
}

/**
 * The bytes of a frame: `packet.layers` outermost first, then `payload`,
 * then `trailer`, ready for `socket.write()`.
 *
 * Accepts a packet from decode() as it is (`encode(decode(linkType, frame))`
 * gives the frame back), a {@link PacketInput}, or just the layers. A field
 * left out that the wire needs is computed (lengths, checksums, next-protocol
 * numbers) or defaulted (TTL and hop limit 64, TCP window 65535, …); one
 * given is written as given unless `options.recompute` is set. Bad input is
 * an EINVAL PcapError naming the field (e.g. `ipv4.src`).
 */
export function encode(packet: PacketInput | readonly LayerInput[], options: EncodeOptions = {}): Uint8Array {
  const input: PacketInput = Array.isArray(packet)
    ? { layers: packet as readonly LayerInput[] }
    : (packet as PacketInput);
  if (input === null || typeof input !== 'object' || !Array.isArray(input.layers)) {
    throw invalid('encode(): packet must be a decoded packet, { layers, payload? } or an array of layers');
  }
  const layers = input.layers;
  const source = input.bytes instanceof Uint8Array ? input.bytes : undefined;
  const recompute = options.recompute === true;
  const payload = bytesOf(input.payload, 'payload');
  const trailer = bytesOf(input.trailer, 'trailer');
  // One buffer for the whole frame: the payload, the trailer after it, room for the headers before it.
  let bytes = arena(payload, HEADROOM, trailer.length);
  new Uint8Array(bytes.buffer, bytes.byteOffset + bytes.length, trailer.length).set(trailer);
  for (let index = layers.length - 1; index >= 0; index--) {
    const layer = layers[index];
    // Own keys only: a kind such as 'toString' must not find Object.prototype's.
    const known = layer !== null && typeof layer === 'object' && Object.hasOwn(ENCODERS, layer.kind);
    const encoder = known ? (ENCODERS[(layer as LayerInput).kind] as LayerEncoder<LayerInput>) : undefined;
    if (encoder === undefined) {
      throw invalid(
        `layers[${index}]: ${JSON.stringify((layer as { kind?: unknown } | null)?.kind)} is not a layer kind`,
      );
    }
    const ctx: EncodeContext = { layers, index, source, recompute };
    const inner = bytes;
    bytes = encoder(layer, inner, ctx);
    // An encoder that had to move to a bigger buffer left the trailer behind.
    if (trailer.length > 0 && bytes.buffer !== inner.buffer) bytes = withTrailer(bytes, trailer);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length + trailer.length);
}

/** `bytes` moved to a buffer with the trailer after them (the view still ends before it). */
function withTrailer(bytes: Uint8Array, trailer: Uint8Array): Uint8Array {
  const moved = arena(bytes, HEADROOM, trailer.length);
  new Uint8Array(moved.buffer, moved.byteOffset + moved.length, trailer.length).set(trailer);
  return moved;
}

export { crc32c, internetChecksum, pseudoHeaderSum } from './checksum';
export * from './types';
