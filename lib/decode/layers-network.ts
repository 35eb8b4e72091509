/**
 * The network-layer types of `ewpcap/decode`, re-exported by types.ts, which
 * states the API contract.
 */
import type { ChecksumStatus, LayerBase } from './types';

// ------------------------------------------------------------- network layers

/** ARP header (RFC 826), over any hardware and protocol address sizes. */
export interface ArpLayer extends LayerBase {
  /** Discriminant of {@link Layer}. */
  readonly kind: 'arp';
  /** Hardware type (1 Ethernet). tshark: arp.hw.type. */
  readonly hardwareType: number;
  /** Protocol type, an ethertype (0x0800 IPv4). tshark: arp.proto.type. */
  readonly protocolType: number;
  /** Hardware address length in bytes. tshark: arp.hw.size. */
  readonly hardwareLength: number;
  /** Protocol address length in bytes. tshark: arp.proto.size. */
  readonly protocolLength: number;
  /** 1 request, 2 reply, … tshark: arp.opcode. */
  readonly opcode: number;
  /** Formatted as MAC when hardwareLength is 6 and as IPv4 when protocolLength is 4; else colon-separated hex. */
  readonly senderHardware: string;
  /**
   * Sender protocol address, formatted as IPv4 when protocolLength is 4; else colon-separated hex. tshark:
   * arp.src.proto_ipv4.
   */
  readonly senderProtocol: string;
  /** Target hardware address, formatted as senderHardware. tshark: arp.dst.hw_mac. */
  readonly targetHardware: string;
  /** Target protocol address, formatted as senderProtocol. tshark: arp.dst.proto_ipv4. */
  readonly targetProtocol: string;
}

/** An IPv4 or TCP option: its kind, its total length (1 for one-byte options) and where it is. */
export interface OptionEntry {
  /** The option's kind (its first byte). */
  readonly type: number;
  /** Total length in bytes, kind and length bytes included (1 for one-byte options). */
  readonly length: number;
  /** Index in `bytes` of the option's first byte. */
  readonly offset: number;
}

/** IPv4 header (RFC 791), options included. */
export interface Ipv4Layer extends LayerBase {
  /** Discriminant of {@link Layer}. */
  readonly kind: 'ipv4';
  /** Version field, 4. tshark: ip.version. */
  readonly version: number;
  /** Header length in bytes (IHL × 4). */
  readonly headerLength: number;
  /** Differentiated services code point (upper 6 bits of the TOS byte). tshark: ip.dsfield.dscp. */
  readonly dscp: number;
  /** Explicit congestion notification (lower 2 bits of the TOS byte). tshark: ip.dsfield.ecn. */
  readonly ecn: number;
  /** Total length of header and payload in bytes. tshark: ip.len. */
  readonly totalLength: number;
  /** Identification. tshark: ip.id. */
  readonly id: number;
  /** The 3 flag bits: 0x4 reserved, 0x2 don't fragment, 0x1 more fragments. */
  readonly flags: number;
  /** The don't-fragment flag. tshark: ip.flags.df. */
  readonly dontFragment: boolean;
  /** The more-fragments flag. tshark: ip.flags.mf. */
  readonly moreFragments: boolean;
  /** Fragment offset in 8-byte units, as on the wire. */
  readonly fragmentOffset: number;
  /** Time to live. tshark: ip.ttl. */
  readonly ttl: number;
  /** The protocol that follows (6 TCP, 17 UDP, …). tshark: ip.proto. */
  readonly protocol: number;
  /** Header checksum as on the wire. tshark: ip.checksum. */
  readonly checksum: number;
  /** Header checksum status, verified when read. */
  readonly checksumStatus: ChecksumStatus;
  /** Source address, dotted quad. tshark: ip.src. */
  readonly src: string;
  /** Destination address, dotted quad. tshark: ip.dst. */
  readonly dst: string;
  /** Source and destination as unsigned 32-bit integers (no allocation). */
  readonly srcInt: number;
  /** Destination as an unsigned 32-bit integer (no allocation). */
  readonly dstInt: number;
  /** The options bytes (view; empty without options). */
  readonly options: Uint8Array;
  /** The options, parsed (a new array each read). */
  readonly optionList: readonly OptionEntry[];
}

/** IPv6 fixed header (RFC 8200); extension headers are layers of their own. */
export interface Ipv6Layer extends LayerBase {
  /** Discriminant of {@link Layer}. */
  readonly kind: 'ipv6';
  /** Version field, 6. tshark: ipv6.version. */
  readonly version: number;
  /** Traffic class (8 bits). tshark: ipv6.tclass. */
  readonly trafficClass: number;
  /** Flow label (20 bits). tshark: ipv6.flow. */
  readonly flowLabel: number;
  /** Length in bytes of what follows the fixed header, extension headers included. tshark: ipv6.plen. */
  readonly payloadLength: number;
  /** Next header field of the fixed header (an extension header's kind or the upper protocol). */
  readonly nextHeader: number;
  /** Hop limit. tshark: ipv6.hlim. */
  readonly hopLimit: number;
  /** Source address, RFC 5952 form. tshark: ipv6.src. */
  readonly src: string;
  /** Destination address, RFC 5952 form. tshark: ipv6.dst. */
  readonly dst: string;
}

/** Hop-by-hop (0) or destination options (60) extension header. */
export interface Ipv6OptionsLayer extends LayerBase {
  /** Discriminant of {@link Layer}: which of the two option headers it is. */
  readonly kind: 'ipv6-hop-by-hop' | 'ipv6-destination';
  /** The header or protocol that follows. tshark: ipv6.hopopts.nxt / ipv6.dstopts.nxt. */
  readonly nextHeader: number;
  /** The options area (view, after next header and length bytes). */
  readonly options: Uint8Array;
}

/** IPv6 routing extension header (43). */
export interface Ipv6RoutingLayer extends LayerBase {
  /** Discriminant of {@link Layer}. */
  readonly kind: 'ipv6-routing';
  /** The header or protocol that follows. tshark: ipv6.routing.nxt. */
  readonly nextHeader: number;
  /** Routing type (0 source route, 2 mobile IPv6, 4 segment routing). tshark: ipv6.routing.type. */
  readonly routingType: number;
  /** Route segments still to visit. tshark: ipv6.routing.segleft. */
  readonly segmentsLeft: number;
  /** For type 0 and segment routing (4): the addresses carried; empty otherwise. */
  readonly addresses: readonly string[];
}

/** IPv6 fragment extension header (44). */
export interface Ipv6FragmentLayer extends LayerBase {
  /** Discriminant of {@link Layer}. */
  readonly kind: 'ipv6-fragment';
  /** The header or protocol of the fragmented packet. tshark: ipv6.fraghdr.nxt. */
  readonly nextHeader: number;
  /** In 8-byte units. */
  readonly fragmentOffset: number;
  /** The M flag: more fragments follow. tshark: ipv6.fraghdr.more. */
  readonly moreFragments: boolean;
  /** Identification shared by the fragments of one packet. tshark: ipv6.fraghdr.ident. */
  readonly identification: number;
}

/** Authentication header (IPv6 extension header 51, also after IPv4). */
export interface AhLayer extends LayerBase {
  /** Discriminant of {@link Layer}. */
  readonly kind: 'ah';
  /** The header or protocol that follows. tshark: ah.next_header. */
  readonly nextHeader: number;
  /** Security parameters index. tshark: ah.spi. */
  readonly spi: number;
  /** Sequence number. tshark: ah.sequence. */
  readonly sequence: number;
  /** Integrity check value (view). */
  readonly icv: Uint8Array;
}

/** ICMP (for IPv4) header. */
export interface IcmpLayer extends LayerBase {
  /** Discriminant of {@link Layer}. */
  readonly kind: 'icmp';
  /** Message type (0 echo reply, 3 unreachable, 8 echo request, …). tshark: icmp.type. */
  readonly type: number;
  /** Code within the type. tshark: icmp.code. */
  readonly code: number;
  /** Checksum as on the wire. tshark: icmp.checksum. */
  readonly checksum: number;
  /** Over the ICMP message (header and payload). */
  readonly checksumStatus: ChecksumStatus;
  /** Bytes 4..7 of the header (identifier and sequence for echo). */
  readonly restOfHeader: number;
  /**
   * Identifier, for echo (0, 8), timestamp (13, 14), information (15, 16) and address mask (17, 18)
   * messages; else undefined. tshark: icmp.ident.
   */
  readonly identifier: number | undefined;
  /** Sequence number, for the same messages as identifier; else undefined. tshark: icmp.seq. */
  readonly sequence: number | undefined;
}

/** A neighbour discovery option (type, length in bytes, offset of the option). */
export interface NdpOption {
  /** Option type (1 source link-layer address, 2 target link-layer address, 3 prefix information, 5 MTU, …). */
  readonly type: number;
  /** The option's length in bytes (its length field × 8). */
  readonly length: number;
  /** Index in `bytes` of the option's type byte. */
  readonly offset: number;
  /** For source/target link-layer address options (1, 2) of 8 bytes: the MAC address. */
  readonly linkLayerAddress: string | undefined;
  /** The option's bytes after its type and length (view). */
  readonly data: Uint8Array;
}

/** ICMPv6 header, with the neighbour discovery fields of the messages that have them. */
export interface Icmpv6Layer extends LayerBase {
  /** Discriminant of {@link Layer}. */
  readonly kind: 'icmpv6';
  /** Message type (1 unreachable, 128 echo request, 135 neighbour solicitation, …). tshark: icmpv6.type. */
  readonly type: number;
  /** Code within the type. tshark: icmpv6.code. */
  readonly code: number;
  /** Checksum as on the wire. tshark: icmpv6.checksum. */
  readonly checksum: number;
  /** Over the pseudo-header and the message. */
  readonly checksumStatus: ChecksumStatus;
  /**
   * Bytes 4..7 of the header as an unsigned 32-bit integer (identifier and sequence for echo, MTU for packet too big,
   * flags for NA).
   */
  readonly restOfHeader: number;
  /** Neighbour solicitation/advertisement (135/136) and redirect (137): the target address. */
  readonly targetAddress: string | undefined;
  /** Redirect (137): the destination address. */
  readonly destinationAddress: string | undefined;
  /** Router advertisement (134): the reachable time in ms; else undefined. tshark: icmpv6.nd.ra.reachable_time. */
  readonly reachableTime: number | undefined;
  /** Router advertisement (134): the retransmission timer in ms; else undefined. tshark: icmpv6.nd.ra.retrans_timer. */
  readonly retransTimer: number | undefined;
  /** Neighbour discovery options (router solicitation/advertisement, NS, NA, redirect); empty otherwise. */
  readonly ndpOptions: readonly NdpOption[];
}
