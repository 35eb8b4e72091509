/**
 * Build, then decode: every field given to encode() comes back from
 * decode(), every checksum the decoder verifies is good, and tshark (with
 * checksum validation on) finds every checksum of the built frames good.
 * Bad input is an EINVAL PcapError naming the field.
 */
import { decode, encode, LinkType, type LayerInput, type DecodedPacket } from '../lib/decode';
import { auditChecksums, tally } from './support/checksum-audit';
import { cases, MAC_A, MAC_B } from './support/encode-cases';

const NOT_DECODED = new Set(['rdata']);

/** Every field given in `input` equals the decoded layer's (nested lists field by field). */
function expectFields(input: object, decoded: object, where: string): void {
  for (const [key, value] of Object.entries(input)) {
    // Inputs the decoder has no field for are checked from the bytes by the test.
    if (value === undefined || NOT_DECODED.has(key)) continue;
    const got = (decoded as Record<string, unknown>)[key];
    if (value instanceof Uint8Array) {
      // Options are padded to their unit; the given bytes come first.
      expect([where + '.' + key, Buffer.from((got as Uint8Array).subarray(0, value.length))]).toEqual([
        where + '.' + key,
        Buffer.from(value),
      ]);
    } else if (Array.isArray(value) && typeof value[0] === 'object') {
      value.forEach((v, i) => expectFields(v as object, (got as object[])[i]!, `${where}.${key}[${i}]`));
    } else {
      expect([where + '.' + key, got]).toEqual([where + '.' + key, value]);
    }
  }
}

function checksumStatuses(d: DecodedPacket): string[] {
  return d.layers
    .filter((l) => 'checksumStatus' in l)
    .map((l) => `${l.kind} ${(l as { checksumStatus: string }).checksumStatus}`);
}

describe('build then decode', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const frame = encode({ layers: c.layers, payload: c.payload });
    const d = decode(c.linkType, frame);
    expect(d.error).toBeNull();
    expect(d.layers.map((l) => l.kind)).toEqual(c.layers.map((l) => l.kind));
    c.layers.forEach((l, i) => expectFields(l, d.layers[i]!, `${l.kind}#${i}`));
    const icmpv6 = d.layer('icmpv6');
    // A decoded ICMPv6 layer is its 8-byte header: the neighbour discovery body is in the payload.
    const ndBody = icmpv6 ? d.payloadOffset - icmpv6.offset - 8 + (d.payloadEnd - d.payloadOffset) : 0;
    expect(Buffer.from(d.payload.subarray(ndBody))).toEqual(Buffer.from(c.payload ?? new Uint8Array(0)));
    if (icmpv6) {
      const input = c.layers.find((l) => l.kind === 'icmpv6')!;
      for (const [i, o] of (input.ndpOptions ?? []).entries()) {
        const got = icmpv6.ndpOptions[i]!;
        if (o.data)
          expect(Buffer.from(d.bytes.subarray(got.offset + 2, got.offset + 2 + o.data.length))).toEqual(
            Buffer.from(o.data),
          );
      }
      if (input.type === 134) {
        expect(Buffer.from(d.payload.subarray(0, 8)).readUInt32BE(0)).toBe(input.reachableTime);
        expect(Buffer.from(d.payload.subarray(0, 8)).readUInt32BE(4)).toBe(input.retransTimer);
      }
    }
    expect(d.trailer.length).toBe(0);
    for (const s of checksumStatuses(d)) expect(s).toMatch(/ good$/);
    // And back: the decoded packet encodes to the same bytes.
    expect(Buffer.from(encode(d))).toEqual(Buffer.from(frame));
  });

  test('tshark finds every checksum of the built frames good', () => {
    const byLink = new Map<number, Uint8Array[]>();
    for (const c of cases)
      byLink.set(c.linkType, [...(byLink.get(c.linkType) ?? []), encode({ layers: c.layers, payload: c.payload })]);
    const total: Record<string, number> = {};
    for (const [linkType, frames] of byLink) {
      for (const [k, n] of Object.entries(tally(auditChecksums(linkType, frames)))) total[k] = (total[k] ?? 0) + n;
    }
    process.stderr.write(`tshark on ${cases.length} built frames: ${JSON.stringify(total)}\n`);
    expect(Object.keys(total).filter((k) => !k.endsWith(' Good'))).toEqual([]);
    for (const p of ['ip', 'tcp', 'udp', 'icmp', 'icmpv6', 'sctp', 'gre'])
      expect(total[`${p} Good`]).toBeGreaterThan(0);
  }, 60_000);
});

describe('what the encoder computes', () => {
  test('DNS names are compressed: a repeated suffix is a pointer to its first occurrence', () => {
    const frame = encode([
      {
        kind: 'dns',
        id: 1,
        questions: [
          { name: 'a.example.com', type: 1 },
          { name: 'b.example.com', type: 1 },
        ],
      },
    ]);
    const bytes = Buffer.from(frame);
    // Header 12 bytes, then 1a 7example 3com 0 (15 bytes) + type/class, then 1b + pointer to "example.com" at 14.
    expect(bytes.subarray(12, 27).toString('latin1')).toBe('\x01a\x07example\x03com\x00');
    expect(bytes.subarray(31, 35)).toEqual(Buffer.from([1, 0x62, 0xc0, 14]));
    expect(frame.length).toBe(12 + 19 + 8);
  });

  test('a packet decoded from the middle of a larger buffer encodes to its own bytes', () => {
    // SCTP chunk values and the SLL address padding are copied from the decoded bytes by offset.
    const sctp = cases.find((c) => c.name.includes('SCTP'))!;
    const frame = encode({ layers: sctp.layers });
    const big = new Uint8Array(frame.length + 20).fill(0xa5);
    big.set(frame, 7);
    const d = decode(sctp.linkType, big, 7, frame.length);
    expect(d.error).toBeNull();
    expect(Buffer.from(encode(d))).toEqual(Buffer.from(frame));
  });

  test("headers beyond the first buffer's headroom, with a trailer after the frame", () => {
    const answers = Array.from({ length: 40 }, (_, i) => ({
      name: `host${i}.example.net`,
      type: 1,
      ttl: i,
      data: `10.0.0.${i}`,
    }));
    const trailer = Uint8Array.from([0xde, 0xad, 0xbe, 0xef]);
    const frame = encode({
      layers: [
        { kind: 'ethernet', dst: MAC_B, src: MAC_A },
        { kind: 'ipv4', src: '192.0.2.53', dst: '192.0.2.1' },
        { kind: 'udp', srcPort: 53, dstPort: 5353 },
        { kind: 'dns', id: 9, flags: 0x8180, answers },
      ],
      trailer,
    });
    const d = decode(LinkType.EN10MB, frame);
    expect(d.error).toBeNull();
    expect(d.layer('dns')!.answers.map((a) => [a.name, a.data])).toEqual(answers.map((a) => [a.name, a.data]));
    expect(Buffer.from(d.trailer)).toEqual(Buffer.from(trailer));
    expect([d.layer('ipv4')!.checksumStatus, d.layer('udp')!.checksumStatus]).toEqual(['good', 'good']);
    expect(d.layer('udp')!.udpLength + 20 + 14 + 4).toBe(frame.length);
  });

  test('a given checksum or length is kept; recompute replaces it', () => {
    const layers: LayerInput[] = [
      { kind: 'ipv4', src: '192.0.2.1', dst: '192.0.2.2', checksum: 0xbeef, totalLength: 99 },
      { kind: 'udp', srcPort: 1, dstPort: 2, checksum: 0x1234 },
    ];
    const kept = decode(LinkType.RAW, encode(layers));
    expect([kept.layer('ipv4')!.checksum, kept.layer('ipv4')!.totalLength, kept.layer('udp')!.checksum]).toEqual([
      0xbeef, 99, 0x1234,
    ]);
    const fresh = decode(LinkType.RAW, encode(layers, { recompute: true }));
    expect(fresh.layer('ipv4')!.totalLength).toBe(28);
    expect([fresh.layer('ipv4')!.checksumStatus, fresh.layer('udp')!.checksumStatus]).toEqual(['good', 'good']);
  });

  test.each([
    ['a bad address', [{ kind: 'ipv4', src: '192.0.2.300', dst: '192.0.2.1', protocol: 17 }], /ipv4\.src/],
    ['a bad MAC', [{ kind: 'ethernet', src: '02:00:00:00:00', dst: MAC_B, type: 0x0800 }], /ethernet\.src/],
    [
      'a port out of range',
      [
        { kind: 'ipv4', src: '192.0.2.1', dst: '192.0.2.2' },
        { kind: 'udp', srcPort: 70000, dstPort: 1 },
      ],
      /udp\.srcPort/,
    ],
    ['a next protocol it cannot infer', [{ kind: 'ethernet', src: MAC_A, dst: MAC_B }], /ethernet\.type/],
    ['TCP with no IP for the pseudo-header', [{ kind: 'tcp', srcPort: 1, dstPort: 2 }], /tcp\.checksum/],
    [
      'a DNS label over 63 bytes',
      [{ kind: 'dns', questions: [{ name: 'x'.repeat(64) + '.com', type: 1 }] }],
      /dns\.questions\[0\]\.name/,
    ],
    ['an unknown kind', [{ kind: 'ipx' }], /layers\[0\]/],
    ['a kind that is an Object.prototype key', [{ kind: 'toString' }], /layers\[0\]/],
    ['a layer that is not an object', [null], /layers\[0\]/],
  ])('%s is an EINVAL naming the field', (_name, layers, message) => {
    let error: { code?: string; message?: string } | undefined;
    try {
      encode(layers as LayerInput[]);
    } catch (e) {
      error = e as typeof error;
    }
    expect(error?.code).toBe('EINVAL');
    expect(error?.message).toMatch(message);
  });
});
