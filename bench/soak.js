#!/usr/bin/env node
/*
 * Soak: 10,000,000 frames from bench/gen.c at full rate on veth0, captured
 * on veth1 with `timeout: 10` by a 'batch' listener that releases each
 * batch. Once a second it samples the process's RSS, threads and open file
 * descriptors; at the end it reports whether RSS stayed within 10% after
 * the warm-up (the first 10% of the frames), the kernel drops, and whether
 * the thread and descriptor counts stayed constant. It measures and reports
 * (bench/SOAK.md); it never fails on a figure.
 *
 *   node bench/soak.js [--count N] [--rate PPS]   (re-runs itself in the test namespace)
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { parseArgs } = require('node:util');

if (process.env.EWPCAP_NETNS !== '1') {
  const r = spawnSync(
    process.execPath,
    [path.join(__dirname, '..', 'scripts', 'netns.js'), process.execPath, __filename, ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  process.exit(r.status ?? 1);
}

const C = require('./common');
const { open } = require('../dist');

const { values } = parseArgs({
  options: { count: { type: 'string', default: '10000000' }, rate: { type: 'string', default: '0' } },
});
const COUNT = Number(values.count);
const RATE = Number(values.rate); // frames/s; 0: full rate
const DEV1 = process.env.EWPCAP_TEST_DEV1 || 'veth1';

function sample() {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  return {
    rss: process.memoryUsage().rss,
    threads: Number(/^Threads:\s+(\d+)/m.exec(status)[1]),
    fds: fs.readdirSync('/proc/self/fd').length,
  };
}

async function main() {
  const socket = await open(DEV1, { timeout: 10 });
  let captured = 0;
  socket.on('batch', (b) => {
    captured += b.count;
    b.release();
  });
  const samples = [];
  const started = Date.now();
  const timer = setInterval(() => samples.push({ t: Date.now() - started, captured, ...sample() }), 1000);
  const gen = await C.startGen({ count: COUNT, rate: RATE }).done;
  // Let the last batches arrive.
  for (let idle = 0, last = -1; idle < 20 && captured < gen.sent;) {
    await new Promise((r) => setTimeout(r, 100));
    idle = captured === last ? idle + 1 : 0;
    last = captured;
  }
  clearInterval(timer);
  samples.push({ t: Date.now() - started, captured, ...sample() });
  const stats = await socket.stats();
  await socket.close();

  const warm = samples.filter((s) => s.captured >= COUNT * 0.1);
  const rss = warm.map((s) => s.rss);
  const spread = Math.max(...rss) / Math.min(...rss) - 1;
  const threads = new Set(warm.map((s) => s.threads));
  // While the generator runs, its stdout and stderr pipes are two more
  // descriptors: counted apart from the last sample, taken after it ended.
  const fdsDuring = new Set(warm.slice(0, -1).map((s) => s.fds));
  const fdsAfter = warm[warm.length - 1].fds;
  const MB = (n) => (n / 2 ** 20).toFixed(1);
  const result = {
    sent: gen.sent,
    offeredPps: Math.round(gen.pps),
    captured,
    drop: stats.drop,
    ifdrop: stats.ifdrop,
    seconds: (samples[samples.length - 1].t / 1000).toFixed(1),
    rssAfterWarmupMB: `${MB(Math.min(...rss))}-${MB(Math.max(...rss))}`,
    rssSpreadPct: (spread * 100).toFixed(1),
    rssFlatWithin10Pct: spread <= 0.1,
    threads: [...threads].join(','),
    fds: `${[...fdsDuring].join(',')} during, ${fdsAfter} after`,
    samples: warm.length,
  };
  console.log(JSON.stringify(result, null, 2));
  const table = [
    '# Soak (bench/soak.js)',
    '',
    `Run of ${new Date().toISOString()}: \`node bench/soak.js --count ${COUNT} --rate ${RATE}\`, ${C.describeMachine?.() ?? `${require('node:os').cpus().length} CPUs`}, Node ${process.version}.`,
    `Frames from bench/gen.c at ${RATE ? `${RATE} frames/s` : 'full rate'} on veth0, captured on veth1 with \`timeout: 10\` by a 'batch' listener`,
    'that releases each batch; the process sampled once a second, after a warm-up of the first 10% of the frames.',
    '',
    '| sent | offered pps | captured | kernel drops | seconds | RSS after warm-up (MB) | RSS spread | threads | open fds | samples |',
    '| ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | --- | ---: |',
    `| ${result.sent} | ${result.offeredPps} | ${result.captured} | ${result.drop} | ${result.seconds} | ${result.rssAfterWarmupMB} | ${result.rssSpreadPct}% | ${result.threads} | ${result.fds} | ${result.samples} |`,
    '',
  ].join('\n');
  fs.writeFileSync(path.join(__dirname, 'SOAK.md'), table);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
