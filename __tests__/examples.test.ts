/**
 * The examples run as the README says (`npx tsx examples/...`), against the
 * test namespace.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { open, type Packet } from '../lib';
import { watched } from './support/cli';
import { describeLive, macOf, T } from './support/netns';
import { FRAME_FILTER, framer, sendUdp, sleep } from './support/traffic';

const root = path.resolve(__dirname, '..');

function runExample(args: string[]) {
  return watched(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), ...args], root);
}

/** An ICMP echo request frame from veth0 to the peer behind veth1. */
function echoRequest(mac0: Buffer, mac1: Buffer, seq: number): Buffer {
  const f = Buffer.alloc(14 + 20 + 8 + 8);
  mac1.copy(f, 0);
  mac0.copy(f, 6);
  f.writeUInt16BE(0x0800, 12);
  const ip = f.subarray(14);
  ip[0] = 0x45;
  ip.writeUInt16BE(36, 2);
  ip[8] = 64;
  ip[9] = 1;
  Buffer.from(T.ip0.split('.').map(Number)).copy(ip, 12);
  Buffer.from(T.peer.split('.').map(Number)).copy(ip, 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += ip.readUInt16BE(i);
  ip.writeUInt16BE(~((sum & 0xffff) + (sum >>> 16)) & 0xffff, 10);
  const icmp = ip.subarray(20);
  icmp[0] = 8;
  icmp.writeUInt16BE(seq, 6);
  sum = 0;
  for (let i = 0; i < 16; i += 2) sum += icmp.readUInt16BE(i);
  icmp.writeUInt16BE(~((sum & 0xffff) + (sum >>> 16)) & 0xffff, 2);
  return f;
}

describeLive('examples', () => {
  test("examples/capture.ts prints the packets it captures and libpcap's counters", async () => {
    const ex = runExample(['examples/capture.ts', T.dev1, 'udp port 9', '--count', '3']);
    try {
      await ex.ready(/listening on/);
      await sendUdp(9, [Buffer.from('a'), Buffer.from('b'), Buffer.from('c')]);
      expect(await ex.exited).toBe(0);
    } finally {
      ex.child.kill();
    }
    const { stdout, stderr } = ex.output();
    expect(stdout.trim().split('\n')).toHaveLength(3);
    expect(stdout).toMatch(/ethertype 0x0800 length 43/);
    expect(stderr).toContain('3 packets captured, 3 received by filter, 0 dropped by kernel');
  }, 60_000);

  test('examples/capture.ts --count 10 prints and writes 10 packets of a 20-packet burst', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ewpcap-example-'));
    const file = path.join(dir, 'burst.pcap');
    const ex = runExample(['examples/capture.ts', T.dev1, FRAME_FILTER, '--count', '10', '--write', file]);
    const tx = await open(T.dev0);
    try {
      await ex.ready(/listening on/);
      const frame = framer();
      // All 20 at once: they reach the capture thread together and come in one batch.
      await Promise.all(Array.from({ length: 20 }, (_, i) => tx.write(frame(i))));
      expect(await ex.exited).toBe(0);
      const { stdout, stderr } = ex.output();
      expect(stdout.trim().split('\n')).toHaveLength(10);
      expect(stderr).toContain(`10 packets written to ${file}`);
      const read = execFileSync('tcpdump', ['-n', '-r', file], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      expect(read.split('\n').filter((l) => /^\d/.test(l))).toHaveLength(10); // header lines, not tcpdump's hex dump
    } finally {
      ex.child.kill();
      await tx.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test('examples/icmp-resend.ts sends every ICMP packet it receives back out', async () => {
    const watch = await open(T.dev0, { filter: 'icmp', direction: 'in' });
    const sender = await open(T.dev0);
    let ex: ReturnType<typeof runExample> | undefined;
    try {
      const seen: Packet[] = [];
      watch.on('packet', (p: Packet) => seen.push(p));
      ex = runExample(['examples/icmp-resend.ts', T.dev1, '2']);
      await ex.ready(/resending ICMP received on/);
      const mac = (d: string) =>
        Buffer.from(
          macOf(d)
            .split(':')
            .map((x) => parseInt(x, 16)),
        );
      const frames = [echoRequest(mac(T.dev0), mac(T.dev1), 1), echoRequest(mac(T.dev0), mac(T.dev1), 2)];
      for (const f of frames) await sender.write(f);
      expect(await ex.exited).toBe(0);
      for (let i = 0; i < 100 && seen.length < 2; i++) await sleep(20);
      expect(seen.map((p) => p.data)).toEqual(frames);
      expect(ex.output().stdout).toContain('resent 50 bytes');
    } finally {
      ex?.child.kill();
      await Promise.all([watch.close(), sender.close()]);
    }
  }, 60_000);
});

describe('examples without a device', () => {
  test('examples/read-file.ts counts the packets of a file by ethertype, as tcpdump sees them', async () => {
    const sample = path.join(root, 'data', 'sample.pcap');
    const ex = runExample(['examples/read-file.ts', sample]);
    expect(await ex.exited).toBe(0);
    const { stdout } = ex.output();
    const tcpdump = execFileSync('tcpdump', ['-n', '-e', '-r', sample], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const lines = tcpdump.trim().split('\n');
    const ofType = (hex: string) => lines.filter((l) => l.includes(`(0x${hex}), length`)).length;
    expect(stdout).toContain(`${sample}: ${lines.length} packets`);
    expect(stdout).toContain(`ethertype 0x0800: ${ofType('0800')}`);
    expect(stdout).toContain(`ethertype 0x86dd: ${ofType('86dd')}`);
    expect(stdout).toContain(`ethertype 0x0806: ${ofType('0806')}`);
  }, 60_000);
});
