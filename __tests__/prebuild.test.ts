/**
 * Install with no compiler: the committed prebuilds are built from the
 * current addon sources (source fingerprint), the Linux ones are portable
 * (scripts/check-binary), `npm run build` does not rebuild them, and the CI
 * workflows that build the other platforms' prebuilds are well formed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';

const root = path.resolve(__dirname, '..');

const { fingerprint } = require('../scripts/fingerprint.js') as { fingerprint: (root?: string) => string };

const current = fingerprint(root);
const x64Prebuild = path.join(root, 'prebuilds', 'linux-x64', 'ewpcap.glibc.node');
const isLinuxGlibcX64 =
  process.platform === 'linux' &&
  process.arch === 'x64' &&
  Boolean(
    (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
      ?.glibcVersionRuntime,
  );
const onLinux = process.platform === 'linux' ? it : it.skip;
const onLinuxX64 = isLinuxGlibcX64 ? it : it.skip;

function prebuildFiles(): string[] {
  const dir = path.join(root, 'prebuilds');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .flatMap((target) => fs.readdirSync(path.join(dir, target)).map((f) => path.join(dir, target, f)))
    .filter((f) => f.endsWith('.node'))
    .sort();
}

function rebuildHint(file: string): string {
  if (/win32-x64/.test(file)) return '`scripts/cross-win32`';
  return /linux-arm64/.test(file) ? '`npm run prebuildify:arm64`' : '`npm run prebuildify`';
}

const win32Prebuild = path.join(root, 'prebuilds', 'win32-x64', 'ewpcap.node');

/**
 * What a Windows loader sees of a PE file: machine, whether it is a DLL, the
 * DLLs it imports and the names it exports. Reads the headers only.
 */
function readPe(file: string): {
  machine: number;
  pe32plus: boolean;
  dll: boolean;
  imports: string[];
  exports: string[];
} {
  const b = fs.readFileSync(file);
  if (b.toString('latin1', 0, 2) !== 'MZ') throw new Error(`${file}: not a PE file`);
  const pe = b.readUInt32LE(0x3c);
  if (b.toString('latin1', pe, pe + 4) !== 'PE\0\0') throw new Error(`${file}: no PE signature`);
  const coff = pe + 4;
  const sections = b.readUInt16LE(coff + 2);
  const optional = coff + 20;
  const optionalSize = b.readUInt16LE(coff + 16);
  const pe32plus = b.readUInt16LE(optional) === 0x20b;
  const directories = optional + (pe32plus ? 112 : 96);
  const table = optional + optionalSize;
  const offsetOf = (rva: number): number => {
    for (let i = 0; i < sections; i++) {
      const s = table + i * 40;
      const va = b.readUInt32LE(s + 12);
      if (rva >= va && rva < va + Math.max(b.readUInt32LE(s + 8), b.readUInt32LE(s + 16)))
        return rva - va + b.readUInt32LE(s + 20);
    }
    throw new Error(`${file}: RVA ${rva} is in no section`);
  };
  const cString = (rva: number): string => {
    const at = offsetOf(rva);
    return b.toString('latin1', at, b.indexOf(0, at));
  };
  const imports: string[] = [];
  const importRva = b.readUInt32LE(directories + 8);
  for (let d = importRva ? offsetOf(importRva) : -1; d >= 0 && b.readUInt32LE(d + 12) !== 0; d += 20) {
    imports.push(cString(b.readUInt32LE(d + 12)));
  }
  const exports: string[] = [];
  const exportRva = b.readUInt32LE(directories);
  if (exportRva) {
    const e = offsetOf(exportRva);
    const names = offsetOf(b.readUInt32LE(e + 32));
    for (let i = 0; i < b.readUInt32LE(e + 24); i++) exports.push(cString(b.readUInt32LE(names + 4 * i)));
  }
  return { machine: b.readUInt16LE(coff), pe32plus, dll: (b.readUInt16LE(coff + 18) & 0x2000) !== 0, imports, exports };
}

describe('committed prebuilds', () => {
  it('include linux-x64 (glibc)', () => {
    expect(fs.existsSync(x64Prebuild)).toBe(true);
  });

  it('include win32-x64 under the name node-gyp-build picks on Windows (scripts/cross-win32)', () => {
    expect(fs.existsSync(win32Prebuild)).toBe(true);
    // node-gyp-build keeps a file whose dotted tags all match the running
    // node; an untagged name matches every node on win32-x64.
    const ngb = require('node-gyp-build') as {
      parseTags(file: string): Record<string, unknown> | undefined;
      matchTags(runtime: string, abi: string): (tags: Record<string, unknown> | undefined) => boolean;
    };
    const tags = ngb.parseTags(path.basename(win32Prebuild));
    expect(tags).toEqual({ file: 'ewpcap.node', specificity: 0 });
    expect(ngb.matchTags('node', process.versions.modules)(tags)).toBe(true);
  });

  it('the win32-x64 prebuild is an x64 DLL for node.exe: Node-API entry, no Npcap or MinGW runtime import', () => {
    const pe = readPe(win32Prebuild);
    expect({ machine: pe.machine, pe32plus: pe.pe32plus, dll: pe.dll }).toEqual({
      machine: 0x8664,
      pe32plus: true,
      dll: true,
    });
    expect(pe.exports).toContain('napi_register_module_v1');
    // Npcap's wpcap.dll is loaded at run time; libstdc++, libgcc and
    // winpthread are linked in (a DLL Windows cannot find is a bare "The
    // specified module could not be found").
    expect(pe.imports.map((d) => d.toLowerCase()).sort()).toEqual(['kernel32.dll', 'msvcrt.dll', 'node.exe']);
  });

  onLinuxX64('the linux-x64 prebuild was built from the current addon sources', () => {
    const addon = require(x64Prebuild) as { sourceFingerprint?: string };
    if (addon.sourceFingerprint !== current) {
      throw new Error(
        `prebuilds/linux-x64/ewpcap.glibc.node has source fingerprint ${addon.sourceFingerprint}, ` +
          `but addon/ and binding.gyp now give ${current}: run \`npm run prebuildify\` and commit prebuilds/`,
      );
    }
  });

  it('every prebuild embeds the current source fingerprint', () => {
    const files = prebuildFiles();
    expect(files.length).toBeGreaterThan(0);
    const stale = files.filter((f) => !fs.readFileSync(f).includes(Buffer.from(current, 'latin1')));
    if (stale.length > 0) {
      throw new Error(
        `built from other sources than addon/ and binding.gyp (${current}):\n` +
          stale.map((f) => `  ${path.relative(root, f)}: run ${rebuildHint(f)}`).join('\n'),
      );
    }
  });
});

describe('scripts/check-binary', () => {
  const check = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(root, 'scripts', 'check-binary'), ...args], { encoding: 'utf8' });

  onLinux('passes every committed Linux prebuild (arch, GLIBC <= 2.28, GLIBCXX <= 3.4.25, no libpcap)', () => {
    const linux = prebuildFiles().filter((f) => /[\\/]linux-/.test(f));
    expect(linux.length).toBeGreaterThan(0);
    for (const file of linux) {
      const r = check(file);
      if (r.status !== 0) throw new Error(`check-binary ${path.relative(root, file)}:\n${r.stdout}${r.stderr}`);
      expect(r.stdout).toMatch(/OK\s+portable/);
    }
  });

  onLinux('fails on a symbol version over the ceiling and on the wrong architecture', () => {
    const low = check(x64Prebuild, '--glibc', '2.2.5');
    expect(low.status).toBe(1);
    expect(low.stdout).toMatch(/FAIL\s+needs GLIBC_2\.\d+ > 2\.2\.5/);
    const arch = check(x64Prebuild, '--arch', 'arm64');
    expect(arch.status).toBe(1);
    expect(arch.stdout).toMatch(/FAIL\s+architecture/);
  });

  const cc = spawnSync('cc', ['--version']).status === 0;
  const libpcap = ['/usr/lib/x86_64-linux-gnu/libpcap.so.0.8', '/usr/lib/x86_64-linux-gnu/libpcap.so.1'].find((f) =>
    fs.existsSync(f),
  );
  (isLinuxGlibcX64 && cc && libpcap ? it : it.skip)('fails on a library that links libpcap', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-check-'));
    try {
      const so = path.join(dir, 'linked.node');
      const build = spawnSync(
        'cc',
        ['-shared', '-fPIC', '-o', so, '-x', 'c', '-', '-x', 'none', '-Wl,--no-as-needed', libpcap!],
        {
          input: 'int ewpcap_probe(void) { return 0; }\n',
          encoding: 'utf8',
        },
      );
      if (build.status !== 0) throw new Error(`cc failed: ${build.stderr.slice(0, 2000)}`);
      const r = check(so, '--arch', 'x64');
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/FAIL\s+links libpcap/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('source fingerprint', () => {
  let copy: string;
  beforeEach(() => {
    copy = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-fp-'));
    fs.cpSync(path.join(root, 'addon'), path.join(copy, 'addon'), { recursive: true });
    fs.copyFileSync(path.join(root, 'binding.gyp'), path.join(copy, 'binding.gyp'));
  });
  afterEach(() => fs.rmSync(copy, { recursive: true, force: true }));

  it('is a sha256 of addon/ and binding.gyp, independent of line endings', () => {
    expect(current).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprint(copy)).toBe(current);
    const cc = path.join(copy, 'addon', 'addon.cc');
    fs.writeFileSync(cc, fs.readFileSync(cc, 'utf8').replace(/\n/g, '\r\n'));
    expect(fingerprint(copy)).toBe(current);
  });

  it('changes with any addon source or binding.gyp', () => {
    fs.appendFileSync(path.join(copy, 'addon', 'loader.cc'), '\n');
    const changed = fingerprint(copy);
    expect(changed).not.toBe(current);
    fs.writeFileSync(path.join(copy, 'addon', 'new.h'), '');
    expect(fingerprint(copy)).not.toBe(changed);
    fs.appendFileSync(path.join(copy, 'binding.gyp'), ' ');
    expect(fingerprint(copy)).not.toBe(changed);
  });

  it('is compiled in by binding.gyp and exported by the addon', () => {
    const gyp = fs.readFileSync(path.join(root, 'binding.gyp'), 'utf8');
    expect(gyp).toMatch(/EWPCAP_SOURCE_FINGERPRINT=<!\(node .*scripts\/fingerprint\.js/);
    expect(fs.readFileSync(path.join(root, 'addon', 'addon.cc'), 'utf8')).toMatch(/"sourceFingerprint"/);
  });
});

describe('package.json scripts', () => {
  const scripts = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as Record<
    string,
    string
  >;

  it('rebuild the prebuilds on request only, never as a hook of `npm run build`', () => {
    expect(scripts.prebuild).toBeUndefined(); // npm would run it before every `npm run build`
    expect(scripts.prebuildify).toMatch(/scripts\/prebuild\.js/);
    expect(scripts['prebuildify:arm64']).toMatch(/scripts\/prebuild\.js --arch arm64/);
    expect(scripts.build).not.toMatch(/prebuild/);
    expect(scripts.install).toBe('node-gyp-build');
  });
});

describe('CI workflows', () => {
  type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; if?: string };
  type Job = {
    'runs-on': string;
    needs?: string | string[];
    strategy?: { matrix?: Record<string, unknown> };
    steps: Step[];
  };
  type Workflow = { name: string; on: Record<string, unknown>; jobs: Record<string, Job> };

  const load = (name: string): Workflow =>
    parse(fs.readFileSync(path.join(root, '.github', 'workflows', name), 'utf8')) as Workflow;
  const text = (job: Job) => JSON.stringify(job);

  function checkShape(wf: Workflow) {
    expect(typeof wf.name).toBe('string');
    expect(typeof wf.on).toBe('object');
    const jobs = Object.keys(wf.jobs);
    expect(jobs.length).toBeGreaterThan(0);
    for (const [id, job] of Object.entries(wf.jobs)) {
      expect([id, typeof job['runs-on']]).toEqual([id, 'string']);
      expect(Array.isArray(job.steps)).toBe(true);
      expect(job.steps[0].uses).toMatch(/^actions\/checkout@v\d+$/);
      for (const step of job.steps) {
        // exactly one of uses / run
        expect([id, step.uses === undefined, step.run === undefined]).not.toEqual([id, true, true]);
        expect([id, step.uses !== undefined && step.run !== undefined]).toEqual([id, false]);
        if (step.uses) expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+@v\d+$/);
        // scripts the steps name exist
        for (const m of (step.run ?? '').matchAll(/scripts\/([\w.-]+)/g)) {
          expect(fs.existsSync(path.join(root, 'scripts', m[1]))).toBe(true);
        }
      }
      for (const need of [job.needs ?? []].flat()) expect(jobs).toContain(need);
    }
  }

  it('test.yml runs the suite on Linux, macOS and Windows (Npcap where it can be installed)', () => {
    const wf = load('test.yml');
    checkShape(wf);
    expect(Object.keys(wf.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
    const runners = Object.values(wf.jobs).map((j) => j['runs-on']);
    for (const os of ['ubuntu', 'macos', 'windows']) expect(runners.some((r) => r.startsWith(os))).toBe(true);
    const windows = Object.values(wf.jobs).find((j) => j['runs-on'].startsWith('windows'))!;
    expect(text(windows)).toMatch(/npcap/i);
    for (const job of Object.values(wf.jobs)) expect(text(job)).toMatch(/npm test|\.ci\/run|jest/);
  });

  it('prebuild.yml builds every target, uploads, gathers and checks the package', () => {
    const wf = load('prebuild.yml');
    checkShape(wf);
    const jobs = wf.jobs;
    const build = Object.entries(jobs).filter(([, j]) =>
      j.steps.some((s) => s.uses?.startsWith('actions/upload-artifact')),
    );
    const all = build.map(([, j]) => text(j)).join('\n');
    // linux x64/arm64 on glibc and on musl (Alpine), macOS x64+arm64, win32 x64
    expect(jobs['linux-glibc'].strategy?.matrix?.arch).toEqual(['x64', 'arm64']);
    expect(text(jobs['linux-musl'])).toMatch(/alpine/);
    expect(text(jobs['linux-musl'])).toMatch(/arm64/);
    expect(jobs.macos['runs-on']).toMatch(/^macos/);
    expect(jobs.macos.strategy?.matrix?.arch).toEqual(['x64', 'arm64']);
    expect(jobs.windows['runs-on']).toMatch(/^windows/);
    expect(all).toMatch(/scripts\/prebuild\.js/);
    // the gathering job waits for every build job, downloads, packs
    const gather = Object.entries(jobs).find(([, j]) =>
      j.steps.some((s) => s.uses?.startsWith('actions/download-artifact')),
    );
    expect(gather).toBeDefined();
    const [gatherId, gatherJob] = gather!;
    expect([gatherJob.needs ?? []].flat().sort()).toEqual(
      build
        .map(([id]) => id)
        .filter((id) => id !== gatherId)
        .sort(),
    );
    expect(text(gatherJob)).toMatch(/npm pack/);
    expect(text(gatherJob)).toMatch(/check-binary/);
  });
});
