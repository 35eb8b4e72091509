#!/usr/bin/env node
/*
 * The source fingerprint of the native addon: a sha256 over every file under
 * addon/ and over binding.gyp (paths relative to the package root, sorted,
 * with '/' separators; line endings normalised to \n, so a Windows checkout
 * with autocrlf gives the same value).
 *
 * binding.gyp compiles it into the addon as EWPCAP_SOURCE_FINGERPRINT and
 * the addon exports it as `sourceFingerprint`; __tests__/prebuild.test.ts
 * fails when a committed prebuild's value differs from the current sources'.
 *
 *   node scripts/fingerprint.js [packageRoot]   prints the hex digest
 */
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

function listFiles(dir, base = dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full, base));
    else if (entry.isFile()) out.push(path.relative(base, full).split(path.sep).join('/'));
  }
  return out;
}

function fingerprint(root = path.resolve(__dirname, '..')) {
  const files = listFiles(path.join(root, 'addon'))
    .map((f) => `addon/${f}`)
    .concat('binding.gyp')
    .sort();
  const hash = crypto.createHash('sha256');
  for (const file of files) {
    const text = fs.readFileSync(path.join(root, file), 'utf8').replace(/\r\n/g, '\n');
    hash.update(`${file}\0${Buffer.byteLength(text)}\0`);
    hash.update(text);
  }
  return hash.digest('hex');
}

module.exports = { fingerprint };

if (require.main === module) {
  process.stdout.write(fingerprint(path.resolve(process.argv[2] || path.join(__dirname, '..'))) + '\n');
}
