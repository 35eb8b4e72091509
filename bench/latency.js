'use strict';
/*
 * Send-to-handler latency at a steady 1,000 packets/s.
 *
 *   node scripts/netns.js node bench/latency.js [--runs 3] [--seconds 3]
 *
 * Variants (each run in a fresh process, forked with the variant's name):
 *   write->packet   one process: socket.write() on veth0 (an ewpcap socket
 *                   whose filter matches nothing), capture on veth1 with a
 *                   'packet' listener, immediate mode. Each frame carries
 *                   process.hrtime.bigint() taken just before write(); the
 *                   handler subtracts it. Also split at the kernel's capture
 *                   timestamp (packet.time, microseconds of CLOCK_REALTIME):
 *                   write() -> kernel, and kernel -> handler.
 *   gen->packet     the C generator (-T) stamps CLOCK_MONOTONIC (the clock of
 *                   process.hrtime) right before sendmmsg: capture latency
 *                   alone, without the write() path.
 *   gen->packet t1  as gen->packet with timeout: 1 (ms) instead of immediate
 *                   (libpcap's TPACKET_V3 block mode), for comparison.
 *   gen->node_pcap  node_pcap in immediate mode (buffer_timeout: 0).
 */
const { performance } = require('node:perf_hooks');
const C = require('./common');

const RATE = 1000;
const FILTER = `ether proto 0x${C.ETHERTYPE.toString(16)}`;
const NOTHING = 'ether proto 0x0101'; // matches nothing we send

const VARIANTS = {
  'write->packet': {
    label: "ewpcap write() on veth0 -> 'packet' on veth1 (immediate)",
    source: 'write',
    capture: 'ewpcap',
    open: {},
  },
  'gen->packet': { label: "C sender -> ewpcap 'packet' (immediate)", source: 'gen', capture: 'ewpcap', open: {} },
  'gen->packet-mbif1': {
    label: "C sender -> ewpcap 'packet' (immediate), maxBatchesInFlight: 1",
    source: 'gen',
    capture: 'ewpcap',
    open: { maxBatchesInFlight: 1 },
  },
  'gen->packet-t1': {
    label: "C sender -> ewpcap 'packet', timeout: 1 ms",
    source: 'gen',
    capture: 'ewpcap',
    open: { timeout: 1 },
  },
  'gen->node_pcap': { label: 'C sender -> node_pcap (immediate)', source: 'gen', capture: 'node_pcap' },
};

function summary(values) {
  return {
    n: values.length,
    p50: C.percentile(values, 50),
    p90: C.percentile(values, 90),
    p99: C.percentile(values, 99),
    max: values.length ? Math.max(...values) : NaN,
    over1msPct: values.length ? (100 * values.filter((x) => x >= 1000).length) / values.length : NaN,
  };
}

/** The child: one variant, one run. Reports latencies in microseconds. */
async function child(name, seconds) {
  C.childGuard();
  const v = VARIANTS[name];
  const lat = [];
  const toKernel = [];
  const fromKernel = [];
  let received = 0;
  let warm = 0;
  const WARMUP = 100;
  // CLOCK_REALTIME in microseconds for a CLOCK_MONOTONIC instant, for the
  // split at the kernel's capture timestamp (packet.time is realtime). Node's
  // timeOrigin pairs the two clocks once, to the microsecond.
  const offsetUs = (performance.timeOrigin + performance.now()) * 1000 - Number(process.hrtime.bigint()) / 1000;
  const realtimeUs = (mono) => Number(mono) / 1000 + offsetUs;
  const onFrame = (data, captureTimeUs) => {
    const now = process.hrtime.bigint();
    if (data.length < 38 || data.readUInt16BE(12) !== C.ETHERTYPE) return;
    const sent = data.readBigUInt64LE(30);
    if (warm < WARMUP) {
      warm++;
      return;
    }
    received++;
    lat.push(Number(now - sent) / 1000);
    if (captureTimeUs !== undefined) {
      const sentRealUs = realtimeUs(sent);
      toKernel.push(captureTimeUs - sentRealUs);
      fromKernel.push(realtimeUs(now) - captureTimeUs);
    }
  };

  let closeCapture;
  if (v.capture === 'ewpcap') {
    const { open } = C.ewpcap();
    const cap = await open(C.DEV1, { filter: FILTER, timeUnit: 'microsecond', ...v.open });
    cap.on('packet', (p) => onFrame(p.data, v.source === 'write' ? p.time : undefined));
    closeCapture = () => cap.close();
  } else {
    const np = C.nodePcap();
    if (np.error) throw new Error(`node_pcap not available: ${np.error}`);
    const session = np.pcap.createSession(C.DEV1, { filter: FILTER, buffer_timeout: 0, buffer_size: 8 << 20 });
    session.on('packet', (p) => onFrame(p.buf.subarray(0, p.header.readUInt32LE(8))));
    closeCapture = () => session.close();
  }

  const total = WARMUP + seconds * RATE;
  let sent = 0;
  let lost = 0;
  if (v.source === 'write') {
    const { open } = C.ewpcap();
    const tx = await open(C.DEV0, { filter: NOTHING });
    const base = C.frame();
    const start = process.hrtime.bigint();
    await new Promise((resolve) => {
      const tick = () => {
        // Send what is due at RATE since the start (setInterval jitters; the count does not).
        const due = Math.min(total, Math.floor((Number(process.hrtime.bigint() - start) / 1e9) * RATE) + 1);
        while (sent < due) {
          const f = Buffer.from(base);
          f.writeBigUInt64LE(BigInt(sent), 22);
          f.writeBigUInt64LE(process.hrtime.bigint(), 30);
          tx.write(f).catch(() => lost++);
          sent++;
        }
        if (sent >= total) {
          clearInterval(timer);
          resolve();
        }
      };
      const timer = setInterval(tick, 1);
    });
    await C.sleep(100);
    await tx.close();
  } else {
    const r = await C.startGen({ count: total, rate: RATE, stamp: true, burst: 1 }).done;
    sent = r.sent;
    await C.sleep(100);
  }
  await closeCapture();
  process.send({
    type: 'result',
    name,
    sent: sent - WARMUP,
    received,
    writeErrors: lost,
    latencyUs: summary(lat),
    toKernelUs: toKernel.length ? summary(toKernel) : undefined,
    fromKernelUs: fromKernel.length ? summary(fromKernel) : undefined,
  });
  setTimeout(() => process.exit(0), 20);
}

async function latencyAll({ runs = 3, seconds = 3, names = Object.keys(VARIANTS), log = () => {} } = {}) {
  const np = C.nodePcap();
  const out = { rate: RATE, seconds, variants: {}, skipped: {} };
  for (const name of names) {
    if (VARIANTS[name].capture === 'node_pcap' && np.error) {
      out.skipped[name] = `node_pcap not available: ${np.error}`;
      continue;
    }
    const results = [];
    for (let i = 0; i < runs; i++) {
      const c = C.forkChild(__filename, ['--child', name, String(seconds)]);
      const r = await c.wait('result', 60_000 + seconds * 2000);
      await c.exited();
      results.push(r);
      log(
        `  ${name} run ${i + 1}: ${r.received}/${r.sent} received, p50 ${r.latencyUs.p50.toFixed(0)} us, p99 ${r.latencyUs.p99.toFixed(0)} us, max ${r.latencyUs.max.toFixed(0)} us`,
      );
    }
    const m = (f) => C.median(results.map(f));
    out.variants[name] = {
      label: VARIANTS[name].label,
      runs: results,
      summary: {
        runs: results.length,
        sent: m((r) => r.sent),
        received: m((r) => r.received),
        p50: m((r) => r.latencyUs.p50),
        p90: m((r) => r.latencyUs.p90),
        p99: m((r) => r.latencyUs.p99),
        max: m((r) => r.latencyUs.max),
        over1msPct: m((r) => r.latencyUs.over1msPct),
        toKernelP50: m((r) => r.toKernelUs?.p50),
        toKernelP99: m((r) => r.toKernelUs?.p99),
        fromKernelP50: m((r) => r.fromKernelUs?.p50),
        fromKernelP99: m((r) => r.fromKernelUs?.p99),
      },
    };
  }
  return out;
}

module.exports = { latencyAll, VARIANTS };

if (require.main === module) {
  C.inNamespace();
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    child(argv[1], Number(argv[2]));
  } else {
    const arg = (n, d) => (argv.includes(n) ? argv[argv.indexOf(n) + 1] : d);
    latencyAll({ runs: Number(arg('--runs', 3)), seconds: Number(arg('--seconds', 3)), log: (s) => console.error(s) })
      .then((o) => {
        for (const [k, v] of Object.entries(o.variants)) console.log(k, JSON.stringify(v.summary));
      })
      .catch((e) => {
        console.error(e);
        process.exit(1);
      });
  }
}
