/**
 * tshark as the judge of checksums: frames are written to a classic pcap
 * file (one per link type) and tshark, with checksum validation switched on
 * for every protocol the encoder checksums, reports each checksum's status.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Classic pcap (microsecond, little-endian) with the frames, all of one link type. */
export function pcapFile(linkType: number, frames: readonly Uint8Array[]): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(linkType, 20);
  const parts: Buffer[] = [header];
  frames.forEach((f, i) => {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1_700_000_000 + i, 0);
    rec.writeUInt32LE(f.length, 8);
    rec.writeUInt32LE(f.length, 12);
    parts.push(rec, Buffer.from(f.buffer, f.byteOffset, f.length));
  });
  return Buffer.concat(parts);
}

export const CHECKSUM_FIELDS = ['ip', 'tcp', 'udp', 'icmp', 'icmpv6', 'sctp', 'gre'] as const;
export type ChecksumProtocol = (typeof CHECKSUM_FIELDS)[number];

/** Per frame, each protocol's checksum statuses as tshark prints them ('Good', 'Bad', 'Unverified', …). */
export type Audit = Array<Partial<Record<ChecksumProtocol, string[]>>>;

/** tshark's checksum statuses for each frame. */
export function auditChecksums(linkType: number, frames: readonly Uint8Array[]): Audit {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-encode-'));
  const file = path.join(dir, 'frames.pcap');
  try {
    fs.writeFileSync(file, pcapFile(linkType, frames));
    const out = execFileSync(
      'tshark',
      [
        '-n',
        '-r',
        file,
        '-o',
        'ip.check_checksum:TRUE',
        '-o',
        'tcp.check_checksum:TRUE',
        '-o',
        'udp.check_checksum:TRUE',
        '-o',
        'sctp.checksum:CRC 32c',
        '-T',
        'fields',
        '-E',
        'occurrence=a',
        '-E',
        'aggregator=,',
        ...CHECKSUM_FIELDS.flatMap((p) => ['-e', `${p}.checksum.status`]),
      ],
      { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines = out.split('\n').filter((l) => l !== '');
    return lines.map((line) => {
      const cols = line.split('\t');
      const r: Partial<Record<ChecksumProtocol, string[]>> = {};
      CHECKSUM_FIELDS.forEach((p, i) => {
        if (cols[i]) r[p] = cols[i]!.split(',').map(status);
      });
      return r;
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Wireshark's proto_checksum_enum_e. */
function status(v: string): string {
  return ['Bad', 'Good', 'Unverified', 'Not present', 'Illegal'][Number(v)] ?? v;
}

/** How many checksums of each status, over all frames and protocols, e.g. { 'tcp Good': 12 }. */
export function tally(audit: Audit): Record<string, number> {
  const t: Record<string, number> = {};
  for (const frame of audit) {
    for (const [p, statuses] of Object.entries(frame))
      for (const s of statuses) t[`${p} ${s}`] = (t[`${p} ${s}`] ?? 0) + 1;
  }
  return t;
}
