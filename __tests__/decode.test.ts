/**
 * ewpcap/decode beyond the tshark comparison: malformed input as data
 * (truncation at every layer of every kind of packet in the shared
 * captures, DNS compression loops, impossible lengths, unknown types), no
 * read past the range given, the fast path agreeing with decode(), the
 * summary line, and decode() from a captured packet and from a batch.
 */
import path from 'node:path';
import { openOffline, type PacketBatch } from '../lib';
import { decode, FlowDecoder, FlowStop, summary, type DecodedPacket, type Layer } from '../lib/decode';
import { CAPTURES, present, readSupportedCaptures, type Source } from './support/decode-tshark';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const kinds = (p: DecodedPacket) => p.layers.map((l) => l.kind);

/** Every field of a layer, getters included (what a reader of the layer can see). */
function fields(l: Layer): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let o: object | null = l; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name === 'constructor' || name === 'bytes' || name in out) continue;
      const v = (l as unknown as Record<string, unknown>)[name];
      if (typeof v === 'function') continue;
      out[name] = v instanceof Uint8Array ? Buffer.from(v).toString('hex') : typeof v === 'bigint' ? String(v) : v;
    }
  }
  return out;
}

function describe_(p: DecodedPacket): unknown {
  return {
    layers: p.layers.map(fields),
    error: p.error && { ...p.error },
    payloadOffset: p.payloadOffset,
    payloadEnd: p.payloadEnd,
  };
}

/** IPv4 (RAW link type) carrying UDP from port 12345 to `dstPort` with `payload`. */
function ipv4Udp(dstPort: number, payload: Uint8Array): Uint8Array {
  const total = 28 + payload.length;
  const frame = new Uint8Array(total);
  frame.set(hex('4500 0000 0001 0000 4011 0000 0a000001 0a000002'), 0);
  frame[2] = total >> 8;
  frame[3] = total & 255;
  frame.set([0x30, 0x39, dstPort >> 8, dstPort & 255, (total - 20) >> 8, (total - 20) & 255, 0, 0], 20);
  frame.set(payload, 28);
  return frame;
}

describe('malformed input is data', () => {
  test('a DNS name pointing at itself is the dns layer’s loop error', () => {
    // Header (id 0x1234, 1 question), then a name that is a pointer to offset 12: itself.
    const p = decode(101, ipv4Udp(53, hex('1234 0100 0001 0000 0000 0000 c00c 0001 0001')));
    expect(kinds(p)).toEqual(['ipv4', 'udp', 'dns']);
    expect(p.error).toMatchObject({ layer: 'dns', reason: 'loop', offset: 28 + 12 });
    expect(p.error!.message).toMatch(/dns: .*compression pointer loop/);
  });

  test('two names pointing at each other: a loop too, found within the name length limit', () => {
    // At 12: label "a", then a pointer to 16; at 16: a pointer back to 12.
    const p = decode(101, ipv4Udp(53, hex('0001 0100 0001 0000 0000 0000 0161 c010 c00c 0001 0001')));
    expect(p.error).toMatchObject({ layer: 'dns', reason: 'loop' });
    expect(p.layer('dns')!.questions).toEqual([]);
  });

  test('a compression pointer out of the message is bad-value at the pointer, not past the end', () => {
    const bytes = ipv4Udp(53, hex('0001 0100 0001 0000 0000 0000 c0ff 0001 0001'));
    const p = decode(101, bytes);
    expect(p.error).toMatchObject({ layer: 'dns', reason: 'bad-value', offset: 40 });
    expect(p.payloadOffset).toBeLessThanOrEqual(p.payloadEnd);
  });

  test('a compressed answer decodes its name and address', () => {
    // Question example.com A; answer: pointer to the question name, A 192.0.2.1.
    const dns = hex(
      'abcd 8180 0001 0001 0000 0000 076578616d706c6503636f6d00 0001 0001' + 'c00c 0001 0001 00000e10 0004 c0000201',
    );
    const d = decode(101, ipv4Udp(53, dns)).layer('dns')!;
    expect(d.questions).toEqual([{ name: 'example.com', type: 1, class: 1 }]);
    expect(d.answers).toMatchObject([{ name: 'example.com', type: 1, ttl: 3600, data: '192.0.2.1' }]);
    expect(d.isResponse).toBe(true);
  });

  test.each([
    ['IPv4 header length 16', 101, '4400 0014 0000 0000 4006 0000 0a000001 0a000002', 'ipv4', 'bad-length'],
    [
      'IPv4 total length below the header',
      101,
      '4500 0010 0000 0000 4006 0000 0a000001 0a000002',
      'ipv4',
      'bad-length',
    ],
    ['IPv4 header with version 7', 228, '7500 0014 0000 0000 4006 0000 0a000001 0a000002', 'ipv4', 'bad-value'],
    [
      'TCP data offset 4',
      101,
      '4500 0028 0000 0000 4006 0000 0a000001 0a000002 0001 0002 00000000 00000000 4000 0000 0000 0000',
      'tcp',
      'bad-length',
    ],
    ['UDP length 7', 101, '4500 001c 0000 0000 4011 0000 0a000001 0a000002 0001 0002 0007 0000', 'udp', 'bad-length'],
    [
      'SCTP chunk length 2',
      101,
      '4500 0024 0000 0000 4084 0000 0a000001 0a000002 0001 0002 00000000 00000000 0100 0002',
      'sctp',
      'bad-length',
    ],
    ['radiotap length 4', 127, '0000 0400 00000000', 'radiotap', 'bad-length'],
  ])('%s', (_name, linkType, bytes, layer, reason) => {
    const p = decode(linkType, hex(bytes));
    expect(p.error).toMatchObject({ layer, reason });
    expect(p.layers.every((l) => l.offset + l.length <= p.end)).toBe(true);
  });

  test('an unknown ethertype or link type stops with unknown-type and the value', () => {
    const lldp = decode(1, hex('0180c200000e 001122334455 88cc 0000'));
    expect(kinds(lldp)).toEqual(['ethernet']);
    expect(lldp.error).toMatchObject({ layer: 'ethernet', reason: 'unknown-type', type: 0x88cc, offset: 14 });
    expect(lldp.payload).toEqual(hex('0000'));
    expect(decode(9999, hex('00')).error).toMatchObject({ layer: 'link', reason: 'unknown-type', type: 9999 });
  });

  test('a range outside the bytes, and empty input, are data too', () => {
    const bytes = hex('001122334455 66778899aabb 0800');
    for (const [o, n] of [
      [0, 0],
      [20, 5],
      [-3, 4],
      [2, 100],
      [NaN, NaN],
    ] as const) {
      const p = decode(1, bytes, o, n);
      expect(p.error).toMatchObject({ reason: 'truncated' });
      expect(p.end).toBeLessThanOrEqual(bytes.length);
    }
  });
});

(present ? describe : describe.skip)('the shared captures', () => {
  let sources: Source[] = [];
  beforeAll(async () => {
    sources = await readSupportedCaptures();
  }, 60_000);

  test('every prefix of a packet of each layer sequence: the layers that fit, then truncated', () => {
    // One packet per distinct sequence of layer kinds: every layer is cut somewhere.
    const bySignature = new Map<string, { linkType: number; bytes: Uint8Array }>();
    for (const s of sources) {
      for (const bytes of s.packets) {
        const p = decode(s.linkType, bytes);
        if (p.error !== null && p.error.reason !== 'unknown-type') continue;
        const key = s.linkType + ':' + kinds(p).join('/');
        if (!bySignature.has(key)) bySignature.set(key, { linkType: s.linkType, bytes });
      }
    }
    expect(bySignature.size).toBeGreaterThanOrEqual(40);
    const truncatedAt = new Set<string>();
    const failures: string[] = [];
    for (const { linkType, bytes } of bySignature.values()) {
      const full = decode(linkType, bytes);
      const fullKinds = kinds(full).join('/');
      for (let n = 0; n < bytes.length; n++) {
        const p = decode(linkType, bytes.subarray(0, n));
        const where = `${fullKinds} cut at ${n}`;
        // (plain checks: an expect() per prefix would take most of the test's time)
        if (p.layers.some((l) => l.offset + l.length > n)) failures.push(`${where}: a layer runs past the end`);
        const k = p.layers.length;
        if (!fullKinds.startsWith(kinds(p).join('/'))) failures.push(`${where}: layers ${kinds(p)}`);
        if (k < full.layers.length) {
          const next = full.layers[k]!;
          // Either the next layer was cut (truncated, named), or nothing of it was left.
          if (p.error === null) {
            if (n > next.offset) failures.push(`${where}: no error though ${next.kind} was cut`);
          } else if (p.error.reason !== 'truncated') failures.push(`${where}: ${p.error.message}`);
          else truncatedAt.add(p.error.layer);
        }
      }
    }
    expect(failures.slice(0, 20)).toEqual([]);
    // Every layer kind of the captures was seen truncated.
    const seen = new Set([...bySignature.values()].flatMap(({ linkType, bytes }) => kinds(decode(linkType, bytes))));
    expect([...seen].filter((kind) => !truncatedAt.has(kind))).toEqual([]);
  });

  test('nothing past the range is read: bytes after it change nothing', () => {
    let checked = 0;
    for (const s of sources) {
      for (const bytes of s.packets) {
        const exact = describe_(decode(s.linkType, Uint8Array.from(bytes)));
        for (const fill of [0x00, 0xff]) {
          const padded = new Uint8Array(bytes.length + 64).fill(fill);
          padded.set(bytes);
          expect(describe_(decode(s.linkType, padded, 0, bytes.length))).toEqual(exact);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(4000);
  });

  test('the fast path reports what decode() does', () => {
    const flow = new FlowDecoder();
    let withPorts = 0;
    for (const s of sources) {
      for (const bytes of s.packets) {
        const f = flow.decode(s.linkType, bytes);
        const p = decode(s.linkType, bytes);
        if (f.stop !== FlowStop.ok || f.ipVersion === 0) continue;
        const ip = p.layers.find((l) => l.kind === 'ipv4' || l.kind === 'ipv6');
        expect(ip).toBeDefined();
        if (ip?.kind !== 'ipv4' && ip?.kind !== 'ipv6') continue;
        expect([f.ipVersion, f.srcAddress(), f.dstAddress()]).toEqual([ip.kind === 'ipv4' ? 4 : 6, ip.src, ip.dst]);
        const t = p.layers.find((l) => l.kind === 'tcp' || l.kind === 'udp' || l.kind === 'sctp');
        if (t !== undefined && (t.kind === 'tcp' || t.kind === 'udp' || t.kind === 'sctp')) {
          expect([f.srcPort, f.dstPort]).toEqual([t.srcPort, t.dstPort]);
          if (t.kind === 'tcp') expect(f.tcpFlags).toBe(t.flags);
          withPorts++;
        } else expect(f.srcPort).toBe(-1);
        const vlan = p.layer('vlan');
        expect(f.vlan).toBe(vlan === undefined ? -1 : vlan.id);
      }
    }
    expect(withPorts).toBeGreaterThan(800);
  });

  test('summary lines of known packets', () => {
    const first = (name: string, i = 0) => {
      const s = sources.find((x) => path.basename(x.file) === name)!;
      return decode(s.linkType, s.packets[i]!);
    };
    expect(summary(first('tcp-handshake-nano.pcap', 1))).toBe(
      'IP 137.116.81.94.80 > 131.155.215.69.46656: TCP [S.], length 0',
    );
    expect(summary(first('802.1ad_QinQ.pcap'))).toBe('ARP, Request who-has 172.21.79.100 tell 172.21.79.97, length 28');
    expect(summary(first('vxlan.pcap'))).toBe('IP 192.168.203.3 > 192.168.203.5: ICMP echo request, length 64');
    expect(summary(first('ipv6-routing-header.pcap', 2))).toBe(
      'IP6 2200::244:212:3fff:feae:22f7.5645 > 2200::240:2:0:0:4.5642: UDP, length 0',
    );
  });
});

test('summary time formats: timestamp, microseconds, nanoseconds', () => {
  const p = decode(101, ipv4Udp(9, new Uint8Array(3)));
  const line = 'IP 10.0.0.1.12345 > 10.0.0.2.9: UDP, length 3';
  expect(summary(p)).toBe(line);
  expect(summary(p, { time: { sec: 3600 + 61, usec: 5 }, utc: true })).toBe('01:01:01.000005 ' + line);
  expect(summary(p, { time: 3661_000_005, utc: true })).toBe('01:01:01.000005 ' + line);
  expect(summary(p, { time: 3661_000_000_007n, utc: true })).toBe('01:01:01.000000007 ' + line);
  expect(summary(decode(101, hex('4500')))).toBe('link 101, length 2 [truncated ipv4]');
});

(present ? test : test.skip)('packet.decode() and batch.decode(i) are decode() with the link type', async () => {
  const s = await openOffline(path.join(CAPTURES, 'vxlan.pcap'));
  const batches: PacketBatch[] = [];
  s.on('batch', (b: PacketBatch) => batches.push(b));
  await new Promise<void>((resolve) => s.once('end', () => resolve()));
  let n = 0;
  for (const b of batches) {
    for (let i = 0; i < b.count; i++) {
      const packet = b.packet(i, 'timestamp');
      const viaPacket = packet.decode();
      const viaBatch = b.decode(i);
      expect(kinds(viaPacket)).toEqual(kinds(decode(b.datalink, packet.data)));
      expect(kinds(viaBatch)).toEqual(kinds(viaPacket));
      // The batch path decodes in place: same fields, offsets shifted by the packet's place in the batch.
      expect(viaBatch.layers.map((l) => l.offset - b.offset(i))).toEqual(viaPacket.layers.map((l) => l.offset));
      expect(viaBatch.lastLayer('ipv4')?.src).toBe(viaPacket.lastLayer('ipv4')?.src);
      n++;
    }
  }
  expect(n).toBeGreaterThan(0);
  expect(batches[0]!.decode(0).layer('vxlan')?.vni).toBe(100);
});
