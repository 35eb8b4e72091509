/**
 * The run-time libpcap loader: the module always loads; a missing libpcap is
 * an ELIBPCAP error that says what to install; Fedora's file name is found.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getifaddrs, libVersion, dev } from '../lib';

const root = path.resolve(__dirname, '..');

/** Runs a script with the built package in a fresh process and returns its JSON output. */
function child(script: string, env: NodeJS.ProcessEnv = {}): { status: number | null; out: unknown; stderr: string } {
  const r = spawnSync(process.execPath, ['-e', script], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  let out: unknown;
  try {
    out = JSON.parse(r.stdout);
  } catch {
    out = r.stdout;
  }
  return { status: r.status, out, stderr: r.stderr };
}

/** The file the system's libpcap resolves to (the loader's default choice). */
function systemLibpcap(): string {
  const maps = execFileSync(
    process.execPath,
    [
      '-e',
      "require('./dist').libVersion(); process.stdout.write(require('fs').readFileSync('/proc/self/maps','utf8'))",
    ],
    { cwd: root, encoding: 'utf8' },
  );
  const line = maps.split('\n').find((l) => /libpcap\.so/.test(l));
  if (!line) throw new Error('libpcap is not mapped after libVersion()');
  return line.slice(line.indexOf('/'));
}

describe('loader', () => {
  test('the module loads and libVersion() names libpcap', () => {
    expect(libVersion()).toMatch(/^libpcap version \d+\.\d+/);
  });

  test('the ES module entry exports every value the CommonJS entry does, as the same objects', () => {
    const script = `import * as esm from ${JSON.stringify(path.join(root, 'esm', 'index.mjs'))};
      import { createRequire } from 'node:module';
      const cjs = createRequire(import.meta.url)(${JSON.stringify(root)});
      console.log(JSON.stringify({
        cjs: Object.keys(cjs).sort(),
        esm: Object.keys(esm).filter((k) => k !== 'default').sort(),
        same: Object.keys(cjs).every((k) => esm[k] === cjs[k]) && esm.default === cjs,
      }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { cjs: string[]; esm: string[]; same: boolean };
    expect(out.cjs).toContain('prewarm');
    expect(out.esm).toEqual(out.cjs);
    expect(out.same).toBe(true);
  });

  test('with EWPCAP_LIBPCAP naming a missing file the module still loads and calls reject with ELIBPCAP', () => {
    const r = child(
      `const m = require('./dist');
       const sync = (() => { try { m.libVersion(); return null } catch (e) { return e.code } })();
       Promise.allSettled([m.getifaddrs(), m.dev(), m.open('lo')]).then((rs) =>
         console.log(JSON.stringify({ sync, results: rs.map((x) => x.status === 'rejected' ? { code: x.reason.code, message: x.reason.message } : 'resolved') })));`,
      { EWPCAP_LIBPCAP: '/nonexistent/libpcap.so.1' },
    );
    expect(r.status).toBe(0);
    const out = r.out as { sync: string; results: Array<{ code: string; message: string }> };
    expect(out.sync).toBe('ELIBPCAP');
    expect(out.results).toHaveLength(3);
    for (const result of out.results) {
      expect(result.code).toBe('ELIBPCAP');
      expect(result.message).toContain('/nonexistent/libpcap.so.1');
      expect(result.message).toContain('apt-get install libpcap0.8');
      expect(result.message).toContain('dnf install libpcap');
    }
  });

  test('a file that is not libpcap is refused with ELIBPCAP naming it', () => {
    const libc = execFileSync('sh', ['-c', "ldconfig -p | awk '/libm\\.so\\.6 / {print $NF; exit}'"], {
      encoding: 'utf8',
    }).trim();
    const r = child(
      `require('./dist').getifaddrs().then(() => console.log('"resolved"'), (e) => console.log(JSON.stringify({ code: e.code, message: e.message })));`,
      { EWPCAP_LIBPCAP: libc },
    );
    const out = r.out as { code: string; message: string };
    expect(out.code).toBe('ELIBPCAP');
    expect(out.message).toContain('not a usable libpcap');
  });

  test('Fedora-style naming: a directory holding only libpcap.so.1 is found by name', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-fedora-'));
    try {
      fs.symlinkSync(systemLibpcap(), path.join(dir, 'libpcap.so.1'));
      const script = `const m = require('./dist');
        m.getifaddrs().then((d) => console.log(JSON.stringify({ path: require('./dist/native').native.libPath(), devices: d.length })));`;
      // Through the library path, as the loader's own search finds it...
      const bySearch = child(script, { LD_LIBRARY_PATH: dir, EWPCAP_LIBPCAP: '' });
      expect(bySearch.out).toEqual({ path: 'libpcap.so.1', devices: expect.any(Number) });
      expect((bySearch.out as { devices: number }).devices).toBeGreaterThan(0);
      // ...and named explicitly.
      const explicit = child(script, { EWPCAP_LIBPCAP: path.join(dir, 'libpcap.so.1') });
      expect(explicit.out).toEqual({ path: path.join(dir, 'libpcap.so.1'), devices: expect.any(Number) });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('dev() names a device that getifaddrs() lists', async () => {
    const [name, all] = await Promise.all([dev(), getifaddrs()]);
    expect(all.map((d) => d.name)).toContain(name);
    expect(all[0]!.name).toBe(name);
  });
});
