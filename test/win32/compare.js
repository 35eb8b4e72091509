/*
 * The verdict of the Windows suite (scripts/test-win32 runs it with Linux
 * node): each side's own checks, then the Windows run against the Linux run
 * of the same libpcap source: version, compiled programs, every shared
 * capture (count, link type, nanosecond timestamps, caplen, length, a hash
 * of the bytes, libpcap's error), filtered reads, and the savefiles written
 * (byte for byte).
 *
 *   node compare.js LINUX_OUT WINDOWS_OUT
 *
 * Prints one line per check, then "N passed, N failed"; exits 1 on any
 * failure.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const [linuxDir, winDir] = process.argv.slice(2);
const results = [];
const record = (name, ok, detail) => results.push({ name, ok: Boolean(ok), detail });

function load(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    record(`${file} was written`, false, e.message);
    return undefined;
  }
}

const loader = load(path.join(winDir, 'loader.json'));
const win = load(path.join(winDir, 'observations.json'));
const linux = load(path.join(linuxDir, 'observations.json'));
for (const c of loader?.checks ?? []) record(`windows: ${c.name}`, c.ok, c.detail);
for (const [side, r] of [
  ['windows', win],
  ['linux', linux],
]) {
  if (r?.crash) record(`${side}: observe.js finished`, false, r.crash);
  for (const c of r?.checks ?? []) record(`${side}: ${c.name}`, c.ok, c.detail);
}

/** The packet lines of each read in a captures.txt ("# FILE ...") or filters.txt ("#|FILE|FILTER|..."). */
function linesOf(dir, name) {
  const byRead = new Map();
  let lines;
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) {
    record(`${file} was written`, false);
    return byRead;
  }
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('#|')) byRead.set(line.split('|').slice(1, 3).join(' '), (lines = []));
    else if (line.startsWith('# ')) byRead.set(line.split(' ')[1], (lines = []));
    else if (line) lines.push(line);
  }
  return byRead;
}

const TWO_32 = 2n ** 32n;

/**
 * 'same', 'wrapped' (equal but for Windows giving times at or after 2106
 * modulo 2^32: its struct timeval holds seconds in a 32-bit long; see
 * docs/INSTALL.md), or a description of the first difference.
 */
function compareLines(linux, windows) {
  if (linux.join('\n') === windows.join('\n')) return 'same';
  const wrappedOf = (line) => {
    const dot = line.indexOf('.');
    const sec = BigInt(line.slice(0, dot));
    return `${sec >= TWO_32 ? sec % TWO_32 : sec}${line.slice(dot)}`;
  };
  if (
    linux.length === windows.length &&
    linux.some((l) => BigInt(l.slice(0, l.indexOf('.'))) >= TWO_32) &&
    linux.every((l, i) => windows[i] === wrappedOf(l))
  ) {
    return 'wrapped';
  }
  const i = linux.findIndex((l, k) => l !== windows[k]);
  const at = i < 0 ? linux.length : i;
  return `${linux.length} | ${windows.length} packets; first difference at packet ${at}: ${linux[at]} | ${windows[at]}`;
}

if (win && linux) {
  const w = win.observations;
  const l = linux.observations;
  record('same libpcap on both sides (libVersion)', w.libVersion === l.libVersion, `${w.libVersion} | ${l.libVersion}`);
  const programs = Object.keys(l.programs ?? {});
  const differing = programs.filter((k) => w.programs?.[k] !== l.programs[k]);
  record(
    'compile(): the same BPF programs',
    programs.length > 0 && differing.length === 0,
    `${programs.length} programs; differ: ${differing.join('; ')}`,
  );
  record(
    'compile() of a bad expression: the same error',
    w.badFilter === l.badFilter,
    `${w.badFilter} | ${l.badFilter}`,
  );

  const linuxPackets = linesOf(linuxDir, 'captures.txt');
  const winPackets = linesOf(winDir, 'captures.txt');
  const names = Object.keys(l.captures ?? {});
  record(
    'the same shared captures were read',
    names.length > 200 && names.join() === Object.keys(w.captures ?? {}).join(),
    `${names.length} files`,
  );
  for (const name of names) {
    const a = l.captures[name];
    const b = w.captures?.[name] ?? {};
    const verdict =
      a.linktype === b.linktype && a.error === b.error
        ? compareLines(linuxPackets.get(name) ?? [], winPackets.get(name) ?? [])
        : `linux ${a.linktype} ${a.error} | windows ${b.linktype} ${b.error}`;
    if (verdict === 'wrapped') {
      record(`capture ${name}: same packets; times at or after 2106 read modulo 2^32 on Windows (known)`, true);
    } else {
      record(`capture ${name}: same packets, times, lengths and bytes`, verdict === 'same', verdict);
    }
  }

  const linuxFiltered = linesOf(linuxDir, 'filters.txt');
  const winFiltered = linesOf(winDir, 'filters.txt');
  const verdicts = [...linuxFiltered.keys()].map((k) => [
    k,
    compareLines(linuxFiltered.get(k), winFiltered.get(k) ?? []),
  ]);
  const differ = verdicts.filter(([, v]) => v !== 'same' && v !== 'wrapped');
  record(
    'openOffline() with filters: the same packets',
    verdicts.length > 50 && differ.length === 0 && winFiltered.size === linuxFiltered.size,
    `${verdicts.length} file/filter pairs, ${verdicts.filter(([, v]) => v === 'wrapped').length} with times past 2106 (known); differ: ${differ.map((d) => d.join(': ')).join('; ')}`,
  );
  for (const kind of ['micro', 'nano', 'append']) {
    const a = l.savefiles?.[kind];
    const b = w.savefiles?.[kind];
    record(`createSavefile() ${kind}: byte-identical files`, a && a === b, `${a} | ${b}`);
  }
  record(
    'the large file: the same packet count',
    l.bigCount > 0 && l.bigCount === w.bigCount,
    `${l.bigCount} | ${w.bigCount}`,
  );
}

const failed = results.filter((r) => !r.ok);
for (const r of results)
  console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${!r.ok && r.detail ? `\n     ${r.detail}` : ''}`);
console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
process.exitCode = failed.length === 0 && results.length > 0 ? 0 : 1;
