/**
 * prewarm(): capture threads started ahead of time, with the addon and
 * libpcap loaded, and used by the next opens.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSavefile, diagnostics, openOffline, prewarm } from '../lib';

const root = path.resolve(__dirname, '..');

test('prewarmed threads are idle and ready, and the next opens use them instead of starting new ones', async () => {
  await prewarm(2);
  const before = diagnostics();
  expect(before.idleThreads).toBeGreaterThanOrEqual(2);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-prewarm-'));
  try {
    const file = path.join(dir, 'one.pcap');
    const w = await createSavefile(file);
    w.write({ time: 1, data: Buffer.alloc(60) });
    await w.close();
    const a = await openOffline(file);
    const b = await openOffline(file);
    expect(diagnostics().threads).toBe(before.threads);
    await Promise.all([a.close(), b.close()]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('prewarm() checks its arguments', async () => {
  for (const bad of [0, 1.5, 65, '2']) {
    await expect(prewarm(bad as number)).rejects.toMatchObject({ code: 'EINVAL' });
  }
});

test('prewarm() writes no file: it only starts threads', () => {
  // Every file call the process makes from the require() on is recorded.
  const script = `const fs = require('node:fs');
    const calls = [];
    for (const name of ['mkdtempSync', 'mkdirSync', 'writeFileSync', 'openSync', 'mkdtemp', 'writeFile', 'open']) {
      const real = fs[name];
      fs[name] = function (...args) { calls.push(name + ' ' + String(args[0])); return real.apply(this, args); };
    }
    const m = require(${JSON.stringify(root)});
    m.prewarm(2).then(() => console.log(JSON.stringify({ calls, threads: m.diagnostics().idleThreads })));`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
  expect(r.stderr).toBe('');
  expect(JSON.parse(r.stdout.trim())).toEqual({ calls: [], threads: 2 });
});

test('a process that only prewarms waits for its threads, then exits by itself', () => {
  const script = `require(${JSON.stringify(root)}).prewarm(2).then(() => console.log('ready'), (e) => console.log(e.code))`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
  expect(r.error).toBeUndefined();
  expect(r.status).toBe(0);
  expect(r.stdout.trim()).toBe('ready');
});

test('with no libpcap, prewarm() rejects with ELIBPCAP', () => {
  const script = `require(${JSON.stringify(root)}).prewarm().then(() => console.log('ready'), (e) => console.log(e.code))`;
  const r = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, EWPCAP_LIBPCAP: path.join(os.tmpdir(), 'no-such-libpcap.so') },
  });
  expect(r.status).toBe(0);
  expect(r.stdout.trim()).toBe('ELIBPCAP');
});
