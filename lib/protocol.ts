/**
 * What crosses between the main thread and a pool thread. Each socket (or
 * savefile writer) has its own MessageChannel: batches go up it as bare
 * ArrayBuffers in the transfer list (no copy); requests go down it and are
 * answered by seq. A small shared Int32Array carries what must not wait for
 * a message: batches consumed (back-pressure) and a signal counter the
 * capture thread sleeps on (Atomics.wait) when too many batches are in
 * flight.
 */
import type { MessagePort } from 'node:worker_threads';
import type { WireError } from './errors';
import type { NativeDatalink, NativeOpened, NativeOpenOptions, NativeStats } from './native';

export const CONTROL_WORDS = 4;
/** Batches the main thread has consumed (an int32 that wraps: compare with inFlight()). */
export const CONTROL_ACKED = 0;
/** Bumped (and notified) whenever the capture thread should look again. */
export const CONTROL_SIGNAL = 1;
/**
 * While the capture thread sleeps for back-pressure: the CONTROL_ACKED count
 * at which it wants to be woken. The consumer notifies only then, so a
 * consumer that keeps up does not pay a futex wake-up (and the capture
 * thread a context switch) per batch.
 */
export const CONTROL_WAKE_AT = 2;
/** 1 while the capture thread sleeps for back-pressure (CONTROL_WAKE_AT is then valid), else 0. */
export const CONTROL_SLEEPING = 3;

/**
 * Where the posted and consumed counts start: 16 batches below the int32
 * wrap, so that every capture crosses it early and the wrap-safe arithmetic
 * is exercised all the time, not only after 2^31 batches (half a day of
 * one-packet batches at 50,000 packets/s). The same idea as the Linux
 * kernel's INITIAL_JIFFIES.
 */
export const COUNTER_START = 0x7fffffff - 15;

/** Batches posted and not yet consumed, from two int32 counts that wrap. */
export function inFlight(posted: number, acked: number): number {
  return (posted - acked) | 0;
}

/**
 * The capture thread, stopped by back-pressure, wakes up when the batches in
 * flight are down to this many for a given maximum: half of them, so that
 * each wake-up is worth several batches and the consumer still has some
 * queued while the thread starts reading again.
 */
export function resumeInFlight(maxBatchesInFlight: number): number {
  return maxBatchesInFlight >> 1;
}

export interface ResolvedFilterWire {
  expression: string;
  optimize: boolean;
  netmask: number | undefined;
}

interface LoopJob {
  /** Set by the pool; echoed in JobDone. */
  jobId: number;
  port: MessagePort;
  control: SharedArrayBuffer;
  filter?: ResolvedFilterWire;
  maxBatchesInFlight: number;
  batch: { maxPackets: number; maxBytes: number; flushMicros: number };
}

/** A live capture on a device. */
export interface CaptureJob extends LoopJob {
  kind: 'capture';
  device: string;
  native: NativeOpenOptions;
}

/** A savefile read through the same loop. */
export interface OfflineJob extends LoopJob {
  kind: 'offline';
  path: string;
  precision: 0 | 1;
}

/** A savefile writer: the thread's event loop stays free, requests arrive as messages. */
export interface WriterJob {
  kind: 'writer';
  jobId: number;
  port: MessagePort;
  path: string;
  linktype: number;
  snaplen: number;
  precision: 0 | 1;
  append: boolean;
}

export type Job = CaptureJob | OfflineJob | WriterJob;

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A job as its owner hands it to the pool, which adds the id. */
export type JobRequest = DistributiveOmit<Job, 'jobId'>;

export type Request =
  | { op: 'write'; seq: number; frames: Uint8Array[] }
  | ({ op: 'filter'; seq: number } & ResolvedFilterWire)
  | { op: 'stats'; seq: number }
  | { op: 'datalinks'; seq: number }
  | { op: 'set-datalink'; seq: number; value: number }
  | { op: 'timestamp-types'; seq: number }
  | { op: 'record'; seq: number; path: string; append: boolean; deliver: boolean; count: number }
  | { op: 'stop-record'; seq: number }
  /** A released batch's buffer, for the capture thread to fill again (no reply). */
  | { op: 'recycle'; seq: number; buffer: ArrayBuffer }
  | { op: 'close'; seq: number };

/** One packet or one batch for a savefile writer. */
export type WriterItem =
  { batch: ArrayBuffer } | { seconds: number; fraction: number; precision: 0 | 1; length: number; data: Uint8Array };

export type WriterRequest =
  { op: 'write'; seq: number; items: WriterItem[] } | { op: 'flush'; seq: number } | { op: 'close'; seq: number };

/** Per frame of a write request: null when sent, else why not. */
export type WriteResults = Array<WireError | null>;

export type ReplyValue = NativeStats | NativeDatalink | NativeDatalink[] | WriteResults | number | undefined;

export type Reply = { type: 'reply'; seq: number; value?: ReplyValue; error?: WireError };

export type Event =
  | { type: 'opened'; opened: NativeOpened }
  | { type: 'open-failed'; error: WireError }
  | { type: 'end' }
  | { type: 'failed'; error: WireError }
  | { type: 'recorded'; written: number; done: boolean }
  /** The kernel dropped packets (lib/drops.ts): the socket's 'warning' event. */
  | { type: 'warning'; message: string }
  | { type: 'closed' }
  | Reply;

/** Posted on the worker's parentPort when a job ends and the thread is free again. */
export interface JobDone {
  kind: 'done';
  jobId: number;
}

/**
 * Posted on the worker's parentPort once, when the thread has loaded the
 * addon and tried to load libpcap (`error` if that failed).
 */
export interface ThreadReady {
  kind: 'ready';
  error?: WireError;
}

export type PoolMessage = JobDone | ThreadReady;
