/**
 * TCP header (RFC 9293) with options, and its checksum over the IPv4 or
 * IPv6 pseudo-header, the header and the data.
 */
import { invalid } from '../../errors';
import { internetChecksum, pseudoHeaderSum } from './checksum';
import { type LayerEncoder, enclosingIp, given, put16, put32, uint, wrap } from './context';
import type { TcpInput } from './types';

const NOP = 1;

/**
 * The options from the typed fields, in the order Linux sends them on a SYN
 * (MSS, SACK permitted with timestamps, window scale), NOP-aligned, then SACK
 * blocks. Used when `options` (the raw bytes) is not given.
 */
function buildOptions(layer: TcpInput): Uint8Array {
  const o: number[] = [];
  const u16 = (v: number, f: string) => (uint(v, 16, f), o.push(v >>> 8, v & 0xff));
  const u32 = (v: number, f: string) => (
    uint(v, 32, f),
    o.push(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff)
  );
  if (layer.mss !== undefined) {
    o.push(2, 4);
    u16(layer.mss, 'tcp.mss');
  }
  const timestamps = layer.tsval !== undefined || layer.tsecr !== undefined;
  if (layer.sackPermitted) o.push(...(timestamps ? [] : [NOP, NOP]), 4, 2);
  if (timestamps) {
    if (!layer.sackPermitted) o.push(NOP, NOP);
    o.push(8, 10);
    u32(layer.tsval ?? 0, 'tcp.tsval');
    u32(layer.tsecr ?? 0, 'tcp.tsecr');
  }
  if (layer.windowScale !== undefined) o.push(NOP, 3, 3, uint(layer.windowScale, 8, 'tcp.windowScale'));
  const sack = layer.sackBlocks;
  if (sack !== undefined && sack.length > 0) {
    if (sack.length % 2 !== 0) throw invalid('tcp.sackBlocks: give left and right edges in pairs');
    o.push(NOP, NOP, 5, 2 + 4 * sack.length);
    sack.forEach((edge, i) => u32(edge, `tcp.sackBlocks[${i}]`));
  }
  return Uint8Array.from(o);
}

export const encodeTcp: LayerEncoder<TcpInput> = (layer, inner, ctx) => {
  const options = layer.options ?? buildOptions(layer);
  // Options are padded with zeros (end of option list) to the 4-byte unit.
  const headerLength = given(layer.headerLength, ctx) ?? 20 + Math.ceil(options.length / 4) * 4;
  if (headerLength % 4 !== 0 || headerLength < 20 || headerLength > 60 || 20 + options.length > headerLength) {
    throw invalid(`tcp.headerLength: ${headerLength} cannot hold 20 bytes and ${options.length} bytes of options`);
  }
  const out = wrap(headerLength, inner);
  put16(out, 0, uint(layer.srcPort, 16, 'tcp.srcPort'));
  put16(out, 2, uint(layer.dstPort, 16, 'tcp.dstPort'));
  put32(out, 4, uint(layer.seq ?? 0, 32, 'tcp.seq'));
  put32(out, 8, uint(layer.ack ?? 0, 32, 'tcp.ack'));
  put16(out, 12, ((headerLength / 4) << 12) | uint(layer.flags ?? 0, 12, 'tcp.flags'));
  put16(out, 14, uint(layer.window ?? 65535, 16, 'tcp.window'));
  put16(out, 18, uint(layer.urgentPointer ?? 0, 16, 'tcp.urgentPointer'));
  out.set(options, 20);
  let checksum = given(layer.checksum, ctx);
  if (checksum === undefined) {
    const ip = enclosingIp(ctx, 'tcp.checksum');
    checksum = internetChecksum(out, 0, out.length, pseudoHeaderSum(ip.src, ip.dst, 6, out.length));
  }
  put16(out, 16, uint(checksum, 16, 'tcp.checksum'));
  return out;
};
