'use strict';
/*
 * Decoding benchmark (issue 15): ewpcap/decode side by side with node_pcap and
 * gopacket on the same frames, in the same run.
 *
 *   node bench/decode.js                 # 5 runs, writes the "Decoding" section of bench/RESULTS.md
 *   node bench/decode.js --runs 3 --decodes 200000 --no-write
 *   node bench/decode.js --only ewpcap-decode,node_pcap
 *   node bench/decode.js --profile ewpcap-decode   # node --cpu-prof of one peer, top functions
 *   node bench/decode.js --render        # rewrite the section from bench/.build/decode-results.json
 *
 * Corpus: every Ethernet frame (link type 1) of ../shared/captures, pcap and
 * pcapng files alike, files in byte order of their names and frames in file
 * order, merged with mergecap into bench/.build/decode-corpus.pcap. Each round
 * decodes 500,000 frames, cycling through the corpus.
 *
 * Peers, each in a fresh process, in an order that rotates from run to run so
 * that a burst of load from other work on the machine falls on different peers:
 *   node_pcap         pcap.decode.packet(), then the IP addresses as strings and
 *                     the ports; its "Don't know how to decode ethertype" lines
 *                     are counted, not written (the strings are still built)
 *   node_pcap-stdout  the same with console.log left alone, stdout on /dev/null
 *                     (what those lines cost when they are written somewhere)
 *   ewpcap-decode     decode(), then the outermost IP addresses as strings and
 *                     the ports (packet.layer())
 *   ewpcap-fast       FlowDecoder (the zero-allocation path): source address
 *                     bytes and ports
 *   gopacket-parser   DecodingLayerParser (Ethernet, Dot1Q, IPv4, IPv6, TCP,
 *                     UDP): source address and ports
 *   gopacket-packet   gopacket.NewPacket (eager, NoCopy) and the network and
 *                     transport flows as strings
 *
 * A process runs 6 rounds: the first is reported apart (cold: JIT, page
 * faults), the process's figure is the median of the other 5. The table gives
 * the median over the runs and the range (lowest to highest run). The ratios
 * are computed per run (neighbours in time) and given as median and range.
 *
 * Benchmarks, not tests: this never fails on a figure.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const C = require('./common');

const argv = process.argv.slice(2);
const has = (flag) => argv.includes(flag);
const arg = (flag, fallback) => {
  const i = argv.indexOf(flag);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
};

const CAPTURES = path.resolve(C.ROOT, '..', 'shared', 'captures');
const CORPUS = path.join(C.BUILD, 'decode-corpus.pcap');
const GO_BIN = path.join(C.BUILD, 'decodebench');
const RESULTS_MD = path.join(C.BENCH, 'RESULTS.md');
const RESULTS_JSON = path.join(C.BUILD, 'decode-results.json');
const BEGIN = '<!-- decoding: written by bench/decode.js; everything up to the end marker is replaced on each run -->';
const END = '<!-- /decoding -->';

const RUNS = Number(arg('--runs', 5));
const DECODES = Number(arg('--decodes', 500_000));
const ROUNDS = 6;
const ALL_PEERS = [
  'node_pcap',
  'node_pcap-stdout',
  'ewpcap-decode',
  'ewpcap-fast',
  'gopacket-parser',
  'gopacket-packet',
];
const LABEL = {
  node_pcap: 'node_pcap `pcap.decode.packet` + addresses as strings + ports',
  'node_pcap-stdout': 'node_pcap, the same, its unknown-ethertype lines written to /dev/null',
  'ewpcap-decode': 'ewpcap `decode()` + addresses as strings + ports',
  'ewpcap-fast': 'ewpcap `FlowDecoder` (zero-allocation) + source address bytes + ports',
  'gopacket-parser': 'gopacket `DecodingLayerParser` (Eth, Dot1Q, IPv4, IPv6, TCP, UDP) + source address + ports',
  'gopacket-packet': 'gopacket `NewPacket` (eager, NoCopy) + network and transport flow strings',
};

const log = (...a) => console.error(...a);

// ---- preparation -----------------------------------------------------------------------

/** Every capture file of link type Ethernet, with its frame count (capinfos). */
function ethernetFiles() {
  const names = fs
    .readdirSync(CAPTURES)
    .filter((f) => /\.(pcap|pcapng)$/.test(f))
    .sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1));
  const files = [];
  const skipped = [];
  for (const name of names) {
    const r = C.sh('capinfos', ['-T', '-r', '-c', '-E', '-M', path.join(CAPTURES, name)]);
    const [, encapsulation, count] = r.stdout.trim().split('\t');
    if (r.status !== 0 && !encapsulation) {
      skipped.push(`${name} (${C.firstLine(r.stderr)})`);
      continue;
    }
    if (encapsulation === 'ether') files.push({ name, frames: Number(count), pcapng: name.endsWith('.pcapng') });
  }
  return { files, skipped };
}

function buildCorpus() {
  const { files, skipped } = ethernetFiles();
  fs.mkdirSync(C.BUILD, { recursive: true });
  const r = C.sh('mergecap', ['-a', '-F', 'pcap', '-w', CORPUS, ...files.map((f) => path.join(CAPTURES, f.name))]);
  if (r.status !== 0) throw new Error(`mergecap failed: ${C.firstLine(r.stderr)}`);
  const counted = Number(C.sh('capinfos', ['-T', '-r', '-c', '-M', CORPUS]).stdout.trim().split('\t')[1]);
  const expected = files.reduce((s, f) => s + f.frames, 0);
  if (counted !== expected) throw new Error(`corpus has ${counted} frames, the files ${expected}`);
  const pcapng = files.filter((f) => f.pcapng);
  return {
    files: files.length,
    frames: counted,
    pcapngFiles: pcapng.length,
    pcapngFrames: pcapng.reduce((s, f) => s + f.frames, 0),
    skipped,
    bytes: fs.statSync(CORPUS).size,
  };
}

function buildGo() {
  const env = {
    ...process.env,
    GOPATH: '/usr/share/gocode',
    GO111MODULE: 'off',
    GOCACHE: path.join(C.BUILD, 'gocache'),
  };
  const r = C.sh('go', ['build', '-o', GO_BIN, '.'], { cwd: path.join(C.BENCH, 'go', 'decodebench'), env });
  if (r.status !== 0) return `go build failed: ${C.firstLine(r.stderr || r.error?.message)}`;
  return null;
}

/** dist/decode from lib/decode: rebuilt with tsc when a source is newer. */
function ensureDist() {
  const built = path.join(C.ROOT, 'dist', 'decode', 'index.js');
  const newest = (dir) =>
    fs.existsSync(dir)
      ? Math.max(
          0,
          ...fs
            .readdirSync(dir, { recursive: true })
            .filter((f) => f.endsWith('.ts'))
            .map((f) => fs.statSync(path.join(dir, f)).mtimeMs),
        )
      : 0;
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= newest(path.join(C.ROOT, 'lib', 'decode'))) return null;
  log('building dist/ with tsc ...');
  const r = C.sh(process.execPath, [path.join(C.ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], {
    cwd: C.ROOT,
  });
  if (r.status !== 0) return `tsc failed: ${C.firstLine(r.stdout + r.stderr)}`;
  return null;
}

// ---- one measurement ------------------------------------------------------------------

function runPeer(peer, nodeArgs = []) {
  const out = path.join(C.BUILD, `decode-${peer}-${process.pid}.json`);
  fs.rmSync(out, { force: true });
  const load = C.loadMonitor();
  let r;
  if (peer.startsWith('gopacket-')) {
    const mode = peer === 'gopacket-parser' ? 'parser' : 'packet';
    r = spawnSync(GO_BIN, ['-mode', mode, '-file', CORPUS, '-decodes', String(DECODES), '-rounds', String(ROUNDS)], {
      encoding: 'utf8',
    });
    if (r.status === 0) fs.writeFileSync(out, r.stdout);
  } else {
    // stdout to /dev/null: node_pcap writes a line per unknown ethertype there.
    r = spawnSync(
      process.execPath,
      [...nodeArgs, path.join(C.BENCH, 'decode-peer.js'), peer, CORPUS, out, String(DECODES), String(ROUNDS)],
      { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
    );
  }
  const foreign = load();
  if (r.status !== 0 || !fs.existsSync(out)) {
    const why = (r.stderr || '').split('\n').find((l) => /Error/.test(l)) ?? C.firstLine(r.stderr);
    return { peer, error: why || `exit ${r.status} ${r.signal ?? ''}` };
  }
  const res = JSON.parse(fs.readFileSync(out, 'utf8'));
  fs.rmSync(out, { force: true });
  const warm = res.rates.slice(1);
  return {
    ...res,
    peer,
    first: res.rates[0],
    rate: C.median(warm),
    cpuRate: C.median(res.cpuRates.slice(1)),
    foreignPct: foreign.foreignPct,
  };
}

// ---- report ----------------------------------------------------------------------------

const fmtRate = (r) => (Number.isFinite(r) ? `${(r / 1e6).toFixed(2)} M` : '–');
const fmtRatio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');
const range = (values, fmt) => {
  const v = values.filter(Number.isFinite);
  return v.length ? `${fmt(Math.min(...v))} – ${fmt(Math.max(...v))}` : '–';
};

/** Per-run ratio a/b of two peers' figures, over the runs where both measured. */
function ratios(results, a, b, key = 'rate') {
  return results.runs.map((run) => run[a]?.[key] / run[b]?.[key]).filter((x) => Number.isFinite(x));
}

function render(results) {
  const { runs, peers } = results;
  const per = (peer) => runs.map((run) => run[peer]).filter((x) => x && !x.error);
  const lines = [];
  lines.push('## Decoding: `ewpcap/decode` against node_pcap and gopacket');
  lines.push('');
  lines.push(
    `Generated by \`node bench/decode.js\` on ${results.date} (commit ${results.commit}${
      results.dirty ? ', with uncommitted changes' : ''
    }), ${runs.length} runs. Node ${results.node}, ${results.go}, node_pcap ${results.nodePcap}, gopacket ${results.gopacket}; ${results.nproc} CPUs.`,
  );
  lines.push('');
  const c = results.corpus;
  lines.push(
    `Corpus: the ${c.frames.toLocaleString('en-US')} Ethernet frames of \`../shared/captures\` (${c.files} files; ` +
      `${(c.frames - c.pcapngFrames).toLocaleString('en-US')} from pcap files and ${c.pcapngFrames} from ${c.pcapngFiles} pcapng files), ` +
      `merged in file-name order; each round decodes ${results.decodes.toLocaleString('en-US')} frames, cycling through them. ` +
      'Each peer runs in a fresh process per run, the order rotating from run to run; a process runs 6 rounds, ' +
      'the first (cold) is shown apart and the process’s figure is the median of the other 5. ' +
      'Packets/s is of wall time; packets per CPU-second divides by the process’s CPU time (every thread, garbage collection included), ' +
      'which other work on this shared machine disturbs less. ' +
      '“Range” is the lowest and highest run; “other CPU” is what other processes used of the machine during the peer’s runs (median, highest).',
  );
  lines.push('');
  lines.push(
    '| decoder | packets/s (median) | range | packets per CPU-second (median) | range | first round, packets/s | frames with IP / ports per round | untyped throws per round | other CPU |',
  );
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const peer of peers) {
    const rs = per(peer);
    const errors = runs.map((run) => run[peer]).filter((x) => x?.error);
    if (rs.length === 0) {
      lines.push(`| ${LABEL[peer]} | not measured: ${errors[0]?.error ?? 'no run'} | | | | | | | |`);
      continue;
    }
    const last = rs[rs.length - 1];
    const throws =
      last.throwsPerRound === undefined
        ? 'n/a (Go: errors are values)'
        : `${last.throwsPerRound.toLocaleString('en-US')}` +
          (last.throwingFrames?.length ? ` (${last.throwingFrames.length} distinct frames)` : '');
    const foreign = rs.map((r) => r.foreignPct);
    lines.push(
      `| ${LABEL[peer]} | **${fmtRate(C.median(rs.map((r) => r.rate)))}** | ${range(
        rs.map((r) => r.rate),
        fmtRate,
      )} | ${fmtRate(C.median(rs.map((r) => r.cpuRate)))} | ${range(
        rs.map((r) => r.cpuRate),
        fmtRate,
      )} | ${fmtRate(C.median(rs.map((r) => r.first)))} | ${last.withIp.toLocaleString('en-US')} / ${last.withPort.toLocaleString(
        'en-US',
      )} | ${throws} | ${C.median(foreign).toFixed(0)}%, ${Math.max(...foreign).toFixed(0)}% |`,
    );
  }
  lines.push('');
  lines.push(
    '| target | ratio of packets/s per run (median) | range | verdict | ratio per CPU-second (median) | range | verdict |',
  );
  lines.push('| --- | --- | --- | --- | --- | --- | --- |');
  const verdict = (r, goal) =>
    Math.min(...r) >= goal
      ? '**met** in every run'
      : C.median(r) >= goal
        ? '**met** on the median, not in every run'
        : '**missed**';
  const target = (name, a, b, goal) => {
    const r = ratios(results, a, b);
    const rc = ratios(results, a, b, 'cpuRate');
    if (r.length === 0) {
      lines.push(`| ${name} | not measured | | | | | |`);
      return;
    }
    const v = goal === undefined ? () => '' : (x) => verdict(x, goal);
    lines.push(
      `| ${name} | ${fmtRatio(C.median(r))} | ${range(r, fmtRatio)} | ${v(r)} | ${fmtRatio(C.median(rc))} | ${range(
        rc,
        fmtRatio,
      )} | ${v(rc)} |`,
    );
  };

  target('`decode()` ≥ 3× node_pcap', 'ewpcap-decode', 'node_pcap', 3);
  target('`decode()` ≥ 3× node_pcap writing its lines to /dev/null', 'ewpcap-decode', 'node_pcap-stdout', 3);
  target('fast path ≥ gopacket `DecodingLayerParser`', 'ewpcap-fast', 'gopacket-parser', 1);
  target('(for scale) `decode()` against gopacket `NewPacket` + flows', 'ewpcap-decode', 'gopacket-packet');
  lines.push('');
  const np = per('node_pcap');
  const thrown = np.length ? np[np.length - 1].throwingFrames : [];
  if (thrown?.length) {
    lines.push(
      `node_pcap throws for ${thrown.length} of the ${c.frames.toLocaleString('en-US')} frames (corpus index: error): ` +
        thrown.map((t) => `${t.index}: ${t.why.replace(/\|/g, '\\|')}`).join('; ') +
        `. It prints ${np[np.length - 1].linesPerRound.toLocaleString('en-US')} lines per round of ${results.decodes.toLocaleString(
          'en-US',
        )} (an unknown ethertype or link type, an invalid SACK length).`,
    );
    lines.push('');
  }
  const ew = [...per('ewpcap-decode'), ...per('ewpcap-fast')];
  const ewThrows = ew.reduce((s, r) => s + r.throwsPerRound, 0);
  lines.push(
    `ewpcap: ${ewThrows} untyped throws over all its rounds. The “frames with IP / ports” counts differ between decoders by design: ` +
      'node_pcap reads the first network layer it decodes and knows no 802.1ad or stacked tags; gopacket’s parser stops at the first layer it has no decoder for; ' +
      '`NewPacket` decodes tunnels and more link types; `decode()` reports the outermost IP layer and the first TCP or UDP layer; the fast path counts SCTP ports too.',
  );
  lines.push('');
  return lines.join('\n');
}

function writeSection(section) {
  const text = fs.existsSync(RESULTS_MD) ? fs.readFileSync(RESULTS_MD, 'utf8') : '';
  const block = `${BEGIN}\n\n${section}\n${END}\n`;
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  let next;
  if (a >= 0 && b > a) next = text.slice(0, a) + block + text.slice(b + END.length + 1);
  else next = `${text.replace(/\n*$/, '\n')}\n${block}`;
  fs.writeFileSync(RESULTS_MD, next);
}

// ---- profile ---------------------------------------------------------------------------

/** node --cpu-prof of one peer; prints the functions with the most self time. */
function profile(peer) {
  const dir = path.join(C.BUILD, 'decode-prof');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const res = runPeer(peer, ['--cpu-prof', '--cpu-prof-dir', dir]);
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  const prof = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = prof.timeDeltas;
  let total = 0;
  prof.samples.forEach((id, i) => {
    const n = byId.get(id);
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${path.relative(C.ROOT, f.url.replace('file://', ''))}:${
      f.lineNumber + 1
    }`;
    self.set(key, (self.get(key) ?? 0) + dt[i]);
    total += dt[i];
  });
  const top = [...self.entries()].sort((x, y) => y[1] - x[1]).slice(0, 25);
  console.log(`${peer}: ${fmtRate(res.rate)} packets/s; self time (${(total / 1e3).toFixed(0)} ms sampled):`);
  for (const [k, us] of top) console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
  console.log(`profile: ${path.join(dir, file)}`);
}

// ---- main ------------------------------------------------------------------------------

function main() {
  if (has('--render')) {
    // Re-render the section from the last run's figures (bench/.build/decode-results.json).
    const section = render(JSON.parse(fs.readFileSync(RESULTS_JSON, 'utf8')));
    console.log(section);
    if (!has('--no-write')) writeSection(section);
    return;
  }
  const distError = ensureDist();
  if (distError) log(`ewpcap: ${distError}`);
  const corpus = buildCorpus();
  log(
    `corpus: ${corpus.frames} Ethernet frames from ${corpus.files} files (${corpus.pcapngFrames} of them in ${corpus.pcapngFiles} pcapng files)`,
  );
  if (has('--profile')) {
    profile(arg('--profile'));
    return;
  }
  const goError = buildGo();
  if (goError) log(goError);
  const npError = C.ensureNodePcap(log);
  if (npError) log(npError);
  const only = arg('--only');
  const peers = only ? only.split(',') : ALL_PEERS;
  const git = (args) => C.sh('git', args, { cwd: C.ROOT }).stdout.trim();
  const results = {
    date: new Date().toISOString(),
    commit: git(['rev-parse', '--short', 'HEAD']),
    dirty: git(['status', '--porcelain', '--', 'lib', 'bench', ':(exclude)bench/RESULTS.md']).length > 0,
    node: process.version,
    go: C.firstLine(C.sh('go', ['version']).stdout).replace(/^go version /, ''),
    gopacket: C.firstLine(C.sh('dpkg-query', ['-W', '-f', '${Version}', 'golang-github-google-gopacket-dev']).stdout),
    nodePcap: fs.existsSync(path.join(C.BENCH, 'peers', 'node_modules', 'pcap', 'package.json'))
      ? JSON.parse(fs.readFileSync(path.join(C.BENCH, 'peers', 'node_modules', 'pcap', 'package.json'), 'utf8')).version
      : 'not installed',
    nproc: os.cpus().length,
    decodes: DECODES,
    corpus,
    peers,
    runs: [],
  };
  for (let run = 0; run < RUNS; run++) {
    const order = peers.map((_, i) => peers[(i + run) % peers.length]);
    const row = {};
    for (const peer of order) {
      row[peer] = runPeer(peer);
      const r = row[peer];
      log(
        `run ${run + 1}/${RUNS} ${peer}: ${r.error ? `error: ${r.error}` : `${fmtRate(r.rate)} packets/s, ${fmtRate(r.cpuRate)} per CPU-s (first round ${fmtRate(r.first)}, other CPU ${r.foreignPct.toFixed(0)}%)`}`,
      );
    }
    results.runs.push(row);
  }
  fs.writeFileSync(RESULTS_JSON, JSON.stringify(results, null, 2));
  const section = render(results);
  console.log(section);
  if (!has('--no-write')) {
    writeSection(section);
    log(`wrote the Decoding section of ${path.relative(process.cwd(), RESULTS_MD)}`);
  }
}

main();
