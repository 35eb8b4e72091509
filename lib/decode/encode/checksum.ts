/**
 * The checksums an encoder has to fill in: the internet checksum (RFC 1071)
 * of IPv4, ICMP, ICMPv6, TCP and UDP, the IPv4 and IPv6 pseudo-headers the
 * transport checksums cover, and SCTP's CRC32c (RFC 9260 appendix A).
 *
 * Every function reads a range of a Uint8Array in place: a frame is built in
 * one buffer and checksummed where it lies, without copies.
 */

import { fold, sum16 } from '../checksum';

/**
 * The value for a checksum field: the complemented ones' complement sum of
 * `bytes[start, end)` (checksum field zero) added to `initial`, a
 * pseudo-header sum. Over bytes whose checksum field is filled in, 0 means valid.
 */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  return ~fold(sum16(bytes, start, end, initial)) & 0xffff;
}

/**
 * The unfolded sum of the pseudo-header that TCP, UDP and ICMPv6 checksums
 * cover: for IPv4 (4-byte addresses, RFC 793 §3.1) source, destination,
 * protocol and a 16-bit length; for IPv6 (16-byte addresses, RFC 8200 §8.1)
 * source, destination, a 32-bit length and the next header. Both come to the
 * same sum of 16-bit words.
 */
export function pseudoHeaderSum(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  const sum = sum16(src, 0, src.length, 0) + sum16(dst, 0, dst.length, 0);
  return sum + protocol + (length & 0xffff) + Math.floor(length / 0x10000);
}

/** CRC32c, reflected polynomial 0x82f63b78 (Castagnoli), one table of 256 entries built on first use. */
let crc32cTable: Uint32Array | undefined;

function buildCrc32cTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/**
 * CRC32c of `bytes[start, end)`, as used by SCTP (the checksum field is zero
 * while it is computed). The result is the CRC as a number; SCTP stores it
 * in little-endian byte order (RFC 9260 appendix A).
 */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const table = (crc32cTable ??= buildCrc32cTable());
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
