/**
 * Writing savefiles: a writer for packets of one link type, and a one-liner
 * that captures a device straight to a file. All file I/O happens on a pool
 * thread, never on the main thread.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { PacketBatch, type Timestamp } from './batch';
import { ErrorCode, PcapError, invalid, toPcapError } from './errors';
import {
  checkBoolean,
  checkInteger,
  checkKeys,
  checkObject,
  readFields,
  checkPath,
  describe,
  resolveLinktype,
  resolveOpen,
  type OpenOptions,
} from './options';
import { pool, type Lease } from './pool';
import type { Event, WriterItem, WriterRequest } from './protocol';
import { open } from './open';
import type { Stats } from './socket';

/** Options of {@link createSavefile}. */
export interface SavefileOptions {
  /** Link type of the packets, as a DLT number or libpcap name. Default 'EN10MB'. */
  linktype?: number | string;
  /** Snapshot length recorded in the file header. Default 65535. */
  snaplen?: number;
  /** 'nano' writes a nanosecond-resolution pcap file. Default 'micro'. */
  precision?: 'micro' | 'nano';
  /** Add to an existing file (same link type and precision) instead of replacing it. */
  append?: boolean;
}

/** A packet to write: its time in any of the library's time units, its bytes and wire length. */
export interface PacketToWrite {
  /**
   * Capture time: `{ sec, usec }`, microseconds since the epoch (number) or
   * nanoseconds (bigint), from 1970 to 2106; outside that range, EINVAL.
   */
  time: Timestamp | number | bigint;
  /** Wire length; default data.length. */
  length?: number;
  /** The captured bytes (copied when written). */
  data: Uint8Array;
}

interface Link {
  port: MessagePort;
}

const finalizer = new FinalizationRegistry<Link>((link) => {
  try {
    link.port.postMessage({ op: 'close', seq: 0 } satisfies WriterRequest);
  } catch {
    // already closed
  }
});

/**
 * A pcap savefile open for writing (pcap_dump_open, or pcap_dump_open_append
 * with `append`), written on a pool thread. Made by {@link createSavefile}.
 */
export class SavefileWriter {
  /** The file's path, as given. */
  readonly path: string;
  /** The link type (DLT number) written in the file header. */
  readonly linktype: number;
  /** The file's timestamp resolution: 'nano' for a nanosecond pcap file. */
  readonly precision: 'micro' | 'nano';
  private readonly link: Link;
  private items: WriterItem[] = [];
  private transfer: ArrayBuffer[] = [];
  private scheduled = false;
  private seq = 1;
  private readonly pending = new Map<number, { resolve(): void; reject(e: PcapError): void }>();
  private closing?: Promise<void>;
  private error?: PcapError;
  private lease?: Lease;

  private constructor(path: string, linktype: number, precision: 'micro' | 'nano', port: MessagePort) {
    this.path = path;
    this.linktype = linktype;
    this.precision = precision;
    this.link = { port };
  }

  /** @internal Use createSavefile(). */
  static async create(path: string, options?: SavefileOptions): Promise<SavefileWriter> {
    checkPath(path, 'createSavefile(): the savefile path');
    const o = checkObject(options, 'createSavefile');
    checkKeys(o, new Set(['linktype', 'snaplen', 'precision', 'append']), 'createSavefile');
    const linktype = o.linktype === undefined ? 1 : resolveLinktype(o.linktype);
    const snaplen = o.snaplen === undefined ? 65535 : checkInteger(o.snaplen, 'snaplen', 1, 0x7fffffff);
    const precision = o.precision ?? 'micro';
    if (precision !== 'micro' && precision !== 'nano')
      throw invalid(`option "precision" must be 'micro' or 'nano', got ${describe(precision)}`);
    const append = o.append === undefined ? false : checkBoolean(o.append, 'append');

    const { port1, port2 } = new MessageChannel();
    const writer = new SavefileWriter(path, linktype, precision, port1);
    await new Promise<void>((resolve, reject) => {
      const onOpen = (m: Event | { type: 'opened' }) => {
        port1.off('message', onOpen);
        if (m.type === 'open-failed') {
          port1.close();
          reject(toPcapError(m.error));
        } else resolve();
      };
      port1.on('message', onOpen);
      writer.lease = pool.run(
        { kind: 'writer', port: port2, path, linktype, snaplen, precision: precision === 'nano' ? 1 : 0, append },
        (e) => reject(e),
      );
    });
    port1.on('message', SavefileWriter.replyHandler(writer.pending));
    // An idle writer does not keep the process alive; pending flush/close do.
    port1.unref();
    finalizer.register(writer, writer.link, writer);
    return writer;
  }

  /** Made outside create() so the listener does not hold the writer (see CaptureSocket.messageHandler). */
  private static replyHandler(
    pending: Map<number, { resolve(): void; reject(e: PcapError): void }>,
  ): (m: Event) => void {
    return (m) => {
      if (m.type !== 'reply') return;
      const p = pending.get(m.seq);
      if (!p) return;
      pending.delete(m.seq);
      if (m.error) p.reject(toPcapError(m.error));
      else p.resolve();
    };
  }

  /**
   * Queues a packet, or every packet of a batch, for writing with its
   * original timestamp and wire length. Errors surface in flush() or close().
   */
  write(packet: PacketToWrite | PacketBatch): void {
    if (this.closing) throw new PcapError(ErrorCode.ECLOSED, `the savefile writer for ${this.path} is closed`);
    if (packet instanceof PacketBatch) {
      // A copy: the batch's own buffer stays with its packets.
      packet.check();
      const copy = packet.buffer.slice(0, packet.bytes.byteLength);
      this.items.push({ batch: copy });
      this.transfer.push(copy);
    } else {
      if (!packet || typeof packet !== 'object')
        throw invalid(`write() takes a packet { time, length?, data } or a PacketBatch, got ${describe(packet)}`);
      // Read by name, not by own keys: a captured packet is a class instance
      // whose fields are getters on its prototype.
      const p = readFields(packet, ['time', 'length', 'data'], 'write() packet');
      if (!(p.data instanceof Uint8Array))
        throw invalid(`write(): packet "data" must be a Buffer or Uint8Array, got ${describe(p.data)}`);
      const { seconds, fraction, precision } = splitTime(p.time);
      const data = new Uint8Array(p.data); // a copy, transferred
      const length = p.length === undefined ? data.byteLength : checkInteger(p.length, 'length', 0, 0xffffffff);
      this.items.push({ seconds, fraction, precision, length, data });
      this.transfer.push(data.buffer as ArrayBuffer);
    }
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.post());
    }
  }

  /** Writes out what libpcap buffers (pcap_dump_flush). */
  flush(): Promise<void> {
    return this.request('flush');
  }

  /** Flushes and closes the file. Idempotent. */
  close(): Promise<void> {
    if (!this.closing) {
      finalizer.unregister(this);
      this.closing = this.request('close', true).finally(() => {
        this.link.port.close();
        this.lease?.release();
      });
    }
    return this.closing;
  }

  private post(): void {
    this.scheduled = false;
    if (this.items.length === 0) return;
    const items = this.items;
    const transfer = this.transfer;
    this.items = [];
    this.transfer = [];
    this.link.port.postMessage({ op: 'write', seq: 0, items } satisfies WriterRequest, transfer);
  }

  private request(op: 'flush' | 'close', closing = false): Promise<void> {
    if (this.closing && !closing)
      return Promise.reject(new PcapError(ErrorCode.ECLOSED, `the savefile writer for ${this.path} is closed`));
    if (this.error) return Promise.reject(this.error);
    this.post();
    const seq = this.seq++;
    this.link.port.ref();
    return new Promise<void>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.link.port.postMessage({ op, seq } satisfies WriterRequest);
    }).finally(() => {
      if (this.pending.size === 0) this.link.port.unref();
    });
  }
}

/**
 * The pcap format keeps a packet's seconds in an unsigned 32-bit field:
 * times from 1970 to 2106-02-07T06:28:15Z. Anything later (or earlier) would
 * be written wrapped, as another time, so it is refused.
 */
const MAX_SECONDS = 0xffffffff;
const RANGE = 'from 0 to 2^32-1 seconds (1970 to 2106), what a pcap file holds';

function splitTime(time: unknown): { seconds: number; fraction: number; precision: 0 | 1 } {
  if (typeof time === 'bigint') {
    if (time < 0n || time >= BigInt(MAX_SECONDS + 1) * 1_000_000_000n)
      throw invalid(`write(): packet "time" in nanoseconds must be ${RANGE}, got ${time}n`);
    return { seconds: Number(time / 1_000_000_000n), fraction: Number(time % 1_000_000_000n), precision: 1 };
  }
  if (typeof time === 'number') {
    if (!Number.isFinite(time) || time < 0 || time >= (MAX_SECONDS + 1) * 1e6)
      throw invalid(`write(): packet "time" in microseconds must be ${RANGE}, got ${time}`);
    const us = Math.floor(time);
    return { seconds: Math.floor(us / 1e6), fraction: us % 1e6, precision: 0 };
  }
  if (time && typeof time === 'object') {
    const t = checkObject(time, 'write() packet time');
    const sec = checkInteger(t.sec, 'time.sec', 0, MAX_SECONDS);
    const usec = checkInteger(t.usec, 'time.usec', 0, 999_999);
    return { seconds: sec, fraction: usec, precision: 0 };
  }
  throw invalid(
    `write(): packet "time" must be { sec, usec }, microseconds (number) or nanoseconds (bigint), got ${describe(time)}`,
  );
}

/** Opens a writer for a new (or, with append, existing) savefile. */
export function createSavefile(path: string, options?: SavefileOptions): Promise<SavefileWriter> {
  return SavefileWriter.create(path, options);
}

/** Options of {@link captureToFile}: open()'s, and when to stop (at least one of count, duration, signal). */
export interface CaptureToFileOptions extends OpenOptions {
  /** Stop after this many packets. */
  count?: number;
  /** Stop after this many milliseconds. */
  duration?: number;
  /** Stop when this signal aborts. */
  signal?: AbortSignal;
  /** Append to an existing file. */
  append?: boolean;
}

/**
 * `tcpdump -w` in one call: captures from `device` into the savefile at
 * `path`, on the capture thread, until `count` packets, `duration` ms or
 * `signal` (at least one is required), then resolves with the number of
 * packets written and the capture's stats.
 */
export async function captureToFile(
  device: string | undefined,
  path: string,
  options: CaptureToFileOptions,
): Promise<{
  /** Packets written to the file. */
  packets: number;
  /** The capture's counters when it stopped (see {@link CaptureSocket.stats}). */
  stats: Stats;
}> {
  const { count, duration, signal, append, ...openOptions } = checkObject(
    options,
    'captureToFile',
  ) as CaptureToFileOptions;
  // Everything is checked before the device is opened.
  checkPath(path, 'captureToFile(): the savefile path');
  if (count === undefined && duration === undefined && signal === undefined) {
    throw invalid('captureToFile() needs count, duration or signal, or it would never end');
  }
  if (count !== undefined) checkInteger(count, 'count', 1, 0xfffffffe);
  if (duration !== undefined) checkInteger(duration, 'duration', 0, 0x7fffffff);
  if (signal !== undefined && !isAbortSignal(signal))
    throw invalid(`option "signal" must be an AbortSignal, got ${describe(signal)}`);
  if (append !== undefined) checkBoolean(append, 'append');
  resolveOpen(device, openOptions);
  const socket = await open(device, openOptions);
  try {
    await socket.record(path, { append: append ?? false, ...(count === undefined ? {} : { count }) });
    await new Promise<void>((resolve) => {
      const timer = duration === undefined ? undefined : setTimeout(resolve, duration);
      signal?.addEventListener('abort', () => resolve(), { once: true });
      if (signal?.aborted) resolve();
      if (count !== undefined) {
        socket.on('recorded', (n: number) => {
          if (n >= count) {
            if (timer) clearTimeout(timer);
            resolve();
          }
        });
      }
    });
    const packets = await socket.stopRecording();
    const stats = await socket.stats();
    return { packets, stats };
  } finally {
    await socket.close();
  }
}

/** AbortSignal of this realm or another (a test runner's, a second copy of Node's globals). */
function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    value instanceof AbortSignal ||
    (typeof value === 'object' &&
      value !== null &&
      Object.prototype.toString.call(value) === '[object AbortSignal]' &&
      typeof (value as AbortSignal).addEventListener === 'function')
  );
}
