/*
 * One process of test/win32/loader.js: loads libpcap as EWPCAP_LIBPCAP says
 * and writes what happened to RESULT_FILE as JSON ({ version, path, count }
 * or { code, message }).
 *
 *   node loader-child.js RESULT_FILE CAPTURE_FILE
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ewpcap = require('ewpcap');

const [resultFile, captureFile] = process.argv.slice(2);

(async () => {
  try {
    const version = ewpcap.libVersion();
    const native = require(path.join(path.dirname(require.resolve('ewpcap/package.json')), 'dist', 'native.js')).native;
    const s = await ewpcap.openOffline(captureFile);
    let count = 0;
    s.on('packet', () => count++);
    await new Promise((r) => s.once('end', r));
    fs.writeFileSync(resultFile, JSON.stringify({ version, path: native.libPath(), count }));
  } catch (e) {
    fs.writeFileSync(resultFile, JSON.stringify({ code: e.code, message: e.message }));
  }
})();
