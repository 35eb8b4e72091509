/**
 * A small share of the fuzz run (the whole is `npm run fuzz`, with the same
 * targets: scripts/fuzz-targets.js), with fixed seeds: the savefile reader
 * on truncations and byte flips of the shared captures, the batch parser,
 * BPF programs built from bytes, and the writer's inputs. Every input ends
 * in a value or a typed PcapError: no crash, hang or untyped error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as lib from '../lib';

const targets = require('../scripts/fuzz-targets.js') as Record<
  'savefiles' | 'batches' | 'programs' | 'writes',
  (
    l: typeof lib,
    o: { seed: number; iterations: number; captures: string; dir: string },
  ) => Promise<Record<string, unknown>>
>;

const captures = path.resolve(__dirname, '..', '..', 'shared', 'captures');
const present = fs.existsSync(captures);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-fuzz-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const options = (seed: number, iterations: number) => ({ seed, iterations, captures, dir });

(present ? describe : describe.skip)('fuzzing, a share with fixed seeds', () => {
  test('300 mutated savefiles: every packet or a typed error, no hang', async () => {
    const r = await targets.savefiles(lib, options(17, 300));
    expect(r.iterations).toBe(300);
  }, 120_000);

  test('3,000 mutated batches: EINVAL or a batch whose every view is inside its buffer', async () => {
    const r = await targets.batches(lib, options(17, 3000));
    expect(r.accepted).toBeGreaterThan(0);
  });

  test('10,000 BPF programs from bytes: EINVAL or a program that matches and prints', async () => {
    const r = await targets.programs(lib, options(17, 10_000));
    expect(r.accepted).toBeGreaterThan(100);
  });

  test('2,000 writes of random packets: EINVAL or written, and what was accepted reads back', async () => {
    const r = await targets.writes(lib, options(17, 2000));
    expect(r.accepted).toBeGreaterThan(100);
  });
});
