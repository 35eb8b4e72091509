'use strict';
/*
 * Where decode()'s time goes in a monitor's loop: the same frames decoded with
 * one more reading added at a time (decode only; + packet.layer() lookups; +
 * the addresses as strings and the ports), in one warm process, per
 * CPU-second. Run after bench/decode.js (it reads its corpus):
 *
 *   node bench/decode-breakdown.js [decodes=500000]
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const { decode } = require(path.join(ROOT, 'dist', 'decode'));
const N = Number(process.argv[2] ?? 500_000);

const file = fs.readFileSync(path.join(__dirname, '.build', 'decode-corpus.pcap'));
const frames = [];
for (let o = 24; o + 16 <= file.length;) {
  const caplen = file.readUInt32LE(o + 8);
  frames.push(file.subarray(o + 16, o + 16 + caplen));
  o += 16 + caplen;
}
const n = frames.length;

const loops = {
  'decode() only': () => {
    let s = 0;
    for (let i = 0; i < N; i++) s = (s + decode(1, frames[i % n]).layers.length) | 0;
    return s;
  },
  '+ layer() lookups and ports': () => {
    let s = 0;
    for (let i = 0; i < N; i++) {
      const p = decode(1, frames[i % n]);
      const ip = p.layer('ipv4') ?? p.layer('ipv6');
      if (ip === undefined) continue;
      const tr = p.layer('tcp') ?? p.layer('udp');
      if (tr !== undefined) s = (s + tr.srcPort + tr.dstPort) | 0;
    }
    return s;
  },
  '+ addresses as strings': () => {
    let s = 0;
    for (let i = 0; i < N; i++) {
      const p = decode(1, frames[i % n]);
      const ip = p.layer('ipv4') ?? p.layer('ipv6');
      if (ip === undefined) continue;
      s = (s + ip.src.length + ip.dst.length) | 0;
      const tr = p.layer('tcp') ?? p.layer('udp');
      if (tr !== undefined) s = (s + tr.srcPort + tr.dstPort) | 0;
    }
    return s;
  },
};

for (const [name, loop] of Object.entries(loops)) {
  loop();
  loop(); // warm: decode() needs about 1,000,000 calls to be fully compiled
  const rates = [];
  for (let r = 0; r < 5; r++) {
    const c0 = process.cpuUsage();
    loop();
    const c = process.cpuUsage(c0);
    rates.push(N / ((c.user + c.system) / 1e6));
  }
  rates.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(30)} ${(rates[2] / 1e6).toFixed(2)} M per CPU-second (of 5: ${rates.map((x) => (x / 1e6).toFixed(2)).join(' ')})`,
  );
}
