#!/usr/bin/env node
/*
 * npm run fuzz: the whole fuzz run, with fixed seeds (npm test runs a small
 * share of it in __tests__/fuzz.test.ts). Targets: the savefile reader on
 * truncations and byte flips of ../shared/captures, the batch parser, BPF
 * programs built from bytes, and the savefile writer's inputs. Every input
 * must end in a value or a typed PcapError; a crash, a hang (10 s without an
 * answer) or any other error fails the run, with the seed and input number
 * to reproduce it. Runs the compiled library (dist/: npm run build first).
 *
 *   node scripts/fuzz.js [--seed N] [--scale X]   (scale 1: ~20,000 savefiles)
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const lib = require('../dist');
const targets = require('./fuzz-targets');

const { values } = parseArgs({
  options: { seed: { type: 'string', default: '1' }, scale: { type: 'string', default: '1' } },
});
const seed = Number(values.seed);
const scale = Number(values.scale);
const captures = path.resolve(__dirname, '..', '..', 'shared', 'captures');

async function main() {
  if (!fs.existsSync(captures)) throw new Error(`${captures} is absent: the savefile and batch targets need it`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-fuzz-'));
  const plan = [
    ['savefiles', 20_000],
    ['batches', 50_000],
    ['programs', 200_000],
    ['writes', 20_000],
  ];
  try {
    for (const [name, iterations] of plan) {
      const started = process.hrtime.bigint();
      const n = Math.max(1, Math.round(iterations * scale));
      const result = await targets[name](lib, { seed, iterations: n, captures, dir });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      console.log(`${name}: ${JSON.stringify(result)} in ${(ms / 1000).toFixed(1)} s (seed ${seed})`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log('fuzz: no crash, hang or untyped error');
}

main().catch((e) => {
  console.error(e instanceof targets.FuzzFailure ? `fuzz FAILED: ${e.message}` : e);
  process.exit(1);
});
