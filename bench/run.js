#!/usr/bin/env node
'use strict';
/*
 * Runs every live-capture benchmark inside a private network namespace and
 * rewrites bench/RESULTS.md (raw figures: bench/.build/results.json).
 *
 *   node bench/run.js [--quick] [--runs N] [--no-profile] [--no-wait]
 *
 *   --quick       1 run each, fewer packets, no zero-drop search, no profile:
 *                 a smoke test of the benchmarks (RESULTS.md says so)
 *   --runs N      runs per figure where medians are taken (default 3)
 *   --no-profile  skip the perf / --cpu-prof step
 *   --no-wait     do not wait for the machine to be quiet before starting
 *   --only a,b    re-measure only these parts (flood, zeroDrop, latency,
 *                 lifecycle, eldFloor, inject, profile) and merge them into the last
 *                 bench/.build/results.json
 *   --render      only re-render RESULTS.md from bench/.build/results.json
 *
 * As root (or where unprivileged user namespaces work) it re-runs itself
 * through scripts/netns.js: veth0 (198.18.0.1) <-> veth1 (198.18.1.1), and
 * nothing leaves that namespace. Needs: cc, tcpdump; optional: tcpreplay,
 * perf, npm (node_pcap is installed into bench/peers/ and built there).
 * Takes about 6 minutes on 2 cores, plus up to 90 s + 120 s of waiting when
 * other processes keep the machine busy (each part waits for a quiet 2 s
 * window, 30 s at most; RESULTS.md reports the foreign load of every part).
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
const log = (s) => console.error(s);

// ---- outside the namespace: prepare, then re-run inside ----------------------------

function staleDist() {
  const lib = path.join(C.ROOT, 'lib');
  const stale = [];
  for (const f of fs.readdirSync(lib).filter((x) => x.endsWith('.ts'))) {
    const js = path.join(C.ROOT, 'dist', f.replace(/\.ts$/, '.js'));
    if (!fs.existsSync(js) || fs.statSync(js).mtimeMs < fs.statSync(path.join(lib, f)).mtimeMs) stale.push(f);
  }
  return stale;
}

function outside() {
  const prep = {};
  const stale = staleDist();
  if (stale.length) {
    log(`dist/ is older than lib/ (${stale.join(', ')}): npx tsc -p .`);
    const r = spawnSync('npx', ['tsc', '-p', '.'], { cwd: C.ROOT, stdio: 'inherit' });
    prep.tsc =
      r.status === 0 ? 'rebuilt dist/ with tsc' : `tsc failed (exit ${r.status}); the benchmarks use dist/ as it was`;
  }
  if (
    !fs.existsSync(path.join(C.ROOT, 'build', 'Release', 'ewpcap.node')) &&
    !fs.existsSync(path.join(C.ROOT, 'prebuilds'))
  ) {
    log('ewpcap has no built addon (build/Release or prebuilds/): run npm run build first');
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
    {
      stdio: 'inherit',
      cwd: C.ROOT,
    },
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
    const version = JSON.parse(
      fs.readFileSync(path.join(C.BENCH, 'peers', 'node_modules', 'pcap', 'package.json'), 'utf8'),
    ).version;
    nodePcap = `pcap ${version} (${np.pcap.lib_version})`;
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
    tcpreplay: first('tcpreplay', ['-V']),
    nodePcap,
    perf: first('perf', ['--version']),
    cc: first('cc', ['--version']),
    commit: git(['rev-parse', '--short', 'HEAD']),
    dirtyOutsideBench: dirty,
  };
}

let waitBudgetMs = 120_000;

async function phase(results, name, fn) {
  log(`== ${name}`);
  if (!has('--no-wait') && waitBudgetMs > 0) {
    // Other work on the machine (a build, a test run) disturbs every figure:
    // give it a moment to pass before each part, within a total budget.
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
    `  (${((Date.now() - t0) / 1000).toFixed(0)} s, other processes used ${load.foreignPct.toFixed(1)}% of the machine)`,
  );
}

async function inside() {
  C.inNamespace();
  const started = Date.now();
  // --only a,b: re-measure those parts and keep the others from the last results.json.
  const only = has('--only') ? val('--only', '').split(',') : null;
  let results = { quick: QUICK, runs: RUNS, load: {}, waits: {}, argv };
  if (only) {
    const previous = JSON.parse(fs.readFileSync(RESULTS_JSON, 'utf8'));
    results = { ...previous, load: { ...previous.load }, waits: { ...(previous.waits ?? {}) } };
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
  waitBudgetMs = 120_000;
  const flood = require('./flood');
  const latency = require('./latency');
  const lifecycle = require('./lifecycle');
  const inject = require('./inject');
  const profile = require('./profile');
  const eldFloor = require('./eld-floor');

  if (want('flood'))
    await phase(results, 'flood', () => flood.floodAll({ runs: RUNS, count: QUICK ? 500_000 : 2_000_000, log }));
  if (want('zeroDrop') && !QUICK && !results.flood.error)
    await phase(results, 'zeroDrop', () => flood.zeroDropAll(results.flood, { log }));
  if (want('latency'))
    await phase(results, 'latency', () => latency.latencyAll({ runs: RUNS, seconds: QUICK ? 1 : 3, log }));
  if (want('lifecycle')) {
    await phase(results, 'lifecycle', () =>
      lifecycle.lifecycleAll(
        QUICK
          ? { cold: 2, warm: 5, cycles: 20, closes: 100, log }
          : { cold: 5, warm: 20, cycles: 100, closes: 120, log },
      ),
    );
  }
  if (want('eldFloor'))
    await phase(results, 'eldFloor', () => eldFloor.eldFloorAll({ runs: RUNS, seconds: QUICK ? 1 : 2, log }));
  if (want('inject'))
    await phase(results, 'inject', () => inject.injectAll({ runs: RUNS, count: QUICK ? 50_000 : 200_000, log }));
  if (want('profile') && !QUICK && !has('--no-profile')) {
    await phase(results, 'profile', async () => ({
      capture: await profile.profile('ewpcap-batch', { log }),
      inject: await profile.profileInject({ log }),
    }));
  }
  if (only) results.reruns[results.reruns.length - 1].seconds = (Date.now() - started) / 1000;
  else results.seconds = (Date.now() - started) / 1000;
  fs.writeFileSync(RESULTS_JSON, JSON.stringify(results, null, 2));
  fs.writeFileSync(RESULTS_MD, render(results));
  log(
    `wrote ${path.relative(C.ROOT, RESULTS_MD)} and ${path.relative(C.ROOT, RESULTS_JSON)} in ${results.seconds.toFixed(0)} s`,
  );
}

// ---- rendering ---------------------------------------------------------------------------

const n = (x, d = 2) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '–');
const int = (x) => (typeof x === 'number' && Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const kpps = (x) => (typeof x === 'number' && Number.isFinite(x) ? `${(x / 1000).toFixed(0)}k` : '–');
/** A measured number (NaN and undefined become null in results.json). */
const num = (x) => typeof x === 'number' && Number.isFinite(x);
const verdict = (ok) => (ok === undefined ? 'not measured' : ok ? '**met**' : '**missed**');

function table(head, rows) {
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

function targets(R) {
  const rows = [];
  const F = R.flood?.configs ?? {};
  const ew = ['ewpcap-batch', 'ewpcap-packet'].filter((k) => F[k]);
  if (ew.length) {
    const all = ew.every((k) => F[k].summary.zeroDropRuns === F[k].summary.runs);
    rows.push([
      'zero kernel drops at the generator’s full rate (ewpcap defaults)',
      ew
        .map(
          (k) =>
            `${k}: ${int(F[k].summary.drop)} dropped of ${int(F[k].summary.received)} (median), ${F[k].summary.zeroDropRuns}/${F[k].summary.runs} runs loss-free`,
        )
        .join('; '),
      verdict(all),
    ]);
    // The verdict is given for the defaults, for timeout: 10, for
    // timeout: 10 after prewarm() and for the second flood of a process with
    // timeout: 10.
    const groups = [
      ['defaults', ew],
      ['timeout 10', ['ewpcap-batch-t10', 'ewpcap-packet-t10'].filter((k) => F[k])],
      ['timeout 10, after prewarm()', ['ewpcap-batch-t10-prewarm', 'ewpcap-packet-t10-prewarm'].filter((k) => F[k])],
      ['timeout 10, second flood', ['ewpcap-batch-t10-warm', 'ewpcap-packet-t10-warm'].filter((k) => F[k])],
    ].filter(([, keys]) => keys.length > 0);
    const eldVerdict = (keys) =>
      `p99 ${verdict(keys.every((k) => F[k].summary.eldP99 <= 0.5))}, max ${verdict(keys.every((k) => F[k].summary.eldMaxWorst <= 2))}`;
    rows.push([
      'event-loop delay p99 ≤ 0.5 ms and max ≤ 2 ms during the flood',
      groups
        .flatMap(([, keys]) => keys)
        .map(
          (k) =>
            `${k}: p99 ${n(F[k].summary.eldP99)} ms, max ${n(F[k].summary.eldMax)} ms median / ${n(F[k].summary.eldMaxWorst)} ms worst`,
        )
        .join('; '),
      groups.map(([name, keys]) => `${name}: ${eldVerdict(keys)}`).join('; ') +
        // The same target applied to the control, which captures nothing: if
        // it misses too, the target is below this machine's floor.
        (F.none
          ? `; the control that captures nothing: ${eldVerdict(['none'])} (p99 ${n(F.none.summary.eldP99)} ms, max ${n(F.none.summary.eldMax)} ms median / ${n(F.none.summary.eldMaxWorst)} ms worst)`
          : '') +
        (R.eldFloor?.variants
          ? `; the measure’s floor without traffic (section 6): idle max ${n(R.eldFloor.variants.find((v) => v.period === 0)?.max)} ms, p99 up to ${n(Math.max(...R.eldFloor.variants.map((v) => v.p99)))} ms with a message every few ms`
          : ''),
    ]);
  }
  const np = F['node_pcap-immediate'];
  const npd = F['node_pcap'];
  if (F['ewpcap-batch'] && (np || npd)) {
    const e = F['ewpcap-batch'].summary.cpuPerMillion;
    const cmp = [];
    if (np) cmp.push(`node_pcap immediate ${n(np.summary.cpuPerMillion)}`);
    if (npd) cmp.push(`node_pcap default ${n(npd.summary.cpuPerMillion)}`);
    // Both with a packet-buffer timeout (TPACKET_V3), as node_pcap's default is.
    const t10 = F['ewpcap-batch-t10']?.summary.cpuPerMillion;
    const t10r = F['ewpcap-batch-t10-release']?.summary.cpuPerMillion;
    rows.push([
      'CPU per packet no higher than node_pcap’s (s per million captured)',
      `ewpcap 'batch' ${n(e)}, 'packet' ${n(F['ewpcap-packet']?.summary.cpuPerMillion)}; with timeout 10 ms: 'batch' ${n(t10)}, 'batch' + release() ${n(t10r)} vs ${cmp.join(', ')}`,
      `same mode (immediate): ${verdict(np ? e <= np.summary.cpuPerMillion : undefined)}; each with its defaults: ${verdict(
        npd ? e <= npd.summary.cpuPerMillion : undefined,
      )}; both with a timeout: 'batch' ${verdict(npd && num(t10) ? t10 <= npd.summary.cpuPerMillion : undefined)}, + release() ${verdict(
        npd && num(t10r) ? t10r <= npd.summary.cpuPerMillion : undefined,
      )}`,
    ]);
  }
  const L = R.lifecycle;
  if (L && !L.error) {
    rows.push([
      'close p99 ≤ 5 ms (timeout infinity, no traffic)',
      `p50 ${n(L.close.close.p50)}, p99 ${n(L.close.close.p99)}, max ${n(L.close.close.max)} ms (${L.close.close.n} closes)`,
      verdict(L.close.close.p99 <= 5),
    ]);
    const churn = [...L.churnIdle, ...L.churnTraffic];
    const worst = Math.max(...churn.map((r) => Math.max(r.eld.max, r.worstProbeStallMs)));
    rows.push([
      'open/close churn never stalls the event loop > 5 ms',
      `worst stall ${n(worst)} ms over ${churn.length} × ${churn[0]?.cycles} cycles`,
      verdict(worst <= 5),
    ]);
  }
  return table(['target', 'measured', 'verdict'], rows);
}

function floodSection(R) {
  const out = [];
  const F = R.flood;
  if (!F || F.error) return `Not measured: ${F?.error ?? 'skipped'}`;
  out.push(
    `Generator: bench/gen.c (AF_PACKET, sendmmsg of 256 frames, PACKET_QDISC_BYPASS), ${QUICK_TXT(R, '500,000', '2,000,000')} frames of 60 bytes (ethertype 0x88B5) on veth0, as fast as it goes; ` +
      'each capturer alone on veth1 in a fresh process, 8 MiB kernel buffer (rows marked “second flood of a process”: the same process captured one flood before the one reported, so the JIT had compiled its code; rows marked “after prewarm()”: a fresh process that called `prewarm()`, which compiles the delivery code on 5,000 generated packets, before opening). The generator’s core also runs the receive softirq (tpacket_rcv into the capturer’s ring), so its rate depends on the capturer. ' +
      `Medians of ${R.runs} run(s). “received” is veth1’s rx_packets over the run (the generator’s frames plus any stray kernel packet).`,
  );
  out.push('');
  out.push('Command: `node scripts/netns.js node bench/flood.js --runs 3 --zero-drop`');
  out.push('');
  const rows = [];
  for (const c of Object.values(F.configs)) {
    const s = c.summary;
    const eld = !num(s.eldP50)
      ? 'n/a (no event loop)'
      : `${n(s.eldP50)} / ${n(s.eldP99)} / ${n(s.eldMax)} (worst ${n(s.eldMaxWorst)})`;
    const idle = !num(s.idleEldP99) ? '' : `${n(s.idleEldP99)} / ${n(s.idleEldMax)}`;
    // The control captures nothing: no capture columns, and its CPU is its poll's.
    const capture = (text) => (c.control ? '–' : text);
    rows.push([
      c.label,
      int(s.offeredPps),
      capture(`${int(s.captured)} / ${int(s.received)}`),
      capture(int(s.drop)),
      capture(`${s.zeroDropRuns}/${s.runs}`),
      capture(`${n(s.cpuPerMillion)}${!num(s.mainThreadCpuPerMillion) ? '' : ` (${n(s.mainThreadCpuPerMillion)})`}`),
      eld,
      idle,
      !num(s.mainRunqueueWaitPct) ? '' : `${n(s.mainRunqueueWaitPct, 0)}%`,
      !num(s.captureThreadBusyPct) ? '' : `${n(s.captureThreadBusyPct, 0)}% / ${n(s.captureThreadRunqueueWaitPct, 0)}%`,
      !num(s.longestRunPackets) ? '' : `${int(s.longestRunPackets)} / ${n(s.longestRunMs, 1)} ms`,
      n(s.maxRssMiB, 0),
    ]);
  }
  out.push(
    table(
      [
        'capturer',
        'offered pps',
        'captured / received',
        'kernel drops',
        'loss-free runs',
        'CPU s per M captured (main thread)',
        'event-loop delay p50 / p99 / max, ms beyond the 1 ms timer',
        'same, idle with capture open: p99 / max',
        'main thread run-queue wait',
        'busiest other thread (capture thread for ewpcap): running / run-queue wait',
        'longest delivery without a loop turn (packets / ms)',
        'peak RSS MiB',
      ],
      rows,
    ),
  );
  for (const [k, v] of Object.entries(F.skipped ?? {})) out.push(`\n- ${k}: not measured — ${v}`);
  out.push('');
  out.push(
    'CPU is the capturing process’s own (all its threads, user + system, from process.cpuUsage or /proc for tcpdump) from the start of the flood until it caught up, divided by packets captured; ' +
      'kernel time spent filling its ring runs in the generator’s softirq and is not in it. Where a capturer dropped, CPU per captured packet is not comparable with one that did not (dropped packets cost it nothing). ' +
      '“Run-queue wait” is the share of the flood a thread was runnable but not running (/proc schedstat): delay caused by CPU contention, not by work on the loop. ' +
      'In immediate mode libpcap gives the kernel ring fixed slots sized from the snaplen (TPACKET_V2): with snaplen 65535 on veth (offloads on) the 8 MiB buffer is 128 slots (mapped as 16 MiB), with snaplen 2048 about 3,900; with a timeout (TPACKET_V3) 60-byte frames are packed into 8 MiB of blocks, ~100,000 of them.',
  );
  const Z = R.zeroDrop;
  if (Z && !Z.error) {
    out.push('');
    out.push('### Highest rate captured with zero kernel drops');
    out.push('');
    out.push(
      'The generator paced (bursts ≤ 100 µs apart), 1.5 s of traffic (≥ 200,000 frames) per step, rates stepped up 25k, 50k, 100k, 200k, 300k, 400k, 600k, 800k, 1.2M until the first loss, then bisected 3 times; one run per step. ' +
        'A configuration without drops in every full-rate run above is reported at that rate without a search.',
    );
    out.push('');
    const zrows = Object.entries(Z).map(([k, z]) => [
      F.configs[k]?.label ?? k,
      z.atTopSpeed ? `≥ ${int(z.maxZeroDropPps)} (full rate)` : int(z.maxZeroDropPps),
      z.firstLossPps ? int(z.firstLossPps) : '–',
      z.steps
        .map((s) => `${kpps(s.rate === 'top' ? s.offered : s.rate)}${s.ok ? '✓' : `✗(${int(s.drop)})`}`)
        .join(' ') ||
        z.note ||
        '',
    ]);
    out.push(table(['capturer', 'max zero-drop pps', 'first loss at pps', 'steps (✓ no loss, ✗ drops)'], zrows));
  }
  return out.join('\n');
}

function QUICK_TXT(R, quick, full) {
  return R.quick ? quick : full;
}

function eldFloorSection(R) {
  const E = R.eldFloor;
  if (!E || E.error) return `Not measured: ${E?.error ?? 'skipped'}`;
  const out = [];
  out.push(
    `A fresh Node process that captures nothing and does no work: it only counts messages that a worker thread posts on average every *period* ms (a timed Atomics.wait of a random 0.5–1.5 periods between posts, so that they fall anywhere in the millisecond, as a capture’s batches do), while monitorEventLoopDelay({ resolution: 1 }) runs for ${E.seconds} s. Medians of ${R.runs} process(es); beyond the 1 ms timer. ` +
      'libuv keeps the loop’s clock in whole milliseconds: when a message wakes the loop between two runs of the 1 ms timer, the next wait is computed as a whole millisecond from then, and the timer runs up to 1 ms late. A capture delivers batches at moments unrelated to the timer, so its event-loop figures contain this, whatever it does with the packets. In the flood above, ewpcap with `timeout: 10` delivered a batch every ~0.5 ms.',
  );
  out.push('');
  out.push('Command: `node bench/eld-floor.js --runs 3`');
  out.push('');
  out.push(
    table(
      ['messages', 'messages/s', 'event-loop delay p50 / p99 / max, ms beyond the 1 ms timer', 'worst max'],
      E.variants.map((v) => [
        v.period ? `every ${v.period} ms` : 'none (idle)',
        int(v.messagesPerSecond),
        `${n(v.p50)} / ${n(v.p99)} / ${n(v.max)}`,
        n(v.maxWorst),
      ]),
    ),
  );
  return out.join('\n');
}

function latencySection(R) {
  const L = R.latency;
  if (!L || L.error) return `Not measured: ${L?.error ?? 'skipped'}`;
  const out = [];
  out.push(
    `${L.rate} frames/s for ${L.seconds} s after 100 warm-up frames, each run in a fresh process; medians of ${R.runs} run(s) of each percentile. ` +
      'Latency = handler’s process.hrtime minus the send stamp in the frame (CLOCK_MONOTONIC on both sides). For write(), the split is at the kernel’s capture timestamp (packet.time, CLOCK_REALTIME, paired with the monotonic clock through performance.timeOrigin).',
  );
  out.push('');
  out.push('Command: `node scripts/netns.js node bench/latency.js --runs 3 --seconds 3`');
  out.push('');
  const rows = Object.values(L.variants).map((v) => {
    const s = v.summary;
    return [
      v.label,
      `${int(s.received)} / ${int(s.sent)}`,
      int(s.p50),
      int(s.p90),
      int(s.p99),
      int(s.max),
      `${n(s.over1msPct, 1)}%`,
      !num(s.toKernelP50) ? '' : `${int(s.toKernelP50)} / ${int(s.toKernelP99)}`,
      !num(s.fromKernelP50) ? '' : `${int(s.fromKernelP50)} / ${int(s.fromKernelP99)}`,
    ];
  });
  out.push(
    table(
      [
        'path',
        'received / sent',
        'p50 µs',
        'p90 µs',
        'p99 µs',
        'max µs',
        '≥ 1 ms',
        'send → kernel p50 / p99 µs',
        'kernel → handler p50 / p99 µs',
      ],
      rows,
    ),
  );
  for (const [k, v] of Object.entries(L.skipped ?? {})) out.push(`\n- ${k}: not measured — ${v}`);
  return out.join('\n');
}

function lifecycleSection(R) {
  const L = R.lifecycle;
  if (!L || L.error) return `Not measured: ${L?.error ?? 'skipped'}`;
  const out = [];
  out.push('Command: `node scripts/netns.js node bench/lifecycle.js`');
  out.push('');
  const f = L.firstPacket;
  out.push(
    table(
      [
        'open() → first packet (generator at 10,000 frames/s, bursts of 10 every 1 ms)',
        'open() resolved p50 / max ms',
        'first packet p50 / max ms',
        'samples',
      ],
      [
        [
          'cold: first socket of a fresh process (thread spawned, addon and libpcap loaded)',
          `${n(f.cold.opened.p50)} / ${n(f.cold.opened.max)}`,
          `${n(f.cold.first.p50)} / ${n(f.cold.first.max)}`,
          f.cold.first.n,
        ],
        [
          'warm: later sockets of the same process (open, first packet, close, again)',
          `${n(f.warm.opened.p50)} / ${n(f.warm.opened.max)}`,
          `${n(f.warm.first.p50)} / ${n(f.warm.first.max)}`,
          f.warm.first.n,
        ],
      ],
    ),
  );
  out.push('');
  const churnRow = (label, r) => [
    label,
    n(r.totalMs, 0),
    `${n(r.cycle.p50)} / ${n(r.cycle.p99)} / ${n(r.cycle.max)}`,
    `${n(r.eld.p99)} / ${n(r.eld.max)}`,
    n(r.worstProbeStallMs),
    `${r.diagnostics.threads} threads, ${r.diagnostics.handles} handles`,
  ];
  out.push(
    table(
      [
        `${L.churnIdle[0]?.cycles} × (open, 'packet' listener, close), sequential`,
        'total ms',
        'per cycle p50 / p99 / max ms',
        'event-loop delay p99 / max ms',
        'worst 1 ms-interval gap − 1 ms',
        'afterwards',
      ],
      [
        ...L.churnIdle.map((r, i) => churnRow(`no traffic, run ${i + 1}`, r)),
        ...L.churnTraffic.map((r, i) => churnRow(`10,000 frames/s (bursts of 10), run ${i + 1}`, r)),
      ],
    ),
  );
  out.push('');
  const c = L.close;
  out.push(
    table(
      [
        "close() with timeout 'infinity', no traffic (thread asleep in poll 20 ms)",
        'p50 ms',
        'p99 ms',
        'max ms',
        'mean ms',
        'samples',
        'event-loop delay p99 / max ms meanwhile',
      ],
      [
        [
          'close() → promise resolved',
          n(c.close.p50),
          n(c.close.p99),
          n(c.close.max),
          n(c.close.mean),
          c.close.n,
          `${n(c.eld.p99)} / ${n(c.eld.max)}`,
        ],
      ],
    ),
  );
  out.push('');
  const b = L.idleBaseline;
  out.push(
    `Baseline of this machine: an idle Node process measures event-loop delay p99 ${n(b.eld.p99)} ms and max ${n(b.eld.max)} ms beyond the 1 ms timer over 2 s ` +
      `(worst interval gap ${n(b.worstProbeStallMs)} ms): stalls up to that size are the VM’s, not the library’s.`,
  );
  return out.join('\n');
}

function injectSection(R) {
  const I = R.inject;
  if (!I || I.error) return `Not measured: ${I?.error ?? 'skipped'}`;
  const out = [];
  out.push(
    `Frames of 60 bytes on veth0, counted arriving on veth1; medians of ${R.runs} run(s), each Node run in a fresh process.`,
  );
  out.push('');
  out.push('Command: `node scripts/netns.js node bench/inject.js --runs 3`');
  out.push('');
  const rows = Object.values(I.variants).map((v) => [
    v.label,
    int(v.summary.count),
    int(v.summary.pps),
    int(v.summary.arrived),
    int(v.summary.failed),
    n(v.summary.cpuPerMillion),
  ]);
  out.push(table(['sender', 'frames', 'frames/s', 'arrived on veth1', 'failed', 'CPU s per M frames'], rows));
  for (const [k, v] of Object.entries(I.skipped ?? {})) out.push(`\n- ${k}: not measured — ${v}`);
  return out.join('\n');
}

function perfTable(threads) {
  const out = [];
  for (const t of threads ?? []) {
    out.push(`*${t.thread}* — ${n(t.pctOfProcess, 0)}% of the process’s samples`);
    out.push('');
    out.push(
      table(
        ['% of thread', 'where (syscall or leaf)  <-  nearest frame of interest'],
        t.top.map((x) => [n(x.pctOfThread, 1), `\`${x.where}\``]),
      ),
    );
    out.push('');
  }
  return out.join('\n');
}

function profileSection(R) {
  const P = R.profile;
  if (!P) return 'Not run (--quick or --no-profile).';
  if (P.error) return `Failed: ${P.error}`;
  const out = [];
  const cap = P.capture;
  out.push('Command: `node scripts/netns.js node bench/profile.js ewpcap-batch` (raw profiles in bench/.build/prof/)');
  out.push('');
  const runs = [
    ['plain', cap.plain],
    ['under perf record', cap.perfRun],
    ['under perf trace -s', cap.traceRun],
    ['under --cpu-prof', cap.v8Run],
  ].filter(([, r]) => r);
  out.push(
    table(
      [
        "ewpcap 'batch', defaults, full-rate flood",
        'offered pps',
        'captured / received',
        'drops',
        'CPU s/M (main, other threads)',
        'packets per batch',
      ],
      runs.map(([l, r]) => [
        l,
        int(r.offeredPps),
        `${int(r.captured)} / ${int(r.expected)}`,
        int(r.drop),
        `${n(r.cpuPerMillion)} (${n(r.mainThreadCpuPerMillion)}, ${n(r.otherThreadsCpuPerMillion)})`,
        n(r.packetsPerBatch, 0),
      ]),
    ),
  );
  out.push('');
  if (cap.perf) {
    out.push(
      'perf record -g, samples per thread (kernel samples of this paravirtualised guest land on pvm_irq_enable; they are attributed here to the system call on their stack):',
    );
    out.push('');
    out.push(perfTable(cap.perf));
  }
  if (cap.syscalls?.length) {
    out.push('perf trace -s, system calls per thread over the flood:');
    out.push('');
    out.push(
      table(
        ['thread', 'events', 'busiest system calls (calls, total ms)'],
        cap.syscalls.map((t) => [
          t.thread,
          int(t.events),
          t.calls.map((c) => `${c.syscall} ${int(c.calls)} (${n(c.totalMs, 0)} ms)`).join(', '),
        ]),
      ),
    );
    out.push('');
  }
  if (cap.v8?.length) {
    out.push('node --cpu-prof, top self time per thread:');
    out.push('');
    for (const p of cap.v8) {
      out.push(
        `*${p.thread}* (${n(p.totalMs, 0)} ms sampled): ` +
          p.rows
            .slice(0, 8)
            .map((r) => `${r.fn} ${n(r.pct, 1)}%`)
            .join(', '),
      );
      out.push('');
    }
  }
  if (P.inject) {
    out.push(
      `ewpcap write() flood under perf record (200,000 writes, 1024 in flight: ${int(P.inject.run.pps)} frames/s, ${n(P.inject.run.cpuPerMillion)} s CPU per M):`,
    );
    out.push('');
    out.push(perfTable(P.inject.perf));
  }
  return out.join('\n');
}

function render(R) {
  const M = R.machine;
  const out = [];
  out.push('# ewpcap live-capture benchmarks');
  out.push('');
  out.push(
    `Generated by \`${['node bench/run.js', ...R.argv.filter((a) => a !== '--inside')].join(' ')}\` on ${M.date} in ${n(R.seconds / 60, 1)} min ` +
      `(commit ${M.commit}${M.dirtyOutsideBench ? `, with ${M.dirtyOutsideBench} uncommitted change(s) outside bench/` : ''}). ` +
      'Rerun it to refresh every table; the analysis at the end is written by hand (bench/ANALYSIS.md) from the run it names.',
  );
  if (R.quick) out.push('\n> **--quick run**: one run per figure and fewer packets; a smoke test, not a measurement.');
  for (const r of R.reruns ?? []) {
    out.push(
      `\n> Re-measured with \`node bench/run.js --only ${r.parts.join(',')}\` on ${r.at}${r.note ? ` (${r.note})` : ''}; the parts not re-measured are from the full run.`,
    );
  }
  out.push('');
  out.push('## Machine');
  out.push('');
  out.push(
    table(
      ['', ''],
      [
        ['CPUs (nproc)', `${M.nproc} × ${M.cpu}`],
        ['memory', `${n(M.memoryGiB, 0)} GiB`],
        ['kernel / OS', `${M.kernel} / ${M.os}`],
        ['Node', M.node],
        ['libpcap (as loaded by ewpcap)', M.libpcap],
        ['tcpdump', M.tcpdump],
        ['tcpreplay', M.tcpreplay],
        ['node_pcap', M.nodePcap],
        ['perf', M.perf],
        ['cc', M.cc],
      ],
    ),
  );
  out.push('');
  const loadRows = Object.entries(R.load).map(([k, l]) => {
    const w = R.waits?.[k];
    const waited = w ? (w.ms < 2500 ? 'no' : `${n(w.ms / 1000, 0)} s${w.quiet ? '' : ', still busy'}`) : '–';
    return [k, n(l.seconds, 0), `${n(l.foreignPct, 1)}%`, `${n(l.ownPct, 0)}%`, waited];
  });
  out.push(
    `Other processes on the machine: ${R.quietCheck ? (R.quietCheck.quiet ? `quiet at the start (${n(R.quietCheck.foreignPct, 1)}% of the CPUs)` : `**busy at the start (${n(R.quietCheck.foreignPct, 0)}% of the CPUs after waiting 90 s)**`) : 'not checked (--no-wait)'}. During each part:`,
  );
  out.push('');
  out.push(
    table(
      ['part', 'seconds', 'CPU used by other processes', 'CPU used by the benchmark', 'waited for quiet before it'],
      loadRows,
    ),
  );
  out.push('');
  out.push('## Targets');
  out.push('');
  out.push(targets(R));
  out.push('');
  out.push('## 1. Flood: capture under a full-rate generator');
  out.push('');
  out.push(floodSection(R));
  out.push('');
  out.push('## 2. Latency: send to handler at 1,000 packets/s');
  out.push('');
  out.push(latencySection(R));
  out.push('');
  out.push('## 3. Lifecycle: open, first packet, churn, close');
  out.push('');
  out.push(lifecycleSection(R));
  out.push('');
  out.push('## 4. Inject: frames per second through write()');
  out.push('');
  out.push(injectSection(R));
  out.push('');
  out.push('## 5. Profiles');
  out.push('');
  out.push(profileSection(R));
  out.push('');
  out.push('## 6. The event-loop measure’s own floor: no capture, no work');
  out.push('');
  out.push(eldFloorSection(R));
  out.push('');
  out.push('## What could not be measured, and caveats');
  out.push('');
  const notes = [
    'Event-loop delay is perf_hooks.monitorEventLoopDelay({ resolution: 1 }); it records whole 1 ms timer intervals, so every figure here is the recorded value minus 1 ms (0 = on time). In the flood it is the same sampling by a histogram of the benchmark’s own that can pause, from the capturer’s first packet until it caught up, paused while nothing arrived for 50 ms; the parent reads veth counters from /proc/net/dev instead of spawning `ip` (a spawn took 3 ms of the capturer’s CPU under perf sched).',
    'This is a 2-CPU paravirtualised VM: a system call costs ~1–2 µs and a thread wake-up tens of µs, several times bare metal, and the idle event loop already shows multi-millisecond outliers (baseline in section 3). The generator takes one CPU at full rate, so a capturer’s threads share the other; absolute figures are this machine’s, the comparisons between capturers are the point.',
    'tcpdump has no event loop: its rows have no event-loop figures. Its CPU and peak RSS come from /proc.',
    'Kernel drops are libpcap’s ps_drop (PACKET_STATISTICS tp_drops: ring full). veth1’s own “rx dropped” counter counts the stack discarding the unknown ethertype after the taps and is not a capture loss.',
    'perf here samples with cpu-clock (no hardware counters in the guest); kernel samples are attributed through their call stacks. libpcap has no frame pointers, so user-space stacks stop inside it.',
  ];
  if (R.prep?.tsc) notes.push(`dist/: ${R.prep.tsc}.`);
  if (R.prep?.nodePcap) notes.push(`node_pcap: ${R.prep.nodePcap}.`);
  for (const part of ['flood', 'zeroDrop', 'latency', 'lifecycle', 'eldFloor', 'inject', 'profile'])
    if (R[part]?.error) notes.push(`${part} failed: ${R[part].error.split('\n')[0]}`);
  for (const [k, l] of Object.entries(R.load))
    if (l.foreignPct > 10)
      notes.push(
        `During “${k}” other processes used ${n(l.foreignPct, 0)}% of the machine: its figures are disturbed.`,
      );
  out.push(notes.map((x) => `- ${x}`).join('\n'));
  out.push('');
  const analysis = path.join(C.BENCH, 'ANALYSIS.md');
  if (fs.existsSync(analysis)) {
    out.push(fs.readFileSync(analysis, 'utf8').trim());
    out.push('');
  }
  return out.join('\n');
}

module.exports = { render };

if (require.main === module) {
  if (has('--render')) {
    // Re-render RESULTS.md from bench/.build/results.json (after editing ANALYSIS.md).
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
