/**
 * PacketStream: the delivery of packet batches to whoever consumes them.
 * Batches come in (push()); packets go out to pending read()s, async
 * iteration and 'packet' listeners, and batches to 'batch' listeners. A
 * batch counts as consumed (batchConsumed(), which is what back-pressure
 * counts) once its packets were taken; delivery is budgeted per turn of the
 * event loop; released batches are handed back after their delivery.
 *
 * It knows nothing of threads or libpcap: where batches come from, what a
 * consumed batch means and what happens at the end is the subclass's
 * business (CaptureSocket).
 */
import type { Packet, PacketBatch } from './batch';
import { PacketEmitter } from './emitter';
import { ErrorCode, PcapError, invalid } from './errors';
import type { TimeUnit } from './options';

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

interface Reader<T> {
  resolve(packet: Packet<T>): void;
  reject(error: PcapError): void;
  timer?: NodeJS.Timeout;
}

/**
 * Where the stream is. 'waiting': not started, nothing is delivered and
 * read() is refused. 'flowing': batches come in and are delivered.
 * 'ending': no more batches come; what is queued is still delivered, then
 * streamEnded(). 'stopped': nothing more is delivered; read() is refused.
 */
export type Flow = 'waiting' | 'flowing' | 'ending' | 'stopped';

export abstract class PacketStream<T> extends PacketEmitter implements AsyncIterable<Packet<T>> {
  /** How `packet.time` is given. */
  readonly timeUnit: TimeUnit;

  /** @internal Set by the subclass as its lifecycle goes. */
  protected flow: Flow = 'waiting';
  private readonly queue: PacketBatch[] = [];
  private cursor = 0;
  private readonly readers: Reader<T>[] = [];
  private iterating = 0;
  private draining = false;
  private deferred = false;
  private inTurn = false;
  private turnStart = 0;

  constructor(timeUnit: TimeUnit) {
    super();
    this.timeUnit = timeUnit;
    this.on('newListener', () => queueMicrotask(() => this.consumersChanged()));
    this.on('removeListener', () => this.consumersChanged());
  }

  /** @internal A batch left the queue: all its packets were taken (back-pressure counts it). */
  protected abstract batchConsumed(): void;
  /** @internal The flow is 'ending' and nothing is left queued: the stream is over. */
  protected abstract streamEnded(): void;
  /** @internal Why a read() cannot wait for a packet (the flow is neither 'flowing' nor 'ending'). */
  protected abstract readRefused(): PcapError;
  /** Stops the stream; async iteration calls it when the loop is left early. */
  abstract close(): Promise<void>;

  /**
   * @internal Called whenever consumers may have changed; says whether
   * anything consumes the stream (listeners, pending reads, an iteration).
   * CaptureSocket holds itself in memory while that is so.
   */
  protected updateHeld(): boolean {
    return this.hasConsumers;
  }

  /** @internal Whether 'packet' or 'batch' listeners, pending read()s or an iteration consume the stream. */
  protected get hasConsumers(): boolean {
    return (
      this.listenerCount('packet') > 0 ||
      this.listenerCount('batch') > 0 ||
      this.readers.length > 0 ||
      this.iterating > 0
    );
  }

  /**
   * The next packet. Rejects with EAGAIN when `timeout` milliseconds pass
   * without one (no timeout: wait), and with ECLOSED once the socket is
   * closed or, for a savefile, at its end.
   */
  read(timeout?: number): Promise<Packet<T>> {
    // Node's timers hold at most 2^31-1 ms: a longer timeout fired at once
    // (EAGAIN, with a TimeoutOverflowWarning).
    if (
      timeout !== undefined &&
      (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 0 || timeout > 0x7fffffff)
    ) {
      return Promise.reject(
        invalid(
          `read timeout must be an integer of milliseconds from 0 to 2147483647 (~24.8 days; none: wait), got ${String(timeout)}`,
        ),
      );
    }
    // Not while drain() delivers (a listener calling read()): it holds the
    // batch it is delivering, so the reader waits for the next one.
    if (this.readers.length === 0 && !this.draining) {
      const ready = this.take();
      if (ready) return Promise.resolve(ready);
    }
    // An ending stream that is still 'ending' after this has packets queued
    // that only 'packet' listeners may have (see take()): the reader waits
    // for a later one, or for the end.
    this.endIfDone();
    if (this.flow !== 'flowing' && this.flow !== 'ending') {
      return Promise.reject(this.readRefused());
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

  // ---- for the subclass -------------------------------------------------------

  /** @internal Queues a batch that has packets and delivers what it can. */
  protected push(batch: PacketBatch): void {
    batch.delivering = true;
    this.queue.push(batch);
    this.drain();
  }

  /** @internal Drops every queued batch undelivered (the stream is closed). */
  protected discard(): void {
    this.queue.length = 0;
  }

  /** @internal Whether read()s are pending. */
  protected get hasReaders(): boolean {
    return this.readers.length > 0;
  }

  /** @internal Rejects pending read()s; the error is made only if there are any (an Error's stack costs). */
  protected rejectReaders(reason: () => PcapError): void {
    if (this.readers.length === 0) return;
    const error = reason();
    for (const reader of this.readers.splice(0)) {
      if (reader.timer) clearTimeout(reader.timer);
      reader.reject(error);
    }
  }

  /**
   * @internal Hands queued packets to readers first, then to listeners;
   * what nobody takes waits (back-pressure). A MessagePort delivers every
   * queued message in one turn of the event loop, so delivery is budgeted:
   * after DRAIN_BUDGET_MS in one turn the rest waits for setImmediate, and
   * timers and I/O run in between.
   */
  protected drain(): void {
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

  // ---- delivery ---------------------------------------------------------------

  private get delivering(): boolean {
    return this.flow === 'flowing' || this.flow === 'ending';
  }

  /** streamEnded() once an ending stream has nothing left to deliver. */
  private endIfDone(): void {
    if (this.flow === 'ending' && this.queue.length === 0) this.streamEnded();
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
      // The last packet went to a reader: 'end' follows, after the reader
      // has had it.
      if (this.flow === 'ending' && this.queue.length === 0) setImmediate(() => this.endIfDone());
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
    // Before batchConsumed(), which may let the capture thread go on: it
    // finds the buffer.
    if (batch.released) batch.giveBack();
    this.batchConsumed();
  }

  /**
   * drain()'s hot loop: 'packet' events from the batch until it is done, the
   * stream stops delivering or no 'packet' listener is left. Returns true
   * when it stopped because the turn's budget was spent; the budget is
   * looked at within a batch too, as 1,024 packets can take milliseconds
   * while the code is still cold, or across a collection.
   *
   * The listeners are called as emit() would call them (in order, with the
   * emitter as `this`, a once() wrapper removing itself, a listener added or
   * removed meanwhile counting from the next packet), from a snapshot
   * taken at every change of listeners (see PacketEmitter). emit() itself is one function shared by every emitter of the
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

  private consumersChanged(): void {
    if (this.updateHeld() && this.queue.length > 0 && !this.draining) this.drain();
  }
}
