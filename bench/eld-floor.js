'use strict';
/*
 * The event-loop measure's own floor: what monitorEventLoopDelay({
 * resolution: 1 }) reads in a process that does no work at all, except
 * receive a message from a worker thread every `period` ms and count it.
 * No capture, no network, no CPU load.
 *
 *   node bench/eld-floor.js [--runs 3] [--seconds 2]
 *
 * Why: libuv keeps the loop's clock in whole milliseconds. When something
 * wakes the loop between two runs of a 1 ms timer (a message posted by a
 * capture thread, a socket becoming readable), the loop computes its next
 * wait as "1 ms from now, in whole ms", so the timer runs up to 1 ms after
 * it was due. A capture library hands packets to the main thread at moments
 * that have nothing to do with the timer, so its event-loop figures include
 * this, whatever it does with the packets. Each variant runs in a fresh
 * process; between two messages the worker sleeps a random 0.5-1.5 times
 * the period (a timed Atomics.wait), so the messages fall anywhere in the
 * millisecond, as a capture's batches do.
 */
const { spawnSync } = require('node:child_process');
const C = require('./common');

/** Message periods in ms (0: no worker, no message). */
const PERIODS = [0, 0.5, 1, 2, 5, 10];

/** One fresh process: `node eld-floor.js --child PERIOD SECONDS` prints its figures. */
async function child(period, seconds) {
  const { Worker } = require('node:worker_threads');
  const { monitorEventLoopDelay } = require('node:perf_hooks');
  let received = 0;
  const worker =
    period > 0
      ? new Worker(
          `const { parentPort } = require('node:worker_threads');
           const cell = new Int32Array(new SharedArrayBuffer(4));
           for (;;) { Atomics.wait(cell, 0, 0, ${period} * (0.5 + Math.random())); parentPort.postMessage(0); }`,
          { eval: true },
        )
      : undefined;
  worker?.on('message', () => received++);
  // Let the worker start before measuring.
  await C.sleep(100);
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const at = received;
  await C.sleep(seconds * 1000);
  h.disable();
  await worker?.terminate();
  process.stdout.write(JSON.stringify({ period, messages: received - at, seconds, ...C.eld(h) }));
}

/** Every period, `runs` fresh processes each; medians of p50/p99/max (beyond the 1 ms timer). */
function eldFloorAll({ runs = 3, seconds = 2, log = () => {} } = {}) {
  const out = [];
  for (const period of PERIODS) {
    const samples = [];
    for (let i = 0; i < runs; i++) {
      const r = spawnSync(process.execPath, [__filename, '--child', String(period), String(seconds)], {
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`eld-floor child (period ${period}): ${r.stderr}`);
      samples.push(JSON.parse(r.stdout));
    }
    const m = (k) => C.median(samples.map((s) => s[k]));
    const row = {
      period,
      runs: samples,
      messagesPerSecond: m('messages') / seconds,
      p50: m('p50'),
      p99: m('p99'),
      max: m('max'),
      maxWorst: Math.max(...samples.map((s) => s.max)),
    };
    out.push(row);
    log(
      `  messages every ${period || '–'} ms: p99 ${row.p99.toFixed(2)} ms, max ${row.max.toFixed(2)} ms beyond the timer`,
    );
  }
  return { seconds, variants: out };
}

module.exports = { eldFloorAll, PERIODS };

if (require.main === module) {
  const argv = process.argv.slice(2);
  const arg = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
  if (argv[0] === '--child') {
    child(Number(argv[1]), Number(argv[2])).catch((e) => {
      console.error(e);
      process.exit(1);
    });
  } else {
    const result = eldFloorAll({
      runs: Number(arg('--runs', 3)),
      seconds: Number(arg('--seconds', 2)),
      log: (s) => console.error(s),
    });
    for (const row of result.variants) console.log(JSON.stringify({ ...row, runs: undefined }));
  }
}
