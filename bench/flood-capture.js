'use strict';
/*
 * One capturing process of the flood benchmark (forked by bench/flood.js):
 *
 *   node bench/flood-capture.js <peer> '<json options>'
 *
 * peer: ewpcap-batch | ewpcap-packet | node_pcap | none
 *
 * `none` is the control: it captures nothing. It polls veth1's receive
 * counter every 5 ms (/proc/net/dev, one small read) and counts those frames as
 * "delivered", so its event-loop figures cover the same window as a
 * capturer's: what a Node process that does almost nothing measures on this
 * machine while the generator floods. No capturer can do better than it.
 *
 * Opens the capture on veth1, counts packets and bytes (the least work a
 * consumer can do with each packet), measures an idle baseline of the
 * event-loop delay with the capture open, then tells the parent "ready".
 * On "stop" (the generator finished; it carries how many frames veth1
 * received) it waits for the capture to catch up (or to stall for
 * settleMs, default 300 ms), and reports: captured count, kernel drops,
 * event-loop delay beyond the 1 ms timer from the first packet until then,
 * CPU seconds (whole process and main thread), and peak RSS. With the
 * option `floods: n` it then says "ready" again and measures n floods in
 * all, each reported on its own.
 */
const { createHistogram, monitorEventLoopDelay } = require('node:perf_hooks');
const C = require('./common');

C.childGuard();
C.inNamespace();

const peer = process.argv[2];
const options = JSON.parse(process.argv[3] || '{}');
const IDLE_MS = options.idleMs ?? 1000;
// null: the library's own default buffer size.
const BUFFER = options.buffer === undefined ? 8 << 20 : options.buffer;
const bufferOption = (name) => (BUFFER === null ? {} : { [name]: BUFFER });

let count = 0;
let bytes = 0;
let batches = 0;
let firstAt = 0n;
let lastAt = 0n;
// The longest run of packets handed over without the event loop getting a
// turn in between (a 1 ms interval timer bumps `tick`): how much work one
// macrotask of delivery does, in packets and in milliseconds.
let tick = 0;
let runTick = -1;
let runPackets = 0;
let runStart = 0n;
let longestRun = { packets: 0, ms: 0 };
// Called once, at the first packet delivered after "ready".
let onFirstPacket = () => {};
function delivered(n) {
  const t = process.hrtime.bigint();
  if (runTick !== tick) {
    runTick = tick;
    runPackets = 0;
    runStart = t;
  }
  runPackets += n;
  if (runPackets > longestRun.packets) longestRun = { packets: runPackets, ms: Number(t - runStart) / 1e6 };
  if (firstAt === 0n) {
    firstAt = t;
    onFirstPacket();
  }
  lastAt = t;
}

async function openPeer() {
  if (peer === 'ewpcap-batch' || peer === 'ewpcap-packet') {
    const { open, prewarm } = C.ewpcap();
    if (options.prewarm) await prewarm();
    const openOptions = { ...bufferOption('buffer'), ...(options.open || {}) };
    const socket = await open(C.DEV1, openOptions);
    if (peer === 'ewpcap-batch') {
      socket.on('batch', (b) => {
        const n = b.count;
        for (let i = 0; i < n; i++) bytes += b.caplen(i);
        count += n;
        batches++;
        delivered(n);
        if (options.release) b.release(); // the batch's memory carries a later one
      });
    } else {
      socket.on('packet', (p) => {
        bytes += p.data.length;
        count++;
        delivered(1);
      });
    }
    return {
      stats: async () => socket.stats(),
      close: () => socket.close(),
      describe: { ...openOptions },
    };
  }
  if (peer === 'node_pcap') {
    const np = C.nodePcap();
    if (np.error) throw new Error(`node_pcap is not available: ${np.error}`);
    const sessionOptions = { ...bufferOption('buffer_size'), ...(options.nodePcap || {}) };
    const session = np.pcap.createSession(C.DEV1, sessionOptions);
    session.on('packet', (p) => {
      // p.buf is one Buffer that node_pcap overwrites with every packet.
      bytes += p.header.readUInt32LE(8);
      count++;
      delivered(1);
    });
    return {
      stats: async () => {
        const s = session.stats();
        return { recv: s.ps_recv, drop: s.ps_drop, ifdrop: s.ps_ifdrop };
      },
      close: () => session.close(),
      describe: { ...sessionOptions },
    };
  }
  if (peer === 'none') {
    // /proc/net/dev: sysfs in this namespace still shows the parent's devices.
    const rx = () => C.netStats(C.DEV1).rx_packets;
    const base = rx();
    let seen = 0;
    const poll = setInterval(() => {
      const n = rx() - base;
      if (n > seen) {
        count += n - seen;
        delivered(n - seen);
        seen = n;
      }
    }, 5);
    return {
      stats: async () => ({ recv: seen, drop: 0, ifdrop: 0 }),
      close: async () => clearInterval(poll),
      describe: { control: 'no capture; polls veth1 rx_packets every 5 ms' },
    };
  }
  throw new Error(`unknown peer ${peer}`);
}

/**
 * The event-loop delay histogram of the flood, which pauses while nothing
 * arrives. monitorEventLoopDelay() cannot pause: after disable() and
 * enable(), its first sample is the whole time it was disabled (checked on
 * Node 20: a 200 ms pause records a 204 ms "stall"), which had put bogus
 * maxima of 200+ ms into runs where the capture paused. This one samples
 * the same way (the gap between runs of a 1 ms timer, in ns) and starts
 * afresh after a pause.
 */
function pausableDelayHistogram() {
  const histogram = createHistogram();
  let prev = 0n;
  let on = false;
  const timer = setInterval(() => {
    const now = process.hrtime.bigint();
    if (on && prev !== 0n) histogram.record(Math.max(1, Number(now - prev)));
    prev = now;
  }, 1);
  return {
    histogram,
    enable() {
      on = true;
      prev = 0n;
    },
    disable() {
      on = false;
    },
    stop() {
      on = false;
      clearInterval(timer);
    },
  };
}

/**
 * One flood: "ready" to the parent, which then runs the generator; "stop"
 * (with veth1's count) from it; then the capture catches up and the
 * figures of this flood go back as "result".
 */
async function measureFlood(cap, idle, index) {
  count = 0;
  bytes = 0;
  batches = 0;
  firstAt = 0n;
  lastAt = 0n;
  runTick = -1;
  runPackets = 0;
  const stats0 = await cap.stats();
  const h = pausableDelayHistogram();
  const ticker = setInterval(() => tick++, 1);
  longestRun = { packets: 0, ms: 0 };
  const cpu0 = process.cpuUsage();
  const threads0 = C.threadCpu();
  const wait0 = C.runqueueWaitMs();
  const t0 = process.hrtime.bigint();
  // The flood's event-loop figures start with its first packet: before it,
  // the parent is spawning the generator, which is not the capturer's doing
  // (and the idle baseline covers a quiet loop with the capture open).
  onFirstPacket = () => h.enable();
  process.send({ type: 'ready' });

  const stop = await new Promise((resolve) => process.once('message', resolve));
  const stopAt = process.hrtime.bigint();
  // Wait for the capture to catch up, or to make no progress for settleMs
  // (longer than the packet-buffer timeout: a partly filled TPACKET_V3 block
  // is only handed over when it times out).
  const settleMs = options.settleMs ?? 300;
  // The histogram pauses while nothing arrives, so that idle waiting does not
  // dilute the flood's percentiles.
  let last = -1;
  let stillSince = Date.now();
  let measuring = true;
  while (count < stop.expected) {
    if (count !== last) {
      last = count;
      stillSince = Date.now();
      if (!measuring) h.enable();
      measuring = true;
    } else if (Date.now() - stillSince >= settleMs) break;
    else if (measuring && Date.now() - stillSince >= 50) {
      h.disable();
      measuring = false;
    }
    await C.sleep(10);
  }
  h.stop();
  clearInterval(ticker);
  onFirstPacket = () => {};
  const t1 = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpu0);
  const threads = C.threadCpuDelta(threads0, C.threadCpu());
  const wait1 = C.runqueueWaitMs();
  // The statistics are cumulative: this flood's are the difference.
  const stats = C.netDelta(stats0, await cap.stats());
  const capturedSeconds = lastAt > firstAt ? Number(lastAt - firstAt) / 1e9 : NaN;
  process.send({
    type: 'result',
    flood: index,
    peer,
    options: cap.describe,
    captured: count,
    bytes,
    batches,
    expected: stop.expected,
    stats,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    cpuUser: cpu.user / 1e6,
    cpuSystem: cpu.system / 1e6,
    mainThreadCpu: threads.main,
    otherThreadsCpu: threads.others,
    mainRunqueueWaitMs: wait1.main - wait0.main,
    captureThread: C.busiestOtherThread(wait0, wait1),
    wallSeconds: Number(t1 - t0) / 1e9,
    catchUpMs: Number(t1 - stopAt) / 1e6,
    capturedSeconds,
    eld: C.eld(h.histogram),
    longestRun,
    idleEld: C.eld(idle),
    maxRssKiB: process.resourceUsage().maxRSS,
  });
}

async function main() {
  const cap = await openPeer();
  // Idle baseline: the same histogram, with the capture open and no traffic.
  const idle = monitorEventLoopDelay({ resolution: 1 });
  idle.enable();
  await C.sleep(IDLE_MS);
  idle.disable();
  // options.floods > 1: the same process measures that many floods in a row
  // (the parent keeps the last: a process whose delivery code the JIT has
  // already compiled, as in a capture that has run for a while).
  const floods = options.floods ?? 1;
  for (let i = 0; i < floods; i++) await measureFlood(cap, idle, i);
  await cap.close();
  setTimeout(() => process.exit(0), 20);
}

main();
