/** IPv4 header (RFC 791) with options; total length and header checksum computed unless given. */
import { invalid } from '../../errors';
import { writeIpv4 } from './address';
import { internetChecksum } from './checksum';
import { type LayerEncoder, given, givenType, nextIpProtocol, put16, uint, wrap } from './context';
import type { Ipv4Input } from './types';

export const encodeIpv4: LayerEncoder<Ipv4Input> = (layer, inner, ctx) => {
  const options = layer.options ?? new Uint8Array(0);
  // Options are padded with zeros (end of option list) to the 4-byte header unit.
  const headerLength = given(layer.headerLength, ctx) ?? 20 + Math.ceil(options.length / 4) * 4;
  if (headerLength % 4 !== 0 || headerLength < 20 || headerLength > 60 || 20 + options.length > headerLength) {
    throw invalid(`ipv4.headerLength: ${headerLength} cannot hold 20 bytes and ${options.length} bytes of options`);
  }
  const out = wrap(headerLength, inner);
  out[0] = (uint(layer.version ?? 4, 4, 'ipv4.version') << 4) | (headerLength / 4);
  out[1] = (uint(layer.dscp ?? 0, 6, 'ipv4.dscp') << 2) | uint(layer.ecn ?? 0, 2, 'ipv4.ecn');
  // Over 65535 bytes (Linux BIG TCP, a GSO capture) the field is 0, as Linux sends it.
  put16(out, 2, uint(given(layer.totalLength, ctx) ?? (out.length > 0xffff ? 0 : out.length), 16, 'ipv4.totalLength'));
  put16(out, 4, uint(layer.id ?? 0, 16, 'ipv4.id'));
  const flags = layer.flags ?? (layer.dontFragment ? 2 : 0) | (layer.moreFragments ? 1 : 0);
  put16(out, 6, (uint(flags, 3, 'ipv4.flags') << 13) | uint(layer.fragmentOffset ?? 0, 13, 'ipv4.fragmentOffset'));
  out[8] = uint(layer.ttl ?? 64, 8, 'ipv4.ttl');
  out[9] = uint(givenType(layer.protocol, ctx) ?? nextIpProtocol(ctx, 'ipv4.protocol'), 8, 'ipv4.protocol');
  writeIpv4(layer.src, out, 12, 'ipv4.src');
  writeIpv4(layer.dst, out, 16, 'ipv4.dst');
  out.set(options, 20);
  put16(out, 10, uint(given(layer.checksum, ctx) ?? internetChecksum(out, 0, headerLength), 16, 'ipv4.checksum'));
  return out;
};
