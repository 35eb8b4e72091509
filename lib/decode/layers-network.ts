/**
 * The network-layer types of `ewpcap/decode`, re-exported by types.ts, which
 * states the API contract.
 */
import type { ChecksumStatus, LayerBase } from './types';

// ------------------------------------------------------------- network layers

export interface ArpLayer extends LayerBase {
  readonly kind: 'arp';
  readonly hardwareType: number;
  readonly protocolType: number;
  readonly hardwareLength: number;
  readonly protocolLength: number;
  /** 1 request, 2 reply, … tshark: arp.opcode. */
  readonly opcode: number;
  /** Formatted as MAC when hardwareLength is 6 and as IPv4 when protocolLength is 4; else colon-separated hex. */
  readonly senderHardware: string;
  readonly senderProtocol: string;
  readonly targetHardware: string;
  readonly targetProtocol: string;
}

/** An IPv4 or TCP option: its kind, its total length (1 for one-byte options) and where it is. */
export interface OptionEntry {
  readonly type: number;
  readonly length: number;
  readonly offset: number;
}

export interface Ipv4Layer extends LayerBase {
  readonly kind: 'ipv4';
  readonly version: number;
  /** Header length in bytes (IHL × 4). */
  readonly headerLength: number;
  readonly dscp: number;
  readonly ecn: number;
  readonly totalLength: number;
  readonly id: number;
  /** The 3 flag bits: 0x4 reserved, 0x2 don't fragment, 0x1 more fragments. */
  readonly flags: number;
  readonly dontFragment: boolean;
  readonly moreFragments: boolean;
  /** Fragment offset in 8-byte units, as on the wire. */
  readonly fragmentOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly checksum: number;
  /** Header checksum status, verified when read. */
  readonly checksumStatus: ChecksumStatus;
  readonly src: string;
  readonly dst: string;
  /** Source and destination as unsigned 32-bit integers (no allocation). */
  readonly srcInt: number;
  readonly dstInt: number;
  /** The options bytes (view; empty without options). */
  readonly options: Uint8Array;
  /** The options, parsed (a new array each read). */
  readonly optionList: readonly OptionEntry[];
}

export interface Ipv6Layer extends LayerBase {
  readonly kind: 'ipv6';
  readonly version: number;
  readonly trafficClass: number;
  readonly flowLabel: number;
  readonly payloadLength: number;
  /** Next header field of the fixed header (an extension header's kind or the upper protocol). */
  readonly nextHeader: number;
  readonly hopLimit: number;
  readonly src: string;
  readonly dst: string;
}

/** Hop-by-hop (0) or destination options (60) extension header. */
export interface Ipv6OptionsLayer extends LayerBase {
  readonly kind: 'ipv6-hop-by-hop' | 'ipv6-destination';
  readonly nextHeader: number;
  /** The options area (view, after next header and length bytes). */
  readonly options: Uint8Array;
}

export interface Ipv6RoutingLayer extends LayerBase {
  readonly kind: 'ipv6-routing';
  readonly nextHeader: number;
  readonly routingType: number;
  readonly segmentsLeft: number;
  /** For type 0 and segment routing (4): the addresses carried; empty otherwise. */
  readonly addresses: readonly string[];
}

export interface Ipv6FragmentLayer extends LayerBase {
  readonly kind: 'ipv6-fragment';
  readonly nextHeader: number;
  /** In 8-byte units. */
  readonly fragmentOffset: number;
  readonly moreFragments: boolean;
  readonly identification: number;
}

/** Authentication header (IPv6 extension header 51, also after IPv4). */
export interface AhLayer extends LayerBase {
  readonly kind: 'ah';
  readonly nextHeader: number;
  readonly spi: number;
  readonly sequence: number;
  /** Integrity check value (view). */
  readonly icv: Uint8Array;
}

export interface IcmpLayer extends LayerBase {
  readonly kind: 'icmp';
  readonly type: number;
  readonly code: number;
  readonly checksum: number;
  /** Over the ICMP message (header and payload). */
  readonly checksumStatus: ChecksumStatus;
  /** Bytes 4..7 of the header (identifier and sequence for echo). */
  readonly restOfHeader: number;
  /** For echo request/reply (8/0) and timestamps: identifier and sequence; else undefined. */
  readonly identifier: number | undefined;
  readonly sequence: number | undefined;
}

/** A neighbour discovery option (type, length in bytes, offset of the option). */
export interface NdpOption {
  readonly type: number;
  readonly length: number;
  readonly offset: number;
  /** For source/target link-layer address options (1, 2) of 8 bytes: the MAC address. */
  readonly linkLayerAddress: string | undefined;
  /** The option's bytes after its type and length (view). */
  readonly data: Uint8Array;
}

export interface Icmpv6Layer extends LayerBase {
  readonly kind: 'icmpv6';
  readonly type: number;
  readonly code: number;
  readonly checksum: number;
  /** Over the pseudo-header and the message. */
  readonly checksumStatus: ChecksumStatus;
  readonly restOfHeader: number;
  /** Neighbour solicitation/advertisement (135/136) and redirect (137): the target address. */
  readonly targetAddress: string | undefined;
  /** Redirect (137): the destination address. */
  readonly destinationAddress: string | undefined;
  /** Router advertisement (134): reachable time and retransmission timer, in ms. */
  readonly reachableTime: number | undefined;
  readonly retransTimer: number | undefined;
  /** Neighbour discovery options (router solicitation/advertisement, NS, NA, redirect); empty otherwise. */
  readonly ndpOptions: readonly NdpOption[];
}
