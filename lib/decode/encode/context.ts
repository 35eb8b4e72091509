/**
 * What every layer encoder shares: the layers around it, the bytes of a
 * decoded packet (if any), field checks, and the next-protocol numbers that a
 * header takes from the layer after it.
 */
import { invalid } from '../../errors';
import { writeIpv4, writeIpv6 } from './address';
import type { LayerInput } from './types';

export interface EncodeContext {
  readonly layers: readonly LayerInput[];
  /** Index of the layer being encoded. */
  readonly index: number;
  /** The decoded packet's bytes, when encoding a decoded packet. */
  readonly source: Uint8Array | undefined;
  readonly recompute: boolean;
}

/**
 * Encodes one layer around `inner` (the encoded layers after it and the
 * payload) and returns the bytes of both.
 */
export type LayerEncoder<L> = (layer: L, inner: Uint8Array, ctx: EncodeContext) => Uint8Array;

/** A value the caller gave for a computed field, or undefined when it is to be computed. */
export function given<T>(value: T | undefined, ctx: EncodeContext): T | undefined {
  return ctx.recompute ? undefined : value;
}

/**
 * A next-protocol number the caller gave, kept even with `recompute` when no
 * typed layer follows to compute it from (e.g. SNAP before an undecoded CDP).
 */
export function givenType<T>(value: T | undefined, ctx: EncodeContext): T | undefined {
  return ctx.recompute && nextLayer(ctx) !== undefined ? undefined : value;
}

/**
 * Buffers made by the encoder, whose bytes before the part in use are free
 * (zero, never handed out): a header is written there instead of copying
 * what follows it into a fresh buffer for every layer.
 */
const arenas = new WeakSet<ArrayBufferLike>();

/** Room left before the payload for the headers; a packet needing more moves once to a bigger buffer. */
export const HEADROOM = 256;

/** A buffer of zeros with `bytes` at HEADROOM, and the view of them in it. */
export function arena(bytes: Uint8Array, headroom = HEADROOM, extra = 0): Uint8Array {
  const buffer = new Uint8Array(headroom + bytes.length + extra);
  arenas.add(buffer.buffer);
  buffer.set(bytes, headroom);
  return buffer.subarray(headroom, headroom + bytes.length);
}

/**
 * `headerLength` zero bytes for the header, then `inner`, as one view: in
 * front of `inner` in the encoder's buffer when there is room, else in a
 * bigger buffer.
 */
export function wrap(headerLength: number, inner: Uint8Array): Uint8Array {
  if (inner.byteOffset >= headerLength && arenas.has(inner.buffer)) {
    return new Uint8Array(inner.buffer, inner.byteOffset - headerLength, headerLength + inner.length);
  }
  const moved = arena(inner, headerLength + HEADROOM);
  return new Uint8Array(moved.buffer, moved.byteOffset - headerLength, headerLength + inner.length);
}

/** 2 ** bits for 0..32, looked up: Math.pow on every field showed in profiles. */
const LIMIT = Array.from({ length: 33 }, (_, bits) => 2 ** bits);

/** An unsigned integer field of `bits` bits, or EINVAL naming it. */
export function uint(value: unknown, bits: number, field: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value < LIMIT[bits]!) || value % 1 !== 0) {
    throw invalid(`${field}: ${String(value)} is not an unsigned ${bits}-bit integer`);
  }
  return value;
}

export function put16(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 8;
  out[at + 1] = value & 0xff;
}

export function put32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}

export function put16le(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = value >>> 8;
}

export function put32le(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
  out[at + 2] = (value >>> 16) & 0xff;
  out[at + 3] = value >>> 24;
}

/** The bytes a decoded layer covered in the decoded packet, from `from` to `to` (absolute indexes), if known. */
export function sourceRange(
  ctx: EncodeContext,
  from: number | undefined,
  to: number | undefined,
): Uint8Array | undefined {
  if (ctx.source === undefined || from === undefined || to === undefined) return undefined;
  if (from < 0 || to > ctx.source.length || to < from) return undefined;
  return ctx.source.subarray(from, to);
}

export function nextLayer(ctx: EncodeContext): LayerInput | undefined {
  return ctx.layers[ctx.index + 1];
}

/** The ethertype announcing the next layer (or the 802.3 length when LLC follows, computed by the caller). */
export function nextEtherType(ctx: EncodeContext, field: string): number {
  const next = nextLayer(ctx);
  switch (next?.kind) {
    case 'ipv4':
      return 0x0800;
    case 'ipv6':
      return 0x86dd;
    case 'arp':
      return 0x0806;
    case 'vlan':
      return next.tpid ?? 0x8100;
    case 'ethernet':
      return 0x6558;
  }
  throw invalid(
    `${field}: give it; it cannot be inferred from ${next ? `a '${next.kind}' layer` : 'nothing'} after it`,
  );
}

const IP_PROTOCOL: Partial<Record<LayerInput['kind'], number>> = {
  'ipv6-hop-by-hop': 0,
  icmp: 1,
  ipv4: 4,
  tcp: 6,
  udp: 17,
  ipv6: 41,
  'ipv6-routing': 43,
  'ipv6-fragment': 44,
  gre: 47,
  ah: 51,
  icmpv6: 58,
  'ipv6-destination': 60,
  sctp: 132,
};

/**
 * The IP protocol / IPv6 next header announcing the next layer; with no layer
 * after it, `none` (IPv6: 59, no next header) or EINVAL asking for the field.
 */
export function nextIpProtocol(ctx: EncodeContext, field: string, none?: number): number {
  const next = nextLayer(ctx);
  if (next === undefined) {
    if (none !== undefined) return none;
    throw invalid(`${field}: give it; no layer follows to infer it from`);
  }
  const p = IP_PROTOCOL[next.kind];
  if (p === undefined) throw invalid(`${field}: give it; a '${next.kind}' layer cannot follow an IP header`);
  return p;
}

/** Scratch for the pseudo-header's addresses: read at once by the caller, so one pair serves every call. */
const SRC = new Uint8Array(16);
const DST = new Uint8Array(16);

/**
 * The source and destination of the IP header a transport layer is carried
 * in, for its pseudo-header (valid until the next call): the nearest IPv4 or IPv6 layer before it. With an
 * IPv6 routing header, the destination is the final one (RFC 8200 §8.1).
 */
export function enclosingIp(ctx: EncodeContext, field: string): { src: Uint8Array; dst: Uint8Array } {
  let finalDst: string | undefined;
  for (let i = ctx.index - 1; i >= 0; i--) {
    const l = ctx.layers[i]!;
    if (l.kind === 'ipv6-routing' && (l.segmentsLeft ?? 0) > 0 && l.addresses && l.addresses.length > 0) {
      // Type 0 lists the route in order; segment routing (4) lists it last hop first.
      finalDst = (l.routingType ?? 0) === 4 ? l.addresses[0] : l.addresses[l.addresses.length - 1];
    }
    if (l.kind === 'ipv4') {
      writeIpv4(l.src, SRC, 0, 'ipv4.src');
      writeIpv4(l.dst, DST, 0, 'ipv4.dst');
      return { src: SRC.subarray(0, 4), dst: DST.subarray(0, 4) };
    }
    if (l.kind === 'ipv6') {
      writeIpv6(l.src, SRC, 0, 'ipv6.src');
      writeIpv6(finalDst ?? l.dst, DST, 0, 'ipv6.dst');
      return { src: SRC, dst: DST };
    }
  }
  throw invalid(`${field}: give it; there is no IPv4 or IPv6 layer before it for the pseudo-header`);
}
