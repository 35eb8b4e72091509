#!/usr/bin/env node
/*
 * Smoke test of one built addon file, loaded directly (no TypeScript layer):
 * fingerprint, libpcap loading, device listing, a C++ exception reaching
 * JavaScript, BPF compile/match on a worker thread, and a savefile round
 * trip through the capture loop. Needs no privileges and no live capture,
 * so it also runs under qemu-user (scripts/qemu-arm64), where device
 * listing fails because qemu-user lacks the SIOCETHTOOL ioctl that libpcap
 * uses; that failure is reported, not fatal.
 *
 *   node scripts/smoke-native.js <file.node>
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/smoke-native.js <file.node>');
  process.exit(2);
}
const a = require(path.resolve(file));
const log = (...x) => console.log(...x);
const LINKTYPE_ETHERNET = 1;
const NETMASK_UNKNOWN = 0xffffffff;

(async () => {
  log('node', process.version, process.arch, 'napi', process.versions.napi);
  log('sourceFingerprint', a.sourceFingerprint);
  log('libpcap:', a.libVersion(), 'loaded from', a.libPath());
  try {
    const devices = await a.findAllDevices();
    log('devices:', devices.map((d) => d.name).join(', '));
  } catch (e) {
    log('findAllDevices: rejected with', e.code, '-', e.message);
  }
  try {
    a.open('ewpcap-no-such-dev0', {
      snaplen: 65535,
      promisc: false,
      timeout: 0,
      immediate: true,
      buffer: 0,
      monitor: false,
      precision: 0,
      direction: -1,
      tstampType: -1,
    });
    throw new Error('open() of a missing device succeeded');
  } catch (e) {
    if (!e.code) throw e;
    log('open(missing device): C++ exception reached JavaScript as', e.code, '-', e.message);
  }
  const program = await a.compile(LINKTYPE_ETHERNET, 65535, 'ether proto 0x88b5', true, NETMASK_UNKNOWN);
  log('compile("ether proto 0x88b5"):', a.image(program).join(' | '));
  await a.compile(LINKTYPE_ETHERNET, 65535, 'not a filter ((', true, NETMASK_UNKNOWN).then(
    () => {
      throw new Error('a bad filter compiled');
    },
    (e) => log('bad filter rejected with', e.code),
  );

  const savefile = path.join(os.tmpdir(), `ewpcap-smoke-${process.pid}.pcap`);
  const frame = Buffer.alloc(60);
  frame.writeUInt16BE(0x88b5, 12);
  frame.write('ewpcap smoke', 14);
  const writer = a.dumpOpen(savefile, LINKTYPE_ETHERNET, 65535, 0, false);
  a.dumpPacket(writer, 1700000000, 123456, 0, frame.length, frame);
  a.dumpClose(writer);
  const handle = a.openOffline(savefile, 0);
  const batch = a.next(handle.id, 64, 1 << 20, 1000, false);
  a.close(handle.id);
  fs.unlinkSync(savefile);
  if (!(batch instanceof ArrayBuffer)) throw new Error(`next() returned ${batch}`);
  const L = a.batchLayout;
  const header = new Uint32Array(batch, 0, L.headerWords);
  const record = new Uint32Array(batch, L.headerWords * 4, L.recordWords);
  const data = Buffer.from(batch, header[L.dataStart] + record[L.dataOffset], record[L.caplen]);
  if (!data.equals(frame)) throw new Error('the savefile round trip changed the frame');
  log(
    `savefile round trip: ${header[L.count]} packet, time ${record[L.secondsLow]}.${record[L.fraction]}, ` +
      `matches the filter: ${a.match(program, data, data.length)}`,
  );
  log('OK');
})().catch((e) => {
  console.error('FAILED', e);
  process.exit(1);
});
