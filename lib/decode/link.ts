/** The small link layers: NULL/LOOP, and RAW (IPv4 or IPv6 by the version nibble). */
import { u32, u32le } from './format';
import type { Packet } from './packet';
import { END, IPV4, IPV6 } from './protocols';
import type { NullLayer } from './types';

export class Null implements NullLayer {
  readonly kind = 'null' as const;
  readonly length = 4;
  constructor(
    readonly offset: number,
    readonly family: number,
    readonly loop: boolean,
  ) {}
}

/**
 * NULL's family is in the capturing host's byte order, so a value whose
 * low 16 bits are zero was written big-endian (as libpcap and tshark guess);
 * LOOP's is always big-endian. AF_INET is 2 everywhere; AF_INET6 is 10
 * (Linux), 24 (NetBSD, OpenBSD), 28 (FreeBSD), 30 (macOS).
 */
export function decodeNull(p: Packet, loop: boolean): number {
  const b = p.bytes;
  const o = p.payloadOffset;
  if (o + 4 > p.payloadEnd) return p.truncated('null', o, 4);
  let family = loop ? u32(b, o) : u32le(b, o);
  if (!loop && (family & 0xffff) === 0) family = u32(b, o);
  p.layers.push(new Null(o, family, loop));
  p.payloadOffset = o + 4;
  if (family === 2) return IPV4;
  if (family === 10 || family === 24 || family === 28 || family === 30) return IPV6;
  return p.fail('null', 'unknown-type', o + 4, `address family ${family} is not decoded`, family);
}

export function decodeRaw(p: Packet): number {
  const o = p.payloadOffset;
  if (o >= p.payloadEnd) return p.truncated('link', o, 1);
  const version = p.bytes[o]! >>> 4;
  if (version === 4) return IPV4;
  if (version === 6) return IPV6;
  p.fail('link', 'unknown-type', o, `raw IP version ${version}`, version);
  return END;
}
