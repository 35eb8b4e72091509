'use strict';
/*
 * Where a process's event-loop stalls come from when its main thread is not
 * running: records the scheduler (`perf sched record`) while a command runs,
 * then lists every time the command's main thread waited longer than a
 * threshold between being woken and getting a CPU, and how much of that wait
 * some CPU of the machine sat idle.
 *
 *   node bench/sched-wait.js [--min-ms 1] [--from-mark] -- node bench/files.js --reader NAME FILE
 *
 * A long wait with every CPU busy is contention: more runnable threads than
 * CPUs. A long wait with a CPU idle is the scheduler's placement: the thread
 * was queued on a busy CPU and stayed there until a load balance moved it.
 * Linux moves a waking thread to an idle CPU only within the group of CPUs it
 * believes share a last-level cache; a virtual machine that reports no cache
 * topology (no /sys/devices/system/cpu/cpu0/cache) gets no such group, and a
 * waking main thread then waits behind whatever runs on its last CPU.
 *
 * --from-mark: only waits after the command printed a line "=== MEASURE" to
 * its standard output (the time is taken when that line arrives, so a few
 * hundred microseconds late). Needs `perf` (Debian: linux-perf) and root.
 * Prints a JSON summary on the last line.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
if (dash < 0 || dash === argv.length - 1) {
  console.error('usage: node bench/sched-wait.js [--min-ms 1] [--from-mark] -- COMMAND ARGS...');
  process.exit(2);
}
const opts = argv.slice(0, dash);
const command = argv.slice(dash + 1);
const minMs = opts.includes('--min-ms') ? Number(opts[opts.indexOf('--min-ms') + 1]) : 1;
const fromMark = opts.includes('--from-mark');

/** CLOCK_MONOTONIC in seconds, the clock `perf sched timehist` prints. */
function monotonicNow() {
  return Number(process.hrtime.bigint()) / 1e9;
}

/**
 * One `perf sched timehist --state` row: when the task's run ended (s), the
 * task, the time it spent off the CPU before the run, the part of that from
 * its wake-up to the run, the run (ms), and its state when the run ended
 * (R: preempted, still runnable; S, D: asleep).
 */
function parseTimehist(text) {
  const rows = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 7 || !/^\d+\.\d+$/.test(f[0])) continue;
    const [wait, delay, run] = [Number(f[3]), Number(f[4]), Number(f[5])];
    if (![wait, delay, run].every(Number.isFinite)) continue;
    rows.push({ end: Number(f[0]), task: f[2], wait, delay, run, state: f[6] });
  }
  return rows;
}

/** Length (s) of the union of intervals [a, b) clipped to [from, to). */
function coveredWithin(intervals, from, to) {
  const clipped = intervals
    .map(([a, b]) => [Math.max(a, from), Math.min(b, to)])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let cur;
  for (const [a, b] of clipped) {
    if (cur && a <= cur[1]) cur[1] = Math.max(cur[1], b);
    else {
      if (cur) total += cur[1] - cur[0];
      cur = [a, b];
    }
  }
  if (cur) total += cur[1] - cur[0];
  return total;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-sched-'));
  const data = path.join(dir, 'sched.data');
  try {
    let markAt;
    const child = spawn('perf', ['sched', 'record', '-q', '-k', 'mono', '-o', data, '--', ...command], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.on('data', (chunk) => {
      if (markAt === undefined && chunk.includes('=== MEASURE')) markAt = monotonicNow();
      process.stdout.write(chunk);
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`perf sched record exited with ${code} (is perf installed, and are we root?)`);
    const hist = spawnSync('perf', ['sched', 'timehist', '--state', '-i', data], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    if (hist.status !== 0) throw new Error(`perf sched timehist failed: ${hist.stderr}`);
    const rows = parseTimehist(hist.stdout);
    // The command's main thread: the first task shown without a thread id (`comm[pid]`, not `comm[tid/pid]`) whose comm is the command's.
    const comm = path.basename(command[0]).slice(0, 15);
    const main = rows.find((r) => r.task.startsWith(`${comm}[`) && !r.task.includes('/'))?.task;
    if (!main) throw new Error(`no ${comm} main thread in the recording`);
    const idle = rows.filter((r) => r.task === '<idle>').map((r) => [r.end - r.run / 1e3, r.end]);
    // Who held the CPUs meanwhile: the command's other threads, told apart
    // by whether they first ran before the mark (Node's and V8's own: the
    // compiler and collector helpers, libuv) or after it (threads the
    // measured part started, such as a pool thread), and other processes.
    const pid = main.slice(main.indexOf('[') + 1, -1);
    const firstRun = new Map();
    for (const r of rows) if (!firstRun.has(r.task)) firstRun.set(r.task, r.end - r.run / 1e3);
    const kind = (task) => {
      if (task === '<idle>') return undefined;
      if (!task.endsWith(`/${pid}]`)) return 'other processes';
      return fromMark && markAt !== undefined && firstRun.get(task) >= markAt
        ? 'threads started after the mark'
        : 'helper threads started before the mark';
    };
    const heldBy = (from, to) => {
      const by = {};
      for (const r of rows) {
        const k = r.task === main ? undefined : kind(r.task);
        if (!k) continue;
        const t = Math.min(r.end, to) - Math.max(r.end - r.run / 1e3, from);
        if (t > 0) by[k] = (by[k] ?? 0) + t * 1e3;
      }
      return by;
    };
    // The time the main thread was runnable but not running before each of
    // its runs: all of the time off the CPU after a preemption, the part
    // after its wake-up after a sleep.
    const waits = [];
    let preempted = false;
    for (const r of rows) {
      if (r.task !== main) continue;
      const runnableMs = preempted ? r.wait : r.delay;
      preempted = r.state === 'R';
      if (runnableMs < minMs) continue;
      const ran = r.end - r.run / 1e3;
      const from = ran - runnableMs / 1e3;
      if (fromMark && (markAt === undefined || from < markAt)) continue;
      waits.push({
        from,
        delayMs: runnableMs,
        idleMs: coveredWithin(idle, from, ran) * 1e3,
        heldBy: heldBy(from, ran),
      });
    }
    const heldTotal = {};
    for (const w of waits) {
      const held = Object.entries(w.heldBy)
        .map(([k, ms]) => `${k} ${ms.toFixed(2)} ms`)
        .join(', ');
      console.log(
        `main thread waited ${w.delayMs.toFixed(2)} ms for a CPU; a CPU was idle ${w.idleMs.toFixed(2)} ms of it; CPUs held by: ${held}`,
      );
      for (const [k, ms] of Object.entries(w.heldBy)) heldTotal[k] = +((heldTotal[k] ?? 0) + ms).toFixed(2);
    }
    const sum = (k) => waits.reduce((s, w) => s + w[k], 0);
    const summary = {
      cpus: os.cpus().length,
      cacheTopology: fs.existsSync('/sys/devices/system/cpu/cpu0/cache'),
      minMs,
      waits: waits.length,
      waitMs: +sum('delayMs').toFixed(2),
      idleMs: +sum('idleMs').toFixed(2),
      withIdleCpu: waits.filter((w) => w.idleMs >= w.delayMs / 2).length,
      longestMs: +Math.max(0, ...waits.map((w) => w.delayMs)).toFixed(2),
      heldBy: heldTotal,
    };
    console.log(JSON.stringify(summary));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
