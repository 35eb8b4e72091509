/**
 * UDP header (RFC 768) and its checksum over the IPv4 or IPv6 pseudo-header.
 * A computed checksum of 0 is sent as 0xffff, since 0 means "none" over IPv4.
 */
import { internetChecksum, pseudoHeaderSum } from './checksum';
import { type LayerEncoder, enclosingIp, given, put16, uint, wrap } from './context';
import type { UdpInput } from './types';

export const encodeUdp: LayerEncoder<UdpInput> = (layer, inner, ctx) => {
  const out = wrap(8, inner);
  put16(out, 0, uint(layer.srcPort, 16, 'udp.srcPort'));
  put16(out, 2, uint(layer.dstPort, 16, 'udp.dstPort'));
  // Over 65535 bytes (an IPv6 jumbogram) the length field is 0 (RFC 2675).
  put16(out, 4, uint(given(layer.udpLength, ctx) ?? (out.length > 0xffff ? 0 : out.length), 16, 'udp.udpLength'));
  let checksum = given(layer.checksum, ctx);
  if (checksum === undefined) {
    const ip = enclosingIp(ctx, 'udp.checksum');
    checksum = internetChecksum(out, 0, out.length, pseudoHeaderSum(ip.src, ip.dst, 17, out.length)) || 0xffff;
  }
  put16(out, 6, uint(checksum, 16, 'udp.checksum'));
  return out;
};
