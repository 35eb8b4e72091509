/**
 * CaptureSocket: the main-thread side of a capture, live or from a savefile,
 * and what the user holds. It is a PacketStream (lib/stream.ts: delivery to
 * readers, listeners and iteration) fed by a CaptureChannel
 * (lib/channel.ts: requests, batches and events to and from the capture
 * thread); here are the public face, the lifecycle (opening, failure, end,
 * close, garbage collection, process exit) and the events. It never calls a
 * blocking libpcap function: every request goes to the socket's pool
 * thread, and packets come back in transferred batches.
 */
import { PacketBatch, type Precision, type Timestamp } from './batch';
import type { CaptureSocketEvents as Events, ListenerOf } from './events';
import { CaptureChannel, toFrame, type ChannelJob, type ThreadEvent } from './channel';
import { ErrorCode, PcapError, invalid, toPcapError } from './errors';
import { type NativeDatalink, type NativeOpened, type NativeStats } from './native';
import {
  checkBoolean,
  checkInteger,
  checkKeys,
  checkObject,
  checkPath,
  resolveFilter,
  resolveLinktype,
  type FilterOptions,
  type ResolvedFilter,
  type TimeUnit,
} from './options';
import { paceYoungGeneration } from './pacing';
import { finalizer, held, installExitHook } from './retention';
import { PacketStream } from './stream';

export type Stats = NativeStats;
/** A link type or a timestamp type: libpcap's value, name and description. */
export type Datalink = NativeDatalink;
export type TimestampType = NativeDatalink;

/** Options of {@link CaptureSocket.record}. */
export interface RecordOptions {
  /** Append to an existing savefile (of the same link type) instead of replacing it. */
  append?: boolean;
  /** Also deliver the packets to this socket's consumers. Default false: the file only, as `tcpdump -w`. */
  deliver?: boolean;
  /** Stop recording after this many packets. Default: no limit. */
  count?: number;
}

type State = 'opening' | 'open' | 'ending' | 'closing' | 'closed';

// The socket's events, typed (see lib/events.ts): these declarations take
// the place of EventEmitter's (event: string | symbol, listener: any) for
// callers; the methods are EventEmitter's and PacketEmitter's.
export interface CaptureSocket<T = Timestamp> {
  /** Adds a listener for one of the socket's events (see {@link CaptureSocketEvents}). */
  on<K extends keyof Events<T>>(event: K, listener: ListenerOf<Events<T>[K]>): this;
  /** Adds a listener for a symbol-keyed event. */
  on(event: symbol, listener: (...args: never[]) => void): this;
  /** Adds a listener that is removed after the event's next emission. */
  once<K extends keyof Events<T>>(event: K, listener: ListenerOf<Events<T>[K]>): this;
  /** Adds a one-time listener for a symbol-keyed event. */
  once(event: symbol, listener: (...args: never[]) => void): this;
  /** The same as on(). */
  addListener<K extends keyof Events<T>>(event: K, listener: ListenerOf<Events<T>[K]>): this;
  /** The same as on(), for a symbol-keyed event. */
  addListener(event: symbol, listener: (...args: never[]) => void): this;
  /** Adds a listener before the event's other listeners. */
  prependListener<K extends keyof Events<T>>(event: K, listener: ListenerOf<Events<T>[K]>): this;
  /** Adds a listener before the other listeners of a symbol-keyed event. */
  prependListener(event: symbol, listener: (...args: never[]) => void): this;
  /** Adds a one-time listener before the event's other listeners. */
  prependOnceListener<K extends keyof Events<T>>(event: K, listener: ListenerOf<Events<T>[K]>): this;
  /** Adds a one-time listener before the other listeners of a symbol-keyed event. */
  prependOnceListener(event: symbol, listener: (...args: never[]) => void): this;
  /** Removes a listener added by on(), once() or their variants. */
  off<K extends keyof Events<T>>(event: K, listener: ListenerOf<Events<T>[K]>): this;
  /** Removes a listener of a symbol-keyed event. */
  off(event: symbol, listener: (...args: never[]) => void): this;
  /** The same as off(). */
  removeListener<K extends keyof Events<T>>(event: K, listener: ListenerOf<Events<T>[K]>): this;
  /** The same as off(), for a symbol-keyed event. */
  removeListener(event: symbol, listener: (...args: never[]) => void): this;
  /** Removes every listener of one event, or of all events when none is named. */
  removeAllListeners(event?: keyof Events<T> | symbol): this;
  /** Calls the event's listeners with these arguments; returns whether it had any. */
  emit<K extends keyof Events<T>>(event: K, ...args: Events<T>[K]): boolean;
  /** Calls the listeners of a symbol-keyed event; returns whether it had any. */
  emit(event: symbol, ...args: unknown[]): boolean;
}

// Merged with the interface above, which declares only methods the class
// has (inherited), so no member is left unimplemented.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class CaptureSocket<T = Timestamp> extends PacketStream<T> {
  /** The device name as opened (the default device's name when none was given), or the savefile path. */
  readonly device: string;
  /** Whether this socket reads a savefile rather than a device. */
  readonly offline: boolean;
  /** Link-layer type (DLT_ value) and its libpcap name, e.g. 1 and 'EN10MB'. */
  datalink = 0;
  /** libpcap's name of the link type (pcap_datalink_val_to_name), e.g. 'EN10MB'. */
  datalinkName = '';
  /** Bytes captured of each packet, as libpcap applies it. */
  snaplen = 0;
  /** Timestamp precision libpcap delivers. */
  precision: Precision = 'micro';

  private state: State = 'opening';
  private readonly channel: CaptureChannel;
  private ended = false;
  private failure: PcapError | undefined;
  private failureDelivered = false;
  private finished = false;
  private recording?: { resolve(n: number): void; promise: Promise<number> };
  private opened?: { resolve(): void; reject(e: PcapError): void };
  private closed?: Promise<void>;
  private onClosed?: () => void;

  private constructor(device: string, offline: boolean, timeUnit: TimeUnit, channel: CaptureChannel) {
    super(timeUnit);
    this.device = device;
    this.offline = offline;
    this.channel = channel;
  }

  /** @internal Use open() or openOffline(). */
  static async start<T>(name: string, timeUnit: TimeUnit, job: ChannelJob): Promise<CaptureSocket<T>> {
    const channel = new CaptureChannel();
    const socket = new CaptureSocket<T>(name, job.kind === 'offline', timeUnit, channel);
    channel.attach(socket);
    installExitHook();
    // Held while opening: until open() resolves nothing else roots the
    // socket (the channel holds it weakly), and a collection here would
    // leave the capture thread running for nobody.
    held.add(socket);
    finalizer.register(socket, channel, socket);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.opened = { resolve, reject };
        channel.run(job);
      });
    } finally {
      socket.updateHeld();
    }
    return socket;
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
    return this.channel.write(frame);
  }

  /** Replaces the filter atomically (ewpcap's filter/3). */
  filter(expression: string, options?: FilterOptions): Promise<void> {
    let f: ResolvedFilter;
    try {
      f = resolveFilter(expression, options);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.channel.request({ op: 'filter', ...f }).then(() => undefined);
  }

  /**
   * libpcap's counters: packets received and dropped by the kernel, dropped by
   * the interface, and (capt) packets this socket has handed to JavaScript.
   */
  stats(): Promise<Stats> {
    return this.channel.request({ op: 'stats' }) as Promise<Stats>;
  }

  /** The link types the device offers (pcap_list_datalinks). */
  datalinks(): Promise<Datalink[]> {
    return this.channel.request({ op: 'datalinks' }) as Promise<Datalink[]>;
  }

  /** Switches the link type (pcap_set_datalink), by DLT number or libpcap name. */
  async setDatalink(linktype: number | string): Promise<Datalink> {
    const value = resolveLinktype(linktype);
    const d = (await this.channel.request({ op: 'set-datalink', value })) as Datalink;
    this.datalink = d.value;
    this.datalinkName = d.name;
    return d;
  }

  /** The timestamp types the device offers (pcap_list_tstamp_types); choose one with open()'s timestampType. */
  timestampTypes(): Promise<TimestampType[]> {
    return this.channel.request({ op: 'timestamp-types' }) as Promise<TimestampType[]>;
  }

  /**
   * Writes every packet captured from now on to a savefile, on the capture
   * thread (`tcpdump -w`). By default packets are not also delivered to
   * JavaScript. 'recorded' events report the running count. Resolves once
   * the file is open.
   */
  async record(path: string, options?: RecordOptions): Promise<void> {
    checkPath(path, 'record(): the savefile path');
    const o = checkObject(options, 'record');
    checkKeys(o, new Set(['append', 'deliver', 'count']), 'record');
    const append = o.append === undefined ? false : checkBoolean(o.append, 'append');
    const deliver = o.deliver === undefined ? false : checkBoolean(o.deliver, 'deliver');
    const count = o.count === undefined ? 0xffffffff : checkInteger(o.count, 'count', 1, 0xfffffffe);
    let resolve!: (n: number) => void;
    const promise = new Promise<number>((r) => (resolve = r));
    await this.channel.request({ op: 'record', path, append, deliver, count });
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
      const written = (await this.channel.request({ op: 'stop-record' })) as number;
      if (written > 0 || this.recording === recording) recording.resolve(written);
    }
    return recording.promise;
  }

  /**
   * Stops the capture and frees the handle (on the capture thread). Pending
   * reads reject with ECLOSED, as does every later call. Idempotent. The
   * socket keeps the process alive until it has closed, even if unref()'d,
   * so an awaited close() always settles.
   */
  close(): Promise<void> {
    if (this.closed) return this.closed;
    this.closed = new Promise<void>((resolve) => (this.onClosed = resolve));
    if (this.state === 'closed' || this.state === 'ending') {
      this.discard();
      this.finish();
      this.onClosed!();
      return this.closed;
    }
    finalizer.unregister(this);
    this.enter('closing');
    this.updateHeld(); // until 'closed' arrives, the pending close() holds the socket
    // As a closing libuv handle keeps the loop alive: without this, an
    // unref()'d socket let the process exit with `await close()` unsettled.
    this.channel.ref();
    this.rejectReaders(() => this.closedError());
    this.channel.close();
    return this.closed;
  }

  /** Keep the process alive while this socket is open (the default). */
  ref(): this {
    this.channel.ref();
    return this;
  }

  /** Let the process exit even though this socket is open. */
  unref(): this {
    this.channel.unref();
    return this;
  }

  /** Whether the socket is open (not ending, closing or closed). */
  get isOpen(): boolean {
    return this.state === 'open';
  }

  // ---- from the channel -------------------------------------------------------

  /** @internal */
  batchArrived(buffer: ArrayBuffer): void {
    if (this.state !== 'open') {
      this.channel.ack();
      return;
    }
    const batch = new PacketBatch(buffer);
    if (batch.count === 0) {
      this.channel.ack();
      return;
    }
    batch.recycler = this.channel.recycle;
    paceYoungGeneration(batch.bytes.byteLength);
    this.push(batch);
  }

  /** @internal */
  eventArrived(event: ThreadEvent): void {
    switch (event.type) {
      case 'opened':
        this.onOpened(event.opened);
        break;
      case 'open-failed':
        this.enter('closed');
        this.opened?.reject(toPcapError(event.error));
        break;
      case 'recorded':
        this.emit('recorded', event.written);
        if (event.done) {
          this.recording?.resolve(event.written);
        }
        break;
      case 'warning':
        this.emit('warning', event.message);
        break;
      case 'end':
        this.ended = true;
        break;
      case 'failed':
        this.failure = toPcapError(event.error);
        if (this.state === 'opening') {
          this.enter('closed');
          this.opened?.reject(this.failure);
        }
        break;
      case 'closed':
        finalizer.unregister(this);
        this.channel.rejectPending(() => this.closedError());
        this.recording?.resolve(0);
        if (this.state === 'closing' || this.state === 'closed') {
          this.discard();
          this.finish();
        } else {
          // The capture ended by itself (end of file, failure): what was
          // captured before is still delivered, then 'end' or 'error'.
          this.enter('ending');
          this.drain();
        }
        break;
    }
  }

  /** @internal */
  requestsChanged(): void {
    this.updateHeld(); // a pending request holds the socket, as a pending read does
  }

  /** @internal */
  closedError(): PcapError {
    const what = this.offline ? `the savefile ${this.device}` : `the capture socket on ${this.device}`;
    return new PcapError(ErrorCode.ECLOSED, this.ended ? `${what} has ended` : `${what} is closed`);
  }

  // ---- for the stream ---------------------------------------------------------

  /** @internal */
  protected batchConsumed(): void {
    this.channel.ack();
  }

  /** @internal */
  protected streamEnded(): void {
    this.finish();
  }

  /** @internal */
  protected readRefused(): PcapError {
    return this.takeFailure() ?? this.closedError();
  }

  /** @internal Holds the socket while something consumes it; returns whether something does. */
  protected override updateHeld(): boolean {
    const consumed =
      this.state !== 'closed' &&
      (this.state === 'opening' || this.state === 'closing' || this.hasConsumers || this.channel.busy);
    if (consumed) held.add(this);
    else held.delete(this);
    return consumed;
  }

  // ---- lifecycle --------------------------------------------------------------

  /** Moves to a state, and sets the stream's flow and the channel's acceptance with it. */
  private enter(state: State): void {
    this.state = state;
    this.flow =
      state === 'open' ? 'flowing' : state === 'ending' ? 'ending' : state === 'opening' ? 'waiting' : 'stopped';
    this.channel.accepting = state === 'open';
  }

  private onOpened(opened: NativeOpened): void {
    this.datalink = opened.datalink;
    this.datalinkName = opened.datalinkName;
    this.snaplen = opened.snaplen;
    this.precision = opened.precision === 1 ? 'nano' : 'micro';
    this.enter('open');
    this.opened?.resolve();
    this.opened = undefined;
    if (opened.warning) {
      const warning = opened.warning;
      setImmediate(() => this.emit('warning', warning));
    }
  }

  /** The last step of every socket, once: reject waiters, say why it ended, emit 'close'. */
  private finish(): void {
    if (this.finished) {
      this.rejectReaders(() => this.closedError());
      return;
    }
    this.finished = true;
    this.enter('closed');
    held.delete(this);
    // A failure goes to pending readers and 'error' listeners alike; if
    // nobody hears it, the next read() gets it.
    const failure = this.failure && !this.failureDelivered ? this.failure : undefined;
    const heard = this.hasReaders || this.listenerCount('error') > 0;
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

  /** The capture's failure, once: to whoever asks first after it happened. */
  private takeFailure(): PcapError | undefined {
    if (!this.failure || this.failureDelivered) return undefined;
    this.failureDelivered = true;
    return this.failure;
  }
}
