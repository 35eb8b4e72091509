/**
 * Fuzzing of ewpcap/decode (issue 15): a fixed share of the inputs of
 * scripts/fuzz-decode.js (random bytes for every link type, prefixes, byte
 * flips and splices of the shared captures, odd arguments), run on the built
 * decoder (dist/decode) in a worker under a watchdog. No input may make
 * decode() throw, hang, or hand back a view, offset or field that reaches
 * outside the packet. The script runs every input (several million).
 *
 * The harness itself is checked on decoders with a planted bug (wrappers of
 * the real one written to a scratch directory), so that a passing run means
 * the checks ran, not that they cannot fail.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

interface FuzzReport {
  inputs: number;
  failureCount: number;
  failures: Array<{ family: string; index: number; problems: string[] }>;
  slow: Array<{ family: string; index: number; ms: number }>;
  hang: { family: string; index: number; ms: number } | null;
  families: Record<string, { inputs: number; failed: number; flow: number; rejected: number }>;
  byLinkType: Record<string, number>;
  frames: number;
  timedOut: boolean;
}
interface Corpus {
  frames: Array<{ linkType: number; data: Uint8Array }>;
  byLinkType: Record<string, number>;
}
interface FuzzModule {
  fuzz(options: {
    modulePath?: string;
    share?: number;
    slowMs?: number;
    hangMs?: number;
    totalMs?: number;
    corpus?: Corpus;
  }): Promise<FuzzReport>;
  summary(report: FuzzReport): string;
  captureFrames(linkTypes: number[]): Promise<Corpus>;
  supportedLinkTypes(modulePath: string): number[];
}

const { fuzz, summary, captureFrames, supportedLinkTypes } = require('../scripts/fuzz-decode.js') as FuzzModule;
const DIST_DECODE = path.resolve(__dirname, '..', 'dist', 'decode');

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-decode-fuzz-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** The frames of ../shared/captures (read once with openOffline()) that the decoder's link types cover. */
let corpus: Corpus;
beforeAll(async () => {
  corpus = await captureFrames(supportedLinkTypes(DIST_DECODE));
}, 60_000);

/** A module that re-exports the real decoder with `decode` (or `encode`) replaced by `body` (a planted bug). */
function plantedDecoder(name: string, body: string, fn: 'decode' | 'encode' = 'decode'): string {
  const file = path.join(scratch, `${name}.js`);
  const signature = fn === 'decode' ? 'decode(linkType, bytes, offset, length)' : 'encode(packet, options)';
  fs.writeFileSync(
    file,
    `'use strict';
const real = require(${JSON.stringify(DIST_DECODE)});
module.exports = { ...real, FlowDecoder: undefined, ${signature} { ${body} } };
`,
  );
  return file;
}

describe('decode() under fuzzing (a fixed 1% share of scripts/fuzz-decode.js)', () => {
  let report: FuzzReport;
  beforeAll(async () => {
    report = await fuzz({ modulePath: DIST_DECODE, share: 0.01, hangMs: 20_000, totalMs: 100_000, corpus });
  }, 120_000);

  test('no untyped throw, no read outside the packet, no hang, no slow input', () => {
    // The summary names the failing inputs (family, index, bytes): rerun them with the script.
    if (report.failureCount !== 0 || report.hang || report.slow.length || report.timedOut) console.log(summary(report));
    expect(report.hang).toBeNull();
    expect(report.timedOut).toBe(false);
    expect(report.slow).toEqual([]);
    expect(report.failures).toEqual([]);
    expect(report.failureCount).toBe(0);
  });

  test('every family ran, on the frames of every supported link type in the captures', () => {
    for (const name of ['random', 'prefix', 'flip', 'splice', 'edge', 'arguments', 'encode'])
      expect(report.families[name]?.inputs).toBeGreaterThan(0);
    expect(report.inputs).toBeGreaterThan(15_000);
    // The zero-allocation path ran on the prefixes and flips; encode() met out-of-range fields.
    expect(report.families['prefix']!.flow).toBe(report.families['prefix']!.inputs);
    expect(report.families['encode']!.rejected).toBeGreaterThan(0);
    // Ethernet, radiotap, SLL, NULL, raw IP ... as libpcap reads them from ../shared/captures.
    expect(Object.keys(report.byLinkType).map(Number)).toEqual(expect.arrayContaining([0, 1, 113, 127, 229]));
    expect(report.byLinkType['1']).toBe(4055);
  });
});

describe('the fuzz harness catches planted bugs', () => {
  test('an exception escaping decode()', async () => {
    const mod = plantedDecoder(
      'throws',
      `if (bytes.length === 23) throw new TypeError('planted'); return real.decode(linkType, bytes, offset, length);`,
    );
    const r = await fuzz({ modulePath: mod, share: 0.002, corpus });
    expect(r.failureCount).toBeGreaterThan(0);
    expect(r.failures[0]!.problems.join('\n')).toMatch(/untyped throw from decode\(\): TypeError: planted/);
  }, 60_000);

  test('a field computed from the byte after the packet (an index read past the end)', async () => {
    // Reads bytes[end] (undefined for a lone frame, the sentinel inside a larger buffer).
    const mod = plantedDecoder(
      'overread',
      `const p = real.decode(linkType, bytes, offset, length);
       const l = p.layers[p.layers.length - 1];
       if (l && l.kind === 'tcp') Object.defineProperty(l, 'nextByte', { value: bytes[p.end] | 0, enumerable: true });
       return p;`,
    );
    const r = await fuzz({ modulePath: mod, share: 0.002, corpus });
    expect(r.failureCount).toBeGreaterThan(0);
    expect(r.failures.flatMap((f) => f.problems).join('\n')).toMatch(
      /0x00 and 0xff around the packet decode differently/,
    );
  }, 60_000);

  test('a view that reaches past the packet', async () => {
    const mod = plantedDecoder(
      'longview',
      `const p = real.decode(linkType, bytes, offset, length);
       if (p.layers.length) Object.defineProperty(p.layers[0], 'extra', { value: bytes.subarray(p.start, p.end + 1), enumerable: true });
       return p;`,
    );
    const r = await fuzz({ modulePath: mod, share: 0.002, corpus });
    expect(r.failureCount).toBeGreaterThan(0);
    expect(r.failures.flatMap((f) => f.problems).join('\n')).toMatch(
      /view .*extra spans \[0, \d+\) of a \d+-byte packet/,
    );
  }, 60_000);

  test('an encoder that gets a byte wrong, or accepts an out-of-range field', async () => {
    const flips = plantedDecoder(
      'encode-flip',
      `const b = real.encode(packet, options); if (b.length > 20) b[b.length - 1] ^= 1; return b;`,
      'encode',
    );
    const r = await fuzz({ modulePath: flips, share: 0.002, corpus });
    expect(r.families['encode']!.failed).toBeGreaterThan(0);
    expect(r.failures.flatMap((f) => f.problems).join('\n')).toMatch(/checksum bad|payload came back as/);
    const lax = plantedDecoder(
      'encode-lax',
      `try { return real.encode(packet, options); } catch { return new Uint8Array(0); }`,
      'encode',
    );
    const r2 = await fuzz({ modulePath: lax, share: 0.002, corpus });
    expect(r2.failures.flatMap((f) => f.problems).join('\n')).toMatch(/encode\(\) accepted /);
  }, 60_000);

  test('a hang (an endless loop on one input) is stopped by the watchdog and named', async () => {
    const mod = plantedDecoder(
      'hangs',
      `if (linkType === 113) for (;;) {} return real.decode(linkType, bytes, offset, length);`,
    );
    const r = await fuzz({ modulePath: mod, share: 0.002, hangMs: 1500, corpus });
    expect(r.hang).not.toBeNull();
    expect(r.hang!.family).toBe('random');
  }, 60_000);
});
