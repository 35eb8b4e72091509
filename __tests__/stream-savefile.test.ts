/**
 * Savefiles on FIFOs and pipes (`tcpdump -w - | node app.js`): packets are
 * delivered as they arrive, and close(), process.exit() and
 * Worker.terminate() stay bounded while the writer stalls or has not come.
 * Linux only: elsewhere such files keep blocking reads (docs/RELIABILITY.md).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { diagnostics, openOffline } from '../lib';
import { pcapHeader } from './support/pcap';

const linux = process.platform === 'linux';
const describeLinux = linux ? describe : describe.skip;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-stream-'));
const dist = path.resolve(__dirname, '..', 'dist', 'index.js');
const captures = path.resolve(__dirname, '..', '..', 'shared', 'captures');
const writers: ChildProcess[] = [];

afterEach(() => {
  for (const w of writers.splice(0)) {
    try {
      process.kill(-w.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A microsecond Ethernet savefile with one 60-byte packet. */
function onePacketFile(): string {
  const header = pcapHeader();
  const record = Buffer.alloc(16);
  record.writeUInt32LE(1700000000, 0);
  record.writeUInt32LE(123456, 4);
  record.writeUInt32LE(60, 8);
  record.writeUInt32LE(60, 12);
  const frame = Buffer.alloc(60, 0xab);
  const f = path.join(dir, 'one.pcap');
  fs.writeFileSync(f, Buffer.concat([header, record, frame]));
  return f;
}

let fifos = 0;
function fifo(): string {
  const f = path.join(dir, `fifo-${++fifos}`);
  execFileSync('mkfifo', [f]);
  return f;
}

/**
 * `(cat one.pcap; sleep 30) > fifo`: a writer that stalls after one packet
 * (or, with `cut`, that many bytes before the packet's end).
 */
function stallingWriter(target: string, cut = 0): void {
  let one = onePacketFile();
  if (cut) {
    const bytes = fs.readFileSync(one);
    one = path.join(dir, 'cut.pcap');
    fs.writeFileSync(one, bytes.subarray(0, bytes.length - cut));
  }
  const w = spawn('sh', ['-c', `(cat '${one}'; exec sleep 30) > '${target}'`], { detached: true, stdio: 'ignore' });
  writers.push(w);
}

/** Resolves with `p`'s value, or with 'timeout' after `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms))),
  ]);
}

/**
 * Runs `script` in a child node process (`openOffline` and `fifo` in scope);
 * the child prints "exiting" just before it calls process.exit(). Resolves
 * with the milliseconds from that line to the child's end (or 'timeout').
 */
function exitDelay(script: string, target: string): Promise<number | 'timeout'> {
  const code = `const { openOffline } = require(${JSON.stringify(dist)}); const fifo = ${JSON.stringify(target)};\n${script}`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  writers.push(child);
  let saidAt = 0;
  child.stdout!.on('data', (d: Buffer) => {
    if (d.toString().includes('exiting') && !saidAt) saidAt = Date.now();
  });
  return within(
    new Promise<number>((resolve) => child.once('exit', () => resolve(saidAt ? Date.now() - saidAt : -1))),
    8000,
  );
}

describeLinux('a savefile on a FIFO whose writer stalls', () => {
  test('the packet already written is delivered at once, and close() settles', async () => {
    const target = fifo();
    stallingWriter(target);
    const s = await openOffline(target);
    const packet = await within(new Promise((resolve) => s.once('packet', resolve)), 1500);
    expect(packet).not.toBe('timeout');
    expect(await within(s.close(), 1500)).not.toBe('timeout');
  });

  test('close() settles while the writer stalls in the middle of a packet', async () => {
    const target = fifo();
    stallingWriter(target, 30);
    const s = await openOffline(target);
    const errors: unknown[] = [];
    s.on('error', (e) => errors.push(e));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await within(s.close(), 1500)).not.toBe('timeout');
    expect(errors).toEqual([]);
  });

  test('process.exit() of a process reading it is bounded', async () => {
    const target = fifo();
    stallingWriter(target);
    const delay = await exitDelay(
      `openOffline(fifo).then((s) => s.once('packet', () => { console.log('exiting'); process.exit(0); }));`,
      target,
    );
    expect(delay).not.toBe('timeout');
    expect(delay).toBeGreaterThanOrEqual(0); // the packet came
    expect(delay).toBeLessThan(2000);
  });

  test("Worker.terminate() of a user's worker reading it is bounded", async () => {
    const target = fifo();
    stallingWriter(target);
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       require(${JSON.stringify(dist)}).openOffline(${JSON.stringify(target)}).then((s) => {
         s.once('packet', () => parentPort.postMessage('packet'));
       });`,
      { eval: true },
    );
    const got = await within(new Promise((resolve) => worker.once('message', resolve)), 3000);
    expect(got).toBe('packet');
    const start = Date.now();
    expect(await within(worker.terminate(), 3000)).not.toBe('timeout');
    expect(Date.now() - start).toBeLessThan(2000);
  });
});

describeLinux('a savefile on a FIFO with no writer', () => {
  test('openOffline() settles once a writer comes', async () => {
    const target = fifo();
    const opening = openOffline(target);
    await new Promise((resolve) => setTimeout(resolve, 300));
    stallingWriter(target);
    const s = await within(opening, 1500);
    expect(s).not.toBe('timeout');
    if (s === 'timeout') return;
    expect(await within(new Promise((resolve) => s.once('packet', resolve)), 1500)).not.toBe('timeout');
    expect(await within(s.close(), 1500)).not.toBe('timeout');
  });

  test('process.exit() of a process waiting in openOffline() is bounded', async () => {
    const target = fifo();
    const delay = await exitDelay(
      `openOffline(fifo).catch(() => {}); setTimeout(() => { console.log('exiting'); process.exit(0); }, 300);`,
      target,
    );
    expect(delay).not.toBe('timeout');
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThan(2000);
  });
});

/** This process's descriptors open on `target`. */
function descriptorsOn(target: string): number {
  let n = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`) === target) n++;
    } catch {
      // closed meanwhile (the directory's own descriptor)
    }
  }
  return n;
}

/** Resolves once this process holds a descriptor on `target` (false after `ms`). */
async function opened(target: string, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((resolve) => setTimeout(resolve, 20))) {
    if (descriptorsOn(target) > 0) return true;
  }
  return false;
}

/** A user's own Worker running `script` with `openOffline`, `fifo` and `parentPort` in scope. */
function userWorker(script: string, target: string): Worker {
  return new Worker(
    `const { parentPort } = require('node:worker_threads');
     const { openOffline } = require(${JSON.stringify(dist)});
     const fifo = ${JSON.stringify(target)};
     ${script}`,
    { eval: true },
  );
}

/** Ends a FIFO reader's wait for a writer, if any reader still waits (a failed test's leftover). */
function releaseFifo(target: string): void {
  try {
    fs.closeSync(fs.openSync(target, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
  } catch {
    // ENXIO: no reader left
  }
}

/** terminate() of `worker` settles in time, leaving `handles` native handles and no descriptor on `target`. */
async function expectTerminateSettles(worker: Worker, target: string, handles: number): Promise<void> {
  const start = Date.now();
  expect(await within(worker.terminate(), 3000)).not.toBe('timeout');
  expect(Date.now() - start).toBeLessThan(2500);
  expect(diagnostics().handles).toBe(handles);
  expect(descriptorsOn(target)).toBe(0);
}

describeLinux("the end of a user's worker reading a FIFO", () => {
  test('terminate() settles while the writer stalls in the middle of a packet', async () => {
    const target = fifo();
    stallingWriter(target, 30);
    const handles = diagnostics().handles;
    const worker = userWorker(`openOffline(fifo).then(() => parentPort.postMessage('opened'));`, target);
    expect(await within(new Promise((resolve) => worker.once('message', resolve)), 5000)).toBe('opened');
    // The capture thread is now waiting for the rest of the packet.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expectTerminateSettles(worker, target, handles);
  });

  test('process.exit() in it settles while the writer stalls in the middle of a packet', async () => {
    const target = fifo();
    stallingWriter(target, 30);
    const worker = userWorker(
      `openOffline(fifo).then(() => setTimeout(() => { parentPort.postMessage('exiting'); process.exit(0); }, 300));`,
      target,
    );
    expect(await within(new Promise((resolve) => worker.once('message', resolve)), 5000)).toBe('exiting');
    const start = Date.now();
    expect(await within(new Promise((resolve) => worker.once('exit', resolve)), 3000)).toBe(0);
    expect(Date.now() - start).toBeLessThan(2500);
    expect(descriptorsOn(target)).toBe(0);
  });

  test('terminate() settles while openOffline() waits for a writer', async () => {
    const target = fifo();
    const handles = diagnostics().handles;
    const worker = userWorker(`openOffline(fifo).catch(() => {});`, target);
    try {
      // The capture thread has opened the FIFO and waits for its header.
      expect(await opened(target, 5000)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await expectTerminateSettles(worker, target, handles);
    } finally {
      releaseFifo(target);
      await worker.terminate();
    }
  });
});

describeLinux('a savefile on standard input', () => {
  const files = ['huge-tipc-messages.pcap', 'arp-oobr.pcap', 'AoE_Linux.pcap', 'OSPFv2_Capture_FINAL.pcapng'];
  test.each(files)('cat %s | node: every packet, as tcpdump counts them', (name) => {
    const f = path.join(captures, name);
    const tcpdump = execFileSync('tcpdump', ['-n', '-r', f], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .filter((line) => /^\d/.test(line)).length;
    const script = `require(${JSON.stringify(dist)}).openOffline('/dev/stdin').then((s) => {
      let n = 0;
      s.on('packet', () => n++);
      s.once('end', () => console.log(n));
    });`;
    const out = execFileSync('sh', ['-c', `cat '${f}' | '${process.execPath}' -e "$0"`, script], {
      encoding: 'utf8',
      timeout: 10000,
    });
    expect(tcpdump).toBeGreaterThan(0);
    expect(Number(out.trim())).toBe(tcpdump);
  });
});
