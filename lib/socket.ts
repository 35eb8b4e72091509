/**
 * CaptureSocket: the main-thread side of a capture, live or from a savefile.
 * It never calls a blocking libpcap function; every request goes to the
 * socket's pool thread, and packets come back in transferred batches.
 */
import { EventEmitter } from 'node:events';
import { isMainThread, MessageChannel, type MessagePort } from 'node:worker_threads';
import { types as utilTypes } from 'node:util';
import { PacketBatch, type Packet, type Precision, type TimeOf, type Timestamp } from './batch';
import { dev } from './devices';
import { ErrorCode, PcapError, invalid, toPcapError } from './errors';
import { native, type NativeDatalink, type NativeOpened, type NativeStats } from './native';
import {
  BATCH,
  checkBoolean,
  checkInteger,
  checkKeys,
  checkObject,
  resolveFilter,
  resolveLinktype,
  resolveOffline,
  resolveOpen,
  type FilterOptions,
  type OfflineOptions,
  type OpenOptions,
  type ResolvedFilter,
  type ResolvedOffline,
  type TimeUnit,
} from './options';
import { pool, type Lease } from './pool';
import {
  CONTROL_ACKED,
  CONTROL_SIGNAL,
  CONTROL_SLEEPING,
  CONTROL_WAKE_AT,
  CONTROL_WORDS,
  COUNTER_START,
  inFlight,
  type CaptureJob,
  type DistributiveOmit,
  type Event,
  type OfflineJob,
  type Request,
  type WriteResults,
} from './protocol';

export type Stats = NativeStats;
/** A link type or a timestamp type: libpcap's value, name and description. */
export type Datalink = NativeDatalink;
export type TimestampType = NativeDatalink;

export interface RecordOptions {
  /** Append to an existing savefile (of the same link type) instead of replacing it. */
  append?: boolean;
  /** Also deliver the packets to this socket's consumers. Default false: the file only, as `tcpdump -w`. */
  deliver?: boolean;
  /** Stop recording after this many packets. Default: no limit. */
  count?: number;
}

type State = 'opening' | 'open' | 'ending' | 'closing' | 'closed';

/**
 * Longest stretch of packet delivery in one event-loop turn (see drain()).
 * Measured on the 1,000,000-packet file (bench/offline.js readers, 12-20
 * fresh processes each, interleaved), 0.5 ms against 1 ms: event-loop delay
 * p99 0.2-0.6 ms lower for 'packet' events and async iteration (after
 * prewarm(), fresh and warm); 'packet' events as fast; async iteration up
 * to ~5% slower (one more macrotask boundary per 0.5 ms); 'batch'
 * listeners, which get a batch whole, unaffected.
 */
const DRAIN_BUDGET_MS = 0.5;

/**
 * Young-generation pacing. A batch's memory is freed when the main thread's
 * garbage collector finds its ArrayBuffer dead, and for a young ArrayBuffer
 * that is the next scavenge, which comes when the young generation has
 * filled with JavaScript objects. Batch memory lies outside it: a 'batch'
 * consumer allocates almost nothing of its own, so dead batches piled up
 * (~33 MB for a 1M-packet file) and the capture thread wrote every new batch
 * into memory never touched before, a page fault per 4 KiB. So for every
 * PACE_EVERY bytes of batches received, a short-lived array of PACE_WITH
 * bytes is made: scavenges then follow the batch memory, which the capture
 * thread's allocator gets back and reuses while it is still mapped in.
 * Measured on a 1M-packet file read through 'batch' events without
 * release() (medians of 6 alternated fresh processes): 194 ms and 14,700
 * page faults without, 121 ms and 8,300 with 64 KiB per MiB (in a first
 * trial, 32 KiB per MiB gave 129 ms and 128 KiB 128 ms). A 'packet'
 * consumer allocates more than twice the batch bytes in packet objects
 * anyway, so for it this adds ~3%.
 */
const PACE_EVERY = 1 << 20;
const PACE_WITH = 64 << 10;
let pacedBytes = 0;

function paceYoungGeneration(batchBytes: number): void {
  pacedBytes += batchBytes;
  if (pacedBytes < PACE_EVERY) return;
  pacedBytes %= PACE_EVERY;
  // One 8-byte slot per element. The array is handed to a native function
  // that the compiler cannot see into, or the optimized code leaves out an
  // array nobody uses (measured: scavenges stopped after the 4th read of a
  // process). It is not kept: a kept one survived scavenges into the old
  // generation, and 'packet' consumers got slower.
  utilTypes.isProxy(new Array(PACE_WITH / 8));
}

interface Reader<T> {
  resolve(packet: Packet<T>): void;
  reject(error: PcapError): void;
  timer?: NodeJS.Timeout;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: PcapError): void;
}

/**
 * What the finalizer needs to close a socket that was garbage-collected:
 * nothing here refers back to the socket.
 */
interface Link {
  port: MessagePort;
  control: Int32Array;
  id: number;
  lease?: Lease;
  /** Sends a released batch's buffer back to the capture thread (PacketBatch.release()). */
  recycle: (buffer: ArrayBuffer) => void;
}

function signal(link: Link): void {
  Atomics.add(link.control, CONTROL_SIGNAL, 1);
  Atomics.notify(link.control, CONTROL_SIGNAL);
  if (link.id > 0) native.wake(link.id);
}

// A socket that nobody references is closed and its native resources freed,
// as ewpcap does on garbage collection.
const finalizer = new FinalizationRegistry<Link>((link) => {
  try {
    link.port.postMessage({ op: 'close', seq: 0 } satisfies Request);
    signal(link);
  } catch {
    // The port is already closed: so is the capture.
  }
});

// Sockets with a consumer (listeners, a pending read, an iteration) or an
// operation in progress (opening, a request, closing) are held here, like a
// net.Socket is held by its handle, so that `(await open()).on('packet', f)`
// keeps capturing and no pending promise is left unsettled by a collection.
const held = new Set<CaptureSocket<unknown>>();

/** A listener, as EventEmitter types it. */
type Listener = Parameters<EventEmitter['addListener']>[1];

let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled || !isMainThread) return;
  exitHookInstalled = true;
  // process.exit() joins worker threads: make every capture loop return
  // from native code at once so that nothing hangs.
  process.on('exit', () => native.shutdown());
}

export class CaptureSocket<T = Timestamp> extends EventEmitter implements AsyncIterable<Packet<T>> {
  /** The device name as opened (the default device's name when none was given), or the savefile path. */
  readonly device: string;
  /** Whether this socket reads a savefile rather than a device. */
  readonly offline: boolean;
  /** How `packet.time` is given. */
  readonly timeUnit: TimeUnit;
  /** Link-layer type (DLT_ value) and its libpcap name, e.g. 1 and 'EN10MB'. */
  datalink = 0;
  datalinkName = '';
  /** Bytes captured of each packet, as libpcap applies it. */
  snaplen = 0;
  /** Timestamp precision libpcap delivers. */
  precision: Precision = 'micro';

  private state: State = 'opening';
  private readonly link: Link;
  private readonly queue: PacketBatch[] = [];
  private cursor = 0;
  private readonly readers: Reader<T>[] = [];
  private readonly pending = new Map<number, Pending>();
  private writes: Array<{ frame: Uint8Array; resolve(): void; reject(e: PcapError): void }> = [];
  private seq = 1;
  private iterating = 0;
  private draining = false;
  /** The 'packet' listeners as emit() would see them, taken again at every change (see addListener()). */
  private packetListeners: Array<(packet: Packet<TimeOf<TimeUnit>>) => void> = [];
  /** EventEmitter.captureRejections as the emitter was made with: 'packet' events then go through emit(). */
  private readonly captureRejections = EventEmitter.captureRejections;
  private deferred = false;
  private inTurn = false;
  private turnStart = 0;
  private ended = false;
  private failure: PcapError | undefined;
  private failureDelivered = false;
  private finished = false;
  private recording?: { resolve(n: number): void; promise: Promise<number> };
  private opened?: { resolve(): void; reject(e: PcapError): void };
  private closed?: Promise<void>;
  private onClosed?: () => void;

  private constructor(device: string, offline: boolean, timeUnit: TimeUnit, link: Link) {
    super();
    this.device = device;
    this.offline = offline;
    this.timeUnit = timeUnit;
    this.link = link;
    this.on('newListener', () => queueMicrotask(() => this.consumersChanged()));
    this.on('removeListener', () => this.consumersChanged());
  }

  /** @internal Use open() or openOffline(). */
  static async start<T>(
    name: string,
    timeUnit: TimeUnit,
    job: DistributiveOmit<CaptureJob | OfflineJob, 'port' | 'control' | 'jobId'>,
    runOptions?: { warmup?: boolean },
  ): Promise<CaptureSocket<T>> {
    const { port1, port2 } = new MessageChannel();
    const control = new SharedArrayBuffer(CONTROL_WORDS * Int32Array.BYTES_PER_ELEMENT);
    new Int32Array(control)[CONTROL_ACKED] = COUNTER_START;
    const link: Link = { port: port1, control: new Int32Array(control), id: 0, recycle: CaptureSocket.recycler(port1) };
    const socket = new CaptureSocket<T>(name, job.kind === 'offline', timeUnit, link);
    const weak = new WeakRef(socket) as WeakRef<CaptureSocket<unknown>>;
    port1.on('message', CaptureSocket.messageHandler(weak, link));
    installExitHook();
    // Held while opening: until open() resolves nothing else roots the
    // socket (the listeners hold it weakly), and a collection here would
    // leave the capture thread running for nobody.
    held.add(socket as CaptureSocket<unknown>);
    finalizer.register(socket, link, socket);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.opened = { resolve, reject };
        link.lease = pool.run({ ...job, port: port2, control }, CaptureSocket.threadLostHandler(weak), runOptions);
      });
    } finally {
      socket.updateHeld();
    }
    return socket;
  }

  /**
   * The next packet. Rejects with EAGAIN when `timeout` milliseconds pass
   * without one (no timeout: wait), and with ECLOSED once the socket is
   * closed or, for a savefile, at its end.
   */
  read(timeout?: number): Promise<Packet<T>> {
    if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 0)) {
      return Promise.reject(
        invalid(`read timeout must be a non-negative integer of milliseconds, got ${String(timeout)}`),
      );
    }
    // Not while drain() delivers (a listener calling read()): it holds the
    // batch it is delivering, so the reader waits for the next one.
    if (this.readers.length === 0 && !this.draining) {
      const ready = this.take();
      if (ready) return Promise.resolve(ready);
    }
    // An ending socket that is still 'ending' after this has packets queued
    // that only 'packet' listeners may have (see take()): the reader waits
    // for a later one, or for the end.
    this.endIfDone();
    if (this.state !== 'open' && this.state !== 'ending') {
      return Promise.reject(this.takeFailure() ?? this.closedError());
    }
    return new Promise<Packet<T>>((resolve, reject) => {
      const reader: Reader<T> = { resolve, reject };
      if (timeout !== undefined) {
        reader.timer = setTimeout(() => {
          const at = this.readers.indexOf(reader);
          if (at >= 0) this.readers.splice(at, 1);
          this.consumersChanged();
          reject(new PcapError(ErrorCode.EAGAIN, `no packet within ${timeout} ms`));
        }, timeout);
      }
      this.readers.push(reader);
      this.consumersChanged();
    });
  }

  /**
   * Packets in order, with back-pressure: the capture thread reads only as
   * fast as the loop body consumes. Ends when the socket is closed (or the
   * savefile ends); leaving the loop early (break, return, throw) closes the
   * socket.
   *
   * A plain iterator rather than an async generator: a packet already queued
   * is handed out in an already-settled promise, with none of a generator's
   * extra promises per step (this doubled the rate of `for await`). Like
   * drain(), it gives the event loop a turn after DRAIN_BUDGET_MS of packets.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Packet<T>> {
    let started = false;
    let finished = false;
    let steps = 0;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      if (started) {
        this.iterating--;
        this.consumersChanged();
      }
    };
    const done = (): IteratorResult<Packet<T>> => ({ value: undefined, done: true });
    const iterator: AsyncIterableIterator<Packet<T>> = {
      next: (): Promise<IteratorResult<Packet<T>>> => {
        if (finished) return Promise.resolve(done());
        if (!started) {
          started = true;
          this.iterating++;
          this.consumersChanged();
        }
        if (this.readers.length === 0 && this.queue.length > 0 && !this.draining) {
          // The first step of a turn starts the turn's clock, so that a slow
          // loop body gets the same budget as a 'packet' listener; after
          // that the clock is looked at every 64 steps.
          if (((++steps & 63) === 0 || !this.inTurn) && this.turnBudgetSpent()) {
            return new Promise<void>((resolve) => setImmediate(resolve)).then(() => iterator.next());
          }
          const packet = this.take();
          if (packet) return Promise.resolve({ value: packet, done: false });
        }
        return this.read().then(
          (value) => ({ value, done: false }),
          (e: PcapError) => {
            finish();
            if (e.code === ErrorCode.ECLOSED) return done();
            throw e;
          },
        );
      },
      return: async (): Promise<IteratorResult<Packet<T>>> => {
        if (!finished) {
          finish();
          await this.close();
        }
        return done();
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  /**
   * Sends a frame (pcap_sendpacket). An array is concatenated into one frame,
   * like ewpcap's iodata. Frames written in the same tick travel to the
   * capture thread in one message and are sent in order.
   */
  write(data: Uint8Array | ReadonlyArray<Uint8Array>): Promise<void> {
    let frame: Uint8Array;
    try {
      if (this.offline) throw invalid('a savefile cannot be written to through its socket; use createSavefile()');
      if (this.state !== 'open') throw this.closedError();
      frame = toFrame(data);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<void>((resolve, reject) => {
      this.writes.push({ frame, resolve, reject });
      if (this.writes.length === 1) queueMicrotask(() => this.flushWrites());
    });
  }

  private flushWrites(): void {
    const writes = this.writes;
    this.writes = [];
    const frames = writes.map((w) => w.frame);
    this.request(
      { op: 'write', frames },
      frames.map((f) => f.buffer as ArrayBuffer),
    ).then(
      (results) =>
        writes.forEach((w, i) => {
          const error = (results as WriteResults)[i];
          if (error) w.reject(toPcapError(error));
          else w.resolve();
        }),
      (error: PcapError) => writes.forEach((w) => w.reject(error)),
    );
  }

  /** Replaces the filter atomically (ewpcap's filter/3). */
  filter(expression: string, options?: FilterOptions): Promise<void> {
    let f: ResolvedFilter;
    try {
      f = resolveFilter(expression, options);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.request({ op: 'filter', ...f }).then(() => undefined);
  }

  /**
   * libpcap's counters: packets received and dropped by the kernel, dropped by
   * the interface, and (capt) packets this socket has handed to JavaScript.
   */
  stats(): Promise<Stats> {
    return this.request({ op: 'stats' }) as Promise<Stats>;
  }

  /** The link types the device offers (pcap_list_datalinks). */
  datalinks(): Promise<Datalink[]> {
    return this.request({ op: 'datalinks' }) as Promise<Datalink[]>;
  }

  /** Switches the link type (pcap_set_datalink), by DLT number or libpcap name. */
  async setDatalink(linktype: number | string): Promise<Datalink> {
    const value = resolveLinktype(linktype);
    const d = (await this.request({ op: 'set-datalink', value })) as Datalink;
    this.datalink = d.value;
    this.datalinkName = d.name;
    return d;
  }

  /** The timestamp types the device offers (pcap_list_tstamp_types); choose one with open()'s timestampType. */
  timestampTypes(): Promise<TimestampType[]> {
    return this.request({ op: 'timestamp-types' }) as Promise<TimestampType[]>;
  }

  /**
   * Writes every packet captured from now on to a savefile, on the capture
   * thread (`tcpdump -w`). By default packets are not also delivered to
   * JavaScript. 'recorded' events report the running count. Resolves once
   * the file is open.
   */
  async record(path: string, options?: RecordOptions): Promise<void> {
    if (typeof path !== 'string' || path === '') throw invalid('record() needs a savefile path');
    const o = checkObject(options, 'record');
    checkKeys(o, new Set(['append', 'deliver', 'count']), 'record');
    const append = o.append === undefined ? false : checkBoolean(o.append, 'append');
    const deliver = o.deliver === undefined ? false : checkBoolean(o.deliver, 'deliver');
    const count = o.count === undefined ? 0xffffffff : checkInteger(o.count, 'count', 1, 0xfffffffe);
    let resolve!: (n: number) => void;
    const promise = new Promise<number>((r) => (resolve = r));
    await this.request({ op: 'record', path, append, deliver, count });
    this.recording = { resolve, promise };
  }

  /**
   * Stops recording, closes the file and resolves with the number of packets
   * written. Also resolves (at once) when the recording already stopped at
   * its count.
   */
  async stopRecording(): Promise<number> {
    const recording = this.recording;
    if (!recording) return 0;
    if (this.state === 'open') {
      const written = (await this.request({ op: 'stop-record' })) as number;
      if (written > 0 || this.recording === recording) recording.resolve(written);
    }
    return recording.promise;
  }

  /**
   * Stops the capture and frees the handle (on the capture thread). Pending
   * reads reject with ECLOSED, as does every later call. Idempotent.
   */
  close(): Promise<void> {
    if (this.closed) return this.closed;
    this.closed = new Promise<void>((resolve) => (this.onClosed = resolve));
    if (this.state === 'closed' || this.state === 'ending') {
      this.queue.length = 0;
      this.finish();
      this.onClosed!();
      return this.closed;
    }
    finalizer.unregister(this);
    this.state = 'closing';
    this.updateHeld(); // until 'closed' arrives, the pending close() holds the socket
    this.rejectReaders(() => this.closedError());
    this.link.port.postMessage({ op: 'close', seq: 0 } satisfies Request);
    signal(this.link);
    return this.closed;
  }

  /** Keep the process alive while this socket is open (the default). */
  ref(): this {
    this.link.port.ref();
    return this;
  }

  /** Let the process exit even though this socket is open. */
  unref(): this {
    this.link.port.unref();
    return this;
  }

  /** Whether the socket is open (not ending, closing or closed). */
  get isOpen(): boolean {
    return this.state === 'open';
  }

  // ---- internals ------------------------------------------------------------

  private request(body: DistributiveOmit<Request, 'seq'>, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.state !== 'open') return Promise.reject(this.closedError());
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.updateHeld(); // a pending request holds the socket, as a pending read does
      this.link.port.postMessage({ ...body, seq } as Request, transfer);
      signal(this.link);
    });
  }

  private closedError(): PcapError {
    const what = this.offline ? `the savefile ${this.device}` : `the capture socket on ${this.device}`;
    return new PcapError(ErrorCode.ECLOSED, this.ended ? `${what} has ended` : `${what} is closed`);
  }

  /** The capture's failure, once: to whoever asks first after it happened. */
  private takeFailure(): PcapError | undefined {
    if (!this.failure || this.failureDelivered) return undefined;
    this.failureDelivered = true;
    return this.failure;
  }

  /**
   * The port's listener and the pool's callback outlive start(): they are
   * made here, outside its scope, so that they hold the socket only weakly
   * (a closure made inside start() would share its context, which holds the
   * socket, and keep it alive forever).
   */
  private static messageHandler(weak: WeakRef<CaptureSocket<unknown>>, link: Link): (m: ArrayBuffer | Event) => void {
    return (message) => {
      const s = weak.deref();
      if (s) s.onMessage(message);
      else if (message instanceof ArrayBuffer) CaptureSocket.ack(link);
      else if (message.type === 'closed') {
        link.port.close();
        link.lease?.release();
      } else if (message.type === 'opened') {
        // The socket is gone (the finalizer's close may have raced ahead of
        // the open): close the capture.
        link.id = message.opened.id;
        link.port.postMessage({ op: 'close', seq: 0 } satisfies Request);
        signal(link);
      }
    };
  }

  private static threadLostHandler(weak: WeakRef<CaptureSocket<unknown>>): (error: PcapError) => void {
    return (error) => {
      const s = weak.deref();
      if (!s) return;
      s.onMessage({ type: 'failed', error: { code: error.code, message: error.message } });
      s.onMessage({ type: 'closed' });
    };
  }

  /** Made outside start() for the reason messageHandler() is: batches outlive sockets. */
  private static recycler(port: MessagePort): (buffer: ArrayBuffer) => void {
    return (buffer) => port.postMessage({ op: 'recycle', seq: 0, buffer } satisfies Request, [buffer]);
  }

  /** Counts a consumed batch; wakes the capture thread only if it sleeps waiting for this count. */
  private static ack(link: Link): void {
    const acked = (Atomics.add(link.control, CONTROL_ACKED, 1) + 1) | 0;
    if (
      Atomics.load(link.control, CONTROL_SLEEPING) === 1 &&
      inFlight(Atomics.load(link.control, CONTROL_WAKE_AT), acked) <= 0
    ) {
      Atomics.add(link.control, CONTROL_SIGNAL, 1);
      Atomics.notify(link.control, CONTROL_SIGNAL);
    }
  }

  private onMessage(message: ArrayBuffer | Event): void {
    if (message instanceof ArrayBuffer) {
      if (this.state !== 'open') {
        CaptureSocket.ack(this.link);
        return;
      }
      const batch = new PacketBatch(message);
      if (batch.count === 0) {
        CaptureSocket.ack(this.link);
        return;
      }
      batch.recycler = this.link.recycle;
      batch.delivering = true;
      this.queue.push(batch);
      paceYoungGeneration(batch.bytes.byteLength);
      this.drain();
      return;
    }
    switch (message.type) {
      case 'opened':
        this.onOpened(message.opened);
        break;
      case 'open-failed':
        this.state = 'closed';
        this.link.port.close();
        this.opened?.reject(toPcapError(message.error));
        break;
      case 'reply': {
        const p = this.pending.get(message.seq);
        if (!p) break;
        this.pending.delete(message.seq);
        this.updateHeld();
        if (message.error) p.reject(toPcapError(message.error));
        else p.resolve(message.value);
        break;
      }
      case 'recorded':
        this.emit('recorded', message.written);
        if (message.done) {
          this.recording?.resolve(message.written);
        }
        break;
      case 'end':
        this.ended = true;
        break;
      case 'failed':
        this.failure = toPcapError(message.error);
        if (this.state === 'opening') {
          this.state = 'closed';
          this.opened?.reject(this.failure);
        }
        break;
      case 'closed':
        finalizer.unregister(this);
        this.link.port.close();
        this.link.lease?.release(); // the thread is free for the next open()
        for (const p of this.pending.values()) p.reject(this.closedError());
        this.pending.clear();
        this.recording?.resolve(0);
        if (this.state === 'closing' || this.state === 'closed') {
          this.queue.length = 0;
          this.finish();
        } else {
          // The capture ended by itself (end of file, failure): what was
          // captured before is still delivered, then 'end' or 'error'.
          this.state = 'ending';
          this.drain();
        }
        break;
    }
  }

  /** finish() once an ending capture has nothing left to deliver. */
  private endIfDone(): void {
    if (this.state === 'ending' && this.queue.length === 0) this.finish();
  }

  /** The last step of every socket, once: reject waiters, say why it ended, emit 'close'. */
  private finish(): void {
    if (this.finished) {
      this.rejectReaders(() => this.closedError());
      return;
    }
    this.finished = true;
    this.state = 'closed';
    held.delete(this as CaptureSocket<unknown>);
    // A failure goes to pending readers and 'error' listeners alike; if
    // nobody hears it, the next read() gets it.
    const failure = this.failure && !this.failureDelivered ? this.failure : undefined;
    const heard = this.readers.length > 0 || this.listenerCount('error') > 0;
    this.rejectReaders(() => failure ?? this.closedError());
    if (failure) {
      this.failureDelivered = heard;
      if (this.listenerCount('error') > 0) this.emit('error', failure);
    } else if (this.ended) {
      this.emit('end');
    }
    this.onClosed?.();
    this.emit('close');
  }

  private onOpened(opened: NativeOpened): void {
    this.link.id = opened.id;
    this.datalink = opened.datalink;
    this.datalinkName = opened.datalinkName;
    this.snaplen = opened.snaplen;
    this.precision = opened.precision === 1 ? 'nano' : 'micro';
    this.state = 'open';
    this.opened?.resolve();
    this.opened = undefined;
    if (opened.warning) {
      const warning = opened.warning;
      setImmediate(() => this.emit('warning', warning));
    }
  }

  /** The next queued packet, if any, for read(). */
  private take(): Packet<T> | undefined {
    const batch = this.head();
    // 'batch' listeners had this batch (or its rest): what is left of it is
    // for 'packet' listeners, and a reader waits for the next batch.
    if (!batch || batch.emitted) return undefined;
    batch.pinned = true;
    const packet = batch.packetAt(this.cursor++, this.timeUnit) as Packet<T>;
    if (this.cursor >= batch.count) {
      this.consumed();
      // The file's last packet went to a reader: 'end' follows, after the
      // reader has had it.
      if (this.state === 'ending' && this.queue.length === 0) setImmediate(() => this.endIfDone());
    }
    return packet;
  }

  /**
   * The first queued batch with packets left for someone. A listener that
   * threw on a batch's last packet can leave that batch used up at the
   * head, and the last 'packet' listener can leave between turns while the
   * rest of a batch that 'batch' listeners had waits for it: either is
   * consumed here.
   */
  private head(): PacketBatch | undefined {
    let batch = this.queue[0];
    while (batch && (this.cursor >= batch.count || (batch.emitted && this.packetListeners.length === 0))) {
      this.consumed();
      batch = this.queue[0];
    }
    return batch;
  }

  private consumed(): void {
    const batch = this.queue.shift()!;
    this.cursor = 0;
    batch.delivering = false;
    // Before the ack, which may wake the capture thread: it finds the buffer.
    if (batch.released) batch.giveBack();
    CaptureSocket.ack(this.link);
  }

  private get delivering(): boolean {
    return this.state === 'open' || this.state === 'ending';
  }

  /**
   * Hands queued packets to readers first, then to listeners; what nobody
   * takes waits (back-pressure). A MessagePort delivers every queued message
   * in one turn of the event loop, so delivery is budgeted: after
   * DRAIN_BUDGET_MS in one turn the rest waits for setImmediate, and timers
   * and I/O run in between.
   */
  private drain(): void {
    if (this.draining || this.deferred) return;
    if (this.turnBudgetSpent()) {
      this.deferDrain();
      return;
    }
    this.draining = true;
    try {
      // Listeners may have been added or removed since the last delivery,
      // some by ways that do not go through the overrides below.
      this.listenersChanged('packet');
      for (let batch = this.head(); batch && this.delivering; batch = this.head()) {
        if (this.readers.length === 0 && this.turnBudgetSpent()) {
          this.deferDrain();
          break;
        }
        if (this.readers.length > 0 && !batch.emitted) {
          const reader = this.readers.shift()!;
          if (reader.timer) clearTimeout(reader.timer);
          reader.resolve(this.take()!);
          continue;
        }
        const wantsBatches = this.listenerCount('batch') > 0;
        if (!wantsBatches && this.packetListeners.length === 0) break;
        if (wantsBatches && !batch.emitted) {
          // Marked first, so that a listener that throws does not get the
          // batch again. Packets that readers or 'packet' listeners took
          // before a 'batch' listener came are not in its batch: it gets the
          // rest, as a batch of its own (a copy). With no 'packet' listener
          // the batch is used up once emitted, even if a listener throws: a
          // read() after that gets the next batch's packets, not these.
          batch.emitted = true;
          const whole = this.cursor === 0 ? batch : batch.rest(this.cursor);
          if (this.packetListeners.length === 0) this.cursor = batch.count;
          this.emit('batch', whole);
        }
        if (this.emitPackets(batch)) {
          this.deferDrain();
          break;
        }
        if (!this.delivering) break;
        // The last 'packet' listener went during the batch: unless 'batch'
        // listeners had it, the rest waits for the next consumer, which may
        // be a reader that a listener queued meanwhile.
        if (!batch.emitted && this.cursor < batch.count) {
          if (this.readers.length > 0) continue;
          break;
        }
        this.cursor = batch.count;
        this.consumed();
      }
    } catch (e) {
      // A listener threw: as with emit(), the exception goes on to the
      // caller (the port's message handler, so 'uncaughtException'). The
      // packets after the one that threw are delivered in a later turn, as
      // nothing else may come to start a delivery (the capture thread can
      // be waiting for this batch to be consumed).
      this.deferDrain();
      throw e;
    } finally {
      this.draining = false;
    }
    this.endIfDone();
    this.updateHeld();
  }

  /**
   * drain()'s hot loop: 'packet' events from the batch until it is done, the
   * socket stops delivering or no 'packet' listener is left. Returns true
   * when it stopped because the turn's budget was spent; the budget is
   * looked at within a batch too, as 1,024 packets can take milliseconds
   * while the code is still cold, or across a collection.
   *
   * The listeners are called as emit() would call them (in order, with the
   * socket as `this`, a once() wrapper removing itself, a listener added or
   * removed meanwhile counting from the next packet), from a snapshot
   * taken at every change of listeners (see addListener() and the others
   * below). emit() itself is one function shared by every emitter of the
   * process: inlined here, its optimized code was thrown away whenever
   * another emitter used it, which threw away this loop's code too and cost
   * 11-16 ms of compiler time on another thread, per socket (measured with
   * --trace-deopt). Under EventEmitter.captureRejections, emit() is used,
   * as it is what routes a rejected promise to 'error'.
   */
  private emitPackets(batch: PacketBatch): boolean {
    const unit = this.timeUnit;
    const viaEmit = this.captureRejections;
    // Views are handed out: the buffer is never given back.
    if (this.packetListeners.length > 0) batch.pinned = true;
    while (this.cursor < batch.count && this.delivering) {
      const listeners = this.packetListeners;
      if (listeners.length === 0) break;
      if ((this.cursor & 63) === 63 && this.turnBudgetSpent()) return true;
      const packet = batch.packetAt(this.cursor++, unit);
      if (viaEmit) this.emit('packet', packet);
      else if (listeners.length === 1) listeners[0]!.call(this, packet);
      else for (const listener of listeners) listener.call(this, packet);
    }
    return false;
  }

  /** Takes the snapshot of 'packet' listeners again after a change. */
  private listenersChanged(event: string | symbol | undefined): void {
    if (event === undefined || event === 'packet') {
      this.packetListeners = this.rawListeners('packet') as Array<(packet: Packet<TimeOf<TimeUnit>>) => void>;
    }
  }

  // Every way to add or remove a listener goes through these (once() and
  // prependOnceListener() call on() and prependListener(), a once() wrapper
  // calls removeListener()), so the snapshot of 'packet' listeners is never
  // stale. It is taken again after the change, not before: the change emits
  // 'newListener' or 'removeListener' first or last, and a listener of those
  // could start a delivery. It is taken eagerly, so that emitPackets() has
  // no rarely taken branch (the JIT's code is thrown away when such a branch
  // first runs).
  override addListener(event: string | symbol, listener: Listener): this {
    super.addListener(event, listener);
    this.listenersChanged(event);
    return this;
  }

  override on(event: string | symbol, listener: Listener): this {
    return this.addListener(event, listener);
  }

  override prependListener(event: string | symbol, listener: Listener): this {
    super.prependListener(event, listener);
    this.listenersChanged(event);
    return this;
  }

  override removeListener(event: string | symbol, listener: Listener): this {
    super.removeListener(event, listener);
    this.listenersChanged(event);
    return this;
  }

  override off(event: string | symbol, listener: Listener): this {
    return this.removeListener(event, listener);
  }

  override removeAllListeners(event?: string | symbol): this {
    super.removeAllListeners(event);
    this.listenersChanged(event);
    return this;
  }

  /**
   * Whether packets were delivered for DRAIN_BUDGET_MS or more in this turn
   * of the event loop. The first call in a turn starts the turn's clock.
   */
  private turnBudgetSpent(): boolean {
    const now = performance.now();
    if (!this.inTurn) {
      this.inTurn = true;
      this.turnStart = now;
      setImmediate(() => (this.inTurn = false));
      return false;
    }
    return now - this.turnStart >= DRAIN_BUDGET_MS;
  }

  /** Continues drain() after this turn of the event loop (once, however often asked). */
  private deferDrain(): void {
    if (this.deferred) return;
    this.deferred = true;
    setImmediate(() => {
      this.deferred = false;
      this.drain();
    });
  }

  /** Rejects pending read()s; the error is made only if there are any (an Error's stack costs). */
  private rejectReaders(reason: () => PcapError): void {
    if (this.readers.length === 0) return;
    const error = reason();
    for (const reader of this.readers.splice(0)) {
      if (reader.timer) clearTimeout(reader.timer);
      reader.reject(error);
    }
  }

  private consumersChanged(): void {
    if (this.updateHeld() && this.queue.length > 0 && !this.draining) this.drain();
  }

  /** Holds the socket while something consumes it; returns whether something does. */
  private updateHeld(): boolean {
    const consumed =
      this.state !== 'closed' &&
      (this.state === 'opening' ||
        this.state === 'closing' ||
        this.listenerCount('packet') > 0 ||
        this.listenerCount('batch') > 0 ||
        this.readers.length > 0 ||
        this.pending.size > 0 ||
        this.iterating > 0);
    if (consumed) held.add(this as CaptureSocket<unknown>);
    else held.delete(this as CaptureSocket<unknown>);
    return consumed;
  }
}

function toFrame(data: Uint8Array | ReadonlyArray<Uint8Array>): Uint8Array {
  const parts: ReadonlyArray<unknown> = Array.isArray(data) ? data : [data];
  let size = 0;
  for (const part of parts) {
    if (!(part instanceof Uint8Array)) {
      throw invalid('write() takes a Buffer, a Uint8Array or an array of them');
    }
    size += part.byteLength;
  }
  if (size === 0) throw invalid('write() needs at least one byte to send');
  // A fresh buffer, transferred: the caller may reuse theirs at once, and no
  // neighbouring bytes of a pooled Buffer are cloned along.
  const frame = new Uint8Array(size);
  let at = 0;
  for (const part of parts as Uint8Array[]) {
    frame.set(part, at);
    at += part.byteLength;
  }
  return frame;
}

/** Opens a live capture on `device` ('' or undefined: the default device). */
export async function open<U extends TimeUnit = 'timestamp'>(
  device?: string,
  options?: OpenOptions & { timeUnit?: U },
): Promise<CaptureSocket<TimeOf<U>>> {
  const r = resolveOpen(device, options);
  const name = r.device === '' ? await dev() : r.device;
  return CaptureSocket.start<TimeOf<U>>(name, r.timeUnit, {
    kind: 'capture',
    device: name,
    native: r.native,
    filter: r.filter,
    maxBatchesInFlight: r.maxBatchesInFlight,
    batch: BATCH,
  });
}

/**
 * Reads a pcap or pcapng savefile through the same socket interface:
 * 'packet' and 'batch' events, read(), async iteration, filter(); then
 * 'end'. A truncated or corrupt file delivers every good packet first, then
 * an 'error' with libpcap's text.
 */
export async function openOffline<U extends TimeUnit = 'timestamp'>(
  path: string,
  options?: OfflineOptions & { timeUnit?: U },
): Promise<CaptureSocket<TimeOf<U>>> {
  return startOffline<TimeOf<U>>(resolveOffline(path, options));
}

/**
 * @internal prewarm()'s warm-up read (lib/warmup.ts): openOffline() with no
 * filter and the 'timestamp' time unit, whatever the application set in
 * DEFAULTS, on a thread that stays prewarmed.
 */
export function openWarmupSavefile(path: string): Promise<CaptureSocket<Timestamp>> {
  return startOffline<Timestamp>(resolveOffline(path, { filter: '', timeUnit: 'timestamp' }), { warmup: true });
}

function startOffline<T>(r: ResolvedOffline, runOptions?: { warmup?: boolean }): Promise<CaptureSocket<T>> {
  return CaptureSocket.start<T>(
    r.path,
    r.timeUnit,
    {
      kind: 'offline',
      path: r.path,
      precision: r.precision,
      filter: r.filter,
      maxBatchesInFlight: r.maxBatchesInFlight,
      batch: BATCH,
    },
    runOptions,
  );
}
