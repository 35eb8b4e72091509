/*
 * Writes the large savefile of the back-pressure and lifecycle checks:
 * 100,000 Ethernet frames of 1,000 bytes (~100 MB), each starting with its
 * sequence number.
 *
 *   node make-big.js FILE
 */
'use strict';
const fs = require('node:fs');
const { createSavefile } = require('ewpcap');

(async () => {
  const file = process.argv[2];
  const w = await createSavefile(`${file}.part`);
  const frame = Buffer.alloc(1000, 0xa5);
  for (let i = 0; i < 100000; i++) {
    frame.writeUInt32BE(i, 0);
    w.write({ time: 1700000000e6 + i * 1000, data: frame }); // microseconds
    if (i % 10000 === 9999) await w.flush();
  }
  await w.close();
  fs.renameSync(`${file}.part`, file);
})();
