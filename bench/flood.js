'use strict';
/*
 * Flood benchmark: the C generator (bench/gen.c) sends 60-byte frames on
 * veth0 as fast as it can (or paced); each capturer captures on veth1, one
 * at a time, each in a fresh process.
 *
 *   node scripts/netns.js node bench/flood.js [--runs 3] [--count 2000000]
 *        [--rate pps] [--configs name,name] [--json FILE]
 *
 * --rate paces the generator (0: its full rate). Capturers (CONFIGS below):
 * ewpcap with the 'batch' API and with 'packet' events, tcpdump -w
 * /dev/null, node_pcap (npm `pcap`), and a control that captures nothing.
 * EWPCAP_BENCH_LIB=<built tree> measures another build (bench/ab.js).
 */
const path = require('node:path');
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const C = require('./common');

const BUFFER = 8 << 20;
/** The burst of target 1: 2,000,000 frames at 200,000 frames/s. */
const BURST = { count: 2_000_000, rate: 200_000 };
/** The flood of target 2: 2,000,000 frames at the generator's full rate. */
const FLOOD = { count: 2_000_000 };

/**
 * The capturer configurations. `buffer: null` leaves the capturer's own
 * default; otherwise BUFFER (tcpdump's rows take the buffer they name).
 */
const CONFIGS = [
  // Target 1: what a user gets with the defaults, and the peers'.
  {
    key: 'ewpcap-defaults',
    label: "ewpcap, open() defaults, 'packet' listener",
    peer: 'ewpcap-packet',
    buffer: null,
    options: {},
  },
  {
    key: 'tcpdump-immediate-same',
    label: 'tcpdump --immediate-mode -w /dev/null, -B the same as ewpcap’s default',
    tcpdump: { immediate: true },
    buffer: 'ewpcap-default',
  },
  {
    key: 'node_pcap-defaults',
    label: 'node_pcap, createSession() defaults (1 s timeout, 10 MiB), counting',
    peer: 'node_pcap',
    buffer: null,
    // Its last, partly filled block arrives only when the 1 s timeout expires.
    options: { nodePcap: {}, settleMs: 1300 },
  },
  // Target 2: timeout: 10, against node_pcap's defaults and the control.
  {
    key: 'ewpcap-batch-t10',
    label: "ewpcap 'batch', timeout: 10",
    peer: 'ewpcap-batch',
    buffer: null,
    options: { open: { timeout: 10 } },
  },
  {
    key: 'ewpcap-packet-t10',
    label: "ewpcap 'packet', timeout: 10",
    peer: 'ewpcap-packet',
    buffer: null,
    options: { open: { timeout: 10 } },
  },
  {
    // A Node process that captures nothing, measured over the same window
    // (first frame on veth1 to the end of the flood): this machine's floor.
    key: 'none',
    label: "no capture (control: a Node process polling veth1's counter every 5 ms)",
    peer: 'none',
    control: true,
    options: {},
  },
  // By hand (--configs): the same listeners with the defaults, and tcpdump.
  { key: 'ewpcap-batch', label: "ewpcap 'batch', defaults", peer: 'ewpcap-batch', buffer: null, options: {} },
  {
    key: 'tcpdump',
    label: 'tcpdump -w /dev/null (its default: 1 s timeout)',
    tcpdump: { immediate: false },
  },
];

/** The kernel buffer ewpcap's open() uses by default (immediate mode). */
function ewpcapDefaultBuffer() {
  return C.ewpcapOptions().IMMEDIATE_BUFFER ?? C.ewpcap().DEFAULTS.buffer;
}

/** One capture run of a Node peer against one generator run. */
async function runNodePeer(config, gen, { execArgv = [], idleMs } = {}) {
  // config.buffer: null leaves the peer's own default; undefined is BUFFER.
  const options = { buffer: config.buffer === undefined ? BUFFER : config.buffer, ...config.options };
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
  const buffer = config.buffer === 'ewpcap-default' ? ewpcapDefaultBuffer() : (config.buffer ?? BUFFER);
  const args = ['-i', C.DEV1, '-w', '/dev/null', '-B', String(buffer / 1024), '-s', '65535', '-n'];
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
    dropMin: Math.min(...runs.map((r) => r.stats.drop)),
    dropMax: Math.max(...runs.map((r) => r.stats.drop)),
    cpuPerMillionMin: Math.min(...runs.map(perMillion)),
    cpuPerMillionMax: Math.max(...runs.map(perMillion)),
    eldP99Min: Math.min(...runs.map((r) => r.eld?.p99 ?? NaN)),
    eldP99Max: Math.max(...runs.map((r) => r.eld?.p99 ?? NaN)),
    zeroDropRuns: runs.filter(zeroDrop).length,
  };
}

/**
 * Every configuration of `keys` against the same generator settings, `runs`
 * rounds, round-robin (each round runs every configuration once, each in a
 * fresh process), so that a change in the machine's load during the part
 * falls on every row alike.
 */
async function floodAll({ runs = 3, gen = FLOOD, keys, log = () => {} } = {}) {
  const np = C.nodePcap();
  const out = { gen, configs: {}, skipped: {} };
  const configs = CONFIGS.filter((c) => !keys || keys.includes(c.key)).filter((c) => {
    if (c.peer === 'node_pcap' && np.error) out.skipped[c.key] = `node_pcap not available: ${np.error}`;
    return !(c.peer === 'node_pcap' && np.error);
  });
  const results = Object.fromEntries(configs.map((c) => [c.key, []]));
  for (let i = 0; i < runs; i++) {
    for (const config of configs) {
      const r = await runOnce(config, gen);
      results[config.key].push(r);
      log(
        `  ${config.key} run ${i + 1}: offered ${Math.round(r.gen.pps)} pps, captured ${r.captured}/${r.expected}, drop ${r.stats.drop}, ` +
          `cpu ${perMillion(r).toFixed(3)} s/Mpkt` +
          (r.eld ? `, eld p99 ${r.eld.p99.toFixed(3)} max ${r.eld.max.toFixed(3)} ms` : ''),
      );
    }
  }
  for (const config of configs) {
    out.configs[config.key] = {
      label: config.label,
      ...(config.control ? { control: true } : {}),
      ...(config.tcpdump ? { args: results[config.key][0]?.options.args } : {}),
      summary: summarize(results[config.key]),
      runs: results[config.key],
    };
  }
  return out;
}

module.exports = {
  CONFIGS,
  BUFFER,
  BURST,
  FLOOD,
  runOnce,
  runNodePeer,
  runTcpdump,
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
    const gen = { count: Number(arg('--count', 2_000_000)), rate: Number(arg('--rate', 0)) };
    const result = await floodAll({ runs: Number(arg('--runs', 3)), gen, keys, log: (s) => console.error(s) });
    for (const [k, v] of Object.entries(result.configs)) console.log(k, JSON.stringify(v.summary));
    if (arg('--json')) fs.writeFileSync(arg('--json'), JSON.stringify(result, null, 2));
  })().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
