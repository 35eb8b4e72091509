/**
 * The reader of the packet batches that capture threads post (the layout is
 * defined once, in addon/batch_layout.h, and its word indexes come from the
 * addon). A batch owns a fresh ArrayBuffer: packets' `data` Buffers are views
 * into it and stay valid for as long as anyone holds them.
 */
import { native } from './native';
import type { TimeUnit } from './options';

const L = native.batchLayout;
const HEADER_WORDS = L.headerWords;
const RECORD_WORDS = L.recordWords;
const R_SEC_LO = L.secondsLow;
const R_SEC_HI = L.secondsHigh;
const R_FRAC = L.fraction;
const R_CAPLEN = L.caplen;
const R_LEN = L.wireLength;
const R_OFFSET = L.dataOffset;
const TWO_32 = 2 ** 32;

/**
 * Packet bytes as a Buffer view, made the way Node makes its own Buffers
 * (FastBuffer): a Uint8Array subclass whose prototype chain is Buffer's, so
 * Buffer.isBuffer(), instanceof Buffer and every Buffer method work.
 * Buffer.from(arrayBuffer, offset, length) does the same with argument
 * checks that cost about three times as much per packet (measured: 51 vs
 * 16 ns), which matters at millions of packets per second.
 */
class PacketBuffer extends Uint8Array {}
Object.setPrototypeOf(PacketBuffer.prototype, Buffer.prototype);
// Let `constructor` resolve to Buffer, so util.inspect shows <Buffer ...>.
delete (PacketBuffer.prototype as { constructor?: unknown }).constructor;

/** ewpcap's `timestamp` time unit: seconds and microseconds since the epoch. */
export interface Timestamp {
  sec: number;
  usec: number;
}

/** The type of `packet.time` for a time unit. */
export type TimeOf<U extends TimeUnit> = U extends 'microsecond' ? number : U extends 'nanosecond' ? bigint : Timestamp;

export interface Packet<T = Timestamp> {
  /** Link-layer type (DLT_ value), e.g. 1 for Ethernet. */
  datalink: number;
  /** Capture time, in the socket's `timeUnit`. */
  time: T;
  /** Length of the packet on the wire; `data.length` is less when snaplen cut it. */
  length: number;
  /** The captured bytes. Never reused or overwritten: keep it as long as you like. */
  data: Buffer;
}

export type Precision = 'micro' | 'nano';

export class PacketBatch {
  /** The batch's own memory: header, records, then packet bytes. */
  readonly buffer: ArrayBuffer;
  /** Number of packets. */
  readonly count: number;
  /** Link-layer type of every packet in the batch. */
  readonly datalink: number;
  /** Whether fraction() is in microseconds or nanoseconds. */
  readonly precision: Precision;
  /** The whole buffer as bytes: packet i is bytes[offset(i) .. offset(i) + caplen(i)). */
  readonly bytes: Uint8Array;
  private readonly words: Uint32Array;
  private readonly dataStart: number;

  constructor(buffer: ArrayBuffer) {
    this.buffer = buffer;
    this.words = new Uint32Array(buffer, 0, HEADER_WORDS);
    this.count = this.words[L.count]!;
    this.dataStart = this.words[L.dataStart]!;
    this.precision = this.words[L.precision] === 1 ? 'nano' : 'micro';
    this.datalink = this.words[L.datalink]!;
    this.words = new Uint32Array(buffer, 0, HEADER_WORDS + this.count * RECORD_WORDS);
    this.bytes = new Uint8Array(buffer);
  }

  /** Captured length of packet i. */
  caplen(i: number): number {
    return this.words[HEADER_WORDS + i * RECORD_WORDS + R_CAPLEN]!;
  }

  /** Length on the wire of packet i. */
  length(i: number): number {
    return this.words[HEADER_WORDS + i * RECORD_WORDS + R_LEN]!;
  }

  /** Offset of packet i's bytes in `buffer`/`bytes`. */
  offset(i: number): number {
    return this.dataStart + this.words[HEADER_WORDS + i * RECORD_WORDS + R_OFFSET]!;
  }

  /** Whole seconds of packet i's timestamp. */
  seconds(i: number): number {
    const r = HEADER_WORDS + i * RECORD_WORDS;
    return this.words[r + R_SEC_LO]! + this.words[r + R_SEC_HI]! * TWO_32;
  }

  /** Sub-second part of packet i's timestamp, in `precision` units. */
  fraction(i: number): number {
    return this.words[HEADER_WORDS + i * RECORD_WORDS + R_FRAC]!;
  }

  /** Packet i's bytes: a view, no copy. */
  data(i: number): Buffer {
    return new PacketBuffer(this.buffer, this.offset(i), this.caplen(i)) as unknown as Buffer;
  }

  /** Packet i's timestamp in a time unit. */
  time<U extends TimeUnit>(i: number, unit: U): TimeOf<U> {
    return toTime(this.seconds(i), this.fraction(i), this.precision, unit) as TimeOf<U>;
  }

  /** Packet i as a packet object. */
  packet<U extends TimeUnit>(i: number, unit: U): Packet<TimeOf<U>> {
    return { datalink: this.datalink, time: this.time(i, unit), length: this.length(i), data: this.data(i) };
  }

  /** Every packet, in order, as packet objects. */
  *packets<U extends TimeUnit>(unit: U): IterableIterator<Packet<TimeOf<U>>> {
    for (let i = 0; i < this.count; i++) yield this.packet(i, unit);
  }
}

export function toTime(sec: number, frac: number, precision: Precision, unit: TimeUnit): Timestamp | number | bigint {
  switch (unit) {
    case 'microsecond':
      return sec * 1e6 + (precision === 'nano' ? Math.floor(frac / 1000) : frac);
    case 'nanosecond':
      return BigInt(sec) * 1_000_000_000n + BigInt(precision === 'nano' ? frac : frac * 1000);
    default:
      return { sec, usec: precision === 'nano' ? Math.floor(frac / 1000) : frac };
  }
}
