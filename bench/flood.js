'use strict';
/*
 * Flood benchmark: the C generator (bench/gen.c) sends 60-byte frames on
 * veth0 as fast as it can (or paced); each capturer captures on veth1, one
 * at a time, each in a fresh process.
 *
 *   node scripts/netns.js node bench/flood.js [--runs 3] [--count 2000000]
 *        [--configs name,name] [--zero-drop] [--json FILE]
 *
 * --zero-drop then finds, for the ewpcap configurations, the highest paced
 * rate captured with zero kernel drops (zeroDropSearch).
 *
 * Capturers (CONFIGS below): ewpcap with the 'batch' API and with 'packet'
 * events, tcpdump -w /dev/null, node_pcap (npm `pcap`), all with the same
 * 8 MiB kernel buffer.
 */
const path = require('node:path');
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const C = require('./common');

const BUFFER = 8 << 20;

/** The capturer configurations, in table order. */
const CONFIGS = [
  {
    key: 'ewpcap-batch',
    label: "ewpcap 'batch' (defaults: immediate, snaplen 65535)",
    peer: 'ewpcap-batch',
    options: {},
  },
  {
    key: 'ewpcap-packet',
    label: "ewpcap 'packet' (defaults)",
    peer: 'ewpcap-packet',
    options: {},
  },
  {
    // Same immediate mode with a snaplen that fits the veth MTU: libpcap's
    // TPACKET_V2 slots are sized from the snaplen, so the same 8 MiB ring
    // holds ~3,500 slots instead of 128.
    key: 'ewpcap-batch-s2k',
    label: "ewpcap 'batch', immediate, snaplen: 2048",
    peer: 'ewpcap-batch',
    options: { open: { snaplen: 2048 } },
  },
  {
    key: 'ewpcap-batch-t10',
    label: "ewpcap 'batch', timeout: 10 (ms)",
    peer: 'ewpcap-batch',
    options: { open: { timeout: 10 } },
  },
  {
    // The same, with the handler releasing each batch (PacketBatch.release()):
    // no fresh memory per batch once the first few have come back.
    key: 'ewpcap-batch-t10-release',
    label: "ewpcap 'batch' + release(), timeout: 10 (ms)",
    peer: 'ewpcap-batch',
    options: { open: { timeout: 10 }, release: true },
  },
  {
    key: 'ewpcap-packet-t10',
    label: "ewpcap 'packet', timeout: 10 (ms)",
    peer: 'ewpcap-packet',
    options: { open: { timeout: 10 } },
  },
  // The same, in a process that has already captured one flood: the JIT has
  // compiled the delivery code (of both threads), as in a capture that has
  // run for a while. A fresh process's first flood (the rows above) also
  // pays V8's compiler threads, which take CPU from the main thread.
  {
    key: 'ewpcap-batch-t10-warm',
    label: "ewpcap 'batch', timeout: 10 (ms), second flood of a process",
    peer: 'ewpcap-batch',
    options: { open: { timeout: 10 }, floods: 2 },
  },
  {
    key: 'ewpcap-packet-t10-warm',
    label: "ewpcap 'packet', timeout: 10 (ms), second flood of a process",
    peer: 'ewpcap-packet',
    options: { open: { timeout: 10 }, floods: 2 },
  },
  // A fresh process that called prewarm() before opening: the delivery code
  // was compiled on a few thousand generated packets first.
  {
    key: 'ewpcap-batch-t10-prewarm',
    label: "ewpcap 'batch', timeout: 10 (ms), after prewarm()",
    peer: 'ewpcap-batch',
    options: { open: { timeout: 10 }, prewarm: true },
  },
  {
    key: 'ewpcap-packet-t10-prewarm',
    label: "ewpcap 'packet', timeout: 10 (ms), after prewarm()",
    peer: 'ewpcap-packet',
    options: { open: { timeout: 10 }, prewarm: true },
  },
  {
    key: 'tcpdump',
    label: 'tcpdump -w /dev/null -B 8192 (its default: 1 s timeout)',
    tcpdump: { immediate: false },
  },
  {
    key: 'tcpdump-immediate',
    label: 'tcpdump -w /dev/null -B 8192 --immediate-mode',
    tcpdump: { immediate: true },
  },
  {
    key: 'node_pcap-immediate',
    label: 'node_pcap, immediate (buffer_timeout: 0)',
    peer: 'node_pcap',
    options: { nodePcap: { buffer_timeout: 0 } },
  },
  {
    key: 'node_pcap',
    label: 'node_pcap (its default: 1 s timeout)',
    peer: 'node_pcap',
    // Its last, partly filled block arrives only when the 1 s timeout expires.
    options: { nodePcap: {}, settleMs: 1300 },
  },
  // The control: a Node process that captures nothing, measured over the
  // same window (first frame on veth1 to the end of the flood). Its event-loop
  // figures are this machine's floor during a flood.
  {
    key: 'none',
    label: "no capture (control: a Node process polling veth1's counter every 5 ms)",
    peer: 'none',
    control: true,
    options: {},
  },
  {
    key: 'node_pcap-warm',
    label: 'node_pcap (its default: 1 s timeout), second flood of a process',
    peer: 'node_pcap',
    options: { nodePcap: {}, settleMs: 1300, floods: 2 },
  },
];

/** One capture run of a Node peer against one generator run. */
async function runNodePeer(config, gen, { execArgv = [], idleMs } = {}) {
  const options = { buffer: BUFFER, ...config.options };
  if (idleMs !== undefined) options.idleMs = idleMs;
  const c = C.forkChild(path.join(__dirname, 'flood-capture.js'), [config.peer, JSON.stringify(options)], { execArgv });
  // With options.floods > 1 the capturer measures that many floods in one
  // process; the last one is the result (the first ones warm it up).
  let result;
  for (let i = 0; i < (options.floods ?? 1); i++) {
    await c.wait('ready', 30_000);
    const g = await C.startGen(gen).done;
    c.send({ type: 'stop', expected: g.veth1.rx_packets });
    result = { ...(await c.wait('result', 120_000)), key: config.key, gen: g };
  }
  await c.exited();
  return result;
}

/** One tcpdump run against one generator run; figures from /proc and its own summary. */
async function runTcpdump(config, gen) {
  const args = ['-i', C.DEV1, '-w', '/dev/null', '-B', String(BUFFER / 1024), '-s', '65535', '-n'];
  if (config.tcpdump.immediate) args.push('--immediate-mode');
  const child = spawn('tcpdump', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const exited = new Promise((resolve) => child.on('close', resolve));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), 10_000);
    child.stderr.on('data', (d) => {
      err += d;
      if (/listening on/.test(err)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('error', reject);
  });
  const cpu0 = C.procCpu(child.pid);
  const t0 = process.hrtime.bigint();
  const g = await C.startGen(gen).done;
  // Let it finish: CPU no longer moving for 300 ms, and past its 1 s
  // packet-buffer timeout in the default (non-immediate) mode.
  const floor = Date.now() + (config.tcpdump.immediate ? 0 : 1100);
  let last = -1;
  let stillSince = Date.now();
  for (;;) {
    const cpu = C.procCpu(child.pid);
    if (cpu !== last) {
      last = cpu;
      stillSince = Date.now();
    }
    if (Date.now() - stillSince >= 300 && Date.now() >= floor) break;
    await C.sleep(20);
  }
  const cpuSeconds = C.procCpu(child.pid) - cpu0;
  const maxRssKiB = C.procHwmKiB(child.pid);
  const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  child.kill('SIGINT');
  await exited;
  const num = (re) => {
    const m = re.exec(err);
    return m ? Number(m[1]) : NaN;
  };
  const captured = num(/(\d+) packets? captured/);
  return {
    key: config.key,
    peer: 'tcpdump',
    options: { args: args.join(' ') },
    captured,
    expected: g.veth1.rx_packets,
    stats: {
      recv: num(/(\d+) packets? received by filter/),
      drop: num(/(\d+) packets? dropped by kernel/),
      ifdrop: NaN,
    },
    cpuSeconds,
    wallSeconds,
    maxRssKiB,
    gen: g,
  };
}

function runOnce(config, gen, extra) {
  return config.tcpdump ? runTcpdump(config, gen) : runNodePeer(config, gen, extra);
}

const perMillion = (r) => (r.captured > 0 ? r.cpuSeconds / (r.captured / 1e6) : NaN);
const zeroDrop = (r) => r.stats.drop === 0 && r.captured >= r.expected;

/**
 * The highest paced rate at which a configuration captured everything with
 * zero kernel drops: step up a ladder of rates (1.5 s of traffic each, at
 * least 200,000 frames) until the first loss, then bisect 3 times.
 */
async function zeroDropSearch(config, { log = () => {}, top } = {}) {
  const ladder = [25_000, 50_000, 100_000, 200_000, 300_000, 400_000, 600_000, 800_000, 1_200_000];
  const steps = [];
  const trial = async (rate) => {
    const count = Math.max(200_000, Math.round(rate * 1.5));
    const r = await runOnce(config, { count, rate }, { idleMs: 100 });
    const ok = zeroDrop(r);
    steps.push({ rate, offered: r.gen.pps, count, captured: r.captured, drop: r.stats.drop, ok });
    log(
      `  ${config.key} @ ${rate} pps (offered ${Math.round(r.gen.pps)}): captured ${r.captured}/${r.expected}, drop ${r.stats.drop} -> ${ok ? 'ok' : 'LOSS'}`,
    );
    return ok;
  };
  let good = 0;
  let bad = 0;
  for (const rate of ladder) {
    if (top && rate >= top) break;
    if (await trial(rate)) good = rate;
    else {
      bad = rate;
      break;
    }
  }
  if (!bad && top) {
    // Everything on the ladder passed: try the generator's top speed.
    const r = await runOnce(config, { count: 2_000_000 }, { idleMs: 100 });
    const ok = zeroDrop(r);
    steps.push({ rate: 'top', offered: r.gen.pps, count: 2_000_000, captured: r.captured, drop: r.stats.drop, ok });
    log(
      `  ${config.key} @ top speed (offered ${Math.round(r.gen.pps)}): drop ${r.stats.drop} -> ${ok ? 'ok' : 'LOSS'}`,
    );
    if (ok) return { maxZeroDropPps: Math.round(r.gen.pps), atTopSpeed: true, steps };
    bad = Math.round(r.gen.pps);
  }
  for (let i = 0; i < 3 && bad && bad - good > 10_000; i++) {
    const mid = Math.round((good + bad) / 2 / 5000) * 5000;
    if (await trial(mid)) good = mid;
    else bad = mid;
  }
  return { maxZeroDropPps: good, firstLossPps: bad, atTopSpeed: false, steps };
}

/** The configurations whose zero-drop rate is searched: ewpcap's, and node_pcap immediate for reference. */
const ZERO_DROP_KEYS = [
  'ewpcap-batch',
  'ewpcap-packet',
  'ewpcap-batch-s2k',
  'ewpcap-batch-t10',
  'ewpcap-packet-t10',
  'node_pcap-immediate',
];

/**
 * Zero-drop rates for `keys`, after floodAll(): a configuration that lost
 * nothing in every full-rate run needs no search (its answer is the
 * generator's full rate, as offered in those runs).
 */
async function zeroDropAll(result, { keys = ZERO_DROP_KEYS, log = () => {} } = {}) {
  const out = {};
  for (const key of keys) {
    const config = CONFIGS.find((c) => c.key === key);
    const done = result.configs[key];
    if (!config || !done) continue;
    if (done.summary.zeroDropRuns === done.summary.runs) {
      const offered = Math.min(...done.runs.map((r) => r.gen.pps));
      out[key] = {
        maxZeroDropPps: Math.round(offered),
        atTopSpeed: true,
        steps: [],
        note: `no drops in any of the ${done.summary.runs} full-rate runs`,
      };
      log(`  ${key}: zero drops at full rate in every run (>= ${Math.round(offered)} pps)`);
      continue;
    }
    out[key] = await zeroDropSearch(config, { top: done.summary.offeredPps, log });
  }
  return out;
}

function summarize(runs) {
  const m = (f) => C.median(runs.map(f));
  return {
    runs: runs.length,
    offeredPps: m((r) => r.gen.pps),
    sent: m((r) => r.gen.sent),
    received: m((r) => r.expected),
    captured: m((r) => r.captured),
    drop: m((r) => r.stats.drop),
    cpuPerMillion: m(perMillion),
    mainThreadCpuPerMillion: m((r) =>
      r.mainThreadCpu !== undefined && r.captured > 0 ? r.mainThreadCpu / (r.captured / 1e6) : NaN,
    ),
    eldP50: m((r) => r.eld?.p50),
    eldP99: m((r) => r.eld?.p99),
    eldMax: m((r) => r.eld?.max),
    eldMaxWorst: Math.max(...runs.map((r) => r.eld?.max ?? NaN)),
    idleEldP99: m((r) => r.idleEld?.p99),
    idleEldMax: m((r) => r.idleEld?.max),
    maxRssMiB: m((r) => r.maxRssKiB / 1024),
    mainRunqueueWaitMs: m((r) => r.mainRunqueueWaitMs),
    mainRunqueueWaitPct: m((r) =>
      r.mainRunqueueWaitMs !== undefined ? r.mainRunqueueWaitMs / 10 / r.wallSeconds : NaN,
    ),
    captureThreadBusyPct: m((r) => (r.captureThread ? r.captureThread.runMs / 10 / r.wallSeconds : NaN)),
    captureThreadRunqueueWaitPct: m((r) => (r.captureThread ? r.captureThread.waitMs / 10 / r.wallSeconds : NaN)),
    longestRunPackets: Math.max(...runs.map((r) => r.longestRun?.packets ?? NaN)),
    longestRunMs: Math.max(...runs.map((r) => r.longestRun?.ms ?? NaN)),
    batches: m((r) => r.batches),
    catchUpMs: m((r) => r.catchUpMs),
    zeroDropRuns: runs.filter(zeroDrop).length,
  };
}

async function floodAll({ runs = 3, count = 2_000_000, keys, log = () => {} } = {}) {
  const np = C.nodePcap();
  const out = { configs: {}, skipped: {} };
  for (const config of CONFIGS) {
    if (keys && !keys.includes(config.key)) continue;
    if (config.peer === 'node_pcap' && np.error) {
      out.skipped[config.key] = `node_pcap not available: ${np.error}`;
      continue;
    }
    const results = [];
    for (let i = 0; i < runs; i++) {
      const r = await runOnce(config, { count });
      results.push(r);
      log(
        `  ${config.key} run ${i + 1}: offered ${Math.round(r.gen.pps)} pps, captured ${r.captured}/${r.expected}, drop ${r.stats.drop}, ` +
          `cpu ${perMillion(r).toFixed(3)} s/Mpkt` +
          (r.eld ? `, eld p99 ${r.eld.p99.toFixed(3)} max ${r.eld.max.toFixed(3)} ms` : ''),
      );
    }
    out.configs[config.key] = {
      label: config.label,
      ...(config.control ? { control: true } : {}),
      summary: summarize(results),
      runs: results,
    };
  }
  return out;
}

module.exports = {
  CONFIGS,
  BUFFER,
  ZERO_DROP_KEYS,
  runOnce,
  runNodePeer,
  runTcpdump,
  zeroDropSearch,
  zeroDropAll,
  floodAll,
  summarize,
  perMillion,
  zeroDrop,
};

if (require.main === module) {
  C.inNamespace();
  const argv = process.argv.slice(2);
  const arg = (name, dflt) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : dflt;
  };
  (async () => {
    const keys = arg('--configs') ? arg('--configs').split(',') : undefined;
    const result = await floodAll({
      runs: Number(arg('--runs', 3)),
      count: Number(arg('--count', 2_000_000)),
      keys,
      log: (s) => console.error(s),
    });
    if (argv.includes('--zero-drop')) {
      result.zeroDrop = await zeroDropAll(result, { log: (s) => console.error(s) });
      for (const [k, v] of Object.entries(result.zeroDrop))
        console.log(k, 'max zero-drop pps', v.maxZeroDropPps, v.atTopSpeed ? '(full rate)' : '');
    }
    for (const [k, v] of Object.entries(result.configs)) console.log(k, JSON.stringify(v.summary));
    if (arg('--json')) fs.writeFileSync(arg('--json'), JSON.stringify(result, null, 2));
  })().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
