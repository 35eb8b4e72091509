#!/usr/bin/env node
'use strict';
/*
 * Measures the performance targets (docs/PERFORMANCE.md) with every peer and
 * control in the same run, and rewrites bench/RESULTS.md (raw figures:
 * bench/.build/results.json). METHOD.md says how and why.
 *
 *   node bench/run.js [--runs 3] [--quick] [--no-wait] [--only burst,latency,flood,files]
 *   node bench/run.js --render      (RESULTS.md again from results.json)
 *
 *   --runs N     rounds per part (default 3; files: N + 2), each row in fresh processes
 *   --quick      1 round and fewer packets: a smoke test (RESULTS.md says so)
 *   --no-wait    do not wait for a quiet machine
 *   --only a,b   re-measure these parts and keep the others from results.json
 *
 * As root it re-runs itself through scripts/netns.js (veth0 198.18.0.1 <->
 * veth1 198.18.1.1; nothing leaves that namespace). Needs cc and tcpdump;
 * node_pcap is installed into bench/peers/ and built there. Before each part
 * it waits for a 2 s window in which other processes use under 10% of the
 * CPUs (90 s at most at the start, 30 s before a part, 120 s in all), and
 * RESULTS.md reports the foreign load of every part. ~6 minutes on 2 CPUs.
 * A section that another benchmark appended to RESULTS.md (## Decoding ...)
 * is kept at the end.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const C = require('./common');

const argv = process.argv.slice(2);
const has = (f) => argv.includes(f);
const val = (f, d) => (has(f) ? argv[argv.indexOf(f) + 1] : d);
const QUICK = has('--quick');
const RUNS = Number(val('--runs', QUICK ? 1 : 3));
const RESULTS_MD = path.join(C.BENCH, 'RESULTS.md');
const RESULTS_JSON = path.join(C.BUILD, 'results.json');
const PARTS = ['latency', 'burst', 'flood', 'files'];
const log = (s) => console.error(s);

// ---- outside the namespace: prepare, then re-run inside ----------------------------

function staleDist() {
  const lib = path.join(C.ROOT, 'lib');
  return fs
    .readdirSync(lib)
    .filter((f) => f.endsWith('.ts'))
    .filter((f) => {
      const js = path.join(C.ROOT, 'dist', f.replace(/\.ts$/, '.js'));
      return !fs.existsSync(js) || fs.statSync(js).mtimeMs < fs.statSync(path.join(lib, f)).mtimeMs;
    });
}

function outside() {
  const prep = {};
  const stale = staleDist();
  if (stale.length) {
    log(`dist/ is older than lib/ (${stale.join(', ')}): npx tsc -p .`);
    const r = spawnSync('npx', ['tsc', '-p', '.'], { cwd: C.ROOT, stdio: 'inherit' });
    prep.tsc = r.status === 0 ? 'rebuilt dist/ with tsc' : `tsc failed (exit ${r.status}); dist/ used as it was`;
  }
  if (!fs.existsSync(path.join(C.ROOT, 'build', 'Release', 'ewpcap.node'))) {
    log('ewpcap has no built addon (build/Release): run npm run build first');
    process.exit(1);
  }
  C.buildGen();
  const np = C.ensureNodePcap(log);
  if (np) prep.nodePcap = np;
  fs.mkdirSync(C.BUILD, { recursive: true });
  fs.writeFileSync(path.join(C.BUILD, 'prep.json'), JSON.stringify(prep));
  const r = spawnSync(
    process.execPath,
    [path.join(C.ROOT, 'scripts', 'netns.js'), process.execPath, __filename, '--inside', ...argv],
    { stdio: 'inherit', cwd: C.ROOT },
  );
  process.exit(r.status ?? 1);
}

// ---- inside: measure -------------------------------------------------------------------

function machine() {
  const first = (cmd, args) => C.tool(cmd, args) ?? 'not installed';
  const osRelease = fs.existsSync('/etc/os-release')
    ? /PRETTY_NAME="?([^"\n]+)/.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1]
    : '';
  let nodePcap = 'not available';
  const np = C.nodePcap();
  if (!np.error) {
    const pkg = path.join(C.BENCH, 'peers', 'node_modules', 'pcap', 'package.json');
    nodePcap = `pcap ${JSON.parse(fs.readFileSync(pkg, 'utf8')).version} (${np.pcap.lib_version})`;
  }
  const git = (args) => C.sh('git', args, { cwd: C.ROOT }).stdout.trim();
  const dirty = git(['status', '--porcelain', '--', '.', ':(exclude)bench']).split('\n').filter(Boolean).length;
  return {
    date: new Date().toISOString(),
    nproc: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? '?',
    memoryGiB: os.totalmem() / 2 ** 30,
    kernel: `${os.type()} ${os.release()}`,
    os: osRelease,
    node: process.version,
    libpcap: C.ewpcap().libVersion(),
    tcpdump: first('tcpdump', ['--version']),
    nodePcap,
    defaultBuffer: C.ewpcapOptions().IMMEDIATE_BUFFER ?? C.ewpcap().DEFAULTS.buffer,
    commit: git(['rev-parse', '--short', 'HEAD']),
    dirtyOutsideBench: dirty,
  };
}

let waitBudgetMs = 120_000;

async function phase(results, name, fn) {
  log(`== ${name}`);
  if (!has('--no-wait') && waitBudgetMs > 0) {
    const t = Date.now();
    const q = await C.waitForQuiet({ maxMs: Math.min(30_000, waitBudgetMs), log });
    waitBudgetMs -= Date.now() - t;
    results.waits[name] = { ms: Date.now() - t, quiet: q.quiet, foreignPct: q.foreignPct };
  }
  const monitor = C.loadMonitor();
  const t0 = Date.now();
  try {
    results[name] = await fn();
  } catch (e) {
    results[name] = { error: e.stack || String(e) };
    log(`  ${name} failed: ${e.message}`);
  }
  const load = monitor();
  results.load[name] = { seconds: (Date.now() - t0) / 1000, ...load };
  log(
    `  (${results.load[name].seconds.toFixed(0)} s; other processes used ${load.foreignPct.toFixed(1)}% of the CPUs)`,
  );
}

async function inside() {
  C.inNamespace();
  const started = Date.now();
  const only = has('--only') ? val('--only', '').split(',') : null;
  let results = { quick: QUICK, runs: RUNS, load: {}, waits: {}, argv };
  if (only) {
    const previous = JSON.parse(fs.readFileSync(RESULTS_JSON, 'utf8'));
    results = { ...previous, load: { ...previous.load }, waits: { ...previous.waits } };
    results.reruns = [...(previous.reruns ?? []), { parts: only, at: new Date().toISOString() }];
  }
  const want = (part) => !only || only.includes(part);
  try {
    results.prep = JSON.parse(fs.readFileSync(path.join(C.BUILD, 'prep.json'), 'utf8'));
  } catch {
    results.prep = {};
  }
  if (!only) results.machine = machine();
  if (!has('--no-wait')) {
    log('waiting for a quiet machine ...');
    results.quietCheck = await C.waitForQuiet({ log });
  }
  const flood = require('./flood');
  const latency = require('./latency');
  const files = require('./files');
  const count = QUICK ? 500_000 : 2_000_000;
  // Latency first: measured right after the 2M-frame bursts, the same
  // runs gave p50 106-223 us instead of 69-94 us (METHOD.md).
  if (want('latency')) {
    await phase(results, 'latency', () =>
      latency.latencyAll({ runs: RUNS, seconds: QUICK ? 1 : 3, names: ['gen->packet', 'write->packet'], log }),
    );
  }
  if (want('burst')) {
    await phase(results, 'burst', () =>
      flood.floodAll({
        runs: RUNS,
        gen: { ...flood.BURST, count: QUICK ? 200_000 : flood.BURST.count },
        keys: ['ewpcap-defaults', 'tcpdump-immediate-same', 'node_pcap-defaults'],
        log,
      }),
    );
  }
  if (want('flood')) {
    await phase(results, 'flood', () =>
      flood.floodAll({
        runs: RUNS,
        gen: { count },
        keys: ['ewpcap-batch-t10', 'ewpcap-packet-t10', 'node_pcap-defaults', 'none'],
        log,
      }),
    );
  }
  if (want('files')) {
    await phase(results, 'files', async () =>
      files.filesAll({ rounds: QUICK ? 1 : RUNS + 2, packets: QUICK ? 200_000 : 1_000_000, log }),
    );
  }
  const seconds = (Date.now() - started) / 1000;
  if (only) results.reruns[results.reruns.length - 1].seconds = seconds;
  else results.seconds = seconds;
  fs.writeFileSync(RESULTS_JSON, JSON.stringify(results, null, 2));
  fs.writeFileSync(RESULTS_MD, render(results));
  log(`wrote bench/RESULTS.md and bench/.build/results.json in ${seconds.toFixed(0)} s`);
}

// ---- rendering ---------------------------------------------------------------------------

const n = (x, d = 2) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '–');
const int = (x) => (typeof x === 'number' && Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const mib = (bytes) => `${n(bytes / 2 ** 20, 0)} MiB`;
const range = (lo, hi, f = n) => (lo === hi ? f(lo) : `${f(lo)}–${f(hi)}`);
const verdict = (ok) => (ok === undefined ? 'not measured' : ok ? '**met**' : '**missed**');

function table(head, rows) {
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** The measured value of each target against its peer or control of the same run. */
function verdicts(R) {
  const out = {};
  const B = R.burst?.configs;
  if (B?.['ewpcap-defaults']) {
    const ew = B['ewpcap-defaults'].summary;
    const td = B['tcpdump-immediate-same']?.summary;
    const np = B['node_pcap-defaults']?.summary;
    const lat = R.latency?.variants?.['gen->packet']?.summary;
    out.burst = {
      drops: td ? ew.drop <= td.drop : undefined,
      cpu: np ? ew.cpuPerMillion <= 2 * np.cpuPerMillion : undefined,
      latency: lat ? lat.p50 <= 100 : undefined,
      cpuRatio: np ? ew.cpuPerMillion / np.cpuPerMillion : NaN,
    };
  }
  const F = R.flood?.configs;
  if (F?.['ewpcap-batch-t10']) {
    const control = F.none?.summary;
    const np = F['node_pcap-defaults']?.summary;
    const rows = ['ewpcap-batch-t10', 'ewpcap-packet-t10'].filter((k) => F[k]).map((k) => F[k].summary);
    out.flood = {
      zeroDrops: rows.every((s) => s.zeroDropRuns === s.runs),
      eldControl: control ? rows.every((s) => s.eldP99 <= control.eldP99 + 0.3) : undefined,
      eldPeer: np ? rows.every((s) => s.eldP99 <= np.eldP99) : undefined,
      cpu: np ? rows.every((s) => s.cpuPerMillion <= np.cpuPerMillion) : undefined,
    };
  }
  const Fi = R.files?.readers;
  if (Fi) {
    const w = (k) => Fi[k]?.wall;
    const ratio = (peer, ours) => w(peer) / w(ours);
    out.files = {
      packetRatio: ratio('node_pcap, counting', "ewpcap 'packet' events, counting"),
      keepRatio: ratio('node_pcap, keeping a copy of every packet', "ewpcap 'packet' events, keeping every packet"),
      keepRss:
        Fi["ewpcap 'packet' events, keeping every packet"]?.rssMiB <=
        Fi['node_pcap, keeping a copy of every packet']?.rssMiB,
      batchRatio: w("ewpcap 'batch' events") / w('tcpdump -r FILE -w /dev/null'),
      releaseRatio: w("ewpcap 'batch' events + release()") / w('tcpdump -r FILE -w /dev/null'),
    };
  }
  return out;
}

function targetsTable(R) {
  const V = verdicts(R);
  const rows = [];
  const B = R.burst?.configs;
  if (V.burst) {
    const ew = B['ewpcap-defaults'].summary;
    const td = B['tcpdump-immediate-same']?.summary;
    const np = B['node_pcap-defaults']?.summary;
    const lat = R.latency?.variants?.['gen->packet']?.summary;
    rows.push([
      '1. Defaults under a burst: drops ≤ tcpdump --immediate-mode, same buffer',
      `${int(ew.drop)} dropped`,
      `tcpdump: ${int(td?.drop)}`,
      verdict(V.burst.drops),
    ]);
    rows.push([
      '1. … CPU per packet ≤ 2 × node_pcap’s (defaults)',
      `${n(ew.cpuPerMillion)} s per M (${n(V.burst.cpuRatio, 1)} ×)`,
      `node_pcap: ${n(np?.cpuPerMillion)}`,
      verdict(V.burst.cpu),
    ]);
    rows.push(['1. … latency at 1,000 packets/s, p50 ≤ 100 µs', `${int(lat?.p50)} µs`, '', verdict(V.burst.latency)]);
  }
  const F = R.flood?.configs;
  if (V.flood) {
    const s = (k) => F[k]?.summary;
    const ew = ['ewpcap-batch-t10', 'ewpcap-packet-t10'].filter((k) => F[k]);
    rows.push([
      '2. Flood, timeout: 10: zero drops',
      ew.map((k) => `${k}: ${s(k).zeroDropRuns}/${s(k).runs} runs`).join('; '),
      '',
      verdict(V.flood.zeroDrops),
    ]);
    rows.push([
      '2. … event-loop p99 ≤ control + 0.3 ms and ≤ node_pcap’s',
      ew.map((k) => `${k}: ${n(s(k).eldP99)} ms`).join('; '),
      `control ${n(s('none')?.eldP99)}, node_pcap ${n(s('node_pcap-defaults')?.eldP99)}`,
      `control: ${verdict(V.flood.eldControl)}; node_pcap: ${verdict(V.flood.eldPeer)}`,
    ]);
    rows.push([
      '2. … CPU per packet ≤ node_pcap’s',
      ew.map((k) => `${k}: ${n(s(k).cpuPerMillion, 3)}`).join('; '),
      `node_pcap ${n(s('node_pcap-defaults')?.cpuPerMillion, 3)}`,
      verdict(V.flood.cpu),
    ]);
  }
  const Fi = R.files?.readers;
  if (V.files) {
    const w = (k) => `${n(Fi[k]?.wall)} s`;
    rows.push([
      "3. Files: 'packet' events ≥ 2 × node_pcap counting (whole process)",
      `${w("ewpcap 'packet' events, counting")} (${n(V.files.packetRatio)} ×)`,
      `node_pcap ${w('node_pcap, counting')}`,
      verdict(V.files.packetRatio >= 2),
    ]);
    rows.push([
      '3. … keeping every packet ≥ 2 × node_pcap with a copy, peak RSS ≤ its',
      `${w("ewpcap 'packet' events, keeping every packet")} (${n(V.files.keepRatio)} ×), ${n(Fi["ewpcap 'packet' events, keeping every packet"]?.rssMiB, 0)} MiB`,
      `node_pcap ${w('node_pcap, keeping a copy of every packet')}, ${n(Fi['node_pcap, keeping a copy of every packet']?.rssMiB, 0)} MiB`,
      `time ${verdict(V.files.keepRatio >= 2)}; memory ${verdict(V.files.keepRss)}`,
    ]);
    rows.push([
      "3. … 'batch' readers ≤ 1.2 × tcpdump -r FILE -w /dev/null",
      `${w("ewpcap 'batch' events")} (${n(V.files.batchRatio)} ×); + release() ${w("ewpcap 'batch' events + release()")} (${n(V.files.releaseRatio)} ×)`,
      `tcpdump ${w('tcpdump -r FILE -w /dev/null')}`,
      verdict(V.files.batchRatio <= 1.2 && V.files.releaseRatio <= 1.2),
    ]);
  }
  return table(['target', 'ewpcap', 'peer / control, same run', 'verdict'], rows);
}

/** A flood part's table: one row per configuration, medians with the range over the runs. */
function floodTable(P) {
  const rows = Object.entries(P.configs).map(([key, c]) => {
    const s = c.summary;
    const eld = Number.isFinite(s.eldP99) ? `${n(s.eldP99)} (${range(s.eldP99Min, s.eldP99Max)})` : '–';
    return [
      `${c.label}${c.args ? ` (\`tcpdump ${c.args}\`)` : ''} [${key}]`,
      int(s.offeredPps),
      `${int(s.captured)} / ${int(s.received)}`,
      `${int(s.drop)} (${range(s.dropMin, s.dropMax, int)})`,
      `${n(s.cpuPerMillion, 3)} (${range(s.cpuPerMillionMin, s.cpuPerMillionMax, (x) => n(x, 3))})`,
      eld,
      n(s.maxRssMiB, 0),
    ];
  });
  return table(
    [
      'capturer',
      'offered pps',
      'captured / received',
      'kernel drops (range)',
      'CPU s per M packets (range)',
      'event-loop p99 ms beyond the timer (range)',
      'peak RSS MiB',
    ],
    rows,
  );
}

function burstSection(R) {
  const P = R.burst;
  if (!P || P.error) return `Not measured: ${P?.error ?? 'skipped'}`;
  const out = [];
  out.push(
    `${int(P.gen.count)} frames of 60 bytes at ${int(P.gen.rate)} frames/s (bench/gen.c -r) on veth0, captured on veth1 by each capturer in a fresh process with its defaults; ${R.runs} round(s), round-robin; medians, with the range over the rounds. ` +
      `ewpcap's default buffer in this run: ${mib(R.machine?.defaultBuffer ?? NaN)}, which tcpdump gets with -B. CPU is the whole process's, per million packets captured.`,
  );
  out.push('');
  out.push(
    'Command: `node scripts/netns.js node bench/flood.js --rate 200000 --configs ewpcap-defaults,tcpdump-immediate-same,node_pcap-defaults`',
  );
  out.push('');
  out.push(floodTable(P));
  const L = R.latency;
  out.push('');
  if (!L || L.error) out.push(`Latency not measured: ${L?.error ?? 'skipped'}`);
  else {
    out.push(
      `Latency at ${int(L.rate)} packets/s with the defaults, ${L.seconds} s after 100 warm-up frames, each run in a fresh process; medians of ${R.runs} run(s). ` +
        'gen->packet: the C sender stamps CLOCK_MONOTONIC before sendmmsg, the handler subtracts it; write->packet: the same process writes through ewpcap on veth0.',
    );
    out.push('');
    out.push('Command: `node scripts/netns.js node bench/latency.js`');
    out.push('');
    out.push(
      table(
        ['path', 'received / sent', 'p50 µs', 'p90 µs', 'p99 µs', 'max µs'],
        Object.values(L.variants).map((v) => [
          v.label,
          `${int(v.summary.received)} / ${int(v.summary.sent)}`,
          int(v.summary.p50),
          int(v.summary.p90),
          int(v.summary.p99),
          int(v.summary.max),
        ]),
      ),
    );
  }
  return out.join('\n');
}

function floodSection(R) {
  const P = R.flood;
  if (!P || P.error) return `Not measured: ${P?.error ?? 'skipped'}`;
  return [
    `${int(P.gen.count)} frames of 60 bytes at the generator's full rate on veth0; ewpcap with \`timeout: 10\` and otherwise its defaults, node_pcap with its defaults, and a control process that captures nothing, measured over the same window; ${R.runs} round(s), round-robin. ` +
      'Event-loop delay: the gaps between runs of a 1 ms timer from the first packet to the end, minus the 1 ms (0 = on time), paused while nothing arrives.',
    '',
    'Command: `node scripts/netns.js node bench/flood.js --configs ewpcap-batch-t10,ewpcap-packet-t10,node_pcap-defaults,none`',
    '',
    floodTable(P),
  ].join('\n');
}

function filesSection(R) {
  const P = R.files;
  if (!P || P.error) return `Not measured: ${P?.error ?? 'skipped'}`;
  const rows = Object.entries(P.readers).map(([name, r]) => [
    name,
    `${n(r.wall)} (${range(r.wallMin, r.wallMax)})`,
    n(r.cpu),
    n(r.rssMiB, 0),
    int(r.packets),
  ]);
  return [
    `A generated file of ${int(P.packets)} 60-byte UDP frames (classic pcap), read by each reader in a fresh process under /usr/bin/time, start-up included: what a user's script costs. ${P.rounds} round(s), round-robin; medians, with the range over the rounds. “node (empty process)” is Node's own start-up on this machine.`,
    '',
    'Command: `node bench/files.js --rounds 5`',
    '',
    table(['reader', 'wall s (range)', 'CPU s', 'peak RSS MiB', 'packets'], rows),
    ...Object.entries(P.skipped ?? {}).map(([k, v]) => `\n- ${k}: not measured — ${v}`),
  ].join('\n');
}

/** What another benchmark appended to RESULTS.md (the decoder's section), kept across runs. */
function appendedSections() {
  if (!fs.existsSync(RESULTS_MD)) return '';
  const text = fs.readFileSync(RESULTS_MD, 'utf8');
  const at = text.search(/^## Decoding/m);
  return at >= 0 ? text.slice(at).trim() : '';
}

function render(R) {
  const M = R.machine;
  const out = [];
  out.push('# ewpcap performance results');
  out.push('');
  out.push(
    `Generated by \`${['node bench/run.js', ...R.argv.filter((a) => a !== '--inside')].join(' ')}\` on ${M.date} in ${n(R.seconds / 60, 1)} min ` +
      `(commit ${M.commit}${M.dirtyOutsideBench ? `, with ${M.dirtyOutsideBench} uncommitted change(s) outside bench/` : ''}). ` +
      'Every ratio compares rows of this run; the targets and what the figures mean are in docs/PERFORMANCE.md, the method in bench/METHOD.md.',
  );
  if (R.quick) out.push('\n> **--quick run**: one round and fewer packets; a smoke test, not a measurement.');
  for (const r of R.reruns ?? []) {
    out.push(
      `\n> Re-measured with \`node bench/run.js --only ${r.parts.join(',')}\` on ${r.at}; the other parts are from the full run.`,
    );
  }
  out.push('');
  out.push('## Targets');
  out.push('');
  out.push(targetsTable(R));
  out.push('');
  out.push('## 1. Defaults under a burst');
  out.push('');
  out.push(burstSection(R));
  out.push('');
  out.push('## 2. Flood with `timeout: 10`');
  out.push('');
  out.push(floodSection(R));
  out.push('');
  out.push('## 3. Files, whole process');
  out.push('');
  out.push(filesSection(R));
  out.push('');
  out.push('## 4. Simplicity');
  out.push('');
  out.push(
    'Every tuning mechanism the library keeps, and the same-run A/B that keeps it, is listed in docs/PERFORMANCE.md ("Tuning mechanisms"); an A/B is run with `bench/ab.js` (METHOD.md). Removed for showing no gain beyond the spread: the capture threads\' time slice and `prewarm()`\'s code warm-up.',
  );
  out.push('');
  out.push('## Machine and load');
  out.push('');
  out.push(
    table(
      ['', ''],
      [
        ['CPUs', `${M.nproc} × ${M.cpu}`],
        ['memory', `${n(M.memoryGiB, 0)} GiB`],
        ['kernel / OS', `${M.kernel} / ${M.os}`],
        ['Node', M.node],
        ['libpcap (as loaded by ewpcap)', M.libpcap],
        ['tcpdump', M.tcpdump],
        ['node_pcap', M.nodePcap],
      ],
    ),
  );
  out.push('');
  out.push(
    `Other processes: ${R.quietCheck ? (R.quietCheck.quiet ? `quiet at the start (${n(R.quietCheck.foreignPct, 1)}% of the CPUs)` : `**busy at the start (${n(R.quietCheck.foreignPct, 0)}% of the CPUs after waiting)**`) : 'not checked (--no-wait)'}. During each part:`,
  );
  out.push('');
  out.push(
    table(
      ['part', 'seconds', 'CPU used by other processes', 'waited for quiet before it'],
      Object.entries(R.load).map(([k, l]) => {
        const w = R.waits?.[k];
        const waited = w ? (w.ms < 2500 ? 'no' : `${n(w.ms / 1000, 0)} s${w.quiet ? '' : ', still busy'}`) : '–';
        return [k, n(l.seconds, 0), `${n(l.foreignPct, 1)}%`, waited];
      }),
    ),
  );
  const notes = [];
  if (R.prep?.tsc) notes.push(`dist/: ${R.prep.tsc}.`);
  if (R.prep?.nodePcap) notes.push(`node_pcap: ${R.prep.nodePcap}.`);
  for (const part of PARTS) if (R[part]?.error) notes.push(`${part} failed: ${R[part].error.split('\n')[0]}`);
  for (const [k, l] of Object.entries(R.load))
    if (l.foreignPct > 10) notes.push(`During “${k}” other processes used ${n(l.foreignPct, 0)}% of the CPUs.`);
  if (notes.length) out.push('', notes.map((x) => `- ${x}`).join('\n'));
  out.push('');
  const appended = appendedSections();
  if (appended) out.push(appended, '');
  return out.join('\n');
}

module.exports = { render, verdicts };

if (require.main === module) {
  if (has('--render')) {
    fs.writeFileSync(RESULTS_MD, render(JSON.parse(fs.readFileSync(RESULTS_JSON, 'utf8'))));
  } else if (has('--inside')) {
    inside().catch((e) => {
      console.error(e);
      process.exit(1);
    });
  } else {
    outside();
  }
}
