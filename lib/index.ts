/**
 * ewpcap for Node.js: libpcap packet capture and injection, with every
 * blocking call on a worker thread.
 */
export { CaptureSocket } from './socket';
export { open, openOffline } from './open';
export type { RecordOptions } from './socket';
export type { Stats, Datalink, TimestampType } from './stats';
export type { CaptureSocketEvents, ListenerOf } from './events';
export { dev, getifaddrs, libVersion } from './devices';
export { compile, BpfProgram, type BpfInstruction, type CompileOptions } from './bpf';
export { createSavefile, captureToFile, SavefileWriter } from './savefile';
export type { SavefileOptions, PacketToWrite, CaptureToFileOptions } from './savefile';
export type { Interface, InterfaceAddress, InterfaceFlags, AddressFamily, ConnectionStatus } from './devices';
export { PacketBatch, type Packet, type Timestamp, type TimeOf, type Precision } from './batch';
export { PcapError, ErrorCode } from './errors';
export type {
  OpenOptions,
  OfflineOptions,
  FilterOptions,
  Timeout,
  TimeUnit,
  Direction,
  PrecisionOption,
} from './options';
export { DEFAULTS } from './options';

import { native } from './native';
import { checkBoolean, checkInteger, checkKeys, checkObject } from './options';
import { warmDelivery } from './warmup';
import { pool } from './pool';

/** Options of prewarm(). */
export interface PrewarmOptions {
  /**
   * Also run a few thousand generated packets through the delivery code
   * (async iteration, then 'packet' events, from a small savefile written to
   * the temporary directory and removed), so that V8 compiles it now rather
   * than during the first capture. Once per process; best effort: if it
   * cannot run, prewarm() still resolves. Default true.
   */
  code?: boolean;
}

/**
 * Gets the process ready for its first capture: starts capture threads ahead
 * of time (default 1), each with the addon and libpcap loaded, so that the
 * next open() or openOffline() does not pay a thread's start-up (tens of
 * milliseconds, and a few of them on the main thread); and, unless `code:
 * false`, warms the delivery code (see PrewarmOptions.code). The threads wait
 * for their first socket however long it takes, and never keep the process
 * alive. Rejects with ELIBPCAP when libpcap cannot be loaded.
 */
export async function prewarm(threads = 1, options?: PrewarmOptions): Promise<void> {
  const count = checkInteger(threads, 'threads', 1, 64);
  const o = checkObject(options, 'prewarm');
  checkKeys(o, PREWARM_KEYS, 'prewarm');
  const code = o.code === undefined ? true : checkBoolean(o.code, 'code');
  await pool.prewarm(count);
  // On one of those threads, which stays prewarmed (the warm-up is not its
  // first job) and is the one the next open() takes.
  if (code) await warmDelivery();
}

const PREWARM_KEYS = new Set(['code']);

/**
 * Native capture handles open in this process and the capture thread pool's
 * size: for leak checks and monitoring. `captureThreadSliceNs` is the time
 * slice threads run live captures with (EWPCAP_CAPTURE_SLICE_MS in the
 * README), as the kernel set it: 0 where the kernel keeps its default (before
 * Linux 6.12, other systems, a thread policy other than SCHED_OTHER, or
 * EWPCAP_CAPTURE_SLICE_MS=0), undefined until a thread started.
 */
export function diagnostics(): {
  handles: number;
  writers: number;
  threads: number;
  idleThreads: number;
  busyThreads: number;
  captureThreadSliceNs: number | undefined;
} {
  const p = pool.stats();
  return {
    handles: native.handleCount(),
    writers: native.dumperCount(),
    threads: p.threads,
    idleThreads: p.idle,
    busyThreads: p.busy,
    captureThreadSliceNs: p.sliceNs,
  };
}
