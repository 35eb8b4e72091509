/**
 * `ewpcap/decode` as a user's project sees it: a scratch project whose
 * node_modules/ewpcap is this package (built). require() and import resolve
 * the subpath to the CommonJS and ES module entries without loading the
 * native addon, and TypeScript finds strict types for it under every module
 * resolution a project may use (node10 is still what `module: commonjs`
 * defaults to, and it does not read `exports`: `typesVersions` covers it).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(__dirname, '..');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-decode-exports-'));
beforeAll(() => {
  fs.mkdirSync(path.join(scratch, 'node_modules'));
  fs.symlinkSync(root, path.join(scratch, 'node_modules', 'ewpcap'), 'dir');
  fs.writeFileSync(path.join(scratch, 'package.json'), '{ "name": "user", "private": true }\n');
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function node(args: string[]): unknown {
  const r = spawnSync(process.execPath, args, { cwd: scratch, encoding: 'utf8', timeout: 20_000 });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

describe('ewpcap/decode from a project that depends on ewpcap', () => {
  test('require() gives the CommonJS build, and loads no addon', () => {
    const out = node([
      '-e',
      `const d = require('ewpcap/decode');
       const frame = d.encode([{ kind: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' },
         { kind: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { kind: 'udp', srcPort: 1, dstPort: 2 }]);
       console.log(JSON.stringify({
         file: require.resolve('ewpcap/decode'),
         kinds: d.decode(1, frame).layers.map((l) => l.kind),
         loaded: Object.keys(require.cache).filter((f) => /\\.node$|native|node-gyp-build/.test(f)),
       }));`,
    ]);
    expect(out).toEqual({
      file: path.join(fs.realpathSync(root), 'dist', 'decode', 'index.js'),
      kinds: ['ethernet', 'ipv4', 'udp'],
      loaded: [],
    });
  });

  test('import gives the ES module entry, with every value of the CommonJS one', () => {
    const out = node([
      '--input-type=module',
      '-e',
      `import * as esm from 'ewpcap/decode';
       import { createRequire } from 'node:module';
       const cjs = createRequire(import.meta.url)('ewpcap/decode');
       console.log(JSON.stringify({
         file: import.meta.resolve('ewpcap/decode'),
         missing: Object.keys(cjs).filter((k) => esm[k] !== cjs[k]),
         kind: esm.decode(1, new Uint8Array(14)).layers[0].kind,
       }));`,
    ]);
    expect(out).toEqual({
      file: 'file://' + path.join(fs.realpathSync(root), 'esm', 'decode.mjs'),
      missing: [],
      kind: 'ethernet',
    });
  });

  // One line must be an error: it shows that the types are strict, not `any`.
  const source = `import { decode, encode, TcpFlag, type DecodedPacket } from 'ewpcap/decode';
import { openOffline } from 'ewpcap';
const p: DecodedPacket = decode(1, encode([{ kind: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02', type: 0x88b5 }]));
const syn: number = (p.layer('tcp')?.flags ?? 0) & TcpFlag.syn;
// @ts-expect-error an IPv4 layer has no port
const port: number = p.layer('ipv4')!.srcPort;
void [syn, port, openOffline];
`;

  test.each([
    ['node10 (module commonjs)', ts.ModuleKind.CommonJS, ts.ModuleResolutionKind.Node10, 'user.ts'],
    ['node16', ts.ModuleKind.Node16, ts.ModuleResolutionKind.Node16, 'user.ts'],
    ['nodenext, an ES module', ts.ModuleKind.NodeNext, ts.ModuleResolutionKind.NodeNext, 'user.mts'],
    ['bundler', ts.ModuleKind.ESNext, ts.ModuleResolutionKind.Bundler, 'user.ts'],
  ])(
    'TypeScript, %s, finds strict types',
    (_name, module, moduleResolution, file) => {
      const at = path.join(scratch, file);
      fs.writeFileSync(at, source);
      const program = ts.createProgram([at], {
        strict: true,
        noEmit: true,
        module,
        moduleResolution,
        target: ts.ScriptTarget.ES2022,
        types: ['node'],
        typeRoots: [path.join(root, 'node_modules', '@types')],
        skipLibCheck: false,
      });
      const diagnostics = ts
        .getPreEmitDiagnostics(program)
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      expect(diagnostics).toEqual([]);
      const declarations = program.getSourceFiles().map((f) => path.relative(fs.realpathSync(root), f.fileName));
      expect(declarations).toContain(path.join('dist', 'decode', 'index.d.ts'));
    },
    60_000,
  );
});
