/**
 * Every capture in ../shared/captures (real files from tcpdump's test suite)
 * read through openOffline(): packet count, every timestamp at nanosecond
 * precision, captured and wire lengths, and link type must equal what tshark
 * and tcpdump report for the same file, computed here at test time.
 * Truncated and corrupt files made from them must behave as tcpdump (the
 * same libpcap) does: every good packet, then libpcap's error.
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { openOffline, type PacketBatch } from '../lib';

const run = promisify(execFile);
const CAPTURES = path.resolve(__dirname, '..', '..', 'shared', 'captures');
const present = fs.existsSync(CAPTURES);
if (!present) {
  process.stderr.write(
    `\n*** SKIPPED: ${CAPTURES} is absent, so the shared-capture comparison did not run. ***\n` +
      '*** Check out ../shared beside the project to run it; the core suite does not need it. ***\n\n',
  );
}
const files = present
  ? fs
      .readdirSync(CAPTURES)
      .filter((f) => /\.(pcap|pcapng)$/.test(f))
      .sort()
  : [];

interface Observed {
  linktype: string;
  packets: string[]; // "sec.nnnnnnnnn caplen len"
  error?: string;
}

async function readOurs(file: string): Promise<Observed> {
  const s = await openOffline(file, { timeUnit: 'nanosecond' });
  const packets: string[] = [];
  s.on('batch', (b: PacketBatch) => {
    expect(b.precision).toBe('nano');
    for (let i = 0; i < b.count; i++) {
      packets.push(`${b.seconds(i)}.${String(b.fraction(i)).padStart(9, '0')} ${b.caplen(i)} ${b.length(i)}`);
    }
  });
  const error = await new Promise<string | undefined>((resolve) => {
    s.once('end', () => resolve(undefined));
    s.once('error', (e: Error) => resolve(e.message));
  });
  return { linktype: s.datalinkName, packets, ...(error === undefined ? {} : { error }) };
}

/** tshark's view, or undefined when tshark cannot read the file (a link type it does not know). */
async function tsharkOf(file: string): Promise<string[] | undefined> {
  const r = await run(
    'tshark',
    ['-n', '-r', file, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.cap_len', '-e', 'frame.len'],
    {
      maxBuffer: 64 << 20,
    },
  ).catch((e: { stderr?: string }) => {
    if (/doesn't support|unknown or unsupported/.test(e.stderr ?? '')) return undefined;
    throw e;
  });
  return r?.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.replace(/\t/g, ' '));
}

function tcpdumpOf(file: string): {
  linktype: string;
  snaplen: number;
  count: number;
  times: string[];
  error?: string;
} {
  const r = spawnSync('tcpdump', ['-n', '-r', file, '-tt', '--time-stamp-precision=nano'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const linktype = /link-type (\S+) /.exec(r.stderr)?.[1] ?? '';
  const snaplen = Number(/snapshot length (\d+)/.exec(r.stderr)?.[1] ?? NaN);
  const error = /tcpdump: (?:pcap_loop: )?(.*)/.exec(r.stderr)?.[1];
  // One line per packet starts with its timestamp (which tcpdump cannot
  // print past 2106: it says so, or wraps; tshark is the judge of those).
  const times = r.stdout
    .split('\n')
    .map((l) => /^(\d+\.\d{9}|\[Error converting time\]|\[Invalid header: [^\]]*\])/.exec(l)?.[1])
    .filter((t): t is string => t !== undefined);
  return { linktype, snaplen, count: times.length, times, ...(error === undefined ? {} : { error }) };
}

(present ? describe : describe.skip)(`the ${files.length} shared captures, against tshark and tcpdump`, () => {
  const expected = new Map<string, string[] | undefined>();

  beforeAll(async () => {
    // tshark takes ~0.5 s to start: two at a time.
    const queue = [...files];
    await Promise.all(
      [0, 1].map(async () => {
        for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
          expected.set(f, await tsharkOf(path.join(CAPTURES, f)));
        }
      }),
    );
  }, 600_000);

  test('there are captures to compare', () => {
    expect(files.length).toBeGreaterThan(200);
  });

  test.each(files)('%s', async (name) => {
    const file = path.join(CAPTURES, name);
    const ours = await readOurs(file);
    const td = tcpdumpOf(file);
    expect(ours.error).toBe(td.error);
    expect(ours.linktype).toBe(td.linktype);
    expect(ours.packets.length).toBe(td.count);
    const fromTshark = expected.get(name);
    if (fromTshark) {
      // libpcap (so tcpdump too) cuts a record longer than the file's
      // snapshot length down to it; tshark shows the stored length.
      const clamped = fromTshark.map((line) => {
        const [time, caplen, len] = line.split(' ');
        return `${time} ${Math.min(Number(caplen), td.snaplen)} ${len}`;
      });
      expect(ours.packets).toEqual(clamped);
    } else {
      expect(ours.packets.map((p) => p.split(' ')[0])).toEqual(td.times);
      // tshark does not know this link type: timestamps and count are
      // checked against tcpdump above; lengths against the file itself.
      process.stderr.write(`${name}: tshark cannot read it (${ours.linktype}); compared with tcpdump only\n`);
      expect(ours.packets.every((p) => Number(p.split(' ')[1]) <= Number(p.split(' ')[2]))).toBe(true);
    }
  });
});

(present ? describe : describe.skip)('truncated and corrupt files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-corrupt-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function cut(name: string, drop: number): string {
    const bytes = fs.readFileSync(path.join(CAPTURES, name));
    const out = path.join(dir, `cut-${drop}-${name}`);
    fs.writeFileSync(out, bytes.subarray(0, bytes.length - drop));
    return out;
  }

  test.each([
    ['tcp-handshake-nano.pcap', 10], // nanosecond pcap, cut inside the last packet
    ['tcp-handshake-nano.pcap', 80], // cut inside the last record header
    ['3560_CDP.pcap', 100],
    ['OSPFv2_Capture_FINAL.pcapng', 30], // pcapng, cut inside the last block
  ])('%s without its last %i bytes: every good packet, then the error tcpdump reports', async (name, drop) => {
    const file = cut(name, drop);
    const ours = await readOurs(file);
    const td = tcpdumpOf(file);
    expect(td.error).toBeDefined();
    expect(ours.error).toBe(td.error);
    expect(ours.packets.length).toBe(td.count);
    const full = await readOurs(path.join(CAPTURES, name));
    expect(ours.packets).toEqual(full.packets.slice(0, td.count));
  });

  test("a file that is not a capture is rejected with libpcap's text, naming the file", async () => {
    const file = path.join(dir, 'not-a-capture.pcap');
    fs.writeFileSync(file, 'this is not a packet capture file at all\n');
    const td = tcpdumpOf(file);
    await expect(openOffline(file)).rejects.toMatchObject({
      code: 'EPCAP',
      message: `${JSON.stringify(file)}: ${td.error}`,
    });
  });

  test("a missing file is rejected with libpcap's text", async () => {
    await expect(openOffline(path.join(dir, 'absent.pcap'))).rejects.toMatchObject({
      code: 'EPCAP',
      message: expect.stringContaining('No such file'),
    });
  });
});
