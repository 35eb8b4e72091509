/**
 * CaptureSocket: the main-thread side of a live capture. It never calls a
 * blocking libpcap function; every request goes to the socket's capture
 * thread, and packets come back in transferred batches.
 */
import { EventEmitter } from 'node:events';
import { isMainThread, MessageChannel, type MessagePort } from 'node:worker_threads';
import { PacketBatch, type Packet, type Precision, type TimeOf, type Timestamp } from './batch';
import { dev } from './devices';
import { ErrorCode, PcapError, invalid, toPcapError } from './errors';
import { native, type NativeOpened, type NativeStats } from './native';
import { BATCH, resolveFilter, resolveOpen, type FilterOptions, type OpenOptions, type TimeUnit } from './options';
import { pool } from './pool';
import {
  CONTROL_ACKED,
  CONTROL_SIGNAL,
  CONTROL_WORDS,
  type CaptureJob,
  type Event,
  type Request,
} from './protocol';

export type Stats = NativeStats;
type State = 'opening' | 'open' | 'closing' | 'closed';
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

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

// Sockets with a consumer (listeners, a pending read, an iteration) are held
// here, like a net.Socket is held by its handle, so that
// `(await open()).on('packet', f)` keeps capturing.
const held = new Set<CaptureSocket<unknown>>();

let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled || !isMainThread) return;
  exitHookInstalled = true;
  // process.exit() joins worker threads: make every capture loop return
  // from native code at once so that nothing hangs.
  process.on('exit', () => native.shutdown());
}

export class CaptureSocket<T = Timestamp> extends EventEmitter implements AsyncIterable<Packet<T>> {
  /** The device name as opened (the default device's name when none was given). */
  readonly device: string;
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
  private seq = 1;
  private iterating = 0;
  private draining = false;
  private failure: PcapError | undefined;
  private opened?: { resolve(): void; reject(e: PcapError): void };
  private closed?: Promise<void>;
  private onClosed?: () => void;

  private constructor(device: string, timeUnit: TimeUnit, link: Link) {
    super();
    this.device = device;
    this.timeUnit = timeUnit;
    this.link = link;
    this.on('newListener', () => queueMicrotask(() => this.consumersChanged()));
    this.on('removeListener', () => this.consumersChanged());
  }

  /** @internal Use open(). */
  static async open<T>(device: string | undefined, options: OpenOptions | undefined): Promise<CaptureSocket<T>> {
    const resolved = resolveOpen(device, options);
    const name = resolved.device === '' ? await dev() : resolved.device;
    const { port1, port2 } = new MessageChannel();
    const control = new SharedArrayBuffer(CONTROL_WORDS * Int32Array.BYTES_PER_ELEMENT);
    const link: Link = { port: port1, control: new Int32Array(control), id: 0 };
    const socket = new CaptureSocket<T>(name, resolved.timeUnit, link);
    const weak = new WeakRef(socket);
    port1.on('message', CaptureSocket.messageHandler(weak as WeakRef<CaptureSocket<unknown>>, link));
    const job: CaptureJob = {
      kind: 'capture',
      port: port2,
      control,
      device: name,
      native: resolved.native,
      filter: resolved.filter,
      maxBatchesInFlight: resolved.maxBatchesInFlight,
      batch: BATCH,
    };
    installExitHook();
    await new Promise<void>((resolve, reject) => {
      socket.opened = { resolve, reject };
      pool.run(job, CaptureSocket.threadLostHandler(weak as WeakRef<CaptureSocket<unknown>>));
    });
    finalizer.register(socket, link, socket);
    return socket;
  }

  /**
   * The next packet. Rejects with EAGAIN when `timeout` milliseconds pass
   * without one (no timeout: wait), and with ECLOSED once the socket is closed.
   */
  read(timeout?: number): Promise<Packet<T>> {
    if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 0)) {
      return Promise.reject(invalid(`read timeout must be a non-negative integer of milliseconds, got ${String(timeout)}`));
    }
    if (this.readers.length === 0) {
      const ready = this.take();
      if (ready) return Promise.resolve(ready);
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.state !== 'open') return Promise.reject(this.closedError());
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
   * fast as the loop body consumes. Ends when the socket is closed; leaving
   * the loop early (break, return, throw) closes the socket.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<Packet<T>, void, undefined> {
    this.iterating++;
    this.consumersChanged();
    let finished = false;
    try {
      for (;;) {
        let packet: Packet<T>;
        try {
          packet = await this.read();
        } catch (e) {
          finished = true;
          if ((e as PcapError).code === ErrorCode.ECLOSED) return;
          throw e;
        }
        yield packet;
      }
    } finally {
      this.iterating--;
      this.consumersChanged();
      if (!finished) await this.close();
    }
  }

  /** Sends a frame (pcap_sendpacket). An array is concatenated into one frame, like ewpcap's iodata. */
  write(data: Uint8Array | ReadonlyArray<Uint8Array>): Promise<void> {
    let frame: Uint8Array;
    try {
      frame = toFrame(data);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.request({ op: 'write', data: frame }, [frame.buffer as ArrayBuffer]).then(() => undefined);
  }

  /** Replaces the filter atomically (ewpcap's filter/3). */
  filter(expression: string, options?: FilterOptions): Promise<void> {
    let f;
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

  /**
   * Stops the capture and frees the handle (on the capture thread). Pending
   * reads reject with ECLOSED, as does every later call. Idempotent.
   */
  close(): Promise<void> {
    if (this.closed) return this.closed;
    this.closed = new Promise<void>((resolve) => (this.onClosed = resolve));
    if (this.state === 'closed') {
      this.onClosed!();
      return this.closed;
    }
    finalizer.unregister(this);
    this.state = 'closing';
    this.rejectReaders(this.closedError());
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

  /** Whether the socket is open (not closing or closed). */
  get isOpen(): boolean {
    return this.state === 'open';
  }

  // ---- internals ------------------------------------------------------------

  private request(body: DistributiveOmit<Request, 'seq'>, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.state !== 'open') return Promise.reject(this.closedError());
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.link.port.postMessage({ ...body, seq } as Request, transfer);
      signal(this.link);
    });
  }

  private closedError(): PcapError {
    return new PcapError(ErrorCode.ECLOSED, `the capture socket on ${this.device} is closed`);
  }

  /**
   * The port's listener and the pool's callback outlive open(): they are
   * made here, outside its scope, so that they hold the socket only weakly
   * (a closure made inside open() would share its context, which holds the
   * socket, and keep it alive forever).
   */
  private static messageHandler(weak: WeakRef<CaptureSocket<unknown>>, link: Link): (m: ArrayBuffer | Event) => void {
    return (message) => {
      const s = weak.deref();
      if (s) s.onMessage(message);
      else if (message instanceof ArrayBuffer) CaptureSocket.ack(link);
      else if (message.type === 'closed') link.port.close();
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

  private static ack(link: Link): void {
    Atomics.add(link.control, CONTROL_ACKED, 1);
    Atomics.add(link.control, CONTROL_SIGNAL, 1);
    Atomics.notify(link.control, CONTROL_SIGNAL);
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
      this.queue.push(batch);
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
        if (message.error) p.reject(toPcapError(message.error));
        else p.resolve(message.value);
        break;
      }
      case 'failed': {
        const error = toPcapError(message.error);
        this.failure = error;
        this.rejectReaders(error);
        if (this.state === 'opening') {
          this.opened?.reject(error);
          this.onMessage({ type: 'closed' });
        } else if (this.listenerCount('error') > 0) {
          this.emit('error', error);
        }
        break;
      }
      case 'end':
        break;
      case 'closed':
        this.state = 'closed';
        finalizer.unregister(this);
        this.link.port.close();
        this.queue.length = 0;
        this.rejectReaders(this.failure ?? this.closedError());
        for (const p of this.pending.values()) p.reject(this.closedError());
        this.pending.clear();
        held.delete(this as CaptureSocket<unknown>);
        this.onClosed?.();
        this.emit('close');
        break;
    }
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
    const batch = this.queue[0];
    if (!batch) return undefined;
    const packet = batch.packet(this.cursor++, this.timeUnit) as Packet<T>;
    if (this.cursor >= batch.count) this.consumed();
    return packet;
  }

  private consumed(): void {
    this.queue.shift();
    this.cursor = 0;
    CaptureSocket.ack(this.link);
  }

  /** Hands queued packets to readers first, then to listeners; what nobody takes waits (back-pressure). */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0 && this.state === 'open') {
        if (this.readers.length > 0) {
          const reader = this.readers.shift()!;
          if (reader.timer) clearTimeout(reader.timer);
          reader.resolve(this.take()!);
          continue;
        }
        const wantsBatches = this.listenerCount('batch') > 0;
        if (!wantsBatches && this.listenerCount('packet') === 0) break;
        const batch = this.queue[0]!;
        if (wantsBatches && this.cursor === 0) this.emit('batch', batch);
        while (this.cursor < batch.count && this.state === 'open' && this.listenerCount('packet') > 0) {
          this.emit('packet', batch.packet(this.cursor++, this.timeUnit));
        }
        if (this.state !== 'open') break;
        this.cursor = batch.count;
        this.consumed();
      }
    } finally {
      this.draining = false;
    }
    this.updateHeld();
  }

  private rejectReaders(error: PcapError): void {
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
      (this.listenerCount('packet') > 0 ||
        this.listenerCount('batch') > 0 ||
        this.readers.length > 0 ||
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
export function open<U extends TimeUnit = 'timestamp'>(
  device?: string,
  options?: OpenOptions & { timeUnit?: U },
): Promise<CaptureSocket<TimeOf<U>>> {
  return CaptureSocket.open<TimeOf<U>>(device, options);
}
