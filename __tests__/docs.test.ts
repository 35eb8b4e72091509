/**
 * Every code block of the README and the docs runs, so none rots:
 * TypeScript blocks are type-checked against the built package (as a user's
 * project sees it) and run with tsx; shell blocks run with `ewpcap` being
 * this checkout's bin/ewpcap.js. Both run in a scratch directory holding
 * `trace.pcap` (the sample capture) and `node_modules/ewpcap` (this
 * package), inside the test namespace, on a device named `eth0` that gets a
 * steady trickle of ICMP, UDP and TCP. A block whose first line is a
 * `not run: <reason>` comment is only listed; there may be at most four (the
 * README's and INSTALL.md's commands that install packages or change the
 * system's users). A `text` block is output, checked by a test of its own.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { summary } from '../lib/decode';
import { openOffline } from '../lib';
import { dedicatedNodeCommands } from '../lib/privileges';
import { root, sample } from './support/cli';
import { describeLive } from './support/netns';

interface Block {
  file: string;
  line: number;
  lang: string;
  code: string;
  notRun?: string;
}

const DOCUMENTS = [
  'README.md',
  'docs/guide.md',
  'docs/PERFORMANCE.md',
  'docs/DECODE.md',
  'docs/BUILD.md',
  'docs/INSTALL.md',
];

function blocks(): Block[] {
  const all: Block[] = [];
  for (const file of DOCUMENTS) {
    const lines = readFileSync(path.join(root, file), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const open = /^```(\w*)$/.exec(lines[i]!);
      if (!open) continue;
      const start = i;
      while (++i < lines.length && lines[i] !== '```');
      const code = lines.slice(start + 1, i).join('\n') + '\n';
      const notRun = /^(?:\/\/|#) not run: (.+)$/.exec(code.split('\n')[0]!)?.[1];
      all.push({ file, line: start + 1, lang: open[1]!, code, ...(notRun ? { notRun } : {}) });
    }
  }
  return all;
}

const all = blocks();
const name = (b: Block) => `${b.file}:${b.line} (${b.lang})`;
const ts = all.filter((b) => b.lang === 'ts' && !b.notRun);
const sh = all.filter((b) => b.lang === 'sh' && !b.notRun);
/** tcpdump's test captures, beside every clone of the project (support/decode-tshark.ts). */
const CAPTURES = path.resolve(root, '..', 'shared', 'captures');
const SETUP = sh.find((b) => b.file === 'README.md' && /npm ci/.test(b.code))!;
/** DECODE.md's summary lines: the format, a blank line, then lines of the shared captures. */
const SUMMARY = all.find((b) => b.file === 'docs/DECODE.md' && b.lang === 'text' && /^\[HH:MM/.test(b.code))!;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ewpcap-docs-'));
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(root, path.join(dir, 'node_modules', 'ewpcap'));
  copyFileSync(sample, path.join(dir, 'trace.pcap'));
  ts.forEach((b, i) => writeFileSync(path.join(dir, `block${i}.mts`), `${b.code}export {};\n`));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('code blocks of the README and docs', () => {
  test('every block is ts or sh, and blocks not run are rare and say why', () => {
    // A text block is output; each one needs a test that checks it, as SUMMARY has.
    expect(all.filter((b) => b.lang !== 'ts' && b.lang !== 'sh' && b !== SUMMARY).map(name)).toEqual([]);
    const skipped = all.filter((b) => b.notRun);
    expect(skipped.length).toBeLessThanOrEqual(4);
    for (const b of skipped) expect(b.notRun!.length).toBeGreaterThan(10);
    expect(ts.length).toBeGreaterThanOrEqual(12);
    for (const file of DOCUMENTS.filter((f) => f !== 'docs/INSTALL.md'))
      expect([file, ts.filter((b) => b.file === file).length]).not.toEqual([file, 0]);
  });

  test('the commands for a dedicated node, not run, are the ones an EPERM error prints', () => {
    // As lib/privileges.ts gives them for the node at the path the blocks compute.
    const node = '"$(readlink -f "$(command -v node)")"';
    const expected = dedicatedNodeCommands('/NODE').map((c) => c.replace('/NODE', node));
    const privileges = all.filter((b) => b.notRun && /sudo setcap/.test(b.code));
    expect(privileges.map((b) => b.file)).toEqual(['README.md', 'docs/INSTALL.md']);
    for (const b of privileges) {
      const sudo = b.code.split('\n').filter((l) => l.startsWith('sudo '));
      expect([name(b), sudo.join(' && ').split(' && ')]).toEqual([name(b), expected]);
    }
  });

  (existsSync(CAPTURES) ? test : test.skip)(
    "DECODE.md's summary lines are what summary() prints for packets of ../shared/captures",
    async () => {
      const examples = SUMMARY.code.trim().split('\n\n')[1]!.split('\n');
      expect(examples.length).toBeGreaterThanOrEqual(5);
      const printed = new Set<string>();
      for (const file of readdirSync(CAPTURES)) {
        const capture = await openOffline(path.join(CAPTURES, file), { timeUnit: 'microsecond' }).catch(() => null);
        if (!capture) continue; // a link type or a file libpcap does not read
        try {
          for await (const p of capture) {
            const decoded = p.decode();
            printed.add(summary(decoded, { time: p.time, utc: true })).add(summary(decoded));
          }
        } catch {
          // A damaged file ends with libpcap's error: the packets before it count.
        }
      }
      expect(examples.filter((line) => !printed.has(line))).toEqual([]);
    },
    120_000,
  );

  test("the README's set-up commands are what CI runs (.ci/run)", () => {
    const ci = readFileSync(path.join(root, '.ci', 'run'), 'utf8');
    const commands = SETUP.code.trim().split('\n');
    expect(commands).toHaveLength(2);
    const [install, test] = commands;
    const packages = /^apt-get install -y (.+) && npm ci$/.exec(install!)![1]!.split(' ');
    const ciPackages = /^for pkg in (.+); do$/m.exec(ci)![1]!.split(' ');
    expect(ciPackages).toEqual(expect.arrayContaining(packages));
    expect(test).toBe('npm test');
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/^npm test$/m);
  });

  test('the TypeScript blocks type-check against the built package, strict', () => {
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [path.join(root, 'node_modules', '@types')],
        },
        files: ts.map((_, i) => `block${i}.mts`),
      }),
    );
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], {
      encoding: 'utf8',
    });
    // Name the block, not the scratch file, in a failure.
    const report = r.stdout.replace(/\S*block(\d+)\.mts\((\d+)/g, (_m, i: string, line: string) => {
      const b = ts[Number(i)]!;
      return `${b.file}:${b.line + Number(line)}`;
    });
    expect(report).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);

  test('npm run docs (TypeDoc) builds the API reference without a warning, in any clone', () => {
    // --emit none: the same conversion and validation, nothing written. A
    // clone without an 'origin' remote (a worktree, a tarball's sources)
    // must pass too, so source links come from typedoc.json, not git.
    const r = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--emit', 'none', '--logLevel', 'Warn'],
      { cwd: root, encoding: 'utf8' },
    );
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/warning|error/i);
    expect(r.status).toBe(0);
  }, 120_000);
});

/** Frames from eth0peer to eth0 every 10 ms: an ICMP echo, UDP to port 53, TCP SYNs to 443 and 80. */
const TRICKLE = `
const { execFileSync } = require('node:child_process');
const { open } = require('./dist');
const { encode } = require('./dist/decode');
const mac = (dev) => JSON.parse(execFileSync('ip', ['-j', 'link', 'show', dev], { encoding: 'utf8' }))[0].address;
const link = { kind: 'ethernet', src: mac('eth0peer'), dst: mac('eth0') };
const ip = { kind: 'ipv4', src: '192.0.2.9', dst: '192.0.2.1' };
const frames = [
  encode({ layers: [link, ip, { kind: 'icmp', type: 8, code: 0, restOfHeader: 0x12340001 }], payload: new Uint8Array(8) }),
  encode({ layers: [link, ip, { kind: 'udp', srcPort: 5353, dstPort: 53 }], payload: new Uint8Array(12) }),
  encode({ layers: [link, ip, { kind: 'tcp', srcPort: 40000, dstPort: 443, flags: 2 }], payload: new Uint8Array(0) }),
  encode({ layers: [link, ip, { kind: 'tcp', srcPort: 40001, dstPort: 80, flags: 2 }], payload: new Uint8Array(0) }),
];
open('eth0peer').then((s) => setInterval(() => frames.forEach((f) => s.write(f).catch(() => {})), 10));
`;

describeLive('code blocks run (device eth0 in the test namespace)', () => {
  let trickle: ChildProcess;

  beforeAll(async () => {
    for (const step of [
      ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0peer'],
      ['addr', 'add', '192.0.2.1/24', 'dev', 'eth0'],
      ['link', 'set', 'eth0', 'up'],
      ['link', 'set', 'eth0peer', 'up'],
    ]) {
      execFileSync('ip', step);
    }
    // In a process of its own: the blocks run through spawnSync, which blocks this one.
    trickle = spawn(process.execPath, ['-e', TRICKLE], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    await new Promise((r) => setTimeout(r, 500));
  });

  afterAll(() => {
    trickle.kill();
    execFileSync('ip', ['link', 'del', 'eth0']);
  });

  test.each(ts.map((b) => [name(b), ts.indexOf(b)] as const))(
    '%s runs',
    (_name, i) => {
      const r = spawnSync(
        process.execPath,
        [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), `block${i}.mts`],
        {
          cwd: dir,
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
    },
    90_000,
  );

  test.each(sh.filter((b) => b !== SETUP).map((b) => [name(b), b] as const))(
    '%s runs',
    (_name, b) => {
      // `ewpcap`, `npx ewpcap` and `sudo` (the tests run as root) as a user types them.
      const prelude = `set -eo pipefail
ewpcap() { node ${path.join(root, 'bin', 'ewpcap.js')} "$@"; }
npx() { if [ "$1" = ewpcap ]; then shift; ewpcap "$@"; else command npx "$@"; fi; }
sudo() { "$@"; }
cd ${dir}
`;
      const r = spawnSync('bash', ['-c', prelude + b.code], { cwd: root, encoding: 'utf8', timeout: 90_000 });
      expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
    },
    120_000,
  );
});
