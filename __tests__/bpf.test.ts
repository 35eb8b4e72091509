/**
 * compile() without a device: instructions equal `tcpdump -dd`, the text
 * equals `tcpdump -d`, and match() selects the same packets of the shared
 * captures as `tcpdump -r FILE expr` (all Ethernet captures, concatenated
 * with mergecap; tcpdump writes what it selects to a file, compared packet
 * by packet, bytes and timestamps).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compile, openOffline, type PacketBatch } from '../lib';

const EXPRESSIONS = [
  'tcp',
  'udp',
  'icmp',
  'ip',
  'ip6',
  'arp',
  'tcp port 80',
  'udp port 53',
  'port 179',
  'host 192.168.1.1',
  'net 10.0.0.0/8',
  'src host 10.0.0.1 and dst port 22',
  'tcp[tcpflags] & tcp-syn != 0',
  'tcp[13] = 18',
  'ip[8] < 64',
  'len > 100',
  'less 64',
  'greater 1000',
  'ether broadcast',
  'ether multicast',
  'ip multicast',
  'ip broadcast',
  'vlan',
  'vlan 100',
  'mpls',
  'portrange 1000-2000',
  'ip proto 47',
  'icmp6',
  'ip6 and tcp',
  'not tcp',
  'tcp or udp',
  '(tcp port 80 or tcp port 443) and not host 1.2.3.4',
  'ether host 00:11:22:33:44:55',
  'ether proto 0x88cc',
  'udp and (port 67 or port 68)',
  'pppoes',
  'ip and not ip6',
  'ip6 multicast',
] as const;

/** tcpdump -dd: one "{ code, jt, jf, k }," line per instruction. */
function tcpdumpInstructions(expr: string, linktype: string, optimize: boolean) {
  const out = execFileSync('tcpdump', ['-dd', '-y', linktype, '-s', '65535', ...(optimize ? [] : ['-O']), expr], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      const [code, jt, jf, k] = l
        .replace(/[{},\s]/g, ' ')
        .trim()
        .split(/\s+/)
        .map(Number);
      return { code, jt, jf, k };
    });
}

describe('compile() against tcpdump -d', () => {
  test(`the table has at least 30 expressions (${EXPRESSIONS.length})`, () => {
    expect(EXPRESSIONS.length).toBeGreaterThanOrEqual(30);
  });

  test.each(EXPRESSIONS)('%s', async (expr) => {
    // tcpdump -d compiles with netmask 0 when it has no device.
    const program = await compile(expr, { netmask: 0 });
    expect(program.instructions).toEqual(tcpdumpInstructions(expr, 'EN10MB', true));
    const text = execFileSync('tcpdump', ['-d', '-y', 'EN10MB', '-s', '65535', expr], { encoding: 'utf8' }).trimEnd();
    expect(program.dump()).toBe(text);
    const unoptimized = await compile(expr, { netmask: 0, optimize: false });
    expect(unoptimized.instructions).toEqual(tcpdumpInstructions(expr, 'EN10MB', false));
  });

  test('other link types, by name and by number', async () => {
    for (const [linktype, dlt] of [
      ['LINUX_SLL', 113],
      ['RAW', 12],
      ['IEEE802_11_RADIO', 127],
    ] as const) {
      const byName = await compile('tcp port 443', { linktype, netmask: 0 });
      const byNumber = await compile('tcp port 443', { linktype: dlt, netmask: 0 });
      expect(byName.linktype).toBe(dlt);
      expect(byName.instructions).toEqual(byNumber.instructions);
      expect(byName.instructions).toEqual(tcpdumpInstructions('tcp port 443', linktype, true));
    }
  });

  test('same limit, ENOMEM and EFILTER rules as filter(); EINVAL for bad options', async () => {
    await expect(compile('tcp and '.repeat(2000))).rejects.toMatchObject({ code: 'ENOMEM' });
    await expect(compile('ip and ')).rejects.toMatchObject({
      code: 'EFILTER',
      message: expect.stringContaining('syntax error'),
    });
    await expect(compile('ip broadcast')).rejects.toMatchObject({
      code: 'EFILTER',
      message: expect.stringContaining('netmask not known'),
    });
    const big = await compile('tcp and '.repeat(200) + 'tcp', { limit: -1 });
    expect(big.instructions.length).toBeGreaterThan(0);
    await expect(compile('tcp', { linktype: 'NOPE' })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(compile('tcp', { snaplen: 0 })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(compile(42 as unknown as string)).rejects.toMatchObject({ code: 'EINVAL' });
    const p = await compile('tcp');
    expect(() => p.match('x' as unknown as Buffer)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});

const CAPTURES = path.resolve(__dirname, '..', '..', 'shared', 'captures');
const present = fs.existsSync(CAPTURES);

(present ? describe : describe.skip)('match() against tcpdump -r on the shared Ethernet captures', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-bpf-'));
  const merged = path.join(dir, 'ethernet.pcap');
  const packets: Array<{ key: string; data: Buffer; length: number }> = [];

  async function readAll(file: string, filter?: string): Promise<typeof packets> {
    const out: typeof packets = [];
    const s = await openOffline(file, filter === undefined ? {} : { filter, netmask: 0 });
    s.on('batch', (b: PacketBatch) => {
      for (let i = 0; i < b.count; i++) {
        const data = Buffer.from(b.data(i));
        out.push({
          key: `${b.seconds(i)}.${b.fraction(i)} ${b.length(i)} ${data.toString('hex')}`,
          data,
          length: b.length(i),
        });
      }
    });
    await new Promise((r) => s.once('end', r));
    return out;
  }

  beforeAll(async () => {
    const ethernet = fs
      .readdirSync(CAPTURES)
      .filter((f) => f.endsWith('.pcap'))
      .filter((f) =>
        /link-type EN10MB /.test(
          spawnSync('tcpdump', ['-r', path.join(CAPTURES, f), '-c', '1'], { encoding: 'utf8' }).stderr,
        ),
      )
      .map((f) => path.join(CAPTURES, f));
    execFileSync('mergecap', ['-a', '-F', 'pcap', '-w', merged, ...ethernet]);
    packets.push(...(await readAll(merged)));
  }, 120_000);

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the merged file holds hundreds of packets', () => {
    expect(packets.length).toBeGreaterThan(500);
  });

  test.each(EXPRESSIONS)('%s', async (expr) => {
    const selected = path.join(dir, 'selected.pcap');
    execFileSync('tcpdump', ['-r', merged, '-w', selected, expr], { stdio: 'ignore' });
    const expected = (await readAll(selected)).map((p) => p.key);
    const program = await compile(expr, { netmask: 0 });
    const ours = packets.filter((p) => program.match(p.data, p.length)).map((p) => p.key);
    expect(ours.length).toBe(expected.length);
    expect(ours).toEqual(expected);
    // The same filter on a savefile socket selects the same packets.
    expect((await readAll(merged, expr)).map((p) => p.key)).toEqual(expected);
  });
});
