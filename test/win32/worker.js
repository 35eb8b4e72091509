/*
 * A user's own worker thread (test/win32/observe.js starts it): loads the
 * package and reads the files it is given, posting a digest of each one's
 * packets.
 */
'use strict';
const path = require('node:path');
const { parentPort, workerData } = require('node:worker_threads');
const { openOffline } = require('ewpcap');
const { lineOf, sha256 } = require('./common');

(async () => {
  const digests = [];
  for (const name of workerData.names) {
    const s = await openOffline(path.join(workerData.dir, name), { timeUnit: 'nanosecond' });
    const lines = [];
    s.on('batch', (b) => {
      for (let i = 0; i < b.count; i++)
        lines.push(lineOf(b.seconds(i), b.fraction(i), b.caplen(i), b.length(i), b.data(i)));
    });
    await new Promise((resolve) => {
      s.once('end', resolve);
      s.once('error', resolve);
    });
    digests.push(sha256(lines.join('\n')));
  }
  parentPort.postMessage(digests);
})();
