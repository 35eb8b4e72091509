/**
 * The checksum primitives of the encoder against published vectors: RFC 1071's
 * worked example, RFC 3720's CRC32c vectors, and headers whose checksums were
 * computed by a real stack (the frames of `../shared/captures` are checked
 * through the encoder in encode-captures.test.ts).
 */
import { crc32c, internetChecksum, pseudoHeaderSum } from '../lib/decode/encode/checksum';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

describe('internet checksum', () => {
  test("RFC 1071's example sums to 0xddf2, so the checksum is 0x220d", () => {
    const bytes = hex('0001 f203 f4f5 f6f7');
    expect(internetChecksum(bytes)).toBe(0x220d);
  });

  test('an odd last byte is the high byte of a zero-padded word', () => {
    expect(internetChecksum(hex('0102 03'), 0, 3)).toBe(~(0x0102 + 0x0300) & 0xffff);
  });

  test('the initial sum (a pseudo-header) is added in', () => {
    expect(internetChecksum(hex('0001 f203 f4f5 f6f7'), 0, 8, 0x0100)).toBe(0x220d - 0x0100);
  });

  test('a range of a larger buffer is summed in place', () => {
    const bytes = hex('ffff 0001 f203 f4f5 f6f7 ffff');
    expect(internetChecksum(bytes, 2, 10)).toBe(0x220d);
  });

  // The IPv4 header of the first frame of ../shared/captures/ntp.pcap (tshark: checksum 0x0e7f, good).
  const ipv4 = hex('4500 0064 e2b5 4000 4011 0e7f c0a8 6402 c0a8 6401');

  test('a real IPv4 header verifies to 0 and its checksum is recomputed from zero', () => {
    expect(internetChecksum(ipv4)).toBe(0);
    const zeroed = ipv4.slice();
    zeroed[10] = zeroed[11] = 0;
    expect(internetChecksum(zeroed)).toBe(0x0e7f);
  });

  test('carries fold more than once when the sum is large', () => {
    const ones = new Uint8Array(65536).fill(0xff);
    // 32768 words of 0xffff: ones' complement sum 0xffff, checksum 0.
    expect(internetChecksum(ones)).toBe(0);
  });
});

describe('pseudo-headers', () => {
  test('IPv4: the pseudo-header is the sum of its words, and a filled-in UDP checksum verifies to 0', () => {
    // 10.0.0.1:53 -> 10.0.0.2:40000, 'hi' (udp length 10).
    const src = hex('0a000001');
    const dst = hex('0a000002');
    const udp = hex('0035 9c40 000a 0000 6869');
    const sum = pseudoHeaderSum(src, dst, 17, udp.length);
    // The same sum spelled out word by word.
    expect(sum).toBe(0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 17 + 10);
    const c = internetChecksum(udp, 0, udp.length, sum);
    udp[6] = c >> 8;
    udp[7] = c & 0xff;
    expect(internetChecksum(udp, 0, udp.length, sum)).toBe(0);
  });

  test('IPv6: the length is 32 bits and the next header sits in the last word', () => {
    const src = hex('fe80 0000 0000 0000 0000 0000 0000 0001');
    const dst = hex('ff02 0000 0000 0000 0000 0000 0000 0002');
    expect(pseudoHeaderSum(src, dst, 58, 0x12345)).toBe(0xfe80 + 1 + 0xff02 + 2 + 0x1 + 0x2345 + 58);
  });
});

describe('CRC32c', () => {
  // RFC 3720 appendix B.4 (the CRC values, before SCTP's little-endian store).
  test.each([
    ['32 bytes of zero', new Uint8Array(32), 0x8a9136aa],
    ['32 bytes of 0xff', new Uint8Array(32).fill(0xff), 0x62a8ab43],
    ['32 incrementing bytes', Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
    ['32 decrementing bytes', Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0x113fdb5c],
    ['"123456789"', Uint8Array.from(Buffer.from('123456789')), 0xe3069283],
  ])('%s', (_name, bytes, crc) => {
    expect(crc32c(bytes)).toBe(crc);
  });

  test('a range is computed in place', () => {
    const bytes = new Uint8Array(40).fill(7);
    bytes.fill(0, 4, 36);
    expect(crc32c(bytes, 4, 36)).toBe(0x8a9136aa);
  });
});
