/*
 * The verdict of the Windows suite (scripts/test-win32 runs it with Linux
 * node): each side's own checks, then the Windows run against the Linux run
 * of the same libpcap source: version, compiled programs, every shared
 * capture (count, link type, nanosecond timestamps, caplen, length, a hash
 * of the bytes, libpcap's error), filtered reads, and the savefiles written
 * (byte for byte).
 *
 *   node compare.js LINUX_OUT WINDOWS_OUT CAPTURES_DIR
 *
 * Prints one line per check, then "N passed, N failed"; exits 1 on any
 * failure.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const [linuxDir, winDir, capturesDir] = process.argv.slice(2);
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

/** A packet line's time in nanoseconds, and the rest of the line. */
function split(line) {
  const dot = line.indexOf('.');
  const space = line.indexOf(' ');
  return [BigInt(line.slice(0, dot)) * 1000000000n + BigInt(line.slice(dot + 1, space)), line.slice(space)];
}
const lineAt = (ns, rest) => `${ns / 1000000000n}.${String(ns % 1000000000n).padStart(9, '0')}${rest}`;

/**
 * The sub-second field of each record of a classic microsecond pcap file, as
 * the file holds it; undefined for other formats.
 */
function fileMicroseconds(name) {
  let b;
  try {
    b = fs.readFileSync(path.join(capturesDir, name));
  } catch {
    return undefined;
  }
  if (b.length < 24) return undefined;
  const le = { 0xa1b2c3d4: true, 0xd4c3b2a1: false }[b.readUInt32LE(0)];
  if (le === undefined) return undefined;
  const u32 = (at) => (le ? b.readUInt32LE(at) : b.readUInt32BE(at));
  const out = [];
  for (let at = 24; at + 16 <= b.length; at += 16 + u32(at + 8)) out.push(BigInt(u32(at + 4)));
  return out;
}

/**
 * For a damaged microsecond file with a sub-second field from 4,294,968 to
 * 2^31 - 1: the Windows lines expected from the Linux ones, or undefined.
 * libpcap scales such a field to nanoseconds in its struct timeval's
 * tv_usec, a 32-bit long on Windows, which keeps the product modulo 2^32
 * (see docs/INSTALL.md); on Linux the long has 64 bits. (libpcap reads the
 * field as a signed 32-bit number: from 2^31 up it is negative, and the
 * addon keeps the low 32 bits of the product on both systems.)
 */
function scaledOnWindows(name, linux) {
  const micros = fileMicroseconds(name);
  if (!micros || micros.length < linux.length) return undefined;
  let changed = false;
  const expected = linux.map((line, i) => {
    const ns = micros[i] * 1000n;
    if (ns < TWO_32 || micros[i] >= 2n ** 31n) return line;
    changed = true;
    const [time, rest] = split(line);
    return lineAt(time - ns + (ns % TWO_32), rest);
  });
  return changed ? expected : undefined;
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
  // Linux line -> the line Windows gives, for the packets of damaged files
  // that libpcap scales past 32 bits on Windows (used for the filtered reads).
  const scaledLines = new Map();
  for (const name of names) {
    const a = l.captures[name];
    const b = w.captures?.[name] ?? {};
    let verdict =
      a.linktype === b.linktype && a.error === b.error
        ? compareLines(linuxPackets.get(name) ?? [], winPackets.get(name) ?? [])
        : `linux ${a.linktype} ${a.error} | windows ${b.linktype} ${b.error}`;
    const scaled = verdict === 'same' ? undefined : scaledOnWindows(name, linuxPackets.get(name) ?? []);
    if (scaled && a.linktype === b.linktype && a.error === b.error) {
      if (compareLines(scaled, winPackets.get(name) ?? []) === 'same') {
        verdict = 'scaled';
        scaled.forEach((line, i) => scaledLines.set(`${name} ${linuxPackets.get(name)[i]}`, line));
      }
    }
    if (verdict === 'wrapped') {
      record(`capture ${name}: same packets; times at or after 2106 read modulo 2^32 on Windows (known)`, true);
    } else if (verdict === 'scaled') {
      record(
        `capture ${name}: same packets; sub-second fields of 4,294,968 us or more read modulo 2^32 ns on Windows (known)`,
        true,
      );
    } else {
      record(`capture ${name}: same packets, times, lengths and bytes`, verdict === 'same', verdict);
    }
  }

  const linuxFiltered = linesOf(linuxDir, 'filters.txt');
  const winFiltered = linesOf(winDir, 'filters.txt');
  const verdicts = [...linuxFiltered.keys()].map((k) => {
    const file = k.split(' ')[0];
    const expected = linuxFiltered.get(k).map((line) => scaledLines.get(`${file} ${line}`) ?? line);
    return [k, compareLines(expected, winFiltered.get(k) ?? [])];
  });
  const differ = verdicts.filter(([, v]) => v !== 'same' && v !== 'wrapped');
  record(
    'openOffline() with filters: the same packets',
    verdicts.length > 50 && differ.length === 0 && winFiltered.size === linuxFiltered.size,
    `${verdicts.length} file/filter pairs, ${verdicts.filter(([, v]) => v === 'wrapped').length} with times past 2106, ` +
      `${[...linuxFiltered.keys()].filter((k) => linuxFiltered.get(k).some((line) => scaledLines.has(`${k.split(' ')[0]} ${line}`))).length} ` +
      `with scaled sub-second fields (known); differ: ${differ.map((d) => d.join(': ')).join('; ')}`,
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
