/**
 * Socket lifecycle: garbage collection, process exit, unref, close during a
 * flood, use from a user's worker thread, a capture that fails under the
 * socket, and abuse of the API. Process-level behaviour is checked in child
 * processes, so a hang or a crash there is a failure here, not a stuck run.
 */
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { diagnostics, open, type Packet } from '../lib';
import { describeLive, T } from './support/netns';
import { FRAME_FILTER, frame, seqOf, sleep } from './support/traffic';

const root = path.resolve(__dirname, '..');

function runChild(script: string, args: string[] = [], timeout = 20_000) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...args, '-e', script], { cwd: root, encoding: 'utf8', timeout });
  return { ...r, elapsed: performance.now() - t0 };
}

describeLive('lifecycle', () => {
  test('200 sockets opened and dropped are garbage-collected: no native handle left, threads back in the pool', () => {
    const r = runChild(
      `const m = require('./dist');
       const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
       (async () => {
         for (let i = 0; i < 200; i++) {
           await m.open(${JSON.stringify(T.dev1)});
           if (i % 10 === 9) { gc(); await sleep(10); }
         }
         const peak = m.diagnostics();
         for (let k = 0; k < 200 && (m.diagnostics().handles > 0 || m.diagnostics().busyThreads > 0); k++) { gc(); await sleep(20); }
         console.log(JSON.stringify({ peak, after: m.diagnostics() }));
       })();`,
      ['--expose-gc'],
      60_000,
    );
    expect(r.status).toBe(0);
    const { peak, after } = JSON.parse(r.stdout) as {
      peak: ReturnType<typeof diagnostics>;
      after: ReturnType<typeof diagnostics>;
    };
    process.stderr.write(
      `GC test: peak ${JSON.stringify(peak)}, after ${JSON.stringify(after)}, ${r.elapsed.toFixed(0)} ms\n`,
    );
    expect(after.handles).toBe(0);
    expect(after.busyThreads).toBe(0);
    expect(after.idleThreads).toBe(after.threads);
    // Threads were reused: far fewer than one per socket ever opened.
    expect(after.threads).toBeLessThan(100);
  });

  test('garbage collection while open() and requests are pending loses nothing', () => {
    // Until open() resolves, and while a request is pending, nothing of the
    // caller's roots the socket: the library must hold it, or a collection
    // there leaves open() (or stats()) waiting forever.
    const r = runChild(
      `const m = require('./dist');
       let collecting = true;
       (function churn() { gc(); if (collecting) setImmediate(churn); })();
       (async () => {
         const sockets = await Promise.all(Array.from({ length: 20 }, () => m.open(${JSON.stringify(T.dev1)})));
         const stats = await Promise.all(Array.from({ length: 20 }, async () => (await m.open(${JSON.stringify(T.dev1)})).stats()));
         await Promise.all(sockets.map((s) => s.close()));
         collecting = false;
         for (let k = 0; k < 100 && m.diagnostics().handles > 0; k++) { gc(); await new Promise((r) => setTimeout(r, 20)); }
         console.log(JSON.stringify({ opened: sockets.length, stats: stats.length, after: m.diagnostics() }));
       })();`,
      ['--expose-gc'],
      30_000,
    );
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { opened: number; stats: number; after: ReturnType<typeof diagnostics> };
    expect(out.opened).toBe(20);
    expect(out.stats).toBe(20);
    expect(out.after.handles).toBe(0);
  });

  test("an unref()'d socket lets the process exit; a ref'd one keeps it alive", () => {
    const script = (unref: boolean) =>
      `const m = require('./dist');
       m.open(${JSON.stringify(T.dev1)}).then((s) => { s.on('packet', () => {}); ${unref ? 's.unref();' : ''} });`;
    const unrefd = runChild(script(true), [], 10_000);
    expect(unrefd.status).toBe(0);
    expect(unrefd.elapsed).toBeLessThan(3000);
    const refd = runChild(script(false), [], 1500);
    expect(refd.signal).toBe('SIGTERM'); // still running when the timeout hit
  });

  test("awaiting close() of an unref()'d socket settles before the process exits", () => {
    const r = runChild(
      `const m = require('./dist');
       m.open(${JSON.stringify(T.dev1)}, { timeout: 'infinity' }).then(async (s) => {
         s.on('packet', () => {});
         s.unref();
         await s.close();
         console.log('closed', m.diagnostics().handles);
       });`,
      [],
      10_000,
    );
    expect({ status: r.status, stdout: r.stdout.trim() }).toEqual({ status: 0, stdout: 'closed 0' });
    expect(r.elapsed).toBeLessThan(3000);
  });

  test.each(['immediate', 'infinity'] as const)(
    'process.exit() with an open socket (timeout %s) leaves no hang',
    (timeout) => {
      const r = runChild(
        `const m = require('./dist');
         m.open(${JSON.stringify(T.dev1)}, { timeout: '${timeout}' }).then((s) => {
           s.on('packet', () => {});
           setTimeout(() => { console.log('exiting'); process.exit(7); }, 100);
         });`,
        [],
        10_000,
      );
      expect(r.stdout.trim()).toBe('exiting');
      expect(r.status).toBe(7);
      expect(r.elapsed).toBeLessThan(3000);
    },
  );

  test('a socket opened in a worker thread that ends without closing it does not hang the thread', () => {
    const r = runChild(
      `const { Worker } = require('node:worker_threads');
       const w = new Worker(\`
         const m = require(${JSON.stringify(path.join(root, 'dist'))});
         m.open(${JSON.stringify(T.dev1)}).then((s) => { s.on('packet', () => {}); require('node:worker_threads').parentPort.postMessage('open'); });\`, { eval: true });
       w.on('message', () => { const t0 = Date.now(); w.terminate().then(() => console.log(JSON.stringify({ ms: Date.now() - t0 }))); });`,
      [],
      10_000,
    );
    expect(r.status).toBe(0);
    const { ms } = JSON.parse(r.stdout) as { ms: number };
    expect(ms).toBeLessThan(1000);
  });

  test("capture from inside a user's worker thread", async () => {
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const m = require(${JSON.stringify(path.join(root, 'dist'))});
       (async () => {
         const s = await m.open(${JSON.stringify(T.dev1)}, { filter: ${JSON.stringify(FRAME_FILTER)} });
         parentPort.postMessage({ ready: true });
         const p = await s.read(5000);
         parentPort.postMessage({ length: p.length, seq: p.data.readUInt32BE(14) });
         await s.close();
       })().catch((e) => parentPort.postMessage({ error: e.code + ' ' + e.message }));`,
      { eval: true },
    );
    const messages: Array<{ ready?: boolean; length?: number; seq?: number; error?: string }> = [];
    const done = new Promise<void>((resolve) =>
      worker.on('message', (m: (typeof messages)[number]) => {
        messages.push(m);
        if (!m.ready) resolve();
      }),
    );
    while (messages.length === 0) await sleep(10);
    const w = await open(T.dev0);
    await w.write(frame(31337, 100));
    await done;
    await w.close();
    await worker.terminate();
    expect(messages[1]).toEqual({ length: 100, seq: 31337 });
  });

  test('close during a flood resolves promptly and frees the handle', async () => {
    // A kernel UDP flood from another process, towards the peer behind veth1.
    const flood = spawn(process.execPath, [
      '-e',
      `const s = require('node:dgram').createSocket('udp4');
       const buf = Buffer.alloc(64);
       s.bind({ address: ${JSON.stringify(T.ip0)} }, () => {
         const end = Date.now() + 8000;
         const burst = () => { for (let i = 0; i < 200; i++) s.send(buf, 7900, ${JSON.stringify(T.peer)}); if (Date.now() < end) setImmediate(burst); else s.close(); };
         burst();
       });`,
    ]);
    try {
      const s = await open(T.dev1, { filter: 'udp port 7900' });
      let n = 0;
      s.on('packet', () => n++);
      const deadline = Date.now() + 5000;
      while (n < 5000 && Date.now() < deadline) await sleep(10);
      expect(n).toBeGreaterThanOrEqual(5000);
      const t0 = performance.now();
      await s.close();
      const elapsed = performance.now() - t0;
      process.stderr.write(`close during a flood: ${elapsed.toFixed(2)} ms after ${n} packets\n`);
      expect(elapsed).toBeLessThan(200);
      const after = n;
      await sleep(50);
      expect(n).toBe(after); // nothing delivered after close
      expect(diagnostics().handles).toBe(0);
    } finally {
      flood.kill();
    }
  });

  test("a capture that fails under the socket emits 'error' and closes it", async () => {
    execFileSync('ip', ['link', 'add', 'ewfail0', 'type', 'veth', 'peer', 'name', 'ewfail1']);
    execFileSync('ip', ['link', 'set', 'ewfail0', 'up']);
    execFileSync('ip', ['link', 'set', 'ewfail1', 'up']);
    try {
      const s = await open('ewfail1', { filter: FRAME_FILTER });
      const errors: Array<{ code: string; message: string }> = [];
      const closed = new Promise<void>((resolve) => s.once('close', resolve));
      s.on('error', (e: { code: string; message: string }) => errors.push(e));
      s.on('packet', () => undefined);
      const pending = s.read().catch((e: { code: string }) => e);
      execFileSync('ip', ['link', 'del', 'ewfail0']); // takes ewfail1 with it
      await closed;
      expect(errors).toHaveLength(1);
      expect(errors[0]!.code).toBe('EPCAP');
      expect(errors[0]!.message.length).toBeGreaterThan(0);
      process.stderr.write(`capture failure: ${errors[0]!.message}\n`);
      expect(await pending).toMatchObject({ code: 'EPCAP' });
      expect(s.isOpen).toBe(false);
      await expect(s.stats()).rejects.toMatchObject({ code: 'ECLOSED' });
      await s.close(); // still fine
      expect(diagnostics().handles).toBe(0);
    } finally {
      spawnSync('ip', ['link', 'del', 'ewfail0']);
    }
  });

  test("a capture thread that dies under the socket: 'error' (EPCAP), a pending read() rejects, then 'close'", () => {
    // The thread is terminated from outside, as a crash of its own would end
    // it: the pool reports the loss to the socket's channel.
    const r = runChild(
      `const m = require('./dist');
       const { pool } = require('./dist/pool');
       (async () => {
         const s = await m.open(${JSON.stringify(T.dev1)});
         const events = [];
         s.on('error', (e) => events.push('error ' + e.code + ': ' + e.message));
         s.on('close', () => events.push('close'));
         const pending = s.read().then(() => 'packet', (e) => 'read ' + e.code);
         const closed = new Promise((r) => s.once('close', r));
         const [thread] = [...pool.busy];
         await thread.worker.terminate();
         await closed;
         const later = await s.stats().then(() => 'stats', (e) => 'stats ' + e.code);
         console.log(JSON.stringify({ events, pending: await pending, later, isOpen: s.isOpen, d: m.diagnostics() }));
       })();`,
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {
      events: string[];
      pending: string;
      later: string;
      isOpen: boolean;
      d: { handles: number; busyThreads: number };
    };
    expect(out.events).toHaveLength(2);
    expect(out.events[0]).toMatch(/^error EPCAP: the capture thread ended unexpectedly/);
    expect(out.events[1]).toBe('close');
    expect(out.pending).toBe('read EPCAP');
    expect(out.later).toBe('stats ECLOSED');
    expect(out.isOpen).toBe(false);
    expect(out.d.handles).toBe(0); // the dead thread's cleanup hook closed its handle
    expect(out.d.busyThreads).toBe(0);
  });

  test('a pending read() rejects with ECLOSED when the socket is closed', async () => {
    const s = await open(T.dev1, { filter: FRAME_FILTER });
    const pending = s.read(5000).catch((e: { code: string }) => e.code);
    await s.close();
    expect(await pending).toBe('ECLOSED');
  });

  test('failed opens leave no handle and no busy thread', async () => {
    for (let i = 0; i < 20; i++) {
      await expect(open('nosuchdev0')).rejects.toMatchObject({ code: 'ENODEV' });
      await expect(open(T.dev1, { filter: 'no such filter' })).rejects.toMatchObject({ code: 'EFILTER' });
    }
    await sleep(20);
    const d = diagnostics();
    expect(d.handles).toBe(0);
    expect(d.busyThreads).toBe(0);
  });

  test('a closed socket delivers nothing more, even with packets queued', async () => {
    const s = await open(T.dev1, { filter: FRAME_FILTER });
    const w = await open(T.dev0);
    for (let i = 0; i < 5; i++) await w.write(frame(i));
    await sleep(50);
    const seen: number[] = [];
    await s.close();
    s.on('packet', (p: Packet) => seen.push(seqOf(p.data)));
    await sleep(50);
    expect(seen).toEqual([]);
    await w.close();
  });
});

describe('abuse: bad arguments are EINVAL, never a crash', () => {
  test.each([
    [{ snaplen: 0 }, 'snaplen'],
    [{ snaplen: 1.5 }, 'snaplen'],
    [{ snaplen: '100' }, 'snaplen'],
    [{ promisc: 1 }, 'promisc'],
    [{ timeout: -1 }, 'timeout'],
    [{ timeout: 'soon' }, 'timeout'],
    [{ buffer: -5 }, 'buffer'],
    [{ monitor: 'yes' }, 'monitor'],
    [{ filter: 42 }, 'filter'],
    [{ optimize: 'no' }, 'optimize'],
    [{ netmask: '255.255.255.256' }, 'netmask'],
    [{ netmask: 'ff00::' }, 'netmask'],
    [{ limit: -2 }, 'limit'],
    [{ timeUnit: 'millisecond' }, 'timeUnit'],
    [{ direction: 'sideways' }, 'direction'],
    [{ maxBatchesInFlight: 0 }, 'maxBatchesInFlight'],
    [{ snaplenn: 100 }, 'snaplenn'],
  ])('open(dev, %j) rejects with EINVAL naming %s', async (options, name) => {
    await expect(open('lo', options as never)).rejects.toMatchObject({
      code: 'EINVAL',
      message: expect.stringContaining(name),
    });
  });

  test('a device that is not a string, or holds a NUL byte, is EINVAL', async () => {
    await expect(open(42 as unknown as string)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(open('lo\0x')).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(open('lo', 'fast' as never)).rejects.toMatchObject({ code: 'EINVAL' });
  });

  test('nothing was opened by the rejected calls', () => {
    expect(diagnostics().handles).toBe(0);
  });
});
