/**
 * decode() equals tshark, field by field, on every packet of ../shared/captures
 * whose link type the decoder supports (see support/decode-tshark.ts for the
 * fields, the tshark preferences and the differences accepted), and on the
 * frames the encoder builds for every layer kind, which carry the fields the
 * captures never do (SCTP, DNS A and AAAA records, SACK blocks, the IPv6
 * fragment header).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encode } from '../lib/decode';
import { pcapFile } from './support/checksum-audit';
import { compareWithTshark, present, report, type Comparison, type Source } from './support/decode-tshark';
import { cases } from './support/encode-cases';

if (!present)
  process.stderr.write(
    '\n*** SKIPPED: ../shared/captures or tshark/mergecap absent: decode-vs-tshark did not run. ***\n\n',
  );

const compared = (c: Comparison) => [...c.perField].filter(([, n]) => n > 0).map(([f]) => f);

(present ? describe : describe.skip)('decode() equals tshark', () => {
  let captures: Comparison;

  test('on every field of every packet of ../shared/captures of a supported link type', async () => {
    captures = await compareWithTshark();
    process.stdout.write(report(captures));
    expect(captures.failures.slice(0, 40)).toEqual([]);
    expect(captures.packets).toBeGreaterThan(4000);
    expect(captures.compared).toBeGreaterThan(40000);
    // Each accepted difference is one value, listed by file and packet in ACCEPTED_VALUES.
    expect(captures.acceptedValues.length).toBeLessThanOrEqual(6);
  }, 120_000);

  test('on the frames the encoder builds, so that every field is compared somewhere', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-decode-built-'));
    try {
      const byLink = new Map<number, Uint8Array[]>();
      for (const c of cases)
        byLink.set(c.linkType, [...(byLink.get(c.linkType) ?? []), encode({ layers: c.layers, payload: c.payload })]);
      const sources: Source[] = [...byLink].map(([linkType, packets]) => {
        const file = path.join(dir, `built-${linkType}.pcap`);
        fs.writeFileSync(file, pcapFile(linkType, packets));
        return { file, linkType, packets };
      });
      const built = await compareWithTshark(sources);
      process.stdout.write(report(built));
      expect(built.failures).toEqual([]);
      expect(built.acceptedValues).toEqual([
        'built-1.pcap #3 dns.resp.name[3]: ours a\\.b.example.com tshark a.b.example.com',
      ]);
      expect(built.accepted).toEqual(new Map());
      expect(built.packets).toBe(cases.length);
      const absentFromCaptures = [
        'sctp.srcport',
        'sctp.dstport',
        'sctp.chunk_type',
        'dns.a',
        'dns.aaaa',
        'tcp.options.sack_le',
        'tcp.options.sack_re',
        'ipv6.fraghdr.offset',
      ];
      expect(absentFromCaptures.filter((f) => !(built.perField.get(f)! > 0))).toEqual([]);
      // Together the captures and the built frames compare every field at least once.
      const either = new Set([...compared(built), ...(captures ? compared(captures) : [])]);
      expect([...built.perField.keys()].filter((f) => !either.has(f))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
