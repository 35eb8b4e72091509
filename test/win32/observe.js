/*
 * What the installed package does with one libpcap, written to files so that
 * scripts/test-win32 can compare a Windows run (Windows node under Wine,
 * wpcap.dll) with a Linux run (libpcap.so from the same source) and judge
 * each side's own checks:
 *
 *   node observe.js CAPTURES_DIR BIG_FILE OUT_DIR
 *
 * writes OUT_DIR/observations.json ({ observations, checks }), OUT_DIR/
 * captures.txt (one line per packet of every shared capture), and the
 * savefiles it wrote. It prints nothing: under Wine, Windows node's stdout
 * to a pipe fails with EBADF.
 *
 * It requires 'ewpcap' from the directory it was copied into, which
 * scripts/test-win32 made by installing the packed package there: the way a
 * user gets it.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { spawn, spawnSync } = require('node:child_process');
const { setTimeout: sleep } = require('node:timers/promises');
const ewpcap = require('ewpcap');
const { record, checks, lineOf, sha256, errorOf } = require('./common');

const [capturesDir, bigFile, outDir] = process.argv.slice(2);
const observations = {};

/** Every packet of a file through 'batch' events, as lines. */
async function readBatches(file, options = {}) {
  const s = await ewpcap.openOffline(file, { timeUnit: 'nanosecond', ...options });
  const lines = [];
  s.on('batch', (b) => {
    for (let i = 0; i < b.count; i++)
      lines.push(lineOf(b.seconds(i), b.fraction(i), b.caplen(i), b.length(i), b.data(i)));
  });
  const error = await new Promise((resolve) => {
    s.once('end', () => resolve(undefined));
    s.once('error', (e) => resolve(`${e.code}: ${e.message}`));
  });
  return { linktype: s.datalinkName, lines, error };
}

/** The same through async iteration. */
async function readIterated(file) {
  const s = await ewpcap.openOffline(file, { timeUnit: 'nanosecond' });
  const lines = [];
  let error;
  try {
    for await (const p of s) {
      lines.push(lineOf(Number(p.time / 1000000000n), Number(p.time % 1000000000n), p.data.length, p.length, p.data));
    }
  } catch (e) {
    error = `${e.code}: ${e.message}`;
  }
  return { lines, error };
}

async function libraryChecks() {
  const version = ewpcap.libVersion();
  observations.libVersion = version;
  record('libVersion() names libpcap', /^libpcap version \d+\.\d+/.test(version), version);
  // Which file the addon loaded (the Npcap folder on Windows): not public API.
  const native = require(path.join(path.dirname(require.resolve('ewpcap/package.json')), 'dist', 'native.js')).native;
  observations.libPath = native.libPath();
  observations.addon = require('node-gyp-build').resolve(path.dirname(require.resolve('ewpcap/package.json')));
  if (process.platform === 'win32') {
    record(
      'the addon is the committed prebuild',
      /[\\/]prebuilds[\\/]win32-x64[\\/]ewpcap\.node$/.test(observations.addon),
      observations.addon,
    );
    // What node.exe loaded, not only the bytes __tests__/prebuild.test.ts reads:
    // the sources are the addon/ and binding.gyp shipped in the same package.
    const pkg = path.dirname(require.resolve('ewpcap/package.json'));
    const built = require(observations.addon).sourceFingerprint;
    const sources = require(path.join(pkg, 'scripts', 'fingerprint.js')).fingerprint(pkg);
    record(
      "the loaded prebuild's sourceFingerprint is that of the package's addon sources",
      built === sources,
      `${built} | ${sources}`,
    );
    record(
      'with no EWPCAP_LIBPCAP, libpcap is loaded from the Npcap folder',
      /\\system32\\Npcap\\wpcap\.dll$/i.test(observations.libPath),
      observations.libPath,
    );
  }
}

const FILTERS = [
  ['tcp port 80', 'EN10MB'],
  ['udp and not port 53', 'EN10MB'],
  ['icmp or icmp6', 'EN10MB'],
  ['vlan and ip', 'EN10MB'],
  ['ip6 and tcp[tcpflags] & tcp-syn != 0', 'EN10MB'],
  ['ether host 01:02:03:04:05:06 or arp', 'EN10MB'],
  ['net 10.0.0.0/8 and portrange 1-1024', 'EN10MB'],
  ['greater 100 and less 1500', 'EN10MB'],
  ['ip', 'RAW'],
  ['tcp', 'LINUX_SLL'],
  ['type mgt subtype beacon', 'IEEE802_11_RADIO'],
  ['ip proto 47', 'NULL'],
];

async function compileChecks() {
  const programs = {};
  for (const [expression, linktype] of FILTERS) {
    for (const optimize of [true, false]) {
      // (an error is an observation too: 'ip6 and tcp[...]' rejects every packet once optimized)
      const p = await ewpcap.compile(expression, { linktype, optimize }).catch((e) => e);
      programs[`${linktype} ${optimize ? 'optimized' : 'plain'} ${expression}`] =
        typeof p.dump === 'function' ? p.dump() : `${p.code}: ${p.message}`;
    }
  }
  observations.programs = programs;
  const bad = await errorOf(ewpcap.compile('tcp port', { linktype: 'EN10MB' }));
  observations.badFilter = bad && `${bad.code}: ${bad.message}`;
  record('compile() of a bad expression rejects with EFILTER', bad?.code === 'EFILTER', observations.badFilter);

  // match() on a hand-made Ethernet/IPv4/TCP frame to port 80 and 81.
  const frame = (port) => {
    const f = Buffer.alloc(54);
    f.writeUInt16BE(0x0800, 12);
    f[14] = 0x45;
    f.writeUInt16BE(40, 16);
    f[23] = 6;
    f.writeUInt16BE(port, 36);
    return f;
  };
  const http = await ewpcap.compile('tcp dst port 80');
  record(
    'match() accepts a TCP frame to port 80 and refuses one to 81',
    http.match(frame(80)) && !http.match(frame(81)),
  );
}

async function captureChecks() {
  const files = fs
    .readdirSync(capturesDir)
    .filter((f) => /\.(pcap|pcapng)$/.test(f))
    .sort();
  const summary = {};
  const out = [];
  for (const name of files) {
    const r = await readBatches(path.join(capturesDir, name));
    summary[name] = { linktype: r.linktype, count: r.lines.length, error: r.error, digest: sha256(r.lines.join('\n')) };
    out.push(`# ${name} ${r.linktype} ${r.lines.length}${r.error ? ` error ${r.error}` : ''}`, ...r.lines);
  }
  fs.writeFileSync(path.join(outDir, 'captures.txt'), out.join('\n') + '\n');
  observations.captures = summary;
  record(`openOffline() read the ${files.length} shared captures`, files.length > 200, `${files.length} files`);
  return files;
}

/** Files with filters: exactly the packets compile(filter).match() accepts. */
async function filterChecks(files) {
  const results = {};
  const pairs = [
    ['tcp', 'EN10MB'],
    ['udp port 53', 'EN10MB'],
    ['icmp', 'EN10MB'],
    ['ip6', 'EN10MB'],
    ['vlan', 'EN10MB'],
    ['tcp', 'LINUX_SLL'],
  ];
  const out = [];
  let compared = 0;
  let agreed = 0;
  for (const name of files) {
    const all = await readBatches(path.join(capturesDir, name));
    if (all.error) continue;
    for (const [filter, linktype] of pairs) {
      if (all.linktype !== linktype) continue;
      const program = await ewpcap.compile(filter, { linktype });
      const expected = [];
      const s = await ewpcap.openOffline(path.join(capturesDir, name), { timeUnit: 'nanosecond' });
      for await (const p of s) {
        if (program.match(p.data, p.length))
          expected.push(
            lineOf(Number(p.time / 1000000000n), Number(p.time % 1000000000n), p.data.length, p.length, p.data),
          );
      }
      const filtered = await readBatches(path.join(capturesDir, name), { filter });
      results[`${name} ${filter}`] = { count: filtered.lines.length, digest: sha256(filtered.lines.join('\n')) };
      out.push(`#|${name}|${filter}|${linktype} ${filtered.lines.length}`, ...filtered.lines);
      compared++;
      if (filtered.lines.join('\n') === expected.join('\n') && !filtered.error) agreed++;
    }
  }
  observations.filters = results;
  fs.writeFileSync(path.join(outDir, 'filters.txt'), out.join('\n') + '\n');
  record(
    'openOffline({ filter }) gives exactly the packets compile().match() accepts',
    compared > 50 && agreed === compared,
    `${agreed} of ${compared} file/filter pairs`,
  );
}

async function iterationChecks(files) {
  let same = 0;
  const differing = [];
  for (const name of files) {
    const a = await readBatches(path.join(capturesDir, name));
    const b = await readIterated(path.join(capturesDir, name));
    if (a.lines.join('\n') === b.lines.join('\n') && a.error === b.error) same++;
    else differing.push(name);
  }
  record(
    "async iteration gives the same packets and errors as 'batch' events",
    differing.length === 0,
    `${same} of ${files.length} files${differing.length ? `; differ: ${differing.slice(0, 5).join(', ')}` : ''}`,
  );
}

/** Savefiles written here: compared byte for byte with the other platform's. */
async function savefileChecks(files) {
  const source = files.find((f) => f === 'tcp-handshake-nano.pcap') ?? files[0];
  const { lines } = await readBatches(path.join(capturesDir, source));
  const packets = [];
  const s = await ewpcap.openOffline(path.join(capturesDir, source), { timeUnit: 'nanosecond' });
  for await (const p of s) packets.push({ time: p.time, length: p.length, data: p.data });
  // Times at the edges of the file format: 0, the last second of a signed
  // 32-bit count (2038) and of the unsigned one (2106).
  const edges = [
    0n,
    2147483647n * 1000000000n + 999999999n,
    2147483648n * 1000000000n + 1n,
    4294967295n * 1000000000n + 123456789n,
  ];
  edges.forEach((time, i) => packets.push({ time, length: 100 + i, data: Buffer.from(`edge ${i}`) }));

  const written = {};
  for (const precision of ['micro', 'nano']) {
    const file = path.join(outDir, `${precision}.pcap`);
    const w = await ewpcap.createSavefile(file, { precision });
    for (const p of packets) w.write(p);
    await w.close();
    written[precision] = file;
  }
  const appended = path.join(outDir, 'append.pcap');
  const half = Math.floor(packets.length / 2);
  let w = await ewpcap.createSavefile(appended, { precision: 'nano' });
  for (const p of packets.slice(0, half)) w.write(p);
  await w.close();
  w = await ewpcap.createSavefile(appended, { precision: 'nano', append: true });
  for (const p of packets.slice(half)) w.write(p);
  await w.close();
  written.append = appended;

  observations.savefiles = Object.fromEntries(Object.entries(written).map(([k, f]) => [k, sha256(fs.readFileSync(f))]));
  const nanoBack = await readBatches(written.nano);
  const appendBack = await readBatches(written.append);
  const expectedLines = [
    ...lines,
    ...edges.map((t, i) =>
      lineOf(Number(t / 1000000000n), Number(t % 1000000000n), 6, 100 + i, Buffer.from(`edge ${i}`)),
    ),
  ];
  record(
    'createSavefile() nano: the file reads back with the same packets, 2038 and 2106 edges included',
    nanoBack.lines.join('\n') === expectedLines.join('\n'),
    `${nanoBack.lines.length} packets`,
  );
  record(
    'createSavefile() append: one file with both halves, same as writing it at once',
    appendBack.lines.join('\n') === nanoBack.lines.join('\n') &&
      fs.readFileSync(written.append).equals(fs.readFileSync(written.nano)),
  );
  const microBack = await readBatches(written.micro);
  record(
    'createSavefile() micro: timestamps cut to microseconds',
    microBack.lines.length === packets.length &&
      microBack.lines.every(
        (l, i) =>
          l.split(' ')[0].endsWith('000') &&
          l.split(' ')[0].slice(0, -3) === expectedLines[i].split(' ')[0].slice(0, -3),
      ),
  );
}

/**
 * Back-pressure: a stalled consumer of a large file holds only a few batches.
 * Batches are memory the addon allocates, which process.memoryUsage() counts
 * in `external` (not in `arrayBuffers`), measured after a full collection
 * (scripts/test-win32 runs this with --expose-gc) so that garbage freed
 * meanwhile does not hide what is held. The control, with a limit too high
 * to bind, must hold most of the file: it shows the measure sees what it must.
 */
async function heldWhileStalled(maxBatchesInFlight, enough) {
  global.gc();
  const before = process.memoryUsage().external;
  const s = await ewpcap.openOffline(bigFile, { maxBatchesInFlight });
  const it = s[Symbol.asyncIterator]();
  const first = (await it.next()).value.data.readUInt32BE(0);
  // 1.5 s, or up to 15 s for the control to reach `enough` on a slow machine.
  const held = () => (global.gc(), process.memoryUsage().external - before);
  const end = Date.now() + (enough ? 15_000 : 1_500);
  do await new Promise((r) => setTimeout(r, 100));
  while (Date.now() < end && !(enough && held() > enough));
  return { held: held(), it, first, s };
}

async function backPressureChecks() {
  const size = fs.statSync(bigFile).size;
  const { held, it, first } = await heldWhileStalled(2, 0);
  let seq = first;
  let inOrder = first === 0;
  let count = 1;
  for (let r = await it.next(); !r.done; r = await it.next()) {
    const n = r.value.data.readUInt32BE(0);
    if (n !== seq + 1) inOrder = false;
    seq = n;
    if (++count % 5000 === 0) await new Promise((res) => setTimeout(res, 1));
  }
  observations.bigCount = count;
  // (after: a closed socket's queued batches are freed later, which would
  // shrink the next measure)
  const control = await heldWhileStalled(1 << 16, size * 0.75);
  await control.s.close();
  const mib = (n) => (n / 1048576).toFixed(1);
  record(
    'back-pressure: a stalled reader of a large file holds a few batches, then gets every packet in order',
    held < size / 8 && control.held > size / 2 && inOrder,
    `file ${mib(size)} MiB; held while stalled: ${mib(held)} MiB with maxBatchesInFlight 2, ` +
      `${mib(control.held)} MiB with 65536 (control); ${count} packets, in order: ${inOrder}`,
  );
}

/** A user's own Worker loads the package and reads files, beside the main thread. */
async function workerChecks(files) {
  const names = files.slice(0, 40);
  const [fromWorker, fromMain] = await Promise.all([
    new Promise((resolve, reject) => {
      const w = new Worker(path.join(__dirname, 'worker.js'), { workerData: { dir: capturesDir, names } });
      w.once('message', resolve);
      w.once('error', reject);
    }),
    (async () => {
      const digests = [];
      for (const name of names)
        digests.push(sha256((await readBatches(path.join(capturesDir, name))).lines.join('\n')));
      return digests;
    })(),
  ]);
  record(
    "a user's Worker reads the same packets as the main thread, both at once",
    JSON.stringify(fromWorker) === JSON.stringify(fromMain),
    `${names.length} files`,
  );
}

/** close() and process exit while a read is in flight. */
async function lifecycleChecks() {
  const s = await ewpcap.openOffline(bigFile);
  let seen = 0;
  let closing;
  s.on('packet', () => {
    if (++seen === 1000) closing = s.close();
  });
  await new Promise((r) => s.once('close', r));
  await closing;
  const after = await errorOf(s.read(10));
  const handles = ewpcap.diagnostics().handles;
  record(
    'close() during a read resolves; later calls reject with ECLOSED; no handle left',
    after?.code === 'ECLOSED' && handles === 0 && seen < observations.bigCount,
    `${seen} packets before close, then ${after?.code}, handles ${handles}`,
  );

  for (const mode of ['exit-during-read', 'exit-with-open-writer', 'unref-socket-open']) {
    const marker = path.join(outDir, `${mode}.done`);
    fs.rmSync(marker, { force: true });
    const r = spawnSync(process.execPath, [path.join(__dirname, 'exit.js'), mode, bigFile, marker], {
      stdio: 'ignore',
      timeout: 60_000,
    });
    const wrote = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : '(no marker)';
    record(
      `process exit with work in flight (${mode}): exit code 0`,
      r.status === 0 && wrote.startsWith('ok'),
      `status ${r.status} signal ${r.signal} error ${r.error?.message} marker ${wrote}`,
    );
  }

  // A ref'd open socket keeps the process up: still running 3 s after its
  // script ended (the marker), then killed.
  const marker = path.join(outDir, 'ref-socket-open.done');
  fs.rmSync(marker, { force: true });
  const child = spawn(process.execPath, [path.join(__dirname, 'exit.js'), 'ref-socket-open', bigFile, marker], {
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(`exit ${code} ${signal}`)));
  const deadline = Date.now() + 60_000;
  while (!fs.existsSync(marker) && child.exitCode === null && Date.now() < deadline) await sleep(100);
  await sleep(3000);
  const running = child.exitCode === null && child.signalCode === null;
  child.kill();
  record(
    'an open socket keeps the process up (still running 3 s after its script ended)',
    running && fs.existsSync(marker),
    `running: ${running}, ${await exited}, marker: ${fs.existsSync(marker)}`,
  );
}

/** open() of a device: a typed error, not a crash (libpcap here has no capture module). */
async function deviceChecks() {
  const device = process.platform === 'win32' ? '\\Device\\NPF_{00000000-0000-0000-0000-000000000000}' : 'ewpcap-none0';
  const e = await errorOf(ewpcap.open(device));
  record(
    'open() of a device rejects with a typed error',
    e !== undefined && ['ENODEV', 'EPCAP', 'EPERM'].includes(e.code) && typeof e.message === 'string',
    e && `${e.code}: ${e.message}`,
  );
  const bad = await errorOf(ewpcap.open(device, { snaplen: -1 }));
  record(
    'open() with a bad option rejects with EINVAL naming it',
    bad?.code === 'EINVAL' && /snaplen/.test(bad.message),
    bad && `${bad.code}: ${bad.message}`,
  );
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const steps = [
    libraryChecks,
    compileChecks,
    captureChecks,
    filterChecks,
    iterationChecks,
    savefileChecks,
    backPressureChecks,
    workerChecks,
    lifecycleChecks,
    deviceChecks,
  ];
  let files = [];
  for (const step of steps) {
    try {
      const r = await step(files);
      if (Array.isArray(r)) files = r;
    } catch (e) {
      record(`${step.name} ran`, false, e?.stack ?? String(e));
    }
  }
  fs.writeFileSync(path.join(outDir, 'observations.json'), JSON.stringify({ observations, checks }, null, 1));
}

main().catch((e) => {
  fs.writeFileSync(
    path.join(outDir, 'observations.json'),
    JSON.stringify({ observations, checks, crash: String(e?.stack ?? e) }),
  );
  process.exitCode = 1;
});
