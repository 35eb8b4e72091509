/**
 * CaptureChannel: a socket's line to its capture thread. Requests go down
 * its MessagePort and are answered by sequence number; frames written in
 * one tick travel in one request; batches and the thread's events come up
 * and go to the owner. The shared control words carry what must not wait
 * for a message: consumed batches (acks, for back-pressure) and the signal
 * the thread sleeps on. It also covers the thread's loss and a socket that
 * was garbage-collected while its capture ran.
 *
 * The port's listener and the pool's callback hold the channel, and live as
 * long as the capture does; the channel holds its owner (the socket) only
 * through a WeakRef, so that an unreachable socket can be collected.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { ErrorCode, PcapError, invalid, toPcapError } from './errors';
import { native } from './native';
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
  type Reply,
  type Request,
  type WriteResults,
} from './protocol';

/** What the capture thread reports, other than replies to requests. */
export type ThreadEvent = Exclude<Event, Reply>;

/** What a channel hands on to the socket it serves. */
export interface ChannelOwner {
  /** A batch came in (a transferred ArrayBuffer). */
  batchArrived(buffer: ArrayBuffer): void;
  eventArrived(event: ThreadEvent): void;
  /** A request was made or answered: pending requests hold the owner. */
  requestsChanged(): void;
  /** The error for a request made when the channel does not accept requests. */
  closedError(): PcapError;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: PcapError): void;
}

interface QueuedWrite {
  frame: Uint8Array;
  resolve(): void;
  reject(e: PcapError): void;
}

export type ChannelJob = DistributiveOmit<CaptureJob | OfflineJob, 'port' | 'control' | 'jobId'>;

export class CaptureChannel {
  /** Whether requests are sent (the capture is open); else they are refused with the owner's closedError(). */
  accepting = false;
  /** The capture handle's id in the addon's registry, once opened (0 before): native.wake() takes it. */
  private id = 0;
  private readonly port: MessagePort;
  /** The thread's end of the port, until run() hands it over. */
  private threadPort?: MessagePort;
  private readonly controlBuffer: SharedArrayBuffer;
  private readonly control: Int32Array;
  private lease?: Lease;
  private owner?: WeakRef<ChannelOwner>;
  private readonly pending = new Map<number, Pending>();
  private writes: QueuedWrite[] = [];
  private seq = 1;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.threadPort = port2;
    this.controlBuffer = new SharedArrayBuffer(CONTROL_WORDS * Int32Array.BYTES_PER_ELEMENT);
    this.control = new Int32Array(this.controlBuffer);
    this.control[CONTROL_ACKED] = COUNTER_START;
    port1.on('message', (message: ArrayBuffer | Event) => this.onMessage(message));
  }

  /** Hands batches and events to `owner`, held weakly. */
  attach(owner: ChannelOwner): void {
    this.owner = new WeakRef(owner);
  }

  /** Starts the capture job on a pool thread. */
  run(job: ChannelJob): void {
    const port = this.threadPort!;
    this.threadPort = undefined;
    this.lease = pool.run({ ...job, port, control: this.controlBuffer }, (error) => this.threadLost(error));
  }

  /** Sends a request and resolves with its reply's value. */
  request(body: DistributiveOmit<Request, 'seq'>, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (!this.accepting) return Promise.reject(this.refused());
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.owner?.deref()?.requestsChanged();
      this.port.postMessage({ ...body, seq } as Request, transfer);
      this.signal();
    });
  }

  /**
   * Sends a frame (a fresh buffer, transferred). Frames written in the same
   * tick travel to the capture thread in one request, with one wake-up, and
   * are sent in order.
   */
  write(frame: Uint8Array): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.writes.push({ frame, resolve, reject });
      if (this.writes.length === 1) queueMicrotask(() => this.flushWrites());
    });
  }

  /** Whether requests await their replies. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  /** Asks the thread to close the capture (no reply: it answers with 'closed'). */
  close(): void {
    this.port.postMessage({ op: 'close', seq: 0 } satisfies Request);
    this.signal(true);
  }

  /** Rejects every pending request (the capture closed). */
  rejectPending(reason: () => PcapError): void {
    for (const p of this.pending.values()) p.reject(reason());
    this.pending.clear();
  }

  /** Whether the port keeps the process alive. */
  ref(): void {
    this.port.ref();
  }

  unref(): void {
    this.port.unref();
  }

  /**
   * Sends a released batch's buffer back to the capture thread to be filled
   * again (PacketBatch.release()). A property, as batches keep it and
   * outlive sockets.
   */
  readonly recycle = (buffer: ArrayBuffer): void => {
    this.port.postMessage({ op: 'recycle', seq: 0, buffer } satisfies Request, [buffer]);
  };

  /** Counts a consumed batch; wakes the capture thread only if it sleeps waiting for this count. */
  ack(): void {
    const control = this.control;
    const acked = (Atomics.add(control, CONTROL_ACKED, 1) + 1) | 0;
    if (Atomics.load(control, CONTROL_SLEEPING) === 1 && inFlight(Atomics.load(control, CONTROL_WAKE_AT), acked) <= 0) {
      Atomics.add(control, CONTROL_SIGNAL, 1);
      Atomics.notify(control, CONTROL_SIGNAL);
    }
  }

  /** Makes the capture thread look at its port: wakes it whether it sleeps for back-pressure or in libpcap. */
  private signal(closing = false): void {
    Atomics.add(this.control, CONTROL_SIGNAL, 1);
    Atomics.notify(this.control, CONTROL_SIGNAL);
    if (this.id > 0) native.wake(this.id, closing);
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

  private refused(): PcapError {
    return this.owner?.deref()?.closedError() ?? new PcapError(ErrorCode.ECLOSED, 'the capture is closed');
  }

  private onMessage(message: ArrayBuffer | Event): void {
    const owner = this.owner?.deref();
    if (message instanceof ArrayBuffer) {
      if (owner) owner.batchArrived(message);
      else this.ack();
      return;
    }
    switch (message.type) {
      case 'reply': {
        const p = this.pending.get(message.seq);
        if (!p) return;
        this.pending.delete(message.seq);
        owner?.requestsChanged();
        if (message.error) p.reject(toPcapError(message.error));
        else p.resolve(message.value);
        return;
      }
      case 'opened':
        this.id = message.opened.id;
        // The socket is gone (the finalizer's close may have raced ahead of
        // the open): close the capture.
        if (!owner) this.close();
        break;
      case 'open-failed':
        this.port.close();
        break;
      case 'closed':
        this.port.close();
        this.lease?.release(); // the thread is free for the next open()
        break;
    }
    owner?.eventArrived(message);
  }

  /** The pool thread died or exited under the capture: it failed, then closed. */
  private threadLost(error: PcapError): void {
    const owner = this.owner?.deref();
    if (!owner) return;
    owner.eventArrived({ type: 'failed', error: { code: error.code, message: error.message } });
    this.onMessage({ type: 'closed' });
  }
}

/** The frame write() sends: its parts concatenated, in a fresh buffer. */
export function toFrame(data: Uint8Array | ReadonlyArray<Uint8Array>): Uint8Array {
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
