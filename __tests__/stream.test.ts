/**
 * PacketStream alone: the delivery rules, fed synthetic batches laid out as
 * the capture thread lays them out (addon/batch_layout.h, word indexes from
 * the addon). No thread, no libpcap: a subclass counts acks and plays the
 * lifecycle, as CaptureSocket does.
 */
import { PacketBatch, type Packet } from '../lib/batch';
import { ErrorCode, PcapError } from '../lib/errors';
import { native } from '../lib/native';
import { PacketStream } from '../lib/stream';

const L = native.batchLayout;
let nextSeq = 0;

/** A batch of `count` packets; packet seq carries seq in its first 4 bytes and seconds. */
function makeBatch(count: number): PacketBatch {
  const seqs = Array.from({ length: count }, () => nextSeq++);
  const frames = seqs.map((seq) => {
    const data = Buffer.alloc(20 + (seq % 7), 0xee);
    data.writeUInt32BE(seq, 0);
    return data;
  });
  const headerBytes = L.headerWords * 4;
  const dataStart = headerBytes + count * L.recordWords * 4;
  const dataBytes = frames.reduce((n, f) => n + f.length, 0);
  const buffer = new ArrayBuffer(dataStart + dataBytes);
  const words = new Uint32Array(buffer, 0, dataStart / 4);
  words[L.count] = count;
  words[L.dataStart] = dataStart;
  words[L.precision] = 0;
  words[L.datalink] = 1;
  words[L.byteLength] = dataStart + dataBytes;
  let offset = 0;
  frames.forEach((f, i) => {
    const r = L.headerWords + i * L.recordWords;
    words[r + L.secondsLow] = 1_700_000_000 + seqs[i]!;
    words[r + L.secondsHigh] = 0;
    words[r + L.fraction] = seqs[i]! % 1_000_000;
    words[r + L.caplen] = f.length;
    words[r + L.wireLength] = f.length + 100;
    words[r + L.dataOffset] = offset;
    new Uint8Array(buffer, dataStart + offset, f.length).set(f);
    offset += f.length;
  });
  return new PacketBatch(buffer);
}

// The delivery budget is wall time (performance.now()): on a loaded machine
// a test can be preempted for more than 0.5 ms between two looks at the
// clock, and the stream then rightly puts off the rest of a delivery to a
// later turn, which the rules' tests do not wait for. They run with
// performance.now() stood still, so the budget is never spent; the budget's
// own tests use the clock.
let clock: jest.SpyInstance<number, []>;
beforeEach(() => (clock = jest.spyOn(performance, 'now').mockReturnValue(1000)));
afterEach(() => jest.restoreAllMocks());

const seqOf = (p: Packet): number => p.data.readUInt32BE(0);
const seqsOf = (b: PacketBatch): number[] => Array.from({ length: b.count }, (_, i) => b.data(i).readUInt32BE(0));
/** A 'packet' listener on `s` that leaves after `n` packets; answers the sequence numbers it heard. */
function listenFor(s: PacketStream<unknown>, n: number): number[] {
  const heard: number[] = [];
  const listener = (p: Packet): void => {
    heard.push(seqOf(p));
    if (heard.length === n) s.off('packet', listener);
  };
  s.on('packet', listener);
  return heard;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await turn();
}

/** The stream with a lifecycle like CaptureSocket's: flowing at once; end(), close(). */
class TestStream extends PacketStream<{ sec: number; usec: number }> {
  acks = 0;
  /** What happened, in order: 'ack', 'recycle', 'end'. */
  readonly log: string[] = [];
  closed = false;
  constructor() {
    super('timestamp');
    this.flow = 'flowing';
  }
  feed(batch: PacketBatch): void {
    batch.recycler = () => this.log.push('recycle');
    this.push(batch);
  }
  /** No more batches: what is queued is still delivered, then 'end'. */
  end(): void {
    this.flow = 'ending';
    this.drain();
  }
  override close(): Promise<void> {
    this.closed = true;
    this.flow = 'stopped';
    this.discard();
    this.rejectReaders(() => this.readRefused());
    return Promise.resolve();
  }
  protected batchConsumed(): void {
    this.acks++;
    this.log.push('ack');
  }
  protected streamEnded(): void {
    this.flow = 'stopped';
    this.rejectReaders(() => this.readRefused());
    this.log.push('end');
    this.emit('end');
  }
  protected readRefused(): PcapError {
    return new PcapError(ErrorCode.ECLOSED, 'the test stream is closed');
  }
}

describe('a packet goes to a pending reader or to the listeners, never both', () => {
  test('pending read()s take the first packets, a packet listener the rest', async () => {
    const s = new TestStream();
    const reads = [s.read(), s.read()];
    const heard: number[] = [];
    s.on('packet', (p: Packet) => heard.push(seqOf(p)));
    const first = nextSeq;
    s.feed(makeBatch(5));
    const read = (await Promise.all(reads)).map(seqOf);
    expect(read).toEqual([first, first + 1]);
    expect(heard).toEqual([first + 2, first + 3, first + 4]);
    expect(s.acks).toBe(1);
  });

  test("a 'batch' listener does not get what a pending reader took", async () => {
    const s = new TestStream();
    const reading = s.read();
    const batches: number[][] = [];
    s.on('batch', (b: PacketBatch) => batches.push(seqsOf(b)));
    const first = nextSeq;
    s.feed(makeBatch(4));
    expect(seqOf(await reading)).toBe(first);
    expect(batches).toEqual([[first + 1, first + 2, first + 3]]);
    expect(s.acks).toBe(1);
  });

  test('a read() made by a listener during delivery takes from the next batch', async () => {
    const s = new TestStream();
    const heard: number[] = [];
    let reading: Promise<Packet> | undefined;
    s.on('packet', (p: Packet) => {
      heard.push(seqOf(p));
      reading ??= s.read();
    });
    const first = nextSeq;
    s.feed(makeBatch(3));
    expect(heard).toEqual([first, first + 1, first + 2]);
    s.feed(makeBatch(2));
    expect(seqOf(await reading!)).toBe(first + 3);
    expect(heard).toEqual([first, first + 1, first + 2, first + 4]);
  });
});

describe("the last 'packet' listener leaving mid-batch leaves the rest to the next consumer", () => {
  test('a read() after it takes the rest of the batch, which is acked at its last packet', async () => {
    const s = new TestStream();
    const heard = listenFor(s, 2);
    await turn(); // nothing left over from adding the listener
    const first = nextSeq;
    s.feed(makeBatch(4));
    expect(heard).toEqual([first, first + 1]);
    expect(s.acks).toBe(0);
    expect(seqOf(await s.read())).toBe(first + 2);
    expect(s.acks).toBe(0);
    expect(seqOf(await s.read())).toBe(first + 3);
    expect(s.acks).toBe(1);
  });

  test('a read() the listener made before leaving gets the next packet of the same batch', async () => {
    const s = new TestStream();
    const heard: number[] = [];
    let reading: Promise<Packet> | undefined;
    const listener = (p: Packet): void => {
      heard.push(seqOf(p));
      if (heard.length === 2) {
        reading = s.read(1000);
        s.off('packet', listener);
      }
    };
    s.on('packet', listener);
    await turn(); // nothing left over from adding the listener
    const first = nextSeq;
    s.feed(makeBatch(4));
    expect(heard).toEqual([first, first + 1]);
    expect(seqOf(await reading!)).toBe(first + 2);
    expect(seqOf(await s.read())).toBe(first + 3);
    expect(s.acks).toBe(1);
  });
});

describe("a reader that comes while 'packet' listeners are part-way through a batch 'batch' listeners had", () => {
  test('gets its packet from the next batch; the listeners get the whole first one', async () => {
    const s = new TestStream();
    const batches: number[][] = [];
    const heard: number[] = [];
    s.on('batch', (b: PacketBatch) => batches.push(seqsOf(b)));
    s.on('packet', (p: Packet) => {
      heard.push(seqOf(p));
      // The turn's budget runs out here: the rest of the batch waits for a later turn.
      if (heard.length === 10) clock.mockReturnValue(1001);
    });
    const first = nextSeq;
    s.feed(makeBatch(100));
    expect(heard.length).toBeGreaterThanOrEqual(10);
    expect(heard.length).toBeLessThan(100);
    const reading = s.read(1000);
    for (let i = 0; i < 100 && heard.length < 100; i++) await turn();
    s.feed(makeBatch(2));
    expect(seqOf(await reading)).toBe(first + 100);
    const firstBatch = Array.from({ length: 100 }, (_, i) => first + i);
    expect(heard).toEqual([...firstBatch, first + 101]);
    expect(batches).toEqual([firstBatch, [first + 101]]);
    expect(s.acks).toBe(2);
  });
});

describe("a late 'batch' listener gets the rest as a copy", () => {
  test('after read()s took the first packets', async () => {
    const s = new TestStream();
    const batch = makeBatch(5);
    const first = seqsOf(batch)[0]!;
    s.feed(batch);
    expect(seqOf(await s.read())).toBe(first);
    expect(seqOf(await s.read())).toBe(first + 1);
    const got: PacketBatch[] = [];
    s.on('batch', (b: PacketBatch) => got.push(b));
    await turn();
    expect(got).toHaveLength(1);
    expect(seqsOf(got[0]!)).toEqual([first + 2, first + 3, first + 4]);
    expect(got[0]!.buffer).not.toBe(batch.buffer);
    expect(got[0]!.length(0)).toBe(batch.length(2));
    expect(got[0]!.seconds(0)).toBe(batch.seconds(2));
    expect(s.acks).toBe(1);
  });

  test('after the last packet listener left part-way through a batch', async () => {
    const s = new TestStream();
    const heard = listenFor(s, 2);
    const first = nextSeq;
    s.feed(makeBatch(5));
    expect(heard).toEqual([first, first + 1]);
    expect(s.acks).toBe(0); // the rest waits for the next consumer
    const got: number[][] = [];
    s.on('batch', (b: PacketBatch) => got.push(seqsOf(b)));
    await turn();
    expect(got).toEqual([[first + 2, first + 3, first + 4]]);
    expect(s.acks).toBe(1);
  });

  test("what is left of a batch 'batch' listeners had goes only to packet listeners", async () => {
    const s = new TestStream();
    const batches: number[][] = [];
    const heard: number[] = [];
    s.on('batch', (b: PacketBatch) => batches.push(seqsOf(b)));
    s.on('packet', (p: Packet) => heard.push(seqOf(p)));
    const first = nextSeq;
    s.feed(makeBatch(3));
    s.feed(makeBatch(2));
    expect(batches).toEqual([
      [first, first + 1, first + 2],
      [first + 3, first + 4],
    ]);
    expect(heard).toEqual([first, first + 1, first + 2, first + 3, first + 4]);
    // A reader after that waits for a batch nobody had.
    const reading = s.read();
    s.feed(makeBatch(1));
    expect(seqOf(await reading)).toBe(first + 5);
    expect(batches).toHaveLength(2);
  });
});

describe('a listener that throws', () => {
  test('a packet listener: the exception goes to the caller, the rest follows in a later turn, once each', async () => {
    const s = new TestStream();
    const heard: number[] = [];
    const first = nextSeq;
    s.on('packet', (p: Packet) => {
      heard.push(seqOf(p));
      if (seqOf(p) === first + 1) throw new Error('listener failed');
    });
    expect(() => s.feed(makeBatch(4))).toThrow('listener failed');
    expect(heard).toEqual([first, first + 1]);
    expect(s.acks).toBe(0);
    await turn();
    expect(heard).toEqual([first, first + 1, first + 2, first + 3]);
    expect(s.acks).toBe(1);
  });

  test("a 'batch' listener: the batch is not emitted again and, with no packet listener, is used up", async () => {
    const s = new TestStream();
    let calls = 0;
    s.on('batch', () => {
      calls++;
      if (calls === 1) throw new Error('batch listener failed');
    });
    const first = nextSeq;
    expect(() => s.feed(makeBatch(3))).toThrow('batch listener failed');
    await turn();
    expect(calls).toBe(1);
    expect(s.acks).toBe(1);
    s.removeAllListeners('batch');
    const reading = s.read();
    s.feed(makeBatch(1));
    expect(seqOf(await reading)).toBe(first + 3);
  });
});

describe("'end' comes after the last packet is taken", () => {
  test('queued packets wait for a reader; the last read comes before end', async () => {
    const s = new TestStream();
    const first = nextSeq;
    s.feed(makeBatch(3));
    s.end();
    await turns(3);
    expect(s.log).not.toContain('end');
    const order: string[] = [];
    s.on('end', () => order.push('end'));
    for (let i = 0; i < 3; i++) {
      const p = await s.read();
      order.push(`read ${seqOf(p) - first}`);
    }
    await turns(2);
    expect(order).toEqual(['read 0', 'read 1', 'read 2', 'end']);
    await expect(s.read()).rejects.toMatchObject({ code: ErrorCode.ECLOSED });
  });

  test('packet listeners get every queued packet, then end', async () => {
    const s = new TestStream();
    const order: string[] = [];
    const first = nextSeq;
    s.feed(makeBatch(2));
    s.feed(makeBatch(2));
    s.end();
    s.on('end', () => order.push('end'));
    s.on('packet', (p: Packet) => order.push(`packet ${seqOf(p) - first}`));
    await turns(2);
    expect(order).toEqual(['packet 0', 'packet 1', 'packet 2', 'packet 3', 'end']);
    expect(s.acks).toBe(2);
  });

  test('async iteration gets every packet in order and finishes at the end', async () => {
    const s = new TestStream();
    const first = nextSeq;
    setImmediate(() => {
      s.feed(makeBatch(3));
      setImmediate(() => {
        s.feed(makeBatch(4));
        s.end();
      });
    });
    const got: number[] = [];
    for await (const p of s) got.push(seqOf(p) - first);
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(s.log.filter((e) => e === 'end')).toHaveLength(1);
    expect(s.closed).toBe(false);
  });

  test('leaving a for await early closes the stream', async () => {
    const s = new TestStream();
    s.feed(makeBatch(5));
    for await (const p of s) {
      expect(p.length).toBe(p.data.length + 100);
      break;
    }
    expect(s.closed).toBe(true);
  });
});

describe('back-pressure: a batch is acked once all its packets are taken', () => {
  test('nothing is acked while nobody consumes; each batch when its last packet is read', async () => {
    const s = new TestStream();
    s.feed(makeBatch(2));
    s.feed(makeBatch(2));
    s.feed(makeBatch(2));
    await turn();
    expect(s.acks).toBe(0);
    await s.read();
    expect(s.acks).toBe(0);
    await s.read();
    expect(s.acks).toBe(1);
    await s.read();
    await s.read();
    expect(s.acks).toBe(2);
  });

  test('a released batch goes back before its ack, after its delivery, unless packets were taken from it', () => {
    const s = new TestStream();
    s.on('batch', (b: PacketBatch) => {
      b.release();
      expect(s.log).toEqual([]); // not during the delivery
    });
    s.feed(makeBatch(3));
    expect(s.log).toEqual(['recycle', 'ack']);

    const t = new TestStream();
    t.on('batch', (b: PacketBatch) => b.release());
    t.on('packet', () => undefined);
    t.feed(makeBatch(3));
    expect(t.log).toEqual(['ack']); // pinned: packet objects view its memory
  });

  test('read() times out with EAGAIN and is refused once the stream stopped', async () => {
    const s = new TestStream();
    await expect(s.read(5)).rejects.toMatchObject({ code: ErrorCode.EAGAIN });
    await expect(s.read(-1)).rejects.toMatchObject({ code: ErrorCode.EINVAL });
    await s.close();
    await expect(s.read()).rejects.toMatchObject({ code: ErrorCode.ECLOSED });
  });
});

describe('the per-turn budget', () => {
  beforeEach(() => jest.restoreAllMocks());
  const spin = (ms: number): void => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };

  test('packet listeners: a long batch is delivered over several turns, with other work in between', async () => {
    const s = new TestStream();
    let heard = 0;
    s.on('packet', () => {
      heard++;
      spin(0.05);
    });
    s.feed(makeBatch(1000));
    const inOneTurn = heard;
    expect(inOneTurn).toBeGreaterThan(0);
    expect(inOneTurn).toBeLessThan(1000);
    let otherWork = 0;
    const timer = setInterval(() => otherWork++, 0);
    while (heard < 1000) await turn();
    clearInterval(timer);
    expect(s.acks).toBe(1);
    expect(otherWork).toBeGreaterThan(0);
  });

  test('many batches in one turn are delivered over several turns', async () => {
    const s = new TestStream();
    let heard = 0;
    s.on('batch', () => {
      heard++;
      spin(0.2);
    });
    for (let i = 0; i < 50; i++) s.feed(makeBatch(1));
    expect(heard).toBeLessThan(50);
    while (heard < 50) await turn();
    expect(s.acks).toBe(50);
  });

  test('async iteration yields to the event loop', async () => {
    const s = new TestStream();
    s.feed(makeBatch(1000));
    s.end();
    let immediates = 0;
    const tick = (): void => {
      immediates++;
      if (immediates < 1000) setImmediate(tick);
    };
    setImmediate(tick);
    const got: number[] = [];
    for await (const p of s) {
      got.push(seqOf(p));
      spin(0.05);
    }
    expect(got).toHaveLength(1000);
    expect(immediates).toBeGreaterThan(1);
  });
});
