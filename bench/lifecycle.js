'use strict';
/*
 * Socket lifecycle costs, each part in a fresh process:
 *
 *   node scripts/netns.js node bench/lifecycle.js [--cold 5] [--cycles 100] [--closes 120]
 *
 *   first-packet  open() -> first 'packet' event while the generator sends
 *                 10,000 frames/s (bursts of 10, 1 ms apart): cold (the process's first socket: the
 *                 capture thread is spawned, libpcap loaded) and warm (a
 *                 pooled thread reused), plus how long open() itself took.
 *   churn         100 sequential open() + 'packet' listener + close()
 *                 cycles, without traffic and with 10,000 frames/s, under
 *                 monitorEventLoopDelay({ resolution: 1 }) and a 1 ms
 *                 interval probe: total time and the worst event-loop stall.
 *   close         close() latency with timeout 'infinity' and no traffic (the
 *                 capture thread is asleep in poll): open, add a listener,
 *                 wait 20 ms, time close(). At least 100 samples.
 */
const { monitorEventLoopDelay } = require('node:perf_hooks');
const C = require('./common');

const FILTER = `ether proto 0x${C.ETHERTYPE.toString(16)}`;

/** Largest gap between ticks of a 1 ms interval, minus 1 ms: a second opinion on stalls. */
function stallProbe() {
  let last = process.hrtime.bigint();
  let worst = 0;
  const timer = setInterval(() => {
    const now = process.hrtime.bigint();
    worst = Math.max(worst, Number(now - last) / 1e6 - 1);
    last = now;
  }, 1);
  return { stop: () => (clearInterval(timer), worst) };
}

function summary(values) {
  return {
    n: values.length,
    p50: C.percentile(values, 50),
    p99: C.percentile(values, 99),
    max: values.length ? Math.max(...values) : NaN,
    mean: values.reduce((a, b) => a + b, 0) / (values.length || 1),
  };
}

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

async function openToFirstPacket(open, options) {
  const t0 = process.hrtime.bigint();
  const socket = await open(C.DEV1, options);
  const opened = ms(t0);
  await new Promise((resolve) => socket.once('packet', resolve));
  const first = ms(t0);
  await socket.close();
  return { opened, first };
}

// ---- children ----------------------------------------------------------------

async function childFirstPacket(warmCount) {
  const { open } = C.ewpcap();
  const cold = await openToFirstPacket(open, { filter: FILTER });
  const warm = [];
  for (let i = 0; i < warmCount; i++) warm.push(await openToFirstPacket(open, { filter: FILTER }));
  process.send({ type: 'result', cold, warm });
}

async function childChurn(cycles) {
  const { open, diagnostics } = C.ewpcap();
  // Warm the pool first, so the figure is the steady churn (the cold start is measured above).
  await (await open(C.DEV1)).close();
  const h = monitorEventLoopDelay({ resolution: 1 });
  const probe = stallProbe();
  h.enable();
  const per = [];
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < cycles; i++) {
    const t = process.hrtime.bigint();
    const s = await open(C.DEV1);
    s.on('packet', () => {});
    await s.close();
    per.push(ms(t));
  }
  const total = ms(t0);
  h.disable();
  const worstProbe = probe.stop();
  await C.sleep(50);
  process.send({
    type: 'result',
    cycles,
    totalMs: total,
    cycle: summary(per),
    eld: C.eld(h),
    worstProbeStallMs: worstProbe,
    diagnostics: diagnostics(),
  });
}

async function childClose(samples) {
  const { open, diagnostics } = C.ewpcap();
  await (await open(C.DEV1, { timeout: 'infinity' })).close(); // warm the pool
  const h = monitorEventLoopDelay({ resolution: 1 });
  const probe = stallProbe();
  h.enable();
  const closes = [];
  for (let i = 0; i < samples; i++) {
    const s = await open(C.DEV1, { timeout: 'infinity' });
    s.on('packet', () => {});
    await C.sleep(20); // the capture thread is now asleep in poll()
    const t = process.hrtime.bigint();
    await s.close();
    closes.push(ms(t));
  }
  h.disable();
  const worstProbe = probe.stop();
  process.send({
    type: 'result',
    close: summary(closes),
    eld: C.eld(h),
    worstProbeStallMs: worstProbe,
    diagnostics: diagnostics(),
  });
}

// ---- parent ------------------------------------------------------------------

async function inChild(args, timeoutMs = 120_000) {
  const c = C.forkChild(__filename, ['--child', ...args.map(String)]);
  const r = await c.wait('result', timeoutMs);
  c.send({ type: 'exit' });
  await c.exited();
  return r;
}

async function lifecycleAll({ cold = 5, warm = 20, cycles = 100, closes = 120, log = () => {} } = {}) {
  const out = {};
  // Bursts of 10 frames 1 ms apart: one frame every 100 µs woke the generator
  // 10,000 times a second, and each wake-up (plus its 20 µs of spinning)
  // preempted the capturer's main thread on this 2-CPU machine (perf sched),
  // which put 6-13 ms stalls into churn runs that had none of their own.
  const traffic = C.startGen({ count: 0, rate: 10_000, burst: 10 });
  try {
    const firsts = [];
    for (let i = 0; i < cold; i++) {
      const r = await inChild(['first', i === 0 ? warm : 0]);
      firsts.push(r);
      log(
        `  first packet, fresh process ${i + 1}: open ${r.cold.opened.toFixed(2)} ms, first packet ${r.cold.first.toFixed(2)} ms`,
      );
    }
    const warmRuns = firsts[0].warm;
    out.firstPacket = {
      cold: { opened: summary(firsts.map((r) => r.cold.opened)), first: summary(firsts.map((r) => r.cold.first)) },
      warm: { opened: summary(warmRuns.map((r) => r.opened)), first: summary(warmRuns.map((r) => r.first)) },
    };
    out.churnTraffic = [];
    for (let i = 0; i < 3; i++) out.churnTraffic.push(await inChild(['churn', cycles]));
    log(
      `  churn with 10k pps: ${out.churnTraffic.map((r) => `${r.totalMs.toFixed(0)} ms, eld max ${r.eld.max.toFixed(2)} ms`).join('; ')}`,
    );
  } finally {
    traffic.stop();
    await traffic.done.catch(() => {});
  }
  out.churnIdle = [];
  for (let i = 0; i < 3; i++) out.churnIdle.push(await inChild(['churn', cycles]));
  log(
    `  churn idle: ${out.churnIdle.map((r) => `${r.totalMs.toFixed(0)} ms, eld max ${r.eld.max.toFixed(2)} ms`).join('; ')}`,
  );
  out.close = await inChild(['close', closes], 60_000 + closes * 200);
  log(
    `  close: p50 ${out.close.close.p50.toFixed(2)} p99 ${out.close.close.p99.toFixed(2)} max ${out.close.close.max.toFixed(2)} ms`,
  );
  // Baseline: the same histogram in a process with nothing to do.
  out.idleBaseline = await inChild(['idle', 2000]);
  return out;
}

async function childIdle(durationMs) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  const probe = stallProbe();
  h.enable();
  await C.sleep(durationMs);
  h.disable();
  process.send({ type: 'result', eld: C.eld(h), worstProbeStallMs: probe.stop() });
}

module.exports = { lifecycleAll };

if (require.main === module) {
  C.inNamespace();
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    C.childGuard();
    process.on('message', (m) => m.type === 'exit' && setTimeout(() => process.exit(0), 10));
    const [what, n] = [argv[1], Number(argv[2])];
    const run = { first: childFirstPacket, churn: childChurn, close: childClose, idle: childIdle }[what];
    run(n);
  } else {
    const arg = (n, d) => (argv.includes(n) ? Number(argv[argv.indexOf(n) + 1]) : d);
    lifecycleAll({
      cold: arg('--cold', 5),
      cycles: arg('--cycles', 100),
      closes: arg('--closes', 120),
      log: (s) => console.error(s),
    })
      .then((o) => console.log(JSON.stringify(o, null, 2)))
      .catch((e) => {
        console.error(e);
        process.exit(1);
      });
  }
}
