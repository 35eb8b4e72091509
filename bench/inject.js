'use strict';
/*
 * Injection rate on veth0 (frames counted arriving on veth1):
 *
 *   node scripts/netns.js node bench/inject.js [--runs 3] [--count 200000]
 *
 *   ewpcap write(), W in flight   200,000 write() calls with up to W promises
 *                                 outstanding (W = 1024 and 64), each in a
 *                                 fresh process; and W = 1 (await each) for
 *                                 20,000 frames, i.e. the round trip.
 *   node_pcap session.inject()    synchronous pcap_inject on the main thread.
 *   tcpreplay --topspeed          Debian's tcpreplay from a pcap file of the
 *                                 same frames, preloaded into memory.
 *   C sendmmsg generator          bench/gen.c at top speed, for reference.
 *
 * The capture socket of the writer (ewpcap) has a filter that matches
 * nothing, so it only writes; node_pcap's session gets the same filter.
 */
const fs = require('node:fs');
const path = require('node:path');
const C = require('./common');

const NOTHING = 'ether proto 0x0101';

async function childEwpcap(count, window) {
  const { open } = C.ewpcap();
  const tx = await open(C.DEV0, { filter: NOTHING });
  const base = C.frame();
  // Warm up the path (JIT, thread) before timing.
  for (let i = 0; i < 200; i++) await tx.write(base);
  const before = C.netStats(C.DEV1);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let sent = 0;
  let done = 0;
  let failed = 0;
  let firstError;
  // Should the loop ever run dry with writes outstanding, say so (the parent
  // then reports that the child exited before its result).
  process.on('exit', () => {
    if (done < count)
      console.error(
        `inject child: exited with ${sent - done} writes outstanding (${done}/${count} done, ${failed} failed, socket open: ${tx.isOpen})`,
      );
  });
  await new Promise((resolve) => {
    const pump = () => {
      while (sent < count && sent - done < window) {
        sent++;
        tx.write(base).then(finish, (e) => {
          failed++;
          firstError ??= e.message;
          finish();
        });
      }
    };
    const finish = () => {
      done++;
      if (done === count) resolve();
      else pump();
    };
    pump();
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  await C.sleep(50);
  const arrived = C.netDelta(before, C.netStats(C.DEV1)).rx_packets;
  await tx.close();
  process.send({
    type: 'result',
    count,
    window,
    seconds,
    pps: count / seconds,
    arrived,
    failed,
    firstError,
    cpuPerMillion: (cpu.user + cpu.system) / 1e6 / (count / 1e6),
    maxRssKiB: process.resourceUsage().maxRSS,
  });
}

async function childNodePcap(count) {
  const np = C.nodePcap();
  if (np.error) throw new Error(`node_pcap not available: ${np.error}`);
  const session = np.pcap.createSession(C.DEV0, { filter: NOTHING, buffer_timeout: 0 });
  const base = C.frame();
  for (let i = 0; i < 200; i++) session.inject(base);
  await C.sleep(20);
  const before = C.netStats(C.DEV1);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let failed = 0;
  for (let i = 0; i < count; i++) {
    try {
      session.inject(base);
    } catch {
      failed++;
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  await C.sleep(50);
  const arrived = C.netDelta(before, C.netStats(C.DEV1)).rx_packets;
  session.close();
  process.send({
    type: 'result',
    count,
    seconds,
    pps: count / seconds,
    arrived,
    failed,
    cpuPerMillion: (cpu.user + cpu.system) / 1e6 / (count / 1e6),
    maxRssKiB: process.resourceUsage().maxRSS,
  });
}

/** A classic pcap file of `count` copies of the bench frame, for tcpreplay. */
function writePcap(file, count) {
  const f = C.frame();
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(1, 20); // DLT_EN10MB
  const rec = Buffer.alloc(16 + f.length);
  rec.writeUInt32LE(f.length, 8);
  rec.writeUInt32LE(f.length, 12);
  f.copy(rec, 16);
  const body = Buffer.alloc(rec.length * count);
  for (let i = 0; i < count; i++) {
    rec.writeUInt32LE(1_700_000_000 + Math.floor(i / 1e6), 0);
    rec.writeUInt32LE(i % 1e6, 4);
    rec.copy(body, i * rec.length);
  }
  fs.writeFileSync(file, Buffer.concat([global, body]));
}

function tcpreplay(count) {
  const file = path.join(C.BUILD, `inject-${count}.pcap`);
  writePcap(file, count);
  const before = C.netStats(C.DEV1);
  const t0 = process.hrtime.bigint();
  const r = C.sh('tcpreplay', ['-i', C.DEV0, '--topspeed', '--preload-pcap', file]);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error || r.status !== 0) return { error: (r.error?.message || r.stderr || '').split('\n')[0] };
  const arrived = C.netDelta(before, C.netStats(C.DEV1)).rx_packets;
  const text = r.stdout + r.stderr;
  const rated = /Rated:.*?([\d.]+) pps/.exec(text);
  const actual = /Actual: (\d+) packets .* in ([\d.]+) seconds/.exec(text);
  const failed = /Failed packets:\s+(\d+)/.exec(text);
  return {
    count,
    pps: rated ? Number(rated[1]) : NaN,
    sent: actual ? Number(actual[1]) : NaN,
    seconds: actual ? Number(actual[2]) : NaN,
    wallSeconds: wall,
    arrived,
    failed: failed ? Number(failed[1]) : NaN,
  };
}

async function inChild(args) {
  const c = C.forkChild(__filename, ['--child', ...args.map(String)]);
  const r = await c.wait('result', 180_000);
  await c.exited();
  return r;
}

async function injectAll({ runs = 3, count = 200_000, log = () => {} } = {}) {
  const out = { count, variants: {}, skipped: {} };
  const add = (key, label, results) => {
    const m = (f) => C.median(results.map(f));
    out.variants[key] = {
      label,
      runs: results,
      summary: {
        runs: results.length,
        count: m((r) => r.count),
        pps: m((r) => r.pps),
        arrived: m((r) => r.arrived),
        failed: m((r) => r.failed),
        cpuPerMillion: m((r) => r.cpuPerMillion),
      },
    };
    log(`  ${key}: ${results.map((r) => Math.round(r.pps)).join(', ')} pps`);
  };
  for (const window of [1024, 64]) {
    const rs = [];
    for (let i = 0; i < runs; i++) rs.push(await inChild(['ewpcap', count, window]));
    add(`ewpcap-w${window}`, `ewpcap write(), ${window} in flight`, rs);
  }
  {
    const rs = [];
    for (let i = 0; i < runs; i++) rs.push(await inChild(['ewpcap', Math.round(count / 10), 1]));
    add('ewpcap-w1', 'ewpcap await write() one at a time', rs);
  }
  const np = C.nodePcap();
  if (np.error) out.skipped['node_pcap'] = `node_pcap not available: ${np.error}`;
  else {
    const rs = [];
    for (let i = 0; i < runs; i++) rs.push(await inChild(['node_pcap', count]));
    add('node_pcap', 'node_pcap session.inject() (synchronous, main thread)', rs);
  }
  if (C.tool('tcpreplay', ['-V']) === null)
    out.skipped.tcpreplay = 'tcpreplay is not installed (apt-get install tcpreplay)';
  else {
    const rs = [];
    for (let i = 0; i < runs; i++) {
      const r = tcpreplay(count);
      if (r.error) {
        out.skipped.tcpreplay = r.error;
        break;
      }
      rs.push(r);
    }
    if (rs.length) add('tcpreplay', 'tcpreplay --topspeed --preload-pcap', rs);
  }
  {
    const rs = [];
    for (let i = 0; i < runs; i++) {
      const g = await C.startGen({ count: count * 5 }).done;
      rs.push({ count: g.sent, pps: g.pps, arrived: g.veth1.rx_packets, failed: 0 });
    }
    add('gen', 'C sendmmsg generator (bench/gen.c), top speed, no capture', rs);
  }
  return out;
}

module.exports = { injectAll, writePcap };

if (require.main === module) {
  C.inNamespace();
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    C.childGuard();
    const [what, count, window] = [argv[1], Number(argv[2]), Number(argv[3])];
    const run = what === 'ewpcap' ? childEwpcap(count, window) : childNodePcap(count);
    run.then(() => setTimeout(() => process.exit(0), 20));
  } else {
    const arg = (n, d) => (argv.includes(n) ? Number(argv[argv.indexOf(n) + 1]) : d);
    injectAll({ runs: arg('--runs', 3), count: arg('--count', 200_000), log: (s) => console.error(s) })
      .then((o) => {
        for (const [k, v] of Object.entries(o.variants)) console.log(k, JSON.stringify(v.summary));
        for (const [k, v] of Object.entries(o.skipped)) console.log(k, 'skipped:', v);
      })
      .catch((e) => {
        console.error(e);
        process.exit(1);
      });
  }
}
