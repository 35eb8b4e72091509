/*
 * The fuzz targets, shared by scripts/fuzz.js (the whole run) and
 * __tests__/fuzz.test.ts (a small share of it in npm test). Each target
 * makes inputs from a seeded generator, so a run is reproducible from its
 * seed, and checks that every input ends in a value or a typed PcapError:
 * never a crash, a hang or another kind of error.
 *
 * The library is passed in (lib/ under ts-jest, dist/ from the script).
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const CODES = new Set(['ELIBPCAP', 'EPERM', 'ENODEV', 'EINVAL', 'ENOMEM', 'EFILTER', 'EAGAIN', 'ECLOSED', 'EPCAP']);

/** mulberry32: a small seeded generator, good enough to pick mutations. */
function generator(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
  };
}

class FuzzFailure extends Error {}

/** An error that is not a typed PcapError is a finding. */
function expectTyped(e, what) {
  if (!e || e.name !== 'PcapError' || !CODES.has(e.code)) {
    throw new FuzzFailure(`${what}: untyped error ${e && e.name}: ${e && e.code} ${e && e.message}`);
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new FuzzFailure(`${what}: no answer within ${ms} ms (hang)`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A copy of `bytes` cut short or with bytes changed, as the generator picks. */
function mutate(rng, bytes) {
  const out = Buffer.from(bytes);
  switch (rng.int(4)) {
    case 0: // truncation anywhere
      return out.subarray(0, rng.int(out.length + 1));
    case 1: // a few flips anywhere
      for (let n = 1 + rng.int(8); n > 0; n--) out[rng.int(out.length)] ^= 1 << rng.int(8);
      return out;
    case 2: // the file header and the first record header
      for (let n = 1 + rng.int(4); n > 0; n--) out[rng.int(Math.min(out.length, 40))] = rng.int(256);
      return out;
    default: {
      // a whole 32-bit word set to an extreme
      const at = rng.int(Math.max(1, out.length - 4)) & ~3;
      if (at + 4 <= out.length) out.writeUInt32LE(rng.pick([0, 0xffffffff, 0x7fffffff, 0x80000000, 65536]), at);
      return rng.chance(0.5) ? out.subarray(0, rng.int(out.length + 1)) : out;
    }
  }
}

/** Reads a whole savefile; resolves with its packet count and how it ended. */
async function readAll(lib, file, timeUnit) {
  let socket;
  try {
    socket = await lib.openOffline(file, { timeUnit });
  } catch (e) {
    expectTyped(e, `openOffline(${file})`);
    return { packets: 0, error: e.code };
  }
  let packets = 0;
  const ended = new Promise((resolve) => {
    socket.on('batch', (b) => {
      for (let i = 0; i < b.count; i++) {
        const data = b.data(i);
        if (data.length !== b.caplen(i)) throw new FuzzFailure(`${file}: packet ${packets + i} data length`);
        const t = b.time(i, timeUnit);
        if (timeUnit === 'microsecond' && !Number.isFinite(t)) throw new FuzzFailure(`${file}: a time of ${t}`);
      }
      packets += b.count;
    });
    socket.on('error', (e) => {
      expectTyped(e, `reading ${file}`);
      resolve(e.code);
    });
    socket.on('end', () => resolve(undefined));
    socket.on('close', () => resolve(undefined));
  });
  const error = await ended;
  await socket.close();
  return { packets, error };
}

/** Target 1: the savefile reader on truncations and flips of the shared captures. */
async function savefiles(lib, { seed, iterations, captures, dir }) {
  const rng = generator(seed);
  const files = fs
    .readdirSync(captures)
    .filter((f) => /\.(pcap|pcapng)$/.test(f))
    .sort()
    .map((f) => path.join(captures, f))
    .filter((f) => fs.statSync(f).size <= 256 << 10);
  const sources = files.map((f) => fs.readFileSync(f));
  const target = path.join(dir, 'mutated.pcap');
  let packets = 0;
  const errors = {};
  for (let i = 0; i < iterations; i++) {
    const at = rng.int(sources.length);
    fs.writeFileSync(target, mutate(rng, sources[at]));
    const unit = rng.pick(['timestamp', 'microsecond', 'nanosecond']);
    const what = `savefile #${i} (seed ${seed}, from ${path.basename(files[at])})`;
    const r = await withTimeout(readAll(lib, target, unit), 10_000, what);
    packets += r.packets;
    if (r.error) errors[r.error] = (errors[r.error] ?? 0) + 1;
  }
  return { iterations, packets, errors };
}

/** A real batch's bytes, from the first batch of a capture. */
async function realBatches(lib, file) {
  const s = await lib.openOffline(file);
  const out = [];
  await new Promise((resolve, reject) => {
    s.on('batch', (b) => out.push(Buffer.from(b.bytes)));
    s.on('end', resolve);
    s.on('error', reject);
  });
  await s.close();
  return out;
}

/** Target 2: the batch parser, on real batches changed and cut. */
async function batches(lib, { seed, iterations, captures }) {
  const rng = generator(seed);
  const sources = [];
  for (const f of ['tcp-handshake-nano.pcap', 'dns_tcp.pcap', '3560_CDP.pcap']) {
    const file = path.join(captures, f);
    if (fs.existsSync(file)) sources.push(...(await realBatches(lib, file)));
  }
  if (sources.length === 0) throw new FuzzFailure('no batch to start from');
  let accepted = 0;
  for (let i = 0; i < iterations; i++) {
    const source = rng.pick(sources);
    const bytes = Buffer.from(source);
    // The header and records hold the words worth changing.
    for (let n = 1 + rng.int(4); n > 0; n--) {
      const at = rng.int(Math.min(bytes.length, 20 + 24 * 8)) & ~3;
      if (at + 4 <= bytes.length) {
        bytes.writeUInt32LE(rng.pick([0, 1, 0xffffffff, rng.int(0x100000000), (bytes.readUInt32LE(at) + 1) >>> 0]), at);
      }
    }
    const cut = rng.chance(0.3) ? bytes.subarray(0, rng.int(bytes.length + 1)) : bytes;
    const buffer = cut.buffer.slice(cut.byteOffset, cut.byteOffset + cut.byteLength);
    let batch;
    try {
      batch = new lib.PacketBatch(buffer);
    } catch (e) {
      expectTyped(e, `batch #${i} (seed ${seed})`);
      continue;
    }
    accepted++;
    for (let p = 0; p < batch.count; p++) {
      const data = batch.data(p);
      if (data.byteOffset + data.length > buffer.byteLength) throw new FuzzFailure(`batch #${i}: a view past the end`);
      batch.packet(p, rng.pick(['timestamp', 'microsecond', 'nanosecond']));
    }
    for (const bad of [-1, batch.count, 0.5]) {
      try {
        batch.caplen(bad);
        throw new FuzzFailure(`batch #${i}: caplen(${bad}) answered`);
      } catch (e) {
        if (e instanceof FuzzFailure) throw e;
        expectTyped(e, `batch #${i}.caplen(${bad})`);
      }
    }
  }
  return { iterations, accepted };
}

const OPCODES = [
  0x06, 0x16, 0x20, 0x28, 0x30, 0x80, 0x81, 0x40, 0x48, 0x50, 0xb1, 0x00, 0x01, 0x60, 0x61, 0x02, 0x03, 0x05, 0x15,
  0x25, 0x35, 0x45, 0x1d, 0x2d, 0x3d, 0x4d, 0x04, 0x14, 0x24, 0x34, 0x94, 0x54, 0x44, 0xa4, 0x64, 0x74, 0x0c, 0x1c,
  0x2c, 0x3c, 0x9c, 0x5c, 0x4c, 0xac, 0x6c, 0x7c, 0x84, 0x07, 0x87,
];

/** Target 3: BPF programs built from bytes, matched against frames and printed. */
async function programs(lib, { seed, iterations }) {
  const rng = generator(seed);
  const frames = [Buffer.alloc(0), Buffer.alloc(14, 0xff), Buffer.alloc(60, 0x45), Buffer.alloc(1514, 0x11)];
  const compiled = await Promise.all(
    ['tcp port 80', 'ip6 protochain 6', 'vlan and udp', 'len > 100'].map((e) => lib.compile(e)),
  );
  let accepted = 0;
  for (let i = 0; i < iterations; i++) {
    const n = rng.int(12);
    const code = Buffer.alloc(n * 8 + (rng.chance(0.05) ? 1 + rng.int(7) : 0));
    if (rng.chance(0.2)) {
      // A compiled program with a few bytes changed.
      const base = encode(rng.pick(compiled).instructions);
      for (let f = 1 + rng.int(3); f > 0; f--) base[rng.int(base.length)] = rng.int(256);
      try {
        accepted += check(lib, new lib.BpfProgram('fuzz', 1, base), frames, rng);
      } catch (e) {
        if (e instanceof FuzzFailure) throw e;
        expectTyped(e, `program #${i} (seed ${seed})`);
      }
      continue;
    }
    for (let at = 0; at + 8 <= code.length; at += 8) {
      code.writeUInt16LE(rng.chance(0.9) ? rng.pick(OPCODES) : rng.int(0x10000), at);
      code[at + 2] = rng.chance(0.8) ? rng.int(4) : rng.int(256);
      code[at + 3] = rng.chance(0.8) ? rng.int(4) : rng.int(256);
      code.writeUInt32LE(rng.chance(0.7) ? rng.int(64) : rng.int(0x100000000), at + 4);
    }
    if (n > 0 && rng.chance(0.6)) code.writeUInt16LE(rng.pick([0x06, 0x16]), (n - 1) * 8);
    try {
      accepted += check(lib, new lib.BpfProgram('fuzz', 1, code), frames, rng);
    } catch (e) {
      if (e instanceof FuzzFailure) throw e;
      expectTyped(e, `program #${i} (seed ${seed})`);
    }
  }
  return { iterations, accepted };
}

function encode(instructions) {
  const b = Buffer.alloc(instructions.length * 8);
  instructions.forEach((x, i) => {
    b.writeUInt16LE(x.code, i * 8);
    b[i * 8 + 2] = x.jt;
    b[i * 8 + 3] = x.jf;
    b.writeUInt32LE(x.k, i * 8 + 4);
  });
  return b;
}

function check(lib, program, frames, rng) {
  program.dump();
  for (const f of frames) program.match(f, rng.chance(0.2) ? rng.int(0x100000000) : undefined);
  return 1;
}

/** Target 4: the writer's inputs; what is accepted must read back, cut to the snaplen. */
async function writes(lib, { seed, iterations, dir }) {
  const rng = generator(seed);
  const file = path.join(dir, 'written.pcap');
  const snaplen = 1 + rng.int(2000);
  const precision = rng.pick(['micro', 'nano']);
  const writer = await lib.createSavefile(file, { snaplen, precision });
  const times = () =>
    rng.pick([
      () => ({ sec: rng.int(0x100000000), usec: rng.int(1_000_000) }),
      () => ({ sec: rng.pick([-1, 2 ** 32, 2 ** 40, 1.5, NaN]), usec: 0 }),
      () => ({ sec: 1, usec: rng.pick([-1, 1e6, 0.5]) }),
      () => rng.int(2 ** 52),
      () => rng.pick([-1, NaN, Infinity, 1e300, 2 ** 32 * 1e6]),
      () => BigInt(rng.int(2 ** 52)) * 1000n,
      () => rng.pick([-1n, 2n ** 64n]),
      () => rng.pick(['now', null, {}, undefined]),
    ])();
  let accepted = 0;
  for (let i = 0; i < iterations; i++) {
    const data = Buffer.alloc(rng.chance(0.1) ? 0 : rng.int(3000), i & 0xff);
    const length = rng.chance(0.7) ? undefined : rng.pick([0, data.length, data.length + 100, -1, 1.5, 2 ** 32]);
    try {
      writer.write({ time: times(), data, ...(length === undefined ? {} : { length }) });
      accepted++;
    } catch (e) {
      expectTyped(e, `write #${i} (seed ${seed})`);
    }
  }
  await writer.close();
  const back = await lib.openOffline(file);
  let read = 0;
  await new Promise((resolve, reject) => {
    back.on('batch', (b) => {
      for (let p = 0; p < b.count; p++) {
        if (b.caplen(p) > snaplen) reject(new FuzzFailure(`write: packet ${read + p} longer than snaplen ${snaplen}`));
      }
      read += b.count;
    });
    back.on('end', resolve);
    back.on('error', reject);
  });
  await back.close();
  if (read !== accepted) throw new FuzzFailure(`write (seed ${seed}): ${accepted} accepted, ${read} read back`);
  return { iterations, accepted };
}

module.exports = { savefiles, batches, programs, writes, generator, FuzzFailure };
