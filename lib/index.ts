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
import { checkInteger } from './options';
import { pool } from './pool';

/**
 * Gets the process ready for its first capture: starts capture threads ahead
 * of time (default 1), each with the addon and libpcap loaded, so that the
 * next open() or openOffline() does not pay a thread's start-up (tens of
 * milliseconds, and a few of them on the main thread). The threads wait for
 * their first socket however long it takes, and never keep the process
 * alive. Rejects with ELIBPCAP when libpcap cannot be loaded.
 */
export async function prewarm(threads = 1): Promise<void> {
  await pool.prewarm(checkInteger(threads, 'threads', 1, 64));
}

/**
 * Native capture handles open in this process and the capture thread pool's
 * size: for leak checks and monitoring.
 */
export function diagnostics(): {
  /** Open libpcap capture handles (live or savefile) in the addon, over every thread. */
  handles: number;
  /** Open savefile writers (pcap_dump handles) in the addon. */
  writers: number;
  /** Capture threads in the pool: idleThreads + busyThreads. */
  threads: number;
  /** Threads waiting for a socket or writer (prewarmed ones included). */
  idleThreads: number;
  /** Threads running a socket or a savefile writer. */
  busyThreads: number;
} {
  const p = pool.stats();
  return {
    handles: native.handleCount(),
    writers: native.dumperCount(),
    threads: p.threads,
    idleThreads: p.idle,
    busyThreads: p.busy,
  };
}
