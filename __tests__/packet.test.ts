/**
 * The packet object: fields read from its batch when first asked for, the
 * same objects every time, a plain copy from toJSON(), and valid for as long
 * as it is kept. The savefile is made here byte by byte (a classic pcap
 * header and records), so that every field's value is known.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { openOffline, type Packet } from '../lib';
import { pcapHeader } from './support/pcap';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-packet-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A classic microsecond pcap file of `count` 60-byte frames, frame i starting with i and stamped 1700000000 + i s, i µs. */
function writeFile(count: number): string {
  const header = pcapHeader();
  const records = Buffer.alloc(count * 76, 0xa5);
  for (let i = 0; i < count; i++) {
    const at = i * 76;
    records.writeUInt32LE(1_700_000_000 + i, at);
    records.writeUInt32LE(i, at + 4);
    records.writeUInt32LE(60, at + 8);
    records.writeUInt32LE(100 + i, at + 12); // on the wire: more than captured
    records.writeUInt32BE(i, at + 16);
  }
  const f = path.join(dir, `${count}.pcap`);
  fs.writeFileSync(f, Buffer.concat([header, records]));
  return f;
}

async function keepAll<U extends 'timestamp' | 'microsecond' | 'nanosecond'>(
  f: string,
  timeUnit: U,
): Promise<Packet<unknown>[]> {
  const s = await openOffline(f, { timeUnit });
  const kept: Packet<unknown>[] = [];
  s.on('packet', (p) => kept.push(p));
  await new Promise((resolve) => s.once('end', resolve));
  return kept;
}

test('kept packets read their own bytes, lengths and times, in every time unit, across batches', async () => {
  const count = 5000; // several batches of 1,024
  const f = writeFile(count);
  const [stamps, micros, nanos] = await Promise.all([
    keepAll(f, 'timestamp'),
    keepAll(f, 'microsecond'),
    keepAll(f, 'nanosecond'),
  ]);
  for (const kept of [stamps, micros, nanos]) expect(kept).toHaveLength(count);
  for (const i of [0, 1, 1023, 1024, 2047, 4999]) {
    for (const kept of [stamps, micros, nanos]) {
      const p = kept[i]!;
      expect(p.datalink).toBe(1);
      expect(p.length).toBe(100 + i);
      expect(Buffer.isBuffer(p.data)).toBe(true);
      expect(p.data.length).toBe(60);
      expect(p.data.readUInt32BE(0)).toBe(i);
    }
    expect(stamps[i]!.time).toEqual({ sec: 1_700_000_000 + i, usec: i });
    expect(micros[i]!.time).toBe((1_700_000_000 + i) * 1e6 + i);
    expect(nanos[i]!.time).toBe(BigInt(1_700_000_000 + i) * 1_000_000_000n + BigInt(i) * 1000n);
  }
});

test('data and time are the same objects on every read; toJSON() and inspect() show the fields', async () => {
  const [p] = await keepAll(writeFile(1), 'timestamp');
  expect(p!.data).toBe(p!.data);
  expect(p!.time).toBe(p!.time);
  p!.data[59] = 7; // the bytes are the packet's own: a write stays
  expect(p!.data[59]).toBe(7);
  const plain = JSON.parse(JSON.stringify(p));
  expect(plain).toEqual({
    datalink: 1,
    time: { sec: 1_700_000_000, usec: 0 },
    length: 100,
    data: { type: 'Buffer', data: [...p!.data] },
  });
  expect(inspect(p)).toMatch(/datalink: 1,[\s\S]*length: 100,[\s\S]*data: <Buffer 00 00 00 00 a5/);
});
