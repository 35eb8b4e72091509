/**
 * The CLI's live lines on a real terminal (tmux): the capture's status line
 * and the read's progress bar are redrawn in place, on one row; Ctrl-C ends a
 * capture to a file with tcpdump's closing figures and a complete file.
 */
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bin, ewpcapSync, root, tcpdumpRead } from './support/cli';
import { describeLive, T } from './support/netns';
import { Terminal } from './support/tmux';

let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'ewpcap-terminal-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BAR = /\[[#.]{30}\] +(\d+)%/;

describe('ewpcap read on a terminal', () => {
  const packets = 400_000;
  let big: string;

  beforeAll(() => {
    // UDP frames, so that every line is decoded, not only counted; the file
    // is laid out here (pcap: a 24-byte header, then a 16-byte header per record).
    big = path.join(dir, 'big.pcap');
    const frame = Buffer.from(
      [
        '020000000002',
        '020000000001',
        '0800', // Ethernet
        '45000020',
        '00010000',
        '40110000',
        'c0000201',
        'c0000202', // IPv4 192.0.2.1 > 192.0.2.2, UDP
        '13880009',
        '000c0000',
        '61626364', // UDP 5000 > 9, "abcd"
      ].join(''),
      'hex',
    );
    const data = Buffer.concat([frame, Buffer.alloc(46 - frame.length)]);
    const file = Buffer.alloc(24 + packets * (16 + data.length));
    file.writeUInt32LE(0xa1b2c3d4, 0);
    file.writeUInt16LE(2, 4);
    file.writeUInt16LE(4, 6);
    file.writeUInt32LE(65535, 16);
    file.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
    for (let i = 0, at = 24; i < packets; i++, at += 16 + data.length) {
      file.writeUInt32LE(1_700_000_000 + Math.floor(i / 1000), at);
      file.writeUInt32LE(i % 1000, at + 4);
      file.writeUInt32LE(data.length, at + 8);
      file.writeUInt32LE(data.length, at + 12);
      data.copy(file, at + 16);
    }
    writeFileSync(big, file);
  });

  test('a large file: a progress bar on one row, redrawn in place, gone at the end', async () => {
    const term = new Terminal(`node ${bin} read ${big} > /dev/null`, root);
    try {
      const seen = new Set<number>();
      let rows: string[] = [];
      while (!rows.some((r) => r.startsWith('EXIT='))) {
        rows = term.screen();
        const bars = rows.filter((r) => BAR.test(r));
        expect(bars.length).toBeLessThanOrEqual(1); // never a second row: redrawn, not scrolled
        if (bars.length === 1) {
          seen.add(Number(BAR.exec(bars[0]!)![1]));
          expect(bars[0]).toMatch(/% +[\d,]+ packets$/);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(rows.find((r) => r.startsWith('EXIT='))).toBe('EXIT=0');
      expect(rows.some((r) => BAR.test(r))).toBe(false); // erased once done
      const values = [...seen];
      expect(values.length).toBeGreaterThanOrEqual(3);
      expect(values).toEqual([...values].sort((a, b) => a - b));
    } finally {
      term.close();
    }
  }, 120_000);

  test('not a terminal: no progress bar and no control characters', () => {
    const r = ewpcapSync(['read', big, '-c', '3']);
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/\u001b|\r|%/); // eslint-disable-line no-control-regex -- the escape is what is looked for
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(3);
  });
});

function sendUdp(count: number): Promise<void> {
  const sock = dgram.createSocket('udp4');
  return new Promise<void>((resolve) => sock.bind({ address: T.ip0 }, resolve)).then(async () => {
    for (let i = 0; i < count; i++) await new Promise((r) => sock.send('ewpcap', 9, T.peer, r));
    sock.close();
  });
}

describeLive('ewpcap capture -w on a terminal', () => {
  test('the status line counts in place; Ctrl-C prints the closing figures and leaves a complete file', async () => {
    const file = path.join(dir, 'status.pcap');
    const term = new Terminal(`node ${bin} capture -i ${T.dev1} -w ${file} -f 'udp port 9'`, root);
    const status = (rows: string[]) => rows.filter((r) => /packets\/s/.test(r));
    try {
      await term.waitFor((rows) => rows.some((r) => r.startsWith('listening on veth1')));
      await sendUdp(50);
      let rows = await term.waitFor((r) => status(r).some((s) => s.startsWith('50 packets, 2.4 kB')));
      expect(status(rows)).toHaveLength(1);
      expect(status(rows)[0]).toMatch(/^50 packets, 2\.4 kB, [\d,]+ packets\/s, 0 dropped by kernel$/);
      await sendUdp(100);
      rows = await term.waitFor((r) => status(r).some((s) => s.startsWith('150 packets, 7.2 kB')));
      expect(status(rows)).toHaveLength(1); // the same row, redrawn
      term.keys('C-c');
      rows = await term.waitFor((r) => r.some((s) => s.startsWith('EXIT=')));
      expect(rows.slice(-4)).toEqual([
        '150 packets captured',
        '150 packets received by filter',
        '0 packets dropped by kernel',
        'EXIT=0',
      ]);
      const read = tcpdumpRead(file, '-n', '-q');
      expect(read).toHaveLength(150);
      expect(read.every((l) => l.includes(`IP ${T.ip0}.`) && l.endsWith(`${T.peer}.9: UDP, length 6`))).toBe(true);
    } finally {
      term.close();
    }
  }, 120_000);
});
