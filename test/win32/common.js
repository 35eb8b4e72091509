/* Helpers shared by the Windows suite's scripts (test/win32). */
'use strict';
const crypto = require('node:crypto');

/** Checks a script judges by itself: { name, ok, detail }. */
const checks = [];

function record(name, ok, detail) {
  checks.push({ name, ok: Boolean(ok), ...(detail === undefined ? {} : { detail: String(detail) }) });
}

function sha256(data) {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/**
 * One packet as a line: seconds.nanoseconds caplen length sha256-of-bytes
 * (first 16 hex digits). The time is carried into whole seconds first: a
 * damaged file can hold a fraction of a second over 10^9 ns, which 'batch'
 * gives as it is and packet.time adds to the seconds.
 */
function lineOf(seconds, fraction, caplen, length, data) {
  const ns = BigInt(seconds) * 1000000000n + BigInt(fraction);
  const whole = ns / 1000000000n;
  return `${whole}.${String(ns % 1000000000n).padStart(9, '0')} ${caplen} ${length} ${sha256(data).slice(0, 16)}`;
}

/** The error a promise rejects with, or undefined if it resolves. */
async function errorOf(promise) {
  try {
    await promise;
    return undefined;
  } catch (e) {
    return e;
  }
}

module.exports = { checks, record, sha256, lineOf, errorOf };
