/**
 * The reader of the packet batches that capture threads post (the layout is
 * defined once, in addon/batch_layout.h, and its word indexes come from the
 * addon). A batch owns its ArrayBuffer: packets' `data` Buffers are views
 * into it and stay valid for as long as anyone holds them, unless the batch
 * is released (release()), which hands the memory back to the capture thread.
 */
import { decode, type DecodedPacket } from './decode';
import { ErrorCode, PcapError, invalid } from './errors';
import { native } from './native';
import { describe, type TimeUnit } from './options';

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
const HEADER_BYTES = HEADER_WORDS * 4;

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
  /** Whole seconds since 1970-01-01T00:00:00Z. */
  sec: number;
  /** Microseconds past `sec`, 0-999999. */
  usec: number;
}

/** The type of `packet.time` for a time unit. */
export type TimeOf<U extends TimeUnit> = U extends 'microsecond' ? number : U extends 'nanosecond' ? bigint : Timestamp;

/** A captured packet, with its time in the socket's time unit `T`. */
export interface Packet<T = Timestamp> {
  /** Link-layer type (DLT_ value), e.g. 1 for Ethernet. */
  datalink: number;
  /** Capture time, in the socket's `timeUnit`. */
  time: T;
  /** Length of the packet on the wire; `data.length` is less when snaplen cut it. */
  length: number;
  /** The captured bytes. Never reused or overwritten: keep it as long as you like. */
  data: Buffer;
  /** Decodes the packet's layers: `decode(datalink, data)` of `ewpcap/decode`. */
  decode(): DecodedPacket;
}

/** The resolution of the timestamps libpcap delivers: microseconds or nanoseconds. */
export type Precision = 'micro' | 'nano';

/**
 * The packets that a capture thread hands over in one message, read in place
 * from one transferred ArrayBuffer. A socket's 'batch' listeners get it;
 * packet(i) and the accessors read packet i.
 */
export class PacketBatch {
  /**
   * The batch's memory: header, records, then packet bytes. A recycled
   * buffer may be larger than the batch; its bytes are `bytes`.
   */
  readonly buffer: ArrayBuffer;
  /** Number of packets. */
  readonly count: number;
  /** Link-layer type of every packet in the batch. */
  readonly datalink: number;
  /** Whether fraction() is in microseconds or nanoseconds. */
  readonly precision: Precision;
  /** The batch's bytes: packet i is bytes[offset(i) .. offset(i) + caplen(i)). */
  readonly bytes: Uint8Array;
  private readonly words: Uint32Array;
  private readonly dataStart: number;
  private isReleased = false;
  /** @internal Hands the buffer back to the capture thread; set by the socket that delivered the batch. */
  recycler?: (buffer: ArrayBuffer) => void;
  /** @internal The socket is still delivering the batch: it is given back once that is over. */
  delivering = false;
  /** @internal Packet objects (views into the buffer) were handed out: the buffer is never given back. */
  pinned = false;
  /** @internal 'batch' listeners had this batch (or the rest of it): it is not emitted again. */
  emitted = false;

  /**
   * A batch over a buffer laid out as capture threads lay them out (see
   * docs/ARCHITECTURE.md), such as `batch.buffer` posted from another
   * thread. The layout is checked first, every record against the buffer:
   * anything else is EINVAL, never a view outside the buffer.
   */
  constructor(buffer: ArrayBuffer) {
    if (!(buffer instanceof ArrayBuffer) && Object.prototype.toString.call(buffer) !== '[object ArrayBuffer]') {
      throw invalid(`PacketBatch: "buffer" must be an ArrayBuffer, got ${describe(buffer)}`);
    }
    const size = buffer.byteLength; // 0 once detached (transferred)
    if (size < HEADER_BYTES) {
      throw invalid(
        `PacketBatch: "buffer" is ${size} bytes, shorter than a batch header (${HEADER_BYTES}); a transferred buffer is empty`,
      );
    }
    this.buffer = buffer;
    const header = new Uint32Array(buffer, 0, HEADER_WORDS);
    this.count = header[L.count]!;
    this.dataStart = header[L.dataStart]!;
    this.precision = header[L.precision] === 1 ? 'nano' : 'micro';
    this.datalink = header[L.datalink]!;
    const byteLength = header[L.byteLength]!;
    const recordsEnd = (HEADER_WORDS + this.count * RECORD_WORDS) * 4;
    if (byteLength > size || recordsEnd > this.dataStart || this.dataStart > byteLength || header[L.precision]! > 1) {
      throw invalid(
        `PacketBatch: "buffer" is not a packet batch (count ${this.count}, data at ${this.dataStart}, ${byteLength} of ${size} bytes used)`,
      );
    }
    this.words = new Uint32Array(buffer, 0, HEADER_WORDS + this.count * RECORD_WORDS);
    const dataBytes = byteLength - this.dataStart;
    for (let r = HEADER_WORDS; r < this.words.length; r += RECORD_WORDS) {
      const offset = this.words[r + R_OFFSET]!;
      if (offset > dataBytes || this.words[r + R_CAPLEN]! > dataBytes - offset) {
        throw invalid(
          `PacketBatch: "buffer" is not a packet batch (packet ${(r - HEADER_WORDS) / RECORD_WORDS} lies outside it)`,
        );
      }
    }
    this.bytes = new Uint8Array(buffer, 0, byteLength);
  }

  /**
   * Says that nothing of this batch is needed any more, so that its memory
   * can carry a later batch instead of being left to the garbage collector:
   * at high packet rates that spares the allocation, the page faults and the
   * collection of a fresh buffer per batch. From then on the batch's methods
   * throw ECLOSED, and once its memory has gone back to the capture thread,
   * `buffer` and every view into it (`bytes`, Buffers from `data(i)`) are
   * empty: copy whatever you keep first. The memory is reused only when no
   * packet object was made from the batch (no 'packet' listener, read() or
   * async iteration took one), so those packets stay valid; otherwise
   * release() only ends the batch's use. Idempotent.
   */
  release(): void {
    if (this.isReleased) return;
    this.isReleased = true;
    if (!this.delivering) this.giveBack();
  }

  /** Whether release() was called. */
  get released(): boolean {
    return this.isReleased;
  }

  /** @internal Hands the buffer back if it was released and nothing else holds views into it. */
  giveBack(): void {
    if (!this.isReleased || this.pinned || !this.recycler) return;
    const recycler = this.recycler;
    this.recycler = undefined;
    recycler(this.buffer);
  }

  /** Captured length of packet i. */
  caplen(i: number): number {
    this.check(i);
    return this.words[HEADER_WORDS + i * RECORD_WORDS + R_CAPLEN]!;
  }

  /** Length on the wire of packet i. */
  length(i: number): number {
    this.check(i);
    return this.words[HEADER_WORDS + i * RECORD_WORDS + R_LEN]!;
  }

  /** Offset of packet i's bytes in `buffer`/`bytes`. */
  offset(i: number): number {
    this.check(i);
    return this.dataStart + this.words[HEADER_WORDS + i * RECORD_WORDS + R_OFFSET]!;
  }

  /** Whole seconds of packet i's timestamp. */
  seconds(i: number): number {
    this.check(i);
    const r = HEADER_WORDS + i * RECORD_WORDS;
    return this.words[r + R_SEC_LO]! + this.words[r + R_SEC_HI]! * TWO_32;
  }

  /** Sub-second part of packet i's timestamp, in `precision` units. */
  fraction(i: number): number {
    this.check(i);
    return this.words[HEADER_WORDS + i * RECORD_WORDS + R_FRAC]!;
  }

  /** Packet i's bytes: a view, no copy. */
  data(i: number): Buffer {
    this.check(i);
    return this.dataAt(i);
  }

  /**
   * Decodes packet i in place (`decode(datalink, bytes, offset(i), caplen(i))`
   * of `ewpcap/decode`): no Buffer view is made; the layers' offsets are
   * indexes into `bytes`. For the fast path on a batch, pass the same
   * arguments to a FlowDecoder. Decoded layers read the batch's memory: do
   * not keep them past release().
   */
  decode(i: number): DecodedPacket {
    this.check(i);
    const r = HEADER_WORDS + i * RECORD_WORDS;
    return decode(this.datalink, this.bytes, this.dataStart + this.words[r + R_OFFSET]!, this.words[r + R_CAPLEN]!);
  }

  /** Packet i's timestamp in a time unit. */
  time<U extends TimeUnit>(i: number, unit: U): TimeOf<U> {
    this.check(i, unit);
    return this.timeAt(i, unit);
  }

  /** Packet i as a packet object. */
  packet<U extends TimeUnit>(i: number, unit: U): Packet<TimeOf<U>> {
    this.check(i, unit);
    return this.packetAt(i, unit);
  }

  /** Every packet, in order, as packet objects. */
  *packets<U extends TimeUnit>(unit: U): IterableIterator<Packet<TimeOf<U>>> {
    if (this.count > 0) this.check(0, unit);
    for (let i = 0; i < this.count; i++) yield this.packet(i, unit);
  }

  /**
   * @internal Packets `from` .. count - 1 as a batch of their own, in a new
   * buffer laid out as the capture thread lays out batches, for 'batch'
   * listeners that came after readers or 'packet' listeners took the
   * first packets.
   */
  rest(from: number): PacketBatch {
    const count = this.count - from;
    const first = HEADER_WORDS + from * RECORD_WORDS;
    const recordWords = count * RECORD_WORDS;
    const dataFrom = this.words[first + R_OFFSET]!; // packets are stored in order
    const dataBytes = this.bytes.byteLength - this.dataStart - dataFrom;
    const dataStart = (HEADER_WORDS + recordWords) * Uint32Array.BYTES_PER_ELEMENT;
    const buffer = new ArrayBuffer(dataStart + dataBytes);
    const words = new Uint32Array(buffer, 0, HEADER_WORDS + recordWords);
    words[L.count] = count;
    words[L.dataStart] = dataStart;
    words[L.precision] = this.words[L.precision]!;
    words[L.datalink] = this.datalink;
    words[L.byteLength] = dataStart + dataBytes;
    words.set(this.words.subarray(first, first + recordWords), HEADER_WORDS);
    for (let r = HEADER_WORDS + R_OFFSET; r < words.length; r += RECORD_WORDS) words[r] -= dataFrom;
    new Uint8Array(buffer, dataStart).set(new Uint8Array(this.buffer, this.dataStart + dataFrom, dataBytes));
    return new PacketBatch(buffer);
  }

  /** @internal packet() for the socket, which may still deliver a batch its 'batch' listener released. */
  packetAt<U extends TimeUnit>(i: number, unit: U): Packet<TimeOf<U>> {
    return new BatchPacket<TimeOf<U>>(this, i, unit);
  }

  /** @internal */
  lengthAt(i: number): number {
    return this.words[HEADER_WORDS + i * RECORD_WORDS + R_LEN]!;
  }

  /** @internal */
  dataAt(i: number): Buffer {
    const r = HEADER_WORDS + i * RECORD_WORDS;
    return new PacketBuffer(
      this.buffer,
      this.dataStart + this.words[r + R_OFFSET]!,
      this.words[r + R_CAPLEN]!,
    ) as unknown as Buffer;
  }

  /** @internal */
  timeAt<U extends TimeUnit>(i: number, unit: U): TimeOf<U> {
    const r = HEADER_WORDS + i * RECORD_WORDS;
    const sec = this.words[r + R_SEC_LO]! + this.words[r + R_SEC_HI]! * TWO_32;
    return toTime(sec, this.words[r + R_FRAC]!, this.precision, unit) as TimeOf<U>;
  }

  /**
   * @internal Throws ECLOSED once release() was called, and EINVAL for a
   * packet index outside the batch or an unknown time unit.
   */
  check(i?: number, unit?: TimeUnit): void {
    if (this.isReleased) throw new PcapError(ErrorCode.ECLOSED, 'the packet batch was released');
    if (i !== undefined && !(Number.isInteger(i) && i >= 0 && i < this.count)) {
      throw invalid(`packet index must be an integer from 0 to ${this.count - 1}, got ${describe(i)}`);
    }
    if (unit !== undefined && unit !== 'timestamp' && unit !== 'microsecond' && unit !== 'nanosecond') {
      throw invalid(`time unit must be 'timestamp', 'microsecond' or 'nanosecond', got ${describe(unit)}`);
    }
  }
}

/**
 * A packet as delivered: its batch and its index, its fields read from the
 * batch's memory when first asked for (and kept, so that `data` and `time`
 * are the same objects on every read). A kept packet costs an object of 7
 * words beside its share of the batch, instead of an object, a Buffer view
 * (~90 bytes) and a timestamp object made whether they are read or not.
 * Measured on a 1,000,000-packet file kept in an array (bench/files.js, 3
 * interleaved processes each): peak RSS 389-395 -> 243-251 MiB, CPU 2.3-2.8
 * -> 1.1-1.4 s. The batch's memory is never handed back while packets of it
 * exist (PacketBatch.pinned). The fields are accessors, so spread and
 * Object.keys() do not list them: toJSON() gives them as a plain object.
 */
const UNITS: readonly TimeUnit[] = ['timestamp', 'microsecond', 'nanosecond'];

class BatchPacket<T> implements Packet<T> {
  readonly #batch: PacketBatch;
  /** index * 4 + the time unit's place in UNITS: one small integer instead of two fields. */
  readonly #at: number;
  #data: Buffer | undefined = undefined;
  #time: T | undefined = undefined;

  constructor(batch: PacketBatch, index: number, unit: TimeUnit) {
    this.#batch = batch;
    this.#at = index * 4 + (unit === 'timestamp' ? 0 : unit === 'microsecond' ? 1 : 2);
  }

  get datalink(): number {
    return this.#batch.datalink;
  }

  get length(): number {
    return this.#batch.lengthAt(this.#at >>> 2);
  }

  get data(): Buffer {
    return (this.#data ??= this.#batch.dataAt(this.#at >>> 2));
  }

  get time(): T {
    if (this.#time === undefined) this.#time = this.#batch.timeAt(this.#at >>> 2, UNITS[this.#at & 3]!) as T;
    return this.#time;
  }

  /** The packet's layers: `decode(datalink, data)` of `ewpcap/decode`. */
  decode(): DecodedPacket {
    return decode(this.datalink, this.data);
  }

  /** The packet as a plain object (JSON.stringify, structuredClone, logging). */
  toJSON(): { datalink: number; time: T; length: number; data: Buffer } {
    return { datalink: this.datalink, time: this.time, length: this.length, data: this.data };
  }

  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: object,
    inspect: (v: unknown, o: object) => string,
  ): string {
    return `Packet ${inspect(this.toJSON(), options)}`;
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
