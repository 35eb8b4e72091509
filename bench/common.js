'use strict';
/*
 * Helpers shared by the ewpcap benchmarks (bench/*.js). Benchmarks, not
 * tests: they measure and report, they never assert.
 *
 * Everything here runs inside the private network namespace that
 * scripts/netns.js makes (veth0 <-> veth1); inNamespace() refuses otherwise,
 * so no frame of the flood can leave the sandbox.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');

const BENCH = __dirname;
const ROOT = path.resolve(BENCH, '..');
const BUILD = path.join(BENCH, '.build');
const DEV0 = process.env.EWPCAP_TEST_DEV0 || 'veth0';
const DEV1 = process.env.EWPCAP_TEST_DEV1 || 'veth1';
const CLK_TCK = 100; // getconf CLK_TCK on Linux/x86_64
const ETHERTYPE = 0x88b5; // the generator's frames (IEEE 802 local experimental)

function inNamespace() {
  if (process.env.EWPCAP_NETNS !== '1') {
    throw new Error(
      'run the benchmarks inside the private network namespace: node scripts/netns.js node bench/<script>.js (or node bench/run.js)',
    );
  }
}

/**
 * The library as built (dist/): this tree's, or the built tree that
 * EWPCAP_BENCH_LIB names, for an A/B against another commit (METHOD.md).
 */
function ewpcap() {
  return require(path.join(process.env.EWPCAP_BENCH_LIB || ROOT, 'dist'));
}

/** The library's option defaults module (dist/options.js), for defaults the API does not export. */
function ewpcapOptions() {
  return require(path.join(process.env.EWPCAP_BENCH_LIB || ROOT, 'dist', 'options'));
}

// ---- numbers -----------------------------------------------------------------

function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return NaN;
  const s = v.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Event-loop delay from perf_hooks.monitorEventLoopDelay({ resolution: 1 }).
 * The histogram records whole timer intervals (about 1.1 ms on an idle loop),
 * so the figures here are the delay *beyond* the 1 ms interval, in ms.
 */
function eld(histogram, resolutionMs = 1) {
  const beyond = (ns) => Math.max(0, ns / 1e6 - resolutionMs);
  return {
    p50: beyond(histogram.percentile(50)),
    p99: beyond(histogram.percentile(99)),
    max: beyond(histogram.max),
    samples: histogram.count,
  };
}

// ---- processes -----------------------------------------------------------------

/** CPU seconds of a process or thread from /proc (utime + stime). */
function procCpu(pid, tid) {
  const file = tid ? `/proc/${pid}/task/${tid}/stat` : `/proc/${pid}/stat`;
  const text = fs.readFileSync(file, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Peak resident set (VmHWM) of a process in KiB. */
function procHwmKiB(pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** CPU seconds of each thread of this process: the main thread (tid = pid) and the rest. */
function threadCpu() {
  const pid = process.pid;
  const out = { main: 0, others: 0, byThread: {} };
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    let cpu;
    let comm;
    try {
      cpu = procCpu(pid, tid);
      comm = fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
    } catch {
      continue; // the thread ended meanwhile
    }
    out.byThread[`${tid}:${comm}`] = cpu;
    if (Number(tid) === pid) out.main += cpu;
    else out.others += cpu;
  }
  return out;
}

/**
 * Run-queue wait of this process's main thread and of all its threads, in ms
 * (/proc/.../schedstat: time runnable but not running). Shows whether an
 * event-loop delay is the loop being busy or the thread waiting for a CPU.
 */
function runqueueWaitMs() {
  const pid = process.pid;
  let main = 0;
  let all = 0;
  const byThread = {};
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const [run, wait] = fs
        .readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8')
        .split(' ')
        .map((x) => Number(x) / 1e6);
      all += wait;
      byThread[tid] = { run, wait };
      if (Number(tid) === pid) main = wait;
    } catch {
      // gone
    }
  }
  return { main, all, byThread };
}

/**
 * Between two runqueueWaitMs() snapshots: the thread other than the main one
 * that ran the most (the capture thread, in a capture process) and how long
 * it waited for a CPU.
 */
function busiestOtherThread(before, after) {
  let best;
  for (const [tid, a] of Object.entries(after.byThread)) {
    if (Number(tid) === process.pid) continue;
    const b = before.byThread[tid] ?? { run: 0, wait: 0 };
    const run = a.run - b.run;
    if (!best || run > best.runMs) best = { tid: Number(tid), runMs: run, waitMs: a.wait - b.wait };
  }
  return best;
}

function threadCpuDelta(before, after) {
  const byThread = {};
  for (const [k, v] of Object.entries(after.byThread)) byThread[k] = v - (before.byThread[k] ?? 0);
  return { main: after.main - before.main, others: after.others - before.others, byThread };
}

function sh(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

function firstLine(text) {
  return (
    (text || '')
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? ''
  );
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- machine load ----------------------------------------------------------------

/** Busy (user+nice+system) and total jiffies of the whole machine, from /proc/stat. */
function systemTicks() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return { busy: f[0] + f[1] + f[2], total: f.reduce((a, b) => a + b, 0) };
}

/** CPU jiffies of a process tree (live members plus what they reaped). */
function treeTicks(root = process.pid) {
  const parent = new Map();
  const ticks = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(f[1]));
      ticks.set(Number(name), Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]));
    } catch {
      // gone
    }
  }
  let sum = 0;
  for (const [pid, t] of ticks) {
    for (let p = pid; p > 1; p = parent.get(p) ?? 0) {
      if (p === root) {
        sum += t;
        break;
      }
    }
  }
  return sum;
}

/**
 * Measures the CPU that processes outside this benchmark's own process tree
 * use meanwhile (another test run, a build): as a % of the whole machine.
 */
function loadMonitor(root = process.pid) {
  const s0 = systemTicks();
  const t0 = treeTicks(root);
  return () => {
    const s1 = systemTicks();
    const t1 = treeTicks(root);
    const total = s1.total - s0.total;
    return {
      foreignPct: total > 0 ? Math.max(0, (100 * (s1.busy - s0.busy - (t1 - t0))) / total) : NaN,
      ownPct: total > 0 ? (100 * (t1 - t0)) / total : NaN,
      busyPct: total > 0 ? (100 * (s1.busy - s0.busy)) / total : NaN,
    };
  };
}

/** Waits (up to maxMs) for a 2 s window in which foreign processes use < limitPct of the machine. */
async function waitForQuiet({ limitPct = 10, maxMs = 90_000, log = () => {} } = {}) {
  const until = Date.now() + maxMs;
  let last;
  for (;;) {
    const m = loadMonitor();
    await sleep(2000);
    last = m();
    if (last.foreignPct < limitPct) return { quiet: true, ...last };
    if (Date.now() >= until) return { quiet: false, ...last };
    log(`  machine busy: ${last.foreignPct.toFixed(0)}% of the CPUs used by other processes; waiting ...`);
  }
}

// ---- network -----------------------------------------------------------------

const macs = new Map();
/** A device's MAC address (asked of `ip` once per device: the generator's start needs it every run). */
function mac(dev) {
  if (!macs.has(dev)) macs.set(dev, JSON.parse(sh('ip', ['-j', 'link', 'show', dev]).stdout)[0].address);
  return macs.get(dev);
}

/**
 * A device's counters from /proc/net/dev, which shows the reading process's
 * network namespace (sysfs would show the one it was mounted in). Read, not
 * `ip -s link`: spawning a process from this benchmark's parent would take
 * CPU from the capturer it measures (seen under perf sched: 3 ms).
 */
function netStats(dev) {
  const line = fs
    .readFileSync('/proc/net/dev', 'latin1')
    .split('\n')
    .find((l) => l.trim().startsWith(`${dev}:`));
  if (!line) throw new Error(`${dev} is not in /proc/net/dev`);
  // rx: bytes packets errs drop fifo frame compressed multicast; tx: bytes packets errs drop ...
  const f = line
    .slice(line.indexOf(':') + 1)
    .trim()
    .split(/\s+/)
    .map(Number);
  return { rx_packets: f[1], rx_dropped: f[3], tx_packets: f[9], tx_dropped: f[11] };
}

/** b - a for every counter of b (veth counters, capture statistics). */
function netDelta(a, b) {
  const out = {};
  for (const k of Object.keys(b)) out[k] = b[k] - a[k];
  return out;
}

/** A 60-byte frame like the generator's (veth0 -> veth1), with room for a seq and a timestamp. */
function frame(seq = 0n, stamp = 0n) {
  const f = Buffer.alloc(60);
  Buffer.from(
    mac(DEV1)
      .split(':')
      .map((h) => parseInt(h, 16)),
  ).copy(f, 0);
  Buffer.from(
    mac(DEV0)
      .split(':')
      .map((h) => parseInt(h, 16)),
  ).copy(f, 6);
  f.writeUInt16BE(ETHERTYPE, 12);
  f.write('EWPB', 14, 'latin1');
  f.writeBigUInt64LE(BigInt(seq), 22);
  f.writeBigUInt64LE(BigInt(stamp), 30);
  return f;
}

// ---- the generator ---------------------------------------------------------------

const GEN_SRC = path.join(BENCH, 'gen.c');
const GEN_BIN = path.join(BUILD, 'gen');

/** Compiles bench/gen.c into bench/.build/gen when it is missing or older than its source. */
function buildGen() {
  fs.mkdirSync(BUILD, { recursive: true });
  const stale = !fs.existsSync(GEN_BIN) || fs.statSync(GEN_BIN).mtimeMs < fs.statSync(GEN_SRC).mtimeMs;
  if (stale) {
    const r = sh('cc', ['-O2', '-Wall', '-o', GEN_BIN, GEN_SRC]);
    if (r.status !== 0) throw new Error(`cc bench/gen.c failed: ${r.stderr || r.error}`);
  }
  return GEN_BIN;
}

function genArgs({ count = 2_000_000, rate = 0, burst = 0, stamp = false } = {}) {
  const args = ['-i', DEV0, '-d', mac(DEV1), '-s', mac(DEV0), '-n', String(count), '-r', String(rate)];
  if (burst) args.push('-b', String(burst));
  if (stamp) args.push('-T');
  return args;
}

/**
 * Starts the generator; `done` resolves with its JSON report plus the veth
 * counters' deltas over the run. stop() ends an endless (count 0) run.
 */
function startGen(options = {}) {
  const bin = buildGen();
  const before0 = netStats(DEV0);
  const before1 = netStats(DEV1);
  const child = spawn(bin, genArgs(options), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const done = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`generator exited ${code}: ${err.trim()}`));
      const report = JSON.parse(firstLine(out));
      report.veth0 = netDelta(before0, netStats(DEV0));
      report.veth1 = netDelta(before1, netStats(DEV1));
      if (err.trim()) report.stderr = err.trim();
      resolve(report);
    });
  });
  return { child, done, stop: () => child.kill('SIGTERM') };
}

// ---- child processes ---------------------------------------------------------------

/**
 * Forks a bench child (plain Node) with an IPC channel. Returns helpers to
 * wait for a message of a type and to send one.
 */
function forkChild(script, args = [], { execArgv = [] } = {}) {
  const { fork } = require('node:child_process');
  const child = fork(script, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const inbox = [];
  const waiters = [];
  let exited = null;
  child.on('message', (m) => {
    const w = waiters.findIndex((x) => x.type === m.type || m.type === 'error');
    if (w >= 0) waiters.splice(w, 1)[0].resolve(m);
    else inbox.push(m);
  });
  child.on('exit', (code, sig) => {
    exited = { code, sig };
    for (const w of waiters.splice(0))
      w.reject(new Error(`${path.basename(script)} exited (${code ?? sig}) before "${w.type}"`));
  });
  return {
    child,
    send: (m) => child.send(m),
    wait(type, timeoutMs = 60_000) {
      const at = inbox.findIndex((m) => m.type === type || m.type === 'error');
      if (at >= 0) return Promise.resolve(inbox.splice(at, 1)[0]);
      if (exited) return Promise.reject(new Error(`${path.basename(script)} exited (${exited.code ?? exited.sig})`));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${path.basename(script)}: no "${type}" within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          type,
          resolve: (m) => {
            clearTimeout(timer);
            if (m.type === 'error') reject(new Error(`${path.basename(script)}: ${m.message}`));
            else resolve(m);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
      });
    },
    exited: () =>
      new Promise((resolve) => (exited ? resolve(exited) : child.on('exit', (code, sig) => resolve({ code, sig })))),
  };
}

/** For a child: report an uncaught failure to the parent, then exit. */
function childGuard() {
  const fail = (e) => {
    try {
      process.send?.({ type: 'error', message: e && e.stack ? e.stack : String(e) });
    } finally {
      setTimeout(() => process.exit(1), 50);
    }
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
}

// ---- peers ---------------------------------------------------------------------------

const PEERS = path.join(BENCH, 'peers');

/** node_pcap (npm `pcap`) from bench/peers/, or the reason it is not there. */
function nodePcap() {
  try {
    return { pcap: require(path.join(PEERS, 'node_modules', 'pcap')) };
  } catch (e) {
    return { error: e.message.split('\n')[0] };
  }
}

/** Installs and builds node_pcap into bench/peers/ if needed. Returns null or the reason it failed. */
function ensureNodePcap(log = () => {}) {
  const binding = path.join(PEERS, 'node_modules', 'pcap', 'build', 'Release', 'pcap_binding.node');
  if (fs.existsSync(binding)) return null;
  log('installing node_pcap (npm pcap) into bench/peers/ ...');
  let r = sh('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: PEERS });
  if (r.status !== 0) return `npm install pcap failed: ${firstLine(r.stderr)}`;
  // npm may hold back install scripts; build the addon explicitly with the
  // project's own node-gyp (dev dependency), against the installed Node headers.
  const gyp = path.join(ROOT, 'node_modules', '.bin', 'node-gyp');
  const args = ['rebuild'];
  if (fs.existsSync('/usr/include/node/node.h')) args.push('--nodedir=/usr');
  r = sh(gyp, args, { cwd: path.join(PEERS, 'node_modules', 'pcap') });
  if (r.status !== 0)
    return `building node_pcap failed: ${firstLine(
      r.stderr
        .split('\n')
        .filter((l) => /error/i.test(l))
        .join('\n'),
    )}`;
  return null;
}

function tool(name, versionArgs) {
  const r = sh(name, versionArgs);
  if (r.error) return null;
  return firstLine(r.stdout + '\n' + r.stderr);
}

module.exports = {
  BENCH,
  ROOT,
  BUILD,
  DEV0,
  DEV1,
  ETHERTYPE,
  inNamespace,
  ewpcap,
  ewpcapOptions,
  percentile,
  median,
  eld,
  procCpu,
  procHwmKiB,
  threadCpu,
  threadCpuDelta,
  runqueueWaitMs,
  busiestOtherThread,
  systemTicks,
  treeTicks,
  loadMonitor,
  waitForQuiet,
  sh,
  sleep,
  firstLine,
  mac,
  netStats,
  netDelta,
  frame,
  buildGen,
  startGen,
  forkChild,
  childGuard,
  nodePcap,
  ensureNodePcap,
  tool,
};
