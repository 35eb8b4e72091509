/**
 * Typed events: which events an emitter of this library has and what each
 * passes to its listeners, so that a misspelt event name, a listener of the
 * wrong shape or a misspelt field of what it receives fails to compile.
 */
import type { Packet, PacketBatch, Timestamp } from './batch';
import type { PcapError } from './errors';

/**
 * The listener of an event with arguments `A`. A listener of an event
 * without arguments may take one parameter that it does not use, so that a
 * promise's resolve can be one: `new Promise((r) => socket.once('end', r))`.
 */
export type ListenerOf<A extends unknown[]> = A extends [] ? (unused?: undefined) => void : (...args: A) => void;

/** The events of a CaptureSocket and what each passes to its listeners. */
export interface CaptureSocketEvents<T = Timestamp> {
  /** A packet that no pending read() took. */
  packet: [packet: Packet<T>];
  /** The packets of one batch (those that readers or 'packet' listeners did not take first). */
  batch: [batch: PacketBatch];
  /** The capture failed and stopped ('close' follows). */
  error: [error: PcapError];
  /** libpcap's warning from pcap_activate (the capture is open). */
  warning: [message: string];
  /** Packets written so far by record(). */
  recorded: [written: number];
  /** A savefile's last packet was delivered ('close' follows). */
  end: [];
  /** The socket is closed: nothing more comes. */
  close: [];
  /** A listener is about to be added (EventEmitter's own event). */
  newListener: [event: string | symbol, listener: (...args: never[]) => void];
  /** A listener was removed (EventEmitter's own event). */
  removeListener: [event: string | symbol, listener: (...args: never[]) => void];
}
