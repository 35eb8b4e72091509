/**
 * Internet checksum verification (RFC 1071) in place, over ranges of the
 * packet's bytes: the layers verify their checksums only when read.
 */
/** One's complement sum of bytes[start, end) as 16-bit big-endian words, not folded. */
export function sum16(b: Uint8Array, start: number, end: number, initial: number): number {
  let sum = initial;
  let i = start;
  const last = end - 1;
  for (; i < last; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (i === last) sum += b[i]! << 8;
  return sum;
}

export function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** Whether the range, checksum field included, sums to 0xffff (i.e. verifies). */
export function verifies(b: Uint8Array, start: number, end: number, initial: number): boolean {
  return fold(sum16(b, start, end, initial)) === 0xffff;
}

/**
 * The pseudo-header sum of IPv4 (addrLen 4) or IPv6 (16) addresses at `src`
 * and `dst` (apart when an IPv6 routing header names the final destination).
 */
export function pseudoSum(
  b: Uint8Array,
  src: number,
  dst: number,
  addrLen: number,
  protocol: number,
  length: number,
): number {
  const sum = sum16(b, src, src + addrLen, sum16(b, dst, dst + addrLen, 0));
  return sum + protocol + (length & 0xffff) + Math.floor(length / 0x10000);
}
