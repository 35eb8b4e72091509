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
import { BpfProgram, compile, openOffline, type PacketBatch } from '../lib';

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
  const out = execFileSync('tcpdump', ['-dd', '-y', linktype, ...(optimize ? [] : ['-O']), expr], {
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
    const text = execFileSync('tcpdump', ['-d', '-y', 'EN10MB', expr], { encoding: 'utf8' }).trimEnd();
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

describe('hand-made programs are checked before libpcap runs them', () => {
  const insn = (code: number, jt: number, jf: number, k: number) => ({ code, jt, jf, k });
  const bytes = (program: ReadonlyArray<{ code: number; jt: number; jf: number; k: number }>) => {
    const b = Buffer.alloc(program.length * 8);
    program.forEach((i, n) => {
      b.writeUInt16LE(i.code, n * 8);
      b[n * 8 + 2] = i.jt;
      b[n * 8 + 3] = i.jf;
      b.writeUInt32LE(i.k, n * 8 + 4);
    });
    return b;
  };
  const frame = Buffer.alloc(60, 0xab);
  // Each of these ended the process with SIGSEGV or SIGABRT in match().
  const BAD: Array<[string, ReturnType<typeof insn>[], RegExp]> = [
    ['a conditional jump past the end', [insn(0x15, 0, 5, 1), insn(0x06, 0, 0, 1)], /jumps past the end/],
    ['an unconditional jump past the end', [insn(0x05, 0, 0, 100), insn(0x06, 0, 0, 1)], /jumps outside/],
    ['a jump to itself', [insn(0x05, 0, 0, 0xffffffff), insn(0x06, 0, 0, 1)], /jumps outside/],
    ['scratch memory word 2^30', [insn(0x60, 0, 0, 2 ** 30), insn(0x06, 0, 0, 1)], /scratch memory word 1073741824/],
    ['a store to word 16', [insn(0x02, 0, 0, 16), insn(0x06, 0, 0, 1)], /scratch memory word 16/],
    ['no final RET', [insn(0x28, 0, 0, 12)], /not a RET/],
    ['an unknown opcode', [insn(0xff, 0, 0, 0), insn(0x06, 0, 0, 1)], /opcode/],
    ['a word load of an unknown size', [insn(0x38, 0, 0, 0), insn(0x06, 0, 0, 1)], /opcode/],
    ['RET X', [insn(0x0e, 0, 0, 0)], /opcode/],
    ['a constant division by zero', [insn(0x34, 0, 0, 0), insn(0x16, 0, 0, 0)], /divides by zero/],
    ['a constant shift by 32', [insn(0x64, 0, 0, 32), insn(0x16, 0, 0, 0)], /shifts by 32/],
    ['no instruction', [], /at least one instruction/],
  ];

  test.each(BAD)('%s: EINVAL naming the instruction, as bytes and as objects', (_name, program, message) => {
    for (const code of [bytes(program), program]) {
      let error: unknown;
      try {
        new BpfProgram('hand-made', 1, code).match(frame);
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'EINVAL', message: expect.stringMatching(message) });
      expect((error as Error).message).toContain('BpfProgram code');
    }
  });

  test('bytes that are not whole instructions, and instruction fields out of range: EINVAL', () => {
    for (const code of [Buffer.alloc(3), Buffer.alloc(0), new Uint8Array(9)]) {
      expect(() => new BpfProgram('x', 1, code).dump()).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    }
    expect(() => new BpfProgram('x', 1, [insn(0x10000, 0, 0, 0)])).toThrow(
      expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('code[0].code') }),
    );
    expect(() => new BpfProgram('x', 1, [insn(6, 256, 0, 0)])).toThrow(
      expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('code[0].jt') }),
    );
    expect(() => new BpfProgram('x', 1, 'code' as unknown as Buffer)).toThrow(
      expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('"code"') }),
    );
  });

  test("a compiled program's instructions make the same program by hand; the bytes are copied", async () => {
    const compiled = await compile('tcp port 80', { netmask: 0 });
    const code = bytes(compiled.instructions);
    const again = new BpfProgram('again', 'EN10MB', code);
    code.fill(0xff); // changing the caller's bytes afterwards changes nothing
    expect(again.instructions).toEqual(compiled.instructions);
    expect(again.dump()).toBe(compiled.dump());
    const syn = Buffer.from(
      '0011223344550066778899aa08004500002800010000400600000a0000010a000002' +
        '3039005000000000000000005002200000000000',
      'hex',
    );
    expect(again.match(syn)).toBe(true);
    expect(compiled.match(syn)).toBe(true);
    expect(again.match(frame)).toBe(false);
  });

  test("pcap_compile's own backward jumps (ip6 protochain) are accepted from compile(), not by hand", async () => {
    const p = await compile('ip6 protochain 6', { netmask: 0 });
    expect(p.dump()).toBe(
      execFileSync('tcpdump', ['-d', '-y', 'EN10MB', 'ip6 protochain 6'], { encoding: 'utf8' }).trimEnd(),
    );
    expect(p.match(frame)).toBe(false);
    expect(() => new BpfProgram('again', 1, p.instructions)).toThrow(
      expect.objectContaining({ code: 'EINVAL', message: expect.stringMatching(/jumps outside/) }),
    );
  });

  test('compile() defaults to tcpdump\'s snaplen: "ret #262144"', async () => {
    expect((await compile('tcp')).dump()).toMatch(/ret +#262144$/m);
    expect((await compile('tcp', { snaplen: 65535 })).dump()).toMatch(/ret +#65535$/m);
  });

  test('EFILTER quotes the expression', async () => {
    await expect(compile('ip and ')).rejects.toMatchObject({
      code: 'EFILTER',
      message: 'filter "ip and ": can\'t parse filter expression: syntax error',
    });
  });
});
