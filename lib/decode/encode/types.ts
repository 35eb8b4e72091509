/**
 * What the encoder takes: for each layer kind, the fields of the decoder's
 * layer type (lib/decode/types.ts) that the wire format needs, most of them
 * optional. A decoded layer is a valid input as it is, so
 * `encode(decode(linkType, frame))` rebuilds the frame.
 *
 * Left out, a length, a checksum or a next-protocol number is computed from
 * what follows; given, it is written as given (so a captured frame with a
 * wrong checksum is reproduced, wrong checksum included), unless the call
 * passes `{ recompute: true }`.
 */
import type {
  AhLayer,
  ArpLayer,
  DnsLayer,
  DnsQuestion,
  EthernetLayer,
  GreLayer,
  IcmpLayer,
  Icmpv6Layer,
  Ieee80211Layer,
  Ipv4Layer,
  Ipv6FragmentLayer,
  Ipv6Layer,
  Ipv6OptionsLayer,
  Ipv6RoutingLayer,
  LlcLayer,
  NullLayer,
  RadiotapLayer,
  SctpLayer,
  Sll2Layer,
  SllLayer,
  SnapLayer,
  TcpLayer,
  UdpLayer,
  VlanLayer,
  VxlanLayer,
} from '../types';

/** `offset`/`length` of a decoded layer: where its bytes are in the decoded packet's `bytes`. */
interface Placed {
  readonly offset?: number;
  readonly length?: number;
}

/** The required fields of L (kind included) plus the optional ones. */
type Input<L, Required extends keyof L, Optional extends keyof L> = Pick<L, Required> &
  Partial<Pick<L, Optional>> &
  Placed;

/** An Ethernet header to encode: dst and src MAC addresses; the ethertype, left out, comes from the next layer. */
export type EthernetInput = Input<EthernetLayer, 'kind' | 'dst' | 'src', 'type'>;
/**
 * An 802.1Q tag to encode: the VLAN id; tpid (default 0x8100), priority and dei default to 0; the type comes from the
 * next layer.
 */
export type VlanInput = Input<VlanLayer, 'kind' | 'id', 'tpid' | 'priority' | 'dei' | 'type'>;
/** An 802.2 LLC header to encode: DSAP and SSAP; control defaults to 0x03 (UI). */
export type LlcInput = Input<LlcLayer, 'kind' | 'dsap' | 'ssap', 'control'>;
/** A SNAP header to encode; oui defaults to 0 and protocolId comes from the next layer. */
export type SnapInput = Input<SnapLayer, 'kind', 'oui' | 'protocolId'>;
/**
 * A LINUX_SLL header to encode; arphrdType defaults to 1 (Ethernet), packetType to 0, address to none, protocol comes
 * from the next layer.
 */
export type SllInput = Input<SllLayer, 'kind', 'packetType' | 'arphrdType' | 'addressLength' | 'address' | 'protocol'>;
/** A LINUX_SLL2 header to encode; as SllInput, with interfaceIndex defaulting to 0. */
export type Sll2Input = Input<
  Sll2Layer,
  'kind',
  'packetType' | 'arphrdType' | 'addressLength' | 'address' | 'protocol' | 'interfaceIndex'
>;
/** A NULL or LOOP header to encode; family, left out, comes from the next layer (2 for IPv4, 24 for IPv6). */
export type NullInput = Input<NullLayer, 'kind', 'family' | 'loop'> & {
  /** NULL only: the byte order of `family` (the capturing host's); default little-endian. */
  readonly byteOrder?: 'little' | 'big';
};
/**
 * A radiotap header to encode: the typed fields given are written, and `present` is computed from them when left out.
 */
export type RadiotapInput = Input<
  RadiotapLayer,
  'kind',
  | 'version'
  | 'present'
  | 'tsft'
  | 'flags'
  | 'rate'
  | 'channelFrequency'
  | 'channelFlags'
  | 'antennaSignal'
  | 'antennaNoise'
  | 'antenna'
>;
/**
 * An 802.11 MAC header to encode: addr1 at least; type defaults to 2 (data), subtype, flags, duration, sequence and
 * fragment to 0.
 */
export type Ieee80211Input = Input<
  Ieee80211Layer,
  'kind' | 'addr1',
  | 'frameControl'
  | 'type'
  | 'subtype'
  | 'flags'
  | 'duration'
  | 'addr2'
  | 'addr3'
  | 'addr4'
  | 'sequence'
  | 'fragment'
  | 'qosControl'
> & {
  /** HT control field (with the +HTC/order flag); default 0. */
  readonly htControl?: number;
};
/**
 * An ARP packet to encode: opcode and the four addresses; hardwareType defaults to 1, protocolType to 0x0800, the
 * lengths come from the addresses.
 */
export type ArpInput = Input<
  ArpLayer,
  'kind' | 'opcode' | 'senderHardware' | 'senderProtocol' | 'targetHardware' | 'targetProtocol',
  'hardwareType' | 'protocolType' | 'hardwareLength' | 'protocolLength'
>;
/**
 * An IPv4 header to encode: src and dst; version defaults to 4, ttl to 64, the other fields to 0; the lengths, protocol
 * and checksum are computed.
 */
export type Ipv4Input = Input<
  Ipv4Layer,
  'kind' | 'src' | 'dst',
  | 'version'
  | 'headerLength'
  | 'dscp'
  | 'ecn'
  | 'totalLength'
  | 'id'
  | 'flags'
  | 'dontFragment'
  | 'moreFragments'
  | 'fragmentOffset'
  | 'ttl'
  | 'protocol'
  | 'checksum'
  | 'options'
>;
/**
 * An IPv6 header to encode: src and dst; version defaults to 6, hopLimit to 64, trafficClass and flowLabel to 0;
 * payloadLength and nextHeader (59 when nothing follows) are computed.
 */
export type Ipv6Input = Input<
  Ipv6Layer,
  'kind' | 'src' | 'dst',
  'version' | 'trafficClass' | 'flowLabel' | 'payloadLength' | 'nextHeader' | 'hopLimit'
>;
/**
 * A hop-by-hop or destination options header to encode; nextHeader is computed, options are padded to a multiple of 8
 * bytes.
 */
export type Ipv6OptionsInput = Input<Ipv6OptionsLayer, 'kind', 'nextHeader' | 'options'>;
/** An IPv6 routing header to encode; routingType and segmentsLeft default to 0, nextHeader is computed. */
export type Ipv6RoutingInput = Input<
  Ipv6RoutingLayer,
  'kind',
  'nextHeader' | 'routingType' | 'segmentsLeft' | 'addresses'
> & {
  /** The bytes after the first 4 for routing types other than 0 and 4 (whose addresses are encoded). */
  readonly data?: Uint8Array;
};
/**
 * An IPv6 fragment header to encode; fragmentOffset and identification default to 0, moreFragments to false, nextHeader
 * is computed.
 */
export type Ipv6FragmentInput = Input<
  Ipv6FragmentLayer,
  'kind',
  'nextHeader' | 'fragmentOffset' | 'moreFragments' | 'identification'
>;
/** An authentication header to encode; spi and sequence default to 0, nextHeader is computed. */
export type AhInput = Input<AhLayer, 'kind', 'nextHeader' | 'spi' | 'sequence' | 'icv'>;
/** An ICMP header to encode: the type; code, identifier and sequence default to 0, and the checksum is computed. */
export type IcmpInput = Input<
  IcmpLayer,
  'kind' | 'type',
  'code' | 'checksum' | 'restOfHeader' | 'identifier' | 'sequence'
>;

/** A neighbour discovery option: a link-layer address (types 1 and 2) or its bytes after type and length. */
export interface NdpOptionInput {
  /** Option type (1 source link-layer address, 2 target link-layer address, …). */
  readonly type: number;
  /** Types 1 and 2: the MAC address to write, as the decoder gives it. */
  readonly linkLayerAddress?: string;
  /** The option's bytes after its type and length bytes (padded with zeros to a multiple of 8 in all). */
  readonly data?: Uint8Array;
  /** From a decoded option: its total length in bytes and where it lies in the decoded packet. */
  readonly length?: number;
  /** From a decoded option: where it lies in the decoded packet. */
  readonly offset?: number;
}

/**
 * An ICMPv6 header to encode: the type; code and restOfHeader default to 0, and the checksum is computed over the
 * enclosing IP header's pseudo-header.
 */
export type Icmpv6Input = Input<
  Icmpv6Layer,
  'kind' | 'type',
  'code' | 'checksum' | 'restOfHeader' | 'targetAddress' | 'destinationAddress' | 'reachableTime' | 'retransTimer'
> & {
  /** Neighbour discovery options, written after the fixed part of the message. */
  readonly ndpOptions?: readonly NdpOptionInput[];
};
/**
 * A TCP header to encode: the ports; window defaults to 65535, the other fields to 0, and the checksum and header
 * length are computed.
 */
export type TcpInput = Input<
  TcpLayer,
  'kind' | 'srcPort' | 'dstPort',
  | 'seq'
  | 'ack'
  | 'headerLength'
  | 'flags'
  | 'window'
  | 'checksum'
  | 'urgentPointer'
  | 'options'
  | 'mss'
  | 'windowScale'
  | 'sackPermitted'
  | 'sackBlocks'
  | 'tsval'
  | 'tsecr'
>;
/** A UDP header to encode: the ports; its length and checksum are computed. */
export type UdpInput = Input<UdpLayer, 'kind' | 'srcPort' | 'dstPort', 'udpLength' | 'checksum'>;

/** An SCTP chunk: type, flags and its value (the bytes after the 4-byte chunk header). */
export interface SctpChunkInput {
  /** Chunk type (0 DATA, 1 INIT, …). */
  readonly type: number;
  /** Chunk flags; default 0. */
  readonly flags?: number;
  /** The bytes after the 4-byte chunk header; default none. Padded with zeros to a multiple of 4. */
  readonly value?: Uint8Array;
  /** The chunk length field (header and value, without padding); computed when left out. */
  readonly length?: number;
  /** From a decoded chunk: where it lies in the decoded packet. */
  readonly offset?: number;
}

/** An SCTP common header to encode: the ports; verificationTag defaults to 0, the CRC32c checksum is computed. */
export type SctpInput = Input<SctpLayer, 'kind' | 'srcPort' | 'dstPort', 'verificationTag' | 'checksum'> & {
  /** The chunks, in order; default none. */
  readonly chunks?: readonly SctpChunkInput[];
};
/**
 * A GRE header to encode; flagsVersion, left out, comes from which of checksum, key, sequence and
 * acknowledgment are given, and protocol from the next layer.
 */
export type GreInput = Input<GreLayer, 'kind', 'flagsVersion' | 'protocol' | 'checksum' | 'key' | 'sequence'> & {
  /** Version 1 (PPTP) with the A flag: the acknowledgment number. */
  readonly acknowledgment?: number;
};
/** A VXLAN header to encode: the VNI; flags default to 0x08 (VNI valid). */
export type VxlanInput = Input<VxlanLayer, 'kind' | 'vni', 'flags'>;

/** A DNS question to encode: name and type; class defaults to 1 (IN). */
export type DnsQuestionInput = Pick<DnsQuestion, 'name' | 'type'> & Partial<Pick<DnsQuestion, 'class'>>;

/** A resource record: `data` (an address or a name, as the decoder gives it) or the raw `rdata`. */
export interface DnsResourceInput {
  /** The owner name, dot-separated (compressed against earlier names). */
  readonly name: string;
  /** Record type (1 A, 5 CNAME, 28 AAAA, …). */
  readonly type: number;
  /** Record class; default 1 (IN). */
  readonly class?: number;
  /** Time to live in seconds; default 0. */
  readonly ttl?: number;
  /** A and AAAA: the address; CNAME, NS, PTR: the name (compressed like owner names). */
  readonly data?: string;
  /** Any other type: the RDATA bytes. */
  readonly rdata?: Uint8Array;
  /** From a decoded record: where its RDATA lies in the decoded packet. */
  readonly dataOffset?: number;
  /** From a decoded record: its RDATA length. */
  readonly dataLength?: number;
}

/** A DNS message to encode; id and flags default to 0, the section counts come from the arrays given. */
export type DnsInput = Input<
  DnsLayer,
  'kind',
  'id' | 'flags' | 'questionCount' | 'answerCount' | 'authorityCount' | 'additionalCount'
> & {
  /** The question section; default none. */
  readonly questions?: readonly DnsQuestionInput[];
  /** The answer section; default none. */
  readonly answers?: readonly DnsResourceInput[];
  /** The authority section; default none. */
  readonly authorities?: readonly DnsResourceInput[];
  /** The additional section; default none. */
  readonly additionals?: readonly DnsResourceInput[];
  /** Over TCP: the 2-byte message length before the message; computed when left out. */
  readonly tcpLength?: number;
};

/** One layer to encode, discriminated on `kind` like the decoder's {@link Layer}. */
export type LayerInput =
  | EthernetInput
  | VlanInput
  | LlcInput
  | SnapInput
  | SllInput
  | Sll2Input
  | NullInput
  | RadiotapInput
  | Ieee80211Input
  | ArpInput
  | Ipv4Input
  | Ipv6Input
  | Ipv6OptionsInput
  | Ipv6RoutingInput
  | Ipv6FragmentInput
  | AhInput
  | IcmpInput
  | Icmpv6Input
  | TcpInput
  | UdpInput
  | SctpInput
  | GreInput
  | VxlanInput
  | DnsInput;

/** A packet to encode: its layers, outermost first, and what follows them. */
export interface PacketInput {
  /** The layers, outermost first; a decoded packet's `layers` as they are. */
  readonly layers: readonly LayerInput[];
  /** The bytes after the last layer (application data). */
  readonly payload?: Uint8Array;
  /** Bytes after the outermost length-bounded layer (Ethernet padding, a trailer, an FCS). */
  readonly trailer?: Uint8Array;
  /**
   * The bytes a decoded packet was decoded from: the encoder copies from them
   * the parts of a layer that the decoder does not expose as fields (e.g.
   * radiotap fields beyond those typed, IPv6 routing data, GRE's offset field).
   */
  readonly bytes?: Uint8Array;
}

/** Options of {@link encode}. */
export interface EncodeOptions {
  /**
   * Compute every length, checksum and next-protocol field, ignoring the
   * values given (use it after changing a decoded packet). Default false.
   */
  readonly recompute?: boolean;
}
