/*
 * A process that ends with work in flight (test/win32/observe.js runs it and
 * expects exit code 0):
 *
 *   node exit.js MODE BIG_FILE MARKER
 *
 *   exit-during-read        process.exit() from a 'packet' listener mid-file
 *   exit-with-open-writer   process.exit() with a savefile writer open and
 *                           packets queued for it
 *   unref-socket-open       the script returns with a socket open, unread
 *                           and unref()'d: the process ends
 *   ref-socket-open         the same without unref(): the process stays up
 *                           (the caller kills it)
 *
 * MARKER gets "ok ..." just before the end, so a crash after it is told
 * apart from one before.
 */
'use strict';
const fs = require('node:fs');
const { openOffline, createSavefile } = require('ewpcap');

const [mode, bigFile, marker] = process.argv.slice(2);

(async () => {
  if (mode === 'exit-during-read') {
    const s = await openOffline(bigFile);
    let n = 0;
    s.on('packet', () => {
      if (++n === 5000) {
        fs.writeFileSync(marker, `ok ${n} packets`);
        process.exit(0);
      }
    });
  } else if (mode === 'exit-with-open-writer') {
    const w = await createSavefile(`${marker}.pcap`);
    for (let i = 0; i < 10000; i++) w.write({ time: i, data: Buffer.alloc(64, i & 0xff) });
    fs.writeFileSync(marker, 'ok writer');
    process.exit(0);
  } else {
    // Kept reachable: a collected socket would be closed, whatever ref() says.
    globalThis.socket = await openOffline(bigFile);
    if (mode === 'unref-socket-open') globalThis.socket.unref();
    fs.writeFileSync(marker, `ok ${mode}`);
  }
})();
