#!/usr/bin/env node
/*
 * npm run test:asan: builds the addon with AddressSanitizer and
 * UndefinedBehaviorSanitizer (undefined behaviour halts the process) into
 * build-asan/, apart from build/Release, and runs the native-heavy suites
 * and the whole fuzzer under it, with the sanitizer runtimes preloaded into
 * node (node itself is not instrumented, so they must be loaded first).
 * EWPCAP_ADDON points lib/native.ts at the sanitized addon, in the main
 * thread, the capture threads and child processes alike.
 *
 * Fails if a suite or the fuzzer fails, or if a sanitizer wrote any report
 * (reports go to files under build-asan/reports/, one per process, so a
 * report from a child process or a worker thread is not lost in a pipe).
 * Leak detection is off: node and V8 keep memory until exit by design;
 * leaks of our own are checked by the lifecycle tests' handle counts.
 *
 *   node scripts/asan.js [jest test files...]
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'build-asan');
const src = path.join(out, 'src');
const reports = path.join(out, 'reports');

const SUITES = [
  '__tests__/bad-input.test.ts',
  '__tests__/fuzz.test.ts',
  '__tests__/savefile.test.ts',
  '__tests__/batches.test.ts',
  '__tests__/bpf.test.ts',
  '__tests__/captures.test.ts',
  '__tests__/capture.test.ts',
  '__tests__/stream-savefile.test.ts',
  // Not lifecycle.test.ts: its bounds on exit and close times (3 s) are for
  // the normal build; a sanitized node starts ~3x slower (4.8-5.1 s seen).
];

const SANITIZE = '-fsanitize=address,undefined -fno-sanitize-recover=undefined';

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function runtime(name) {
  const r = spawnSync(process.env.CXX || 'g++', [`-print-file-name=${name}`], { encoding: 'utf8' });
  const file = r.stdout.trim();
  if (r.status !== 0 || !path.isAbsolute(file)) {
    throw new Error(`${name} not found: install the compiler's sanitizer runtimes (Debian: libasan8 libubsan1)`);
  }
  return file;
}

function build() {
  fs.rmSync(src, { recursive: true, force: true });
  fs.mkdirSync(path.join(src, 'scripts'), { recursive: true });
  fs.cpSync(path.join(root, 'addon'), path.join(src, 'addon'), { recursive: true });
  fs.copyFileSync(path.join(root, 'binding.gyp'), path.join(src, 'binding.gyp'));
  fs.copyFileSync(path.join(root, 'scripts', 'fingerprint.js'), path.join(src, 'scripts', 'fingerprint.js'));
  const env = {
    ...process.env,
    CXXFLAGS: `${SANITIZE} -fno-omit-frame-pointer -g -O1`,
    LDFLAGS: SANITIZE,
  };
  const gyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
  if (run(process.execPath, [gyp, 'rebuild', '--directory', src], { env }) !== 0) process.exit(1);
  return path.join(src, 'build', 'Release', 'ewpcap.node');
}

/**
 * The programs the tests run besides node, wrapped so that they start
 * without the sanitizer runtimes: preloaded into an uninstrumented program
 * they are of no use, and mergecap hangs under them.
 */
const TOOLS = ['tcpdump', 'tshark', 'mergecap', 'editcap', 'capinfos', 'ip', 'sysctl', 'cc'];

function toolWrappers() {
  const bin = path.join(out, 'bin');
  fs.rmSync(bin, { recursive: true, force: true });
  fs.mkdirSync(bin, { recursive: true });
  for (const tool of TOOLS) {
    const real = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (!real) continue;
    const wrapper = path.join(bin, tool);
    fs.writeFileSync(wrapper, `#!/bin/sh\nunset LD_PRELOAD\nexec ${real} "$@"\n`, { mode: 0o755 });
  }
  return bin;
}

function main() {
  const addon = build();
  const bin = toolWrappers();
  fs.rmSync(reports, { recursive: true, force: true });
  fs.mkdirSync(reports, { recursive: true });
  const common = `log_path=${path.join(reports, 'report')}:print_stacktrace=1`;
  const env = {
    ...process.env,
    EWPCAP_ADDON: addon,
    PATH: `${bin}${path.delimiter}${process.env.PATH}`,
    LD_PRELOAD: [runtime('libasan.so'), runtime('libubsan.so')].join(':'),
    ASAN_OPTIONS: `${common}:detect_leaks=0:abort_on_error=1:handle_segv=1`,
    UBSAN_OPTIONS: `${common}:halt_on_error=1`,
  };
  const suites = process.argv.slice(2).length > 0 ? process.argv.slice(2) : SUITES;
  const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
  let failed = run(
    process.execPath,
    [path.join(__dirname, 'netns.js'), process.execPath, jest, '--runInBand', ...suites],
    {
      env,
      cwd: root,
    },
  );
  if (process.argv.slice(2).length === 0) {
    const fuzzFailed = run(
      process.execPath,
      [path.join(__dirname, 'fuzz.js'), '--scale', process.env.EWPCAP_ASAN_FUZZ_SCALE ?? '0.2'],
      { env, cwd: root },
    );
    failed = failed || fuzzFailed; // the fuzzer runs even when a suite failed
  }
  const found = fs.readdirSync(reports);
  for (const f of found) process.stderr.write(fs.readFileSync(path.join(reports, f), 'utf8'));
  console.log(`test:asan: ${found.length} sanitizer report(s); suites and fuzzer ${failed ? 'FAILED' : 'passed'}`);
  process.exit(failed || found.length > 0 ? 1 : 0);
}

main();
