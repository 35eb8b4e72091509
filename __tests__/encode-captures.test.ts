/**
 * The encoder against the real frames of ../shared/captures:
 * - every frame that decodes without error is rebuilt byte for byte by
 *   encode(decode(frame)) (values given are kept, wrong checksums included);
 * - with { recompute: true }, every whole frame whose checksums verify is
 *   rebuilt byte for byte too, so each length and checksum the encoder
 *   computes equals the one the sending stack wrote;
 * - frames captured with bad checksums (mostly checksum offload), re-encoded
 *   with { recompute: true }, pass tshark's checksum validation.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openOffline } from '../lib';
import { decode, encode, type DecodedPacket, type Layer } from '../lib/decode';
import { auditChecksums, tally } from './support/checksum-audit';

const CAPTURES = path.resolve(__dirname, '..', '..', 'shared', 'captures');
const present = fs.existsSync(CAPTURES);
if (!present) process.stderr.write(`\n*** SKIPPED encode-captures: ${CAPTURES} is absent. ***\n\n`);
const describeCaptures = present ? describe : describe.skip;

interface Frame {
  file: string;
  index: number;
  linkType: number;
  data: Uint8Array;
  /** Wire length. */
  length: number;
}

async function readAll(): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (const file of fs
    .readdirSync(CAPTURES)
    .filter((f) => /\.(pcap|pcapng)$/.test(f))
    .sort()) {
    const s = await openOffline(path.join(CAPTURES, file)).catch(() => undefined);
    if (s === undefined) continue; // a file libpcap cannot open (captures.test.ts covers those)
    let index = 0;
    try {
      for await (const p of s)
        frames.push({ file, index: index++, linkType: p.datalink, data: p.data, length: p.length });
    } catch {
      // The deliberately corrupt files end in a libpcap error after their good packets.
    }
  }
  return frames;
}

function checksumsGood(d: DecodedPacket): boolean {
  return d.layers.every((l) => !('checksumStatus' in l) || l.checksumStatus === 'good');
}

/** The length fields the decoder read; recompute may change these only where the capture's disagree with its bytes. */
function lengthFields(layers: readonly Layer[]): string {
  return layers
    .map((l) => {
      switch (l.kind) {
        case 'ethernet':
        case 'vlan':
          return l.type <= 1500 ? l.type : '';
        case 'ipv4':
          return l.totalLength;
        case 'ipv6':
          return l.payloadLength;
        case 'udp':
          return l.udpLength;
        default:
          return '';
      }
    })
    .join(',');
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');

describeCaptures('encode(decode(frame)) on ../shared/captures', () => {
  let frames: Frame[] = [];
  beforeAll(async () => {
    frames = await readAll();
  }, 120_000);

  test('every frame that decodes fully comes back byte for byte', () => {
    const skipped: Record<string, number> = {};
    const mismatches: string[] = [];
    let reproduced = 0;
    for (const f of frames) {
      const d = decode(f.linkType, f.data);
      if (d.error !== null) {
        const why =
          d.error.reason === 'unknown-type' && d.error.layer === 'link'
            ? `link type ${f.linkType} not decoded`
            : `decode stopped: ${d.error.reason}`;
        skipped[why] = (skipped[why] ?? 0) + 1;
        continue;
      }
      const out = encode(d);
      if (hex(out) === hex(f.data)) reproduced++;
      else mismatches.push(`${f.file} #${f.index} (${d.layers.map((l) => l.kind).join('/')})`);
    }
    process.stderr.write(
      `encode(decode(frame)): ${frames.length} frames, ${reproduced} reproduced byte for byte, ` +
        `${mismatches.length} different; skipped: ${JSON.stringify(skipped)}\n`,
    );
    expect(mismatches).toEqual([]);
    // The shared captures hold 3,264 such frames; far fewer means the decoder or the reader changed.
    expect(reproduced).toBeGreaterThan(3000);
  });

  test('recomputed lengths and checksums equal those of every whole frame whose checksums verify', () => {
    let reproduced = 0;
    const skipped: Record<string, number> = {};
    const mismatches: string[] = [];
    const skip = (why: string) => (skipped[why] = (skipped[why] ?? 0) + 1);
    for (const f of frames) {
      const d = decode(f.linkType, f.data);
      if (d.error !== null) continue;
      if (f.data.length !== f.length) {
        skip('cut by snaplen');
        continue;
      }
      if (!checksumsGood(d)) {
        skip('a checksum is bad, absent or unverifiable');
        continue;
      }
      const out = encode(d, { recompute: true });
      if (hex(out) === hex(f.data)) {
        reproduced++;
        continue;
      }
      // Only a length field that disagrees with the captured bytes may change: re-decoded, the
      // recomputed frame must differ from the capture in its length fields.
      const again = decode(f.linkType, out);
      if (lengthFields(again.layers) !== lengthFields(d.layers)) skip('a length field disagrees with the bytes');
      else mismatches.push(`${f.file} #${f.index} (${d.layers.map((l) => l.kind).join('/')})`);
    }
    process.stderr.write(
      `encode(decode(frame), { recompute: true }): ${reproduced} reproduced, ${mismatches.length} different; ` +
        `skipped: ${JSON.stringify(skipped)}\n`,
    );
    expect(mismatches).toEqual([]);
    expect(reproduced).toBeGreaterThan(2500);
    // Only the few fuzzed files with invalid length fields.
    expect(skipped['a length field disagrees with the bytes'] ?? 0).toBeLessThan(10);
  });

  test('frames captured with bad checksums pass tshark once re-encoded with recompute', () => {
    const byLink = new Map<number, { before: Uint8Array[]; after: Uint8Array[] }>();
    for (const f of frames) {
      const d = decode(f.linkType, f.data);
      if (d.error !== null || f.data.length !== f.length || checksumsGood(d)) continue;
      const entry = byLink.get(f.linkType) ?? { before: [], after: [] };
      entry.before.push(f.data);
      entry.after.push(encode(d, { recompute: true }));
      byLink.set(f.linkType, entry);
    }
    let frameCount = 0;
    const before: Record<string, number> = {};
    const after: Record<string, number> = {};
    for (const [linkType, { before: b, after: a }] of byLink) {
      frameCount += b.length;
      for (const [k, n] of Object.entries(tally(auditChecksums(linkType, b)))) before[k] = (before[k] ?? 0) + n;
      for (const [k, n] of Object.entries(tally(auditChecksums(linkType, a)))) after[k] = (after[k] ?? 0) + n;
    }
    process.stderr.write(
      `tshark on ${frameCount} frames with a bad checksum: as captured ${JSON.stringify(before)}; ` +
        `re-encoded ${JSON.stringify(after)}\n`,
    );
    // The control: tshark does see the captured ones as bad.
    expect(Object.keys(before).filter((k) => k.endsWith(' Bad')).length).toBeGreaterThan(0);
    expect(Object.keys(after).filter((k) => k.endsWith(' Bad'))).toEqual([]);
    expect(Object.entries(after).filter(([k]) => k.endsWith(' Good')).length).toBeGreaterThan(0);
  }, 120_000);
});
