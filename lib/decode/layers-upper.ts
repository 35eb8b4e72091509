/**
 * The transport, tunnel and application layer types of `ewpcap/decode`,
 * re-exported by types.ts, which states the API contract.
 */
import type { OptionEntry } from './layers-network';
import type { ChecksumStatus, LayerBase } from './types';

// ----------------------------------------------------------- transport layers

/** TCP header (RFC 9293), options included. */
export interface TcpLayer extends LayerBase {
  /** Discriminant of {@link Layer}. */
  readonly kind: 'tcp';
  /** Source port. tshark: tcp.srcport. */
  readonly srcPort: number;
  /** Destination port. tshark: tcp.dstport. */
  readonly dstPort: number;
  /** Sequence number as on the wire (not relative). tshark: tcp.seq_raw. */
  readonly seq: number;
  /** Acknowledgment number as on the wire (not relative). tshark: tcp.ack_raw. */
  readonly ack: number;
  /** Header length in bytes (data offset × 4). */
  readonly headerLength: number;
  /** The 12 flag bits; test them with {@link TcpFlag} (`tcp.flags & TcpFlag.syn`). tshark: tcp.flags. */
  readonly flags: number;
  /** Window field, unscaled. tshark: tcp.window_size_value. */
  readonly window: number;
  /** Checksum as on the wire. tshark: tcp.checksum. */
  readonly checksum: number;
  /** Over the pseudo-header, header and payload; 'unverified' when the segment was cut by snaplen. */
  readonly checksumStatus: ChecksumStatus;
  /** Urgent pointer. tshark: tcp.urgent_pointer. */
  readonly urgentPointer: number;
  /** The options bytes (view). */
  readonly options: Uint8Array;
  /** The options, parsed (a new array each read). */
  readonly optionList: readonly OptionEntry[];
  /** Maximum segment size option (kind 2), undefined without it. tshark: tcp.options.mss_val. */
  readonly mss: number | undefined;
  /** Window scale option's shift count (kind 3), undefined without it. tshark: tcp.options.wscale.shift. */
  readonly windowScale: number | undefined;
  /** Whether the SACK-permitted option (kind 4) is present. tshark: tcp.options.sack_perm. */
  readonly sackPermitted: boolean;
  /** SACK blocks as [left, right, left, right, …]; undefined without a SACK option. */
  readonly sackBlocks: readonly number[] | undefined;
  /**
   * Timestamps option (kind 8): the sender's timestamp value; undefined without it. tshark:
   * tcp.options.timestamp.tsval.
   */
  readonly tsval: number | undefined;
  /** Timestamps option (kind 8): the echo reply; undefined without it. tshark: tcp.options.timestamp.tsecr. */
  readonly tsecr: number | undefined;
}

/** TCP flag bits, for `tcp.flags & TcpFlag.syn`. */
export const TcpFlag = {
  /** FIN: no more data from the sender. */
  fin: 0x001,
  /** SYN: synchronise sequence numbers. */
  syn: 0x002,
  /** RST: reset the connection. */
  rst: 0x004,
  /** PSH: push. */
  psh: 0x008,
  /** ACK: the acknowledgment number is significant. */
  ack: 0x010,
  /** URG: the urgent pointer is significant. */
  urg: 0x020,
  /** ECE: ECN echo. */
  ece: 0x040,
  /** CWR: congestion window reduced. */
  cwr: 0x080,
  /** AE (accurate ECN, RFC 9768; formerly NS). */
  ae: 0x100,
} as const;

/** UDP header (RFC 768). */
export interface UdpLayer extends LayerBase {
  /** Discriminant of {@link Layer}. */
  readonly kind: 'udp';
  /** Source port. tshark: udp.srcport. */
  readonly srcPort: number;
  /** Destination port. tshark: udp.dstport. */
  readonly dstPort: number;
  /** The UDP length field. */
  readonly udpLength: number;
  /** Checksum as on the wire (0: none sent, IPv4 only). tshark: udp.checksum. */
  readonly checksum: number;
  /** 'unverified' when the checksum is 0 over IPv4 (none sent) or the datagram was cut. */
  readonly checksumStatus: ChecksumStatus;
}

/** One chunk of an SCTP packet. */
export interface SctpChunk {
  /** Chunk type (0 DATA, 1 INIT, …). tshark: sctp.chunk_type. */
  readonly type: number;
  /** Chunk flags. tshark: sctp.chunk_flags. */
  readonly flags: number;
  /** The chunk length field (without padding). */
  readonly length: number;
  /** Index in `bytes` of the chunk's first byte. */
  readonly offset: number;
  /** The chunk's bytes after its 4-byte header, up to its length or the captured end (view). */
  readonly value: Uint8Array;
}

/** SCTP common header (RFC 9260) and its chunks. */
export interface SctpLayer extends LayerBase {
  /** Discriminant of {@link Layer}. */
  readonly kind: 'sctp';
  /** Source port. tshark: sctp.srcport. */
  readonly srcPort: number;
  /** Destination port. tshark: sctp.dstport. */
  readonly dstPort: number;
  /** Verification tag. tshark: sctp.verification_tag. */
  readonly verificationTag: number;
  /** CRC32c as the little-endian value the wire carries (not verified). tshark: sctp.checksum. */
  readonly checksum: number;
  /** The chunks, in order; a chunk cut by snaplen is the last, with a 'truncated' error after it. */
  readonly chunks: readonly SctpChunk[];
}

// -------------------------------------------------------------------- tunnels

/** GRE header (RFC 2784, 2890; version 1 is PPTP's). */
export interface GreLayer extends LayerBase {
  /** Discriminant of {@link Layer}. */
  readonly kind: 'gre';
  /** The first 16 bits: C, R, K, S, s flags, recursion, flags, version. */
  readonly flagsVersion: number;
  /** Version (the low 3 bits of flagsVersion): 0 GRE, 1 PPTP's enhanced GRE. tshark: gre.flags.version. */
  readonly version: number;
  /** Ethertype of the payload (0x6558: Ethernet, 0x0800 IPv4, 0x86dd IPv6). */
  readonly protocol: number;
  /** Checksum, when the C (or R) bit is set. tshark: gre.checksum. */
  readonly checksum: number | undefined;
  /** Key, when the K bit is set. tshark: gre.key. */
  readonly key: number | undefined;
  /** Sequence number, when the S bit is set. tshark: gre.sequence_number. */
  readonly sequence: number | undefined;
}

/** VXLAN header (RFC 7348); an Ethernet frame follows. */
export interface VxlanLayer extends LayerBase {
  /** Discriminant of {@link Layer}. */
  readonly kind: 'vxlan';
  /** The flags byte (0x08: the VNI is valid). tshark: vxlan.flags. */
  readonly flags: number;
  /** VXLAN network identifier (24 bits). */
  readonly vni: number;
}

// ---------------------------------------------------------------- application

/** One entry of a DNS message's question section. */
export interface DnsQuestion {
  /**
   * The name, dot-separated without a trailing dot ('<Root>' for the root), as tshark prints it. tshark: dns.qry.name.
   */
  readonly name: string;
  /** Query type (1 A, 28 AAAA, …). tshark: dns.qry.type. */
  readonly type: number;
  /** Query class (1 IN). tshark: dns.qry.class. */
  readonly class: number;
}

/** One resource record of a DNS message's answer, authority or additional section. */
export interface DnsResource {
  /** The owner name, written as DnsQuestion's. tshark: dns.resp.name. */
  readonly name: string;
  /** Record type (1 A, 5 CNAME, 28 AAAA, …). tshark: dns.resp.type. */
  readonly type: number;
  /** Record class (1 IN). tshark: dns.resp.class. */
  readonly class: number;
  /** Time to live in seconds. tshark: dns.resp.ttl. */
  readonly ttl: number;
  /** RDATA offset and length in `bytes`. */
  readonly dataOffset: number;
  /** RDATA length in bytes. tshark: dns.resp.len. */
  readonly dataLength: number;
  /** A and AAAA: the address; CNAME, NS, PTR: the name; otherwise undefined. */
  readonly data: string | undefined;
}

/** DNS message (RFC 1035) over UDP or TCP: header and the records that decoded. */
export interface DnsLayer extends LayerBase {
  /** Discriminant of {@link Layer}. */
  readonly kind: 'dns';
  /** Over TCP: the 2-byte message length that precedes the message (at `offset - 2`); undefined over UDP. */
  readonly tcpLength: number | undefined;
  /** Transaction id. tshark: dns.id. */
  readonly id: number;
  /** The 16-bit flags word (QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode). tshark: dns.flags. */
  readonly flags: number;
  /** The QR bit: a response. tshark: dns.flags.response. */
  readonly isResponse: boolean;
  /** Opcode (0 query, …). tshark: dns.flags.opcode. */
  readonly opcode: number;
  /** Response code (0 no error, 3 NXDOMAIN, …). tshark: dns.flags.rcode. */
  readonly rcode: number;
  /** QDCOUNT from the header. tshark: dns.count.queries. */
  readonly questionCount: number;
  /** ANCOUNT from the header. tshark: dns.count.answers. */
  readonly answerCount: number;
  /** NSCOUNT from the header. tshark: dns.count.auth_rr. */
  readonly authorityCount: number;
  /** ARCOUNT from the header. tshark: dns.count.add_rr. */
  readonly additionalCount: number;
  /** The question section as decoded (fewer than questionCount when decoding stopped). */
  readonly questions: readonly DnsQuestion[];
  /** The answer section as decoded. */
  readonly answers: readonly DnsResource[];
  /** The authority section as decoded. */
  readonly authorities: readonly DnsResource[];
  /** The additional section as decoded. */
  readonly additionals: readonly DnsResource[];
}
