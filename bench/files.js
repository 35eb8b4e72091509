#!/usr/bin/env node
'use strict';
/*
 * Savefile readers, whole process (target 3): what a user's script that reads
 * one file costs, start-up included. A generated file of 1,000,000 60-byte
 * UDP frames is read by each reader in a fresh process, round-robin, and
 * every process runs under /usr/bin/time (wall, user + system CPU, peak RSS),
 * tcpdump the same way.
 *
 *   node bench/files.js [--rounds 5] [--packets 1000000] [--readers a,b] [--json FILE]
 *   node bench/files.js --reader NAME FILE      (one reader; run by the above)
 *
 * EWPCAP_BENCH_LIB=<built tree> reads through another build (an A/B).
 * No network namespace is needed.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..');
const PEERS = path.join(__dirname, 'peers', 'node_modules', 'pcap');

/** Classic pcap, microseconds, Ethernet: `count` 60-byte UDP frames 198.18.0.1 -> 198.18.0.2. */
function makeFile(file, count) {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  const frame = Buffer.alloc(60);
  Buffer.from('020000000002020000000001', 'hex').copy(frame, 0);
  frame.writeUInt16BE(0x0800, 12);
  frame[14] = 0x45;
  frame.writeUInt16BE(46, 16);
  frame[22] = 64;
  frame[23] = 17;
  Buffer.from([198, 18, 0, 1, 198, 18, 0, 2]).copy(frame, 26);
  frame.writeUInt16BE(9, 36);
  frame.writeUInt16BE(26, 38);
  const record = 16 + 60;
  const chunkPackets = 10_000;
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, header);
  const chunk = Buffer.alloc(chunkPackets * record);
  for (let base = 0; base < count; base += chunkPackets) {
    const n = Math.min(chunkPackets, count - base);
    for (let i = 0; i < n; i++) {
      const at = i * record;
      const seq = base + i;
      chunk.writeUInt32LE(1_700_000_000 + Math.floor(seq / 1e6), at);
      chunk.writeUInt32LE(seq % 1e6, at + 4);
      chunk.writeUInt32LE(60, at + 8);
      chunk.writeUInt32LE(60, at + 12);
      frame.copy(chunk, at + 16);
      chunk.writeUInt32LE(seq, at + 16 + 42);
    }
    fs.writeSync(fd, chunk, 0, n * record);
  }
  fs.closeSync(fd);
}

const lib = () => require(path.join(process.env.EWPCAP_BENCH_LIB || ROOT, 'dist'));
const ended = (s) => new Promise((resolve) => s.once('end', resolve));

async function batches(file, release) {
  const s = await lib().openOffline(file);
  let n = 0;
  s.on('batch', (b) => {
    n += b.count;
    if (release) b.release();
  });
  await ended(s);
  return n;
}

function nodePcapRead(file, onPacket) {
  const session = require(PEERS).createOfflineSession(file, '');
  session.on('packet', onPacket);
  return new Promise((resolve) => session.on('complete', resolve));
}

/**
 * The readers, each what a user would write; every one answers the packets
 * it saw. A kept packet stays in an array until the end, as a script that
 * collects packets for later does.
 */
const READERS = {
  'node (empty process)': async () => 0,
  "ewpcap 'packet' events, counting": async (file) => {
    const s = await lib().openOffline(file);
    let n = 0;
    s.on('packet', () => n++);
    await ended(s);
    return n;
  },
  'node_pcap, counting': async (file) => {
    let n = 0;
    await nodePcapRead(file, () => n++);
    return n;
  },
  "ewpcap 'packet' events, keeping every packet": async (file) => {
    const s = await lib().openOffline(file);
    const kept = [];
    s.on('packet', (p) => kept.push(p));
    await ended(s);
    return kept.length;
  },
  'node_pcap, keeping a copy of every packet': async (file) => {
    // node_pcap reuses one buffer for every packet: keeping one means copying it.
    const kept = [];
    await nodePcapRead(file, (raw) => kept.push(Buffer.from(raw.buf.subarray(0, raw.header.readUInt32LE(8)))));
    return kept.length;
  },
  "ewpcap 'batch' events": (file) => batches(file, false),
  "ewpcap 'batch' events + release()": (file) => batches(file, true),
};

const TCPDUMP = 'tcpdump -r FILE -w /dev/null';

/** One process under /usr/bin/time: wall seconds, CPU seconds, peak RSS MiB, what it printed. */
function timed(cmd, args) {
  const out = path.join(os.tmpdir(), `ewpcap-files-time-${process.pid}`);
  const r = spawnSync('/usr/bin/time', ['-o', out, '-f', '%e %U %S %M', cmd, ...args], { encoding: 'utf8' });
  const [wall, user, sys, rssKiB] = fs.readFileSync(out, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  fs.rmSync(out, { force: true });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { wall, cpu: user + sys, rssMiB: rssKiB / 1024, stdout: r.stdout };
}

function runOne(name, file) {
  if (name === TCPDUMP) return timed('tcpdump', ['-r', file, '-w', '/dev/null']);
  const r = timed(process.execPath, [__filename, '--reader', name, file]);
  r.packets = Number(r.stdout.trim());
  return r;
}

const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Every reader `rounds` times, round-robin, each in a fresh process. */
function filesAll({ rounds = 5, packets = 1_000_000, readers, log = () => {} } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-files-'));
  const file = path.join(dir, `${packets}.pcap`);
  makeFile(file, packets);
  let names = [...Object.keys(READERS), TCPDUMP];
  const skipped = {};
  if (!fs.existsSync(PEERS)) {
    for (const n of names.filter((x) => x.startsWith('node_pcap')))
      skipped[n] = 'node_pcap not installed in bench/peers';
    names = names.filter((x) => !x.startsWith('node_pcap'));
  }
  if (readers) names = names.filter((n) => readers.includes(n));
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      for (const name of names) {
        const r = runOne(name, file);
        runs[name].push(r);
        log(`  ${name}: ${r.wall.toFixed(2)} s, CPU ${r.cpu.toFixed(2)} s, ${r.rssMiB.toFixed(0)} MiB`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const readersOut = {};
  for (const name of names) {
    const rs = runs[name];
    const walls = rs.map((r) => r.wall);
    readersOut[name] = {
      wall: median(walls),
      wallMin: Math.min(...walls),
      wallMax: Math.max(...walls),
      cpu: median(rs.map((r) => r.cpu)),
      rssMiB: median(rs.map((r) => r.rssMiB)),
      packets: rs[0].packets,
      runs: rs.map((r) => ({ wall: r.wall, cpu: r.cpu, rssMiB: r.rssMiB })),
    };
  }
  return { packets, rounds, readers: readersOut, skipped };
}

module.exports = { filesAll, makeFile, READERS, TCPDUMP };

if (require.main === module) {
  const argv = process.argv.slice(2);
  const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
  if (argv[0] === '--reader') {
    READERS[argv[1]](argv[2]).then(
      (n) => process.stdout.write(String(n)),
      (e) => {
        console.error(e);
        process.exit(1);
      },
    );
  } else {
    const result = filesAll({
      rounds: Number(opt('--rounds', 5)),
      packets: Number(opt('--packets', 1_000_000)),
      readers: opt('--readers') ? opt('--readers').split(',') : undefined,
      log: (s) => console.error(s),
    });
    for (const [name, r] of Object.entries(result.readers)) {
      console.log(
        `${name}: ${r.wall.toFixed(3)} s (${r.wallMin.toFixed(2)}-${r.wallMax.toFixed(2)}), CPU ${r.cpu.toFixed(2)} s, ${r.rssMiB.toFixed(0)} MiB`,
      );
    }
    if (opt('--json')) fs.writeFileSync(opt('--json'), JSON.stringify(result, null, 2));
  }
}
