/**
 * What crosses between the main thread and a capture thread. Each socket has
 * its own MessageChannel: batches go up it as bare ArrayBuffers in the
 * transfer list (no copy); requests go down it and are answered by seq.
 * A small shared Int32Array carries what must not wait for a message:
 * batches consumed (back-pressure) and a signal counter the capture thread
 * sleeps on (Atomics.wait) when too many batches are in flight.
 */
import type { MessagePort } from 'node:worker_threads';
import type { WireError } from './errors';
import type { NativeOpened, NativeOpenOptions, NativeStats } from './native';

export const CONTROL_WORDS = 2;
/** Batches the main thread has consumed. */
export const CONTROL_ACKED = 0;
/** Bumped (and notified) whenever the capture thread should look again. */
export const CONTROL_SIGNAL = 1;

export interface CaptureJob {
  kind: 'capture';
  port: MessagePort;
  control: SharedArrayBuffer;
  device: string;
  native: NativeOpenOptions;
  filter?: { expression: string; optimize: boolean; netmask: number | undefined };
  maxBatchesInFlight: number;
  batch: { maxPackets: number; maxBytes: number; flushMicros: number };
}

export type Request =
  | { op: 'write'; seq: number; data: Uint8Array }
  | { op: 'filter'; seq: number; expression: string; optimize: boolean; netmask: number | undefined }
  | { op: 'stats'; seq: number }
  | { op: 'close'; seq: number };

export type Reply = { type: 'reply'; seq: number; value?: NativeStats; error?: WireError };

export type Event =
  | { type: 'opened'; opened: NativeOpened }
  | { type: 'open-failed'; error: WireError }
  | { type: 'end' }
  | { type: 'failed'; error: WireError }
  | { type: 'closed' }
  | Reply;

/** Posted on the worker's parentPort when a job ends and the thread is free again. */
export interface JobDone {
  kind: 'done';
}
