/**
 * FlowDecoder allocates nothing per packet: in a fresh process (so that no
 * test harness allocates beside it), a million decodes of frames of every
 * link and layer it walks must not fill the young generation once, where
 * decode() (which allocates its layers) fills it many times. Garbage
 * collections are counted from --trace-gc lines; a 1 MiB semi-space
 * makes a few bytes per packet show as dozens of scavenges.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const dist = path.resolve(__dirname, '..', 'dist', 'decode');

const script = `
const { encode, decode, FlowDecoder, FlowStop, LinkType } = require(${JSON.stringify(dist)});
const mac = (n) => '02:00:00:00:00:0' + n;
const frames = [
  [LinkType.EN10MB, [{ kind: 'ethernet', src: mac(1), dst: mac(2) }, { kind: 'vlan', tpid: 0x88a8, id: 5 },
    { kind: 'vlan', id: 6 }, { kind: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' },
    { kind: 'tcp', srcPort: 1, dstPort: 2, flags: 2, mss: 1460, tsval: 1, tsecr: 0 }]],
  [LinkType.EN10MB, [{ kind: 'ethernet', src: mac(1), dst: mac(2) }, { kind: 'ipv6', src: '2001:db8::1', dst: '2001:db8::2' },
    { kind: 'ipv6-hop-by-hop' }, { kind: 'ipv6-fragment', identification: 1 }, { kind: 'udp', srcPort: 53, dstPort: 3 }]],
  [LinkType.LINUX_SLL, [{ kind: 'sll', packetType: 0, arphrdType: 1, address: mac(1) },
    { kind: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { kind: 'sctp', srcPort: 1, dstPort: 2, verificationTag: 1, chunks: [{ type: 0, value: new Uint8Array(13) }] }]],
  [LinkType.LINUX_SLL2, [{ kind: 'sll2', packetType: 0, arphrdType: 1, interfaceIndex: 1, address: mac(1) },
    { kind: 'ipv6', src: '::1', dst: '::1' }, { kind: 'tcp', srcPort: 1, dstPort: 2 }]],
  [LinkType.NULL, [{ kind: 'null', family: 2 }, { kind: 'ipv4', src: '127.0.0.1', dst: '127.0.0.1' }, { kind: 'udp', srcPort: 1, dstPort: 2 }]],
  [LinkType.RAW, [{ kind: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { kind: 'udp', srcPort: 1, dstPort: 2 }]],
].map(([link, layers]) => [link, encode(layers)]);

const flows = new FlowDecoder();
let sum = 0;
const run = (n, one) => { for (let i = 0; i < n; i++) { const f = frames[i % frames.length]; sum = (sum + one(f[0], f[1])) | 0; } };
const fast = (l, b) => { const f = flows.decode(l, b); return f.stop === FlowStop.ok ? (f.src4 + f.srcPort + f.dstPort + f.srcOffset) | 0 : -1; };
const full = (l, b) => decode(l, b).layers.length;
const ok = frames.every(([l, b]) => flows.decode(l, b).stop === FlowStop.ok && flows.srcPort >= 0);
run(200000, fast); // warm up: compile the decoder before counting
run(20000, full);
globalThis.gc();
// --trace-gc writes a line per collection to stdout as it happens, between these marks.
console.log('MARK fast');
run(1000000, fast);
console.log('MARK full');
run(1000000, full);
console.log('MARK end ' + JSON.stringify({ ok, sum: sum !== 0 }));
`;

test('a million FlowDecoder decodes trigger no garbage collection; decode() triggers many', () => {
  const r = spawnSync(process.execPath, ['--expose-gc', '--trace-gc', '--max-semi-space-size=1', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.stderr).toBe('');
  const lines = r.stdout.split('\n');
  const mark = (m: string) => lines.findIndex((l) => l.startsWith(`MARK ${m}`));
  const collections = (from: string, to: string) =>
    lines.slice(mark(from) + 1, mark(to)).filter((l) => /Scavenge|Mark-Compact|Mark-sweep/i.test(l)).length;
  const fast = collections('fast', 'full');
  const full = collections('full', 'end');
  process.stdout.write(`garbage collections in 1,000,000 decodes: FlowDecoder ${fast}, decode() ${full}\n`);
  expect(JSON.parse(lines[mark('end')]!.slice('MARK end '.length))).toEqual({ ok: true, sum: true });
  // The control: the same count of decode() calls does fill the young generation.
  expect(full).toBeGreaterThan(20);
  expect(fast).toBe(0);
}, 60_000);
