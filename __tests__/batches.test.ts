/**
 * Packet batches and PacketBatch.release(): a released batch's memory carries
 * a later batch, and nothing anyone can still see is ever overwritten. The
 * savefile is written by this library and checked by tcpdump; every read is
 * compared with a read that releases nothing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSavefile, openOffline, type PacketBatch } from '../lib';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-batches-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const COUNT = 30_000;
const file = path.join(dir, 'mixed.pcap');

/** Packet i: a length that varies from 60 to 1,514 bytes, and i in its first bytes. */
function frame(i: number): Buffer {
  const data = Buffer.alloc(60 + ((i * 7919) % 1455));
  data.writeUInt32BE(i, 0);
  data.writeUInt32BE(i ^ 0x5a5a5a5a, data.length - 4);
  return data;
}

/** What a reader saw of each packet: "seq length tail time". */
function digest(seq: number, length: number, tail: number, sec: number, frac: number): string {
  return `${seq} ${length} ${tail} ${sec}.${frac}`;
}

beforeAll(async () => {
  const writer = await createSavefile(file);
  for (let i = 0; i < COUNT; i++) {
    writer.write({ time: { sec: 1_700_000_000 + Math.floor(i / 1000), usec: (i % 1000) * 997 }, data: frame(i) });
  }
  await writer.close();
  const lines = execFileSync('tcpdump', ['-r', file, '-n', '-q'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
    .split('\n')
    .filter((l) => l !== '');
  expect(lines).toHaveLength(COUNT);
});

/** Reads the file through 'batch' events; `onBatch` may release. */
async function readBatches(onBatch: (b: PacketBatch) => void): Promise<string[]> {
  const s = await openOffline(file);
  const seen: string[] = [];
  s.on('batch', (b: PacketBatch) => {
    for (let i = 0; i < b.count; i++) {
      const at = b.offset(i);
      const view = new DataView(b.bytes.buffer, at, b.caplen(i));
      seen.push(digest(view.getUint32(0), b.length(i), view.getUint32(b.caplen(i) - 4), b.seconds(i), b.fraction(i)));
    }
    onBatch(b);
  });
  await new Promise((resolve, reject) => {
    s.once('end', resolve);
    s.once('error', reject);
  });
  return seen;
}

describe('PacketBatch.release()', () => {
  test('released batches carry later ones: every packet read is the same as without release()', async () => {
    const plain = await readBatches(() => undefined);
    expect(plain).toHaveLength(COUNT);
    expect(plain[12_345]).toBe(digest(12_345, frame(12_345).length, 12_345 ^ 0x5a5a5a5a, 1_700_000_012, 345 * 997));

    const released: PacketBatch[] = [];
    let recycledBuffers = 0;
    const withRelease = await readBatches((b) => {
      // A recycled buffer is sized for any batch, so it is larger than this one.
      if (b.buffer.byteLength > b.bytes.byteLength) recycledBuffers++;
      released.push(b);
      b.release();
    });
    expect(withRelease).toEqual(plain);
    expect(recycledBuffers).toBeGreaterThan(0);
    // Released batches went back: their memory is gone from JavaScript.
    expect(released.filter((b) => b.buffer.byteLength === 0).length).toBeGreaterThan(0);
  });

  test('a released batch throws ECLOSED; its views are empty once its memory went back', async () => {
    const s = await openOffline(file);
    const batch = await new Promise<PacketBatch>((resolve) => s.once('batch', resolve));
    const kept = batch.data(0);
    batch.release();
    batch.release(); // idempotent
    expect(batch.released).toBe(true);
    for (const use of [() => batch.length(0), () => batch.data(0), () => batch.packet(0, 'timestamp')]) {
      expect(use).toThrow(expect.objectContaining({ code: 'ECLOSED', message: 'the packet batch was released' }));
    }
    await new Promise((r) => setImmediate(r));
    expect(batch.buffer.byteLength).toBe(0);
    expect(kept.length).toBe(0); // detached, never another packet's bytes
    await s.close();
  });

  test("packets handed to 'packet' listeners stay valid when their batch is released", async () => {
    const s = await openOffline(file);
    const kept: Buffer[] = [];
    s.on('packet', (p) => kept.push(p.data));
    s.on('batch', (b: PacketBatch) => b.release());
    await new Promise((r) => s.once('end', r));
    expect(kept).toHaveLength(COUNT);
    for (let i = 0; i < COUNT; i += 997) expect(kept[i]).toEqual(frame(i));
  });

  test('iteration beside a releasing batch listener: every packet once, and iterated packets stay valid', async () => {
    const s = await openOffline(file);
    const seqs: number[] = [];
    s.on('batch', (b: PacketBatch) => {
      for (let i = 0; i < b.count; i++) seqs.push(b.data(i).readUInt32BE(0));
      b.release();
    });
    const kept: Buffer[] = [];
    for await (const p of s) kept.push(p.data);
    for (const data of kept) seqs.push(data.readUInt32BE(0));
    expect(seqs.sort((a, b) => a - b)).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.filter((data) => !data.equals(frame(data.readUInt32BE(0))))).toEqual([]);
  });

  test('release() after the socket ended or closed is harmless', async () => {
    const s = await openOffline(file);
    const batches: PacketBatch[] = [];
    s.on('batch', (b: PacketBatch) => batches.push(b));
    await new Promise((r) => s.once('end', r));
    for (const b of batches) b.release();
    expect(batches.every((b) => b.released)).toBe(true);
  });
});

describe('back-pressure', () => {
  // A consumer slower than the reading thread keeps it stopped at the limit
  // of batches in flight: it sleeps until the consumer is down to half of
  // them (none for a limit of 1) and is woken then. A lost wake-up would
  // leave it asleep for its 250 ms safety timeout each time: with the
  // consumer's wake-up removed, the limits 1 and 3 take more than 5 s here
  // instead of ~0.2 s (checked), which the time limit below catches.
  test.each([1, 3, 8])(
    'maxBatchesInFlight %i with a slow consumer: every packet, in order',
    async (maxBatchesInFlight) => {
      const s = await openOffline(file, { maxBatchesInFlight });
      const seqs: number[] = [];
      for await (const p of s) {
        seqs.push(p.data.readUInt32BE(0));
        if (seqs.length % 500 === 0) await new Promise((r) => setTimeout(r, 1));
      }
      expect(seqs).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    },
    5_000,
  );
});

describe("'packet' listeners", () => {
  /** The sequence number of a packet of the test file. */
  const seq = (p: { data: Buffer }): number => p.data.readUInt32BE(0);

  test('are called as emit() calls them: order, this, once(), and changes made while packets are delivered', async () => {
    const s = await openOffline(file);
    const calls: string[] = [];
    let thisWasSocket = false;
    const late = (p: { data: Buffer }): void => {
      calls.push(`late ${seq(p)}`);
    };
    s.on('packet', function (this: unknown, p) {
      thisWasSocket = this === s;
      calls.push(`a ${seq(p)}`);
      if (seq(p) === 10) s.on('packet', late); // from the next packet on
      if (seq(p) === 12) s.removeListener('packet', late);
    });
    s.prependListener('packet', (p) => calls.push(`first ${seq(p)}`));
    s.once('packet', (p) => calls.push(`once ${seq(p)}`));
    s.prependOnceListener('packet', (p) => calls.push(`prepended once ${seq(p)}`));
    const stop = (p: { data: Buffer }): void => {
      // Removing every 'packet' listener stops delivery after this packet;
      // the packets left wait for a consumer.
      if (seq(p) === 20) s.removeAllListeners('packet');
    };
    s.on('packet', stop);
    await new Promise((r) => setTimeout(r, 200));
    expect(thisWasSocket).toBe(true);
    expect(calls.slice(0, 4)).toEqual(['prepended once 0', 'first 0', 'a 0', 'once 0']);
    expect(calls.filter((c) => c.startsWith('late'))).toEqual(['late 11', 'late 12']);
    expect(calls.filter((c) => c.startsWith('a '))).toHaveLength(21);
    expect(calls.at(-1)).toBe('a 20');

    // Listeners added after removeAllListeners() get the rest, from packet 21.
    const rest: number[] = [];
    s.on('packet', (p) => rest.push(seq(p)));
    await new Promise((r) => s.once('end', r));
    expect(rest).toEqual(Array.from({ length: COUNT - 21 }, (_, i) => i + 21));
  });

  test('a listener added by removeAllListeners() without an event still gets packets', async () => {
    const s = await openOffline(file);
    s.on('packet', () => undefined);
    s.removeAllListeners();
    const got: number[] = [];
    s.on('packet', (p) => got.push(seq(p)));
    await new Promise((r) => s.once('end', r));
    expect(got).toEqual(Array.from({ length: COUNT }, (_, i) => i));
  });

  test('a listener that throws: the exception reaches the process as with emit(), and delivery goes on', () => {
    // In a child process: Jest takes uncaught exceptions for itself. One
    // batch in flight, so that no later batch arrives to restart delivery.
    const script = `
      const { openOffline } = require(${JSON.stringify(path.resolve(__dirname, '..'))});
      let thrown = 0;
      process.on('uncaughtException', (e) => { if (e.message === 'listener failed') thrown++; else throw e; });
      openOffline(${JSON.stringify(file)}, { maxBatchesInFlight: 1 }).then((s) => {
        const seen = [];
        s.on('packet', (p) => {
          seen.push(p.data.readUInt32BE(0));
          if (seen.length % 10000 === 6) throw new Error('listener failed');
        });
        s.on('end', () => console.log(JSON.stringify({ thrown, count: seen.length, inOrder: seen.every((v, i) => v === i) })));
      });`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).toBe('');
    // Every packet once, in order: the one that threw was delivered, none was lost or repeated.
    expect(JSON.parse(r.stdout)).toEqual({ thrown: 3, count: COUNT, inOrder: true });
  });
});

describe('delivery when consumers change', () => {
  const seq = (data: Buffer): number => data.readUInt32BE(0);
  const all = Array.from({ length: COUNT }, (_, i) => i);
  /** Sequence numbers of a batch's packets. */
  const seqs = (b: PacketBatch): number[] => Array.from({ length: b.count }, (_, i) => seq(b.data(i)));

  /** Runs a script in a child process (Jest takes uncaught exceptions for itself) and parses what it prints. */
  function child(body: string): unknown {
    const script = `const { openOffline } = require(${JSON.stringify(path.resolve(__dirname, '..'))});
      const file = ${JSON.stringify(file)};
      const seq = (data) => data.readUInt32BE(0);
      ${body}`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout);
  }

  test("a 'packet' listener that leaves mid-batch does not stop a 'batch' listener", async () => {
    const s = await openOffline(file);
    const inBatches: number[] = [];
    s.on('batch', (b: PacketBatch) => inBatches.push(...seqs(b)));
    let packets = 0;
    const listener = (): void => {
      if (++packets === 100) s.off('packet', listener);
    };
    s.on('packet', listener);
    await new Promise((r) => s.once('end', r));
    expect(packets).toBe(100);
    expect(inBatches).toEqual(all);
  });

  test("packets taken before a 'batch' listener came are not in its first batch: it gets the rest", async () => {
    // By read(), then by a 'packet' listener that leaves mid-batch.
    const s = await openOffline(file);
    const taken: number[] = [];
    for (let i = 0; i < 5; i++) taken.push(seq((await s.read()).data));
    await new Promise<void>((resolve) => {
      const listener = (p: { data: Buffer }): void => {
        taken.push(seq(p.data));
        if (taken.length === 40) {
          s.off('packet', listener);
          resolve();
        }
      };
      s.on('packet', listener);
    });
    await new Promise((r) => setTimeout(r, 50)); // nobody consumes: the rest waits
    const batches: number[][] = [];
    s.on('batch', (b: PacketBatch) => batches.push(seqs(b)));
    await new Promise((r) => s.once('end', r));
    expect(taken).toEqual(all.slice(0, 40));
    expect(batches[0]![0]).toBe(40);
    expect([...taken, ...batches.flat()]).toEqual(all);
  });

  test('a listener removed while packets are queued gets none of them (the removeListener event delivers)', async () => {
    const s = await openOffline(file);
    await new Promise((r) => setTimeout(r, 50)); // packets queued, no consumer
    const a: number[] = [];
    const b: number[] = [];
    const listenerB = (p: { data: Buffer }): number => b.push(seq(p.data));
    s.on('packet', (p) => a.push(seq(p.data)));
    s.on('packet', listenerB);
    s.off('packet', listenerB);
    await new Promise((r) => s.once('end', r));
    expect(b).toEqual([]);
    expect(a).toEqual(all);
  });

  test("a 'batch' listener that throws gets each batch once, and delivery goes on", () => {
    const out = child(`
      let thrown = 0;
      process.on('uncaughtException', (e) => { if (e.message === 'batch listener failed') thrown++; else throw e; });
      openOffline(file, { maxBatchesInFlight: 1 }).then((s) => {
        const seen = [];
        let batches = 0;
        s.on('batch', (b) => {
          batches++;
          for (let i = 0; i < b.count; i++) seen.push(seq(b.data(i)));
          throw new Error('batch listener failed');
        });
        s.on('end', () => console.log(JSON.stringify({ thrown, batches, count: seen.length, inOrder: seen.every((v, i) => v === i) })));
      });`) as { thrown: number; batches: number; count: number; inOrder: boolean };
    expect(out.batches).toBeGreaterThan(10);
    expect(out).toEqual({ thrown: out.batches, batches: out.batches, count: COUNT, inOrder: true });
  });

  test("read() after a 'batch' listener threw gets the next batch's first packet, not one of that batch", () => {
    const out = child(`
      (async () => {
        const s = await openOffline(file, { maxBatchesInFlight: 1 });
        let had;
        process.on('uncaughtException', (e) => {
          if (e.message !== 'batch listener failed') throw e;
          s.read().then((p) => s.close().then(() => console.log(JSON.stringify({ had, next: seq(p.data) }))));
        });
        const listener = (b) => {
          had = [seq(b.data(0)), seq(b.data(b.count - 1))];
          s.off('batch', listener);
          throw new Error('batch listener failed');
        };
        s.on('batch', listener);
      })();`) as { had: [number, number]; next: number };
    expect(out.had[0]).toBe(0);
    expect(out.next).toBe(out.had[1] + 1);
  });

  test('read() called by a listener takes packets after the batch being delivered: none twice, none lost', async () => {
    // The last packet of every batch (a file is batched the same way every time it is read).
    const probe = await openOffline(file);
    const lastOfBatch = new Set<number>();
    probe.on('batch', (b: PacketBatch) => lastOfBatch.add(seq(b.data(b.count - 1))));
    await new Promise((r) => probe.once('end', r));
    expect(lastOfBatch.size).toBeGreaterThan(10);

    // A read() on the last-but-one packet of a batch: taken there and then, it would use up the
    // batch under the delivery that holds it.
    const s = await openOffline(file);
    const byListener: number[] = [];
    const reads: Array<Promise<number>> = [];
    s.on('packet', (p) => {
      byListener.push(seq(p.data));
      // (Not in the file's last batch: no packet is left after it for the read.)
      if (lastOfBatch.has(seq(p.data) + 1) && seq(p.data) + 1 < COUNT - 1) {
        reads.push(s.read().then((q) => seq(q.data)));
      }
    });
    await new Promise((r) => s.once('end', r));
    const byRead = await Promise.all(reads);
    expect(byRead.length).toBeGreaterThan(10);
    expect([...byListener, ...byRead].sort((a, b) => a - b)).toEqual(all);
  });

  /**
   * A socket with 'batch' and 'packet' listeners whose 'packet' listener,
   * at packet 100 of the first batch, schedules `between` for the next turn
   * and then spends the turn's budget, so the rest of that batch (which the
   * 'batch' listener already had) is delivered in a later turn, after
   * `between` ran.
   */
  async function splitFirstBatch(
    between: (s: Awaited<ReturnType<typeof openOffline>>, listener: (p: { data: Buffer }) => void) => void,
  ) {
    const probe = await openOffline(file);
    const firstCount = await new Promise<number>((resolve) =>
      probe.once('batch', (b: PacketBatch) => resolve(b.count)),
    );
    await probe.close();
    expect(firstCount).toBeGreaterThan(300);
    const s = await openOffline(file);
    const inBatches: number[] = [];
    const inPackets: number[] = [];
    s.on('batch', (b: PacketBatch) => inBatches.push(...seqs(b)));
    const listener = (p: { data: Buffer }): void => {
      inPackets.push(seq(p.data));
      if (seq(p.data) === 100) {
        setImmediate(() => between(s, listener));
        const until = performance.now() + 3;
        while (performance.now() < until); // the turn's budget is spent
      }
    };
    s.on('packet', listener);
    return { s, firstCount, inBatches, inPackets };
  }

  test("a reader that comes while 'packet' listeners are part-way through a batch that 'batch' listeners had gets the next batch's packet", async () => {
    let read: Promise<number> | undefined;
    const { s, firstCount, inBatches, inPackets } = await splitFirstBatch((sock) => {
      read = sock.read().then((p) => seq(p.data));
    });
    await new Promise((r) => s.once('end', r));
    const byRead = await read!;
    expect(byRead).toBe(firstCount);
    expect(inPackets).toEqual(inBatches);
    expect([...inBatches, byRead].sort((a, b) => a - b)).toEqual(all);
  });

  test("when the last 'packet' listener leaves between turns, the rest of a batch 'batch' listeners had is not read again", async () => {
    let read: Promise<number> | undefined;
    const { s, firstCount, inBatches, inPackets } = await splitFirstBatch((sock, listener) => {
      sock.off('packet', listener);
      read = sock.read().then((p) => seq(p.data));
    });
    await new Promise((r) => s.once('end', r));
    const byRead = await read!;
    expect(byRead).toBe(firstCount);
    expect(inPackets.length).toBeGreaterThan(100);
    expect(inPackets.length).toBeLessThan(firstCount);
    expect(inPackets).toEqual(all.slice(0, inPackets.length));
    expect([...inBatches, byRead].sort((a, b) => a - b)).toEqual(all);
  });

  test("...and when the 'batch' listeners leave too, a reader still gets the next batch's packet", async () => {
    let byRead: (value: number) => void = () => {};
    const read = new Promise<number>((resolve) => (byRead = resolve));
    const { s, firstCount, inBatches } = await splitFirstBatch((sock) => {
      sock.removeAllListeners('packet');
      sock.removeAllListeners('batch');
      void sock.read().then((p) => byRead(seq(p.data)));
    });
    expect(await read).toBe(firstCount);
    expect(inBatches).toEqual(all.slice(0, firstCount));
    await s.close();
  });

  /** A 100-packet file (one batch), whole in the socket's queue: the capture has ended. */
  async function endedSmallFile(): Promise<Awaited<ReturnType<typeof openOffline>>> {
    const small = path.join(dir, 'small.pcap');
    if (!fs.existsSync(small)) {
      const writer = await createSavefile(small);
      for (let i = 0; i < 100; i++) writer.write({ time: { sec: 1_700_000_000, usec: i }, data: frame(i) });
      await writer.close();
    }
    const s = await openOffline(small);
    await new Promise((r) => setTimeout(r, 200));
    return s;
  }

  /** Rejects after `ms`: a hang shows as a failure with a name, not as Jest's timeout. */
  const within = <V>(promise: Promise<V>, ms: number, what: string): Promise<V> =>
    Promise.race([
      promise,
      new Promise<V>((_, reject) => setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms)),
    ]);

  test("a read() queued by the last 'packet' listener as it leaves gets the next packet", async () => {
    // At the end of a file (nothing more will come to start a delivery) and, with one batch in
    // flight, while the capture thread waits for this batch.
    const ended = await endedSmallFile();
    const s = await openOffline(file, { maxBatchesInFlight: 1 });
    for (const sock of [ended, s]) {
      const read = new Promise<number>((resolve, reject) => {
        sock.once('packet', (p) => {
          expect(seq(p.data)).toBe(0);
          sock.read().then((q) => resolve(seq(q.data)), reject);
        });
      });
      expect(await within(read, 3000, 'read()')).toBe(1);
      await sock.close();
    }
  });

  test("'end' and 'close' come once read() has taken the file's last packet", async () => {
    const s = await endedSmallFile();
    const events: string[] = [];
    s.on('end', () => events.push('end'));
    const closed = new Promise((r) => s.once('close', r));
    for (let i = 0; i < 100; i++) expect(seq((await s.read()).data)).toBe(i);
    expect(events).toEqual([]);
    await within(closed, 3000, "'close'");
    expect(events).toEqual(['end']);
    await expect(s.read()).rejects.toMatchObject({ code: 'ECLOSED' });
  });

  test("read() after a 'packet' listener threw on a batch's last packet gets the next packet", () => {
    const out = child(`
      (async () => {
        // The first batch's size, from a read through 'batch' events (the batches of a file are the same every time).
        const probe = await openOffline(file);
        const firstCount = await new Promise((resolve) => probe.once('batch', (b) => resolve(b.count)));
        await probe.close();
        const s = await openOffline(file, { maxBatchesInFlight: 1 });
        process.on('uncaughtException', (e) => {
          if (e.message !== 'last packet') throw e;
          s.read().then((p) => s.close().then(() => console.log(JSON.stringify({ firstCount, next: seq(p.data) }))));
        });
        const listener = (p) => {
          if (seq(p.data) === firstCount - 1) {
            s.off('packet', listener);
            throw new Error('last packet');
          }
        };
        s.on('packet', listener);
      })();`) as { firstCount: number; next: number };
    expect(out.firstCount).toBeGreaterThan(1);
    expect(out.next).toBe(out.firstCount);
  });
});

/**
 * Delivery is budgeted: once a turn of the event loop has spent the budget,
 * the consumer gets no more packets until the loop has had a turn, however
 * many batches are queued. The budget is looked at every 64 packets of a
 * batch, and a savefile's batches are cut at multiples of 64 packets, so a
 * slow consumer of this file gets at most 64 packets between two turns. A
 * setImmediate chain counts the turns. Each packet's handler spins 20 µs, so
 * 64 packets always take longer than the budget: what is checked is how
 * delivery is cut, not how fast anything runs.
 */
describe('delivery gives the event loop turns', () => {
  const SPIN_MS = 0.02;
  const PACKETS = 5000;
  const spin = (): void => {
    const until = performance.now() + SPIN_MS;
    while (performance.now() < until);
  };

  /** A counter of event-loop turns and the longest stretch of packets delivered without one. */
  function turns() {
    let turn = 0;
    let running = true;
    // Unref'd: a test that fails before stop() leaves nothing that keeps the process up.
    const tick = (): void => {
      turn++;
      if (running) setImmediate(tick).unref();
    };
    setImmediate(tick).unref();
    let lastTurn = -1;
    let stretch = 0;
    let longest = 0;
    return {
      packet(): void {
        if (turn !== lastTurn) {
          lastTurn = turn;
          stretch = 0;
        }
        stretch++;
        longest = Math.max(longest, stretch);
      },
      stop: () => {
        running = false;
        return { longest };
      },
    };
  }

  test("'packet' listeners: at most 64 packets between two turns", async () => {
    const s = await openOffline(file);
    const t = turns();
    let n = 0;
    s.on('packet', () => {
      t.packet();
      spin();
      if (++n === PACKETS) void s.close();
    });
    await new Promise((resolve) => s.once('close', resolve));
    const { longest } = t.stop();
    expect(n).toBe(PACKETS);
    expect(longest).toBeGreaterThan(0);
    expect(longest).toBeLessThanOrEqual(64);
  });

  test('async iteration: at most 64 packets between two turns', async () => {
    const s = await openOffline(file);
    const t = turns();
    let n = 0;
    for await (const packet of s) {
      expect(packet.length).toBeGreaterThanOrEqual(60);
      t.packet();
      spin();
      if (++n === PACKETS) break;
    }
    const { longest } = t.stop();
    expect(n).toBe(PACKETS);
    expect(longest).toBeLessThanOrEqual(64);
  });
});
