'use strict';
/*
 * Profiles one ewpcap capture process during a top-speed flood:
 *   - V8 CPU profiles of every thread (node --cpu-prof): main thread and the
 *     capture thread, summarised as top self-time functions;
 *   - perf record (if perf is installed and allowed) of the whole process,
 *     kernel and native frames included, summarised per thread;
 *   - perf trace -s (syscall counts per thread), when available.
 *
 *   node scripts/netns.js node bench/profile.js [config-key] [--count N]
 *
 * config-key is one of bench/flood.js's CONFIGS (default ewpcap-batch).
 * Raw profiles are left in bench/.build/prof/ for a closer look
 * (chrome://inspect or speedscope for .cpuprofile, perf report for perf.data).
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const C = require('./common');
const flood = require('./flood');

function topSelf(profile, n = 12) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  const dt = profile.timeDeltas;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const f = node.callFrame;
    const key =
      `${f.functionName || '(anonymous)'} ${f.url ? path.basename(f.url) + ':' + (f.lineNumber + 1) : ''}`.trim();
    const us = dt[i] ?? 0;
    self.set(key, (self.get(key) ?? 0) + us);
    total += us;
  }
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
  return { totalMs: total / 1000, rows: rows.map(([k, us]) => ({ fn: k, ms: us / 1000, pct: (100 * us) / total })) };
}

function perfAvailable() {
  const r = C.sh('perf', ['--version']);
  return !r.error && r.status === 0;
}

/** Runs one flood against a fresh capture child, with `attach(pid)` started before the generator. */
async function floodWith(config, { count, execArgv = [], attach } = {}) {
  const options = { buffer: flood.BUFFER, ...config.options, idleMs: 200 };
  const c = C.forkChild(path.join(__dirname, 'flood-capture.js'), [config.peer, JSON.stringify(options)], { execArgv });
  await c.wait('ready', 30_000);
  const tool = attach ? attach(c.child.pid) : undefined;
  if (tool) await C.sleep(300);
  const g = await C.startGen({ count }).done;
  c.send({ type: 'stop', expected: g.veth1.rx_packets });
  const r = await c.wait('result', 120_000);
  if (tool) {
    tool.kill('SIGINT');
    await new Promise((res) => tool.on('close', res));
  }
  await c.exited();
  return {
    offeredPps: g.pps,
    captured: r.captured,
    expected: r.expected,
    drop: r.stats.drop,
    cpuPerMillion: flood.perMillion(r),
    mainThreadCpuPerMillion: r.mainThreadCpu / (r.captured / 1e6),
    otherThreadsCpuPerMillion: r.otherThreadsCpu / (r.captured / 1e6),
    batches: r.batches,
    packetsPerBatch: r.batches ? r.captured / r.batches : undefined,
    eld: r.eld,
  };
}

/**
 * perf script output, aggregated per thread: where samples land, keyed by
 * the system call they are in (or "user") and the nearest frame of our own
 * code (ewpcap.node, libpcap, node's worker/MessagePort, V8 GC ...).
 */
function aggregatePerfScript(text) {
  const threads = new Map();
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n').filter((l) => l.trim());
    if (lines.length === 0) continue;
    const head = /^\s*(.+?)\s+(\d+)\s+[\d.]+:/.exec(lines[0]);
    if (!head) continue;
    const frames = lines.slice(1).map((l) => {
      const m = /^\s*[0-9a-f]+\s+(.+?)\s+\((.+)\)\s*$/.exec(l);
      return m ? { sym: m[1].replace(/\+0x[0-9a-f]+$/, ''), dso: path.basename(m[2]) } : { sym: l.trim(), dso: '' };
    });
    const kernel = frames.filter((f) => f.dso === '[kernel.kallsyms]');
    const sys = kernel.map((f) => /^__(?:x64|do)_sys_(\w+)/.exec(f.sym)).find(Boolean);
    const user = frames.filter((f) => f.dso !== '[kernel.kallsyms]');
    let where;
    if (sys) where = `syscall ${sys[1]}`;
    else if (kernel.length && !user.length) where = 'kernel (irq/softirq)';
    else if (kernel.length)
      where = `kernel: ${kernel.find((f) => !/irq_enable|pvm_/.test(f.sym))?.sym ?? kernel[0].sym}`;
    else where = `user: ${user[0]?.sym ?? '?'} [${user[0]?.dso ?? '?'}]`;
    const ours =
      user.find((f) => f.dso === 'ewpcap.node' || /libpcap/.test(f.dso)) ??
      user.find((f) =>
        /MessagePort|PostMessage|Heap::|Scavenge|MarkCompact|ArrayBuffer|uv__io_poll|uv_run/.test(f.sym),
      );
    const via = ours ? `${ours.sym.replace(/\(.*$/, '').slice(0, 70)} [${ours.dso}]` : '-';
    const name = `${head[1]} (${head[2]})`;
    const t = threads.get(name) ?? { thread: name, samples: 0, by: new Map() };
    t.samples++;
    const key = `${where}  <-  ${via}`;
    t.by.set(key, (t.by.get(key) ?? 0) + 1);
    threads.set(name, t);
  }
  const total = [...threads.values()].reduce((a, t) => a + t.samples, 0);
  return [...threads.values()]
    .filter((t) => t.samples / total > 0.03)
    .sort((a, b) => b.samples - a.samples)
    .map((t) => ({
      thread: t.thread,
      pctOfProcess: (100 * t.samples) / total,
      top: [...t.by.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 10)
        .map(([k, n]) => ({ where: k, pctOfThread: (100 * n) / t.samples })),
    }));
}

/**
 * Three floods against fresh capture processes of one configuration: one
 * under perf record (stacks of every thread), one under perf trace -s
 * (system calls per thread), one with node --cpu-prof (JavaScript of the
 * main and the capture thread). Separately, so the tools' overheads do not
 * add up in one run; each run's own figures are reported beside it.
 */
async function profile(key = 'ewpcap-batch', { count = 2_000_000, log = () => {} } = {}) {
  const config = flood.CONFIGS.find((c) => c.key === key);
  if (!config || !config.peer) throw new Error(`no Node capture configuration ${key}`);
  const dir = path.join(C.BUILD, 'prof', key);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const out = { key, label: config.label, dir: path.relative(C.ROOT, dir) };

  out.plain = await floodWith(config, { count });
  log(`  profile ${key}: plain ${JSON.stringify(out.plain)}`);

  if (perfAvailable()) {
    const perfData = path.join(dir, 'perf.data');
    out.perfRun = await floodWith(config, {
      count,
      execArgv: ['--perf-basic-prof-only-functions'],
      attach: (pid) =>
        spawn('perf', ['record', '-q', '-F', '1999', '-g', '-p', String(pid), '-o', perfData], { stdio: 'ignore' }),
    });
    const script = C.sh('perf', ['script', '-i', perfData], { maxBuffer: 1 << 30 });
    out.perf = aggregatePerfScript(script.stdout);
    log(`  profile ${key}: perf record run ${JSON.stringify(out.perfRun)}`);

    const traceFile = path.join(dir, 'trace.txt');
    out.traceRun = await floodWith(config, {
      count,
      attach: (pid) => spawn('perf', ['trace', '-s', '-p', String(pid), '-o', traceFile], { stdio: 'ignore' }),
    });
    if (fs.existsSync(traceFile)) out.syscalls = summarizeTrace(fs.readFileSync(traceFile, 'utf8'));
    log(`  profile ${key}: perf trace run ${JSON.stringify(out.traceRun)}`);
  } else {
    out.perf = null;
  }

  const v8dir = path.join(dir, 'v8');
  out.v8Run = await floodWith(config, { count, execArgv: ['--cpu-prof', '--cpu-prof-dir', v8dir] });
  out.v8 = [];
  for (const f of fs.readdirSync(v8dir).filter((x) => x.endsWith('.cpuprofile'))) {
    const prof = JSON.parse(fs.readFileSync(path.join(v8dir, f), 'utf8'));
    const summary = topSelf(prof);
    // Thread ids in the file name: <pid>.0 is the main thread.
    const isMain = /\.\d+\.0\.\d+\.cpuprofile$/.test(f);
    out.v8.push({
      file: path.relative(C.ROOT, path.join(v8dir, f)),
      thread: isMain ? 'main thread' : 'worker thread',
      ...summary,
    });
  }
  out.v8 = out.v8.filter((p) => p.rows.some((r) => r.fn !== '(idle)' && r.ms > 20));
  log(`  profile ${key}: cpu-prof run ${JSON.stringify(out.v8Run)}`);
  return out;
}

/**
 * perf record of an ewpcap write() flood (bench/inject.js's child: 200,000
 * writes, 1024 in flight), summarised per thread like the capture profile.
 */
async function profileInject({ count = 200_000, window = 1024, log = () => {} } = {}) {
  if (!perfAvailable()) return null;
  const dir = path.join(C.BUILD, 'prof', 'inject');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const perfData = path.join(dir, 'perf.data');
  const c = C.forkChild(path.join(__dirname, 'inject.js'), ['--child', 'ewpcap', count, window].map(String), {
    execArgv: ['--perf-basic-prof-only-functions'],
  });
  await C.sleep(300);
  const perf = spawn('perf', ['record', '-q', '-F', '1999', '-g', '-p', String(c.child.pid), '-o', perfData], {
    stdio: 'ignore',
  });
  const r = await c.wait('result', 180_000);
  perf.kill('SIGINT');
  await new Promise((res) => perf.on('close', res));
  await c.exited();
  const out = {
    dir: path.relative(C.ROOT, dir),
    run: { pps: r.pps, cpuPerMillion: r.cpuPerMillion },
    perf: aggregatePerfScript(C.sh('perf', ['script', '-i', perfData], { maxBuffer: 1 << 30 }).stdout),
  };
  log(`  profile inject: ${JSON.stringify(out.run)}`);
  return out;
}

/** perf trace -s: per thread, the busiest syscalls (name, calls, total ms). */
function summarizeTrace(text) {
  const threads = [];
  let current;
  for (const line of text.split('\n')) {
    const head = /^\s*(\S.*?) \((\d+)\), (\d+) events/.exec(line);
    if (head) {
      current = { thread: `${head[1]} (${head[2]})`, events: Number(head[3]), calls: [] };
      threads.push(current);
      continue;
    }
    const row = /^\s+(\w+)\s+(\d+)\s+\d+\s+([\d.]+)/.exec(line);
    if (row && current) current.calls.push({ syscall: row[1], calls: Number(row[2]), totalMs: Number(row[3]) });
  }
  for (const t of threads) t.calls = t.calls.sort((a, b) => b.calls - a.calls).slice(0, 8);
  return threads.filter((t) => t.events > 1000).sort((a, b) => b.events - a.events);
}

module.exports = { profile, profileInject, topSelf, aggregatePerfScript };

if (require.main === module) {
  C.inNamespace();
  const argv = process.argv.slice(2);
  const key = argv.find((a) => !a.startsWith('--')) ?? 'ewpcap-batch';
  const i = argv.indexOf('--count');
  profile(key, { count: i >= 0 ? Number(argv[i + 1]) : 2_000_000, log: (s) => console.error(s) })
    .then((o) => console.log(JSON.stringify(o, null, 2)))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
