#!/usr/bin/env node
/*
 * Builds the prebuilt addon for this platform (or, on Linux x64, for
 * linux-arm64 with Debian's aarch64 cross toolchain) into
 * prebuilds/<platform>-<arch>/, the way node-gyp-build looks for it:
 *
 *   prebuildify --napi --strip --tag-libc [--arch arm64]
 *
 * The build runs in a scratch copy of addon/ and binding.gyp, so the
 * package's own build/ (a developer's build/Release) is left alone. On Linux
 * the result is then checked with scripts/check-binary (glibc/GLIBCXX
 * ceilings, architecture, no libpcap in DT_NEEDED).
 *
 *   node scripts/prebuild.js                 this platform and arch
 *   node scripts/prebuild.js --arch arm64    cross-build on Linux x64 (Debian's
 *                                            g++-aarch64-linux-gnu), or either
 *                                            macOS arch on macOS
 *
 * Uses the Node headers of the running node when they are installed beside
 * it (include/node), so nothing is downloaded; set npm_config_nodedir to
 * choose others.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function run(cmd, args, options = {}) {
  console.log(`> ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  if (r.error) throw r.error;
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function main() {
  const argv = process.argv.slice(2);
  let arch = process.arch;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--arch') arch = argv[++i];
    else if (argv[i].startsWith('--arch=')) arch = argv[i].slice(7);
    else {
      console.error('usage: node scripts/prebuild.js [--arch x64|arm64]');
      process.exit(2);
    }
  }

  const env = { ...process.env };
  // Local headers: /usr/bin/node -> /usr/include/node (not on Windows, where
  // node-gyp also needs node.lib).
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (
    !env.npm_config_nodedir &&
    process.platform !== 'win32' &&
    fs.existsSync(path.join(prefix, 'include', 'node', 'common.gypi'))
  ) {
    env.npm_config_nodedir = prefix;
  }

  const args = ['--napi', '--strip', '--tag-libc', '--out', root];
  if (arch !== process.arch && process.platform === 'darwin' && (arch === 'x64' || arch === 'arm64')) {
    // Xcode's clang builds for either architecture (node's common.gypi sets ARCHS).
    args.push('--arch', arch);
  } else if (arch !== process.arch) {
    if (process.platform !== 'linux' || process.arch !== 'x64' || arch !== 'arm64') {
      console.error(
        `prebuild: cross-building ${process.platform}-${process.arch} -> ${arch} is not set up; build on a ${arch} machine`,
      );
      process.exit(2);
    }
    const triple = 'aarch64-linux-gnu';
    for (const tool of ['gcc', 'g++', 'strip']) {
      if (spawnSync(`${triple}-${tool}`, ['--version']).status !== 0) {
        console.error(
          `prebuild: ${triple}-${tool} not found: apt-get install gcc-aarch64-linux-gnu g++-aarch64-linux-gnu`,
        );
        process.exit(2);
      }
    }
    Object.assign(env, { CC: `${triple}-gcc`, CXX: `${triple}-g++`, LINK: `${triple}-g++`, AR: `${triple}-ar` });
    args.push('--arch', arch, '--strip-bin', `${triple}-strip`);
  }

  // A scratch copy with what binding.gyp reads; node_modules is linked so
  // that binding.gyp finds node-addon-api and prebuildify finds node-gyp.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-prebuild-'));
  try {
    fs.cpSync(path.join(root, 'addon'), path.join(scratch, 'addon'), { recursive: true });
    fs.mkdirSync(path.join(scratch, 'scripts'));
    fs.copyFileSync(path.join(root, 'scripts', 'fingerprint.js'), path.join(scratch, 'scripts', 'fingerprint.js'));
    for (const f of ['binding.gyp', 'package.json']) fs.copyFileSync(path.join(root, f), path.join(scratch, f));
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(scratch, 'node_modules'), 'junction');
    const prebuildify = require.resolve('prebuildify/bin.js', { paths: [root] });
    run(process.execPath, [prebuildify, ...args], { cwd: scratch, env });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }

  const dir = path.join(root, 'prebuilds', `${process.platform}-${arch}`);
  const built = fs.readdirSync(dir).filter((f) => f.endsWith('.node'));
  console.log(`prebuilds/${process.platform}-${arch}: ${built.join(', ')}`);
  if (process.platform === 'linux') {
    for (const f of built)
      run(process.execPath, [path.join(__dirname, 'check-binary'), path.join(dir, f), '--arch', arch]);
  }
}

main();
