/**
 * The transport, tunnel and application layer types of `ewpcap/decode`,
 * re-exported by types.ts, which states the API contract.
 */
import type { OptionEntry } from './layers-network';
import type { ChecksumStatus, LayerBase } from './types';

// ----------------------------------------------------------- transport layers

export interface TcpLayer extends LayerBase {
  readonly kind: 'tcp';
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  /** Header length in bytes (data offset × 4). */
  readonly headerLength: number;
  /** The 12 flag bits; test them with {@link TcpFlag} (`tcp.flags & TcpFlag.syn`). tshark: tcp.flags. */
  readonly flags: number;
  readonly window: number;
  readonly checksum: number;
  /** Over the pseudo-header, header and payload; 'unverified' when the segment was cut by snaplen. */
  readonly checksumStatus: ChecksumStatus;
  readonly urgentPointer: number;
  /** The options bytes (view). */
  readonly options: Uint8Array;
  /** The options, parsed (a new array each read). */
  readonly optionList: readonly OptionEntry[];
  readonly mss: number | undefined;
  readonly windowScale: number | undefined;
  readonly sackPermitted: boolean;
  /** SACK blocks as [left, right, left, right, …]; undefined without a SACK option. */
  readonly sackBlocks: readonly number[] | undefined;
  readonly tsval: number | undefined;
  readonly tsecr: number | undefined;
}

/** TCP flag bits, for `tcp.flags & TcpFlag.syn`. */
export const TcpFlag = {
  fin: 0x001,
  syn: 0x002,
  rst: 0x004,
  psh: 0x008,
  ack: 0x010,
  urg: 0x020,
  ece: 0x040,
  cwr: 0x080,
  /** AE (accurate ECN, RFC 9768; formerly NS). */
  ae: 0x100,
} as const;

export interface UdpLayer extends LayerBase {
  readonly kind: 'udp';
  readonly srcPort: number;
  readonly dstPort: number;
  /** The UDP length field. */
  readonly udpLength: number;
  readonly checksum: number;
  /** 'unverified' when the checksum is 0 over IPv4 (none sent) or the datagram was cut. */
  readonly checksumStatus: ChecksumStatus;
}

export interface SctpChunk {
  readonly type: number;
  readonly flags: number;
  /** The chunk length field (without padding). */
  readonly length: number;
  readonly offset: number;
  /** The chunk's bytes after its 4-byte header, up to its length or the captured end (view). */
  readonly value: Uint8Array;
}

export interface SctpLayer extends LayerBase {
  readonly kind: 'sctp';
  readonly srcPort: number;
  readonly dstPort: number;
  readonly verificationTag: number;
  readonly checksum: number;
  readonly chunks: readonly SctpChunk[];
}

// -------------------------------------------------------------------- tunnels

export interface GreLayer extends LayerBase {
  readonly kind: 'gre';
  /** The first 16 bits: C, R, K, S, s flags, recursion, flags, version. */
  readonly flagsVersion: number;
  readonly version: number;
  /** Ethertype of the payload (0x6558: Ethernet, 0x0800 IPv4, 0x86dd IPv6). */
  readonly protocol: number;
  readonly checksum: number | undefined;
  readonly key: number | undefined;
  readonly sequence: number | undefined;
}

export interface VxlanLayer extends LayerBase {
  readonly kind: 'vxlan';
  readonly flags: number;
  /** VXLAN network identifier (24 bits). */
  readonly vni: number;
}

// ---------------------------------------------------------------- application

export interface DnsQuestion {
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

export interface DnsResource {
  readonly name: string;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  /** RDATA offset and length in `bytes`. */
  readonly dataOffset: number;
  readonly dataLength: number;
  /** A and AAAA: the address; CNAME, NS, PTR: the name; otherwise undefined. */
  readonly data: string | undefined;
}

export interface DnsLayer extends LayerBase {
  readonly kind: 'dns';
  /** Over TCP: the 2-byte message length that precedes the message (at `offset - 2`); undefined over UDP. */
  readonly tcpLength: number | undefined;
  readonly id: number;
  /** The 16-bit flags word (QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode). tshark: dns.flags. */
  readonly flags: number;
  readonly isResponse: boolean;
  readonly opcode: number;
  readonly rcode: number;
  readonly questionCount: number;
  readonly answerCount: number;
  readonly authorityCount: number;
  readonly additionalCount: number;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly DnsResource[];
  readonly authorities: readonly DnsResource[];
  readonly additionals: readonly DnsResource[];
}
