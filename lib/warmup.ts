/**
 * prewarm()'s code warm-up: a few thousand generated packets go through the
 * path every capture's packets take (a savefile read on a pool thread,
 * batches posted to the main thread, then async iteration and 'packet'
 * events), so that V8 has compiled that code, on the main thread and on the
 * pool thread, before the application's first capture.
 *
 * Without it the first capture of a process runs the delivery code in V8's
 * interpreter while the optimizing compiler works on another thread, and on
 * a machine with few CPUs the main thread waits for a CPU meanwhile. Measured
 * on a 1,000,000-packet file read through 'packet' events in fresh processes
 * (2 CPUs; bench/OFFLINE.md, two runs of 7 rounds): 140-167 ms and an
 * event-loop delay p99 of 3.4-3.8 ms beyond the timer after prewarm() without
 * the warm-up, 105-135 ms and 1.4-1.9 ms with it; 2,000 packets were too
 * few. Iteration and 'batch' consumers gain from the same warm-up
 * (docs/ARCHITECTURE.md, "Warming the delivery code").
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openWarmupSavefile } from './open';

/** Packets per warm-up pass (5 batches). */
export const WARMUP_PACKETS = 5000;
const FRAME_BYTES = 60;
const RECORD_BYTES = 16 + FRAME_BYTES;
const FILE_HEADER_BYTES = 24;

/**
 * A classic pcap savefile (microseconds, Ethernet) of `count` copies of one
 * 60-byte frame of ethertype 0x88B5 (IEEE local experimental). Made with one
 * native fill: a loop of writes, run once and so in the interpreter, held the
 * event loop for ~15 ms.
 */
export function warmupSavefile(count: number): Buffer {
  const file = Buffer.alloc(FILE_HEADER_BYTES + count * RECORD_BYTES);
  file.writeUInt32LE(0xa1b2c3d4, 0); // magic: microsecond timestamps
  file.writeUInt16LE(2, 4); // version 2.4
  file.writeUInt16LE(4, 6);
  file.writeUInt32LE(65535, 16); // snaplen
  file.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  const record = Buffer.alloc(RECORD_BYTES);
  record.writeUInt32LE(1_700_000_000, 0); // seconds
  record.writeUInt32LE(FRAME_BYTES, 8); // captured
  record.writeUInt32LE(FRAME_BYTES, 12); // on the wire
  record.fill(0xff, 16, 22); // broadcast
  record.writeUInt16BE(0x0200, 22); // a locally administered source
  record.writeUInt16BE(0x88b5, 28);
  if (count > 0) file.fill(record, FILE_HEADER_BYTES);
  return file;
}

let warming: Promise<boolean> | undefined;

/**
 * Runs the warm-up once per process: later calls share the promise of the
 * first one that succeeded or is under way; after a failure the next call
 * tries again. Resolves with whether it ran. It never rejects: the warm-up
 * only saves time, so a temporary directory that cannot be written (or any
 * other failure) leaves the code as it was.
 */
export function warmDelivery(): Promise<boolean> {
  if (!warming) {
    const attempt = run().then(
      () => true,
      () => false,
    );
    warming = attempt;
    void attempt.then((ran) => {
      if (!ran && warming === attempt) warming = undefined;
    });
  }
  return warming;
}

async function run(): Promise<void> {
  // Synchronous file calls, for a 380 KB file (well under a millisecond):
  // measured, the same warm-up through fs/promises left the next big read
  // slower (114 against 103 ms, event-loop p99 1.3 against 0.9 ms, medians
  // of 8 fresh processes), as if the libuv thread pool it starts competed
  // with it.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-warmup-'));
  // A process that exits during the warm-up (process.exit(), the end of
  // its work) leaves no file behind.
  const removeDir = (): void => {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // Nothing to report it to: the warm-up only saves time.
    }
  };
  process.once('exit', removeDir);
  try {
    const file = path.join(dir, 'warmup.pcap');
    fs.writeFileSync(file, warmupSavefile(WARMUP_PACKETS));
    // Async iteration first, then 'packet' listeners: measured, this order
    // left the 'packet', iteration and 'batch' paths all compiled.
    let seen = 0;
    for await (const packet of await openWarmupSavefile(file)) seen += packet.length > 0 ? 1 : 0;
    const s = await openWarmupSavefile(file);
    s.on('packet', (packet) => {
      seen += packet.length > 0 ? 1 : 0;
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.once('close', () => resolve());
    });
    if (seen !== 2 * WARMUP_PACKETS) throw new Error(`warm-up read ${seen} packets`);
  } finally {
    process.removeListener('exit', removeDir);
    removeDir();
  }
}
