/**
 * Support for decode-tshark.test.ts (and a by-hand run: scripts/decode-vs-tshark.ts).
 * decode() against tshark, field by field, on every packet of
 * ../shared/captures whose link type the decoder supports: the files are
 * read by libpcap (openOffline), decoded, and compared with what tshark
 * prints for the same packets (`tshark -T fields`, one run over the files
 * merged with `mergecap -a`, computed at test time).
 *
 * For a field that occurs several times in a packet (tunnels), tshark's
 * values are listed in order; ours must equal them one by one. Where tshark
 * decodes deeper than we do (a protocol we do not decode, the datagram an
 * ICMP error quotes), its extra values are accepted only for the reasons
 * listed in ACCEPTED, counted and printed; anything else fails the test.
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { openOffline, type PacketBatch } from '../../lib';
import { decode, type DecodedPacket, type Layer, type LayerKind, type LayerOf } from '../../lib/decode';

const run = promisify(execFile);
export const CAPTURES = path.resolve(__dirname, '..', '..', '..', 'shared', 'captures');
const haveTools = spawnSync('tshark', ['-v']).status === 0 && spawnSync('mergecap', ['-v']).status === 0;
export const present = fs.existsSync(CAPTURES) && haveTools;

const SUPPORTED = new Set([0, 1, 12, 14, 101, 105, 108, 113, 127, 228, 229, 276]);

type Value = string | number;
type Extract = (p: DecodedPacket) => Value[];
/** 'num': compared as numbers (tshark prints some in hex); 'str': as text; 'status': checksum status. */
type Compare = 'num' | 'str' | 'status';

function all<K extends LayerKind>(p: DecodedPacket, kind: K): LayerOf<K>[] {
  return p.layers.filter((l: Layer): l is LayerOf<K> => l.kind === kind);
}
function each<K extends LayerKind>(kind: K, f: (l: LayerOf<K>) => Value | undefined | (Value | undefined)[]): Extract {
  return (p) =>
    all(p, kind)
      .flatMap((l) => f(l))
      .filter((v): v is Value => v !== undefined);
}

// ATM ARP (hardware type 19) has fields of its own in tshark (atmarp.*).
const arp = (l: LayerOf<'arp'>) => l.hardwareType !== 19;
const arpEther = (l: LayerOf<'arp'>) =>
  arp(l) && (l.hardwareType === 1 || l.hardwareType === 6) && l.hardwareLength === 6;
const arpIpv4 = (l: LayerOf<'arp'>) => arp(l) && l.protocolType === 0x0800 && l.protocolLength === 4;

const FIELDS: [string, Compare, Extract][] = [
  ['eth.dst', 'str', each('ethernet', (l) => l.dst)],
  ['eth.src', 'str', each('ethernet', (l) => l.src)],
  ['eth.type', 'num', each('ethernet', (l) => (l.type > 1500 ? l.type : undefined))],
  ['eth.len', 'num', each('ethernet', (l) => (l.type <= 1500 ? l.type : undefined))],
  // tshark names 802.1Q tags vlan.* and 802.1ad tags ieee8021ad.*.
  ['vlan.id', 'num', each('vlan', (l) => (l.tpid === 0x8100 ? l.id : undefined))],
  ['vlan.priority', 'num', each('vlan', (l) => (l.tpid === 0x8100 ? l.priority : undefined))],
  ['vlan.etype', 'num', each('vlan', (l) => (l.tpid === 0x8100 && l.type > 1500 ? l.type : undefined))],
  ['ieee8021ad.id', 'num', each('vlan', (l) => (l.tpid === 0x88a8 ? l.id : undefined))],
  ['llc.dsap', 'num', each('llc', (l) => l.dsap)],
  ['llc.ssap', 'num', each('llc', (l) => l.ssap)],
  ['llc.oui', 'num', each('snap', (l) => l.oui)],
  // With another OUI the protocol id is the OUI owner's (tshark: llc.cisco_pid, …).
  ['llc.type', 'num', each('snap', (l) => (l.oui === 0 ? l.protocolId : undefined))],
  ['llc.cisco_pid', 'num', each('snap', (l) => (l.oui === 0x00000c ? l.protocolId : undefined))],
  // tshark names the fields of LINUX_SLL2 headers sll.* too.
  ['sll.pkttype', 'num', (p) => [...each('sll', (l) => l.packetType)(p), ...each('sll2', (l) => l.packetType)(p)]],
  ['sll.hatype', 'num', (p) => [...each('sll', (l) => l.arphrdType)(p), ...each('sll2', (l) => l.arphrdType)(p)]],
  [
    'sll.etype',
    'num',
    (p) => [
      ...each('sll', (l) => (l.protocol > 1500 ? l.protocol : undefined))(p),
      ...each('sll2', (l) => (l.protocol > 1500 ? l.protocol : undefined))(p),
    ],
  ],
  ['sll.ifindex', 'num', each('sll2', (l) => l.interfaceIndex)],
  ['null.family', 'num', each('null', (l) => l.family)],
  ['radiotap.length', 'num', each('radiotap', (l) => l.length)],
  ['radiotap.channel.freq', 'num', each('radiotap', (l) => l.channelFrequency)],
  ['radiotap.dbm_antsignal', 'num', each('radiotap', (l) => l.antennaSignal)],
  ['wlan.fc.type', 'num', each('ieee80211', (l) => l.type)],
  ['wlan.fc.subtype', 'num', each('ieee80211', (l) => l.subtype)],
  ['wlan.ra', 'str', each('ieee80211', (l) => l.receiver)],
  ['wlan.ta', 'str', each('ieee80211', (l) => l.transmitter)],
  ['wlan.sa', 'str', each('ieee80211', (l) => l.source)],
  ['wlan.da', 'str', each('ieee80211', (l) => l.destination)],
  ['wlan.bssid', 'str', each('ieee80211', (l) => l.bssid)],
  ['arp.opcode', 'num', each('arp', (l) => (arp(l) ? l.opcode : undefined))],
  // tshark has these fields for Ethernet (1) or IEEE 802 (6) hardware of 6 bytes and IPv4 of 4.
  ['arp.src.hw_mac', 'str', each('arp', (l) => (arpEther(l) ? l.senderHardware : undefined))],
  ['arp.src.proto_ipv4', 'str', each('arp', (l) => (arpIpv4(l) ? l.senderProtocol : undefined))],
  ['arp.dst.hw_mac', 'str', each('arp', (l) => (arpEther(l) ? l.targetHardware : undefined))],
  ['arp.dst.proto_ipv4', 'str', each('arp', (l) => (arpIpv4(l) ? l.targetProtocol : undefined))],
  ['ip.src', 'str', each('ipv4', (l) => l.src)],
  ['ip.dst', 'str', each('ipv4', (l) => l.dst)],
  ['ip.proto', 'num', each('ipv4', (l) => l.protocol)],
  ['ip.ttl', 'num', each('ipv4', (l) => l.ttl)],
  ['ip.len', 'num', each('ipv4', (l) => l.totalLength)],
  ['ip.flags', 'num', each('ipv4', (l) => l.flags)],
  ['ip.frag_offset', 'num', each('ipv4', (l) => l.fragmentOffset)],
  ['ip.checksum.status', 'status', each('ipv4', (l) => l.checksumStatus)],
  ['ipv6.src', 'str', each('ipv6', (l) => l.src)],
  ['ipv6.dst', 'str', each('ipv6', (l) => l.dst)],
  ['ipv6.nxt', 'num', each('ipv6', (l) => l.nextHeader)],
  ['ipv6.hlim', 'num', each('ipv6', (l) => l.hopLimit)],
  ['ipv6.fraghdr.offset', 'num', each('ipv6-fragment', (l) => l.fragmentOffset)],
  ['ipv6.routing.type', 'num', each('ipv6-routing', (l) => l.routingType)],
  ['tcp.srcport', 'num', each('tcp', (l) => l.srcPort)],
  ['tcp.dstport', 'num', each('tcp', (l) => l.dstPort)],
  ['tcp.seq_raw', 'num', each('tcp', (l) => l.seq)],
  ['tcp.ack_raw', 'num', each('tcp', (l) => l.ack)],
  ['tcp.flags', 'num', each('tcp', (l) => l.flags)],
  ['tcp.window_size_value', 'num', each('tcp', (l) => l.window)],
  ['tcp.hdr_len', 'num', each('tcp', (l) => l.headerLength)],
  ['tcp.option_kind', 'num', each('tcp', (l) => l.optionList.map((o) => o.type))],
  ['tcp.options.mss_val', 'num', each('tcp', (l) => l.mss)],
  ['tcp.options.wscale.shift', 'num', each('tcp', (l) => l.windowScale)],
  ['tcp.options.sack_le', 'num', each('tcp', (l) => (l.sackBlocks ?? []).filter((_, i) => i % 2 === 0))],
  ['tcp.options.sack_re', 'num', each('tcp', (l) => (l.sackBlocks ?? []).filter((_, i) => i % 2 === 1))],
  ['tcp.options.timestamp.tsval', 'num', each('tcp', (l) => l.tsval)],
  ['tcp.options.timestamp.tsecr', 'num', each('tcp', (l) => l.tsecr)],
  ['tcp.checksum.status', 'status', each('tcp', (l) => l.checksumStatus)],
  ['udp.srcport', 'num', each('udp', (l) => l.srcPort)],
  ['udp.dstport', 'num', each('udp', (l) => l.dstPort)],
  ['udp.length', 'num', each('udp', (l) => l.udpLength)],
  ['udp.checksum.status', 'status', each('udp', (l) => l.checksumStatus)],
  ['icmp.type', 'num', each('icmp', (l) => l.type)],
  ['icmp.code', 'num', each('icmp', (l) => l.code)],
  ['icmp.checksum.status', 'status', each('icmp', (l) => l.checksumStatus)],
  ['icmpv6.type', 'num', each('icmpv6', (l) => l.type)],
  ['icmpv6.code', 'num', each('icmpv6', (l) => l.code)],
  ['icmpv6.checksum.status', 'status', each('icmpv6', (l) => l.checksumStatus)],
  ['icmpv6.opt.type', 'num', each('icmpv6', (l) => l.ndpOptions.map((o) => o.type))],
  ['sctp.srcport', 'num', each('sctp', (l) => l.srcPort)],
  ['sctp.dstport', 'num', each('sctp', (l) => l.dstPort)],
  ['sctp.chunk_type', 'num', each('sctp', (l) => l.chunks.map((c) => c.type))],
  ['gre.proto', 'num', each('gre', (l) => l.protocol)],
  ['vxlan.vni', 'num', each('vxlan', (l) => l.vni)],
  ['dns.id', 'num', each('dns', (l) => l.id)],
  ['dns.flags', 'num', each('dns', (l) => l.flags)],
  ['dns.qry.name', 'str', each('dns', (l) => l.questions.map((q) => q.name))],
  ['dns.resp.name', 'str', each('dns', (l) => [...l.answers, ...l.authorities, ...l.additionals].map((r) => r.name))],
  [
    'dns.a',
    'str',
    each('dns', (l) =>
      [...l.answers, ...l.authorities, ...l.additionals]
        .filter((r) => r.type === 1 && r.dataLength === 4)
        .map((r) => r.data),
    ),
  ],
  [
    'dns.aaaa',
    'str',
    each('dns', (l) =>
      [...l.answers, ...l.authorities, ...l.additionals]
        .filter((r) => r.type === 28 && r.dataLength === 16)
        .map((r) => r.data),
    ),
  ],
];

/** tshark's checksum status numbers: 0 bad, 1 good, 2 unverified, 3 not present. */
const STATUS: Record<string, string[]> = { bad: ['0'], good: ['1'], unverified: ['2', '3'] };

function same(cmp: Compare, ours: Value, theirs: string): boolean {
  if (cmp === 'status') return STATUS[String(ours)]!.includes(theirs);
  if (cmp === 'num') return Number(ours) === (theirs.startsWith('0x') ? parseInt(theirs, 16) : Number(theirs));
  return String(ours) === theirs;
}

/** The layer kinds whose fields a tshark field prefix names. */
const PREFIX_LAYERS: Record<string, LayerKind[]> = {
  eth: ['ethernet'],
  vlan: ['vlan'],
  ieee8021ad: ['vlan'],
  llc: ['llc', 'snap'],
  sll: ['sll', 'sll2'],
  radiotap: ['radiotap'],
  wlan: ['ieee80211'],
  arp: ['arp'],
  ip: ['ipv4'],
  ipv6: ['ipv6', 'ipv6-hop-by-hop', 'ipv6-routing', 'ipv6-fragment', 'ipv6-destination'],
  tcp: ['tcp'],
  udp: ['udp'],
  icmp: ['icmp'],
  icmpv6: ['icmpv6'],
  sctp: ['sctp'],
  dns: ['dns'],
};

/**
 * Single values where we and tshark differ on purpose, by file, packet
 * number and field, with the reason (also in docs/DECODE.md).
 */
export const ACCEPTED_VALUES: Record<string, string> = {
  'ipv4_tcp_http_xml_tso.pcap #1 ip.len':
    'total length 0 from a TSO-capable NIC: we report the field as on the wire, tshark the length it substitutes',
  'icmp-length-zero.pcapng #1 ip.len': 'the same (total length 0)',
  'kday4.pcap #10 tcp.checksum.status':
    'IPv4 total length beyond the frame: without the wire length we cannot tell a snaplen cut from a bogus length, so we leave the checksum unverified; tshark knows the frame was not cut and finds it bad',
  'rpl-dao-oobr.pcap #1 icmpv6.checksum.status':
    'same as kday4 #10 (an IPv4 total length that exceeds the frame), for ICMPv6',
  'ipv4_invalid_total_length.pcap #1 udp.checksum.status':
    'same as kday4 #10: tshark clamps the bogus IPv4 total length to the frame and verifies; we leave it unverified',
  'quic_32_bit_pointer_overflow.pcap #1 udp.checksum.status':
    'an IPv6 jumbogram in a frame cut by snaplen: tshark knows the wire length and leaves it unverified; we verify the captured bytes and find it bad',
  'kday1.pcap #1 ipv6':
    'ethertype IPv4 with a version 6 header: tshark decodes it as IPv6, we report bad-value at the ipv4 layer',
  'built-1.pcap #3 dns.resp.name':
    'a label that contains a dot (the encoder test builds one): we escape it as dig does (a\\.b), tshark prints it bare, which reads as two labels',
  'heapoverflow-tcp_print.pcap #1 tcp.option_kind':
    'an option of kind 48 whose length runs past the TCP header: our option list ends before it, tshark lists its kind',
};

/** TCP options after an end-of-list (kind 0): tshark lists each padding byte as another kind 0, we end the list. */
function eolPadding(field: string, ours: Value[], theirs: string[]): boolean {
  return (
    field === 'tcp.option_kind' &&
    ours.length > 0 &&
    ours[ours.length - 1] === 0 &&
    theirs.slice(ours.length).every((v) => v === '0')
  );
}

/** Why tshark may print more occurrences of a field than we decode; null if nothing explains it. */
function explain(
  p: DecodedPacket,
  protocols: string,
  field: string,
  file: string,
  n: number,
  ours: Value[],
  theirs: string[],
): string | null {
  const e = p.error;
  for (const key of [`${file} #${n} ${field}`, `${file} #${n} ${field.split('.')[0]}`])
    if (key in ACCEPTED_VALUES) return ACCEPTED_VALUES[key]!;
  if (eolPadding(field, ours, theirs)) return 'bytes after the end-of-options list, which tshark lists as kind 0';
  const kinds = PREFIX_LAYERS[field.split('.')[0]!] ?? [];
  if (e !== null && e.reason !== 'unknown-type' && kinds.includes(e.layer as LayerKind)) {
    return `a ${e.layer} header we report as ${e.reason} (tshark shows the fields it could read)`;
  }
  if (p.error?.reason === 'unknown-type') return `a ${p.error.layer} payload type we do not decode (${protocols})`;
  const last = p.layers[p.layers.length - 1];
  if (last?.kind === 'icmp' && [3, 4, 5, 11, 12].includes(last.type)) return 'the datagram an ICMP error quotes';
  if (last?.kind === 'icmpv6' && last.type >= 1 && last.type <= 4) return 'the datagram an ICMPv6 error quotes';
  // A field of the last layer itself is not explained by what that layer carries.
  if ((last?.kind === 'udp' || last?.kind === 'tcp') && !kinds.includes(last.kind))
    return `a protocol over ${last.kind} port we do not decode (${protocols})`;
  return null;
}

export interface Source {
  file: string;
  linkType: number;
  packets: Uint8Array[];
}

export async function readFile(file: string): Promise<Source> {
  const s = await openOffline(file);
  const packets: Uint8Array[] = [];
  s.on('batch', (b: PacketBatch) => {
    for (let i = 0; i < b.count; i++) packets.push(Uint8Array.from(b.data(i)));
  });
  await new Promise<void>((resolve) => {
    s.once('end', () => resolve());
    s.once('error', () => resolve());
  });
  return { file, linkType: s.datalink, packets };
}

export interface Comparison {
  files: number;
  packets: number;
  compared: number;
  /** Values compared, by tshark field (every field of FIELDS, 0 when no packet carries it). */
  perField: Map<string, number>;
  /** Extra values of tshark's, by field and reason. */
  accepted: Map<string, number>;
  /** Values that differ and are accepted by ACCEPTED_VALUES, by key. */
  acceptedValues: string[];
  failures: string[];
}

/** Every file of ../shared/captures that libpcap reads, of a link type decode() supports, in name order. */
export async function readSupportedCaptures(): Promise<Source[]> {
  const names = fs
    .readdirSync(CAPTURES)
    .filter((f) => /\.(pcap|pcapng)$/.test(f))
    .sort();
  const sources: Source[] = [];
  for (const name of names) {
    const file = path.join(CAPTURES, name);
    let src: Source;
    try {
      src = await readFile(file);
    } catch {
      continue; // libpcap cannot open it (e.g. an empty pcapng): nothing to decode
    }
    if (SUPPORTED.has(src.linkType) && src.packets.length > 0) sources.push(src);
  }
  return sources;
}

/** Decodes every supported packet of the shared captures and compares it with tshark's fields. */
export async function compareWithTshark(sources?: Source[]): Promise<Comparison> {
  sources ??= await readSupportedCaptures();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-decode-'));
  const merged = path.join(dir, 'merged.pcapng');
  try {
    await run('mergecap', ['-a', '-F', 'pcapng', '-w', merged, ...sources.map((s) => s.file)]);
    const prefs = [
      'ip.check_checksum:TRUE',
      'tcp.check_checksum:TRUE',
      'udp.check_checksum:TRUE',
      'tcp.relative_sequence_numbers:FALSE',
      'tcp.desegment_tcp_streams:FALSE',
      'ip.defragment:FALSE',
      'ipv6.defragment:FALSE',
    ].flatMap((o) => ['-o', o]);
    const fields = ['frame.protocols', ...FIELDS.map((f) => f[0])].flatMap((f) => ['-e', f]);
    const { stdout } = await run(
      'tshark',
      [
        '-n',
        '-r',
        merged,
        ...prefs,
        '-T',
        'fields',
        ...fields,
        '-E',
        'occurrence=a',
        '-E',
        'aggregator=\u001f',
        '-E',
        'separator=\t',
      ],
      { maxBuffer: 256 << 20 },
    );
    const lines = stdout.split('\n').filter((l) => l.length > 0);
    const packets = sources.flatMap((s) => s.packets.map((bytes, i) => ({ s, i, bytes })));
    if (lines.length !== packets.length) {
      throw new Error(`tshark printed ${lines.length} packets, libpcap read ${packets.length}`);
    }

    let compared = 0;
    const perField = new Map<string, number>(FIELDS.map(([name]) => [name, 0]));
    const acceptedValues: string[] = [];
    const accepted = new Map<string, number>();
    const failures: string[] = [];
    packets.forEach(({ s, i, bytes }, n) => {
      const p = decode(s.linkType, bytes);
      const cols = lines[n]!.split('\t');
      const protocols = cols[0]!;
      FIELDS.forEach(([name, cmp, extract], f) => {
        const theirs = cols[f + 1] ? cols[f + 1]!.split('\u001f') : [];
        const ours = extract(p);
        const k = Math.min(ours.length, theirs.length);
        perField.set(name, perField.get(name)! + k);
        for (let j = 0; j < k; j++) {
          compared++;
          const key = `${path.basename(s.file)} #${i + 1} ${name}`;
          if (same(cmp, ours[j]!, theirs[j]!)) continue;
          if (key in ACCEPTED_VALUES) {
            acceptedValues.push(`${key}[${j}]: ours ${ours[j]} tshark ${theirs[j]}`);
          } else {
            failures.push(
              `${path.basename(s.file)} #${i + 1} ${name}[${j}]: ours ${ours[j]} tshark ${theirs[j]} (${protocols})`,
            );
          }
        }
        if (ours.length > theirs.length) {
          failures.push(`${path.basename(s.file)} #${i + 1} ${name}: ours [${ours}] tshark [${theirs}] (${protocols})`);
        } else if (theirs.length > ours.length) {
          const why = explain(p, protocols, name, path.basename(s.file), i + 1, ours, theirs);
          if (why === null) {
            failures.push(
              `${path.basename(s.file)} #${i + 1} ${name}: ours [${ours}] tshark [${theirs}] (${protocols}) ${p.error?.message ?? ''}`,
            );
          } else {
            const key = `${name}: ${why.replace(/\(.*\)/, '').trim()}`;
            accepted.set(key, (accepted.get(key) ?? 0) + 1);
          }
        }
      });
    });
    return { files: sources.length, packets: packets.length, compared, perField, accepted, acceptedValues, failures };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function report(c: Comparison): string {
  const never = [...c.perField].filter(([, n]) => n === 0).map(([f]) => f);
  return (
    `decode vs tshark: ${c.packets} packets of ${c.files} files, ${c.compared} values of ` +
    `${c.perField.size - never.length} of ${c.perField.size} fields compared, ${c.failures.length} differences, ` +
    `${c.acceptedValues.length} accepted differences, ${[...c.accepted.values()].reduce((a, b) => a + b, 0)} ` +
    `extra values of tshark's accepted\n` +
    `fields no packet carries: ${never.join(' ') || 'none'}\n` +
    `values compared by field: ${[...c.perField].map(([f, n]) => `${f} ${n}`).join(', ')}\n` +
    `accepted differences (ACCEPTED_VALUES):\n` +
    c.acceptedValues.map((v) => `  ${v}`).join('\n') +
    `\nextra values of tshark's accepted (tshark decodes deeper, or lists more):\n` +
    [...c.accepted].map(([k, v]) => `  ${v} × ${k}`).join('\n') +
    '\n'
  );
}
