/**
 * prewarm(): capture threads started ahead of time, with the addon and
 * libpcap loaded, and used by the next opens.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSavefile, diagnostics, openOffline, prewarm } from '../lib';
import { warmupSavefile } from '../lib/warmup';

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
  for (const bad of [{ code: 'yes' }, { code: 1 }, { jit: true }, 'code', [true]]) {
    await expect(prewarm(1, bad as never)).rejects.toMatchObject({ code: 'EINVAL' });
  }
  await expect(prewarm(1, { code: false })).resolves.toBeUndefined();
});

/**
 * Runs `body` (after `const m = require(<package>)`) in a fresh Node process
 * with V8's test natives, so that it can ask whether a function was
 * optimized; returns what the script printed as JSON.
 */
function inFreshProcess(body: string, env: NodeJS.ProcessEnv = {}): Record<string, unknown> {
  const script = `const m = require(${JSON.stringify(root)});
    const { PacketBatch } = m;
    const optimized = () => (%GetOptimizationStatus(PacketBatch.prototype.packetAt) & 16) !== 0; // kOptimized
    // The optimizing compiler runs on another thread: its code may be
    // installed shortly after the packets that asked for it.
    const optimizedWithin = async (ms) => {
      for (const end = Date.now() + ms; !optimized() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
      return optimized();
    };
    (async () => { ${body} })().then((r) => console.log(JSON.stringify(r)), (e) => console.log(JSON.stringify({ error: e.code ?? String(e) })));`;
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '-e', script], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, ...env },
  });
  expect(r.error).toBeUndefined();
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout.trim()) as Record<string, unknown>;
}

test('prewarm() compiles the delivery code on generated packets, then removes its file and keeps its threads', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-prewarm-tmp-'));
  try {
    const body = `
      const before = optimized();
      await m.prewarm(2);
      const after = await optimizedWithin(5000);
      // Kept like any prewarmed thread: no idle timer (the pool's own state).
      const kept = require(${JSON.stringify(path.join(root, 'dist', 'pool.js'))}).pool.idle.every((t) => t.prewarmed && !t.idleTimer);
      return { before, after, kept, diagnostics: m.diagnostics(), left: require('fs').readdirSync(${JSON.stringify(tmp)}) };`;
    const warmed = inFreshProcess(body, { TMPDIR: tmp });
    expect(warmed).toMatchObject({
      before: false,
      after: true,
      kept: true,
      diagnostics: { handles: 0, threads: 2, idleThreads: 2, busyThreads: 0 },
      left: [],
    });
    // The same without the warm-up: nothing delivered a packet, so nothing
    // was compiled, and no file was written.
    const cold = inFreshProcess(
      body
        .replace('m.prewarm(2)', 'm.prewarm(2, { code: false })')
        .replace('optimizedWithin(5000)', 'optimizedWithin(200)'),
      {
        TMPDIR: tmp,
      },
    );
    expect(cold).toMatchObject({
      before: false,
      after: false,
      kept: true,
      diagnostics: { handles: 0, threads: 2 },
      left: [],
    });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('the warm-up is not a first job: it keeps no thread beyond those asked for, and uses the library defaults', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-prewarm-race-'));
  try {
    const file = path.join(dir, 'one.pcap');
    fs.writeFileSync(file, warmupSavefile(1));
    const pool = JSON.stringify(path.join(root, 'dist', 'pool.js'));
    const r = inFreshProcess(`
      const { pool } = require(${pool});
      const kept = () => pool.idle.filter((t) => t.prewarmed && !t.idleTimer).length;
      // An application default that would make a warm-up with openOffline()'s
      // defaults read nothing.
      m.DEFAULTS.filter = 'tcp';
      // An open racing the warm-up takes the prewarmed thread (its first
      // job); the warm-up then runs on a thread of its own, kept by nobody.
      const [, s] = await Promise.all([m.prewarm(1), m.openOffline(${JSON.stringify(file)}, { filter: '' })]);
      for await (const p of s) void p;
      const after = await optimizedWithin(5000);
      const racing = { kept: kept(), threads: m.diagnostics().threads, after };
      await m.prewarm(1);
      return { racing, then: { kept: kept(), threads: m.diagnostics().threads } };`);
    expect(r).toMatchObject({
      racing: { kept: 0, threads: 2 },
      // prewarm(1) again: both idle threads are kept (idle threads always are).
      then: { kept: 2, threads: 2 },
    });
    // The warm-up ran despite DEFAULTS.filter: the code was compiled (the
    // racing read alone delivered one packet).
    expect((r.racing as { after: boolean }).after).toBe(true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a process that exits during the warm-up leaves no file behind', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-prewarm-exit-'));
  try {
    // Exit as soon as the warm-up's directory exists.
    const r = inFreshProcess(
      `const fs = require('fs');
       void m.prewarm();
       const t = setInterval(() => { if (fs.readdirSync(${JSON.stringify(tmp)}).length > 0) { console.log(JSON.stringify({ seen: true })); process.exit(0); } }, 0);
       setTimeout(() => { clearInterval(t); console.log(JSON.stringify({ seen: false })); }, 10000);
       return new Promise(() => undefined);`,
      { TMPDIR: tmp },
    );
    expect(r).toEqual({ seen: true });
    expect(fs.readdirSync(tmp)).toEqual([]);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('process.exit() while the warm-up thread is in a native call ends the process cleanly', () => {
  // The thread's native call fails because of the shutdown, and the error
  // is thrown into a thread whose environment is being torn down. That used
  // to end the process in std::terminate() ("terminate called after throwing
  // an instance of 'Napi::Error'", exit by SIGABRT) in every run of this
  // script. The child prints nothing before it exits: printing first (as the
  // test above does) gave the thread time to get past the call.
  for (let i = 0; i < 5; i++) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-prewarm-abort-'));
    try {
      const script = `const fs = require('fs');
        const m = require(${JSON.stringify(root)});
        void m.prewarm();
        setInterval(() => { if (fs.readdirSync(${JSON.stringify(tmp)}).length > 0) process.exit(0); }, 0);
        setTimeout(() => process.exit(3), 10000); // the warm-up never started: not what this tests`;
      const r = spawnSync(process.execPath, ['-e', script], {
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, TMPDIR: tmp },
      });
      expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
      expect(fs.readdirSync(tmp)).toEqual([]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
});

test('the warm-up is best effort: with no writable temporary directory prewarm() still resolves', () => {
  const body = `await m.prewarm(); return { after: optimized(), diagnostics: m.diagnostics() };`;
  const r = inFreshProcess(body, { TMPDIR: path.join(os.tmpdir(), 'ewpcap-no-such-dir', 'deeper') });
  expect(r).toMatchObject({ after: false, diagnostics: { handles: 0, threads: 1, idleThreads: 1 } });
});

test('the warm-up savefile is a valid pcap file that tcpdump reads', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-warmfile-'));
  try {
    const file = path.join(dir, 'w.pcap');
    fs.writeFileSync(file, warmupSavefile(3));
    const r = spawnSync('tcpdump', ['-r', file, '-nn', '-e', '-tt'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    // tcpdump follows each line with a hex dump (indented) for an unknown ethertype.
    const lines = r.stdout.split('\n').filter((line) => /^\d/.test(line));
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).toMatch(
        /^1700000000\.000000 02:00:00:00:00:00 > ff:ff:ff:ff:ff:ff, ethertype Unknown \(0x88b5\), length 60/,
      );
    }
    expect(warmupSavefile(0)).toHaveLength(24);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
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
