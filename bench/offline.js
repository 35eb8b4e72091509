#!/usr/bin/env node
/*
 * Offline read benchmark (issues 4 and 6): a generated 1,000,000-packet
 * pcap file of 60-byte UDP frames, read through
 *   - ewpcap 'packet' events (a Buffer the handler may keep),
 *   - ewpcap async iteration,
 *   - ewpcap 'batch' events (nothing allocated per packet), and the same
 *     handler calling batch.release(),
 *   - node_pcap createOfflineSession (if bench/peers has it built), counting
 *     only (its buffer is reused) and keeping a copy of each packet,
 *   - tcpdump -r FILE -w /dev/null,
 * each in a fresh process, the main thread's event-loop delay measured with
 * monitorEventLoopDelay({ resolution: 1 }) for the Node readers.
 *
 *   node bench/offline.js [--runs 5] [--packets 1000000] [--out bench/OFFLINE.md]
 *   node bench/offline.js --render   (re-append bench/OFFLINE-ANALYSIS.md after editing it)
 *
 * Start-up is accounted the same way for every reader: each also reads a
 * 1-packet file of the same kind, in as many fresh processes, and the read
 * phase is the median time for the big file minus the median for the
 * 1-packet file. For tcpdump both are whole runs (process start, libpcap's
 * open); for the Node readers both run from the open call to the last packet
 * (ewpcap: a pool thread's start and the file's open on it; node_pcap: its
 * synchronous open). The whole-process time is shown beside it.
 *
 * A second table gives the steady state: each Node reader in a process that
 * has already read the big file WARM_UP times (see runWarmReader()).
 *
 * --mark (with --reader): the reader prints a line "=== MEASURE" just
 * before its measured part, for bench/sched-wait.js --from-mark.
 *
 * Event-loop delay: the histogram records the time between runs of a 1 ms
 * timer, so its values include that 1 ms; it stays enabled until a timer
 * fires after the last packet, so a loop blocked to the end (node_pcap reads
 * the whole file in one call) is recorded too.
 */
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};

function makeFile(file, count) {
  // Classic pcap, microsecond, Ethernet; 60-byte UDP frames 198.18.0.1 -> 198.18.0.2.
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
  const chunkPackets = 10000;
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, header);
  const chunk = Buffer.alloc(chunkPackets * record);
  const t0 = 1_700_000_000;
  for (let base = 0; base < count; base += chunkPackets) {
    const n = Math.min(chunkPackets, count - base);
    for (let i = 0; i < n; i++) {
      const at = i * record;
      const seq = base + i;
      chunk.writeUInt32LE(t0 + Math.floor(seq / 1e6), at);
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

/** 'batch' events, summing wire lengths; `release` hands each batch back when done. */
async function readBatches(file, m, release) {
  const s = await m.openOffline(file);
  let n = 0;
  let bytes = 0;
  s.on('batch', (b) => {
    for (let i = 0; i < b.count; i++) bytes += b.length(i);
    n += b.count;
    if (release) b.release();
  });
  await new Promise((r) => s.once('end', r));
  return { n, bytes };
}

// Each reader runs in its own process: `node bench/offline.js --reader NAME FILE`.
const READERS = {
  async 'ewpcap packet events'(file, m) {
    const s = await m.openOffline(file);
    let n = 0;
    let last;
    s.on('packet', (p) => {
      n++;
      last = p.data; // keepable
    });
    await new Promise((r) => s.once('end', r));
    return { n, check: last && last.readUInt32BE(42) };
  },
  async 'ewpcap async iteration'(file, m) {
    const s = await m.openOffline(file);
    let n = 0;
    for await (const p of s) {
      n++;
      if (p.length !== 60) throw new Error('bad length');
    }
    return { n };
  },
  'ewpcap batch API': (file, m) => readBatches(file, m, false),
  'ewpcap batch API, release()': (file, m) => readBatches(file, m, true),
  async 'node_pcap, counting (reused buffer)'(file) {
    const pcap = require(path.join(__dirname, 'peers', 'node_modules', 'pcap'));
    const session = pcap.createOfflineSession(file, '');
    let n = 0;
    session.on('packet', () => n++);
    await new Promise((r) => session.on('complete', r));
    return { n };
  },
  async 'node_pcap, keeping a copy'(file) {
    const pcap = require(path.join(__dirname, 'peers', 'node_modules', 'pcap'));
    const session = pcap.createOfflineSession(file, '');
    let n = 0;
    let last;
    session.on('packet', (raw) => {
      n++;
      last = Buffer.from(raw.buf.subarray(0, raw.header.readUInt32LE(8)));
    });
    await new Promise((r) => session.on('complete', r));
    return { n, check: last && last.length };
  },
};

// The same readers in a process whose glibc malloc asks for transparent huge
// pages (a user-side setting, not the library's): shows how much of a reader's
// time is page faults on fresh batch memory (see docs/ARCHITECTURE.md).
const HUGETLB = 'glibc.malloc.hugetlb=1';
const VARIANTS = {
  // prewarm() before the clock starts: the open no longer starts a thread,
  // and the delivery code was compiled on 5,000 generated packets.
  'ewpcap packet events, after prewarm()': { reader: 'ewpcap packet events', prewarm: 'all' },
  'ewpcap async iteration, after prewarm()': { reader: 'ewpcap async iteration', prewarm: 'all' },
  'ewpcap batch API, after prewarm()': { reader: 'ewpcap batch API', prewarm: 'all' },
  'ewpcap batch API, release(), after prewarm()': { reader: 'ewpcap batch API, release()', prewarm: 'all' },
  // Threads only: what the warm-up of the code adds.
  'ewpcap packet events, after prewarm(1, { code: false })': { reader: 'ewpcap packet events', prewarm: 'threads' },
  [`ewpcap packet events, GLIBC_TUNABLES=${HUGETLB}`]: {
    reader: 'ewpcap packet events',
    env: { GLIBC_TUNABLES: HUGETLB },
  },
  [`ewpcap batch API, GLIBC_TUNABLES=${HUGETLB}`]: { reader: 'ewpcap batch API', env: { GLIBC_TUNABLES: HUGETLB } },
};

/**
 * The machine's own floor for the event-loop figures: a fresh process that
 * requires ewpcap, then for `ms` either idles or has one worker thread spin
 * (as a capture thread reading a file keeps one CPU busy), measured the same
 * way as the readers.
 */
async function runFloor(kind, ms) {
  const { monitorEventLoopDelay } = require('node:perf_hooks');
  const { Worker } = require('node:worker_threads');
  require(root);
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  if (kind === 'alloc') {
    await allocateLikePacketEvents(Number(opt('packets', 1_000_000)));
    await sleep(2);
    h.disable();
    process.stdout.write(JSON.stringify(delayFigures(h)));
    return;
  }
  const spinner =
    kind === 'busy'
      ? new Worker(`const end = Date.now() + ${ms}; let x = 0; while (Date.now() < end) x++;`, { eval: true })
      : undefined;
  await new Promise((r) => setTimeout(r, ms + 2));
  h.disable();
  await spinner?.terminate();
  process.stdout.write(JSON.stringify(delayFigures(h)));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A delay histogram's figures, in ms (the values include the 1 ms timer). */
function delayFigures(h) {
  return { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
}

/**
 * Enables the event-loop delay histogram and lets its timer run once: the
 * histogram records nothing before its first tick, so a reader that blocks
 * the loop from the start (node_pcap) would otherwise go unrecorded.
 */
async function startDelayHistogram() {
  const { monitorEventLoopDelay } = require('node:perf_hooks');
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await sleep(3);
  return h;
}

/**
 * The slice of the 'alloc' floor: the library's delivery budget
 * (DRAIN_BUDGET_MS in lib/stream.ts), so that the floor does what 'packet'
 * delivery does. It was 1 ms, the budget before; in 8 fresh processes
 * each, p99 4.69 ms with 1 ms slices and 4.03 ms with 0.5 ms.
 */
const ALLOC_SLICE_MS = 0.5;

/**
 * The 'alloc' floor: no library and no file, only the garbage that 'packet'
 * events make per packet (a typed-array view, a packet object and a
 * timestamp object), for as many packets, in slices of ALLOC_SLICE_MS with
 * a turn of the event loop between them, as drain() delivers. In a fresh
 * process this shows what V8 alone costs the loop: its young generation
 * while it grows, and its compiler while this loop is compiled.
 */
async function allocateLikePacketEvents(count) {
  const { performance } = require('node:perf_hooks');
  const memory = new ArrayBuffer(1 << 16);
  let kept;
  for (let n = 0; n < count;) {
    const end = performance.now() + ALLOC_SLICE_MS;
    do {
      for (let k = 0; k < 64 && n < count; k++, n++) {
        const time = { sec: 1_700_000_000 + (n >> 20), usec: n & 0xfffff };
        kept = { datalink: 1, time, length: 60, data: new Uint8Array(memory, (n & 1023) * 64, 60) };
      }
    } while (n < count && performance.now() < end);
    await new Promise((r) => setImmediate(r));
  }
  return kept;
}

async function runReader(name, file) {
  const { performance } = require('node:perf_hooks');
  const m = require(root);
  if (args.includes('--prewarm')) await m.prewarm(1, { code: args[args.indexOf('--prewarm') + 1] !== 'threads' });
  if (args.includes('--warm')) return runWarmReader(name, file, args[args.indexOf('--warm') + 1], m);
  if (args.includes('--mark')) console.log('=== MEASURE');
  const h = await startDelayHistogram();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const result = await READERS[name](file, m);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  // A timer after the last packet, so that a loop blocked until now shows.
  await sleep(2);
  h.disable();
  process.stdout.write(
    JSON.stringify({
      ...result,
      ms,
      cpuMs: (cpu.user + cpu.system) / 1000,
      ...delayFigures(h),
      rss: process.resourceUsage().maxRSS * 1024,
    }),
  );
}

/**
 * Steady state: one process reads the big file WARM_UP times first (thread
 * started, code compiled, heap grown), then WARM_READS times alternately the
 * 1-packet file and the big one. The read phase is the median big read minus
 * the median 1-packet read; one event-loop histogram covers all measured
 * reads (some hundreds of samples, so that p99 is not just the worst one).
 */
// 10, not 2: V8 keeps compiling the delivery code for several reads. With
// --trace-opt, TurboFan compiles that ran during the 3 measured reads
// after 2 / 4 / 6 warm-up reads: 'packet' events 5 / 4 / 1, iteration
// 12 / 9 / 3 (drain(), onMessage(), read(), each 6-17 ms of a helper
// thread), batch API 9 / 6 / 1, release() 10 / 7 / 3 (runLoop() on the
// pool thread 18 ms); after 10, one small one. Each compile competes with
// the main thread for one of two CPUs. The same readers after 2 and after
// 10 warm-up reads (4 interleaved processes each, medians): 'packet' 95 /
// 67 ms, p99 beyond the timer 1.70 / 0.46 ms; iteration 149 / 109 ms,
// 1.16 / 0.63; batch API 82 / 64 ms, 2.15 / 0.42; release() 67 / 51 ms,
// 1.98 / 0.47 (bench/OFFLINE-ANALYSIS.md).
const WARM_UP = 10;
const WARM_READS = 3;
async function runWarmReader(name, big, one, m) {
  const { performance } = require('node:perf_hooks');
  for (let i = 0; i < WARM_UP; i++) await READERS[name](big, m);
  if (args.includes('--mark')) console.log('=== MEASURE');
  const bigMs = [];
  const oneMs = [];
  let result;
  const h = await startDelayHistogram();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < WARM_READS; i++) {
    let t0 = performance.now();
    const small = await READERS[name](one, m);
    oneMs.push(performance.now() - t0);
    if (small.n !== 1) throw new Error(`${name}: read ${small.n} packets of the 1-packet file`);
    t0 = performance.now();
    result = await READERS[name](big, m);
    bigMs.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  await sleep(2);
  h.disable();
  process.stdout.write(
    JSON.stringify({
      ...result,
      ms: median(bigMs),
      oneMs: median(oneMs),
      cpuMs: (cpu.user + cpu.system) / 1000 / WARM_READS,
      ...delayFigures(h),
      samples: h.count,
      rss: process.resourceUsage().maxRSS * 1024,
    }),
  );
}

// The hand-written analysis (bench/OFFLINE-ANALYSIS.md, starting with this
// heading) follows the generated tables, as run.js appends bench/ANALYSIS.md.
const ANALYSIS_HEADING = '## Analysis (hand-written)';
function withAnalysis(tables) {
  const analysis = path.join(__dirname, 'OFFLINE-ANALYSIS.md');
  return fs.existsSync(analysis) ? `${tables}\n${fs.readFileSync(analysis, 'utf8')}` : tables;
}

/** --render: keeps the last run's tables and appends the analysis as it is now. */
function render(out) {
  const text = fs.readFileSync(out, 'utf8');
  const at = text.indexOf(ANALYSIS_HEADING);
  fs.writeFileSync(out, withAnalysis(at >= 0 ? text.slice(0, at).replace(/\n+$/, '\n') : text));
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main() {
  if (args[0] === '--reader') return runReader(args[1], args[2]);
  if (args[0] === '--floor') return runFloor(args[1], Number(args[2]));
  if (args[0] === '--render') return render(opt('out', path.join(__dirname, 'OFFLINE.md')));
  const runs = Number(opt('runs', 5));
  const packets = Number(opt('packets', 1_000_000));
  const out = opt('out', path.join(__dirname, 'OFFLINE.md'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-bench-'));
  const file = path.join(dir, 'udp60.pcap');
  makeFile(file, packets);
  const havePcap = fs.existsSync(path.join(__dirname, 'peers', 'node_modules', 'pcap'));
  const names = [...Object.keys(READERS), ...Object.keys(VARIANTS)].filter(
    (n) => havePcap || !n.startsWith('node_pcap'),
  );
  const empty = path.join(dir, 'one.pcap');
  makeFile(empty, 1);
  const runReaderProcess = (name, f, expected, warm) => {
    const t0 = process.hrtime.bigint();
    const variant = VARIANTS[name];
    const argv = [
      __filename,
      '--reader',
      variant?.reader ?? name,
      f,
      ...(variant?.prewarm ? ['--prewarm', variant.prewarm] : []),
      ...(warm ? ['--warm', empty] : []),
    ];
    const res = spawnSync(process.execPath, argv, {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
      env: { ...process.env, ...variant?.env },
    });
    const total = Number(process.hrtime.bigint() - t0) / 1e6;
    if (res.status !== 0) throw new Error(`${name}: ${res.stderr}`);
    const s = JSON.parse(res.stdout);
    if (s.n !== expected) throw new Error(`${name}: read ${s.n} packets, expected ${expected}`);
    return { ...s, total };
  };
  // Round-robin: every round runs each reader once on each file, tcpdump
  // included, so that load drifting over minutes on a shared machine falls on
  // all of them alike (their ratios are what the targets compare).
  const samples = new Map(names.map((n) => [n, { big: [], one: [] }]));
  const warmNames = Object.keys(READERS).filter((n) => havePcap || !n.startsWith('node_pcap'));
  const warmSamples = new Map(warmNames.map((n) => [n, []]));
  const td = [];
  const tdStart = [];
  const tcpdumpRun = (f) => {
    const t0 = process.hrtime.bigint();
    execFileSync('tcpdump', ['-r', f, '-w', '/dev/null'], { stdio: 'ignore' });
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  for (let r = 0; r < runs; r++) {
    for (const name of names) {
      samples.get(name).big.push(runReaderProcess(name, file, packets));
      samples.get(name).one.push(runReaderProcess(name, empty, 1));
    }
    for (const name of warmNames) warmSamples.get(name).push(runReaderProcess(name, file, packets, true));
    td.push(tcpdumpRun(file));
    tdStart.push(tcpdumpRun(empty));
    process.stderr.write(`round ${r + 1} of ${runs} done\n`);
  }
  // The columns both tables share: medians over the runs, worst p99 and max.
  const shared = (runs) => {
    const pick = (k) => median(runs.map((s) => s[k]));
    return {
      cpuMs: pick('cpuMs'),
      p50: pick('p50'),
      p99: pick('p99'),
      p99Worst: Math.max(...runs.map((s) => s.p99)),
      max: Math.max(...runs.map((s) => s.max)),
      rss: pick('rss'),
    };
  };
  const rows = names.map((name) => {
    const { big, one } = samples.get(name);
    const startMs = median(one.map((s) => s.ms));
    return {
      name,
      readMs: median(big.map((s) => s.ms)) - startMs,
      startMs,
      totalMs: median(big.map((s) => s.total)),
      ...shared(big),
    };
  });
  const warmRows = warmNames.map((name) => {
    const runs = warmSamples.get(name);
    return {
      name,
      readMs: median(runs.map((s) => s.ms - s.oneMs)),
      oneMs: median(runs.map((s) => s.oneMs)),
      samples: median(runs.map((s) => s.samples)),
      ...shared(runs),
    };
  });
  const tcpdumpMs = median(td);
  const tcpdumpStart = median(tdStart);
  const tcpdumpRead = tcpdumpMs - tcpdumpStart;
  fs.rmSync(dir, { recursive: true, force: true });
  const floor = {};
  for (const kind of ['idle', 'busy', 'alloc']) {
    const samples = [];
    for (let r = 0; r < runs; r++) {
      const res = spawnSync(process.execPath, [__filename, '--floor', kind, '200', '--packets', String(packets)], {
        encoding: 'utf8',
      });
      if (res.status !== 0) throw new Error(`floor ${kind}: ${res.stderr}`);
      samples.push(JSON.parse(res.stdout));
    }
    floor[kind] = { p99: median(samples.map((x) => x.p99)), max: Math.max(...samples.map((x) => x.max)) };
  }

  const pps = (ms) => Math.round(packets / (ms / 1000)).toLocaleString('en-US');
  const isCounting = (r) => r.name.startsWith('node_pcap, counting');
  const counting = rows.find(isCounting);
  const warmCounting = warmRows.find(isCounting);
  // The targets of issue 6, as ratios in this run.
  const targetLines = (table, state) => {
    const byName = (n) => table.find((r) => r.name === n);
    const base = table.find(isCounting);
    const packetRows = ['ewpcap packet events', 'ewpcap packet events, after prewarm()'].map(byName).filter(Boolean);
    return [
      ...['ewpcap batch API', 'ewpcap batch API, release()', 'ewpcap batch API, after prewarm()']
        .map(byName)
        .filter(Boolean)
        .map(
          (r) =>
            `${r.name} (${state}): read phase vs tcpdump's: ${(tcpdumpRead / r.readMs).toFixed(2)}x (target 0.8x; above 1 is faster than tcpdump).`,
        ),
      ...(base && packetRows.length > 0
        ? [
            '',
            ...packetRows.map(
              (r) =>
                `${r.name.replace('ewpcap packet events', "ewpcap 'packet' events")} vs node_pcap counting (${state}): ${(base.readMs / r.readMs).toFixed(2)}x (target 1.5x).`,
            ),
          ]
        : []),
    ];
  };
  const lines = [
    `## Offline read: ${packets.toLocaleString('en-US')} packets of 60-byte UDP frames`,
    '',
    `Machine: ${os.cpus().length} x ${os.cpus()[0].model}, ${os.release()}, Node ${process.version}, ${require(root).libVersion()}, ` +
      `${execFileSync('tcpdump', ['--version'], { encoding: 'utf8' }).split('\n')[0]}. Medians of ${runs} rounds; each round runs every reader once (round-robin), each in a fresh process.`,
    '',
    'Reproduce: `npm run build && node bench/offline.js`',
    '',
    '| reader | read phase (ms) | packets/s (read phase) | start-up (ms, 1-packet file) | whole process (ms) | CPU (ms) | event-loop delay p50 / p99 (worst run) / max (ms) | peak RSS (MiB) |' +
      (counting ? ' vs node_pcap counting |' : ''),
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |' + (counting ? ' ---: |' : ''),
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.readMs.toFixed(0)} | ${pps(r.readMs)} | ${r.startMs.toFixed(0)} | ${r.totalMs.toFixed(0)} | ${r.cpuMs.toFixed(0)} | ${r.p50.toFixed(2)} / ${r.p99.toFixed(2)} (${r.p99Worst.toFixed(2)}) / ${r.max.toFixed(2)} | ${(r.rss / 1048576).toFixed(0)} |` +
        (counting ? ` ${(counting.readMs / r.readMs).toFixed(2)}x |` : ''),
    ),
    `| tcpdump -r FILE -w /dev/null | ${tcpdumpRead.toFixed(0)} | ${pps(tcpdumpRead)} | ${tcpdumpStart.toFixed(0)} (whole run) | ${tcpdumpMs.toFixed(0)} | | | |` +
      (counting ? ' |' : ''),
    '',
    `Read phase = median time for the ${packets.toLocaleString('en-US')}-packet file minus the median for a 1-packet file (same reader, fresh processes, in the same rounds). ` +
      'tcpdump: whole runs. Node readers: from the open call to the last packet (for ewpcap that includes starting a pool thread and opening the file on it). ' +
      'Event-loop delay values are the gaps between runs of a 1 ms timer (so they include that 1 ms), p50 and p99 medians over the runs, with the worst run in brackets; max over all runs.',
    '',
    `The machine's floor, measured the same way in fresh processes (the idle and spinning ones over 200 ms; median p99 of ${runs}, worst max): ` +
      `idle ${floor.idle.p99.toFixed(2)} / max ${floor.idle.max.toFixed(2)} ms; ` +
      `with one worker thread spinning (as a reading thread keeps a CPU busy) ${floor.busy.p99.toFixed(2)} / max ${floor.busy.max.toFixed(2)} ms; ` +
      `JavaScript alone allocating what 'packet' events allocate for ${packets.toLocaleString('en-US')} packets (a typed-array view, a packet and a timestamp object each), ` +
      `in ${ALLOC_SLICE_MS} ms slices (the library's delivery budget) with a loop turn between them, no library: ${floor.alloc.p99.toFixed(2)} / max ${floor.alloc.max.toFixed(2)} ms.`,
    '',
    ...targetLines(rows, 'fresh process'),
    '',
    `### Warm process: ${packets.toLocaleString('en-US')} packets, steady state`,
    '',
    `The same readers, each in a fresh process per round that first reads the big file ${WARM_UP} times ` +
      '(pool thread started, libpcap loaded, code compiled, heap grown) and then reads, ' +
      `${WARM_READS} times over, the 1-packet file and the big file. Read phase = median big read minus median 1-packet read ` +
      `(both include the open on the pool's idle thread), median over the ${runs} rounds. ` +
      'A long-running tool that reads many files, or a capture that has run for a while, is in this state; ' +
      'a command that reads one file and exits is in the table above. tcpdump has no warm state: its read phase is the one above. ' +
      `Event-loop delay: one histogram over the ${WARM_READS} measured rounds of reads (the median run has the number of samples shown); ` +
      '"beyond the timer" subtracts the 1 ms period, as tools that report event-loop delay do.',
    '',
    '| reader | read phase (ms) | packets/s (read phase) | 1-packet read (ms) | CPU per big read (ms) | event-loop delay p50 / p99 (worst run) / max (ms) | p99 beyond the timer (ms) | samples | peak RSS (MiB) |' +
      (counting ? ' vs node_pcap counting |' : ''),
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |' + (counting ? ' ---: |' : ''),
    ...warmRows.map(
      (r) =>
        `| ${r.name} | ${r.readMs.toFixed(0)} | ${pps(r.readMs)} | ${r.oneMs.toFixed(1)} | ${r.cpuMs.toFixed(0)} | ${r.p50.toFixed(2)} / ${r.p99.toFixed(2)} (${r.p99Worst.toFixed(2)}) / ${r.max.toFixed(2)} | ${(r.p99 - 1).toFixed(2)} | ${r.samples} | ${(r.rss / 1048576).toFixed(0)} |` +
        (warmCounting ? ` ${(warmCounting.readMs / r.readMs).toFixed(2)}x |` : ''),
    ),
    '',
    ...targetLines(warmRows, 'warm process'),
    '',
  ];
  fs.writeFileSync(out, withAnalysis(lines.join('\n')));
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
