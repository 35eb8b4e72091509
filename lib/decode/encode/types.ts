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

export type EthernetInput = Input<EthernetLayer, 'kind' | 'dst' | 'src', 'type'>;
export type VlanInput = Input<VlanLayer, 'kind' | 'id', 'tpid' | 'priority' | 'dei' | 'type'>;
export type LlcInput = Input<LlcLayer, 'kind' | 'dsap' | 'ssap', 'control'>;
export type SnapInput = Input<SnapLayer, 'kind', 'oui' | 'protocolId'>;
export type SllInput = Input<SllLayer, 'kind', 'packetType' | 'arphrdType' | 'addressLength' | 'address' | 'protocol'>;
export type Sll2Input = Input<
  Sll2Layer,
  'kind',
  'packetType' | 'arphrdType' | 'addressLength' | 'address' | 'protocol' | 'interfaceIndex'
>;
export type NullInput = Input<NullLayer, 'kind', 'family' | 'loop'> & {
  /** NULL only: the byte order of `family` (the capturing host's); default little-endian. */
  readonly byteOrder?: 'little' | 'big';
};
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
export type ArpInput = Input<
  ArpLayer,
  'kind' | 'opcode' | 'senderHardware' | 'senderProtocol' | 'targetHardware' | 'targetProtocol',
  'hardwareType' | 'protocolType' | 'hardwareLength' | 'protocolLength'
>;
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
export type Ipv6Input = Input<
  Ipv6Layer,
  'kind' | 'src' | 'dst',
  'version' | 'trafficClass' | 'flowLabel' | 'payloadLength' | 'nextHeader' | 'hopLimit'
>;
export type Ipv6OptionsInput = Input<Ipv6OptionsLayer, 'kind', 'nextHeader' | 'options'>;
export type Ipv6RoutingInput = Input<
  Ipv6RoutingLayer,
  'kind',
  'nextHeader' | 'routingType' | 'segmentsLeft' | 'addresses'
> & {
  /** The bytes after the first 4 for routing types other than 0 and 4 (whose addresses are encoded). */
  readonly data?: Uint8Array;
};
export type Ipv6FragmentInput = Input<
  Ipv6FragmentLayer,
  'kind',
  'nextHeader' | 'fragmentOffset' | 'moreFragments' | 'identification'
>;
export type AhInput = Input<AhLayer, 'kind', 'nextHeader' | 'spi' | 'sequence' | 'icv'>;
export type IcmpInput = Input<
  IcmpLayer,
  'kind' | 'type',
  'code' | 'checksum' | 'restOfHeader' | 'identifier' | 'sequence'
>;

/** A neighbour discovery option: a link-layer address (types 1 and 2) or its bytes after type and length. */
export interface NdpOptionInput {
  readonly type: number;
  readonly linkLayerAddress?: string;
  /** The option's bytes after its type and length bytes (padded with zeros to a multiple of 8 in all). */
  readonly data?: Uint8Array;
  /** From a decoded option: its total length in bytes and where it lies in the decoded packet. */
  readonly length?: number;
  readonly offset?: number;
}

export type Icmpv6Input = Input<
  Icmpv6Layer,
  'kind' | 'type',
  'code' | 'checksum' | 'restOfHeader' | 'targetAddress' | 'destinationAddress' | 'reachableTime' | 'retransTimer'
> & {
  readonly ndpOptions?: readonly NdpOptionInput[];
};
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
export type UdpInput = Input<UdpLayer, 'kind' | 'srcPort' | 'dstPort', 'udpLength' | 'checksum'>;

/** An SCTP chunk: type, flags and its value (the bytes after the 4-byte chunk header). */
export interface SctpChunkInput {
  readonly type: number;
  readonly flags?: number;
  readonly value?: Uint8Array;
  /** The chunk length field (header and value, without padding); computed when left out. */
  readonly length?: number;
  /** From a decoded chunk: where it lies in the decoded packet. */
  readonly offset?: number;
}

export type SctpInput = Input<SctpLayer, 'kind' | 'srcPort' | 'dstPort', 'verificationTag' | 'checksum'> & {
  readonly chunks?: readonly SctpChunkInput[];
};
export type GreInput = Input<GreLayer, 'kind', 'flagsVersion' | 'protocol' | 'checksum' | 'key' | 'sequence'> & {
  /** Version 1 (PPTP) with the A flag: the acknowledgment number. */
  readonly acknowledgment?: number;
};
export type VxlanInput = Input<VxlanLayer, 'kind' | 'vni', 'flags'>;

export type DnsQuestionInput = Pick<DnsQuestion, 'name' | 'type'> & Partial<Pick<DnsQuestion, 'class'>>;

/** A resource record: `data` (an address or a name, as the decoder gives it) or the raw `rdata`. */
export interface DnsResourceInput {
  readonly name: string;
  readonly type: number;
  readonly class?: number;
  readonly ttl?: number;
  /** A and AAAA: the address; CNAME, NS, PTR: the name (compressed like owner names). */
  readonly data?: string;
  /** Any other type: the RDATA bytes. */
  readonly rdata?: Uint8Array;
  /** From a decoded record: where its RDATA lies in the decoded packet. */
  readonly dataOffset?: number;
  readonly dataLength?: number;
}

export type DnsInput = Input<
  DnsLayer,
  'kind',
  'id' | 'flags' | 'questionCount' | 'answerCount' | 'authorityCount' | 'additionalCount'
> & {
  readonly questions?: readonly DnsQuestionInput[];
  readonly answers?: readonly DnsResourceInput[];
  readonly authorities?: readonly DnsResourceInput[];
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

export interface EncodeOptions {
  /**
   * Compute every length, checksum and next-protocol field, ignoring the
   * values given (use it after changing a decoded packet). Default false.
   */
  readonly recompute?: boolean;
}
