/**
 * PacketEmitter: an EventEmitter that keeps its 'packet' listeners as a
 * snapshot, so that PacketStream can call them for each packet exactly as
 * emit() would, without emit() (see PacketStream.emitPackets() for why).
 */
import { EventEmitter } from 'node:events';
import type { Packet, TimeOf } from './batch';
import type { TimeUnit } from './options';

/** A listener, as EventEmitter types it. */
type Listener = Parameters<EventEmitter['addListener']>[1];

export class PacketEmitter extends EventEmitter {
  /** @internal The 'packet' listeners as emit() would see them, taken again at every change. */
  protected packetListeners: Array<(packet: Packet<TimeOf<TimeUnit>>) => void> = [];
  /** @internal EventEmitter.captureRejections as the emitter was made with: 'packet' events then go through emit(). */
  protected readonly captureRejections = EventEmitter.captureRejections;

  /** @internal Takes the snapshot of 'packet' listeners again after a change. */
  protected listenersChanged(event: string | symbol | undefined): void {
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
}
